"""Handling marks: the words that mark each level, and marking a rendered document.

The three levels of visit format 1 (``public``, ``official``, ``restricted``) are
marked in two ways:

- the **banner**: the word of a document's (or, in a PDF, a page's) highest level, on
  every header and footer, in the file properties and on a pack's cover;
- **portion marks**: the word of each paragraph's, list item's, table row's and
  figure's own level, written before it as text.

The words come from the document language's label file (``levels`` and
``portion_marks``) unless ``kzru.toml`` sets them (``[marking]``, optionally per
language in ``[marking.<lang>]``). Whether portion marks are written is decided per
audience (``portion_marks`` in its profile), else for the workspace
(``[marking] portion_marks``), else by clearance: audiences cleared above public get
them, so the analyst's documents carry them and the press's do not.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from kzru_reports.data.fields import LEVELS
from kzru_reports.model import levels as lv
from kzru_reports.model import nodes as n

if TYPE_CHECKING:
    from kzru_reports.audiences import Audience
    from kzru_reports.data.schema import Visit

MAX_WORD = 40  # characters in one marking word
# Characters that would hide, reorder or break the text a mark stands before:
# controls, format characters (bidi overrides, zero-width joiners), line and
# paragraph separators, private-use, surrogates and unassigned code points.
_HIDING = {"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"}


@dataclass(frozen=True)
class Words:
    """Words set in ``kzru.toml`` for one language (or every language): level -> word."""

    banner: Mapping[str, str] = field(default_factory=dict)
    portion: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MarkingScheme:
    """How documents are marked: configured words, and whether portions are marked.

    ``words`` is keyed by language tag; the key ``""`` holds words for every language,
    a language's own entry overrides it word by word."""

    portion_marks: bool | None = None  # None: by each audience's clearance
    words: Mapping[str, Words] = field(default_factory=dict)

    def _pick(self, kind: str, lang: str, defaults: Mapping[str, str]) -> dict[str, str]:
        out = {level: str(defaults.get(level, level.upper())) for level in LEVELS}
        for key in ("", lang):
            if key in self.words:
                out.update(getattr(self.words[key], kind))
        return out

    def banner(self, lang: str, labels: Mapping[str, Any]) -> dict[str, str]:
        """level -> the word headers, footers and covers show, in ``lang``."""
        return self._pick("banner", lang, labels.get("levels", {}))

    def portion(self, lang: str, labels: Mapping[str, Any]) -> dict[str, str]:
        """level -> the word written before each portion, in ``lang``."""
        return self._pick("portion", lang, labels.get("portion_marks", {}))

    def portions_for(self, audience: Audience) -> bool:
        """Whether ``audience``'s documents carry portion marks."""
        if audience.portion_marks is not None:
            return audience.portion_marks
        if self.portion_marks is not None:
            return self.portion_marks
        return audience.clearance != LEVELS[0]

    def __hash__(self) -> int:
        return hash(
            (
                self.portion_marks,
                tuple(
                    (k, tuple(sorted(w.banner.items())), tuple(sorted(w.portion.items())))
                    for k, w in sorted(self.words.items())
                ),
            )
        )


def word_problem(word: Any) -> str | None:
    """Why ``word`` cannot mark a level (None when it can)."""
    if not isinstance(word, str):
        return f"a marking word is text, not {type(word).__name__}"
    if not word.strip():
        return "a marking word cannot be empty"
    if word != word.strip():
        return f"a marking word cannot start or end with spaces: {word!r}"
    if len(word) > MAX_WORD:
        return f"a marking word has at most {MAX_WORD} characters, not {len(word)}"
    for ch in word:
        if unicodedata.category(ch) in _HIDING:
            name = unicodedata.name(ch, "unnamed")
            return (
                f"a marking word cannot hold U+{ord(ch):04X} ({name}): it would hide or "
                "reorder the text it marks"
            )
    return None


def mark(
    doc: n.Document,
    fallback: str,
    banner: Mapping[str, str],
    portion: Mapping[str, str] | None = None,
) -> n.Document:
    """A rendered document with every node's level settled, marked with the word of
    the highest level it holds (never a level it does not hold), and with portion
    marks when ``portion`` is given. ``fallback`` is the level of anything a template
    left untagged: the highest the reader may see, so a template that tags nothing is
    marked too high rather than too low."""
    settled = lv.settle(doc, LEVELS, fallback, portion)
    scale = tuple((level, banner[level]) for level in LEVELS)
    meta = replace(settled.meta, scale=scale)
    level = lv.document_level(replace(settled, meta=meta), LEVELS)
    return replace(settled, meta=replace(meta, marking=banner[level]))


def level_of(doc: n.Document) -> str:
    """The highest level a marked document holds (the level its marking names)."""
    return lv.document_level(doc, LEVELS)


def raise_frame(doc: n.Document, level: str) -> n.Document:
    """``doc`` (marked) with its frame, and so every page, at least at ``level``: a
    pack's cover and contents carry the highest marking inside."""
    raised = replace(
        doc, meta=replace(doc.meta, handling=lv.highest([doc.meta.handling, level], LEVELS))
    )
    word = dict(doc.meta.scale)[level_of(raised)]
    return replace(raised, meta=replace(raised.meta, marking=word))


# ------------------------------------------------------------------ empty documents


@dataclass(frozen=True)
class Withheld:
    """Why an audience gets nothing of substance from a visit: how many items are
    above its clearance, by level, and how many are in sections its profile leaves
    out. Says no more than counts and level names, so it can be shown anywhere."""

    audience: str
    clearance: str
    levels: Mapping[str, int]  # level above the clearance -> items at it
    left_out: int  # items in sections the profile leaves out (follow-up, programme...)
    visit_level: str  # the level of the visit's own title and summary

    @property
    def count(self) -> int:
        return sum(self.levels.values()) + self.left_out

    def reason(self) -> str:
        """``14 items are official; press sees public only``."""
        said = []
        if self.levels:
            said.append(_and([f"{_items(n)} {level}" for level, n in self.levels.items()]))
        if self.left_out:
            said.append(
                f"{_items(self.left_out)} in sections the {self.audience} profile leaves out"
            )
        if not said:
            said.append(f"the visit is {self.visit_level}")
        seen = LEVELS[: LEVELS.index(self.clearance) + 1]
        return f"{'; '.join(said)}; {self.audience} sees {_and(list(seen))} only"

    def as_json(self) -> dict[str, object]:
        return {
            "withheld": self.count,
            "levels": dict(self.levels),
            "left_out": self.left_out,
            "reason": self.reason(),
        }


def _items(n: int) -> str:
    return f"{n} item is" if n == 1 else f"{n} items are"


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def nothing_to_show(visit: Visit, audience: Audience) -> Withheld | None:
    """What was withheld, when ``audience`` may see nothing of substance of ``visit``
    (no item, topic or summary); None when it may see something, or when nothing was
    withheld from it (a visit without content is built as it is)."""
    from kzru_reports.audiences import all_items, for_audience, rank, redact

    kept = for_audience(visit, audience)
    if kept.summary or kept.topics or all_items(kept):
        return None
    limit = rank(audience.clearance)
    default = visit.classification
    levels: dict[str, int] = {}

    def count(level: str) -> None:
        if rank(level) > limit:
            levels[level] = levels.get(level, 0) + 1

    for topic in visit.topics:
        floor = topic.classification or default
        for item in [topic, *topic.points, *topic.projects]:
            count(max(item.classification or default, floor, key=rank))
    for item in all_items(visit.model_copy(update={"topics": []})):
        count(item.classification or default)
    if visit.summary:
        count(default)
    cleared = redact(visit, audience.clearance)
    left_out = len(all_items(cleared)) + len(cleared.topics) + bool(cleared.summary)
    if not levels and not left_out and rank(default) <= limit:
        return None
    ordered = {level: levels[level] for level in LEVELS if level in levels}
    return Withheld(audience.name, audience.clearance, ordered, left_out, default)
