"""The PDF writer: document model to PDF with reportlab's platypus.

One module per layer, each using only those listed before it:

- ``fonts``: the theme's TrueType faces registered with reportlab;
- ``styles``: the theme as paragraph styles, one per role;
- ``text``: inline nodes as escaped paragraph markup (data is never read as
  reportlab markup), long text in pieces;
- ``flowables``: what the translator makes beyond reportlab's own flowables;
- ``translate``: the node translator, one method per block node;
- ``pages``: page decoration (running header and footer, markings, letterhead,
  bookmarks and page references resolved once the document is laid out);
- ``writer``: ``PdfWriter``, which sets up frames and document info, assembles the
  story and saves.
"""

from kzru_reports.writers.pdf.writer import PdfWriter

__all__ = ["PdfWriter"]
