"""The engine's worker processes: forked once, warm, replaced one by one.

The engine forks one *zygote* process after it has warmed up (libraries imported,
fonts parsed, templates compiled), while nothing else is going on; every worker is
forked from the zygote, so a worker started to replace a dead or killed one starts
as warm as the first, and is never forked from an engine that has threads running
(a service's request handlers). Each worker does one task at a time; a task past its
deadline has its worker killed from outside (``SIGKILL``: a loop in a C library
cannot ignore it) and the next task gets a fresh worker. Workers end with the
engine: when it closes, when it is killed (their pipe to it closes), or when
their zygote is gone.

The zygote reaps the workers it forked and the engine reaps the zygote when it
closes, so the CPU time the workers spent is counted in the engine's own process
accounting (``os.wait4``, ``/usr/bin/time``), as it was when builds forked their
workers directly.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, Pipe
from multiprocessing.reduction import recv_handle, send_handle
from typing import Any

from kzru_reports.errors import RenderError, RenderTimeout, WorkerLost
from kzru_reports.limits import apply_worker_limits

ZYGOTE_EXIT_SECONDS = 1.0  # given to the zygote to reap its workers when the pool closes


@dataclass
class _Worker:
    pid: int
    conn: Connection


class WorkerPool:
    """Up to ``size`` worker processes, started on first use from a warm zygote."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._all: dict[int, _Worker] = {}
        self._count = 0  # workers alive or being started
        self._zygote: tuple[int, Connection] | None = None
        self._zlock = threading.Lock()
        self._closed = False
        self.replaced = 0  # workers that died or were killed and were replaced

    @property
    def started(self) -> bool:
        return self._zygote is not None

    def start(self) -> None:
        """Fork the zygote now (the caller has warmed up what workers will need)."""
        with self._zlock:
            if self._zygote is None and not self._closed:
                self._zygote = _fork_zygote()

    def pids(self) -> list[int]:
        """The process ids of the workers alive now."""
        with self._cond:
            return sorted(self._all)

    def call(self, fn: Callable[..., Any], args: tuple[Any, ...], deadline: float | None) -> Any:
        """``fn(*args)`` in a worker; its result, or the exception it raised.

        ``deadline`` (``time.monotonic()``) passed: the worker is killed and
        ``RenderTimeout`` raised; the worker died: ``WorkerLost``."""
        worker = self._acquire()
        healthy = False
        try:
            try:
                worker.conn.send((fn, args))
                wait = None if deadline is None else max(0.0, deadline - time.monotonic())
                if not worker.conn.poll(wait):
                    raise RenderTimeout("the render ran past its time limit and was stopped")
                status, value = worker.conn.recv()
            except (EOFError, OSError) as exc:
                raise WorkerLost(
                    "a worker process ended while rendering (killed, or out of memory); "
                    "it has been replaced"
                ) from exc
            healthy = True
        finally:
            self._release(worker, healthy)
        if status == "error":
            raise value
        return value

    def close(self) -> None:
        """Stop every worker and the zygote; no process of the pool is left."""
        with self._cond:
            self._closed = True
            workers = list(self._all.values())
            self._all.clear()
            self._idle.clear()
            self._count = 0
            self._cond.notify_all()
        for w in workers:
            _kill(w)
        self._stop_zygote(wait=ZYGOTE_EXIT_SECONDS)

    def restart(self) -> None:
        """Drop every worker and the zygote (their warm state is stale); the next task
        starts from a new zygote, forked after the caller warms up again."""
        with self._cond:
            idle, self._idle = self._idle, []
            for w in idle:
                self._all.pop(w.pid, None)
                self._count -= 1
        for w in idle:
            _kill(w)
        self._stop_zygote()

    # ---------------------------------------------------------------- internals

    def _acquire(self) -> _Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise RenderError("the engine is closed")
                if self._idle:
                    return self._idle.pop()
                if self._count < self.size:
                    self._count += 1
                    break
                self._cond.wait()
        try:
            worker = self._spawn()
        except BaseException:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            raise
        with self._cond:
            self._all[worker.pid] = worker
        return worker

    def _release(self, worker: _Worker, healthy: bool) -> None:
        with self._cond:
            if healthy and not self._closed and worker.pid in self._all:
                self._idle.append(worker)
            else:
                if self._all.pop(worker.pid, None) is not None:
                    self._count -= 1
                    if not self._closed:
                        self.replaced += 1
            self._cond.notify()
        if not healthy:
            _kill(worker)

    def _spawn(self) -> _Worker:
        with self._zlock:
            for attempt in (1, 2):
                if self._closed:
                    raise RenderError("the engine is closed")
                if self._zygote is None:
                    self._zygote = _fork_zygote()
                _, conn = self._zygote
                try:
                    conn.send("spawn")
                    fd = recv_handle(conn)
                    pid = conn.recv()
                    return _Worker(pid, Connection(fd))
                except (EOFError, OSError):
                    if attempt == 2:
                        raise
                    self._stop_zygote_locked()
        raise AssertionError("unreachable")

    def _stop_zygote(self, wait: float = 0.0) -> None:
        with self._zlock:
            self._stop_zygote_locked(wait)

    def _stop_zygote_locked(self, wait: float = 0.0) -> None:
        """Close the zygote's pipe; it then kills and reaps its workers and ends.
        ``wait`` seconds are given to it for that (so that their CPU time is
        accounted to this process), after which it is killed."""
        if self._zygote is None:
            return
        pid, conn = self._zygote
        self._zygote = None
        conn.close()
        deadline = time.monotonic() + wait
        while True:
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                return
            if done or time.monotonic() >= deadline:
                break
            time.sleep(0.001)
        if not done:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _kill(worker: _Worker) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(worker.pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        worker.conn.close()


def _fork_zygote() -> tuple[int, Connection]:
    ours, theirs = Pipe()
    engine = os.getpid()
    pid = os.fork()
    if pid == 0:  # the zygote
        code = 0
        try:
            ours.close()
            _zygote_main(theirs, engine)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    theirs.close()
    return pid, ours


def _zygote_main(conn: Connection, engine: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the engine's to handle
    # What the engine warmed up (modules, fonts, templates) lives as long as every
    # worker: the cycle collector need not walk it again in any of them, and leaving
    # it untouched keeps its memory pages shared with the zygote rather than copied.
    gc.freeze()
    children: set[int] = set()
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):  # the engine closed the pool, or is gone
            _end_workers(children)
            return
        _reap(children, block=False)  # workers the engine killed or that died
        if request != "spawn":
            continue
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:  # a worker
            code = 0
            try:
                conn.close()
                ours.close()
                _worker_main(Connection(theirs.detach()), engine)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        children.add(pid)
        theirs.close()
        send_handle(conn, ours.fileno(), engine)
        ours.close()
        conn.send(pid)


def _reap(children: set[int], block: bool) -> None:
    """Collect the workers that have ended (all of them, waiting, with ``block``)."""
    while children:
        try:
            pid, _ = os.waitpid(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            children.clear()
            return
        if pid == 0:
            return
        children.discard(pid)


def _end_workers(children: set[int]) -> None:
    """The engine is gone or closed the pool: no worker outlives it."""
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    _reap(children, block=True)


def _worker_main(conn: Connection, engine: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    apply_worker_limits()  # its memory bounded before it takes a task
    # it only makes documents: the cycle collector runs as seldom as while writing one
    # (``writers.fewer_collections``), templating and all (a tenth of a render's CPU)
    from kzru_reports.writers import RENDERING_GC

    gc.set_threshold(*RENDERING_GC)
    _exit_with(os.getppid())
    while True:
        try:
            fn, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[str, Any] = ("ok", fn(*args))
        except BaseException as exc:
            reply = ("error", exc)
        try:
            conn.send(reply)
        except Exception as exc:  # an unpicklable result or error
            conn.send(("error", RenderError(f"internal error: {type(exc).__name__}: {exc}")))


def _exit_with(zygote: int) -> None:
    """End this worker as soon as its zygote is gone (the engine killed): an orphan
    would keep files the engine had open, such as an output folder's lock."""

    def watch() -> None:
        while os.getppid() == zygote:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
