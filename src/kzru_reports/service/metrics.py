"""Prometheus metrics of the service, and the outermost layer of every request:
it notes the arrival time (deadlines count from it), adds the security headers
and counts the answer by endpoint and status."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily
from prometheus_client.process_collector import ProcessCollector

from kzru_reports.service.admission import Admission

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Message, Receive, Send], Awaitable[None]]

# The page loads only its own script and style; previews are blob: URLs it made.
PAGE_POLICY = (
    "default-src 'self'; frame-src 'self' blob:; object-src 'self' blob:; "
    "img-src 'self' data: blob:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),  # answers may be restricted: no cache keeps them
    (b"content-security-policy", PAGE_POLICY.encode()),
]


class Metrics:
    """One registry per application (tests make many)."""

    def __init__(self, admission: Admission, engine: Any) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "kzru_http_requests",
            "HTTP requests answered, by endpoint, method and status",
            ["endpoint", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "kzru_http_request_duration_seconds",
            "Time from a request's arrival to its answer, by endpoint",
            ["endpoint"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=self.registry,
        )
        queued = Gauge("kzru_queue_depth", "Requests waiting for a worker", registry=self.registry)
        queued.set_function(lambda: admission.queued)
        running = Gauge("kzru_renders_running", "Requests a worker is on", registry=self.registry)
        running.set_function(lambda: admission.running)
        self.registry.register(_Restarts(engine))
        workers = Gauge("kzru_workers", "Worker processes alive", registry=self.registry)
        workers.set_function(lambda: len(engine.worker_pids))
        ProcessCollector(registry=self.registry)

    def observe(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(endpoint, method, str(status)).inc()
        self.latency.labels(endpoint).observe(seconds)

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class _Restarts:
    """The engine's count of replaced workers, read when scraped."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "kzru_worker_restarts",
            "Workers replaced after being killed past a deadline or dying under a render",
        )
        family.add_metric([], float(self.engine.restarts))
        yield family


class Observe:
    """ASGI middleware: arrival time, security headers, request metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        scope["kzru.arrival"] = started
        status = 500

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *((k, v) for k, v in HEADERS if k not in names),
                ]
            await send(message)

        try:
            await self.app(scope, receive, answer)
        finally:
            route = scope.get("route")
            endpoint = getattr(route, "path", None) or "unmatched"
            self.metrics.observe(
                endpoint, scope.get("method", ""), status, time.monotonic() - started
            )
