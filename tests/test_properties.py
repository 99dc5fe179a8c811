"""Property: any valid visit whose text the fonts can show builds in both formats, and
every string of it is in the extracted text of the PDF and of the DOCX."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kzru_reports import api
from kzru_reports.data import parse_visit
from kzru_reports.theme.glyphs import theme_coverage
from kzru_reports.writers import get_writer

from .conftest import docx_text, pdf_text, squash

# Every character all shipped faces can show, except white space, control and format
# characters and combining marks (text comparison folds white space; the others have
# no letter of their own).
LETTERS = sorted(
    chr(c)
    for c in theme_coverage().codepoints
    if unicodedata.category(chr(c))[0] not in "CZ"
    and unicodedata.category(chr(c)) not in ("Mn", "Me")
)
WORD = st.text(st.sampled_from(LETTERS), min_size=1, max_size=12)
TEXT = st.lists(WORD, min_size=1, max_size=5).map(" ".join)


@st.composite
def visits(draw: st.DrawFn) -> dict[str, Any]:
    texts = st.lists(TEXT, min_size=0, max_size=3)
    return {
        "schema": "visit/1",
        "id": "prop",
        "title": draw(TEXT),
        "summary": draw(TEXT),
        "parties": [
            {"id": "aa", "country": draw(TEXT), "role": "host", "leader": {"name": draw(TEXT)}},
            {"id": "bb", "country": draw(TEXT), "role": "guest"},
        ],
        "events": [{"id": f"e{i}", "title": t} for i, t in enumerate(draw(texts))],
        "statements": [{"speaker": "aa", "text": t} for t in draw(texts)],
        "topics": [{"id": "t", "title": draw(TEXT), "points": draw(texts)}],
        "agreements": [
            {"id": f"a{i}", "title": t, "summary": draw(TEXT), "signatories": [draw(TEXT)]}
            for i, t in enumerate(draw(texts))
        ],
        "follow_ups": draw(texts),
    }


def strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [
            s
            for k, v in node.items()
            if k not in ("schema", "id", "role", "speaker")
            for s in strings(v)
        ]
    if isinstance(node, list):
        return [s for v in node for s in strings(v)]
    return []


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI stays reproducible
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(visits())
def test_any_showable_text_builds_and_comes_out_whole(data: dict[str, Any]) -> None:
    visit = parse_visit(json.dumps(data).encode(), "prop.json", json_syntax=True)
    options = api.BuildOptions()
    docs = [
        api.render_models(visit, options.audiences[0], d, options) for d in ("memo", "agreements")
    ]
    pdf = " ".join(pdf_text(get_writer("pdf", options.theme).render(d)) for d in docs)
    docx = " ".join(docx_text(get_writer("docx", options.theme).render(d)) for d in docs)
    # A word wider than its table column is broken across lines, so compare with all
    # white space taken out: every character must still be there, in order.
    pdf, docx = unspaced(pdf), unspaced(docx)
    for text in strings(data):
        assert unspaced(text) in pdf, ("pdf", text)
        assert unspaced(text) in docx, ("docx", text)


def unspaced(text: str) -> str:
    return "".join(squash(text).split())
