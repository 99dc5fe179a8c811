"""Templates to document model: the sandboxed environment, filters and markup parser."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kzru_reports.audiences import Audience
from kzru_reports.model.nodes import Document
from kzru_reports.templating.env import TEMPLATE_SUFFIX, make_environment, render, search_path
from kzru_reports.templating.markup import parse_document
from kzru_reports.view import VisitView


def template_name(document: str, audience: Audience) -> str:
    """The template a document is rendered from: an audience's override, else its own."""
    return audience.templates.get(document, f"{document}{TEMPLATE_SUFFIX}")


def render_document(
    document: str,
    view: VisitView,
    audience: Audience,
    templates: Sequence[str | Path] = (),
    lang: str = "en",
) -> Document:
    """Render one document of one visit for one audience into the document model."""
    env = make_environment(search_path(templates), lang)
    name = template_name(document, audience)
    markup = render(env, name, {"visit": view, "audience": audience})
    return parse_document(markup, name, document)


__all__ = ["render_document", "template_name"]
