"""The sections of ``kzru.toml`` read into a ``Workspace``: paths, defaults, theme,
marking, the memo's furniture, audiences and the service's settings."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from kzru_reports.audiences import BUILTIN, DETAILS, SECTIONS, Audience
from kzru_reports.config.model import ServeSettings, TokenRule, Workspace, known_languages
from kzru_reports.config.reader import TableReader, existing, first
from kzru_reports.data.fields import LEVELS, SLUG_RE
from kzru_reports.documents import DOCUMENTS
from kzru_reports.errors import DataError, did_you_mean
from kzru_reports.files import workspace_root
from kzru_reports.furniture import KEYS, Furniture, Lines, line_problem, scheme_problem
from kzru_reports.handling import MarkingScheme, Words, word_problem
from kzru_reports.theme import Theme, default_theme, load_theme
from kzru_reports.writers import FORMATS

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


class WorkspaceReader(TableReader):
    """Reads a parsed ``kzru.toml`` into a ``Workspace``."""

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
            data=self.folder(raw, "data") or existing(self.root / "data"),
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
                    f"unknown key{did_you_mean(key, [*keys, *languages])}; known keys: "
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
                        f"unknown audience{did_you_mean(name, audiences)}; audiences: "
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
                        f"unknown level {level!r}{did_you_mean(level, LEVELS)}; "
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
                    f"no document {doc!r}{did_you_mean(doc, DOCUMENTS)}",
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
            portion_marks=first(self.flag(p, "portion_marks", where), base.portion_marks),
        )


def _derived_description(base: str | None) -> str:
    """What ``kzru audiences list`` says of a profile of kzru.toml without a
    ``description``: never the built-in base's words, which describe another profile."""
    return f"Defined in kzru.toml (based on {base})." if base else "Defined in kzru.toml."
