"""The bounds every request is held to: how many renders run and wait, the time
from arrival to answer and the size of an uploaded body (``Limits``, ``read_body``);
the names a request may use, each from a fixed set (``chosen``); and, when no
token is required, the loopback host name (``LoopbackHost``)."""

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import anyio
from fastapi import Request

from kzru_reports.service.answers import ApiError, error_response


@dataclass(frozen=True)
class Limits:
    """What one service allows."""

    workers: int
    queue: int
    timeout: float  # seconds from arrival to answer
    max_body: int  # bytes of one uploaded visit file


async def read_body(request: Request, limit: int, deadline: float) -> tuple[bytes, str]:
    """The uploaded visit file and its syntax's suffix, read within the size limit
    and the request's deadline."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise ApiError(400, "Content-Length is not a number")
        if int(declared) > limit:
            raise ApiError(413, f"the body is over the limit of {limit:,} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        with anyio.fail_after(max(0.0, deadline - time.monotonic())):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise ApiError(413, f"the body is over the limit of {limit:,} bytes")
                chunks.append(chunk)
    except TimeoutError:
        raise ApiError(408, "the request body did not arrive in time") from None
    if not size:
        raise ApiError(400, "send one visit file (YAML or JSON) as the request body")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return b"".join(chunks), ".json" if kind.endswith("json") else ".yaml"


def chosen(
    asked: list[str] | None, default: list[str], what: str, known: Sequence[str] | None = None
) -> list[str]:
    """The names asked for (each once), which must be among ``known`` (default:
    ``default``), or ``default`` when none were."""
    if not asked:
        return default
    allowed = list(known or default)
    for name in asked:
        if name not in allowed:
            raise ApiError(400, f"no {what} {name!r} here; choose from {', '.join(allowed)}")
    return list(dict.fromkeys(asked))


class LoopbackHost:
    """ASGI middleware: refuses (400) a request whose ``Host`` is not a loopback name."""

    NAMES = frozenset({"127.0.0.1", "localhost", "::1"})

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if name.strip("[]").lower() not in self.NAMES:
                error = ApiError(400, "this service answers only to a loopback host name")
                await error_response(error)(scope, receive, send)
                return
        await self.app(scope, receive, send)
