"""The HTTP application of ``kzru serve``: the API of docs/service.md and the web page.

Every request that renders goes through one bounded queue (``Admission``) in front
of the resident engine's worker pool: as many renders run as there are workers, a
fixed number wait, the rest are answered 429 with ``Retry-After`` at once. A
request's deadline counts from its arrival, so time spent reading a slow body or
waiting in the queue is part of it; a render still running at the deadline is
killed by the engine (its worker replaced) and answered 504.

Nothing a request names reaches the file system: visits are looked up by id in the
workspace's listing, audiences, documents, formats and languages in fixed sets, and
uploaded visit files stay in memory. Every error is JSON, ``{"error": "..."}``, with
server paths removed from its text.
"""

import io
import json
import logging
import math
import mimetypes
import re
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Protocol

import anyio
from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from kzru_reports import __version__, limits
from kzru_reports.audiences import LEVELS, Audience, rank
from kzru_reports.config import Workspace
from kzru_reports.data import find_visit_files
from kzru_reports.documents import DOCUMENTS
from kzru_reports.errors import DataError, KzruError, Problem, one_line
from kzru_reports.service.admission import Admission, DeadlinePassed, QueueFull
from kzru_reports.service.catalog import Catalog
from kzru_reports.service.metrics import Metrics, Observe
from kzru_reports.service.tokens import OPEN, Grant, Tokens
from kzru_reports.writers import DEFAULT_FORMATS, FORMATS

ASSETS = ("index.html", "app.js", "style.css")
log = logging.getLogger(__name__)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the same bytes whenever a zip is made


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
    ) -> list[Any]: ...

    def validate(self, source: Any) -> list[Problem]: ...

    @property
    def worker_pids(self) -> list[int]: ...

    @property
    def restarts(self) -> int: ...

    def close(self) -> None: ...


class ApiError(Exception):
    """An answer other than success: a status, one message, maybe more fields."""

    def __init__(
        self,
        status: int,
        message: str,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.extra = extra


@dataclass(frozen=True)
class Limits:
    workers: int
    queue: int
    timeout: float  # seconds from arrival to answer
    max_body: int  # bytes of one uploaded visit file


class Scrubber:
    """Removes the server's paths from text an answer carries: the workspace's and
    the package's folders become relative names, any other absolute path its last
    component."""

    _ABSOLUTE = re.compile(r"(?<![\w.:/])/(?:[^\s/'\"():,]+/)+")

    def __init__(self, roots: Sequence[Path]) -> None:
        self.roots = sorted({str(r).rstrip("/") + "/" for r in roots if r}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for root in self.roots:
            text = text.replace(root, "")
        return self._ABSOLUTE.sub("", text)


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
        self.assets = {
            name: resources.files("kzru_reports.service")
            .joinpath("page")
            .joinpath(name)
            .read_bytes()
            for name in ASSETS
        }

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
                    pool.submit(self.engine.render, *args, timeout=limits.SERVE_WARM_UP_SECONDS)
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
        """The uploaded visit file and its syntax's suffix, read within the size limit
        and the request's deadline."""
        limit = self.limits.max_body
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

    def deliver(self, files: list[Any], name: str) -> Response:
        """One file as itself, several as a zip holding them and ``manifest.json``."""
        if len(files) == 1:
            [f] = files
            kind = mimetypes.guess_type(f.name)[0] or "application/octet-stream"
            return _file(f.data, kind, f.name)
        buffer = io.BytesIO()
        outputs = []
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for f in files:
                path = f"{f.visit}/{f.audience}/{f.name}"
                _add(z, path, f.data)
                outputs.append(
                    {
                        "path": path,
                        "visit": f.visit,
                        "audience": f.audience,
                        "document": f.document,
                        "format": f.format,
                        "lang": f.lang,
                        "sha256": f.sha256,
                        "bytes": len(f.data),
                        "pages": f.pages,
                    }
                )
            manifest = {"outputs": outputs}
            _add(z, "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False).encode())
        return _file(buffer.getvalue(), "application/zip", f"{name}.zip")


def _add(z: zipfile.ZipFile, path: str, data: bytes) -> None:
    info = zipfile.ZipInfo(path, ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    z.writestr(info, data)


def _file(data: bytes, kind: str, name: str) -> Response:
    return Response(
        data, media_type=kind, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _error(exc: ApiError) -> JSONResponse:
    return JSONResponse(
        {"error": exc.message, **exc.extra}, status_code=exc.status, headers=exc.headers
    )


VISIT_BODY = {
    "required": True,
    "description": "One visit file (format visit/1), as YAML or JSON.",
    "content": {
        "application/yaml": {"schema": {"type": "string"}},
        "application/json": {"schema": {"type": "object"}},
    },
}
ERROR = {
    "description": "Error",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"error": {"type": "string"}},
                "required": ["error"],
            }
        }
    },
}
PROBLEMS = {
    "description": "The visit file has problems",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {
                    "ok": {"type": "boolean"},
                    "error": {"type": "string"},
                    "problems": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "line": {"type": ["integer", "null"]},
                                "column": {"type": ["integer", "null"]},
                                "path": {"type": "string"},
                                "message": {"type": "string"},
                            },
                        },
                    },
                },
            }
        }
    },
}
FILE = {
    "description": "The file, or a zip of the files with manifest.json",
    "content": {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {
            "schema": {"type": "string", "format": "binary"}
        },
        "application/zip": {"schema": {"type": "string", "format": "binary"}},
    },
}


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: ERROR for code in codes}


def create_app(
    ws: Workspace, engine: Engine, tokens: Tokens, limits: Limits, data: Path
) -> FastAPI:
    """The application serving ``ws``'s visits (the files of ``data``) through ``engine``."""
    service = Service(ws, engine, tokens, limits, data)
    app = FastAPI(
        title="kzru-reports",
        version=__version__,
        description="Briefing packs on demand: the API of `kzru serve` (docs/service.md).",
        docs_url=None,  # the interactive pages load scripts from a CDN: none here
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.service = service
    bearer = HTTPBearer(auto_error=False, description="A token of kzru.toml's [serve.tokens]")

    def who(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Grant:
        return service.grant(credentials)

    def arrival(request: Request) -> float:
        return float(request.scope.get("kzru.arrival", time.monotonic()))

    Who = Annotated[Grant, Depends(who)]
    Arrived = Annotated[float, Depends(arrival)]
    Lang = Annotated[str | None, Query(description="Language; default the workspace's")]

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = {404: "not found", 405: "method not allowed"}.get(exc.status_code, "error")
        return _error(ApiError(exc.status_code, message, dict(exc.headers or {})))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors():
            where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("query", "path"))
            parts.append(f"{where}: {err.get('msg', 'invalid')}")
        return _error(ApiError(400, one_line("; ".join(parts) or "bad request")))

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        return _error(ApiError(500, "internal error"))

    # -- the page
    @app.get("/", include_in_schema=False)
    async def page() -> Response:
        return Response(service.assets["index.html"], media_type="text/html; charset=utf-8")

    @app.get("/page/app.js", include_in_schema=False)
    async def script() -> Response:
        return Response(service.assets["app.js"], media_type="text/javascript; charset=utf-8")

    @app.get("/page/style.css", include_in_schema=False)
    async def style() -> Response:
        return Response(service.assets["style.css"], media_type="text/css; charset=utf-8")

    # -- operations
    @app.get("/healthz", tags=["operations"], summary="The process runs")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="Workers are warm and the queue has room",
        responses={503: ERROR},
    )
    async def readyz() -> JSONResponse:
        warm = service.warm
        room = service.admission.has_room
        body: dict[str, Any] = {
            "status": "ready" if warm and room else "not ready",
            "workers": len(engine.worker_pids),
            "running": service.admission.running,
            "queued": service.admission.queued,
        }
        if not (warm and room):
            body["error"] = "the workers are not warm yet" if not warm else "the queue is full"
        return JSONResponse(body, status_code=200 if warm and room else 503)

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics")
    async def metrics() -> Response:
        data, kind = service.metrics.render()
        return Response(data, media_type=kind)

    # -- the API
    @app.get("/v1/options", tags=["visits"], summary="What this token may ask for")
    async def options(grant: Who) -> dict[str, Any]:
        documents = service.ws.documents or DOCUMENTS
        return {
            "audiences": [
                {
                    "name": a.name,
                    "label": a.label or a.name,
                    "description": a.description,
                    "documents": [d for d in documents if a.gets(d)],
                }
                for a in service.ws.audiences.values()
                if grant.allows(a.name)
            ],
            "languages": list(service.languages),
            "lang": service.ws.lang,
            "formats": list(service.ws.formats or DEFAULT_FORMATS),
            "max_body": service.limits.max_body,
        }

    @app.get(
        "/v1/visits",
        tags=["visits"],
        summary="The workspace's visits",
        responses=_errors(401),
    )
    async def visits(grant: Who) -> dict[str, Any]:
        entries = await anyio.to_thread.run_sync(service.catalog.visits)
        clearance = service.clearance(grant)
        return {"visits": [e.listing(clearance) for e in entries.values()]}

    @app.post(
        "/v1/validate",
        tags=["visits"],
        summary="Check an uploaded visit file",
        openapi_extra={"requestBody": VISIT_BODY},
        responses={422: PROBLEMS, **_errors(400, 401, 408, 413, 429, 504)},
    )
    async def validate(request: Request, grant: Who, arrived: Arrived) -> JSONResponse:
        from kzru_reports.engine import VisitSource

        deadline = arrived + service.limits.timeout
        raw, suffix = await service.body(request, deadline)
        source = VisitSource(raw, suffix=suffix)
        found = await service.run(deadline, lambda left: engine.validate(source))
        if found:
            return _error(service.problems(found))
        return JSONResponse({"ok": True, "problems": []})

    @app.get(
        "/v1/visits/{visit}/{audience}/{filename}",
        tags=["visits"],
        summary="One output of a workspace visit",
        description="`filename` is `DOCUMENT.FORMAT`, e.g. `memo.pdf`.",
        response_class=Response,
        responses={200: FILE, **_errors(400, 401, 403, 404, 429, 504)},
    )
    async def output(
        visit: str,
        audience: str,
        filename: str,
        grant: Who,
        arrived: Arrived,
        lang: Lang = None,
    ) -> Response:
        profile = service.audience(grant, audience, 404)
        entries = await anyio.to_thread.run_sync(service.catalog.visits)
        entry = entries.get(visit)
        if entry is None:
            raise ApiError(404, f"no visit {visit!r}")
        document, _, fmt = filename.rpartition(".")
        if document not in DOCUMENTS or fmt not in FORMATS:
            raise ApiError(404, f"no output {filename!r}; ask for DOCUMENT.FORMAT, e.g. memo.pdf")
        if not profile.gets(document):
            raise ApiError(404, f"audience {audience!r} does not get the {document}")
        files = await service.render(
            arrived + service.limits.timeout,
            entry.file,
            profile,
            [document],
            [fmt],
            service.lang(lang),
            upload=False,
        )
        return service.deliver(files, f"{visit}-{audience}")

    @app.post(
        "/v1/build",
        tags=["visits"],
        summary="Build an uploaded visit file",
        openapi_extra={"requestBody": VISIT_BODY},
        response_class=Response,
        responses={200: FILE, 422: PROBLEMS, **_errors(400, 401, 403, 408, 413, 429, 504)},
    )
    async def build(
        request: Request,
        audience: Annotated[str, Query(description="The audience to build for")],
        grant: Who,
        arrived: Arrived,
        document: Annotated[list[str] | None, Query(description="Repeatable; default all")] = None,
        format: Annotated[list[str] | None, Query(description="Repeatable; default all")] = None,
        lang: Lang = None,
    ) -> Response:
        from kzru_reports.engine import VisitSource

        profile = service.audience(grant, audience, 400)
        documents = _chosen(document, [d for d in DOCUMENTS if profile.gets(d)], "document")
        formats = _chosen(
            format, list(service.ws.formats or DEFAULT_FORMATS), "format", tuple(FORMATS)
        )
        language = service.lang(lang)
        deadline = arrived + service.limits.timeout
        raw, suffix = await service.body(request, deadline)
        files = await service.render(
            deadline,
            VisitSource(raw, suffix=suffix),
            profile,
            documents,
            formats,
            language,
            upload=True,
        )
        visit = files[0].visit if files else "visit"
        return service.deliver(files, f"{visit}-{audience}")

    if not tokens.required:
        # Open to anyone who can reach it, so only under a loopback name: a web page
        # elsewhere that points its own host name at 127.0.0.1 (DNS rebinding) gets
        # nothing from it.
        app.add_middleware(LoopbackHost)
    app.add_middleware(Observe, metrics=service.metrics)
    return app


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
                await _error(error)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _chosen(
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
