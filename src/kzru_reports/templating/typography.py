"""A language's typography applied to a document's text before it is laid out: the
words a line may not end on are held to the next one by a no-break space (Russian
one-letter words, and in Russian and Kazakh every number, "175\u00a0проектов"). The
rules of each language are in ``locale.PATTERNS``."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

# a number (digits, perhaps grouped by no-break spaces or with a decimal part) and the
# word after it: "175 проектов", "20 млрд"
_NUMBER_WORD = re.compile(r"(?<![\w.,])(\d[\d\u00a0\u202f]*(?:[.,]\d+)?)[ \t\n\r]+(?=[^\W\d_])")


def tie(root: ET.Element, tag: str) -> None:
    """Hold each one-letter word of the document's language (``locale.PATTERNS``:
    Russian в, с, к, и...), and in Russian and Kazakh each number, to the word after
    it with a no-break space."""
    from kzru_reports.templating.locale import PATTERNS

    style = PATTERNS.get(tag.split("-")[0].lower())
    if style is None or not (style.tied or style.tie_numbers):
        return
    rules: list[re.Pattern[str]] = []
    if style.tied:
        letters = "".join(sorted(style.tied))
        rules.append(re.compile(r"(?:^|(?<=[\s(«„“]))([" + letters + r"])[ \t\n\r]+(?=\S)"))
    if style.tie_numbers:
        rules.append(_NUMBER_WORD)
    for el in root.iter():
        for rule in rules:
            if el.text:
                el.text = rule.sub("\\1\u00a0", el.text)
            if el.tail:
                el.tail = rule.sub("\\1\u00a0", el.tail)
