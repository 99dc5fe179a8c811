"""What templates see: a read-only view of one (redacted) visit with the look-ups that
every document needs (speaker names, source numbers, figures by topic, agreements by
kind), so templates stay declarative and never search lists themselves.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from kzru_reports.audiences import Audience, highest_level
from kzru_reports.data.schema import AGREEMENT_KINDS, Agreement, Figure, Party, Statement, Visit


@dataclass(frozen=True)
class Speaker:
    name: str
    title: str
    country: str


class VisitView:
    """The visit as the templates read it (``visit.parties``, ``visit.source_no(id)``...)."""

    def __init__(self, visit: Visit, audience: Audience, lang: str | None = None) -> None:
        self.data = visit
        self.audience = audience
        self.lang = lang or visit.lang  # the document's language

    def translated(self, statement: Statement) -> bool:
        """Whether a quotation is shown in another language than it was spoken in."""
        return (statement.lang or self.data.lang) != self.lang

    def __getattr__(self, name: str) -> Any:  # plain fields of the visit
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.data, name)

    @functools.cached_property
    def level(self) -> str:
        return highest_level(self.data)

    @functools.cached_property
    def _sources(self) -> dict[str, int]:
        return {s.id: i for i, s in enumerate(self.data.sources, 1)}

    def source_no(self, source_id: str | None) -> int | None:
        return self._sources.get(source_id) if source_id else None

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
