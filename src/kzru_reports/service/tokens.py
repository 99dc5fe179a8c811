"""Who may ask for what: the bearer tokens of ``kzru serve``.

A token is a secret held in an environment variable that ``kzru.toml`` names
(``[serve.tokens.NAME]`` with ``env`` and ``audiences``), or ``KZRU_SERVE_TOKEN``,
which may build every audience. The secrets are read once, at start; a named
variable that is unset or empty stops the service from starting, so a typo never
leaves a token that nobody holds (or an empty one that anybody does).

Presented tokens are compared in constant time against every known token (their
SHA-256 digests, so neither the length nor the first differing byte of a secret
shows in the time an answer takes).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kzru_reports.config import TokenRule
from kzru_reports.errors import ConfigError

SERVE_TOKEN_ENV = "KZRU_SERVE_TOKEN"


@dataclass(frozen=True)
class Grant:
    """What one token (or, with no tokens configured, everybody) may build."""

    name: str
    audiences: frozenset[str] | None  # None: every audience

    def allows(self, audience: str) -> bool:
        return self.audiences is None or audience in self.audiences

    def visible(self, names: Iterable[str]) -> list[str]:
        """``names`` this grant may build, in their order."""
        return [n for n in names if self.allows(n)]


OPEN = Grant("anyone", None)  # a loopback service with no tokens configured


class Tokens:
    """The configured tokens, their secrets read from the environment."""

    def __init__(self, rules: Iterable[TokenRule], environ: Mapping[str, str]) -> None:
        self._known: list[tuple[bytes, Grant]] = []
        problems = []
        for rule in rules:
            secret = environ.get(rule.env, "")
            if not secret:
                problems.append(
                    f"token {rule.name!r}: the environment variable {rule.env} is not set "
                    "(it holds the token's secret)"
                )
                continue
            self._add(secret, Grant(rule.name, frozenset(rule.audiences)), problems)
        if environ.get(SERVE_TOKEN_ENV):
            self._add(environ[SERVE_TOKEN_ENV], Grant(SERVE_TOKEN_ENV, None), problems)
        if problems:
            raise ConfigError("; ".join(problems))

    def _add(self, secret: str, grant: Grant, problems: list[str]) -> None:
        digest = _digest(secret)
        for known, other in self._known:
            if hmac.compare_digest(known, digest):
                problems.append(f"tokens {other.name!r} and {grant.name!r} have the same secret")
                return
        self._known.append((digest, grant))

    @property
    def required(self) -> bool:
        """Whether requests must carry a token (any token is configured)."""
        return bool(self._known)

    def grant(self, presented: str) -> Grant | None:
        """The grant of the token presented, or None. Every known token is compared,
        each in constant time, whichever matches."""
        digest = _digest(presented)
        found = None
        for known, grant in self._known:
            if hmac.compare_digest(known, digest):
                found = grant
        return found


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8", "surrogateescape")).digest()
