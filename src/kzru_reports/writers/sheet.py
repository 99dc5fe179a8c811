"""The neutral style sheet: what each role of the model (``model.nodes.ROLES``) looks
like, decided once for every writer, which translates it into its own terms
(reportlab paragraph styles, Word styles).

The type sizes, fonts and colours of each style come from the theme; each writer
builds its styles of the same names from it (``writers/pdf/styles.py``,
``writers/docx/styles.py``).
"""

from __future__ import annotations

# paragraph role -> the style every writer defines under that name
PARAGRAPH_STYLES: dict[str, str] = {
    "": "body",
    "lead": "lead",  # the opening paragraph, a size larger
    "kicker": "kicker",  # small capitals above a title: the kind of document
    "dateline": "dateline",  # where and when, under a title
    "sources": "sources",  # a source line, small
    "cover-kicker": "cover-kicker",  # the kicker of a pack's cover, a third down the page
}

# heading role -> style: "cover" is a pack's title, larger than any heading
HEADING_STYLES: dict[str, str] = {"": "heading", "cover": "cover-title"}

# list role -> style: "sources" is the numbered source list, small
LIST_STYLES: dict[str, str] = {"": "list", "sources": "sources"}

# table role -> whether every other row is tinted ("grid": long tables to read
# across; "compact", a short table of labels and values, looks as the plain one)
TINTED_ROWS: dict[str, bool] = {"": False, "grid": True, "compact": False}

# field list role -> width of the label column, in millimetres (a cover's labels,
# such as "HIGHEST MARKING INSIDE", are longer than a memo header's)
FIELD_LABEL_MM: dict[str, float] = {"": 32.0, "header": 32.0, "cover": 44.0}

# row role "group": a heading row across all columns, kept with the row after it
GROUP_ROW = "group"
