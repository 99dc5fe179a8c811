"""Reading a theme from TOML: a ``[theme]`` table of ``kzru.toml`` or a theme file.

::

    file = "themes/ministry.toml"     # read first; the table's own keys win
    page_size = "Letter"
    accent = "#0B4F6C"
    body_size = 10.5
    logo = "assets/logo.png"
    letterhead = ["Ministry of Foreign Affairs", "Department of Asia"]
    reference_docx = "assets/reference.docx"

    [fonts.body]                      # TrueType files; missing faces use regular
    name = "PT Serif"
    regular = "fonts/PTSerif-Regular.ttf"
    bold = "fonts/PTSerif-Bold.ttf"

Every problem is reported at once, naming the file and the key.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from kzru_reports import limits
from kzru_reports.errors import ConfigError, DataError, KzruError, Problem, did_you_mean
from kzru_reports.files import in_workspace, read_regular
from kzru_reports.theme.fonts import font_face
from kzru_reports.theme.model import FontFamily, Theme, default_theme

_COLOURS = {"accent", "accent_light", "text", "muted", "rule", "zebra", "marking"}
_SIZES = {  # name -> (least, most)
    "margin_left": (5, 60),
    "margin_right": (5, 60),
    "margin_top": (5, 80),
    "margin_bottom": (5, 60),
    "body_size": (6, 16),
    "small_size": (5, 14),
    "h1_size": (8, 40),
    "h2_size": (7, 30),
    "h3_size": (6, 24),
    "figure_size": (8, 40),
    "leading": (1.0, 2.5),
    "logo_width": (5, 80),
}
_FILES = {"logo", "reference_docx"}
KEYS = {
    "file",
    "page_size",
    "fonts",
    "letterhead",
    *_COLOURS,
    *_SIZES,
    *_FILES,
}
_FACES = ("regular", "bold", "italic", "bold_italic")
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
Fail = Callable[[str, str], None]  # (key, message): report a problem with a setting
MAX_LOGO_BYTES = limits.LOGO_BYTES
MAX_FONT_BYTES = limits.FONT_BYTES


def load_theme(table: dict[str, Any], root: Path, file: str) -> Theme:
    """The theme a ``[theme]`` table (written in ``file``, paths relative to ``root``)
    describes, with its ``file = ...`` read first; raises ``DataError``."""
    problems: list[Problem] = []
    theme = default_theme()
    include = table.get("file")
    if include is not None:
        theme = _include(include, root, file, theme, problems)
    theme = _apply(table, root, file, "theme", theme, problems)
    if problems:
        raise DataError(problems)
    return theme


def _include(value: Any, root: Path, file: str, theme: Theme, problems: list[Problem]) -> Theme:
    if not isinstance(value, str):
        problems.append(Problem(file, "expected the path of a theme file", path="theme.file"))
        return theme
    try:
        path = in_workspace(root, value)
        raw = tomllib.loads(read_regular(path, limits.THEME_FILE_BYTES, "theme file").decode())
    except ConfigError as exc:
        problems.append(Problem(file, str(exc), path="theme.file"))
        return theme
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), f"not valid TOML: {exc}"))
        return theme
    if "file" in raw:
        problems.append(Problem(str(path), "a theme file cannot include another", path="file"))
        return theme
    return _apply(raw, path.parent, str(path), "", theme, problems)


def _apply(
    table: dict[str, Any],
    root: Path,
    file: str,
    where: str,
    theme: Theme,
    problems: list[Problem],
) -> Theme:
    def fail(key: str, message: str) -> None:
        problems.append(Problem(file, message, path=f"{where}.{key}" if where else key))

    changes: dict[str, Any] = {}
    for key, value in table.items():
        if key == "file":
            continue
        if key not in KEYS:
            hint = did_you_mean(key, sorted(KEYS))
            fail(key, f"unknown theme setting{hint}; known: {', '.join(sorted(KEYS))}")
        elif key in _COLOURS:
            if isinstance(value, str) and _HEX.match(value):
                changes[key] = value.upper()
            else:
                fail(key, f"a colour is written #RRGGBB, not {value!r}")
        elif key in _SIZES:
            low, high = _SIZES[key]
            if (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and low <= value <= high
            ):
                changes[key] = float(value)
            else:
                fail(key, f"expected a number from {low} to {high}, not {value!r}")
        elif key == "page_size":
            if value in ("A4", "Letter"):
                changes[key] = value
            else:
                fail(key, f"page_size is 'A4' or 'Letter', not {value!r}")
        elif key == "letterhead":
            if (
                isinstance(value, list)
                and all(isinstance(v, str) for v in value)
                and len(value) <= 6
            ):
                changes[key] = tuple(v.strip() for v in value)
            else:
                fail(key, "letterhead is a list of at most 6 lines of text")
        elif key == "fonts":
            changes.update(_fonts(value, root, fail))
        else:
            path = _file(value, root, key, fail)
            if path is not None:
                try:
                    _check_file(key, path)
                    changes[key] = path
                except KzruError as exc:
                    fail(key, str(exc))
    known = {f.name for f in fields(Theme)}
    return replace(theme, **{k: v for k, v in changes.items() if k in known})


def _file(value: Any, root: Path, key: str, fail: Fail) -> Path | None:
    if not isinstance(value, str) or not value:
        fail(key, "expected the path of a file")
        return None
    try:
        path = in_workspace(root, value)
    except ConfigError as exc:
        fail(key, str(exc))
        return None
    if not path.is_file():  # a FIFO or a device is not a file either
        fail(key, f"no such file: {value}" if not path.exists() else f"not a regular file: {value}")
        return None
    return path


def _check_file(key: str, path: Path) -> None:
    if key == "logo":
        check_logo(path)
    elif key == "reference_docx":
        from kzru_reports.refdoc import inspect_reference_docx

        inspect_reference_docx(path)


def check_logo(path: Path) -> None:
    """A logo is a PNG or JPEG of sane size, which Pillow can read: a regular file of
    at most ``LOGO_BYTES``, at most ``IMAGE_PIXELS`` pixels (read from its header, before
    any pixel is decoded), with no chunk that expands past Pillow's bounds."""
    import io
    import warnings

    from PIL import Image, UnidentifiedImageError

    data = read_regular(path, MAX_LOGO_BYTES, "logo")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.format not in ("PNG", "JPEG"):
                    raise ConfigError(f"the logo {path.name} is {img.format}; use PNG or JPEG")
                if img.width * img.height > limits.IMAGE_PIXELS:
                    raise ConfigError(
                        f"the logo {path.name} is {img.width:,} x {img.height:,} pixels, over "
                        f"the limit of {limits.IMAGE_PIXELS:,} pixels"
                    )
                img.verify()
            with Image.open(io.BytesIO(data)) as img:
                img.load()  # every chunk decoded once, within Pillow's bounds
    except ConfigError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ConfigError(f"the logo {path.name} declares too many pixels ({exc})") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ConfigError(f"the logo {path.name} is not a readable image ({exc})") from None


def _fonts(value: Any, root: Path, fail: Fail) -> dict[str, FontFamily]:
    out: dict[str, FontFamily] = {}
    if not isinstance(value, dict):
        fail("fonts", "expected a table with body and/or heading")
        return out
    for role, spec in value.items():
        key = f"fonts.{role}"
        if role not in ("body", "heading"):
            fail(key, "fonts has body and heading")
            continue
        if not isinstance(spec, dict):
            fail(key, "expected a table: name, regular, bold, italic, bold_italic")
            continue
        unknown = set(spec) - {"name", *_FACES}
        if unknown:
            fail(f"{key}.{sorted(unknown)[0]}", "known: name, regular, bold, italic, bold_italic")
            continue
        if not isinstance(spec.get("name"), str) or "regular" not in spec:
            fail(key, "a font needs a name (as Word shows it) and a regular file")
            continue
        files: dict[str, str] = {}
        for face in _FACES:
            path = _file(spec.get(face, spec["regular"]), root, f"{key}.{face}", fail)
            if path is None:
                break
            try:
                check_font(path)
            except KzruError as exc:
                fail(f"{key}.{face}", str(exc))
                break
            files[face] = str(path)
        else:
            out[f"{role}_font"] = FontFamily(spec["name"], **files)
    return out


def check_font(path: Path) -> None:
    """A font is a regular TrueType file (glyf outlines) that the PDF writer can embed."""
    read_regular(path, MAX_FONT_BYTES, "font")  # a regular file, of a bounded size
    font_face(str(path))
