"""References between the items of a visit: ids unique within each list, and every
event, topic, source, speaker and party named by an item exists. Checked on the
parsed tree, not the typed model, so that broken references are reported together
with type errors in the same run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kzru_reports.data.tree import FieldPath, Positions, format_path, locate
from kzru_reports.errors import Problem, did_you_mean

Tree = dict[str, Any]


def _items(tree: Tree, *path: str) -> Iterator[tuple[FieldPath, Tree]]:
    """Every mapping in a list under ``path`` (``topics``, or ``topics/*/points``)."""
    head, *rest = path
    for i, item in enumerate(tree.get(head) or [] if isinstance(tree, dict) else []):
        if not isinstance(item, dict):
            continue
        if rest:
            for sub, found in _items(item, *rest):
                yield (head, i, *sub), found
        else:
            yield (head, i), item


def _single(tree: Tree, *paths: tuple[str, ...]) -> Iterator[tuple[FieldPath, str]]:
    """The references made outside lists of items (``agreements_total.source``),
    each as (field path, id), where the file gives one."""
    for path in paths:
        node: Any = tree
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, str):
            yield path, node


def _id(item: Tree, key: str = "id") -> str | None:
    value = item.get(key)
    return str(value) if isinstance(value, str) else None


def check_references(tree: Tree, positions: Positions, name: str) -> Iterator[Problem]:
    """Unique ids within each list; every event, topic, source, speaker and party resolves."""

    def problem(path: FieldPath, message: str) -> Problem:
        line, col = locate(path, positions)
        return Problem(name, message, path=format_path(path), line=line, column=col)

    ids: dict[str, list[str]] = {}
    for list_path in (
        "parties",
        "events",
        "figures",
        "topics",
        "agreements",
        "sources",
        "topics/projects",
    ):
        seen: dict[str, FieldPath] = {}
        for path, item in _items(tree, *list_path.split("/")):
            ident = _id(item)
            if ident is None:
                continue
            if ident in seen:
                yield problem(
                    (*path, "id"), f"duplicate id {ident!r} (first at {format_path(seen[ident])})"
                )
            seen.setdefault(ident, path)
        ids[list_path] = list(seen)

    speakers = _speaker_names(tree)
    for path, kind, value in _references(tree):
        if kind == "speaker":
            if value not in speakers:
                yield problem(
                    path,
                    f"unknown speaker {value!r}{did_you_mean(value, speakers)}: give a "
                    f"party id or the exact name of a leader or delegation member"
                    f"{_known('speakers', speakers)}",
                )
        elif value not in ids[kind]:
            noun = {"sources": "source", "events": "event", "topics": "topic", "parties": "party"}[
                kind
            ]
            yield problem(
                path,
                f"unknown {noun} {value!r}{did_you_mean(value, ids[kind])}"
                f"{_known(kind, ids[kind])}",
            )


KNOWN_LISTED = 12  # a message lists the valid ids when there are no more than this


def _known(plural: str, ids: list[str]) -> str:
    """``; events are: a, b`` when the file has few, so the right one can be picked."""
    if not ids:
        return f"; the file has no {plural}"
    if len(ids) > KNOWN_LISTED:
        return ""
    return f"; {plural} are: {', '.join(ids)}"


def _speaker_names(tree: Tree) -> list[str]:
    names: list[str] = []
    for _, party in _items(tree, "parties"):
        names += [n for n in [_id(party)] if n]
        people = [party.get("leader"), *(party.get("delegation") or [])]
        for person in people:
            if isinstance(person, dict):
                names += _texts(person.get("name"))
    return names


def _texts(value: Any) -> list[str]:
    """A text field's text in every language it gives (a plain string: itself)."""
    if isinstance(value, str):
        return [str(value)]
    if isinstance(value, dict):
        return [str(v) for v in value.values() if isinstance(v, str)]
    return []


_REFERENCES = (
    ("events", "source", "sources"),
    ("statements", "source", "sources"),
    ("figures", "source", "sources"),
    ("agreements", "source", "sources"),
    ("follow_ups", "source", "sources"),
    ("points_to_raise", "source", "sources"),
    ("points_to_raise", "topic", "topics"),
    ("topics/points", "source", "sources"),
    ("topics/projects", "source", "sources"),
    ("statements", "speaker", "speaker"),
    ("statements", "event", "events"),
    ("figures", "topic", "topics"),
    ("agreements", "topic", "topics"),
)


def _references(tree: Tree) -> Iterator[tuple[FieldPath, str, str]]:
    """Every reference in the visit as (field path, list it points into, id)."""
    for list_path, key, target in _REFERENCES:
        for path, item in _items(tree, *list_path.split("/")):
            value = _id(item, key)
            if value is None and key == "speaker" and isinstance(item.get(key), dict):
                # a speaker named in several languages: its first text is checked
                value = next(iter(_texts(item[key])), None)
            if value is not None:
                yield (*path, key), target, value
    for path, item in _single(tree, ("agreements_total", "source")):
        yield path, "sources", item
    summary_sources = tree.get("summary_sources") if isinstance(tree, dict) else None
    for j, source in enumerate(summary_sources if isinstance(summary_sources, list) else []):
        if isinstance(source, str):
            yield ("summary_sources", j), "sources", source
    for path, agreement in _items(tree, "agreements"):
        parties = agreement.get("parties")
        for j, party in enumerate(parties if isinstance(parties, list) else []):
            if isinstance(party, str):
                yield (*path, "parties", j), "parties", party
