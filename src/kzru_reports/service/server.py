"""Starting ``kzru serve``: check the address against the tokens, warm the engine and
fork its workers, then answer on uvicorn in this one process.

One process, not uvicorn's ``--workers``: those would each be a separate Python
process that imports, loads fonts and compiles templates on its own, and forks its
own pool, so N of them hold N cold copies. Here the engine warms up once, forks its
workers from that warm state, and the event loop only reads requests and writes
answers; the CPU-heavy part happens in the workers, in parallel.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import uvicorn

from kzru_reports.config import Workspace
from kzru_reports.errors import UsageError
from kzru_reports.service.tokens import Tokens


def is_loopback(host: str) -> bool:
    """Whether every address ``host`` names is a loopback one (127.0.0.0/8, ::1)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(found) and all(ipaddress.ip_address(a[4][0]).is_loopback for a in found)


def url_of(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def serve(
    ws: Workspace,
    data: Path,
    host: str | None,
    port: int | None,
    workers: int | None,
    say: Callable[[str], None],
) -> None:
    """Run the service until SIGINT or SIGTERM; requests running then are finished."""
    from kzru_reports.engine import Engine, build_time_from_env, shipped_visits
    from kzru_reports.engine.options import workspace_settings
    from kzru_reports.service.app import Limits, create_app

    settings = ws.serve
    host = host or settings.host
    port = settings.port if port is None else port
    workers = workers or settings.workers or os.cpu_count() or 1
    tokens = Tokens(settings.tokens, os.environ)
    if not is_loopback(host) and not tokens.required:
        raise UsageError(
            f"refusing to listen on {host}, which is not a loopback address, without "
            "tokens: set KZRU_SERVE_TOKEN or configure [serve.tokens] in kzru.toml"
        )
    sock = _bind(host, port)
    engine = Engine(workspace_settings(ws, build_time_from_env()), workers=workers)
    try:
        limits = Limits(workers, settings.queue, settings.timeout, settings.max_body)
        app = create_app(ws, engine, tokens, limits, data)
        # the engine warms up and forks its workers before the server starts any thread
        app.state.service.warm_up(shipped_visits())
        url = url_of(host, sock.getsockname()[1])
        config = uvicorn.Config(
            app,
            log_level="info",
            timeout_graceful_shutdown=int(settings.timeout) + 1,
            # past this many open connections uvicorn itself answers 503 (plain text);
            # far above what the queue admits, it only bounds a flood of idle sockets
            limit_concurrency=1024,
            server_header=False,
            lifespan="off",
        )
        server = _Server(config, lambda: say(f"kzru serve: ready at {url}"))
        server.run(sockets=[sock])
    finally:
        engine.close()
        sock.close()


_STOP = (signal.SIGINT, signal.SIGTERM)


class _Server(uvicorn.Server):
    """uvicorn's server, saying one line once it answers."""

    def __init__(self, config: uvicorn.Config, ready: Callable[[], None]) -> None:
        super().__init__(config)
        self.ready = ready

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """SIGINT and SIGTERM stop taking new connections and let running requests
        finish (a second signal stops at once); unlike uvicorn's own, the signal is
        not raised again afterwards, so the engine is closed and the exit code is 0."""
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in _STOP}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self.ready()
            sys.stdout.flush()


def _bind(host: str, port: int) -> socket.socket:
    """The address, taken now (a port in use is reported before the warm-up) but not
    yet listening: until the server starts, a connection is refused, not queued."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {url_of(host, port)}: {exc.strerror or exc}") from None
    return sock
