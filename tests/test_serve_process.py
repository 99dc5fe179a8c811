"""A real ``kzru serve`` process on a free loopback port: the line it prints, the API
end to end over TCP, a client that sends its body slowly, a graceful shutdown, and
the web page driven in a real browser (Debian's chromium through Playwright)."""

from __future__ import annotations

import io
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from .test_service import (
    CONFIG,
    DESK,
    PRESS,
    RESTRICTED,
    SHIPPED_ID,
    SUMMIT_BODY,
    SUMMIT_ID,
    make_workspace,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Served:
    url: str
    line: str
    process: subprocess.Popen[str]
    root: Path

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(10)
        finally:
            if self.process.stdout is not None:
                self.process.stdout.close()


def start(root: Path, *args: str) -> Served:
    env = {
        **os.environ,
        "KZRU_TEST_PRESS": PRESS,
        "KZRU_TEST_DESK": DESK,
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("KZRU_SERVE_TOKEN", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "kzru_reports", "serve", "--port", "0", *args],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], 90)
    line = process.stdout.readline() if ready else ""
    found = re.search(r"http://127\.0\.0\.1:\d+", line)
    if not found:
        process.kill()
        pytest.fail(f"kzru serve did not say where it listens: {line!r}")
    return Served(found.group(), line, process, root)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = make_workspace(
        tmp_path_factory.mktemp("serve-process"), CONFIG + "\n[serve]\ntimeout = 3\n"
    )
    served = start(root, "--workers", "2")
    yield served
    assert served.stop() == 0


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_it_prints_one_line_with_its_url_when_ready(server: Served) -> None:
    assert server.line.strip() == f"kzru serve: ready at {server.url}"
    ready = httpx.get(server.url + "/readyz")
    assert ready.status_code == 200 and ready.json()["workers"] == 2


def test_the_api_end_to_end(server: Served) -> None:
    with httpx.Client(base_url=server.url, headers=bearer(DESK), timeout=30) as client:
        ids = [v["id"] for v in client.get("/v1/visits").json()["visits"]]
        assert SHIPPED_ID in ids and SUMMIT_ID in ids
        pdf = client.get(f"/v1/visits/{SHIPPED_ID}/leadership/memo.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        url = "/v1/build?audience=analyst&document=memo&format=pdf&format=docx"
        packed = client.post(url, content=SUMMIT_BODY)
        assert packed.status_code == 200
        with zipfile.ZipFile(io.BytesIO(packed.content)) as z:
            assert len(z.namelist()) == 3 and "manifest.json" in z.namelist()
        press = httpx.get(
            f"{server.url}/v1/visits/{SUMMIT_ID}/analyst/memo.pdf", headers=bearer(PRESS)
        )
        assert press.status_code == 403 and RESTRICTED not in press.text
    # nothing the service was sent was written into the workspace
    assert sorted(p.name for p in server.root.iterdir()) == ["data", "kzru.toml", "templates"]


@pytest.mark.slow
def test_a_slow_client_holds_up_no_one_and_is_cut_off_at_the_deadline(server: Served) -> None:
    host, port = server.url.removeprefix("http://").split(":")
    body = SUMMIT_BODY
    slow = socket.create_connection((host, int(port)), timeout=20)
    head = (
        f"POST /v1/validate HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {DESK}\r\n"
        f"Content-Type: application/yaml\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    slow.sendall(head.encode())
    answer = b""
    started = time.monotonic()
    try:
        for i in range(12):  # a few bytes every half second: far too slow for the body
            try:
                slow.sendall(body[i * 8 : i * 8 + 8])
            except OSError:
                break  # the server has answered and closed
            if i == 2:  # meanwhile everybody else is served at once
                quick = httpx.get(
                    f"{server.url}/v1/visits/{SUMMIT_ID}/press/memo.pdf",
                    headers=bearer(PRESS),
                    timeout=10,
                )
                assert quick.status_code == 200
            time.sleep(0.5)
        slow.settimeout(10)
        while b"\r\n\r\n" not in answer:
            chunk = slow.recv(4096)
            if not chunk:
                break
            answer += chunk
    finally:
        slow.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert time.monotonic() - started < 3 + 5
    assert httpx.get(server.url + "/readyz").status_code == 200


def test_shutdown_finishes_the_requests_already_running(tmp_path: Path) -> None:
    served = start(make_workspace(tmp_path / "ws"), "--workers", "1")
    answer: dict[str, httpx.Response] = {}

    def ask() -> None:
        answer["r"] = httpx.get(
            f"{served.url}/v1/visits/{SUMMIT_ID}/slow/memo.pdf", headers=bearer(DESK), timeout=60
        )

    asker = threading.Thread(target=ask)
    asker.start()
    for _ in range(200):  # until the slow render is under way
        metrics = httpx.get(served.url + "/metrics", timeout=10).text
        if "kzru_renders_running 1.0" in metrics:
            break
        time.sleep(0.05)
    time.sleep(0.2)
    served.process.send_signal(signal.SIGTERM)
    asker.join(60)
    assert answer["r"].status_code == 200 and answer["r"].content.startswith(b"%PDF")
    assert served.stop() == 0
    with pytest.raises(httpx.ConnectError):
        httpx.get(served.url + "/healthz", timeout=2)


BAD_VISIT = """\
schema: visit/1
id: page-test
title: Visit typed into the page
dates: {start: 2026-05-02, end: 2026-05-01}
parties:
  - {id: aa, country: Country A, role: host}
  - {id: bb, country: Country B, role: guest}
agreements:
  - {id: one, title: An agreement, kind: treaty, parties: [aa, bb]}
classification: public
"""


@pytest.mark.slow
@pytest.mark.client
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (/usr/bin/chromium)")
def test_the_web_page_in_a_real_browser(server: Served, tmp_path: Path) -> None:
    shots = Path(os.environ.get("KZRU_SCREENSHOTS", tmp_path))  # to look at the page
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(accept_downloads=True, viewport={"width": 1200, "height": 1400})
            seen: list[str] = []
            page.on("request", lambda r: seen.append(r.url))
            page.goto(server.url + "/")
            # a token is asked for once, then used for every request
            page.wait_for_selector("#token-form:not([hidden])")
            page.fill("#token", DESK)
            page.click("#token-form button[type=submit]")
            page.wait_for_selector("#build-form:not([hidden])")
            assert SUMMIT_ID in page.eval_on_selector_all(
                "#visit option", "os => os.map(o => o.value)"
            )
            assert page.eval_on_selector_all("#lang option", "os => os.map(o => o.value)") == [
                "en",
                "ru",
                "kk",
            ]

            # a workspace visit, for the press, the memo alone
            page.select_option("#visit", SUMMIT_ID)
            page.select_option("#audience", "press")
            for box in page.query_selector_all("#documents input"):
                if box.get_attribute("value") != "memo":
                    box.uncheck()
            page.click("#build")
            page.wait_for_selector("#outputs li >> nth=1")
            names = page.eval_on_selector_all("#outputs a", "as => as.map(a => a.download)")
            assert sorted(names) == [f"{SUMMIT_ID}-memo.docx", f"{SUMMIT_ID}-memo.pdf"]
            assert page.get_attribute("#preview", "src").startswith("blob:")
            assert page.is_visible("#preview")
            with page.expect_download() as caught:
                page.click(f"#outputs a[download='{SUMMIT_ID}-memo.pdf']")
            saved = tmp_path / "memo.pdf"
            caught.value.save_as(saved)
            assert saved.read_bytes().startswith(b"%PDF")
            page.screenshot(path=str(shots / "built.png"))

            # a visit file pasted in: its problems beside the lines they point at
            page.check("input[value=upload]")
            page.fill("#visit-text", BAD_VISIT)
            page.click("#validate")
            page.wait_for_selector("#listing li.bad")
            bad = page.eval_on_selector_all(
                "#listing li.bad",
                "ls => ls.map(l => [l.id, l.querySelector('.problem').textContent])",
            )
            lines = dict(bad)
            assert "end 2026-05-01 is before start 2026-05-02" in lines["line-4"]
            assert "treaty" in lines["line-9"] and "agreements[0].kind" in lines["line-9"]
            assert "problem" in page.text_content("#status")
            page.screenshot(path=str(shots / "problems.png"), full_page=True)

            # fixed, it builds: the upload goes to /v1/build and comes back as files
            fixed = BAD_VISIT.replace("2026-05-01}", "2026-05-03}").replace("treaty", "agreement")
            page.fill("#visit-text", fixed)
            page.click("#build")
            page.wait_for_selector("#outputs a[download='page-test-memo.pdf']")
            page.wait_for_selector("#outputs a[download='page-test-memo.docx']")
            names = page.eval_on_selector_all("#outputs a", "as => as.map(a => a.download)")
            assert sorted(names) == ["page-test-memo.docx", "page-test-memo.pdf"]
            assert page.is_hidden("#problems")
        finally:
            browser.close()
    # the page fetched nothing from anywhere but the service
    # (chrome: and chrome-extension: pages are the browser's own PDF viewer, showing the preview)
    own = (server.url, "blob:", "data:", "chrome:", "chrome-extension:")
    elsewhere = [u for u in seen if not u.startswith(own)]
    assert any(u.startswith("chrome-extension:") for u in seen)  # the PDF viewer ran
    assert seen and not elsewhere, elsewhere
