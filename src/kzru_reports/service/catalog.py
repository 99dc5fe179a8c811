"""The workspace's visits as the service offers them: looked up by id, never by a
path from a request. The data folder is listed again on each look-up (cheap), and
a file is loaded again only when its size or modification time changed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from kzru_reports.audiences import redact
from kzru_reports.data import Visit, find_visit_files, load_visit
from kzru_reports.errors import KzruError, Problem
from kzru_reports.theme import Theme


@dataclass(frozen=True)
class Entry:
    file: Path
    name: str  # the file's name inside the data folder: what answers show
    visit: Visit | None
    problems: tuple[Problem, ...] = ()

    def listing(self, clearance: str) -> dict[str, object]:
        """The visit as listed to a reader cleared to ``clearance`` (a title above it
        is replaced by the parties' names, as in the documents themselves)."""
        assert self.visit is not None
        visit = redact(self.visit, clearance)
        start, end = self.visit.start, self.visit.end
        return {
            "id": visit.id,
            "title": visit.title,
            "dates": {
                "start": start.isoformat() if start else None,
                "end": end.isoformat() if end else None,
            },
            "file": self.name,
        }


class Catalog:
    """The visit files of one folder, loaded and checked, by visit id."""

    def __init__(self, folder: Path, theme: Theme) -> None:
        self.folder = folder
        self.theme = theme
        self._lock = threading.Lock()
        self._loaded: dict[Path, tuple[tuple[int, int], Entry]] = {}

    def entries(self) -> list[Entry]:
        """Every visit file of the folder, in name order, loaded or with its problems."""
        with self._lock:
            files = find_visit_files([self.folder]) if self.folder.is_dir() else []
            fresh: dict[Path, tuple[tuple[int, int], Entry]] = {}
            for file in files:
                try:
                    info = file.stat()
                except OSError:
                    continue
                key = (info.st_mtime_ns, info.st_size)
                known = self._loaded.get(file)
                fresh[file] = known if known and known[0] == key else (key, self._load(file))
            self._loaded = fresh
            return [entry for _, entry in fresh.values()]

    def visits(self) -> dict[str, Entry]:
        """Loaded visits by id (a second file with the same id is left out, as a
        build reports it)."""
        found: dict[str, Entry] = {}
        for entry in self.entries():
            if entry.visit is not None and entry.visit.id not in found:
                found[entry.visit.id] = entry
        return found

    def _load(self, file: Path) -> Entry:
        name = file.relative_to(self.folder).as_posix()
        try:
            return Entry(file, name, load_visit(file, name, self.theme))
        except KzruError as exc:
            return Entry(file, name, None, tuple(exc.problems()))
