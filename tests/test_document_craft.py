"""The furniture of a document sent to a minister: PDF properties and opening view,
a clean DOCX package, and DOCX tables laid out as the PDF's."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from lxml import etree

from kzru_reports.writers.docx.oxml import TBL_PR_ORDER

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
VISIT_TITLE = "State visit of the President of Kazakhstan to Russia"


def _pdf(folder: Path, doc: str) -> object:
    from pypdf import PdfReader

    return PdfReader(next(folder.glob(f"*-{doc}.pdf")))


def test_pdf_opens_with_bookmarks_and_carries_its_own_title_and_dates(
    shipped_build: Path,
) -> None:
    for doc, kind in (("pack", "Briefing pack"), ("memo", "Briefing memo")):
        reader = _pdf(shipped_build, doc)
        assert reader.trailer["/Root"]["/PageMode"] == "/UseOutlines"  # type: ignore[attr-defined]
        info = reader.metadata  # type: ignore[attr-defined]
        assert info["/Title"] == f"{kind}: {VISIT_TITLE}"
        # no SOURCE_DATE_EPOCH in the test build: the visit's last day
        assert info["/CreationDate"].startswith("D:20251112")
        assert info["/ModDate"] == info["/CreationDate"]
        assert "2000" not in info["/CreationDate"][:6]


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_docx_package_holds_nothing_left_from_python_docx_template(shipped_build: Path) -> None:
    for docx in shipped_build.glob("*.docx"):
        parts = _parts(docx.read_bytes())
        names = set(parts)
        assert not [n for n in names if "thumbnail" in n or n.startswith("customXml/")], names
        assert "word/stylesWithEffects.xml" not in names
        every_rel = b"".join(v for k, v in parts.items() if k.endswith(".rels"))
        assert b"thumbnail" not in every_rel and b"customXml" not in every_rel
        app = parts["docProps/app.xml"].decode()
        assert "<Pages>" not in app and "Macintosh" not in app and "Normal.dotm" not in app
        assert "<Application>kzru-reports</Application>" in app
        assert f": {VISIT_TITLE}</dc:title>" in parts["docProps/core.xml"].decode()


def test_docx_tables_take_one_defined_style_keep_rows_whole_and_pad_as_the_pdf(
    shipped_build: Path,
) -> None:
    """Every table names a table style defined in styles.xml, which holds the cells'
    padding (the sheet's, as the PDF's), the indent that puts the table's edge on the
    text's, the header row's fill and the bands as conditional formats; the cells
    carry no fill of their own (but a group row's) and header rows no direct bold."""
    from kzru_reports.theme import default_theme
    from kzru_reports.writers.docx.styles import TABLE_STYLES
    from kzru_reports.writers.sheet import sheet

    looks = sheet(default_theme()).tables
    for docx in shipped_build.glob("*.docx"):
        parts = _parts(docx.read_bytes())
        root = etree.fromstring(parts["word/document.xml"])
        styles = {
            st.get(f"{W}styleId"): st
            for st in etree.fromstring(parts["word/styles.xml"]).findall(f"{W}style")
            if st.get(f"{W}type") == "table"
        }
        tables = root.findall(f".//{W}tbl")
        assert tables
        order = [f"{W}{t}" for t in TBL_PR_ORDER]
        for tbl in tables:
            tblpr = tbl.find(f"{W}tblPr")
            ranks = [order.index(c.tag) for c in tblpr if c.tag in order]
            assert ranks == sorted(ranks), [c.tag for c in tblpr]
            style = styles[tblpr.find(f"{W}tblStyle").get(f"{W}val")]
            assert tblpr.find(f"{W}tblCellMar") is None and tblpr.find(f"{W}tblBorders") is None
            rows = tbl.findall(f"{W}tr")
            for tr in rows:
                assert tr.find(f"{W}trPr/{W}cantSplit") is not None
                group = tr.find(f"{W}tc/{W}tcPr/{W}gridSpan") is not None
                if not group:
                    assert tr.find(f"{W}tc/{W}tcPr/{W}shd[@{W}fill]") is None or all(
                        s.get(f"{W}fill") == "auto" for s in tr.iter(f"{W}shd")
                    )
                if group or tr.find(f"{W}trPr/{W}tblHeader") is not None:
                    # a header's or a group's bold and colour come from its style
                    assert not [b for b in tr.iter(f"{W}b", f"{W}color")], name_of(tr)
            name = style.find(f"{W}name").get(f"{W}val")
            if name not in TABLE_STYLES.values():
                continue
            role = {v: k for k, v in TABLE_STYLES.items()}[name]
            look = looks[role]
            mar = style.find(f"{W}tblPr/{W}tblCellMar")
            got = tuple(
                int(mar.find(f"{W}{side}").get(f"{W}w")) / 20
                for side in ("top", "right", "bottom", "left")
            )
            assert got == look.padding
            assert int(style.find(f"{W}tblPr/{W}tblInd").get(f"{W}w")) / 20 == look.padding[3]
            if look.head_fill:
                assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None  # repeats
                fill = style.find(f"{W}tblStylePr[@{W}type='firstRow']/{W}tcPr/{W}shd")
                assert fill.get(f"{W}fill") == look.head_fill.lstrip("#").upper()
            if look.band:
                band = style.find(f"{W}tblStylePr[@{W}type='band2Horz']/{W}tcPr/{W}shd")
                assert band.get(f"{W}fill") == look.band.lstrip("#").upper()


def name_of(tr: object) -> str:
    return "".join(tr.itertext())  # type: ignore[attr-defined]


def test_docx_core_title_names_the_visit(shipped_build: Path) -> None:
    docx = next(shipped_build.glob("*-memo.docx")).read_bytes()
    core = _parts(docx)["docProps/core.xml"].decode()
    assert re.search(rf"<dc:title>Briefing memo: {VISIT_TITLE}</dc:title>", core)


def test_an_agreement_without_a_status_is_never_shown_as_signed(summit_build: Path) -> None:
    """The summit's transit agreement states no status; its memorandum is announced."""
    from kzru_reports.data.load import load_visit

    from .readers import SUMMIT, docx_text, pdf_text

    visit = load_visit(SUMMIT)
    [transit] = [a for a in visit.agreements if a.id == "transit-agr"]
    assert transit.status is None  # no default in the data model
    for fmt in ("pdf", "docx"):
        for doc in ("memo", "agreements"):
            data = next(summit_build.glob(f"*-{doc}.{fmt}")).read_bytes()
            text = pdf_text(data) if fmt == "pdf" else docx_text(data)
            assert "signed" not in text.lower(), (doc, fmt)
        agreements = next(summit_build.glob(f"*-agreements.{fmt}")).read_bytes()
        text = pdf_text(agreements) if fmt == "pdf" else docx_text(agreements)
        assert "not stated" in text and "announced" in text


def test_the_fact_sheet_lists_the_sources_it_cites(shipped_build: Path) -> None:
    from .readers import docx_text, pdf_text

    for fmt in ("pdf", "docx"):
        data = next(shipped_build.glob(f"*-factsheet.{fmt}")).read_bytes()
        text = pdf_text(data) if fmt == "pdf" else docx_text(data)
        body, _, listed = text.rpartition("Sources")
        cited = {  # " [3]" and, after the summary, " [1, 2, 4]"
            int(n) for group in re.findall(r"\[(\d+(?:, \d+)*)\]", body) for n in group.split(", ")
        }
        assert cited == set(range(1, len(cited) + 1)), (fmt, cited)  # numbered 1..n
        assert "Presidents of Kazakhstan and Russia hold talks in Moscow" in listed
        if fmt == "pdf":  # the PDF numbers its list itself; the DOCX by Word numbering
            assert all(f"{n}. " in listed for n in cited)
