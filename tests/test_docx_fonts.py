"""Fonts embedded in the DOCX (ECMA-376 Part 1 §17.8.1): present, obfuscated, subset,
licensed, reproducible, and used by a word processor that lacks them."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from kzru_reports import api
from kzru_reports.audiences import BUILTIN
from kzru_reports.config import load_config
from kzru_reports.writers.docx import fonts as docx_fonts
from kzru_reports.writers.docx import subsets
from kzru_reports.writers.docx.fonts import deobfuscate, embedded, font_key, obfuscate

from .readers import SHIPPED, docx_text, libreoffice_pdf, system_has_noto

FONTS = Path(api.__file__).parent / "fonts"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _family(data: bytes) -> str:
    with TTFont(io.BytesIO(data)) as font:
        return str(font["name"].getDebugName(1))


def _cmap(data: bytes) -> set[int]:
    with TTFont(io.BytesIO(data)) as font:
        return set(font.getBestCmap())


def test_obfuscation_is_the_first_32_bytes_xored_with_the_reversed_key() -> None:
    data = bytes(range(40))
    key = "{00112233-4455-6677-8899-AABBCCDDEEFF}"
    out = obfuscate(data, key)
    reversed_key = bytes.fromhex("FFEEDDCCBBAA99887766554433221100")
    assert out[:16] == bytes(a ^ b for a, b in zip(data[:16], reversed_key, strict=True))
    assert out[16:32] == bytes(a ^ b for a, b in zip(data[16:32], reversed_key, strict=True))
    assert out[32:] == data[32:]
    assert deobfuscate(out, key) == data
    with pytest.raises(ValueError):
        obfuscate(data, "{not-a-guid}")


def test_font_keys_come_from_content() -> None:
    key = font_key(b"face one")
    assert re.fullmatch(r"\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}", key)
    assert key == font_key(b"face one") != font_key(b"face two")


def _package(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


@pytest.mark.parametrize("doc", ["memo", "factsheet", "agreements", "pack"])
def test_each_docx_embeds_its_faces_subset_and_obfuscated(shipped_build: Path, doc: str) -> None:
    data = next(shipped_build.glob(f"*-{doc}.docx")).read_bytes()
    parts = _package(data)
    fonts = sorted(n for n in parts if n.startswith("word/fonts/"))
    assert fonts and all(re.fullmatch(r"word/fonts/font\d+\.odttf", n) for n in fonts)
    types = parts["[Content_Types].xml"].decode()
    for name in fonts:
        assert f'PartName="/{name}" ContentType="{docx_fonts.OBFUSCATED_FONT}"' in types
        assert not parts[name].startswith(b"\x00\x01\x00\x00")  # obfuscated on disk
    settings = parts["word/settings.xml"].decode()
    assert "<w:embedTrueTypeFonts/>" in settings and "<w:saveSubsetFonts/>" in settings
    # schema order: both before the proofing state and the default tab stop
    assert settings.index("embedTrueTypeFonts") < settings.index("saveSubsetFonts")
    assert settings.index("saveSubsetFonts") < settings.index("defaultTabStop")

    faces = list(embedded(data))
    slots = {(family, slot) for family, slot, _ in faces}
    for family in ("Noto Serif", "Noto Sans"):
        assert {(family, "embedRegular"), (family, "embedBold")} <= slots
    text_chars = {ord(c) for c in docx_text(data) if not c.isspace()}
    covered: set[int] = set()
    for family, _, face in faces:
        assert face.startswith(b"\x00\x01\x00\x00")  # a TrueType font once read back
        assert _family(face) == family
        with TTFont(io.BytesIO(face)) as font:
            assert font["maxp"].numGlyphs < 600  # subset: the full faces hold 3000+
            assert "GPOS" not in font and "fpgm" not in font
        covered |= _cmap(face)
    assert text_chars <= covered, sorted(chr(c) for c in text_chars - covered)
    assert len(data) < 250_000


def test_kazakh_and_cyrillic_text_is_in_the_embedded_faces(summit_build: Path) -> None:
    data = next(summit_build.glob("*-memo.docx")).read_bytes()
    text = docx_text(data)
    letters = {c for c in "ҚӘҒҢӨҰҮҺІқәғңөұүһі" if c in text}
    assert len(letters) >= 5
    body = [face for family, slot, face in embedded(data) if slot == "embedRegular"]
    covered = set().union(*(_cmap(face) for face in body))
    assert {ord(c) for c in letters} <= covered


def test_only_the_faces_in_use_are_embedded_each_once(shipped_build: Path) -> None:
    data = next(shipped_build.glob("*-memo.docx")).read_bytes()
    table = _package(data)["word/fontTable.xml"].decode()
    # the families of the theme appear once each, not beside a stale entry
    assert table.count('w:name="Noto Serif"') == 1 and table.count('w:name="Noto Sans"') == 1
    # no face is written twice
    faces = [face for _, _, face in embedded(data)]
    assert len(faces) == len(set(faces))
    # no italic heading text in a memo: no italic sans face
    slots = {(family, slot) for family, slot, _ in embedded(data)}
    assert ("Noto Sans", "embedItalic") not in slots


def test_a_font_whose_licence_forbids_embedding_is_not_embedded(tmp_path: Path) -> None:
    font = TTFont(str(FONTS / "NotoSans-Regular.ttf"))
    font["OS/2"].fsType = 0x0002  # restricted licence embedding
    font.save(str(tmp_path / "Restricted.ttf"))
    font.close()
    faces = "".join(f'{k} = "Restricted.ttf"\n' for k in ("regular", "bold", "italic"))
    (tmp_path / "kzru.toml").write_text(
        f'[theme.fonts.body]\nname = "Restricted Sans"\n{faces}'
        f'[theme.fonts.heading]\nname = "Restricted Sans"\n{faces}'
    )
    config = load_config(tmp_path / "kzru.toml")
    options = api.BuildOptions(
        out=str(tmp_path / "out"),
        documents=("memo",),
        formats=("docx",),
        theme=config.theme,
        audiences=(BUILTIN["analyst"],),
    )
    assert api.build([SHIPPED], options).ok
    data = next((tmp_path / "out").rglob("*.docx")).read_bytes()
    parts = _package(data)
    assert not [n for n in parts if n.startswith("word/fonts/")]
    assert b"embedTrueTypeFonts" not in parts["word/settings.xml"]
    assert b"Restricted Sans" in parts["word/document.xml"] + parts["word/styles.xml"]


def test_embedding_gives_the_same_bytes_with_or_without_kept_subsets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Faces cut from the kept base subset equal those cut from the full font, so a
    build with an empty cache folder writes the same bytes as one with a warm one."""
    path = str(FONTS / "NotoSerif-Regular.ttf")
    chars = frozenset("Қазақстан Republic — 2025 №5 «quoted» ÄÖ")
    base = subsets.base_subset(path)
    assert subsets.cut(base, chars) == subsets.cut(FONTS.joinpath(path).read_bytes(), chars)

    def build(out: Path) -> bytes:
        for cached in (
            subsets.base_subset,
            subsets.base_mapped,
            subsets.subset_face,
            subsets.font_bytes,
        ):
            cached.cache_clear()
        options = api.BuildOptions(out=str(out), documents=("memo",), formats=("docx",))
        assert api.build([SHIPPED], options).ok
        return next(out.rglob("*-memo.docx")).read_bytes()

    monkeypatch.setenv("KZRU_CACHE_DIR", str(tmp_path / "cache-a"))
    first = build(tmp_path / "a")
    monkeypatch.setenv("KZRU_CACHE_DIR", "")  # nothing kept at all
    second = build(tmp_path / "b")
    assert first == second


def test_a_face_cut_once_is_read_back_from_the_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A subset is kept in the cache folder, keyed by the font and the characters:
    the next process asking for the same characters reads it back, cutting nothing;
    other characters are cut."""
    monkeypatch.setenv("KZRU_CACHE_DIR", str(tmp_path / "cache"))
    path = str(FONTS / "NotoSerif-Regular.ttf")
    chars = frozenset("Қазақстан Republic 2025")
    first = subsets.subset_face(path, chars)
    assert list((tmp_path / "cache" / "font-subsets").iterdir())
    subsets.subset_face.cache_clear()  # as a new process starts

    def no_cut(data: bytes, chars: object) -> bytes:
        raise AssertionError("cut again")

    monkeypatch.setattr(subsets, "cut", no_cut)
    assert subsets.subset_face(path, chars) == first
    with pytest.raises(AssertionError, match="cut again"):
        subsets.subset_face(path, chars | {"Ж"})


@pytest.mark.client
@pytest.mark.parametrize("visit", ["shipped", "summit"])
def test_libreoffice_sets_the_docx_in_its_embedded_noto_fonts(
    visit: str, shipped_build: Path, summit_build: Path, tmp_path: Path
) -> None:
    """On a machine without Noto, LibreOffice sets the DOCX in the embedded faces
    (without them it substitutes DejaVu Sans for everything)."""
    if shutil.which("pdffonts") is None:
        pytest.skip("poppler-utils (pdffonts) is not installed")
    if system_has_noto():
        pytest.skip("Noto fonts are installed system-wide: embedding cannot be told apart")
    folder = shipped_build if visit == "shipped" else summit_build
    for doc in ("memo", "pack"):
        converted = libreoffice_pdf(next(folder.glob(f"*-{doc}.docx")), tmp_path)
        listed = subprocess.run(
            ["pdffonts", str(converted)], capture_output=True, text=True, check=True
        ).stdout
        names = {line.split()[0].split("+")[-1] for line in listed.splitlines()[2:]}
        assert {"NotoSerif-Regular", "NotoSerif-Bold", "NotoSans-Bold"} <= names, listed
        assert not [n for n in names if "DejaVu" in n], listed


def test_faces_hold_whole_alphabets_so_documents_share_their_cuts(tmp_path: Path) -> None:
    """A face holds ASCII, common punctuation and the whole alphabet of any letter the
    text uses: a reader editing the DOCX types any letter of its alphabet in the
    embedded face, and documents whose text differs within one alphabet embed the
    same faces (a build of many visits cuts each face once)."""
    import json

    assert subsets.rounded_up("Trade") == subsets.ALWAYS
    cyrillic = subsets.ALPHABETS[0]
    assert cyrillic <= subsets.rounded_up("Переговоры")

    def memo_docx(name: str, title: str) -> bytes:
        visit = {
            "schema": "visit/1",
            "id": name,
            "title": title,
            "parties": [{"id": "aa", "country": "A", "role": "host"}, {"id": "bb", "country": "B"}],
        }
        (tmp_path / f"{name}.json").write_text(json.dumps(visit, ensure_ascii=False))
        options = api.BuildOptions(
            out=str(tmp_path / "out"), documents=("memo",), formats=("docx",)
        )
        assert api.build([tmp_path / f"{name}.json"], options).ok
        return next((tmp_path / "out" / name).rglob("*-memo.docx")).read_bytes()

    def faces(data: bytes) -> dict[tuple[str, str], bytes]:
        return {(family, slot): face for family, slot, face in embedded(data)}

    trade = faces(memo_docx("trade", "Trade № 5 ± 2 × 3"))
    assert trade == faces(memo_docx("energy", "Qxz"))  # other letters of one alphabet
    russian = faces(memo_docx("ru", "Переговоры"))
    for key, face in russian.items():
        assert {ord(c) for c in cyrillic} <= _cmap(face), key  # Ё, Қ ... though unused
    assert all(not {ord(c) for c in cyrillic} & _cmap(face) for face in trade.values())
