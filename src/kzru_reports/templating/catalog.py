"""The documents' interface text in every language: gettext catalogs.

The English source messages are ``locale/en.yaml`` (each key is a message context);
their translations are gettext catalogs, ``locale/<lang>.po``, made and updated with
Babel's own tools (``pybabel extract -F babel.cfg``, then ``pybabel update``). A
workspace adds or overrides messages with catalogs of its own, found like templates:
``<templates folder>/locale/<lang>.po``; an entry there wins over the built-in one.

Every catalog is checked when it is read, each problem named by file and line: a
``Plural-Forms`` header that does not have the language's number of forms (Russian
has three), an entry whose ``{placeholders}`` are not the English message's, a
context that no message has, and (for the built-in catalogs) a message with no
translation. A built-in catalog must translate every label (the tests check it);
while a new or reworded label waits for its translation, documents show its English.
Catalogs are read once per process.
"""

from __future__ import annotations

import functools
import gettext
import io
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from kzru_reports.data.lang import LANGS, is_language
from kzru_reports.errors import DataError, Problem, did_you_mean

CATALOG_FOLDER = "locale"
MESSAGES = "messages.pot"  # every label, to translate into a language of one's own
# placeholders: "{count}" in the labels, "%(n)s" in templates' own gettext messages
_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)|%\(([A-Za-z_][A-Za-z0-9_]*)\)")
# Grammatical forms of a placeholder a translation may use instead of the value itself
# (Kazakh puts case endings on numbers: "60 000-нан астам"); see locale.py.
DERIVED_FORMS = ("abl", "dat")
_SHOWN = 10  # untranslated labels listed one by one; the rest are counted


class Labels(dict[str, Any]):
    """A read-only mapping whose keys templates can also read as attributes (``L.summary``)."""

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"no label {key!r}") from None


class Plural(tuple[str, ...]):
    """A message with plural forms, in the catalog's order; ``pick(n)`` chooses one
    with the catalog's own plural rule."""

    rule: Any

    def __new__(cls, forms: Sequence[str], rule: Any) -> Plural:
        obj = super().__new__(cls, forms)
        obj.rule = rule
        return obj

    def pick(self, n: float) -> str:
        index = self.rule(int(n)) if float(n).is_integer() else len(self) - 1
        return self[min(int(index), len(self) - 1)]


@dataclass(frozen=True)
class Message:
    context: str
    english: str | tuple[str, str]  # a plural message: (one, other)
    line: int
    keys: tuple[str, ...] = ()  # where it sits in en.yaml (a key may hold a dot)


# ------------------------------------------------------------------ the source


def catalog_folder() -> Path:
    """The built-in catalogs' folder: ``en.yaml``, ``<lang>.po`` and ``messages.pot``."""
    return Path(str(resources.files("kzru_reports"))) / CATALOG_FOLDER


@functools.cache
def source_messages() -> tuple[Message, ...]:
    """Every English message of ``locale/en.yaml`` with its context and line."""
    path = catalog_folder() / "en.yaml"
    return tuple(_messages(path.read_text("utf-8")))


def _messages(text: str) -> Iterator[Message]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    root = yaml.compose(text, Loader=loader)

    def walk(node: Any, path: tuple[str, ...]) -> Iterator[Message]:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                yield from walk(value, (*path, key.value))
        elif isinstance(node, yaml.SequenceNode):
            items = [str(v.value) for v in node.value]
            line = node.start_mark.line + 1
            if any("{count}" in i for i in items):  # one message with plural forms
                yield Message(".".join(path), (items[0], items[1]), line, path)
            else:  # several messages in one context: a name's singular and plural
                for item in node.value:
                    line = item.start_mark.line + 1
                    yield Message(".".join(path), str(item.value), line, path)
        else:
            yield Message(".".join(path), str(node.value), node.start_mark.line + 1, path)

    yield from walk(root, ())


def extract_labels(
    fileobj: Any, keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, Any, list[str]]]:
    """A Babel extraction method for ``en.yaml`` (named in ``babel.cfg``): each label
    is a message whose context is its key."""
    for m in _messages(fileobj.read().decode("utf-8")):
        if isinstance(m.english, tuple):
            yield m.line, "npgettext", (m.context, *m.english), []
        else:
            yield m.line, "pgettext", (m.context, m.english), []


# ------------------------------------------------------------------ catalogs


@dataclass(frozen=True)
class Catalog:
    """One checked ``.po`` file: (context, English) -> translation (a plural: forms)."""

    file: str
    lang: str
    entries: dict[tuple[str, str], str | tuple[str, ...]]
    plural_rule: Any
    nplurals: int
    ids: dict[tuple[str, str], Any]  # each entry's whole msgid (singular, plural)


def expected_plurals(lang: str) -> tuple[int, str]:
    """How many plural forms ``lang`` has in gettext, and their rule (CLDR via Babel)."""
    from babel.messages.plurals import get_plural

    found = get_plural(lang)
    return found.num_plurals, found.plural_expr


def read_catalog(path: Path, lang: str, complete: bool = False, lenient: bool = False) -> Catalog:
    """Read and check one ``.po`` file; ``DataError`` lists every problem in it.

    ``complete``: every English message must have a translation (the test suite asks
    this of the built-in catalogs). ``lenient``: an entry for a message the English
    labels no longer have is skipped rather than refused (the built-in catalogs at
    run time: a label reworded since keeps its English until translated again)."""
    from babel.messages.pofile import PoFileError, read_po

    name = _display(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError([Problem(name, f"cannot read: {exc.strerror or exc}")]) from None
    try:
        po = read_po(io.BytesIO(raw), locale=lang, abort_invalid=True)
    except (PoFileError, ValueError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise DataError([Problem(name, f"not a valid catalog: {exc}", line=line)]) from None
    text = raw.decode("utf-8", "replace")
    problems: list[Problem] = []
    nplurals, rule = expected_plurals(lang)
    header = _header_line(text)
    got = po.num_plurals if "Plural-Forms" in text else None
    if got is not None and got != nplurals:
        problems.append(
            Problem(
                name,
                f"Plural-Forms gives {got} forms; {lang} has {nplurals} "
                f"(Plural-Forms: nplurals={nplurals}; plural={rule};)",
                path="Plural-Forms",
                line=header,
            )
        )
    source = {(m.context, _key(m.english)): m for m in source_messages()}
    contexts = sorted({m.context for m in source.values()})
    entries: dict[tuple[str, str], str | tuple[str, ...]] = {}
    ids: dict[tuple[str, str], Any] = {}
    for msg in po:
        if not msg.id or msg.fuzzy:
            continue
        english = msg.id if isinstance(msg.id, str) else msg.id[0]
        where = msg.lineno
        context = msg.context or ""
        src = source.get((context, english))
        if context and src is None:
            if lenient:
                continue
            hint = did_you_mean(context, contexts)
            known = [e for (c, e) in source if c == context]
            what = (
                f"no message {english!r} in context {context!r}; it has {known[0]!r}"
                if known
                else f"no message has context {context!r}{hint}"
            )
            problems.append(Problem(name, what, path=context, line=where))
            continue
        forms = msg.string if isinstance(msg.string, tuple | list) else (msg.string,)
        if not any(forms):
            continue  # untranslated: the English (built-in catalogs are checked below)
        plural = isinstance(msg.id, tuple | list) or (
            src is not None and isinstance(src.english, tuple)
        )
        if plural and len(forms) != nplurals:
            problems.append(
                Problem(
                    name,
                    f"{len(forms)} plural forms; {lang} has {nplurals}",
                    path=context,
                    line=where,
                )
            )
            continue
        wanted = _fields(msg.id if isinstance(msg.id, str) else " ".join(msg.id))
        for form in forms:
            if not form:
                problems.append(Problem(name, "a plural form is empty", path=context, line=where))
                continue
            got_fields = _fields(form)
            extra = got_fields - wanted - {f"{f}_{d}" for f in wanted for d in DERIVED_FORMS}
            lacking = wanted - {_base_field(f) for f in got_fields}
            if extra or lacking:
                problems.append(
                    Problem(
                        name,
                        f"placeholders {_show(got_fields)} do not match the English "
                        f"{_show(wanted)}: {form!r}",
                        path=context,
                        line=where,
                    )
                )
        entries[(context, english)] = tuple(forms) if plural else forms[0]
        ids[(context, english)] = tuple(msg.id) if isinstance(msg.id, tuple | list) else msg.id
    if complete:
        for context, english in source:
            if (context, english) not in entries:
                problems.append(
                    Problem(name, f"no translation of {english!r}", path=context, line=header)
                )
    if problems:
        raise DataError(sorted(problems, key=lambda p: (p.line or 0, p.path)))
    return Catalog(name, lang, entries, gettext.c2py(rule), nplurals, ids)


def _base_field(name: str) -> str:
    """``value`` for ``value_abl``: the placeholder a grammatical form is made from."""
    base, _, form = name.rpartition("_")
    return base if base and form in DERIVED_FORMS else name


def _key(english: str | tuple[str, str]) -> str:
    return english if isinstance(english, str) else english[0]


def _fields(text: str) -> set[str]:
    return {a or b for a, b in _FIELD.findall(text)}


def _show(fields: set[str]) -> str:
    return ", ".join("{" + f + "}" for f in sorted(fields)) or "none"


def _header_line(text: str) -> int | None:
    for number, line in enumerate(text.splitlines(), 1):
        if "Plural-Forms" in line:
            return number
    return None


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)


@functools.lru_cache(maxsize=64)
def _cached_catalog(path: str, lang: str, builtin: bool, stamp: tuple[int, int]) -> Catalog:
    return read_catalog(Path(path), lang, lenient=builtin)


def source_labels_file() -> Path:
    """The English labels, the source every catalog translates."""
    return catalog_folder() / "en.yaml"


def catalog_files(lang: str, folders: Sequence[str | Path] = ()) -> list[tuple[Path, bool]]:
    """The catalogs of ``lang`` in the order they are consulted: a workspace's
    (``<folder>/locale/<lang>.po``, first folder first), then the built-in one; each
    with whether it is the built-in one."""
    found = [
        (Path(f) / CATALOG_FOLDER / f"{lang}.po", False)
        for f in folders
        if (Path(f) / CATALOG_FOLDER / f"{lang}.po").is_file()
    ]
    builtin = catalog_folder() / f"{lang}.po"
    if builtin.is_file():
        found.append((builtin, True))
    return found


def catalogs(lang: str, folders: Sequence[str | Path] = ()) -> list[Catalog]:
    out = []
    for path, builtin in catalog_files(lang, folders):
        info = path.stat()
        out.append(_cached_catalog(str(path), lang, builtin, (info.st_mtime_ns, info.st_size)))
    return out


def workspace_languages(folders: Sequence[str | Path] = ()) -> tuple[str, ...]:
    """The languages a workspace adds: each ``<folder>/locale/<lang>.po`` whose name is
    a language CLDR knows and that is not built in (``de.po``, ``uz.po``)."""
    found: set[str] = set()
    for folder in folders:
        locale = Path(folder) / CATALOG_FOLDER
        if locale.is_dir():
            found.update(p.stem for p in locale.glob("*.po") if p.is_file())
    return tuple(sorted(lang for lang in found if lang not in LANGS and is_language(lang)))


def languages(folders: Sequence[str | Path] = ()) -> tuple[str, ...]:
    """Every language documents can be made in: the built-in ones, then the workspace's."""
    return (*LANGS, *workspace_languages(folders))


def unknown_language(lang: str, folders: Sequence[str | Path] = ()) -> str:
    """What to say of a language no catalog is there for: where its catalog goes."""
    where = Path(folders[-1]) if folders else Path("templates")
    known = ", ".join(languages(folders))
    return (
        f"no catalog for language {lang!r}: documents are made in {known}; to add "
        f"{lang!r}, translate the labels into {_display(where / CATALOG_FOLDER / f'{lang}.po')}"
        " (docs/templates.md, 'Adding a language')"
    )


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return Labels({k: _freeze(v) for k, v in value.items()})
    return value


@functools.lru_cache(maxsize=32)
def _labels(lang: str, folders: tuple[str, ...], stamps: tuple[Any, ...]) -> Labels:
    found = catalogs(lang, folders)
    if lang not in LANGS:
        if not found:
            raise DataError([Problem("", unknown_language(lang, folders))])
        _check_complete(lang, found)
    rule = "(n != 1)" if lang == "en" else expected_plurals(lang)[1]
    plural_rule = found[0].plural_rule if found else gettext.c2py(rule)
    tree: dict[str, Any] = {}
    lists: dict[str, list[str]] = {}
    for m in source_messages():
        value: Any = _translate(found, m)
        if isinstance(m.english, tuple):
            value = Plural(value, plural_rule)
        *parents, leaf = m.keys
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
        if isinstance(m.english, str) and _is_list(m):
            lists.setdefault(m.context, []).append(value)
            node[leaf] = tuple(lists[m.context])
        else:
            node[leaf] = value
    return _freeze(tree)  # type: ignore[no-any-return]


def _check_complete(lang: str, found: list[Catalog]) -> None:
    """A language the workspace adds must have every label translated, in one of its
    catalogs: with no built-in one below them, a missing label would show English."""
    have = set().union(*(c.entries for c in found))
    missing = [m for m in source_messages() if (m.context, _key(m.english)) not in have]
    if missing:
        file = found[-1].file
        problems = [
            Problem(file, f"no {lang} translation of {_key(m.english)!r}", path=m.context)
            for m in missing[:_SHOWN]
        ]
        if len(missing) > _SHOWN:
            problems.append(
                Problem(
                    file,
                    f"and {len(missing) - _SHOWN} more labels with no {lang} translation "
                    "(every label of messages.pot needs one)",
                )
            )
        raise DataError(problems)


@functools.cache
def _list_contexts() -> frozenset[str]:
    seen: dict[str, int] = {}
    for m in source_messages():
        if isinstance(m.english, str):
            seen[m.context] = seen.get(m.context, 0) + 1
    return frozenset(c for c, n in seen.items() if n > 1)


def _is_list(m: Message) -> bool:
    return m.context in _list_contexts()


def _translate(found: list[Catalog], m: Message) -> Any:
    key = (m.context, _key(m.english))
    for catalog in found:
        if key in catalog.entries:
            return catalog.entries[key]
    return m.english


def load_labels(lang: str = "en", folders: Sequence[str | Path] = ()) -> Labels:
    """Every label in ``lang``: the workspace catalogs' entries (``folders`` are its
    template folders), else the built-in ones; read once per process."""
    names = tuple(str(f) for f in folders)
    stamps = tuple(
        (str(p), p.stat().st_mtime_ns, p.stat().st_size) for p, _ in catalog_files(lang, names)
    )
    return _labels(lang, names, stamps)


def labels_digest(lang: str, folders: Sequence[str | Path] = ()) -> str:
    """A hash of the catalogs ``lang``'s documents read (for incremental builds)."""
    from kzru_reports.manifest import sha256_file, sha256_text

    return sha256_text(
        ";".join(f"{p.name}:{sha256_file(p)}" for p, _ in catalog_files(lang, folders))
    )


def translations(labels_lang: str, folders: Sequence[str | Path] = ()) -> gettext.NullTranslations:
    """The catalogs as a ``gettext`` translations object, for the Jinja i18n extension
    (``{% trans %}``, ``_()`` and ``ngettext()`` in templates)."""
    from babel.messages.catalog import Catalog as BabelCatalog
    from babel.messages.mofile import write_mo
    from babel.support import Translations

    found = catalogs(labels_lang, folders)
    if not found:
        return gettext.NullTranslations()
    merged = BabelCatalog(locale=labels_lang)
    for catalog in reversed(found):  # the workspace's entries last: they win
        for key, text in catalog.entries.items():
            merged.add(catalog.ids[key], text, context=key[0] or None)
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return Translations(buffer)
