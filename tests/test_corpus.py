"""The bad-input corpus: every broken or hostile file in ``tests/corpus/`` with what
must happen to it.

Each case is built together with a good visit. A bad file gives exit 1, one line per
problem naming the file, the line and the field, no traceback, and no output folder
for that visit, while the good visit still builds. A good file with hostile-looking
text builds, and its text comes out character for character in PDF and DOCX.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from kzru_reports.cli import main

from .conftest import docx_text, pdf_text, squash

CORPUS = Path(__file__).parent / "corpus"
GOOD = CORPUS / "good-control.yaml"


@dataclass(frozen=True)
class Bad:
    line: int | None  # None: a problem of the whole file (encoding, size)
    path: str  # the field named; "" when the problem is not in one field
    says: str  # a fragment of the message


@dataclass(frozen=True)
class Good:
    visit: str
    literals: tuple[str, ...] = ()


CASES: dict[str, Bad | Good] = {
    # reportlab / HTML / Jinja markup in data: all literal in both formats
    "markup-in-text.yaml": Good(
        "markup-in-text",
        (
            "Delegation <Ministry of X> arrives",
            'a<b and b>c & d; <a href="javascript:alert(1)">click</a> <img src="/dev/zero"/> '
            '</para> <font size="90">big</font>',
            "Country <A>",
            "Jane <b>Doe</b>",
            "President & CEO",
            "Talks {{ visit.title }} {% if true %}x{% endif %}",
            "&amp; &lt;tag&gt; &#169; &nbsp;",
            '<seq id="x"/> <onDraw name="f"/> <br/> <strike>no</strike>',
            '<a href="javascript:alert(2)">Agreement</a>',
            '<img src="/etc/passwd" width="9999"/>',
            "</b></i></a></para>",
            "javascript:alert(3)",
        ),
    ),
    # YAML 1.1 booleans, octals and sexagesimals stay text in text fields
    "yaml-scalars-stay-text.yaml": Good(
        "yaml-scalars-stay-text", ("NO", "012345", "12:30", "Yes", "off", "0x1F", "1e3")
    ),
    # ...and are refused where a number is wanted
    "number-not-text.yaml": Bad(8, "figures[0].value", "expected a number, got '12:30'"),
    # dates
    "impossible-date.yaml": Bad(7, "date", "'2025-02-30' is not a date that exists"),
    "end-before-start.yaml": Bad(7, "dates", "end 2025-11-11 is before start 2025-11-12"),
    # characters XML (and so DOCX) cannot carry
    "control-char.yaml": Bad(6, "title", "control character U+0007"),
    "vertical-tab.yaml": Bad(7, "summary", "control character U+000B"),
    "noncharacter.yaml": Bad(7, "summary", "noncharacter U+FFFE"),
    "nul-escape.json": Bad(3, "summary", "control character U+0000"),
    "raw-nul.yaml": Bad(3, "", "YAML does not allow the character U+0000"),
    "lone-surrogate.json": Bad(3, "summary", "lone surrogate U+D83D"),
    # characters no shipped font has
    "emoji.yaml": Bad(7, "summary", "'🤝' (U+1F91D)"),
    "emoji-pair.json": Bad(3, "summary", "'😀' (U+1F600) cannot be shown by the fonts"),
    "no-font-has-it.yaml": Bad(5, "parties[0].country", "'中' (U+4E2D), '国' (U+56FD)"),
    # bombs and nesting
    "billion-laughs.yaml": Bad(12, "lol5[3]", "refusing to expand further"),
    "deep-nesting.yaml": Bad(7, "summary", "nesting deeper than 40 levels"),
    "deep-nesting.json": Bad(3, "summary", "nesting deeper than 40 levels"),
    # keys
    "duplicate-key.yaml": Bad(7, "title", "duplicate key 'title' (first given on line 6)"),
    "duplicate-key.json": Bad(3, "title", "duplicate key 'title'"),
    "unknown-field.yaml": Bad(7, "sumary", "unknown field 'sumary' (did you mean 'summary'?)"),
    "merge-key.yaml": Bad(8, "location", "merge keys"),
    "python-tag.yaml": Bad(6, "title", "YAML tag"),
    "two-documents.yaml": Bad(7, "", "more than one YAML document"),
    "bad-schema-tag.yaml": Bad(1, "schema", "unknown format 'visit/9'"),
    # numbers JSON does not have
    "nan.json": Bad(3, "figures[0].value", "NaN"),
    "infinity.json": Bad(3, "figures[0].value", "expected a finite number"),
    # encodings
    "not-utf8.yaml": Bad(7, "", "not UTF-8: byte 0xe9"),
    "utf16.yaml": Bad(1, "", "the file is UTF-16"),
    # ids that would be bad file names
    "device-name-id.yaml": Bad(5, "id", "Windows reserves it for a device"),
    "path-in-id.yaml": Bad(5, "id", "'../../escape' is not a valid id"),
    # what validate passed and build refused: refused by both now
    "id-with-newline.yaml": Bad(3, "id", "'abc\\n' is not a valid id"),
    "figure-too-large.yaml": Bad(
        9, "figures[0].value", "a figure is at most 1,000,000,000,000,000"
    ),
    "delegation-too-long.yaml": Bad(9, "parties[1].delegation", "201 entries; the limit is 200"),
    # sizes: aliases counted in characters, the same list limit for YAML and JSON, and
    # no more than 20 problems printed for one file
    "alias-long-strings.yaml": Bad(
        176, "follow_ups[166]", "more than 16,777,216 characters of text once aliases"
    ),
    "yaml-long-list.yaml": Bad(5009, "follow_ups", "more than 5,000 entries in one list"),
    "json-long-list.json": Bad(3, "follow_ups", "more than 5,000 entries in one list"),
    "many-problems.json": Bad(None, "", "and 80 more problems"),
}

LINE = re.compile(
    r"^(?P<file>.+?):(?:(?P<line>\d+):(?P<col>\d+):)? (?:(?P<path>\S+): )?(?P<msg>.+)$"
)


def build(*args: str) -> tuple[int, dict[str, object], str, BaseException | None]:
    result = CliRunner().invoke(main, ["build", "--json", "-a", "analyst", "-d", "memo", *args])
    report = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.exit_code, report, result.stderr, result.exception


def test_every_corpus_file_has_a_case() -> None:
    files = {p.name for p in CORPUS.iterdir()} - {GOOD.name}
    assert files == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_corpus_case(name: str, tmp_path: Path) -> None:
    case, file = CASES[name], CORPUS / name
    out = tmp_path / "out"
    more = ("-d", "agreements") if isinstance(case, Good) else ()  # cells of tables too
    code, report, stderr, exc = build(*more, str(file), str(GOOD), "-o", str(out))
    assert "Traceback" not in stderr
    assert exc is None or isinstance(exc, SystemExit), exc
    visits = {o["visit"] for o in report["outputs"]}  # type: ignore[index]
    folders = {p.name for p in out.iterdir() if p.is_dir()}
    if isinstance(case, Bad):
        assert code == 1, stderr
        assert visits == folders == {"good-control"}, (visits, folders)
        errors = report["errors"]
        assert errors and all(e["file"] == str(file) for e in errors)  # type: ignore[union-attr]
        lines = stderr.strip().splitlines()
        assert len(lines) == len(errors)  # type: ignore[arg-type]
        parsed = [LINE.match(line) for line in lines]
        assert all(parsed), lines
        hits = [
            m
            for m in parsed
            if m
            and m["file"] == str(file)
            and m["line"] == (str(case.line) if case.line else None)
            and (m["path"] or "") == case.path
            and case.says in m["msg"]
        ]
        assert hits, (case, lines)
    else:
        assert code == 0, stderr
        assert visits == folders == {"good-control", case.visit}
        folder = out / case.visit / "analyst"
        pdf = " ".join(pdf_text(p.read_bytes()) for p in sorted(folder.glob("*.pdf")))
        docx = " ".join(docx_text(p.read_bytes()) for p in sorted(folder.glob("*.docx")))
        for literal in case.literals:
            assert squash(literal) in pdf, ("pdf", literal)
            assert squash(literal) in docx, ("docx", literal)
        for path in folder.glob("*.pdf"):
            assert_no_live_script(path.read_bytes())
        for path in folder.glob("*.docx"):
            with zipfile.ZipFile(path) as z:
                rels = " ".join(z.read(n).decode() for n in z.namelist() if n.endswith(".rels"))
            assert "javascript" not in rels.lower()


def assert_no_live_script(data: bytes) -> None:
    """No link to a script and no picture (``<img src=...>`` must not be loaded)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A") or {}
            assert "javascript" not in str(action.get("/URI", "")).lower()
            assert action.get("/S") != "/JavaScript"
        xobjects = page["/Resources"].get_object().get("/XObject") or {}
        assert not any(x.get_object().get("/Subtype") == "/Image" for x in xobjects.values())
    assert b"/JavaScript" not in data and b"/JS " not in data


def test_oversize_file_is_refused_unread(tmp_path: Path) -> None:
    from kzru_reports.data.tree import MAX_BYTES

    big = tmp_path / "big.yaml"
    big.write_bytes(GOOD.read_bytes() + b"#" * (MAX_BYTES + 10) + b"\n")
    code, report, stderr, _ = build(str(big), str(GOOD), "-o", str(tmp_path / "o"))
    assert code == 1 and "the limit is 8,388,608" in stderr and "Traceback" not in stderr
    assert {o["visit"] for o in report["outputs"]} == {"good-control"}  # type: ignore[index]


def test_devices_and_pipes_are_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # opening it for reading would block for ever
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    code, _, stderr, _ = build(str(fifo), "/dev/zero", str(GOOD), "-o", str(tmp_path / "o"))
    assert code == 1
    assert f"{fifo}: not a regular file" in stderr
    assert "/dev/zero: not a regular file" in stderr


@pytest.mark.parametrize(
    "name",
    [
        "with space and ünïcödé.yaml",
        "new\nline.yaml",
        "tab\there.YAML",
        os.fsdecode(b"latin1-caf\xe9.yaml"),  # not decodable: held as a lone surrogate
        "-starts-with-dash.yml",
    ],
)
def test_odd_file_names(tmp_path: Path, name: str) -> None:
    """A bad file with an odd name is still one line of error, its name escaped; a
    good one builds (outputs are named by the visit id, never by the file name)."""
    bad, good = tmp_path / "bad", tmp_path / "good"
    bad.mkdir()
    good.mkdir()
    (bad / name).write_text((CORPUS / "impossible-date.yaml").read_text())
    (good / name).write_text(GOOD.read_text().replace("good-control", "odd-name"))
    code, report, stderr, exc = build("-o", str(tmp_path / "o"), "--", str(bad), str(good))
    assert code == 1 and (exc is None or isinstance(exc, SystemExit))
    assert "Traceback" not in stderr
    [line] = stderr.strip().splitlines()
    assert ":7:1: date: '2025-02-30' is not a date that exists" in line
    assert {o["visit"] for o in report["outputs"]} == {"odd-name"}  # type: ignore[index]


def test_the_whole_corpus_in_one_real_run(tmp_path: Path) -> None:
    """As a user runs it: one process over the folder; exit 1, one line per problem
    and no traceback; the good visits built and nothing else."""
    import subprocess
    import sys

    out = tmp_path / "out"
    options = ("-a", "analyst", "-d", "memo", "-f", "pdf")
    result = subprocess.run(
        [sys.executable, "-m", "kzru_reports", "build", str(CORPUS), "-o", str(out), *options],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")},
        timeout=120,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert all(LINE.match(line) for line in lines), lines
    bad = {n for n, c in CASES.items() if isinstance(c, Bad)}
    named = {Path(m["file"]).name for m in map(LINE.match, lines) if m}
    assert named == bad
    good = {c.visit for c in CASES.values() if isinstance(c, Good)} | {"good-control"}
    assert {p.name for p in out.iterdir() if p.is_dir()} == good
