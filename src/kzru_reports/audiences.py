"""Audience profiles and the classification filter.

A profile says who reads a pack: the highest classification they may see, which
documents they get and which sections. ``redact`` removes everything above a
clearance from a visit *before* any template sees it, so no count, chart, bookmark
or property can mention it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kzru_reports.data.schema import LEVELS, Visit

DOCUMENTS = ("memo", "factsheet", "agreements", "pack")


@dataclass(frozen=True)
class Audience:
    name: str
    clearance: str = "restricted"
    documents: tuple[str, ...] = DOCUMENTS
    sections: frozenset[str] | None = None  # None: every section
    detail: str = "full"  # "full" or "brief"
    description: str = ""
    templates: dict[str, str] = field(default_factory=dict)

    def shows(self, section: str) -> bool:
        return self.sections is None or section in self.sections


BUILTIN: dict[str, Audience] = {
    "analyst": Audience("analyst", "restricted", description="Everything, with sources."),
}


def rank(level: str) -> int:
    return LEVELS.index(level)


def redact(visit: Visit, clearance: str) -> Visit:
    """A copy of ``visit`` holding only what a reader cleared to ``clearance`` may see."""
    limit = rank(clearance)
    default = visit.classification

    def ok(item: Any, inherited: str) -> bool:
        return rank(item.classification or inherited) <= limit

    topics = []
    for topic in visit.topics:
        level = topic.classification or default
        if not ok(topic, default):
            continue
        topics.append(
            topic.model_copy(
                update={
                    "points": [p for p in topic.points if ok(p, level)],
                    "projects": [p for p in topic.projects if ok(p, level)],
                }
            )
        )
    kept_topics = {t.id for t in topics}
    figures = [
        f for f in visit.figures if ok(f, default) and (f.topic is None or f.topic in kept_topics)
    ]
    events = [e for e in visit.events if ok(e, default)]
    kept_events = {e.id for e in events}
    statements = [
        s
        for s in visit.statements
        if ok(s, default) and (s.event is None or s.event in kept_events)
    ]
    kept = visit.model_copy(
        update={
            "topics": topics,
            "figures": figures,
            "events": events,
            "statements": statements,
            "agreements": [a for a in visit.agreements if ok(a, default)],
            "follow_ups": [f for f in visit.follow_ups if ok(f, default)],
        }
    )
    # A source is listed only while something the reader sees still cites it.
    cited = {i.source for i in _items(kept) if i.source}
    return kept.model_copy(update={"sources": [s for s in visit.sources if s.id in cited]})


def _items(visit: Visit) -> list[Any]:
    items: list[Any] = [
        *visit.events,
        *visit.statements,
        *visit.figures,
        *visit.agreements,
        *visit.follow_ups,
    ]
    for topic in visit.topics:
        items += [*topic.points, *topic.projects]
    return items


def highest_level(visit: Visit) -> str:
    """The highest classification of anything the (already redacted) visit holds."""
    default = visit.classification
    levels = {default}
    for items in (
        visit.events,
        visit.statements,
        visit.figures,
        visit.agreements,
        visit.follow_ups,
    ):
        levels.update(i.classification or default for i in items)
    for topic in visit.topics:
        tl = topic.classification or default
        levels.add(tl)
        levels.update(p.classification or tl for p in [*topic.points, *topic.projects])
    return max(levels, key=rank)
