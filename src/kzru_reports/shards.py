"""Builds larger than one machine: a stable share of the visits for each of N builds
(``kzru build --shard K/N``), and the merge of their manifests into one
(``kzru manifest merge``).

Visits are shared out by visit id, balanced by the size of their files (a long
visit file makes more pages): the largest first, each to the shard with the least
so far, ties broken by id. Every shard computes the same split from the same files,
so N jobs of a CI matrix that check out one commit build each visit exactly once.
Files that share a visit id go to one shard (which reports the clash), and a file
whose id cannot be read goes by its name (its shard reports the problem).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kzru_reports.data.load import read_limited
from kzru_reports.data.tree import decode, parse_json, parse_yaml
from kzru_reports.errors import DataError, KzruError, Problem, UsageError
from kzru_reports.files import write_atomic
from kzru_reports.manifest import FORMAT, MANIFEST, Entry, Manifest, sha256_file

_SHARD = re.compile(r"([0-9]{1,6})/([0-9]{1,6})")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    """``K/N`` with 1 <= K <= N; anything else is a usage error."""
    match = _SHARD.fullmatch(text.strip())
    if not match:
        raise UsageError(f"--shard {text!r}: give K/N, e.g. 2/3 for the second of three shares")
    index, count = int(match[1]), int(match[2])
    if count < 1:
        raise UsageError(f"--shard {text!r}: N, the number of shares, must be at least 1")
    if not 1 <= index <= count:
        raise UsageError(f"--shard {text!r}: K must be from 1 to N (1/{count} to {count}/{count})")
    return Shard(index, count)


def visit_key(file: Path) -> tuple[str, int]:
    """A file's visit id (else ``file:<name>``) and its size in bytes."""
    try:
        raw = read_limited(file, str(file))
    except KzruError:
        return f"file:{file}", 0
    try:
        text = decode(raw, str(file))
        parse = parse_json if file.suffix.lower() == ".json" else parse_yaml
        tree, _ = parse(text, str(file))
        ident = tree.get("id") if isinstance(tree, dict) else None
    except KzruError:
        ident = None
    return (ident if isinstance(ident, str) else f"file:{file}"), len(raw)


def split(sizes: dict[str, int], count: int) -> list[list[str]]:
    """Keys shared out into ``count`` lists of about equal total size, the same
    for the same keys and sizes whatever order they come in."""
    loads = [0] * count
    shares: list[list[str]] = [[] for _ in range(count)]
    for key in sorted(sizes, key=lambda k: (-sizes[k], k)):
        target = min(range(count), key=lambda i: (loads[i], i))
        shares[target].append(key)
        loads[target] += sizes[key]
    return [sorted(s) for s in shares]


def select(files: Sequence[Path], shard: Shard) -> list[Path]:
    """The files of ``files`` that shard ``shard`` builds, in their given order."""
    keys = {file: visit_key(file) for file in files}
    sizes: dict[str, int] = {}
    for key, size in keys.values():
        sizes[key] = sizes.get(key, 0) + size
    mine = set(split(sizes, shard.count)[shard.index - 1])
    return [f for f in files if keys[f][0] in mine]


# ------------------------------------------------------------------ merging


def _manifest_file(given: str) -> Path:
    path = Path(given)
    return path / MANIFEST if path.is_dir() else path


def _read(file: Path) -> dict[str, Any]:
    try:
        data = json.loads(file.read_text("utf-8"))
    except OSError as exc:
        raise DataError([Problem(str(file), f"cannot read: {exc.strerror or exc}")]) from None
    except ValueError as exc:
        raise DataError([Problem(str(file), f"not a JSON manifest: {exc}")]) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DataError([Problem(str(file), f"not a kzru manifest (format {FORMAT})")])
    if not isinstance(data.get("outputs"), list):
        raise DataError([Problem(str(file), "the manifest has no list of outputs")])
    return data


def _engine(data: dict[str, Any]) -> tuple[str, frozenset[str]]:
    """The engine a manifest's outputs were built by: its version, and the digests
    of the engine's code, labels and fonts its outputs record."""
    digests = frozenset(
        str((raw.get("inputs") or {}).get("engine"))
        for raw in data["outputs"]
        if isinstance(raw, dict) and isinstance(raw.get("inputs"), dict)
    )
    return str(data.get("engine")), digests


def _same_engine(a: tuple[str, frozenset[str]], b: tuple[str, frozenset[str]]) -> bool:
    # a shard with no visits records no digest; its version must still agree
    return a[0] == b[0] and (not a[1] or not b[1] or a[1] == b[1])


def _describe(engine: tuple[str, frozenset[str]]) -> str:
    return ", ".join(sorted(engine[1])) or engine[0]


def _safe_path(file: Path, path: str) -> str:
    """An output path from a manifest, refused unless it stays inside the folder."""
    parts = path.split("/")
    if not path or path.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in path:
        raise DataError([Problem(str(file), f"output path {path!r} is not inside the folder")])
    return path


def merge(sources: Iterable[str], out: str) -> Manifest:
    """Join the manifests of shard builds into ``out/manifest.json``, copying each
    shard's files into ``out`` (checked against their checksums) when they are not
    there already. Refused, naming both files, when two shards hold the same output
    or were built by different engines; nothing is written then."""
    files = [_manifest_file(s) for s in sources]
    if not files:
        raise UsageError("give the manifests (or output folders) of the shards to merge")
    target = Path(out) / MANIFEST
    resolved = {f.resolve() for f in files}
    if target.exists() and target.resolve() not in resolved:
        raise UsageError(
            f"{target} exists and is not one of the manifests to merge: merge into an "
            "empty folder, or name it among the manifests"
        )
    if len(resolved) != len(files):
        raise UsageError("the same manifest is named twice")
    merged = Manifest(out)
    owner: dict[str, Path] = {}
    first: tuple[Path, tuple[str, frozenset[str]]] | None = None
    copies: list[tuple[Path, Path, Entry]] = []
    for file in files:
        data = _read(file)
        engine = _engine(data)
        if first is None:
            first = (file, engine)
        elif not _same_engine(engine, first[1]):
            raise DataError(
                [
                    Problem(
                        str(file),
                        f"built by engine {_describe(engine)}, but {first[0]} by "
                        f"{_describe(first[1])}: shards must be built by one engine",
                    )
                ]
            )
        for raw in data["outputs"]:
            try:
                entry = Entry(**raw)
            except TypeError:
                raise DataError(
                    [Problem(str(file), "an output entry this engine does not know")]
                ) from None
            _safe_path(file, entry.path)
            if entry.path in owner:
                raise DataError(
                    [
                        Problem(
                            str(file),
                            f"output {entry.path} is also in {owner[entry.path]}: "
                            "shards must not overlap",
                        )
                    ]
                )
            owner[entry.path] = file
            merged.entries[entry.path] = entry
            copies.append((file.parent / entry.path, Path(out) / entry.path, entry))
    for source, _, entry in copies:
        if not source.is_file() or sha256_file(source) != entry.sha256:
            raise DataError(
                [Problem(str(source), "missing, or not the file its manifest lists (checksum)")]
            )
    for source, dest, _ in copies:
        if os.path.abspath(source) != os.path.abspath(dest):
            write_atomic(dest, source.read_bytes())
    merged.save()
    return merged


__all__ = ["Shard", "merge", "parse_shard", "select", "split", "visit_key"]
