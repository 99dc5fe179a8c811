"""The HTTP application of ``kzru serve``: the API of docs/service.md and the web page.

Every request that renders goes through one bounded queue (``Admission``) in front
of the resident engine's worker pool: as many renders run as there are workers, a
fixed number wait, the rest are answered 429 with ``Retry-After`` at once. A
request's deadline counts from its arrival, so time spent reading a slow body or
waiting in the queue is part of it; a render still running at the deadline is
killed by the engine (its worker replaced) and answered 504.

This module holds the routes; ``core`` the service's state, ``bounds`` the limits
on each request, ``answers`` what an answer is, ``page`` the web page.

Nothing a request names reaches the file system: visits are looked up by id in the
workspace's listing, audiences, documents, formats and languages in fixed sets, and
uploaded visit files stay in memory. Every error is JSON, ``{"error": "..."}``, with
server paths removed from its text.
"""

import time
from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from kzru_reports import __version__
from kzru_reports.config import Workspace
from kzru_reports.documents import DOCUMENTS
from kzru_reports.errors import one_line
from kzru_reports.service.answers import (
    ERROR,
    FILE,
    PROBLEMS,
    VISIT_BODY,
    ApiError,
    deliver,
    error_response,
    errors,
)
from kzru_reports.service.bounds import Limits, LoopbackHost, chosen
from kzru_reports.service.core import Engine, Service
from kzru_reports.service.metrics import Observe
from kzru_reports.service.page import add_page
from kzru_reports.service.tokens import Grant, Tokens
from kzru_reports.writers import DEFAULT_FORMATS, FORMATS

__all__ = ["Limits", "create_app"]


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
    async def apierror_response(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def httperror_response(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = {404: "not found", 405: "method not allowed"}.get(exc.status_code, "error")
        return error_response(ApiError(exc.status_code, message, dict(exc.headers or {})))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors():
            where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("query", "path"))
            parts.append(f"{where}: {err.get('msg', 'invalid')}")
        return error_response(ApiError(400, one_line("; ".join(parts) or "bad request")))

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        return error_response(ApiError(500, "internal error"))

    add_page(app)

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
        responses=errors(401),
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
        responses={422: PROBLEMS, **errors(400, 401, 408, 413, 429, 504)},
    )
    async def validate(request: Request, grant: Who, arrived: Arrived) -> JSONResponse:
        from kzru_reports.engine import VisitSource

        deadline = arrived + service.limits.timeout
        raw, suffix = await service.body(request, deadline)
        source = VisitSource(raw, suffix=suffix)
        found = await service.run(deadline, lambda left: engine.validate(source))
        if found:
            return error_response(service.problems(found))
        return JSONResponse({"ok": True, "problems": []})

    @app.get(
        "/v1/visits/{visit}/{audience}/{filename}",
        tags=["visits"],
        summary="One output of a workspace visit",
        description="`filename` is `DOCUMENT.FORMAT`, e.g. `memo.pdf`.",
        response_class=Response,
        responses={200: FILE, **errors(400, 401, 403, 404, 429, 504)},
    )
    async def output(
        request: Request,
        visit: str,
        audience: str,
        filename: str,
        grant: Who,
        arrived: Arrived,
        lang: Lang = None,
    ) -> Response:
        once(request, "lang")
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
        return deliver(files, f"{visit}-{audience}")

    @app.post(
        "/v1/build",
        tags=["visits"],
        summary="Build an uploaded visit file",
        openapi_extra={"requestBody": VISIT_BODY},
        response_class=Response,
        responses={200: FILE, 422: PROBLEMS, **errors(400, 401, 403, 408, 413, 429, 504)},
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

        once(request, "audience", "lang")
        profile = service.audience(grant, audience, 400)
        documents = chosen(document, [d for d in DOCUMENTS if profile.gets(d)], "document")
        formats = chosen(
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
        return deliver(files, f"{visit}-{audience}")

    if not tokens.required:
        # Open to anyone who can reach it, so only under a loopback name: a web page
        # elsewhere that points its own host name at 127.0.0.1 (DNS rebinding) gets
        # nothing from it.
        app.add_middleware(LoopbackHost)
    app.add_middleware(Observe, metrics=service.metrics)
    return app


def once(request: Request, *names: str) -> None:
    """A query value that is one thing (an audience, a language), given more than
    once, is refused rather than one of its values picked."""
    for name in names:
        if len(request.query_params.getlist(name)) > 1:
            raise ApiError(400, f"{name!r} is given more than once; give it once")
