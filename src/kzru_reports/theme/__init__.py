"""Themes: how documents look, in one package.

- ``model``: the theme as plain data (``Theme``, ``FontFamily``), importing nothing
  of the project;
- ``fonts``: font files, each read once a process (the face, its character map);
- ``glyphs``: whether a theme's fonts can show a text, for visits and documents;
- ``file``: reading a theme from a ``[theme]`` table or a theme file.

Each uses only those listed before it. The font files shipped with the package are
in the ``fonts`` data folder beside this package.
"""

from kzru_reports.theme.file import load_theme
from kzru_reports.theme.model import SANS, SERIF, FontFamily, Theme, default_theme

__all__ = ["SANS", "SERIF", "FontFamily", "Theme", "default_theme", "load_theme"]
