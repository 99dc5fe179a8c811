"""The workspace as ``kzru.toml`` describes it, read and checked: plain data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kzru_reports import limits
from kzru_reports.audiences import BUILTIN, Audience, find
from kzru_reports.data.lang import LANGS
from kzru_reports.errors import UsageError
from kzru_reports.furniture import Furniture
from kzru_reports.handling import MarkingScheme
from kzru_reports.theme import Theme, default_theme

CONFIG_NAME = "kzru.toml"


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
        return find(self.audiences, name)

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
