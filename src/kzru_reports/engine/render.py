"""Rendering: one document (or pack) of one visit for one audience, in memory.

These functions run in the engine's process or in one of its workers; they read no
output folder and write nothing."""

from __future__ import annotations

import hashlib
import logging
import pickle
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from kzru_reports import memo
from kzru_reports.audiences import Audience, for_audience
from kzru_reports.data import Visit
from kzru_reports.data.fields import LEVELS
from kzru_reports.documents import PACK, PARTS
from kzru_reports.engine.options import BuildOptions, issue_date, stamp
from kzru_reports.errors import KzruError, RenderError
from kzru_reports.memo import BoundedCache
from kzru_reports.versions import Version

log = logging.getLogger(__name__)

# A worker keeps the last visits it was sent, each unpickled once: what it derives from
# a visit (the visit in a language, below) is then derived once, not per request.
RECEIVED_VISITS = 16
LOCALIZED_VISITS = 32  # visits in one language each, per process
_RECEIVED: BoundedCache[Visit] = BoundedCache("received visits", RECEIVED_VISITS)
_LOCALIZED: BoundedCache[tuple[Visit, Visit]] = BoundedCache("localized visits", LOCALIZED_VISITS)
memo.register("engine.render.received", _RECEIVED)
memo.register("engine.render.localized", _LOCALIZED)


@dataclass(frozen=True)
class Shipment:
    """A visit on its way to a worker: pickled once by the engine, and unpickled once
    by each worker, which keeps it under ``key`` (the pickle's hash)."""

    key: str
    data: bytes

    @classmethod
    def of(cls, visit: Visit) -> Shipment:
        data = pickle.dumps(visit, pickle.HIGHEST_PROTOCOL)
        return cls(hashlib.sha256(data).hexdigest(), data)


def received(visit: Visit | Shipment) -> Visit:
    """The visit itself; a shipped one as unpickled the first time it came."""
    if isinstance(visit, Shipment):
        return _RECEIVED.get_or_make(visit.key, lambda: pickle.loads(visit.data))
    return visit


def localized(
    visit: Visit, lang: str, fallback: bool = False, folders: tuple[str, ...] = ()
) -> Visit:
    """``visit`` with every text in ``lang`` (once per process for each loaded visit);
    ``DataError`` lists every field without ``lang`` text unless ``fallback`` (then
    marked untranslated in the words of ``lang``'s catalogs, a workspace's in ``folders``
    first)."""
    from kzru_reports.data.load import visit_in
    from kzru_reports.templating.locale import load_labels

    def make() -> tuple[Visit, Visit]:
        mark = str(load_labels(lang, folders)["labels"]["untranslated"]) if fallback else "{text}"
        return visit, visit_in(visit, lang, fallback, mark)

    # keyed by identity: each entry holds its visit, so no other object takes its id
    return _LOCALIZED.get_or_make((id(visit), lang, fallback, folders), make)[1]


def render_models(
    visit: Visit,
    audience: Audience,
    document: str,
    options: BuildOptions,
    previous: Version | None = None,
    lang: str | None = None,
) -> Any:
    """One document (or pack) of one visit for one audience in ``lang`` (default: the
    build's language), as the document model; with ``previous`` (an earlier version
    of the visit file), marked with what changed since it, as this audience may see
    it."""
    from kzru_reports.handling import level_of, mark, raise_frame
    from kzru_reports.model.levels import UnknownLevel
    from kzru_reports.packs import compose, standalone
    from kzru_reports.templating import (
        audience_search_path,
        render_document,
        source_files,
        template_name,
    )
    from kzru_reports.templating.locale import load_labels
    from kzru_reports.theme.glyphs import check_glyphs
    from kzru_reports.view import PackView, VisitView

    lang = lang or options.lang
    visit = localized(visit, lang, options.fallback, options.templates)
    shown = for_audience(visit, audience)
    changes, since = _changes(shown, audience, options, previous, lang)
    view = VisitView(shown, audience, lang, changes)
    when = stamp(options, visit)
    issued = issue_date(options)
    search = audience_search_path(options.templates, audience)
    labels = load_labels(lang, search)
    banner = options.marking.banner(lang, labels)
    portion = (
        options.marking.portion(lang, labels) if options.marking.portions_for(audience) else None
    )

    def marked(name: str, shown: str, pack: PackView | None) -> Any:
        # build_date: the old name of issue_date
        extra = {
            **options.furniture.header(lang, audience.name, visit.id, name, issued),
            "issue_date": issued,
            "build_date": issued,
            "marking": banner[shown],
            "changes": changes,
            "since": since,
            "pack": pack,
        }
        doc = render_document(name, view, audience, options.templates, lang, extra)
        try:
            return mark(doc, view.level, banner, portion)
        except UnknownLevel as exc:
            raise RenderError(f"{template_name(name, audience)}: {exc}") from None

    def one(name: str, floor: str | None = None, pack: PackView | None = None) -> Any:
        """``name`` rendered and marked by what it holds. A template may show the
        marking (``marking``: a memo's header): it is given the highest level the
        reader may see first, and rendered again when what it holds is marked lower.
        A pack's cover is marked ``floor``, the highest marking inside. ``pack``: the
        pack the document is a part of (its templates then refer to facts another
        part holds instead of repeating them)."""
        doc = marked(name, floor or view.level, pack)
        if floor is not None:
            doc = raise_frame(doc, floor)
        elif level_of(doc) != view.level:
            doc = marked(name, level_of(doc), pack)
        check_glyphs(doc, options.theme, lambda: source_files(search, lang))
        return replace(doc, meta=replace(doc.meta, created=when))

    if document != PACK:
        return standalone(one(document))
    inside = PackView(PARTS)
    parts = [one(p, pack=inside) for p in PARTS]
    inside = max((level_of(p) for p in parts), key=LEVELS.index)
    return compose(one(PACK, inside), parts, labels["labels"]["contents"])


def _changes(
    shown: Visit,
    audience: Audience,
    options: BuildOptions,
    previous: Version | None,
    lang: str = "en",
) -> tuple[Any, date | None]:
    """What changed since ``previous``, compared after both versions are redacted
    for ``audience``: a reader never learns that something they may not see changed,
    or exists. (None, None) when no comparison was asked for or there is none."""
    if previous is None:
        return None, None
    from kzru_reports.diff import DifferentVisits, compare

    try:
        old = previous.load(options.theme)
    except KzruError as exc:
        raise RenderError(
            f"--since: the earlier version {previous.name} does not load: "
            + "; ".join(str(p) for p in exc.problems())
        ) from None
    try:
        old = localized(old, lang, True, options.templates)  # in the document's language
        return compare(for_audience(old, audience), shown), previous.as_of
    except DifferentVisits as exc:
        raise RenderError(f"--since {previous.name}: {exc}") from None


def render_formats(
    visit: Visit,
    audience: Audience,
    document: str,
    formats: tuple[str, ...],
    options: BuildOptions,
    previous: Version | None = None,
    lang: str | None = None,
) -> list[tuple[str, bytes]]:
    """Every format of one document, as (format, bytes)."""
    from kzru_reports.writers import render as write

    model = render_models(visit, audience, document, options, previous, lang)
    return [(fmt, write(fmt, options.theme, model)) for fmt in formats]


def attempt(
    visit: Visit | Shipment,
    audience: Audience,
    document: str,
    formats: tuple[str, ...],
    options: BuildOptions,
    previous: Version | None = None,
    lang: str | None = None,
) -> list[tuple[str, bytes]] | KzruError:
    """``render_formats``, with any failure returned as a ``KzruError`` (a bug, not the
    data's fault, still fails only this document); ``visit`` may come shipped."""
    visit = received(visit)
    try:
        return render_formats(visit, audience, document, formats, options, previous, lang)
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
