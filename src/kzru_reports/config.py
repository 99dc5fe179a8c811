"""The workspace configuration: ``kzru.toml``, found in the current folder or above.

Typed, with defaults; every problem of the file is reported at once, each naming the
file, its line and the key, and an unknown key says which known one was probably
meant. Paths in the file are relative to the folder that holds it.

::

    data = "data"            # visit files; `kzru build` with no PATH builds these
    templates = "templates"  # searched before the built-in templates
    output = "build"         # (these three are the defaults, beside kzru.toml)

    [defaults]
    docs = ["memo", "factsheet", "agreements", "pack"]
    formats = ["docx", "pdf"]
    lang = "en"
    audiences = ["leadership", "analyst", "press"]

    [theme]                  # inline settings, and/or file = "theme.toml"
    accent = "#0B4F6C"

    [marking]                # handling marks (see kzru_reports.handling)
    portion_marks = true     # every audience; default: those cleared above public
    banner = { official = "ДСП" }                                   # per level
    portion = { public = "(P)", official = "(O)", restricted = "(R)" }
    [marking.ru]             # words for documents in one language only
    portion = { official = "(ДСП)" }

    [memo]                   # the memo's header and the pack's cover (kzru_reports.furniture)
    from = "Department of Asia"
    to = { leadership = "Minister" }
    reference = "{year}/{visit}/{n}"

    [audiences.ministers]    # a profile of your own (or one that changes a built-in)
    base = "leadership"
    label = "Ministers"
    portion_marks = false

    [serve]                  # `kzru serve` (docs/service.md); all optional
    host = "127.0.0.1"
    port = 8750
    timeout = 30             # seconds a request may take from arrival, queue included
    queue = 32               # requests that may wait for a worker; more get 429
    max_body = 8388608       # bytes of one uploaded visit file; more get 413

    [serve.tokens.press-office]
    env = "KZRU_TOKEN_PRESS" # the variable holding the secret (never the secret itself)
    audiences = ["press"]
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kzru_reports import limits
from kzru_reports.audiences import BUILTIN, DETAILS, SECTIONS, Audience
from kzru_reports.data.lang import LANGS, did_you_mean_lang, is_language
from kzru_reports.data.schema import LEVELS, SLUG_RE
from kzru_reports.documents import DOCUMENTS
from kzru_reports.errors import ConfigError, DataError, Problem, UsageError
from kzru_reports.files import in_workspace, read_regular, workspace_root
from kzru_reports.furniture import KEYS, Furniture, Lines, line_problem, scheme_problem
from kzru_reports.handling import MarkingScheme, Words, word_problem
from kzru_reports.theme import Theme, default_theme, load_theme
from kzru_reports.writers import FORMATS

CONFIG_NAME = "kzru.toml"

_TOP = {
    "data",
    "templates",
    "output",
    "defaults",
    "theme",
    "audiences",
    "marking",
    "memo",
    "serve",
}
_MARKING = {"portion_marks", "banner", "portion"}
_DEFAULTS = {"docs", "formats", "lang", "langs", "fallback", "audiences"}
_SERVE = {"host", "port", "workers", "timeout", "queue", "max_body", "tokens"}
_TOKEN = {"env", "audiences"}
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PROFILE = {
    "base",
    "label",
    "description",
    "clearance",
    "documents",
    "sections",
    "omit",
    "detail",
    "templates",
    "lang",
    "portion_marks",
}


@dataclass(frozen=True)
class TokenRule:
    """One ``[serve.tokens.NAME]`` table: where its secret is, what it may build."""

    name: str
    env: str  # the environment variable that holds the secret
    audiences: tuple[str, ...]


@dataclass(frozen=True)
class ServeSettings:
    """The ``[serve]`` table: how ``kzru serve`` listens and what it bounds."""

    host: str = "127.0.0.1"
    port: int = 8750
    workers: int | None = None  # None: the number of CPUs
    timeout: float = limits.SERVE_SECONDS  # from a request's arrival to its answer
    queue: int = limits.SERVE_QUEUE  # requests that may wait for a worker; then 429
    max_body: int = limits.SERVE_BODY_BYTES  # bytes of one uploaded visit file; then 413
    tokens: tuple[TokenRule, ...] = ()


@dataclass(frozen=True)
class Workspace:
    """A workspace's settings; without a ``kzru.toml``, the built-in defaults."""

    root: Path
    file: Path | None = None
    data: Path | None = None
    templates: Path | None = None
    output: Path | None = None
    theme: Theme = field(default_factory=default_theme)
    marking: MarkingScheme = field(default_factory=MarkingScheme)
    furniture: Furniture = field(default_factory=Furniture)
    audiences: Mapping[str, Audience] = field(default_factory=lambda: dict(BUILTIN))
    configured: tuple[str, ...] = ()  # profiles the config file defines
    default_audiences: tuple[str, ...] = tuple(BUILTIN)
    documents: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    lang: str = "en"  # the workspace's language: outputs in it carry no language tag
    langs: tuple[str, ...] = ()  # the languages a build makes by default (none: ``lang``)
    languages: tuple[str, ...] = LANGS  # every language it can make: built in, and its own
    fallback: bool = False  # build a language whose texts are missing, marked untranslated
    serve: ServeSettings = field(default_factory=ServeSettings)
    theme_file: Path | None = None  # the theme file the config names, if any

    @property
    def files(self) -> tuple[Path, ...]:
        """The configuration files the settings were read from."""
        return tuple(f for f in (self.file, self.theme_file) if f is not None)

    def audience(self, name: str) -> Audience:
        try:
            return self.audiences[name]
        except KeyError:
            raise UsageError(
                f"unknown audience {name!r}{_did_you_mean(name, self.audiences)}; "
                f"known audiences: {', '.join(self.audiences)}"
            ) from None

    def check_langs(self, langs: Iterable[str]) -> tuple[str, ...]:
        """``langs``, each a language the workspace can make documents in (built in, or
        with its catalog in ``templates/locale/``); else a usage error saying where
        the missing catalog goes."""
        from kzru_reports.templating.catalog import unknown_language

        for lang in langs:
            if lang not in self.languages:
                raise UsageError(unknown_language(lang, self.template_folders()))
        return tuple(langs)

    def select(self, names: Iterable[str]) -> tuple[Audience, ...]:
        """The profiles named (unknown names are a usage error), or the defaults."""
        chosen = list(dict.fromkeys(names)) or list(self.default_audiences)
        return tuple(self.audience(n) for n in chosen)

    def template_folders(self) -> tuple[Path, ...]:
        return (self.templates,) if self.templates else ()


def known_languages(folders: Iterable[str | Path] = ()) -> tuple[str, ...]:
    """The languages documents can be written in: the built-in ones (``data/lang.py``)
    and those a workspace adds with a catalog in ``<templates>/locale/``."""
    from kzru_reports.templating.catalog import languages

    return languages(tuple(folders))


def find_config(start: Path | None = None) -> Path | None:
    """The nearest ``kzru.toml`` in ``start`` (default: the current folder) or above."""
    here = (start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        candidate = folder / CONFIG_NAME
        if candidate.exists() and not candidate.is_dir():  # a FIFO is refused when read
            return candidate
    return None


def load_workspace(start: Path | None = None) -> Workspace:
    """The workspace around ``start``: its config file's settings, else the defaults."""
    path = find_config(start)
    if path is None:
        return Workspace(root=(start or Path.cwd()).resolve())
    return load_config(path)


def load_config(path: Path) -> Workspace:
    """Read and check one ``kzru.toml``; raise ``DataError`` with every problem."""
    text = _read(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _toml_line(str(exc))
        raise DataError([Problem(str(path), f"not valid TOML: {exc}", line=line)]) from None
    return _Reader(path, text).workspace(raw)


def _read(path: Path) -> str:
    try:
        return read_regular(path, limits.THEME_FILE_BYTES, "config").decode("utf-8")
    except ConfigError as exc:
        raise DataError([Problem(str(path), str(exc))]) from None
    except UnicodeDecodeError as exc:
        raise DataError([Problem(str(path), f"cannot read: {exc}")]) from None


def _toml_line(message: str) -> int | None:
    m = re.search(r"line (\d+)", message)
    return int(m.group(1)) if m else None


def _did_you_mean(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Reader:
    """Checks the parsed file, collecting problems with the line of each key."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.root = path.parent.resolve()
        self.lines = text.splitlines()
        self.problems: list[Problem] = []
        self.templates: tuple[Path, ...] = ()  # the workspace's template folder
        self.languages: tuple[str, ...] = LANGS  # and the languages its catalogs add

    # -- reporting
    def line_of(self, dotted: str) -> int | None:
        """The line where a key (or table) is written: the table's header, else the key
        inside its table, else the key anywhere (inline tables)."""
        parts = dotted.split(".")
        header = re.compile(r"^\s*\[+\s*" + r"\s*\.\s*".join(map(re.escape, parts)) + r"\s*\]+")
        key = re.compile(r"^\s*(\"?)" + re.escape(parts[-1]) + r"\1\s*=")
        for number, line in enumerate(self.lines, 1):
            if header.match(line):
                return number
        start = self.line_of(".".join(parts[:-1])) if len(parts) > 1 else 0
        for number, line in enumerate(self.lines[start or 0 :], (start or 0) + 1):
            if start and number > start and line.lstrip().startswith("["):
                break
            if key.match(line):
                return number
        if start:
            return self.line_of(parts[-1]) or start
        return None

    def fail(self, dotted: str, message: str) -> None:
        self.problems.append(
            Problem(str(self.path), message, path=dotted, line=self.line_of(dotted))
        )

    def known(self, table: Mapping[str, Any], allowed: set[str], where: str) -> None:
        for key in table:
            if key not in allowed:
                dotted = f"{where}.{key}" if where else key
                self.fail(
                    dotted,
                    f"unknown key{_did_you_mean(key, allowed)}; "
                    f"known keys: {', '.join(sorted(allowed))}",
                )

    # -- typed values
    def text(self, table: Mapping[str, Any], key: str, where: str) -> str | None:
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            self.fail(_join(where, key), f"expected text, got {type(value).__name__}")
            return None
        return value

    def names(
        self, table: Mapping[str, Any], key: str, where: str, choices: Iterable[str]
    ) -> tuple[str, ...] | None:
        value = table.get(key)
        if value is None:
            return None
        choices = tuple(choices)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(_join(where, key), "expected a list of names")
            return None
        for v in value:
            if v not in choices:
                self.fail(_join(where, key), self.not_one_of(v, choices))
        return tuple(dict.fromkeys(v for v in value if v in choices))

    def choice(
        self, table: Mapping[str, Any], key: str, where: str, choices: Iterable[str]
    ) -> str | None:
        value = self.text(table, key, where)
        choices = tuple(choices)
        if value is not None and value not in choices:
            self.fail(_join(where, key), self.not_one_of(value, choices))
            return None
        return value

    def not_one_of(self, value: str, choices: tuple[str, ...]) -> str:
        if choices == self.languages:
            if is_language(value):  # a language, but no catalog for it
                from kzru_reports.templating.catalog import unknown_language

                return unknown_language(value, self.templates)
            hint = _did_you_mean(value, choices) or did_you_mean_lang(value)
        else:
            hint = _did_you_mean(value, choices)
        return f"{value!r} is not one of {', '.join(choices)}{hint}"

    def folder(self, table: Mapping[str, Any], key: str) -> Path | None:
        value = self.text(table, key, "")
        if not value:
            return None
        try:
            return in_workspace(self.root, value)
        except ConfigError as exc:
            self.fail(key, str(exc))
            return None

    def table(self, raw: Mapping[str, Any], key: str, where: str = "") -> dict[str, Any]:
        value = raw.get(key, {})
        if not isinstance(value, dict):
            self.fail(_join(where, key), "expected a table")
            return {}
        return value

    # -- the file
    def workspace(self, raw: dict[str, Any]) -> Workspace:
        with workspace_root(self.root):
            return self._workspace(raw)

    def _workspace(self, raw: dict[str, Any]) -> Workspace:
        self.known(raw, _TOP, "")
        templates = self.folder(raw, "templates") or self.root / "templates"
        self.templates = (templates,)
        self.languages = known_languages(self.templates)
        audiences, configured = self.audiences(self.table(raw, "audiences"))
        defaults = self.table(raw, "defaults")
        self.known(defaults, _DEFAULTS, "defaults")
        chosen = self.names(defaults, "audiences", "defaults", audiences)
        theme = self.theme(raw)
        ws = Workspace(
            root=self.root,
            file=self.path,
            data=self.folder(raw, "data") or _existing(self.root / "data"),
            templates=templates,
            languages=self.languages,
            output=self.folder(raw, "output") or self.root / "build",
            theme=theme,
            marking=self.marking(self.table(raw, "marking")),
            furniture=self.furniture(self.table(raw, "memo"), audiences),
            audiences=audiences,
            configured=configured,
            # built-in audiences stay in the default set beside the configured ones
            default_audiences=chosen or tuple(audiences),
            documents=self.names(defaults, "docs", "defaults", DOCUMENTS) or (),
            formats=self.names(defaults, "formats", "defaults", tuple(FORMATS)) or (),
            lang=self.lang(defaults),
            langs=self.names(defaults, "langs", "defaults", self.languages) or (),
            fallback=bool(self.flag(defaults, "fallback", "defaults")),
            serve=self.serve(self.table(raw, "serve"), audiences),
            theme_file=self.theme_file(raw),
        )
        if self.problems:
            raise DataError(sorted(self.problems, key=lambda p: (p.line or 0, p.path)))
        return ws

    def flag(self, table: Mapping[str, Any], key: str, where: str) -> bool | None:
        value = table.get(key)
        if value is not None and not isinstance(value, bool):
            self.fail(_join(where, key), f"expected true or false, got {type(value).__name__}")
            return None
        return value

    def lang(self, defaults: dict[str, Any]) -> str:
        return self.choice(defaults, "lang", "defaults", self.languages) or "en"

    def language_tables(
        self, table: Mapping[str, Any], where: str, keys: set[str], common: Iterable[str] = ()
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        """The tables of one language under ``where`` (``[marking.ru]``), each checked to
        hold only ``keys`` (less those set ``common`` to every language); any other
        key of ``table`` that is not one of ``keys`` is refused."""
        languages = self.languages
        for key, value in table.items():
            if key in keys:
                continue
            if key not in languages:
                self.fail(
                    f"{where}.{key}",
                    f"unknown key{_did_you_mean(key, [*keys, *languages])}; known keys: "
                    f"{', '.join(sorted(keys))} and a language ({', '.join(languages)})",
                )
            elif not isinstance(value, dict):
                own = ", ".join(sorted(keys - set(common)))
                self.fail(f"{where}.{key}", f"expected a table of {own}")
            else:
                self.known(value, keys - set(common), f"{where}.{key}")
                yield key, value

    def marking(self, table: dict[str, Any]) -> MarkingScheme:
        """``[marking]``: words for every language, ``[marking.<lang>]`` for one."""
        words = {"": self.words(table, "marking")}
        for lang, value in self.language_tables(table, "marking", _MARKING, {"portion_marks"}):
            words[lang] = self.words(value, f"marking.{lang}")
        scheme = MarkingScheme(
            portion_marks=self.flag(table, "portion_marks", "marking"),
            words={k: w for k, w in words.items() if w.banner or w.portion},
        )
        self.distinct(scheme)
        return scheme

    def furniture(self, table: dict[str, Any], audiences: Mapping[str, Audience]) -> Furniture:
        """``[memo]``: header lines for every language, ``[memo.<lang>]`` for one."""
        found = [("", self.memo_lines(table, "memo", audiences))]
        for lang, value in self.language_tables(table, "memo", set(KEYS)):
            found.append((lang, self.memo_lines(value, f"memo.{lang}", audiences)))
        return Furniture(tuple((lang, lines) for lang, lines in found if lines != Lines()))

    def memo_lines(
        self, table: Mapping[str, Any], where: str, audiences: Mapping[str, Audience]
    ) -> Lines:
        def line(key: str, value: Any) -> str | None:
            problem = line_problem(value)
            if problem is not None:
                self.fail(f"{where}.{key}", problem)
                return None
            return str(value).strip() or None

        originator = line("from", table["from"]) if "from" in table else None
        recipients: list[tuple[str, str]] = []
        to = table.get("to")
        if isinstance(to, dict):
            for name, value in to.items():
                if name not in audiences:
                    self.fail(
                        f"{where}.to.{name}",
                        f"unknown audience{_did_you_mean(name, audiences)}; audiences: "
                        f"{', '.join(audiences)}",
                    )
                elif (text := line(f"to.{name}", value)) is not None:
                    recipients.append((name, text))
        elif to is not None and (text := line("to", to)) is not None:
            recipients.append(("", text))
        scheme = line("reference", table["reference"]) if "reference" in table else None
        if scheme is not None and (problem := scheme_problem(scheme)) is not None:
            self.fail(f"{where}.reference", problem)
            scheme = None
        return Lines(originator, tuple(recipients), scheme)

    def words(self, table: Mapping[str, Any], where: str) -> Words:
        found: dict[str, dict[str, str]] = {}
        for kind in ("banner", "portion"):
            value = self.table(table, kind, where)
            found[kind] = {}
            for level, word in value.items():
                at = f"{where}.{kind}.{level}"
                if level not in LEVELS:
                    self.fail(
                        at,
                        f"unknown level {level!r}{_did_you_mean(level, LEVELS)}; "
                        f"levels: {', '.join(LEVELS)}",
                    )
                elif (problem := word_problem(word)) is not None:
                    self.fail(at, problem)
                else:
                    found[kind][level] = word
        return Words(banner=found["banner"], portion=found["portion"])

    def distinct(self, scheme: MarkingScheme) -> None:
        """Each level keeps its own word in every language, configured words and the
        label file's together: two levels with one word could not be told apart."""
        from kzru_reports.templating.locale import load_labels

        for lang in self.languages:
            labels = load_labels(lang, self.templates)
            for kind in ("banner", "portion"):
                words = getattr(scheme, kind)(lang, labels)
                seen: dict[str, str] = {}
                for level in LEVELS:
                    word = words[level].casefold()
                    if word in seen:
                        ours = (
                            lang if level in getattr(scheme.words.get(lang, Words()), kind) else ""
                        )
                        self.fail(
                            ".".join(p for p in ("marking", ours, kind, level) if p),
                            f"{words[level]!r} would mark both {seen[word]!r} and {level!r} "
                            f"in {lang!r} documents: each level needs its own word",
                        )
                    seen[word] = level

    def number(
        self,
        table: Mapping[str, Any],
        key: str,
        where: str,
        low: float,
        high: float,
        whole: bool = True,
    ) -> Any:
        """A number within ``low``..``high`` (a whole one unless ``whole`` is false)."""
        value = table.get(key)
        if value is None:
            return None
        kinds: tuple[type, ...] = (int,) if whole else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds):
            kind = "a whole number" if whole else "a number"
            self.fail(_join(where, key), f"expected {kind}, got {type(value).__name__}")
            return None
        if not low <= value <= high:
            self.fail(_join(where, key), f"{value} is outside {low:g}..{high:g}")
            return None
        return value

    def serve(self, table: dict[str, Any], audiences: Mapping[str, Audience]) -> ServeSettings:
        self.known(table, _SERVE, "serve")
        base = ServeSettings()
        tokens = []
        for name, rule in self.table(table, "tokens", "serve").items():
            where = f"serve.tokens.{name}"
            if not isinstance(rule, dict):
                self.fail(where, "expected a table with env and audiences")
                continue
            self.known(rule, _TOKEN, where)
            env = self.text(rule, "env", where)
            if env is None or not _ENV_NAME.fullmatch(env):
                self.fail(
                    f"{where}.env",
                    "the name of the environment variable that holds the token "
                    "(the secret itself is never written in this file)",
                )
                continue
            chosen = self.names(rule, "audiences", where, audiences)
            if not chosen:
                if "audiences" not in rule:
                    self.fail(f"{where}.audiences", "list the audiences this token may build")
                continue
            tokens.append(TokenRule(name, env, chosen))

        def given(value: Any, default: Any) -> Any:
            return default if value is None else value

        return ServeSettings(
            host=self.text(table, "host", "serve") or base.host,
            port=given(self.number(table, "port", "serve", 0, 65535), base.port),
            workers=self.number(table, "workers", "serve", 1, 64),
            timeout=given(
                self.number(table, "timeout", "serve", 0.1, 3600, whole=False), base.timeout
            ),
            queue=given(self.number(table, "queue", "serve", 0, 10_000), base.queue),
            max_body=given(
                self.number(table, "max_body", "serve", 1024, 64 * 1024 * 1024), base.max_body
            ),
            tokens=tuple(tokens),
        )

    def theme_file(self, raw: dict[str, Any]) -> Path | None:
        include = raw.get("theme", {}).get("file") if isinstance(raw.get("theme"), dict) else None
        return (self.root / include).resolve() if isinstance(include, str) and include else None

    def theme(self, raw: dict[str, Any]) -> Theme:
        table = self.table(raw, "theme")
        if not table:
            return default_theme()
        try:
            return load_theme(table, self.root, str(self.path))
        except DataError as exc:
            for p in exc.problems():
                line = p.line if p.file != str(self.path) else self.line_of(p.path)
                self.problems.append(replace(p, line=line))
        return default_theme()

    def audiences(self, table: dict[str, Any]) -> tuple[dict[str, Audience], tuple[str, ...]]:
        out = dict(BUILTIN)
        configured = []
        for name, profile in table.items():
            where = f"audiences.{name}"
            if not SLUG_RE.fullmatch(name):
                self.fail(where, "an audience name is a lower-case slug (it names a folder)")
                continue
            if not isinstance(profile, dict):
                self.fail(where, "expected a table")
                continue
            audience = self.profile(name, profile, where)
            if audience is not None:
                out[name] = audience
                configured.append(name)
        return out, tuple(configured)

    def profile(self, name: str, p: dict[str, Any], where: str) -> Audience | None:
        self.known(p, _PROFILE, where)
        base_name = self.choice(p, "base", where, BUILTIN)
        base = BUILTIN.get(base_name or name, Audience(name))
        templates = self.table(p, "templates", where)
        for doc, template in templates.items():
            if doc not in DOCUMENTS:
                self.fail(
                    f"{where}.templates.{doc}",
                    f"no document {doc!r}{_did_you_mean(doc, DOCUMENTS)}",
                )
            if not isinstance(template, str):
                self.fail(f"{where}.templates.{doc}", "expected a template name")
        sections = self.names(p, "sections", where, SECTIONS)
        omit = self.names(p, "omit", where, SECTIONS)
        return replace(
            base,
            name=name,
            label=self.text(p, "label", where) or (base.label if base.name == name else ""),
            description=self.text(p, "description", where)
            or (base.description if base.name == name else _derived_description(base_name)),
            clearance=self.choice(p, "clearance", where, LEVELS) or base.clearance,
            documents=self.names(p, "documents", where, DOCUMENTS) or base.documents,
            sections=frozenset(sections) if sections is not None else base.sections,
            omit=frozenset(omit) if omit is not None else base.omit,
            detail=self.choice(p, "detail", where, DETAILS) or base.detail,
            templates={**base.templates, **{k: str(v) for k, v in templates.items()}},
            lang=self.choice(p, "lang", where, self.languages) or base.lang,
            portion_marks=_first(self.flag(p, "portion_marks", where), base.portion_marks),
        )


def _derived_description(base: str | None) -> str:
    """What ``kzru audiences list`` says of a profile of kzru.toml without a
    ``description``: never the built-in base's words, which describe another profile."""
    return f"Defined in kzru.toml (based on {base})." if base else "Defined in kzru.toml."


def _first(value: bool | None, default: bool | None) -> bool | None:
    return default if value is None else value


def _existing(folder: Path) -> Path | None:
    return folder if folder.is_dir() else None


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
