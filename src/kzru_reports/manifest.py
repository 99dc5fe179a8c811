"""The build manifest (``OUT/manifest.json``) and the input fingerprints that make
incremental builds safe.

Every output is listed with its checksum and the hashes of what it was built from:
the data file, the templates it used, the theme and fonts, the labels and the
engine's own code. An output is up to date when its file is as recorded and every
one of those inputs is unchanged.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from kzru_reports import __version__
from kzru_reports.files import write_atomic

MANIFEST = "manifest.json"
FORMAT = "kzru-manifest/1"


def sha256_file(path: Path) -> str:
    """A file's SHA-256, read once per process for each version of the file (fonts
    are hashed for the engine's digest and again for the theme's)."""
    info = os.stat(path)
    return _sha256_file(str(path), info.st_mtime_ns, info.st_size, info.st_ino)


@functools.lru_cache(maxsize=1024)
def _sha256_file(path: str, mtime_ns: int, size: int, inode: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stable_repr(value: Any) -> str:
    """``repr`` with sets and mappings in sorted order, so that a fingerprint is the
    same in every process (a frozenset's order changes with the hash seed)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        inner = ", ".join(
            f"{f.name}={stable_repr(getattr(value, f.name))}" for f in dataclasses.fields(value)
        )
        return f"{type(value).__name__}({inner})"
    if isinstance(value, set | frozenset):
        return "{" + ", ".join(sorted(stable_repr(v) for v in value)) + "}"
    if isinstance(value, Mapping):
        items = sorted((stable_repr(k), stable_repr(v)) for k, v in value.items())
        return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"
    if isinstance(value, list | tuple):
        return "(" + ", ".join(stable_repr(v) for v in value) + ")"
    return repr(value)


@functools.cache
def engine_digest() -> str:
    """The engine version and a digest of its code, labels and fonts: a change to
    any of them makes every output stale."""
    root = Path(str(resources.files("kzru_reports")))
    h = hashlib.sha256(__version__.encode())
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".yaml", ".ttf") and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(root)).encode())
            h.update(sha256_file(path).encode())
    return f"{__version__}+{h.hexdigest()[:20]}"


@dataclass
class Entry:
    """One output as the manifest records it."""

    path: str
    visit: str
    audience: str
    document: str
    format: str
    bytes: int
    pages: int | None
    sha256: str
    inputs: dict[str, Any]
    lang: str = "en"

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def is_current(self, out: str, inputs: dict[str, Any]) -> bool:
        """True when the inputs are the same and the file is still what was written."""
        if self.inputs != inputs:
            return False
        file = Path(out) / self.path
        try:
            if os.stat(file).st_size != self.bytes:
                return False
            return sha256_file(file) == self.sha256
        except OSError:
            return False


class Manifest:
    """The manifest of one output folder, keyed by output path relative to it (so two
    builds of the same inputs into different folders write the same manifest)."""

    def __init__(self, out: str) -> None:
        self.file = Path(out) / MANIFEST
        self.entries: dict[str, Entry] = {}

    @classmethod
    def load(cls, out: str) -> Manifest:
        manifest = cls(out)
        try:
            data = json.loads(manifest.file.read_text("utf-8"))
            if data.get("format") == FORMAT:
                for raw in data["outputs"]:
                    entry = Entry(**raw)
                    manifest.entries[entry.path] = entry
        except (OSError, ValueError, TypeError, KeyError):
            manifest.entries = {}  # missing or unreadable: everything is rebuilt
        return manifest

    def save(self) -> None:
        data = {
            "format": FORMAT,
            "engine": __version__,  # no times: reproducible
            "outputs": [self.entries[k].as_json() for k in sorted(self.entries)],
        }
        text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
        # a file name that is not UTF-8 (held as lone surrogates) is written as a JSON
        # escape, which reads back as the same name
        write_atomic(self.file, text.encode("utf-8", "backslashreplace"))


def remove_partial_files(out: str) -> None:
    """Delete temporary files a killed build left behind (``.NAME.*.part``)."""
    for path in Path(out).rglob(".*.part"):
        with contextlib.suppress(OSError):
            path.unlink()
