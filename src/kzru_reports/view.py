"""What templates see: a read-only view of one (redacted) visit with the look-ups that
every document needs (speaker names, source numbers, figures by topic, agreements by
kind), so templates stay declarative and never search lists themselves.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from kzru_reports.audiences import Audience, Cited, all_items, highest_level, rank
from kzru_reports.data.schema import AGREEMENT_KINDS, Agreement, Figure, Party, Statement, Visit
from kzru_reports.diff import VisitDiff


@dataclass(frozen=True)
class Speaker:
    name: str
    title: str
    country: str


@dataclass(frozen=True)
class PackView:
    """The pack a document is a part of, as its template reads it (``pack``; none for
    a document built on its own): inside a pack each fact is given once in full, in
    the part made for it, and referred to from the others with its page
    (``<pageref to="agreements#all"/>``)."""

    parts: tuple[str, ...]

    def has(self, document: str) -> bool:
        """Whether the pack holds ``document`` (``memo``, ``factsheet``, ``agreements``)."""
        return document in self.parts


class VisitView:
    """The visit as the templates read it (``visit.parties``, ``visit.source_no(id)``...)."""

    def __init__(
        self,
        visit: Visit,
        audience: Audience,
        lang: str | None = None,
        changes: VisitDiff | None = None,
    ) -> None:
        self.data = visit
        self.audience = audience
        self.lang = lang or visit.lang  # the document's language
        # what changed since an earlier version (``kzru build --since``), both
        # versions redacted for this audience first; None when not asked for
        self.changes = changes
        # look-ups by list, each kept with its list so that the id stays its own
        self._memo: dict[tuple[str, int], tuple[Any, Any]] = {}

    def translated(self, statement: Statement) -> bool:
        """Whether a quotation is shown in another language than it was spoken in."""
        return (statement.lang or self.data.lang) != self.lang

    def change(self, item: Any) -> str | None:
        """``added`` or ``changed`` when ``item`` is new or changed since the earlier
        version the build compares with; None otherwise (or with no comparison)."""
        if self.changes is None:
            return None
        found = self.changes.of(item)
        return found.kind if found is not None else None

    def __getattr__(self, name: str) -> Any:  # plain fields of the visit
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.data, name)

    @functools.cached_property
    def level(self) -> str:
        return highest_level(self.data)

    def level_of(self, *items: Any) -> str:
        """The highest level of ``items`` (records, or lists of them; None is skipped):
        what a line or a table row showing all of them is marked with."""
        levels = []
        for item in items:
            for one in item if isinstance(item, list | tuple) else [item]:
                if one is not None:
                    levels.append(one.classification or self.data.classification)
        return max(levels, key=rank, default="public")

    def source_level(self, source: Any) -> str:
        """A source is as sensitive as the least sensitive item that cites it: anyone who
        sees that item sees the source beside it."""
        levels = [
            i.classification or self.data.classification
            for i in all_items(self.data)
            if i.source == source.id
        ]
        return min(levels, key=rank, default=self.data.classification)

    def sources_level(self, sources: list[Any]) -> str:
        """The highest level of several sources (a compact list in one paragraph)."""
        return max((self.source_level(s) for s in sources), key=rank, default="public")

    @functools.cached_property
    def _sources(self) -> dict[str, int]:
        return {s.id: i for i, s in enumerate(self.data.sources, 1)}

    def source_no(self, source_id: str | None, among: list[Any] | None = None) -> int | None:
        """A source's number in the visit's list, or in ``among`` (a document that lists
        only the sources its own items cite)."""
        if not source_id:
            return None
        if among is not None:
            return self._numbers(among).get(source_id)
        return self._sources.get(source_id)

    def source_nos(self, source_ids: list[str], among: list[Any] | None = None) -> list[int]:
        """The numbers of several sources (as ``source_no``), in order, each once."""
        found = (self.source_no(i, among) for i in source_ids)
        return sorted({n for n in found if n is not None})

    def cited_sources(self, items: list[Any]) -> list[Any]:
        """The sources ``items`` cite, in the visit's order: what a document showing only
        those items lists (so that it holds nothing of sources it has no use for).
        Remembered per list, as a table asks once per row."""
        key = ("cited", id(items))
        if key not in self._memo:
            cited = {i.source for i in items if i.source}
            self._memo[key] = (items, [s for s in self.data.sources if s.id in cited])
        return self._memo[key][1]  # type: ignore[no-any-return]

    def cited_in(self, *kinds: str) -> list[Any]:
        """The sources the items of ``kinds`` (``"figures"``, ``"projects"``,
        ``"agreements"``, ``"summary"``, ``"agreements_total"`` ..., or several in one
        string: ``"figures projects"``) cite, as ``cited_sources``: the list a document
        showing those items numbers its citations by. The same list on every call."""
        key = ("kinds", hash(kinds))
        if key not in self._memo:
            items = [i for kind in kinds for word in kind.split() for i in self._items(word)]
            self._memo[key] = (kinds, self.cited_sources(items))
        return self._memo[key][1]  # type: ignore[no-any-return]

    def _items(self, kind: str) -> list[Any]:
        if kind == "summary":  # the summary, when it names its sources
            level = self.data.classification
            sources = self.data.summary_sources if self.data.summary else []
            return [Cited(s, level) for s in sources]
        if kind == "agreements_total":
            total = self.data.agreements_total
            return [total] if total is not None else []
        return list(getattr(self, kind))

    def _numbers(self, among: list[Any]) -> dict[str, int]:
        key = ("numbers", id(among))
        if key not in self._memo:
            self._memo[key] = (among, {s.id: i for i, s in enumerate(among, 1)})
        return self._memo[key][1]  # type: ignore[no-any-return]

    @functools.cached_property
    def _parties(self) -> dict[str, Party]:
        return {p.id: p for p in self.data.parties}

    def party(self, party_id: str) -> Party | None:
        return self._parties.get(party_id)

    @property
    def host(self) -> Party | None:
        return next((p for p in self.data.parties if p.role == "host"), None)

    @property
    def guests(self) -> list[Party]:
        return [p for p in self.data.parties if p.role != "host"]

    def speaker(self, statement: Statement) -> Speaker:
        party = self._parties.get(statement.speaker)
        if party is not None and party.leader is not None:
            return Speaker(party.leader.name, party.leader.title or "", party.country)
        for party in self.data.parties:
            for person in [party.leader, *party.delegation]:
                if person is not None and person.name == statement.speaker:
                    return Speaker(person.name, person.title or "", party.country)
        return Speaker(statement.speaker, "", party.country if party else "")

    @functools.cached_property
    def _events(self) -> dict[str, Any]:
        return {e.id: e for e in self.data.events}

    def event(self, event_id: str | None) -> Any:
        return self._events.get(event_id) if event_id else None

    @functools.cached_property
    def _topics(self) -> dict[str, Any]:
        return {t.id: t for t in self.data.topics}

    def topic(self, topic_id: str | None) -> Any:
        return self._topics.get(topic_id) if topic_id else None

    def figures_for(self, topic_id: str) -> list[Figure]:
        return [f for f in self.data.figures if f.topic == topic_id]

    @property
    def targeted_figures(self) -> list[Figure]:
        return [f for f in self.data.figures if f.target is not None]

    @property
    def projects(self) -> list[Any]:
        return [p for t in self.data.topics for p in t.projects]

    @property
    def topics_with_projects(self) -> list[Any]:
        return [t for t in self.data.topics if t.projects]

    @functools.cached_property
    def agreements_by_kind(self) -> list[tuple[str, list[Agreement]]]:
        """Agreements grouped by kind, kinds in the spec's order, input order inside."""
        groups: dict[str, list[Agreement]] = {}
        for a in self.data.agreements:
            groups.setdefault(a.kind, []).append(a)
        return [(k, groups[k]) for k in AGREEMENT_KINDS if k in groups]

    def party_names(self, ids: list[str]) -> list[str]:
        return [self._parties[i].country for i in ids if i in self._parties]
