"""The DOCX writer: document model to Word with python-docx.

Every paragraph gets a real, named Word style (Heading 1-3, List Bullet, List Number,
Quote, and a few of our own such as "Lead" or "Table Text") so that a reader who
restyles one changes the whole document. One module per layer, each using only
those listed before it:

- ``oxml``: WordprocessingML elements made directly (paragraphs, runs, rows,
  borders, bookmarks, fields);
- ``styles``: the theme as named Word styles;
- ``picture``: charts drawn as PNG pictures;
- ``package``: opening and saving the package, the one module that uses
  python-docx's internals;
- ``fonts``: the faces the text is set in, subset and embedded;
- ``page``: page setup, running header and footer, letterhead, properties;
- ``blank``: a theme's starting document, made once and cached;
- ``translate``: the node translator, writing model blocks into the XML;
- ``writer``: ``DocxWriter``.
"""

from kzru_reports.writers.docx.writer import DocxWriter

__all__ = ["DocxWriter"]
