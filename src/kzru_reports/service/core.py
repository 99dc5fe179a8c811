"""The state one service holds (``Service``): its workspace and resident engine,
the bounded queue in front of the workers, tokens, metrics; who may ask for what,
and a render run within a request's deadline, its failures turned into answers."""

import logging
import math
import time
from collections.abc import Callable, Sequence
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import anyio
from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials

from kzru_reports import limits
from kzru_reports.audiences import LEVELS, Audience, rank
from kzru_reports.config import Workspace
from kzru_reports.data import find_visit_files
from kzru_reports.errors import DataError, KzruError, NothingToShow, Problem, one_line
from kzru_reports.service.admission import Admission, DeadlinePassed, QueueFull
from kzru_reports.service.answers import ApiError, Scrubber
from kzru_reports.service.bounds import Limits, read_body
from kzru_reports.service.catalog import Catalog
from kzru_reports.service.metrics import Metrics
from kzru_reports.service.tokens import OPEN, Grant, Tokens
from kzru_reports.writers import DEFAULT_FORMATS

log = logging.getLogger(__name__)


class Engine(Protocol):
    """What the service needs of the resident engine (``kzru_reports.engine``)."""

    def render(
        self,
        source: Any,
        audience: str,
        documents: Sequence[str],
        formats: Sequence[str],
        lang: str | None = None,
        timeout: float | None = None,
        allow_empty: bool = False,
    ) -> list[Any]: ...

    def validate(self, source: Any) -> list[Problem]: ...

    @property
    def worker_pids(self) -> list[int]: ...

    @property
    def restarts(self) -> int: ...

    def close(self) -> None: ...


class Service:
    """The state one application holds: workspace, engine, queue, tokens, metrics."""

    def __init__(
        self, ws: Workspace, engine: Engine, tokens: Tokens, limits: Limits, data: Path
    ) -> None:
        self.ws = ws
        self.engine = engine
        self.tokens = tokens
        self.limits = limits
        self.admission = Admission(limits.workers, limits.queue)
        self.threads = anyio.CapacityLimiter(limits.workers)
        self.catalog = Catalog(data, ws.theme)
        self.languages = ws.languages  # the built-in ones and those its catalogs add
        package = Path(str(resources.files("kzru_reports")))
        self.scrub = Scrubber([ws.root, data, package, package.parent])
        self.metrics = Metrics(self.admission, engine)
        self.recent: list[float] = []  # seconds of the last renders, for Retry-After
        self.warm = False  # ready to answer: the workers have rendered once

    def warm_up(self, shipped: Path) -> float:
        """Render one memo in every format on each worker, so the first request finds
        templates compiled, fonts loaded and every worker started; the seconds taken.
        Uses the workspace's first good visit, else ``shipped``."""
        from concurrent.futures import ThreadPoolExecutor

        started = time.monotonic()
        entries = list(self.catalog.visits().values())
        file = entries[0].file if entries else find_visit_files([shipped])[0]
        audience = next((a for a in self.ws.audiences.values() if a.gets("memo")), None)
        if audience is not None:
            formats = list(self.ws.formats or DEFAULT_FORMATS)
            args = (file, audience.name, ["memo"], formats)
            with ThreadPoolExecutor(self.limits.workers) as pool:
                calls = [
                    # a warm-up renders whatever the visit holds for the audience
                    pool.submit(
                        self.engine.render,
                        *args,
                        timeout=limits.SERVE_WARM_UP_SECONDS,
                        allow_empty=True,
                    )
                    for _ in range(self.limits.workers)
                ]
                for call in calls:
                    try:
                        call.result()
                    except KzruError as exc:  # the workers are warm all the same
                        log.warning("warming up: %s", self.scrub(one_line(str(exc))))
        self.warm = True
        return time.monotonic() - started

    # -- who asks
    def grant(self, credentials: HTTPAuthorizationCredentials | None) -> Grant:
        if not self.tokens.required:
            return OPEN
        if credentials is None:
            raise ApiError(401, "a token is required", {"WWW-Authenticate": "Bearer"})
        grant = self.tokens.grant(credentials.credentials)
        if grant is None:
            raise ApiError(401, "the token is not valid", {"WWW-Authenticate": "Bearer"})
        return grant

    def audience(self, grant: Grant, name: str, status: int) -> Audience:
        """The profile ``name`` if ``grant`` may build it: 403 otherwise, whether or not
        it exists (a token learns nothing of audiences beyond its own)."""
        if not grant.allows(name):
            raise ApiError(403, f"this token may not build for audience {name!r}")
        try:
            return self.ws.audiences[name]
        except KeyError:
            raise ApiError(status, f"no audience {name!r}") from None

    def clearance(self, grant: Grant) -> str:
        """The highest clearance among the audiences ``grant`` may build."""
        levels = [a.clearance for a in self.ws.audiences.values() if grant.allows(a.name)]
        return max(levels, key=rank) if levels else LEVELS[0]

    def lang(self, lang: str | None) -> str:
        if lang is None or lang == "":
            return self.ws.lang
        if lang not in self.languages:
            raise ApiError(400, f"no language {lang!r}; known: {', '.join(self.languages)}")
        return lang

    # -- the work
    async def run(self, deadline: float, call: Callable[[float], Any]) -> Any:
        """``call(seconds_left)`` in a worker thread once a slot is free."""
        try:
            async with self.admission.slot(deadline):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DeadlinePassed
                started = time.monotonic()
                result = await anyio.to_thread.run_sync(partial(call, left), limiter=self.threads)
                self.recent = [*self.recent[-49:], time.monotonic() - started]
                return result
        except QueueFull:
            raise ApiError(
                429, "the service is busy; try again shortly", {"Retry-After": self.retry_after()}
            ) from None
        except DeadlinePassed:
            raise self.late() from None

    def late(self) -> ApiError:
        return ApiError(504, f"the answer took longer than {self.limits.timeout:g} seconds")

    def retry_after(self) -> str:
        """Seconds until the queue has likely drained, from the last renders' times."""
        typical = sorted(self.recent)[len(self.recent) // 2] if self.recent else 1.0
        waves = (self.admission.running + self.admission.queued) / max(1, self.limits.workers)
        return str(max(1, min(60, math.ceil(typical * waves))))

    async def render(
        self,
        deadline: float,
        source: Any,
        audience: Audience,
        documents: Sequence[str],
        formats: Sequence[str],
        lang: str,
        upload: bool,
    ) -> list[Any]:
        from kzru_reports.errors import RenderTimeout, WorkerLost

        def call(left: float) -> list[Any]:
            args = (source, audience.name, list(documents), list(formats))
            for _ in range(self.limits.workers):
                try:
                    return self.engine.render(*args, lang=lang, timeout=left)
                except WorkerLost:
                    # the worker died under this render (killed, out of memory), not by
                    # our deadline: a replacement tries again, within the time left
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise RenderTimeout("no time was left to try again") from None
            return self.engine.render(*args, lang=lang, timeout=left)

        try:
            return await self.run(deadline, call)  # type: ignore[no-any-return]
        except NothingToShow:
            # said without what was withheld, or how much (the engine's reason counts
            # items by level): only that there is nothing
            raise ApiError(
                422 if upload else 404,
                f"audience {audience.name!r} may see nothing of this visit: "
                "there is no document of it for this audience",
            ) from None
        except RenderTimeout:
            raise self.late() from None
        except WorkerLost:
            raise ApiError(
                503, "workers kept ending under this request; try again", {"Retry-After": "1"}
            ) from None
        except DataError as exc:
            raise self.problems(exc.problems()) from None
        except KzruError as exc:
            # a template or writer failed: the upload's doing (422), or the workspace's (500)
            status = 422 if upload else 500
            raise ApiError(
                status,
                self.scrub(one_line(f"the document could not be made: {exc}")),
                problems=self.problem_list(exc.problems()),
            ) from None

    def problem_list(self, problems: Sequence[Problem]) -> list[dict[str, Any]]:
        return [
            {
                "line": p.line,
                "column": p.column,
                "path": p.path,
                "message": self.scrub(p.message),
            }
            for p in problems
        ]

    def problems(self, problems: Sequence[Problem]) -> ApiError:
        count = len(problems)
        return ApiError(
            422,
            f"the visit file has {count} problem{'s' if count != 1 else ''}",
            ok=False,
            problems=self.problem_list(problems),
        )

    async def body(self, request: Request, deadline: float) -> tuple[bytes, str]:
        """The uploaded visit file and its syntax's suffix (see ``read_body``)."""
        return await read_body(request, self.limits.max_body, deadline)
