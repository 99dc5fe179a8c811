"""Templates to document model: the sandboxed environment, filters and markup parser."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from kzru_reports.audiences import Audience
from kzru_reports.model.nodes import Document
from kzru_reports.templating.env import (
    TEMPLATE_SUFFIX,
    check_blocks,
    folder_stamp,
    make_environment,
    render,
    search_path,
)
from kzru_reports.templating.locale import Formatter, load_labels
from kzru_reports.templating.markup import parse_document
from kzru_reports.view import VisitView


def audience_search_path(templates: Sequence[str | Path], audience: Audience) -> tuple[str, ...]:
    """Where an audience's templates are looked for: each workspace folder's
    subfolder named after the audience first (``templates/press/memo.xml.j2``), then
    the folders themselves; the built-in set comes after these."""
    folders = [Path(f) for f in templates]
    return search_path([*(f / audience.name for f in folders), *folders])


def template_name(document: str, audience: Audience) -> str:
    """The template a document is rendered from: an audience's override, else its own."""
    return audience.templates.get(document, f"{document}{TEMPLATE_SUFFIX}")


def render_document(
    document: str,
    view: VisitView,
    audience: Audience,
    templates: Sequence[str | Path] = (),
    lang: str = "en",
    extra: dict[str, Any] | None = None,
) -> Document:
    """Render one document of one visit for one audience into the document model."""
    search = audience_search_path(templates, audience)
    env = make_environment(search, lang, folder_stamp(search))
    name = template_name(document, audience)
    markup = render(env, name, {"visit": view, "audience": audience, **(extra or {})})
    return parse_document(markup, name, document)


def warm_templates(
    names: Iterable[str],
    templates: Sequence[str | Path] = (),
    lang: str = "en",
    audience: Audience | None = None,
) -> None:
    """Compile templates ahead of rendering: a build does this before it starts its
    worker processes, so that each of them does not compile the same templates again.
    A template that fails here is left for rendering to report."""
    search = audience_search_path(templates, audience) if audience else search_path(templates)
    env = make_environment(search, lang, folder_stamp(search))
    with contextlib.suppress(Exception):  # a missing label file is reported when rendering
        Formatter(load_labels(lang, search), lang).load()
    for name in names:
        with contextlib.suppress(Exception):
            env.get_template(name)
            check_blocks(env, name)


def source_files(search: Sequence[str | Path], lang: str) -> list[Path]:
    """The files a document's text may come from, in the order they are consulted:
    the templates of the search chain (built-in set last), then the label catalogs of
    ``lang`` and the English labels. For naming where a character came from."""
    from kzru_reports.templating.catalog import catalog_files, source_labels_file
    from kzru_reports.templating.env import TEMPLATE_SUFFIX, builtin_templates

    folders = [Path(f) for f in search] + [builtin_templates()]
    templates = [p for f in folders if f.is_dir() for p in sorted(f.glob(f"*{TEMPLATE_SUFFIX}"))]
    return [*templates, *(p for p, _ in catalog_files(lang, search)), source_labels_file()]


__all__ = [
    "audience_search_path",
    "render_document",
    "source_files",
    "template_closure",
    "template_name",
    "warm_templates",
]


def template_closure(
    names: Sequence[str],
    templates: Sequence[str | Path] = (),
    lang: str = "en",
    audience: Audience | None = None,
) -> dict[str, str]:
    """Every template file the named templates use (through extends, import and
    include), as name -> sha256 of the file that name resolves to now (for
    ``audience``: through its own folders first)."""
    import hashlib

    search = audience_search_path(templates, audience) if audience else search_path(templates)
    env = make_environment(search, lang)
    out: dict[str, str] = {}
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in out:
            continue
        try:
            source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        except Exception:  # a missing template is reported when rendering
            out[name] = "missing"
            continue
        out[name] = hashlib.sha256(source.encode("utf-8")).hexdigest()
        todo.extend(env.join_path(r, name) for r in _references(env, source))
    return dict(sorted(out.items()))


def _references(env: Any, source: str) -> tuple[str, ...]:
    """The templates a template's source names (see ``env.analyse``)."""
    import jinja2

    from kzru_reports.templating.env import analyse

    try:
        return analyse(source).references
    except jinja2.TemplateSyntaxError:
        return ()
