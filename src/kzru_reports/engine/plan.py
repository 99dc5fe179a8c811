"""Planning: which outputs are current, and the jobs that make the others.

Every output is fingerprinted by what it is made from (the data file's hash, each
template it uses, the theme and its files, the audience, the language, the engine)
and compared with the manifest; the paths those came from are recorded beside the
hashes, so that a watcher knows which outputs a changed file affects.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from kzru_reports.audiences import Audience
from kzru_reports.data import Visit
from kzru_reports.data.load import read_limited, source_name
from kzru_reports.documents import DATED, DOCUMENTS, PACK
from kzru_reports.engine.options import (
    BuildOptions,
    Job,
    Output,
    Report,
    build_langs,
    in_file,
    issue_date,
    name_lang,
)
from kzru_reports.engine.render import localized
from kzru_reports.errors import KzruError, Problem
from kzru_reports.manifest import Manifest, engine_digest, sha256_file, sha256_text, stable_repr
from kzru_reports.memo import theme_files
from kzru_reports.theme import Theme
from kzru_reports.versions import baseline

Loader = Callable[[str, str, bytes], Visit]


def theme_digests(theme: Theme) -> tuple[str, str]:
    """Hashes of the theme's settings and of its files (fonts, logo, reference DOCX)."""
    h = hashlib.sha256()
    for family in (theme.body_font, theme.heading_font):
        for face in (family.regular, family.bold, family.italic, family.bold_italic):
            h.update(sha256_file(theme.font_path(face)).encode())
    for extra in (theme.logo, theme.reference_docx):
        if extra is not None:
            h.update(sha256_file(extra).encode())
    return sha256_text(stable_repr(theme)), h.hexdigest()


def inputs(
    file: str,
    data_sha: str,
    audience: Audience,
    document: str,
    options: BuildOptions,
    theme: tuple[str, str],
    lang: str | None = None,
) -> dict[str, Any]:
    """What one output is made from, as hashes (compared with the manifest's)."""
    from kzru_reports.templating import audience_search_path, template_closure, template_name
    from kzru_reports.templating.catalog import labels_digest

    lang = lang or options.lang
    names = [template_name(d, audience) for d in (DOCUMENTS if document == PACK else (document,))]
    found: dict[str, Any] = {
        "data_file": file,
        "data": data_sha,
        "templates": template_closure(names, options.templates, lang, audience),
        "theme": theme[0],
        "fonts": theme[1],
        "engine": engine_digest(),
        "audience": sha256_text(stable_repr(audience)),
        "marking": sha256_text(stable_repr(options.marking)),
        "furniture": sha256_text(stable_repr(options.furniture)),
        "lang": lang,
        "labels": labels_digest(lang, audience_search_path(options.templates, audience)),
        "fallback": options.fallback,
        "stamp": options.build_time.isoformat() if options.build_time else None,
    }
    if document in DATED:
        found["issue_date"] = issue_date(options).isoformat()
    if options.since:  # the earlier version a memo's "Changes since" compares with
        try:
            previous = baseline(file, options.since)
        except KzruError as exc:  # reported when the job renders, for this visit only
            found["since"] = {"error": str(exc)}
        else:
            found["since"] = previous and {
                "data": hashlib.sha256(previous.raw).hexdigest(),
                "as_of": previous.as_of.isoformat() if previous.as_of else None,
            }
    return found


def depends_on(job: Job, options: BuildOptions, config: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The files one job's outputs depend on, as absolute paths: the data file, every
    template file it uses, the theme's files and the configuration files."""
    from kzru_reports.templating import audience_search_path
    from kzru_reports.templating.env import builtin_templates

    search = [*audience_search_path(options.templates, job.audience), str(builtin_templates())]
    paths = [os.path.abspath(job.file)]
    for name in job.inputs.get("templates", {}):
        bare = name.removeprefix("builtin/")
        folders = [str(builtin_templates())] if name.startswith("builtin/") else search
        for folder in folders:
            candidate = os.path.join(folder, bare)
            if os.path.isfile(candidate):
                paths.append(os.path.abspath(candidate))
                break
        else:  # not there (yet): a file of that name appearing would count
            paths += [os.path.abspath(os.path.join(f, bare)) for f in search[:-1]]
    paths += [os.path.abspath(p) for p in theme_files(options.theme)]
    paths += [os.path.abspath(p) for p in config]
    return tuple(dict.fromkeys(paths))


def plan(
    files: list[Path], options: BuildOptions, manifest: Manifest, report: Report, load: Loader
) -> Iterator[tuple[Job, Visit]]:
    """The jobs to run, each with its loaded visit; current outputs and load failures
    go to ``report`` at once."""
    theme = theme_digests(options.theme)
    seen: dict[str, str] = {}
    for file in files:
        display = source_name(file)
        try:
            raw = read_limited(file, display)  # a FIFO or /dev/zero is never read
        except KzruError as exc:
            report.errors += [in_file(p, display) for p in exc.problems()]
            continue
        data_sha = hashlib.sha256(raw).hexdigest()
        known = {e.visit for e in manifest.entries.values() if e.inputs.get("data") == data_sha}
        visit_id = next(iter(known)) if len(known) == 1 else None
        jobs: list[Job] = []
        for audience in options.audiences:
            for lang in build_langs(options, audience):
                tag = name_lang(options, lang)
                for document in (d for d in options.documents if audience.gets(d)):
                    found = inputs(display, data_sha, audience, document, options, theme, lang)
                    job = Job(
                        str(file), display, visit_id or "", audience, document,
                        options.formats, found, lang, tag,
                    )  # fmt: skip
                    entries = (
                        [manifest.entries.get(job.path(f)) for f in options.formats]
                        if visit_id is not None and not options.force
                        else [None]
                    )
                    if all(e is not None and e.is_current(options.out, found) for e in entries):
                        report.outputs += [_unchanged(e, options) for e in entries if e]
                    else:
                        jobs.append(job)
        if not jobs:
            continue
        try:  # validated once here, so a bad file is reported once, not per job
            visit = load(display, data_sha, raw)
        except KzruError as exc:
            report.errors += [in_file(p, display) for p in exc.problems()]
            continue
        if visit.id in seen:
            report.errors.append(
                Problem(
                    display,
                    f"visit id {visit.id!r} is also used by "
                    f"{seen[visit.id]}; ids name the output files",
                    path="id",
                )
            )
            continue
        seen[visit.id] = display
        failed: set[str] = set()
        for lang in dict.fromkeys(j.lang for j in jobs):
            try:  # a language whose texts are missing fails alone, every field listed
                localized(visit, lang, options.fallback, options.templates)
            except KzruError as exc:
                report.errors += [in_file(p, display) for p in exc.problems()]
                failed.add(lang)
        for job in jobs:
            if job.lang not in failed:
                yield replace(job, visit=visit.id), visit


def _unchanged(e: Any, options: BuildOptions) -> Output:
    return Output(
        os.path.join(options.out, e.path),
        e.visit,
        e.audience,
        e.document,
        e.format,
        e.sha256,
        e.bytes,
        "unchanged",
        e.pages,
        e.lang,
    )
