"""Writing: a visit is all or nothing; files are renamed into place whole, and the
manifest never lists a file it does not hold. One build at a time per folder."""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from kzru_reports.engine.options import (
    BuildOptions,
    Job,
    Output,
    Progress,
    Report,
    in_file,
    output_path,
)
from kzru_reports.errors import KzruError, RenderError
from kzru_reports.files import write_atomic
from kzru_reports.manifest import Entry, Manifest
from kzru_reports.writers import count_pages

# (visit, language) -> each job's files: a visit in one language is written whole
Results = dict[tuple[str, str], list[tuple[Job, list[tuple[str, bytes]]]]]


def refuse_unsafe_paths(ready: Results, options: BuildOptions, report: Report) -> None:
    """Drop (and report) a visit any of whose outputs could not be written safely."""
    for visit, results in list(ready.items()):
        try:
            for job, files in results:
                for fmt, _ in files:
                    output_path(options.out, *job.where(fmt))
        except RenderError as exc:
            report.errors += [in_file(p, results[0][0].display) for p in exc.problems()]
            del ready[visit]


def write_as_done(
    results: Iterable[tuple[Job, Any]],
    jobs: Sequence[Job],
    options: BuildOptions,
    manifest: Manifest,
    report: Report,
    progress: Progress | None,
) -> None:
    """Each visit (in one language) written whole as soon as its last job's result
    comes, while the workers render the next; not at all if one of its jobs failed.
    The manifest is saved once, at the end (or when stopped, with what was written)."""
    left = Counter(job.unit for job in jobs)
    by_visit: Results = {}
    failed: set[tuple[str, str]] = set()
    wrote = False
    try:
        for job, result in results:
            if progress:
                progress.job_done(job)
            if isinstance(result, KzruError):
                report.errors += [in_file(p, job.display) for p in result.problems()]
                failed.add(job.unit)
            else:
                by_visit.setdefault(job.unit, []).append((job, result))
            left[job.unit] -= 1
            done = by_visit.pop(job.unit, []) if not left[job.unit] else []
            if done and job.unit not in failed:
                ready = {job.unit: done}
                refuse_unsafe_paths(ready, options, report)
                write(ready, options, manifest, report, progress, save=False)
                wrote = wrote or bool(ready)
    except BaseException:
        if wrote:  # the visits written so far stay recorded
            with contextlib.suppress(OSError):
                manifest.save()
        raise
    if wrote or not manifest.file.exists():
        manifest.save()


def write(
    ready: Results,
    options: BuildOptions,
    manifest: Manifest,
    report: Report,
    progress: Progress | None,
    save: bool = True,
) -> None:
    """Write the files of ``ready`` and record them in the manifest, saved at the end
    unless ``save`` is false (a build writing visit after visit saves it once, when
    done: a manifest that lacks a file it holds only makes the next build make it
    again)."""
    planned = [
        job.path(fmt) for results in ready.values() for job, files in results for fmt, _ in files
    ]
    # first forget what is about to be replaced: the manifest stays true if killed
    replaced = {p: manifest.entries.pop(p) for p in planned if p in manifest.entries}
    if replaced:
        manifest.save()
    try:
        _write_files(ready, options, manifest, report, progress, replaced)
    except BaseException:
        # A full disk, say: the files not replaced are the previous ones, still
        # whole; the manifest goes on describing them (and those that were written).
        manifest.entries.update(replaced)
        with contextlib.suppress(OSError):
            manifest.save()
        raise
    if save and (planned or not manifest.file.exists()):
        manifest.save()


def _write_files(
    ready: Results,
    options: BuildOptions,
    manifest: Manifest,
    report: Report,
    progress: Progress | None,
    replaced: dict[str, Entry],
) -> None:
    """Write every file, recording each in the manifest (and out of ``replaced``)
    as soon as it is in place."""
    for results in ready.values():
        for job, files in results:
            for fmt, data in files:
                path = output_path(options.out, *job.where(fmt))
                write_atomic(Path(path), data)
                sha = hashlib.sha256(data).hexdigest()
                pages = count_pages(fmt, options.theme, data)
                rel = job.path(fmt)
                replaced.pop(rel, None)
                manifest.entries[rel] = Entry(
                    rel,
                    job.visit,
                    job.audience.name,
                    job.document,
                    fmt,
                    len(data),
                    pages,
                    sha,
                    job.inputs,
                    job.lang,
                )
                output = Output(
                    path,
                    job.visit,
                    job.audience.name,
                    job.document,
                    fmt,
                    sha,
                    len(data),
                    "built",
                    pages,
                    job.lang,
                )
                report.outputs.append(output)
                if progress:
                    progress.output(output)


@contextlib.contextmanager
def locked(out: str) -> Iterator[None]:
    """One build at a time per output folder; a second waits for the first (where
    the platform has POSIX advisory locks; elsewhere builds are not serialised)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return

    fd = _open_lock(Path(out) / ".kzru.lock")
    with os.fdopen(fd, "r+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _open_lock(path: Path) -> int:
    """The lock file, made with ``O_EXCL`` or opened as the regular file it is, never
    through a symbolic link (which could point out of the output folder)."""
    flags = os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        try:
            fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            fd = os.open(path, flags | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        if path.is_symlink():
            raise RenderError(
                f"the lock file {path} is a symbolic link; remove it (it is not followed)"
            ) from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise RenderError(f"the lock file {path} is not a regular file; remove it")
    return fd
