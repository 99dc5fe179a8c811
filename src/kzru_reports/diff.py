"""What changed between two versions of one visit, by meaning rather than by lines.

Items of a list are matched by their ``id``; items that have none (follow-ups, points,
statements) by their text, and an item whose text was reworded is matched with the
most similar unmatched one of the other version. The result lists each item added,
removed or changed, with the changed fields and their old and new values. It works
on loaded (and, for a document, already redacted) ``Visit`` objects, so ``kzru diff``
and the "changes since" section of a memo say the same thing.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from kzru_reports.data.schema import Visit

Kind = Literal["added", "removed", "changed"]

# The lists of a visit, in the order people read them: field name, the noun for one
# item and for several, and the lists nested in each item that hold items of their own.
SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("parties", "party", "parties"),
    ("events", "event", "events"),
    ("statements", "statement", "statements"),
    ("figures", "figure", "figures"),
    ("topics", "topic", "topics"),
    ("agreements", "agreement", "agreements"),
    ("follow_ups", "follow-up", "follow-ups"),
    ("points_to_raise", "point to raise", "points to raise"),
    ("sources", "source", "sources"),
)
NESTED: Mapping[str, tuple[tuple[str, str, str], ...]] = {
    "topics": (("points", "point", "points"), ("projects", "project", "projects")),
}
NOUNS: Mapping[str, tuple[str, str]] = {
    name: (one, many) for name, one, many in (*SECTIONS, *NESTED["topics"])
}
# The record class of each list's items (what a template holds) -> the list's name.
SECTION_OF: Mapping[str, str] = {
    "Party": "parties",
    "Event": "events",
    "Statement": "statements",
    "Figure": "figures",
    "Topic": "topics",
    "Agreement": "agreements",
    "FollowUp": "follow_ups",
    "PointToRaise": "points_to_raise",
    "Source": "sources",
    "Point": "points",
    "Project": "projects",
}
# How close a reworded text must be to the old one to count as the same item changed
# (difflib's ratio) rather than one item removed and another added.
SIMILAR = 0.6


@dataclass(frozen=True)
class FieldChange:
    """One field of one item: its dotted name and the old and new values (``None``
    where the field was not set), as JSON values."""

    field: str
    old: Any
    new: Any

    def as_json(self) -> dict[str, Any]:
        return {"field": self.field, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class Change:
    """One item added, removed or changed.

    ``section`` is the list it belongs to (``figures``, ``points``...); ``parent``
    the id of the topic a point or project is in; ``key`` its id, else its text;
    ``item`` its data in the new version (the old one for a removed item).
    """

    kind: Kind
    section: str
    key: str
    item: Mapping[str, Any]
    fields: tuple[FieldChange, ...] = ()
    parent: str | None = None
    has_id: bool = True

    @property
    def noun(self) -> str:
        return NOUNS.get(self.section, (self.section, self.section))[0]

    @property
    def label(self) -> str:
        """The item's name as people know it: its title, label, name or text."""
        for name in ("title", "label", "name", "country", "text"):
            value = self.item.get(name)
            if isinstance(value, str) and value:
                return value
        return self.key

    @property
    def path(self) -> str:
        """Where the item is, e.g. ``figures[trade]`` or ``topics[energy].points[2]``."""
        key = self.key if self.has_id else repr(_short(self.key, 40))
        here = f"{self.section}[{key}]"
        return f"topics[{self.parent}].{here}" if self.parent else here

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "change": self.kind,
            "section": self.section,
            "parent": self.parent,
            "id": self.key if self.has_id else None,
            "label": self.label,
            "path": self.path,
        }
        if self.kind == "changed":
            out["fields"] = [f.as_json() for f in self.fields]
        else:
            out["item"] = dict(self.item)
        return out


@dataclass(frozen=True)
class VisitDiff:
    """Every change between two versions of one visit (``visit`` is its id)."""

    visit: str
    changes: tuple[Change, ...] = field(default_factory=tuple)

    @property
    def equal(self) -> bool:
        return not self.changes

    def counts(self) -> dict[str, int]:
        return {k: sum(c.kind == k for c in self.changes) for k in ("added", "removed", "changed")}

    def of(self, item: Any) -> Change | None:
        """The change of one item of the new version (a ``Figure``, a ``FollowUp``...),
        if it was added or changed."""
        section = SECTION_OF.get(type(item).__name__)
        if section is None:
            return None
        data = _plain(item.model_dump(mode="json", by_alias=True, exclude_none=True))
        return self._index.get((section, item_key(data)[0]))

    @functools.cached_property
    def _index(self) -> dict[tuple[str, str], Change]:
        # ids are unique across topics (points by text nearly so): no parent needed
        return {(c.section, c.key): c for c in self.changes if c.kind != "removed"}

    def of_kind(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    def as_json(self) -> dict[str, Any]:
        return {
            "visit": self.visit,
            "equal": self.equal,
            "counts": self.counts(),
            "changes": [c.as_json() for c in self.changes],
        }


class DifferentVisits(ValueError):
    """The two files are not versions of one visit (their ids differ)."""


def compare(old: Visit, new: Visit) -> VisitDiff:
    """What changed from ``old`` to ``new``; both must be the same visit (same id)."""
    if old.id != new.id:
        raise DifferentVisits(
            f"these are two different visits, not two versions of one: "
            f"the old one is {old.id!r}, the new one {new.id!r}"
        )
    a = _plain(old.model_dump(mode="json", by_alias=True, exclude_none=True))
    b = _plain(new.model_dump(mode="json", by_alias=True, exclude_none=True))
    changes: list[Change] = []
    lists = {name for name, _, _ in SECTIONS}
    top = _field_changes(
        {k: v for k, v in a.items() if k not in lists},
        {k: v for k, v in b.items() if k not in lists},
    )
    if top:
        changes.append(Change("changed", "visit", new.id, {"title": new.title}, top))
    for name, _, _ in SECTIONS:
        changes += _compare_list(name, a.get(name) or [], b.get(name) or [], None)
    return VisitDiff(new.id, tuple(changes))


def _plain(value: Any) -> Any:
    """A dumped tree with whole floats as integers (20000000000, not 20000000000.0)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def item_key(item: Mapping[str, Any]) -> tuple[str, bool]:
    """How an item is matched across versions: its id, else its text."""
    if isinstance(item.get("id"), str):
        return item["id"], True
    if "text" in item:
        return _identity_text(item), False
    return repr(sorted(item.items())), False


def _identity_text(item: Mapping[str, Any]) -> str:
    text = str(item.get("text", ""))
    speaker = item.get("speaker")  # a statement is the same words by the same speaker
    return f"{speaker}: {text}" if speaker else text


def _compare_list(
    section: str, old: list[dict[str, Any]], new: list[dict[str, Any]], parent: str | None
) -> Iterator[Change]:
    nested = NESTED.get(section, ())
    own = {n for n, _, _ in nested}
    old_by = {item_key(i)[0]: i for i in old}
    new_by = {item_key(i)[0]: i for i in new}
    pairs = _pairs(old, new, old_by, new_by)
    paired_old = {id(o) for o, _ in pairs}
    paired_new = {id(n) for _, n in pairs}
    for item in new:
        key, has_id = item_key(item)
        if id(item) not in paired_new:
            yield Change("added", section, key, item, parent=parent, has_id=has_id)
            continue
        before = next(o for o, n in pairs if n is item)
        fields = _field_changes(
            {k: v for k, v in before.items() if k not in own},
            {k: v for k, v in item.items() if k not in own},
        )
        if not has_id and item_key(before)[0] != key and not fields:
            fields = (FieldChange("text", before.get("text"), item.get("text")),)
        if fields:
            yield Change("changed", section, key, item, fields, parent, has_id)
        for sub, _, _ in nested:
            yield from _compare_list(sub, before.get(sub) or [], item.get(sub) or [], key)
    for item in old:
        if id(item) not in paired_old:
            key, has_id = item_key(item)
            yield Change("removed", section, key, item, parent=parent, has_id=has_id)


def _pairs(
    old: list[dict[str, Any]],
    new: list[dict[str, Any]],
    old_by: dict[str, dict[str, Any]],
    new_by: dict[str, dict[str, Any]],
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Old and new items that are one item: the same key, else (for items matched by
    text) the most similar text not matched otherwise, in the order of the list."""
    pairs = [(old_by[k], n) for k, n in new_by.items() if k in old_by]
    taken_old = {id(o) for o, _ in pairs}
    taken_new = {id(n) for _, n in pairs}
    loose_old = [o for o in old if id(o) not in taken_old and not item_key(o)[1]]
    for item in new:
        if id(item) in taken_new or item_key(item)[1] or not loose_old:
            continue
        text = _identity_text(item)
        scored = [
            (difflib.SequenceMatcher(None, _identity_text(o), text).ratio(), -i, o)
            for i, o in enumerate(loose_old)
        ]
        score, _, best = max(scored, key=lambda s: (s[0], s[1]))
        if score >= SIMILAR:
            pairs.append((best, item))
            loose_old.remove(best)
    return pairs


def _field_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    a, b = dict(_flatten(old)), dict(_flatten(new))
    names = list(dict.fromkeys([*a, *b]))
    return tuple(FieldChange(n, a.get(n), b.get(n)) for n in names if a.get(n) != b.get(n))


def _flatten(value: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """A record as dotted field names and plain values; a nested record's fields get
    its name in front (``target.value``), a list stays one value."""
    for name, v in value.items():
        key = f"{prefix}{name}"
        if isinstance(v, Mapping):
            yield from _flatten(v, f"{key}.")
        else:
            yield key, v


# ------------------------------------------------------------------ for people


def number(value: Any) -> str:
    """A number with thousands separators, whole numbers without a decimal point."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}"


def show(value: Any) -> str:
    """A field's value as one short line of text."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return number(value)
    if isinstance(value, list):
        return "; ".join(show(v) for v in value) if value else "(none)"
    if isinstance(value, Mapping):
        return ", ".join(show(v) for v in value.values() if v is not None)
    return _short(" ".join(str(value).split()), 120)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def describe_field(change: FieldChange, item: Mapping[str, Any]) -> str:
    """``value 20,000,000,000 -> 21,400,000,000 USD``: words the two values share at
    the end are said once, after the new value; a value's unit follows it."""
    old, new = show(change.old), show(change.new)
    unit = _unit_of(change.field, item)
    if unit and change.old is not None and change.new is not None:
        return f"{change.field} {old} -> {new} {unit}"
    if isinstance(change.old, str) and isinstance(change.new, str):
        old_words, new_words = old.split(" "), new.split(" ")
        same = 0
        while (
            same < min(len(old_words), len(new_words)) - 1
            and old_words[-1 - same] == new_words[-1 - same]
        ):
            same += 1
        if same:
            old = " ".join(old_words[:-same])
    return f"{change.field} {old} -> {new}"


def _unit_of(name: str, item: Mapping[str, Any]) -> str:
    """The unit a number field is counted in, when both versions share it."""
    if name == "value":
        unit = item.get("unit")
    elif name == "target.value":
        target = item.get("target") or {}
        unit = target.get("unit") or item.get("unit")
    else:
        return ""
    return unit if isinstance(unit, str) else ""


def describe(change: Change) -> str:
    """One line: ``figure trade: value 20 -> 21 USD; period ... -> ...``."""
    where = f"{change.noun} {change.key}" if change.has_id else change.noun
    if change.parent:
        where += f" (topic {change.parent})"
    if change.kind == "changed":
        if change.section == "visit":
            where = "visit"
        elif not change.has_id:
            if [f.field for f in change.fields] == ["text"]:
                old, new = (show(v) for v in (change.fields[0].old, change.fields[0].new))
                return f"{where} reworded: {old} -> {new}"
            where += f" {_short(change.label, 50)!r}"
        return f"{where}: " + "; ".join(describe_field(f, change.item) for f in change.fields)
    verb = "added" if change.kind == "added" else "removed"
    if change.has_id:
        return f"{where} {verb}: {_short(change.label, 80)}"
    return f"{where} {verb}: {_short(change.label, 100)}"


@dataclass(frozen=True)
class Group:
    """The changes of one list, for people: a heading and its lines."""

    title: str
    lines: tuple[tuple[Kind, str], ...]


def groups(diff: VisitDiff) -> list[Group]:
    """The changes grouped by list, each list in the visit's order; several items of a
    text-only list added or removed at once are counted first ("2 follow-ups added")."""
    out: list[Group] = []
    order = ["visit", *[s for s, _, _ in SECTIONS], *[n for n, _, _ in NESTED["topics"]]]
    for section in order:
        found = [c for c in diff.changes if c.section == section]
        if not found:
            continue
        lines: list[tuple[Kind, str]] = []
        for kind in ("changed", "added", "removed"):
            these = [c for c in found if c.kind == kind]
            if len(these) > 1 and not these[0].has_id and kind != "changed":
                _, many = NOUNS.get(section, (section, section))
                lines.append((kind, f"{len(these)} {many} {kind}"))
                lines += [(kind, f"  {_short(c.label, 110)}") for c in these]
            else:
                lines += [(kind, describe(c)) for c in these]
        title = "Visit" if section == "visit" else section.replace("_", "-").capitalize()
        out.append(Group(title, tuple(lines)))
    return out


def summary(diff: VisitDiff) -> str:
    """``3 changed, 1 added, 0 removed`` (or ``no changes``)."""
    if diff.equal:
        return "no changes"
    counts = diff.counts()
    return ", ".join(f"{counts[k]} {k}" for k in ("changed", "added", "removed"))


__all__ = [
    "Change",
    "DifferentVisits",
    "FieldChange",
    "Group",
    "VisitDiff",
    "compare",
    "describe",
    "groups",
    "item_key",
    "summary",
]
