"""The template environment: sandboxed, strict, escaping, with a search chain.

- ``ImmutableSandboxedEnvironment``: templates cannot reach Python internals nor
  change the data they are given.
- ``StrictUndefined`` and a ``finalize`` that refuses ``None``: a misspelt name or a
  missing optional value is an error naming the template and line, never a blank.
- Autoescaping: every ``{{ value }}`` is escaped, so data is never markup.
- Search chain: the workspace's ``templates/`` first, then the built-in set; a
  template may ``{% extends %}`` the built-in of the same name as ``builtin/NAME``.
- Limits: output size, time, and everything a runaway template could grow are
  bounded (``sandbox``).
"""

from __future__ import annotations

import json
import os
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import jinja2.compiler
import jinja2.meta
import jinja2.nodes

from kzru_reports import limits, memo
from kzru_reports.errors import TemplateError
from kzru_reports.templating.sandbox import (
    MAX_OUTPUT,
    MAX_SECONDS,
    SandboxedEnvironment,
    Timeout,
    bound,
    finalize,
    tick,
    time_limit,
)

TEMPLATE_SUFFIX = ".xml.j2"


def builtin_templates() -> Path:
    """The folder of the built-in templates (inside the installed package, or the
    repository's ``templates/`` when running from a source checkout)."""
    packaged = Path(str(resources.files("kzru_reports"))) / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "templates"


class _NoSymlinkLoader(jinja2.FileSystemLoader):
    """A file loader that refuses symlinks, so a template folder cannot point outside."""

    def get_source(self, environment: jinja2.Environment, template: str) -> Any:
        for folder in self.searchpath:
            candidate = Path(folder, *template.split("/"))
            for part in [candidate, *candidate.parents]:
                if part == Path(folder):
                    break
                if part.is_symlink():
                    raise TemplateError(
                        f"template {template!r} is reached through a symbolic "
                        "link, which is not followed",
                        template,
                    )
        return super().get_source(environment, template)


class _BytecodeCache(jinja2.BytecodeCache):
    """Compiled templates, shared by every environment of the process (each audience's
    search chain is its own environment, but a template file is compiled once) and
    kept in the user's cache folder between runs (see ``kzru_reports.cache``).

    Jinja checks each entry against the template source's checksum, so an edited file
    is compiled again; entries are also keyed by the engine (its code decides how a
    template compiles: the sandbox, the filters), Jinja and Python versions."""

    KIND = "templates"

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def _name(self, bucket: jinja2.bccache.Bucket) -> str:
        from kzru_reports import cache

        kind = type(bucket.environment).__qualname__  # never a sandboxed one's for another
        return cache.entry_name("jinja", jinja2.__version__, kind, bucket.key)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        from kzru_reports import cache

        data = self.store.get(bucket.key)
        if data is None:
            data = cache.read(self.KIND, self._name(bucket))
        if data is None:
            return
        try:
            bucket.bytecode_from_string(data)  # a stale entry leaves the bucket empty
        except (ValueError, EOFError, TypeError):  # a damaged one too
            bucket.reset()
        if bucket.code is not None:
            self.store[bucket.key] = data

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        from kzru_reports import cache

        data = bucket.bytecode_to_string()
        if self.store.get(bucket.key) != data:
            self.store[bucket.key] = data
            cache.write(self.KIND, self._name(bucket), data)


_BYTECODE = _BytecodeCache()
# parses template sources for analysis (blocks, references); settings as below
_SYNTAX = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, autoescape=True)


def make_environment(
    search: tuple[str, ...], lang: str = "en", stamp: tuple[Any, ...] = ()
) -> jinja2.Environment:
    """One environment per template search chain and language (cached for the process);
    ``stamp`` (see ``folder_stamp``) changes when a file in the chain does, so a
    template added or edited since is never hidden by one loaded before. The labels
    are the language's catalogs, a workspace's first (``<folder>/locale/<lang>.po``)."""
    from kzru_reports.templating.catalog import catalog_files

    catalogs = tuple(
        (str(p), p.stat().st_mtime_ns, p.stat().st_size) for p, _ in catalog_files(lang, search)
    )
    return _make_environment(search, lang, stamp, catalogs)


@memo.cached(64)
def _make_environment(
    search: tuple[str, ...], lang: str, stamp: tuple[Any, ...], catalogs: tuple[Any, ...]
) -> jinja2.Environment:
    from kzru_reports.templating.catalog import Labels, translations
    from kzru_reports.templating.locale import Formatter, load_labels, patterns

    builtin = str(builtin_templates())
    loader = jinja2.PrefixLoader({"builtin": _NoSymlinkLoader(builtin)}, delimiter="/")
    chain = jinja2.ChoiceLoader([_NoSymlinkLoader([*search, builtin]), loader])
    env = SandboxedEnvironment(
        loader=chain,
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,
        cache_size=400,
        bytecode_cache=_BYTECODE,
        extensions=["jinja2.ext.i18n"],
    )
    bound(env)
    labels = load_labels(lang, search)
    style = patterns(lang)
    env.globals["L"] = Labels(
        {
            **labels,
            "locale": style.tag,
            "lang": lang,
            "formats": Labels(
                quote=(labels["quotes"]["open"], labels["quotes"]["close"]),
                attribution=style.attribution,
            ),
        }
    )
    env.filters.update(Formatter(labels, lang).filters())
    env.install_gettext_translations(translations(lang, search), newstyle=True)  # type: ignore[attr-defined]
    return env


def render(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    """Render one template; any failure becomes a ``TemplateError`` naming file and line."""
    stream: Any = None
    try:
        template = env.get_template(name)
        check_blocks(env, name)
        chunks: list[str] = []
        size = 0
        with time_limit(MAX_SECONDS):
            stream = template.generate(context)
            for chunk in stream:
                size += len(chunk)
                if size > MAX_OUTPUT:
                    raise TemplateError(
                        f"output over {MAX_OUTPUT:,} characters", name, _line(stream)
                    )
                tick()
                chunks.append(chunk)
        return "".join(chunks)
    except Timeout as exc:
        file, line = _where(exc)
        if line is None and stream is not None:  # stopped between two pieces of output
            file, line = name, _line(stream)
        raise TemplateError(
            f"rendering took longer than {MAX_SECONDS:g} seconds and was stopped "
            "(a loop far larger than the data?)",
            file or name,
            line,
        ) from None
    except TemplateError as exc:
        if not exc.template:
            file, line = _where(exc)
            raise TemplateError(str(exc.args[0]), file or name, line) from None
        raise
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f"template syntax: {exc.message}", _display(exc.filename or name), exc.lineno
        ) from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template {exc.name!r} not found", name) from None
    except MemoryError as exc:
        file, line = _where(exc)
        cap = limits.memory_limit_mib()
        raise TemplateError(
            f"rendering reached the memory limit{f' of {cap:,} MiB' if cap else ''} "
            "and was stopped",
            file or name,
            line,
        ) from None
    except (
        jinja2.UndefinedError,
        jinja2.exceptions.SecurityError,
        TypeError,
        ValueError,
        AttributeError,
        KeyError,
        IndexError,
        ZeroDivisionError,
        RecursionError,
        OverflowError,
    ) as exc:
        file, line = _where(exc)
        kind = "undefined value" if isinstance(exc, jinja2.UndefinedError) else "error"
        raise TemplateError(f"{kind}: {exc}", file or name, line) from None


_CHECKED: weakref.WeakKeyDictionary[jinja2.Environment, set[str]] = weakref.WeakKeyDictionary()


def _blocks_of(env: jinja2.Environment, name: str) -> set[str]:
    """Every block a template and the templates it extends define."""
    names = set(env.get_template(name).blocks)
    parent = _parent(env, name)
    return names | _blocks_of(env, parent) if parent is not None else names


@dataclass(frozen=True)
class Analysis:
    """What the engine reads from a template's syntax tree, besides compiling it."""

    extends: str | None  # the template it extends, when named by a constant
    blocks: tuple[tuple[str, int], ...]  # its top-level blocks, with their lines
    references: tuple[str, ...]  # every template it names (extends, import, include)


def analyse(text: str, filename: str | None = None) -> Analysis:
    """A template source's ``Analysis``: kept for the process and in the cache folder
    (keyed by the source), so an unchanged template is not parsed again to find it.
    A syntax error raises ``jinja2.TemplateSyntaxError`` naming ``filename``."""
    found = _ANALYSES.get(text)
    if found is None:
        if len(_ANALYSES) > 256:
            _ANALYSES.clear()
        found = _ANALYSES[text] = _analyse(text, filename)
    return found


_ANALYSES: dict[str, Analysis] = {}  # source -> analysis, for the process


def _analyse(text: str, filename: str | None) -> Analysis:
    from kzru_reports import cache

    def make() -> Analysis:
        # every environment here has the same syntax settings, so one parser serves all
        tree = _SYNTAX.parse(text, filename, filename)
        extends = tree.find(jinja2.nodes.Extends)
        return Analysis(
            str(extends.template.value)
            if extends is not None and isinstance(extends.template, jinja2.nodes.Const)
            else None,
            tuple((b.name, b.lineno) for b in tree.body if isinstance(b, jinja2.nodes.Block)),
            tuple(r for r in jinja2.meta.find_referenced_templates(tree) if r),
        )

    def keep(found: Analysis) -> bytes:
        record = {"extends": found.extends, "blocks": found.blocks, "references": found.references}
        return json.dumps(record).encode()

    def read_back(kept: bytes) -> Analysis:
        data = json.loads(kept)
        if not isinstance(data["extends"], str | None):
            raise TypeError("extends")
        return Analysis(
            data["extends"],
            tuple((str(b), int(line)) for b, line in data["blocks"]),
            tuple(str(r) for r in data["references"]),
        )

    entry = cache.entry_name("analysis", jinja2.__version__, text)
    return cache.kept(_BytecodeCache.KIND, entry, make, keep, read_back)


def _analysis(env: jinja2.Environment, name: str) -> tuple[Analysis, str]:
    """A template's ``Analysis`` and file, by the name it is looked up with (a
    template loaded through ``builtin/`` forgets that prefix in its own ``name``)."""
    text, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
    return analyse(text, filename), filename or name


def _parent(env: jinja2.Environment, name: str) -> str | None:
    extends = _analysis(env, name)[0].extends
    return None if extends is None else env.join_path(extends, name)


def check_blocks(env: jinja2.Environment, name: str) -> None:
    """A block that the extended template does not have would be silently ignored:
    refuse it, naming the file, the line and the blocks there are."""
    checked = _CHECKED.setdefault(env, set())
    if name in checked:
        return
    parent = _parent(env, name)
    if parent is not None:
        known = _blocks_of(env, parent)
        found, filename = _analysis(env, name)
        # only the top level counts: a block inside an override may be a new one
        for block, line in found.blocks:
            if block not in known:
                raise TemplateError(
                    f"block {block!r} is not a block of {parent} "
                    f"(its blocks: {', '.join(sorted(known))})",
                    _display(filename),
                    line,
                )
        check_blocks(env, parent)
    checked.add(name)


def _line(stream: Any) -> int | None:
    """The template line a paused render is at (the innermost template generator)."""
    gen = stream
    while getattr(gen, "gi_yieldfrom", None) is not None:
        gen = gen.gi_yieldfrom
    frame = getattr(gen, "gi_frame", None)
    template = frame.f_globals.get("__jinja_template__") if frame is not None else None
    if template is None:
        return None
    return int(template.get_corresponding_lineno(frame.f_lineno))


def _display(path: str) -> str:
    builtin = str(builtin_templates())
    if path.startswith(builtin):
        return "builtin:" + os.path.relpath(path, builtin)
    return path


def _where(exc: BaseException) -> tuple[str, int | None]:
    """The innermost template frame of a traceback: (template file, line)."""
    tb = exc.__traceback__
    found: tuple[str, int | None] = ("", None)
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_globals.get("__jinja_template__") is not None:
            template = frame.f_globals["__jinja_template__"]
            found = (
                _display(template.filename or template.name or ""),
                template.get_corresponding_lineno(tb.tb_lineno),
            )
        elif frame.f_code.co_filename.endswith(TEMPLATE_SUFFIX):
            # a frame Jinja has already rewritten to the template's file and line
            found = (_display(frame.f_code.co_filename), tb.tb_lineno)
        tb = tb.tb_next
    return found


def folder_stamp(search: Sequence[str]) -> tuple[Any, ...]:
    """The names, sizes and times of the templates in the workspace's folders."""
    stamp = []
    for folder in search:
        for path in sorted(Path(folder).rglob(f"*{TEMPLATE_SUFFIX}")):
            st = path.lstat()
            stamp.append((str(path), st.st_size, st.st_mtime_ns))
    return tuple(stamp)


def search_path(folders: Sequence[str | Path]) -> tuple[str, ...]:
    """The template folders that exist, as absolute paths. A folder that is itself a
    symbolic link (``templates/press -> /etc``) is refused: the loader refuses links
    inside a folder, and the workspace config refuses them on the way to it."""
    for f in folders:
        if Path(f).is_symlink():
            raise TemplateError(
                f"the template folder {f} is a symbolic link, which is not followed"
            )
    return tuple(str(Path(f).resolve()) for f in folders if Path(f).is_dir())
