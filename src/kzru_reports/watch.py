"""``kzru watch``: build, then rebuild what each saved change affects, until stopped.

The watcher keeps one resident ``Engine`` (its workers stay warm between builds)
and watches the folders of everything the outputs are made from: the visit files,
the template folders (and each audience's subfolder), the config and theme files,
fonts, logo and reference DOCX. Folders are watched one level deep, so an output
folder or a virtual environment beside them costs nothing. Changes are debounced:
an editor's save-by-rename, or a burst of saves, is one rebuild. Each rebuild is an
incremental build, so only the outputs whose inputs changed are rendered, and a
failure leaves the previous good files in place, as ``kzru build`` does.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from kzru_reports.config import load_workspace
from kzru_reports.data.load import SUFFIXES
from kzru_reports.engine import BuildOptions, Engine, Report
from kzru_reports.errors import KzruError, one_line
from kzru_reports.files import short_path
from kzru_reports.memo import theme_files
from kzru_reports.templating.catalog import CATALOG_FOLDER
from kzru_reports.templating.env import TEMPLATE_SUFFIX

Echo = Callable[[str], None]

DEBOUNCE_MS = 1600  # longest a burst of changes is gathered into one rebuild
STEP_MS = 50  # quiet time that ends a burst
WAKE_MS = 250  # the watch wakes this often when nothing happens (to start a build)
GROUPS_SHOWN = 4  # documents named in one rebuild line; the rest are counted


class Watcher:
    """One ``kzru watch`` session. ``args`` is the command line (``cli.BuildArgs``)."""

    def __init__(self, targets: list[str], args: Any, as_json: bool, out: Echo, err: Echo) -> None:
        self.given = targets
        self.args = args
        self.as_json = as_json
        self.say = err if as_json else out  # the report lines; stdout holds JSON then
        self.err = err
        self.start = Path.cwd()
        self.ws = load_workspace(self.start)  # a broken config here ends the command
        self.engine = Engine(args.settings(self.ws), workers=args.workers)
        self.options: BuildOptions = args.options(self.engine, self.ws)

    # ---------------------------------------------------------------- session

    def run(self) -> int:
        """Build, then watch until Ctrl-C (or SIGTERM); returns the exit code."""
        previous = signal.getsignal(signal.SIGTERM)
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            self.loop()
        except KeyboardInterrupt:
            pass
        finally:
            self.engine.close()  # every worker stopped; writes are whole or absent
            signal.signal(signal.SIGTERM, previous)
        self.say("stopped")
        return 0

    def loop(self) -> None:
        """Watch, and build. The first build runs once the watch has started, so a
        file saved while it runs is seen; so does a catch-up build whenever the set
        of watched folders changes (it says nothing when nothing was out of date)."""
        import watchfiles

        first = True
        while True:
            interest, folders = self.watched()
            if not folders:
                time.sleep(0.5)
                continue
            pending = True
            try:
                for changes in watchfiles.watch(
                    *sorted(folders),
                    recursive=False,
                    debounce=DEBOUNCE_MS,
                    step=STEP_MS,
                    rust_timeout=WAKE_MS,
                    yield_on_timeout=True,
                    watch_filter=None,
                    raise_interrupt=True,
                    ignore_permission_denied=True,
                ):
                    if pending:  # the watch is on: build what is out of date
                        pending = False
                        if self.engine.workers > 1:
                            self.engine.start(self.options)  # warm workers for every rebuild
                        self.rebuild((), quiet=not first)
                        if first:
                            first = False
                            self.options = _replace(self.options, force=False)  # --force: once
                            self.say(f"watching {self._where()} (Ctrl-C stops)")
                    hits = {p: c for c, p in changes if self.kind(p, interest)}
                    if hits:
                        kinds = {self.kind(p, interest) or "" for p in hits}
                        gone = {p for p, c in hits.items() if c == watchfiles.Change.deleted}
                        self.rebuild(sorted(hits), kinds, gone)
                    if self.watched()[1] != folders:
                        break  # a folder came or went: watch the new set
            except (OSError, RuntimeError) as exc:  # a watched folder removed, say
                self.err(one_line(f"note: watching again ({exc})"))
                time.sleep(0.2)

    # ---------------------------------------------------------------- what is watched

    def targets(self) -> list[str]:
        if self.given:
            return self.given
        return [short_path(str(self.ws.data))] if self.ws.data else []

    def watched(self) -> tuple[dict[str, str], set[str]]:
        """Files of interest (absolute path -> kind) and the folders holding them.
        Folders of visit files and templates count as wholes (``kind`` decides)."""
        from kzru_reports.engine import shipped_visits

        interest: dict[str, str] = {}
        folders: set[str] = set()
        for target in self.targets() or [str(shipped_visits())]:
            path = os.path.abspath(target)
            if os.path.isdir(path):
                interest[path + os.sep] = "data"
                folders.add(path)
            else:
                interest[path] = "data"
                folders.add(os.path.dirname(path))
        for folder in self.engine.settings.templates:
            root = os.path.abspath(folder)
            if not os.path.isdir(root):
                continue
            interest[root + os.sep] = "templates"
            folders.add(root)
            for sub in _subfolders(root):
                interest[sub + os.sep] = "templates"
                folders.add(sub)
                labels = os.path.join(sub, CATALOG_FOLDER)  # an audience's own catalogs
                if os.path.isdir(labels) and os.path.basename(sub) != CATALOG_FOLDER:
                    interest[labels + os.sep] = "templates"
                    folders.add(labels)
        config = [self.ws.root / "kzru.toml", *self.ws.files]
        for file in config:
            interest[os.path.abspath(file)] = "config"
        for file in theme_files(self.engine.settings.theme):
            interest.setdefault(os.path.abspath(file), "theme")
        for file, kind in list(interest.items()):
            if kind in ("config", "theme") and not _shipped(file):
                folders.add(os.path.dirname(file))
        return interest, {f for f in folders if os.path.isdir(f)}

    @staticmethod
    def kind(path: str, interest: dict[str, str]) -> str | None:
        """What a changed path is to the build, or None for anything else (an editor's
        swap file, an output, a file the build does not read)."""
        path = os.path.abspath(path)
        if path in interest:
            return interest[path]
        folder, name = os.path.split(path)
        kind = interest.get(folder + os.sep)
        if kind == "data" and Path(name).suffix.lower() in SUFFIXES and not name.startswith("."):
            return "data"
        if kind == "templates":
            if name.endswith(TEMPLATE_SUFFIX) and not name.startswith("."):
                return "templates"
            if name.endswith(".po") and os.path.basename(folder) == CATALOG_FOLDER:
                # a workspace's labels: a new catalog is a new language, so the config
                # (which lists the languages it may build) is read again too
                return "config"
            if os.path.isdir(path) or path + os.sep in interest:
                return "templates"  # an audience's folder made or removed
        return None

    # ---------------------------------------------------------------- rebuilding

    def rebuild(
        self,
        changed: Iterable[str],
        kinds: Iterable[str] = (),
        gone: Iterable[str] = (),
        quiet: bool = False,
    ) -> None:
        """One rebuild: the config read again when it changed, then an incremental
        build; one line says what changed, what was rebuilt and how long it took
        (``quiet``: nothing is said when nothing was rebuilt and nothing failed)."""
        started = time.perf_counter()
        changed = list(changed)
        cause = _names(changed, set(gone))
        if "config" in set(kinds) and not self.reload():
            return
        try:
            report = self.engine.build(self.targets(), self.options)
        except KzruError as exc:
            self.say(f"{_clock()} {cause}: failed")
            for problem in exc.problems():
                self.err(str(problem) if problem.file else one_line(f"error: {problem.message}"))
            return
        except Exception as exc:  # a bug: said in one line; the session goes on
            self.err(one_line(f"error: internal error: {type(exc).__name__}: {exc}"))
            return
        seconds = time.perf_counter() - started
        if quiet and report.ok and all(o.status != "built" for o in report.outputs):
            return
        if self.as_json:
            print(json.dumps(report.as_json(), ensure_ascii=False), flush=True)
        self.say(_line(cause, report, seconds))
        for problem in report.errors:
            self.err(str(problem))
        if report.errors:
            self.say("  (the previous good outputs are kept; save a fix to rebuild)")

    def reload(self) -> bool:
        """Read the config again; a broken one is reported and the last good kept."""
        try:
            ws = load_workspace(self.start)
            settings = self.args.settings(ws)
            ws.select(self.args.audiences)  # the audiences asked for must still exist
        except KzruError as exc:
            self.say(f"{_clock()} config changed: not used, the last good one is kept")
            for problem in exc.problems():
                self.err(str(problem) if problem.file else one_line(f"error: {problem.message}"))
            return False
        self.ws = ws
        self.engine.reconfigure(settings)
        self.options = _replace(self.args.options(self.engine, ws), force=False)
        return True

    def _where(self) -> str:
        interest, _ = self.watched()
        shown = [
            short_path(p.rstrip(os.sep)) + ("/" if p.endswith(os.sep) else "")
            for p in interest
            if os.path.exists(p) and not _shipped(p)
        ]
        return ", ".join(sorted(dict.fromkeys(shown)))


# -------------------------------------------------------------------- lines


def _line(cause: str, report: Report, seconds: float) -> str:
    built = [o for o in report.outputs if o.status == "built"]
    groups: dict[tuple[str, str, str], list[str]] = {}
    for o in built:
        groups.setdefault((o.visit, o.audience, o.document), []).append(o.format)
    named = [f"{a} {d} ({', '.join(f)})" for (_, a, d), f in groups.items()]
    if len(named) > GROUPS_SHOWN:
        named = [*named[:GROUPS_SHOWN], f"{len(named) - GROUPS_SHOWN} more"]
    what = f"rebuilt {len(built)} file{'s' * (len(built) != 1)}"
    if named:
        what += ": " + ", ".join(named)
    if not built:
        what = "nothing to rebuild" if not report.errors else "nothing rebuilt"
    failed = len({e.file for e in report.errors})
    if failed:
        what += f"; {failed} file{'s' * (failed != 1)} with problems"
    return one_line(f"{_clock()} {cause}: {what} in {seconds:.2f}s")


def _names(changed: list[str], gone: set[str]) -> str:
    if not changed:
        return "build"
    shown = [short_path(p) + (" (removed)" if p in gone else "") for p in changed[:3]]
    more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
    return f"{', '.join(shown)}{more} changed"


def _clock() -> str:
    return datetime.now().strftime("%H:%M:%S")


def _subfolders(root: str) -> list[str]:
    try:
        return sorted(e.path for e in os.scandir(root) if e.is_dir() and not e.is_symlink())
    except OSError:
        return []


def _shipped(path: str) -> bool:
    """A file of the installed package (a shipped font): it does not change."""
    import kzru_reports

    package = os.path.dirname(os.path.abspath(kzru_reports.__file__))
    return os.path.commonpath([package, os.path.abspath(path)]) == package


def _replace(options: BuildOptions, **changes: Any) -> BuildOptions:
    from dataclasses import replace

    return replace(options, **changes)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt
