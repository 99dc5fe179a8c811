"""Rendering: one document (or pack) of one visit for one audience, in memory.

These functions run in the engine's process or in one of its workers; they read no
output folder and write nothing."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from kzru_reports.audiences import Audience, for_audience
from kzru_reports.data import Visit
from kzru_reports.engine.options import PARTS, BuildOptions, issue_date, stamp
from kzru_reports.errors import KzruError, RenderError

log = logging.getLogger(__name__)


def render_models(visit: Visit, audience: Audience, document: str, options: BuildOptions) -> Any:
    """One document (or pack) of one visit for one audience, as the document model."""
    from kzru_reports.fonts import check_glyphs
    from kzru_reports.packs import compose
    from kzru_reports.templating import render_document
    from kzru_reports.templating.locale import load_labels
    from kzru_reports.view import VisitView

    view = VisitView(for_audience(visit, audience), audience)
    when = stamp(options, visit)
    issued = issue_date(options)
    extra = {"issue_date": issued, "build_date": issued}  # build_date: the old name

    def one(name: str) -> Any:
        doc = render_document(name, view, audience, options.templates, options.lang, extra)
        check_glyphs(doc, options.theme)
        return replace(doc, meta=replace(doc.meta, created=when))

    if document != "pack":
        return one(document)
    labels = load_labels(options.lang)
    return compose(one("pack"), [one(p) for p in PARTS], labels["labels"]["contents"])


def render_formats(
    visit: Visit,
    audience: Audience,
    document: str,
    formats: tuple[str, ...],
    options: BuildOptions,
) -> list[tuple[str, bytes]]:
    """Every format of one document, as (format, bytes)."""
    from kzru_reports.writers import render as write

    model = render_models(visit, audience, document, options)
    return [(fmt, write(fmt, options.theme, model)) for fmt in formats]


def attempt(
    visit: Visit,
    audience: Audience,
    document: str,
    formats: tuple[str, ...],
    options: BuildOptions,
) -> list[tuple[str, bytes]] | KzruError:
    """``render_formats``, with any failure returned as a ``KzruError`` (a bug, not the
    data's fault, still fails only this document)."""
    try:
        return render_formats(visit, audience, document, formats, options)
    except KzruError as exc:
        return exc
    except MemoryError:
        from kzru_reports.limits import memory_limit_mib

        cap = memory_limit_mib()
        limit = f" of {cap:,} MiB" if cap else ""
        return RenderError(f"{document}: the memory limit{limit} was reached; stopped")
    except Exception as exc:
        log.debug("rendering %s %s failed", visit.id, document, exc_info=True)
        return RenderError(f"internal error: {type(exc).__name__}: {exc}")
