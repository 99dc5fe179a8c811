"""The ``serve`` scenario: a real ``kzru serve`` process on a loopback port, measured
from a client as a user's program would see it.

- ``unseen``: one memo in both formats of a visit the service has never seen
  (a new generated visit each request, uploaded to ``POST /v1/build``), one request
  at a time: p50 and p95.
- ``set``: the shipped visit's whole 24-file set (three audiences, four documents,
  two formats: one ``POST /v1/build`` per audience, the three at once), against
  LibreOffice converting only the set's 12 DOCX files to PDF, alternately.
- ``load``: a bounded run of mixed requests (documents, audiences, formats, some
  uploads) from a fixed number of concurrent clients: throughput, p50/p95/p99,
  errors, and the resident memory of the service and its workers, sampled through
  the run.

Only the loopback address is used; every loop is bounded in count and time.
"""

from __future__ import annotations

import io
import os
import re
import select
import signal
import statistics
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml
from generate import visit as make_visit

AUDIENCES = ("leadership", "analyst", "press")
DOCUMENTS = ("memo", "factsheet", "agreements", "pack")
SHIPPED_ID = "kz-ru-state-visit-2025"


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0..100), nearest rank."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass
class Service:
    url: str
    process: subprocess.Popen[str]
    _client: httpx.Client | None = None

    def client(self) -> httpx.Client:
        """One HTTP client for this service, kept until it stops (thread-safe; enough
        kept connections for the set's three requests at once)."""
        if self._client is None:
            self._client = httpx.Client(base_url=self.url, timeout=120)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def cpu_seconds(self) -> float:
        """CPU time (user and system) the service and its workers have used so far:
        what a request set costs whatever else the machine runs."""
        return sum(_cpu(pid) for pid in _tree(self.process.pid))

    def rss_mib(self) -> float:
        """Resident memory of the service and every process under it, MiB."""
        return sum(_rss(pid) for pid in _tree(self.process.pid)) / 1024


@contextmanager
def running(cwd: Path, env: dict[str, str], workers: int) -> Iterator[Service]:
    """``kzru serve`` on a free loopback port until the block ends (then SIGTERM)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "kzru_reports", "serve", "--port", "0", "--workers", str(workers)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 120)
        line = process.stdout.readline() if ready else ""
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        if not found:
            raise RuntimeError(f"kzru serve did not start: {line!r}")
        service = Service(found.group(), process)
        try:
            yield service
        finally:
            service.close()
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _tree(pid: int) -> list[int]:
    found = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                for child in fh.read().split():
                    found += _tree(int(child))
    except OSError:
        pass
    return found


def _cpu(pid: int) -> float:
    """Seconds of CPU one live process has used (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss(pid: int) -> float:
    """Resident KiB of one process (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return float(line.split()[1])
    except OSError:
        pass
    return 0.0


def visit_yaml(seed: int) -> bytes:
    data = make_visit(seed, prefix="unseen")
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


def unseen(service: Service, count: int) -> list[float]:
    """Seconds per request: one memo, PDF and DOCX, of a new visit each time."""
    times = []
    url = "/v1/build?audience=analyst&document=memo&format=pdf&format=docx"
    with httpx.Client(base_url=service.url, timeout=60) as client:
        for i in range(count + 3):  # three requests to warm the connection first
            body = visit_yaml(10_000 + i)
            started = time.perf_counter()
            r = client.post(url, content=body, headers={"Content-Type": "application/yaml"})
            took = time.perf_counter() - started
            if r.status_code != 200:
                raise RuntimeError(f"unseen: {r.status_code} {r.text[:300]}")
            if i >= 3:
                times.append(took)
    return times


def whole_set(service: Service, keep: Path | None = None) -> float:
    """Seconds for the shipped visit's 24 files (three requests at once); with
    ``keep``, the DOCX files are written there. The requests go through one client
    kept for the service's lifetime, as a program calling the service keeps one (and
    as ``unseen`` and ``load`` do): a client made per request set up a new
    connection and TLS context each time, some 15 ms of the client's own CPU a
    request, which was a sixth of the measured time and none of the service's."""
    body = Path(__file__).resolve().parents[1] / "data" / "visits" / f"{SHIPPED_ID}.yaml"
    data = body.read_bytes()
    client = service.client()

    def one(audience: str) -> bytes:
        query = "&".join(
            [f"audience={audience}"]
            + [f"document={d}" for d in DOCUMENTS]
            + ["format=docx", "format=pdf"]
        )
        r = client.post(f"/v1/build?{query}", content=data, timeout=120)
        if r.status_code != 200:
            raise RuntimeError(f"set: {r.status_code} {r.text[:300]}")
        return r.content

    started = time.perf_counter()
    with ThreadPoolExecutor(len(AUDIENCES)) as pool:
        zips = list(pool.map(one, AUDIENCES))
    took = time.perf_counter() - started
    files = 0
    for blob in zips:
        with zipfile.ZipFile(io.BytesIO(blob)) as z:
            for name in z.namelist():
                if name == "manifest.json":
                    continue
                files += 1
                if keep is not None and name.endswith(".docx"):
                    keep.mkdir(parents=True, exist_ok=True)
                    (keep / name.replace("/", "_")).write_bytes(z.read(name))
    if files != 24:
        raise RuntimeError(f"set: {files} files, not 24")
    return took


@dataclass
class Load:
    seconds: float = 0.0
    times: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    memory: list[tuple[float, float]] = field(default_factory=list)  # (seconds, MiB)

    @property
    def ok(self) -> int:
        return len(self.times)


def requests_for(count: int) -> list[Callable[[httpx.Client], httpx.Response]]:
    """A fixed mix: workspace outputs of every audience, document and format, and one
    upload in ten (a generated visit, memo PDF)."""
    mix: list[Callable[[httpx.Client], httpx.Response]] = []
    for i in range(count):
        if i % 10 == 9:
            body = visit_yaml(20_000 + i % 50)
            mix.append(
                lambda c, b=body: c.post(
                    "/v1/build?audience=press&document=memo&format=pdf", content=b
                )
            )
            continue
        audience = AUDIENCES[i % 3]
        document = DOCUMENTS[(i // 3) % 4]
        fmt = ("pdf", "docx")[(i // 12) % 2]
        path = f"/v1/visits/{SHIPPED_ID}/{audience}/{document}.{fmt}"
        mix.append(lambda c, p=path: c.get(p))
    return mix


def load(service: Service, count: int, clients: int, limit: float = 600.0) -> Load:
    """``count`` mixed requests from ``clients`` concurrent clients (stopping early, and
    saying so, if ``limit`` seconds pass)."""
    result = Load()
    queue = list(enumerate(requests_for(count)))
    lock = threading.Lock()
    done = threading.Event()
    started = time.perf_counter()

    def sample() -> None:
        while not done.wait(0.5):
            result.memory.append((time.perf_counter() - started, service.rss_mib()))

    def client() -> None:
        with httpx.Client(base_url=service.url, timeout=60) as c:
            while time.perf_counter() - started < limit:
                with lock:
                    if not queue:
                        return
                    _, call = queue.pop(0)
                t = time.perf_counter()
                try:
                    r = call(c)
                    key = "" if r.status_code == 200 else str(r.status_code)
                except httpx.HTTPError as exc:
                    key = type(exc).__name__
                took = time.perf_counter() - t
                with lock:
                    if key:
                        result.errors[key] = result.errors.get(key, 0) + 1
                    else:
                        result.times.append(took)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    result.memory.append((0.0, service.rss_mib()))
    with ThreadPoolExecutor(clients) as pool:
        for f in [pool.submit(client) for _ in range(clients)]:
            f.result()
    result.seconds = time.perf_counter() - started
    done.set()
    watcher.join()
    result.memory.append((result.seconds, service.rss_mib()))
    if queue:
        result.errors["not sent (time limit)"] = len(queue)
    return result


def summary(times: list[float]) -> str:
    ms = [t * 1000 for t in times]
    return (
        f"p50 {statistics.median(ms):.0f} ms, p95 {percentile(ms, 95):.0f} ms, "
        f"p99 {percentile(ms, 99):.0f} ms"
    )
