"""Workspace tasks behind ``kzru init``, ``kzru templates`` and ``kzru audiences``:
making a workspace ready to build, showing where each template comes from,
copying a built-in template out for editing, describing the audience profiles.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from kzru_reports.audiences import Audience
from kzru_reports.config import CONFIG_NAME, Workspace
from kzru_reports.errors import ConfigError, UsageError
from kzru_reports.handling import MarkingScheme
from kzru_reports.templating.catalog import CATALOG_FOLDER, MESSAGES, catalog_folder
from kzru_reports.templating.env import TEMPLATE_SUFFIX, builtin_templates

SAMPLE_VISIT = "kz-ru-state-visit-2025.yaml"

CONFIG_TEXT = """\
# kzru-reports workspace: `kzru build` here builds every visit in `data`
# for every audience of `defaults.audiences`, into `output`. Paths are relative
# to this file.
data = "data"
templates = "templates"   # your templates, found before the built-in ones
output = "build"

[defaults]
docs = ["memo", "factsheet", "agreements", "pack"]
formats = ["docx", "pdf"]
lang = "en"               # the workspace's language: its files carry no language tag
# langs = ["en", "ru", "kk"]  # the languages a plain `kzru build` makes (default: lang)
# fallback = false         # true: build a language some text lacks, the text marked
# The audiences a plain `kzru build` builds. Without this line: every audience,
# the built-in ones and those defined below. `kzru build -a NAME` builds any one.
audiences = ["leadership", "analyst", "press"]

[theme]
page_size = "A4"          # or "Letter"
accent = "#1F3A5F"
# logo = "logo.png"
# letterhead = ["Ministry of Foreign Affairs", "Department of Eurasian Affairs"]
# reference_docx = "reference.docx"   # Word styles, header and footer

# The memo's header and the pack's cover: who it is from and to, its reference.
# A line left unset is left out of the documents, never printed empty.
# [memo]
# from = "Department of Eurasian Affairs"
# to = { leadership = "Minister", analyst = "Eurasian desk" }   # or one line for all
# reference = "{year}/{visit}/{n}"   # also {audience}, {doc}, {lang}; {n}: memo 1 ...
# [memo.ru]                          # the same lines for documents in Russian
# from = "Департамент евразийских стран"

# A profile of your own, built on a built-in one (see `kzru audiences list`):
# [audiences.ministers]
# base = "leadership"
# label = "Ministers"
# description = "Two-page memo for the ministers' office."
# documents = ["memo"]
# (then add "ministers" to `audiences` above to build it by default)
# [audiences.press-kk]     # the press documents, in Kazakh only
# base = "press"
# lang = "kk"
"""

TEMPLATES_README = """\
# Your templates

Templates here are found before the built-in ones. `kzru templates list` shows
which template is used and where it comes from; `kzru templates eject memo.xml.j2`
copies a built-in one here to edit.

To change one part of a document, extend the built-in template and override the
block, for example `templates/memo.xml.j2`:

```jinja
{% extends "builtin/memo.xml.j2" %}
{% block follow_ups %}
<h2 id="next">Next steps</h2>
<ol>
{% for f in visit.follow_ups %}  <li>{{ f.text }}</li>
{% endfor %}</ol>
{% endblock %}
```

A folder named after an audience (`templates/press/memo.xml.j2`) holds templates
for that audience only. Blocks, filters and the markup elements are described in
the project's docs/templates.md.
"""


def init_workspace(folder: Path, sample: Path) -> list[Path]:
    """Make a workspace in ``folder``: config, one sample visit, a templates folder
    with a short guide. Refuses to overwrite an existing config."""
    config = folder / CONFIG_NAME
    if config.exists():
        raise UsageError(f"{config} already exists; this folder is a workspace already")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is not a folder")
    made = [config, folder / "data" / sample.name, folder / "templates" / "README.md"]
    (folder / "data").mkdir(parents=True, exist_ok=True)
    (folder / "templates").mkdir(exist_ok=True)
    if not made[1].exists():
        shutil.copyfile(sample, made[1])
    if not made[2].exists():
        made[2].write_text(TEMPLATES_README, "utf-8")
    config.write_text(CONFIG_TEXT, "utf-8")
    return made


@dataclass(frozen=True)
class TemplateEntry:
    name: str
    origin: str  # "built-in", "workspace" or "audience NAME"
    path: Path
    overrides: bool  # a workspace file that hides the built-in of the same name


def _templates_in(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob(f"*{TEMPLATE_SUFFIX}")
        if p.is_file() and not p.is_symlink()
    )


def list_templates(ws: Workspace, audience: Audience | None = None) -> list[TemplateEntry]:
    """Every template name in use and where it resolves from, in search order:
    the audience's folder, the workspace's folder, the built-in set."""
    builtin = builtin_templates()
    chain: list[tuple[Path, str]] = []
    if audience is not None:
        chain += [(f / audience.name, f"audience {audience.name}") for f in ws.template_folders()]
    chain += [(f, "workspace") for f in ws.template_folders() if f.is_dir()]
    chain.append((builtin, "built-in"))
    builtin_names = set(_templates_in(builtin))
    seen: dict[str, TemplateEntry] = {}
    for folder, origin in chain:
        for name in _templates_in(folder):
            if audience is None and origin == "workspace" and "/" in name:
                name_origin = f"audience {name.split('/')[0]}"
            else:
                name_origin = origin
            if name not in seen:
                seen[name] = TemplateEntry(
                    name,
                    name_origin,
                    folder / name,
                    origin != "built-in" and name in builtin_names,
                )
    return sorted(seen.values(), key=lambda e: (e.origin != "built-in", e.name))


def eject(name: str, to: Path, force: bool = False) -> Path:
    """Copy the built-in template ``name`` into ``to`` for editing; ``messages.pot``,
    the labels to translate for a language of the workspace's own, into ``to/locale``."""
    if name == MESSAGES:
        source, target = catalog_folder() / MESSAGES, to / CATALOG_FOLDER / MESSAGES
    else:
        if not name.endswith(TEMPLATE_SUFFIX):
            name += TEMPLATE_SUFFIX
        source, target = builtin_templates() / name, to / name
        known = _templates_in(builtin_templates())
        if name not in known:
            raise UsageError(
                f"no built-in template {name!r}; built-in templates: {', '.join(known)}, "
                f"and {MESSAGES} (the labels, to translate)"
            )
    to = target.parent
    if target.exists() and not force:
        raise ConfigError(f"{target} already exists (use --force to replace it)")
    to.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def describe(audience: Audience, ws: Workspace | None = None) -> dict[str, object]:
    """An audience profile as plain data, for ``kzru audiences list``."""
    marking = ws.marking if ws is not None else MarkingScheme()
    return {
        "name": audience.name,
        "clearance": audience.clearance,
        "portion_marks": marking.portions_for(audience),
        "detail": audience.detail,
        "documents": list(audience.documents),
        "sections": "all" if audience.sections is None else sorted(audience.sections),
        "omit": sorted(audience.omit),
        "templates": dict(audience.templates),
        "description": audience.description,
    }


def profile_lines(ws: Workspace) -> list[str]:
    """The audience profiles as ``kzru audiences list`` prints them."""
    lines = []
    for a in ws.audiences.values():
        default = " (default)" if a.name in ws.default_audiences else ""
        origin = "kzru.toml" if a.name in ws.configured else "built-in"
        sections = "all" if a.sections is None else ", ".join(sorted(a.sections))
        omit = f" except {', '.join(sorted(a.omit))}" if a.omit else ""
        lines += [
            f"{a.name}{default}  [{origin}]  {a.description}",
            f"  clearance: {a.clearance}   detail: {a.detail}   "
            f"portion marks: {'on' if ws.marking.portions_for(a) else 'off'}",
            f"  documents: {', '.join(a.documents)}",
            f"  sections: {sections}{omit}",
        ]
        if a.templates:
            lines.append("  templates: " + ", ".join(f"{k} = {v}" for k, v in a.templates.items()))
    return lines
