"""Pre-flight warnings: what a valid visit file holds that a reader of its documents
would question. ``kzru validate`` prints them (``--strict`` makes them errors):

- an item that documents cite (figure, statement, topic point, project, agreement,
  the total count of agreements) without a ``source``: its claim cannot be followed
  (a point to raise is advice, not a claim: it needs none);
- a figure without a ``period``: a value means little without the time it covers;
- a unit that is not an ISO 4217 code, ``%`` or a plain word (``$``: did you mean USD);
- a signatory who is none of the parties' leaders or delegation members.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import Any

from kzru_reports.data.schema import Visit
from kzru_reports.data.tree import FieldPath
from kzru_reports.errors import Problem

SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "₽": "RUB", "₸": "KZT", "¥": "CNY"}
PLAIN_WORD = re.compile(r"[^\W\d_]+(?:[ \-'’][^\W\d_]+)*")

Locate = Callable[[FieldPath], tuple[int | None, int | None]]


@functools.cache
def _currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def unit_problem(unit: str) -> str | None:
    """What is wrong with ``unit`` as a figure's unit, or None."""
    if unit == "%" or unit in _currencies():
        return None
    code = SYMBOLS.get(unit) or (unit.upper() if unit.upper() in _currencies() else None)
    if code:
        return f"unit {unit!r} is not an ISO 4217 code (did you mean {code}?)"
    if PLAIN_WORD.fullmatch(unit):
        return None
    return f"unit {unit!r} is not an ISO 4217 code, '%' or a plain word"


def _cited(visit: Visit) -> Iterator[tuple[FieldPath, Any, str]]:
    for i, f in enumerate(visit.figures):
        yield ("figures", i), f, f"figure {f.id!r}"
    for i, s in enumerate(visit.statements):
        yield ("statements", i), s, "statement"
    for t, topic in enumerate(visit.topics):
        for i, p in enumerate(topic.points):
            yield ("topics", t, "points", i), p, f"point of topic {topic.id!r}"
        for i, pr in enumerate(topic.projects):
            yield ("topics", t, "projects", i), pr, f"project {pr.id!r}"
    for i, a in enumerate(visit.agreements):
        yield ("agreements", i), a, f"agreement {a.id!r}"
    if visit.agreements_total is not None:  # a count of documents is a claim too
        yield ("agreements_total",), visit.agreements_total, "agreements_total"


def _path(path: FieldPath) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def warnings(visit: Visit, name: str, locate: Locate) -> list[Problem]:
    """Every pre-flight warning for ``visit`` (read from file ``name``)."""
    found: list[tuple[FieldPath, str]] = []
    for path, item, what in _cited(visit):
        if not getattr(item, "source", None):
            found.append((path, f"{what} names no source: readers cannot follow it"))
    for i, f in enumerate(visit.figures):
        if not f.period:
            found.append(
                (("figures", i), f"figure {f.id!r} has no period (the time its value covers)")
            )
        for path, unit in (
            (("figures", i, "unit"), f.unit),
            (("figures", i, "target", "unit"), f.target.unit if f.target else None),
        ):
            problem = unit_problem(unit) if unit else None
            if problem:
                found.append((path, problem))
    people = {
        person.name.casefold()
        for party in visit.parties
        for person in ([party.leader] if party.leader else []) + list(party.delegation)
    }
    for i, a in enumerate(visit.agreements):
        for j, who in enumerate(a.signatories):
            name_part = who.split(",")[0].strip().casefold()
            if name_part not in people:
                found.append(
                    (
                        ("agreements", i, "signatories", j),
                        f"signatory {who.split(',')[0].strip()!r} is none of the parties' "
                        "leaders or delegation members",
                    )
                )
    out = []
    for path, message in found:
        line, column = locate(path)
        out.append(
            Problem(name, message, path=_path(path), line=line, column=column, severity="warning")
        )
    return out


__all__ = ["unit_problem", "warnings"]
