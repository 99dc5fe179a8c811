"""Audience profiles and the classification filter.

A profile says who reads a pack: the highest classification they may see, which
documents they get, which sections and at what level of detail. ``for_audience``
removes everything above a clearance (and the data of sections the profile leaves
out) from a visit *before* any template sees it, so no count, chart, bookmark or
property can mention it. The rules are written down in ``docs/security.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kzru_reports.data.fields import LEVELS
from kzru_reports.data.schema import Visit
from kzru_reports.documents import DOCUMENTS

DETAILS = ("full", "brief")
# Section names templates ask about with ``audience.shows(name)``: the named blocks
# of the built-in templates that a profile may leave out.
SECTIONS = (
    "summary",
    "outcomes",
    "figures",
    "programme",
    "topics",
    "projects",
    "statements",
    "follow_ups",
    "points",
    "sources",
    "chart",
    "agreements",
    "counts",
    "table",
)


def find(audiences: Mapping[str, Audience], name: str) -> Audience:
    """The audience ``name`` among ``audiences``; ``UsageError`` saying which are
    known (and the likely one meant) otherwise."""
    from kzru_reports.errors import UsageError, did_you_mean

    try:
        return audiences[name]
    except KeyError:
        raise UsageError(
            f"unknown audience {name!r}{did_you_mean(name, audiences)}; "
            f"known audiences: {', '.join(audiences)}"
        ) from None


@dataclass(frozen=True)
class Audience:
    name: str
    clearance: str = "restricted"
    documents: tuple[str, ...] = DOCUMENTS
    sections: frozenset[str] | None = None  # None: every section
    omit: frozenset[str] = frozenset()  # sections left out even when ``sections`` has them
    detail: str = "full"  # "full" or "brief"
    description: str = ""
    label: str = ""  # the name documents show; default: the label file's, else ``name``
    templates: Mapping[str, str] = field(default_factory=dict)  # document -> template
    lang: str | None = None  # the one language its documents are made in (a press-kk)
    portion_marks: bool | None = None  # None: the workspace's choice, else by clearance

    def shows(self, section: str) -> bool:
        """Whether this audience's documents include ``section``."""
        return (self.sections is None or section in self.sections) and section not in self.omit

    def gets(self, document: str) -> bool:
        return document in self.documents

    def __hash__(self) -> int:
        return hash(
            (
                self.name,
                self.clearance,
                self.documents,
                self.sections,
                self.omit,
                self.detail,
                tuple(sorted(self.templates.items())),
                self.lang,
                self.portion_marks,
            )
        )


BUILTIN: dict[str, Audience] = {
    "leadership": Audience(
        "leadership",
        "restricted",
        omit=frozenset({"programme", "statements"}),
        detail="brief",
        description=(
            "Concise: a two-page memo (summary, outcomes, key figures, points to raise, "
            "follow-up, sources in one paragraph), fact sheet, agreement summary."
        ),
    ),
    "analyst": Audience("analyst", "restricted", description="Everything, with sources."),
    "press": Audience(
        "press",
        "public",
        omit=frozenset({"follow_ups", "points"}),
        description=(
            "Public items only; no follow-up, no points to raise; no handling mark beyond PUBLIC."
        ),
    ),
}


def rank(level: str) -> int:
    return LEVELS.index(level)


def _higher(a: str, b: str) -> str:
    return a if rank(a) >= rank(b) else b


def neutral_title(visit: Visit) -> str:
    """The title shown when the visit's own title is above the reader's clearance:
    the parties' country names, which format 1 treats as the unclassified frame."""
    return " – ".join(p.country for p in visit.parties)


def redact(visit: Visit, clearance: str) -> Visit:
    """A copy of ``visit`` holding only what a reader cleared to ``clearance`` may see.

    Every kept item gets its effective classification written on it, so what a
    template or ``highest_level`` reads never depends on a default again. An item's
    level is its own or the visit's; a topic's point or project, and a figure of a
    topic, is never below its topic; a statement made at an event never below the
    event (each goes with its parent when that is withheld). The visit's title, kind
    and summary carry the visit's level: above the clearance, the summary and kind are
    dropped and the title becomes ``neutral_title``; the copy's own level is then that
    of what it still holds.
    """
    limit = rank(clearance)
    default = visit.classification

    def level(item: Any, floor: str = "public") -> str:
        return _higher(item.classification or default, floor)

    def keep(items: list[Any], floor: str = "public") -> list[Any]:
        return [
            i.model_copy(update={"classification": level(i, floor)})
            for i in items
            if rank(level(i, floor)) <= limit
        ]

    topics = []
    for topic in visit.topics:
        tl = level(topic)
        if rank(tl) > limit:
            continue
        topics.append(
            topic.model_copy(
                update={
                    "classification": tl,
                    "points": keep(topic.points, tl),
                    "projects": keep(topic.projects, tl),
                }
            )
        )

    def with_parent(items: list[Any], parents: list[Any], key: str) -> list[Any]:
        """Kept items whose parent (``key`` names it) is kept, at least at its level."""
        levels = {p.id: p.classification for p in parents}
        out = []
        for i in keep(items):
            parent = getattr(i, key)
            if parent is None:
                out.append(i)
            elif parent in levels:
                raised = _higher(i.classification, levels[parent])
                out.append(i.model_copy(update={"classification": raised}))
        return out

    figures = with_parent(visit.figures, topics, "topic")
    points = with_parent(visit.points_to_raise, topics, "topic")
    events = keep(visit.events)
    statements = with_parent(visit.statements, events, "event")
    update: dict[str, Any] = {
        "topics": topics,
        "figures": figures,
        "events": events,
        "statements": statements,
        "agreements": keep(visit.agreements),
        "follow_ups": keep(visit.follow_ups),
        "points_to_raise": points,
        "agreements_total": next(iter(keep(_listed(visit.agreements_total))), None),
    }
    if rank(default) > limit:
        update.update(
            title=neutral_title(visit),
            kind=None,
            summary=None,
            summary_sources=[],
            classification=LEVELS[0],
        )
    kept = visit.model_copy(update=update)
    return with_cited_sources(kept, visit)


def _listed(item: Any) -> list[Any]:
    return [] if item is None else [item]


def with_cited_sources(kept: Visit, original: Visit) -> Visit:
    """A source is listed only while something the reader sees still cites it."""
    cited = {i.source for i in all_items(kept) if i.source}
    return kept.model_copy(update={"sources": [s for s in original.sources if s.id in cited]})


def for_audience(visit: Visit, audience: Audience) -> Visit:
    """What ``audience`` may and should see of ``visit``: redacted to its clearance,
    without the data of the sections it leaves out (so that no other document of
    the pack shows them, and the marking does not count them)."""
    kept = redact(visit, audience.clearance)
    drop: dict[str, Any] = {}
    if not audience.shows("follow_ups"):
        drop["follow_ups"] = []
    if not audience.shows("points"):
        drop["points_to_raise"] = []
    if not audience.shows("statements"):
        drop["statements"] = []
    if not audience.shows("programme"):
        drop["events"] = []
        drop["statements"] = [s for s in drop.get("statements", kept.statements) if not s.event]
    if not drop:
        return kept
    return with_cited_sources(kept.model_copy(update=drop), kept)


@dataclass(frozen=True)
class Cited:
    """A fact that is no item of a list but cites a source: the visit's summary."""

    source: str
    classification: str


def all_items(visit: Visit) -> list[Any]:
    """Every item of the visit that may cite a source (and so carries a level)."""
    items: list[Any] = [
        *visit.events,
        *visit.statements,
        *visit.figures,
        *visit.agreements,
        *visit.follow_ups,
        *visit.points_to_raise,
    ]
    if visit.agreements_total is not None:
        items.append(visit.agreements_total)
    if visit.summary:
        items += [Cited(s, visit.classification) for s in visit.summary_sources]
    for topic in visit.topics:
        items += [*topic.points, *topic.projects]
    return items


def highest_level(visit: Visit) -> str:
    """The highest classification of anything the (already redacted) visit holds,
    its own title and summary included."""
    default = visit.classification
    levels = {default}
    for items in (
        visit.events,
        visit.statements,
        visit.figures,
        visit.agreements,
        visit.follow_ups,
        visit.points_to_raise,
        _listed(visit.agreements_total),
    ):
        levels.update(i.classification or default for i in items)
    for topic in visit.topics:
        tl = topic.classification or default
        levels.add(tl)
        levels.update(p.classification or tl for p in [*topic.points, *topic.projects])
    return max(levels, key=rank)
