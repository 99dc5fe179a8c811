"""A ministry's furniture: who a memo is from and to, and its reference, from the
``[memo]`` table of ``kzru.toml``.

::

    [memo]                                  # every line optional; an unset one is left out
    from = "Department of Asia, Ministry of Foreign Affairs"
    to = "Minister"                         # or per audience:
    # to = { leadership = "Minister", analyst = "Asia desk" }
    reference = "{year}/{visit}/{n}"
    [memo.ru]                               # the same lines in one language
    from = "Департамент Азии МИД"
    to = { leadership = "Министру" }

The memo's header shows TO, FROM, DATE (of issue), REFERENCE and SUBJECT; the pack's
cover shows FROM, REFERENCE and the date of issue. A line of a language's table is used
before the one for every language, an audience's recipient before the general one.
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass
from datetime import date

from kzru_reports.documents import PARTS

# What a reference may say, in ``{braces}``: the year of issue, the visit's id, the
# audience's name, the document (``memo``...), the language and the document's number
# in the pack (memo 1, fact sheet 2, agreement summary 3; the pack itself has none).
PLACEHOLDERS = ("year", "visit", "audience", "doc", "lang", "n")
KEYS = ("from", "to", "reference")
_GAP = "\x00"  # where the pack's missing number stands, while the reference is made
_SEPARATED_GAP = re.compile(r"[\s/.\-_:]\x00|\x00[\s/.\-_:]?")


@dataclass(frozen=True)
class Lines:
    """The lines of one ``[memo]`` table (for every language, or for one)."""

    originator: str | None = None
    # (audience, recipient); audience "" is every audience
    recipients: tuple[tuple[str, str], ...] = ()
    reference: str | None = None


@dataclass(frozen=True)
class Furniture:
    """``[memo]``: ``lines`` per language ("" for every language), all optional."""

    lines: tuple[tuple[str, Lines], ...] = ()

    def header(
        self, lang: str, audience: str, visit: str, document: str, issued: date
    ) -> dict[str, str]:
        """The filled-in lines for one document: ``originator``, ``recipient`` and
        ``reference``, each "" when the workspace sets none."""
        tables = dict(self.lines)
        chain = [t for t in (tables.get(lang), tables.get("")) if t is not None]
        originator = next((t.originator for t in chain if t.originator), "")
        recipient = next(
            (
                text
                for t in chain
                for who in (audience, "")
                for name, text in t.recipients
                if name == who and text
            ),
            "",
        )
        scheme = next((t.reference for t in chain if t.reference), "")
        return {
            "originator": originator,
            "recipient": recipient,
            "reference": reference(scheme, lang, audience, visit, document, issued),
        }


def reference(
    scheme: str, lang: str, audience: str, visit: str, document: str, issued: date
) -> str:
    """``scheme`` filled in. The pack has no number of its own: where ``{n}`` stands
    for it, the separators left around the gap go too (``2025/visit/{n}`` is
    ``2025/visit`` on the cover)."""
    if not scheme:
        return ""
    number = str(PARTS.index(document) + 1) if document in PARTS else _GAP
    values = {
        "year": str(issued.year),
        "visit": visit,
        "audience": audience,
        "doc": document,
        "lang": lang,
        "n": number,
    }
    # the gap goes with one separator beside it: the one before it, else the one after
    return _SEPARATED_GAP.sub("", scheme.format_map(values))


def scheme_problem(scheme: str) -> str | None:
    """What is wrong with a reference scheme, or None: only the known placeholders,
    without conversions or formats."""
    try:
        parsed = list(string.Formatter().parse(scheme))
    except ValueError as exc:
        return f"not a reference scheme ({exc}); write braces as {{{{ and }}}}"
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            return (
                f"unknown placeholder {{{name}{'!' + conversion if conversion else ''}"
                f"{':' + spec if spec else ''}}}; placeholders: "
                + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
            )
    return None


MAX_LINE = 300  # characters of one header line


def line_problem(value: object) -> str | None:
    """Why ``value`` cannot be a header line (None when it can; "" is a line left out)."""
    if not isinstance(value, str):
        return f"expected text, got {type(value).__name__}"
    if len(value) > MAX_LINE:
        return f"a header line has at most {MAX_LINE} characters, not {len(value)}"
    for ch in value:
        if unicodedata.category(ch) in ("Cc", "Cf"):
            name = unicodedata.name(ch, "a control character")
            return f"a header line cannot hold U+{ord(ch):04X} ({name})"
    return None
