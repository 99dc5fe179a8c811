"""Earlier versions of a visit file: a file on disk, or ``REV:path`` read from git.

Git is run as a program with a list of arguments (never through a shell); a revision
that starts with ``-`` is refused before git sees it, so it can never be read as an
option. What git prints on failure is turned into one clear sentence.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from kzru_reports.data import Visit, parse_visit
from kzru_reports.data.load import read_limited
from kzru_reports.data.tree import MAX_BYTES
from kzru_reports.errors import DataError, KzruError, Problem, UsageError

_FULL_HASH = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
GIT_TIMEOUT = 30  # seconds; reading one blob takes milliseconds


class GitError(KzruError):
    """Git could not give what was asked for (no git, no repository, no revision):
    the command line named something that is not there."""

    exit_code = 2


@dataclass(frozen=True)
class Version:
    """One version of a visit file: its bytes, the name to report it by, and the date
    it is "as of" (the commit's date for a revision; the file's modification date)."""

    raw: bytes
    name: str
    json_syntax: bool
    as_of: date | None

    def load(self, theme: Any = None) -> Visit:
        return parse_visit(self.raw, self.name, self.json_syntax, theme)


def is_revision_spec(spec: str) -> bool:
    """``REV:path`` when no file of that name exists (``C:\\x`` on Windows is a file)."""
    if os.path.exists(spec) or ":" not in spec:
        return False
    head = spec.split(":", 1)[0]
    return not (len(head) == 1 and head.isalpha() and os.name == "nt")


def read_version(spec: str) -> Version:
    """The version ``spec`` names: ``REV:path`` from git, else a file."""
    if is_revision_spec(spec):
        rev, path = spec.split(":", 1)
        return from_git(rev, path, cwd=None, name=spec)
    file = Path(spec)
    raw = read_limited(file, spec)
    try:
        modified = datetime.fromtimestamp(file.stat().st_mtime, UTC).date()
    except (OSError, OverflowError, ValueError):
        modified = None
    return Version(raw, spec, file.suffix.lower() == ".json", modified)


def previous_version(file: Path, rev: str) -> Version | None:
    """``file`` as it was at revision ``rev`` of the repository it is in; None when
    the file did not exist then (a visit added since)."""
    folder = file.parent if str(file.parent) else Path(".")
    name = f"{rev}:{file}"
    if _git(["cat-file", "-e", f"{rev}:./{file.name}"], folder, name, check=False)[0] != 0:
        return None
    return from_git(rev, f"./{file.name}", cwd=folder, name=name)


def check_revision(rev: str, cwd: Path | None = None) -> str:
    """The commit ``rev`` names (a full hash), or a ``GitError`` saying it names none."""
    if not rev or rev.startswith("-"):
        raise UsageError(f"{rev!r} cannot be a git revision (it must not start with '-')")
    code, out, err = _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd, rev)
    if code != 0:
        if "not a git repository" in err:
            raise GitError(f"{rev!r}: not inside a git repository, so no revision can be read")
        raise GitError(f"unknown git revision {rev!r}")
    return out.decode().strip()


def from_git(rev: str, path: str, cwd: Path | None, name: str) -> Version:
    """The bytes of ``path`` at ``rev``, read with ``git show``."""
    commit = check_revision(rev, cwd)
    if not path:
        raise UsageError(f"{name}: give a file after the colon (REV:path)")
    code, out, err = _git(["show", f"{rev}:{path}"], cwd, name, limit=MAX_BYTES + 1)
    if code != 0:
        detail = err.strip().splitlines()[-1] if err.strip() else ""
        detail = detail.removeprefix("fatal: ")
        raise DataError([Problem(name, f"cannot read {path!r} at {rev}: {detail or 'git failed'}")])
    as_of = None
    code, stamp, _ = _git(["log", "-1", "--format=%ct", commit, "--", path], cwd, name)
    if code == 0 and stamp.strip().isdigit():
        as_of = datetime.fromtimestamp(int(stamp), UTC).date()
    else:  # the path as git spells it only: fall back to the commit's own date
        code, stamp, _ = _git(["log", "-1", "--format=%ct", commit], cwd, name)
        if code == 0 and stamp.strip().isdigit():
            as_of = datetime.fromtimestamp(int(stamp), UTC).date()
    return Version(out, name, path.lower().endswith(".json"), as_of)


def _git(
    args: list[str], cwd: Path | None, name: str, check: bool = True, limit: int | None = None
) -> tuple[int, bytes, str]:
    """Run git; return its exit code, output (at most ``limit`` bytes) and errors."""
    try:
        proc = subprocess.Popen(
            ["git", *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
    except FileNotFoundError:
        raise GitError(f"{name}: reading a revision needs git, which is not installed") from None
    except NotADirectoryError:
        raise GitError(f"{name}: {cwd} is not a folder") from None
    try:
        if limit is None:
            out, err = proc.communicate(timeout=GIT_TIMEOUT)
        else:
            assert proc.stdout is not None and proc.stderr is not None
            out = proc.stdout.read(limit)
            if len(out) >= limit:
                proc.kill()
            _, err = proc.communicate(timeout=GIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise GitError(f"{name}: git did not answer within {GIT_TIMEOUT} seconds") from None
    if limit is not None and len(out) >= limit:
        return 0, out, ""  # decoding reports the size
    return proc.returncode, out, err.decode("utf-8", "replace")


def is_revision(since: str) -> bool:
    """``--since`` names a git revision when no file or folder of that name exists."""
    return not os.path.exists(since)


def baseline(file: str, since: str) -> Version | None:
    """The earlier version of visit file ``file`` that ``kzru build --since`` compares
    with: the file at revision ``since``; else, when ``since`` is a visit file or a
    folder of them, the one with the same visit id. None when there is none (a visit
    new since then). Read once per process for each state of the files and commit
    involved, so a long-running process sees edits."""
    from kzru_reports.data import find_visit_files

    if is_revision(since):
        folder = Path(file).parent
        resolved = _FULL_HASH.fullmatch(since) is not None  # a commit never changes
        state: tuple[Any, ...] = (
            since if resolved else check_revision(since, folder if str(folder) else None),
        )
    else:
        state = tuple(_stat(f) for f in [Path(file), *find_visit_files([since])])
    return _baseline(file, since, state)


def _stat(path: Path) -> tuple[str, int, int]:
    try:
        info = path.stat()
    except OSError:
        return str(path), -1, -1
    return str(path), info.st_mtime_ns, info.st_size


@functools.lru_cache(maxsize=64)
def _baseline(file: str, since: str, state: tuple[Any, ...]) -> Version | None:
    from kzru_reports.data import find_visit_files
    from kzru_reports.shards import visit_key

    if is_revision(since):
        return previous_version(Path(file), state[0])
    ident = visit_key(Path(file))[0]
    for candidate in find_visit_files([since]):
        if visit_key(candidate)[0] == ident:
            return read_version(str(candidate))
    return None
