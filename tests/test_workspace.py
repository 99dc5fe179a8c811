"""Workspaces: kzru.toml, kzru init, audiences, the template search chain, overrides."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from kzru_reports.cli import main
from kzru_reports.config import load_config, load_workspace
from kzru_reports.errors import DataError

from .readers import docx_text, pdf_text

MEMO_OVERRIDE = """\
{% extends "builtin/memo.xml.j2" %}
{% block follow_ups %}
<h2 id="next">Next steps (workspace)</h2>
<ol>
{% for f in visit.follow_ups %}  <li>Step: {{ f.text }}</li>
{% endfor %}</ol>
{% endblock %}
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def built(stdout: str) -> list[dict[str, str]]:
    return json.loads(stdout)["outputs"]  # type: ignore[no-any-return]


def test_init_makes_a_workspace_that_builds_at_once(inside: Path) -> None:
    code, out, _ = run("init", "ws")
    assert code == 0, out
    ws = inside / "ws"
    assert (ws / "kzru.toml").is_file() and (ws / "templates" / "README.md").is_file()
    assert [p.name for p in (ws / "data").iterdir()] == ["kz-ru-state-visit-2025.yaml"]
    os.chdir(ws)
    code, out, err = run("build", "-d", "memo", "--json")
    assert code == 0, err
    outputs = built(out)
    assert {o["audience"] for o in outputs} == {"leadership", "analyst", "press"}
    assert all(Path(o["path"]).is_file() for o in outputs)
    assert outputs[0]["path"].startswith("build" + os.sep)
    assert run("init", ".")[0] == 2  # never over an existing workspace
    # a plain `kzru build` there makes what the README promises, the pack included
    from kzru_reports.api import DOCUMENTS
    from kzru_reports.config import load_workspace

    assert load_workspace(ws).documents == DOCUMENTS


def test_build_from_a_subfolder_uses_the_workspace(inside: Path) -> None:
    run("init", ".")
    (inside / "notes").mkdir()
    os.chdir(inside / "notes")
    code, out, err = run("build", "-d", "factsheet", "-a", "press", "-f", "pdf", "--json")
    assert code == 0, err
    [o] = built(out)
    assert Path(o["path"]).resolve().is_relative_to(inside / "build")


def test_unknown_config_key_names_file_line_and_likely_key(tmp_path: Path) -> None:
    config = tmp_path / "kzru.toml"
    config.write_text(
        'data = "data"\ntemplate = "t"\n\n[defaults]\nformat = ["pdf"]\nlang = "kz"\n\n'
        '[audiences.ministers]\nclearence = "restricted"\ndetail = "short"\n'
    )
    with pytest.raises(DataError) as info:
        load_config(config)
    lines = [str(p) for p in info.value.problems()]
    assert f"{config}:2: template: unknown key (did you mean 'templates'?)" in lines[0]
    assert f"{config}:5: defaults.format: unknown key (did you mean 'formats'?)" in lines[1]
    assert ":6: defaults.lang: 'kz' is not one of en, ru, kk (did you mean 'kk'?)" in lines[2]
    assert "audiences.ministers.clearence: unknown key (did you mean 'clearance'?)" in lines[3]
    assert ":10: audiences.ministers.detail: 'short' is not one of full, brief" in lines[4]


def test_bad_config_is_reported_by_the_cli(inside: Path) -> None:
    (inside / "kzru.toml").write_text("[theme]\naccent = 'blue'\npage_size = 'A5'\n")
    code, _, err = run("build")
    assert code == 1
    assert "kzru.toml:2: theme.accent: a colour is written #RRGGBB" in err
    assert "kzru.toml:3: theme.page_size" in err


def test_profiles_of_the_config_add_to_the_built_in_audiences(inside: Path) -> None:
    (inside / "kzru.toml").write_text(
        '[audiences.ministers]\nbase = "leadership"\nlabel = "Ministers"\n'
        'documents = ["memo"]\n\n[audiences.public]\nclearance = "public"\n'
        'omit = ["follow_ups", "sources"]\ndescription = "For the embassy website."\n'
    )
    ws = load_workspace()
    assert ws.default_audiences == ("leadership", "analyst", "press", "ministers", "public")
    assert ws.audiences["public"].description == "For the embassy website."
    assert "Everything" not in ws.audiences["ministers"].description
    assert ws.audiences["ministers"].description == "Defined in kzru.toml (based on leadership)."
    (inside / "kzru.toml").write_text(
        (inside / "kzru.toml").read_text() + '\n[defaults]\naudiences = ["ministers", "public"]\n'
    )
    ws = load_workspace()
    assert ws.default_audiences == ("ministers", "public")
    assert ws.audiences["ministers"].detail == "brief"
    code, out, err = run("build", "--json", "-f", "pdf")
    assert code == 0, err
    got = sorted((o["audience"], o["document"]) for o in built(out))
    assert got == [
        ("ministers", "memo"),
        ("public", "agreements"),
        ("public", "factsheet"),
        ("public", "memo"),
        ("public", "pack"),
    ]
    memo = next(Path(o["path"]) for o in built(out) if o["audience"] == "ministers")
    from pypdf import PdfReader  # the label names the audience in the file's properties

    assert "Ministers" in (PdfReader(memo).metadata.keywords or "")
    assert "AUDIENCE" not in pdf_text(memo.read_bytes())  # not a line of the memo
    code, out, _ = run("audiences", "list")
    assert "ministers (default)  [kzru.toml]" in out and "analyst  [built-in]" in out
    assert "public (default)  [kzru.toml]  For the embassy website." in out


def test_generated_config_states_the_default_audiences(inside: Path) -> None:
    run("init", ".")
    assert load_workspace().default_audiences == ("leadership", "analyst", "press")
    text = (inside / "kzru.toml").read_text()
    assert '\naudiences = ["leadership", "analyst", "press"]\n' in text
    # a profile added to the generated file is available, the built-ins still build
    (inside / "kzru.toml").write_text(
        text + '\n[audiences.ministers]\nbase = "leadership"\ndocuments = ["memo"]\n'
    )
    ws = load_workspace()
    assert ws.default_audiences == ("leadership", "analyst", "press")
    assert ws.audience("ministers").documents == ("memo",)


def test_unknown_audience_is_a_usage_error_listing_the_known(inside: Path) -> None:
    code, _, err = run("build", "-a", "pres")
    assert code == 2
    assert "unknown audience 'pres' (did you mean 'press'?)" in err
    assert "known audiences: leadership, analyst, press" in err


def _memo_texts(out: Path, audience: str) -> tuple[str, str]:
    folder = next(out.glob(f"*/{audience}"))
    pdf = pdf_text(next(folder.glob("*-memo.pdf")).read_bytes())
    docx = docx_text(next(folder.glob("*-memo.docx")).read_bytes())
    return pdf, docx


def test_a_block_override_changes_exactly_that_part_in_both_formats(inside: Path) -> None:
    run("init", ".")
    assert run("build", "-a", "analyst", "-d", "memo", "-o", "before")[0] == 0
    (inside / "templates" / "memo.xml.j2").write_text(MEMO_OVERRIDE)
    assert run("build", "-a", "analyst", "-d", "memo", "-o", "after")[0] == 0
    for before, after in zip(
        _memo_texts(inside / "before", "analyst"),
        _memo_texts(inside / "after", "analyst"),
        strict=True,
    ):
        head_b, rest_b = before.split("Follow-up", 1)
        head_a, rest_a = after.split("Next steps (workspace)", 1)
        assert _no_furniture(head_a) == _no_furniture(head_b)
        body_b, tail_b = rest_b.split("Sources", 1)
        body_a, tail_a = rest_a.split("Sources", 1)
        assert _no_furniture(tail_a) == _no_furniture(tail_b)
        assert "Step: Increase trade turnover to USD 30 billion." in body_a
        assert "Step:" not in body_b and "Follow-up" not in after


def _no_furniture(text: str) -> str:
    """The text without running headers and footers, which move with page breaks."""
    import re

    text = re.sub(
        r"Page \d+ of \d+|Briefing memo · State visit of the President of "
        r"Kazakhstan to Russia|PUBLIC",
        " ",
        text,
    )
    return " ".join(text.split())


def test_per_audience_templates_and_profile_mappings(inside: Path) -> None:
    run("init", ".")
    press = inside / "templates" / "press"
    press.mkdir()
    (press / "memo.xml.j2").write_text(
        '{% extends "builtin/memo.xml.j2" %}\n'
        '{% block summary %}<h2 id="s">For the press</h2>{% endblock %}\n'
    )
    (inside / "templates" / "short.xml.j2").write_text(
        '{% extends "builtin/memo.xml.j2" %}{% block outcomes %}{% endblock %}'
    )
    with (inside / "kzru.toml").open("a") as fh:
        fh.write('\n[audiences.analyst.templates]\nmemo = "short.xml.j2"\n')
    # the config now names the analyst profile, which makes it the only default
    everyone = ("-a", "press", "-a", "analyst", "-a", "leadership")
    code, _, err = run("build", "-d", "memo", "-f", "pdf", *everyone)
    assert code == 0, err
    texts = {
        a: pdf_text(next((inside / "build").glob(f"*/{a}/*-memo.pdf")).read_bytes())
        for a in ("press", "analyst", "leadership")
    }
    assert "For the press" in texts["press"] and "Summary" not in texts["press"]
    assert "Key outcomes" not in texts["analyst"] and "Summary" in texts["analyst"]
    assert "Key outcomes" in texts["leadership"]
    code, out, _ = run("templates", "list", "-a", "press")
    assert "memo.xml.j2" in out and "audience press" in out and "(overrides the built-in)" in out
    code, out, _ = run("templates", "list")
    assert "short.xml.j2       workspace" in out


def test_eject_copies_a_builtin_template(inside: Path) -> None:
    run("init", ".")
    code, out, _ = run("templates", "eject", "memo")
    assert code == 0 and (inside / "templates" / "memo.xml.j2").is_file()
    assert run("templates", "eject", "memo")[0] == 1  # not over an edited copy
    assert run("templates", "eject", "memo", "--to", "elsewhere")[0] == 0
    code, _, err = run("templates", "eject", "nothing")
    assert code == 2 and "built-in templates: agreements.xml.j2" in err
    code, out, _ = run("templates", "list")
    assert "memo.xml.j2" in out and "workspace" in out


def test_a_template_error_names_the_workspace_file_and_line(inside: Path) -> None:
    run("init", ".")
    (inside / "templates" / "memo.xml.j2").write_text(
        '{% extends "builtin/memo.xml.j2" %}\n{% block summary %}\n'
        "<p>{{ visit.no_such_field }}</p>\n{% endblock %}\n"
    )
    code, _, err = run("build", "-a", "analyst", "-d", "memo")
    assert code == 1
    assert f"{inside / 'templates' / 'memo.xml.j2'}:3:" in err
    assert "no_such_field" in err


def test_folders_default_to_the_workspace_not_the_current_folder(inside: Path) -> None:
    run("init", ".")
    (inside / "kzru.toml").write_text('[defaults]\nformats = ["pdf"]\ndocs = ["memo"]\n')
    (inside / "sub").mkdir()
    os.chdir(inside / "sub")
    code, out, err = run("build", "-a", "press", "--json")
    assert code == 0, err
    [o] = built(out)
    assert Path(o["path"]).resolve() == (
        inside / "build" / "kz-ru-state-visit-2025" / "press" / "kz-ru-state-visit-2025-memo.pdf"
    )


def test_a_template_extending_its_own_name_extends_the_builtin(inside: Path) -> None:
    run("init", ".")
    (inside / "templates" / "press").mkdir()
    for path in (
        inside / "templates" / "memo.xml.j2",
        inside / "templates" / "press" / "memo.xml.j2",
    ):
        path.write_text(
            '{% extends "memo.xml.j2" %}{% block summary %}<h2 id="x">Own summary</h2>'
            "{% endblock %}"
        )
    code, _, err = run("build", "-a", "analyst", "-a", "press", "-d", "memo", "-f", "pdf")
    assert code == 0, err
    for audience in ("analyst", "press"):
        text = pdf_text(next((inside / "build").glob(f"*/{audience}/*-memo.pdf")).read_bytes())
        assert "Own summary" in text and "Key outcomes" in text


def test_a_block_the_builtin_does_not_have_is_an_error_not_ignored(inside: Path) -> None:
    run("init", ".")
    (inside / "templates" / "memo.xml.j2").write_text(
        '{% extends "builtin/memo.xml.j2" %}\n\n{% block folow_ups %}<p>x</p>{% endblock %}\n'
    )
    code, _, err = run("build", "-a", "analyst", "-d", "memo")
    assert code == 1
    assert f"{inside / 'templates' / 'memo.xml.j2'}:3: block 'folow_ups' is not a block of" in err
    assert "follow_ups" in err


def test_the_memo_closing_block_replaces_follow_up_and_sources(inside: Path) -> None:
    run("init", ".")
    (inside / "templates" / "memo.xml.j2").write_text(
        '{% extends "builtin/memo.xml.j2" %}\n'
        "{% block closing %}<p>Prepared by the Eurasia desk.</p>{% endblock %}\n"
    )
    assert run("build", "-a", "analyst", "-d", "memo")[0] == 0
    for text in _memo_texts(inside / "build", "analyst"):
        assert "Prepared by the Eurasia desk." in text
        assert "Follow-up" not in text and "Sources" not in text
        assert "Statements" in text


def test_a_template_character_no_font_has_is_an_error_naming_it(inside: Path) -> None:
    """Template and label text is checked against the fonts as the data is: an arrow
    or emoji the shipped fonts lack would draw nothing in the PDF, so the build says
    which character and which document, and the earlier good outputs stay."""
    run("init", ".")
    assert run("build", "-a", "analyst", "-d", "memo", "-o", "out")[0] == 0
    before = {p: p.read_bytes() for p in (inside / "out").rglob("*-memo.*")}
    (inside / "templates" / "memo.xml.j2").write_text(
        MEMO_OVERRIDE.replace("Next steps (workspace)", "Next steps \u2192 \U0001f942")
    )
    code, _, err = run("build", "-a", "analyst", "-d", "memo", "-o", "out")
    assert code == 1, err
    assert "templates/memo.xml.j2:3: the memo uses characters '\u2192' (U+2192)" in err
    assert "'\U0001f942' (U+1F942)" in err
    assert {p: p.read_bytes() for p in (inside / "out").rglob("*-memo.*")} == before
