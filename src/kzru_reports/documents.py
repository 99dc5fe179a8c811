"""The documents kzru-reports makes: the one place that names them."""

from __future__ import annotations

PARTS: tuple[str, ...] = ("memo", "factsheet", "agreements")  # each its own template
PACK = "pack"  # a cover and contents, then every part, in one file
DOCUMENTS: tuple[str, ...] = (*PARTS, PACK)  # in build order
# the documents that show the date of issue (the memo's DATE line, the pack's cover):
# a new date of issue rebuilds these and no others
DATED: tuple[str, ...] = ("memo", PACK)
