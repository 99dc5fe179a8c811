"""What the tests read: the shipped and test visits, and the text of built files
(PDF through pypdf or poppler, DOCX through python-docx or LibreOffice)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "data" / "visits" / "kz-ru-state-visit-2025.yaml"
FIXTURES = Path(__file__).parent / "fixtures"
SUMMIT = FIXTURES / "three-party-summit.yaml"


def squash(text: str) -> str:
    """Fold white space so text broken across lines compares equal."""
    return re.sub(r"\s+", " ", text).strip()


# A word hyphenated at a line end (the hyphen followed by a lower-case letter on the
# next line) is read back whole, as a reader reads it.
_HYPHENATED = re.compile(r"(\w)-\n(?=[a-zà-ÿа-яёәғқңөұүһі])")


def unhyphenate(text: str) -> str:
    """Page text with the words hyphenated at line ends whole again."""
    return _HYPHENATED.sub(r"\1", text)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return squash(" ".join(unhyphenate(page.extract_text() or "") for page in reader.pages))


def docx_text(data: bytes) -> str:
    """Every paragraph of body, tables, headers and footers, in document order."""
    from docx import Document
    from docx.text.paragraph import Paragraph

    doc = Document(io.BytesIO(data))
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    parts = []
    for p in doc.element.body.iter(f"{w}p"):
        parts.append(Paragraph(p, doc).text)
        # a picture's alternative text is what a screen reader says for it
        parts += [
            el.get("descr", "")
            for el in p.iter(
                "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"
            )
        ]
    return squash(" ".join(parts))


def docx_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "\n".join(
            z.read(n).decode("utf-8", "replace")
            for n in z.namelist()
            if n.endswith(".xml") or n.endswith(".rels")
        )


def libreoffice_pdf(docx: Path, folder: Path) -> Path:
    """``docx`` converted to PDF by LibreOffice (a fresh profile in ``folder``), as a
    reader would open it; the test is skipped where LibreOffice is not installed."""
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{folder}/lo-profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(docx),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return folder / f"{docx.stem}.pdf"


def system_has_noto() -> bool:
    """Whether Noto fonts are installed system-wide (then a word processor's use of
    the faces a DOCX embeds cannot be told from its use of the installed ones)."""
    import shutil
    import subprocess

    if shutil.which("fc-list") is None:
        return False
    listed = subprocess.run(["fc-list"], capture_output=True, text=True, check=False).stdout
    return "noto" in listed.lower()


def layout_text(pdf: Path, first_page_only: bool = False) -> str:
    """The text of a PDF as poppler's pdftotext lays it out (skipped without poppler)."""
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    pages = ["-f", "1", "-l", "1"] if first_page_only else []
    return subprocess.run(
        ["pdftotext", "-layout", *pages, str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
