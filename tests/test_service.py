"""``kzru serve`` in process: the API of docs/service.md on the real engine, through an
ASGI client. Tokens and audiences, the classification filter, bad input of every
kind, a runaway template, a worker killed mid-request, two hundred requests at once;
after each, the service still answers correctly.

The end-to-end tests of a real ``kzru serve`` process (slow clients, shutdown, the
web page in a browser) are in ``test_serve_process.py``.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import re
import signal
import threading
import time
import zipfile
from collections.abc import AsyncIterator, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import anyio.from_thread
import httpx
import pytest
from click.testing import CliRunner

from kzru_reports.api import shipped_visits, validate
from kzru_reports.cli import main
from kzru_reports.config import load_workspace
from kzru_reports.engine import Engine
from kzru_reports.engine.options import workspace_settings
from kzru_reports.errors import ConfigError, DataError
from kzru_reports.service.app import Limits, create_app
from kzru_reports.service.tokens import SERVE_TOKEN_ENV, Tokens

from .readers import SHIPPED, SUMMIT, pdf_text

CORPUS = Path(__file__).parent / "corpus"
# The summit with a public default, so that the press sees most of it (its official
# items and restricted point stay withheld): as it ships, official throughout, the
# press may see nothing of it and is given no document of it (as kzru build writes none)
SUMMIT_BODY = (
    SUMMIT.read_text("utf-8")
    .replace("classification: official", "classification: public", 1)
    .encode("utf-8")
)
PRESS = "press-secret-0123456789"
DESK = "desk-secret-9876543210"
ALL = "all-audiences-secret-5555"  # KZRU_SERVE_TOKEN: every audience
SHIPPED_ID = "kz-ru-state-visit-2025"
SUMMIT_ID = "astana-summit-2026"
SECRET_ID = "closed-talks-2026"
RESTRICTED = "ZZ-RESTRICTED-MARKER"
# a template that would run for hours (the sandbox's own limit is far longer than
# the service's deadline): only killing its worker stops it in time
FOREVER = "{% for i in range(100000) %}{% for j in range(100000) %}{{ '' }}{% endfor %}{% endfor %}"
# the built-in memo after a few busy seconds: long enough to kill its worker under it
SLOW = (
    '{% extends "builtin/memo.xml.j2" %}{% block header %}'
    "{% for i in range(100000) %}{% for j in range(40) %}{% endfor %}{% endfor %}"
    "{{ super() }}{% endblock %}"
)
CONFIG = """\
data = "data"
templates = "templates"

[audiences.runaway]
base = "press"
templates = {memo = "forever.xml.j2"}

[audiences.slow]
base = "analyst"
templates = {memo = "slow.xml.j2"}

[serve.tokens.press-office]
env = "KZRU_TEST_PRESS"
audiences = ["press"]

[serve.tokens.desk]
env = "KZRU_TEST_DESK"
audiences = ["leadership", "analyst", "press", "runaway", "slow"]
"""


class Client:
    """A synchronous client of an ASGI app (httpx's, on an event loop in a thread)."""

    def __init__(self, app: object) -> None:
        self._portal = anyio.from_thread.start_blocking_portal()
        self.portal = self._portal.__enter__()
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        self.client = httpx.AsyncClient(transport=transport, base_url="http://test", timeout=60)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.portal.call(self.client.aclose)
        self._portal.__exit__(None, None, None)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.portal.call(partial(self.client.request, method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)


def make_workspace(root: Path, config: str = CONFIG) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "templates").mkdir()
    (root / "data" / SHIPPED.name).write_bytes(SHIPPED.read_bytes())
    (root / "data" / SUMMIT.name).write_bytes(SUMMIT_BODY)
    secret = SUMMIT.read_text("utf-8").replace(f"id: {SUMMIT_ID}", f"id: {SECRET_ID}")
    secret = secret.replace("classification: official", "classification: restricted", 1)
    (root / "data" / "closed-talks.yaml").write_text(secret, "utf-8")
    (root / "data" / "broken.yaml").write_text("schema: visit/1\nid: [not, a, slug]\n", "utf-8")
    (root / "templates" / "forever.xml.j2").write_text(FOREVER, "utf-8")
    (root / "templates" / "slow.xml.j2").write_text(SLOW, "utf-8")
    (root / "kzru.toml").write_text(config, "utf-8")
    return root


def make_app(root: Path, workers: int, queue: int, timeout: float) -> tuple[object, Engine]:
    ws = load_workspace(root)
    engine = Engine(workspace_settings(ws), workers=workers)
    environ = {"KZRU_TEST_PRESS": PRESS, "KZRU_TEST_DESK": DESK, SERVE_TOKEN_ENV: ALL}
    tokens = Tokens(ws.serve.tokens, environ)
    app = create_app(ws, engine, tokens, Limits(workers, queue, timeout, 256 * 1024), root / "data")
    app.state.service.warm_up(shipped_visits())
    return app, engine


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, Engine]]:
    root = make_workspace(tmp_path_factory.mktemp("serve-ws"))
    app, engine = make_app(root, workers=2, queue=8, timeout=20.0)
    yield app, engine
    engine.close()


@pytest.fixture(scope="module")
def client(served: tuple[object, Engine]) -> Iterator[Client]:
    with Client(served[0]) as c:  # type: ignore[arg-type]
        yield c


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


DESK_H = auth(DESK)
ALL_H = auth(ALL)
PRESS_H = auth(PRESS)


def answers_correctly(client: Client) -> None:
    """What every test ends with: the service is ready and builds a memo."""
    assert client.get("/readyz").status_code == 200
    r = client.get(f"/v1/visits/{SUMMIT_ID}/press/memo.pdf", headers=PRESS_H)
    assert r.status_code == 200, r.text
    assert r.content.startswith(b"%PDF")


def error_of(r: httpx.Response, status: int) -> str:
    assert r.status_code == status, (r.status_code, r.text[:500])
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert isinstance(body["error"], str) and body["error"]
    leaks = ("Traceback", "/tmp", "/home", "/usr", "site-packages", "kzru_reports/")
    assert not any(s in r.text for s in leaks), r.text
    return str(body["error"])


# ------------------------------------------------------------------ operations


def test_health_readiness_and_metrics(client: Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["workers"] >= 1
    client.get("/v1/visits", headers=DESK_H)
    metrics = client.get("/metrics").text
    for name in (
        "kzru_http_requests_total",
        "kzru_http_request_duration_seconds_bucket",
        "kzru_queue_depth",
        "kzru_worker_restarts_total",
        "kzru_workers",
        "process_resident_memory_bytes",
    ):
        assert name in metrics, name
    assert re.search(
        r'kzru_http_requests_total\{endpoint="/v1/visits",method="GET",status="200"\}', metrics
    )


def test_the_openapi_document_describes_every_endpoint(client: Client) -> None:
    doc = client.get("/openapi.json").json()
    paths = doc["paths"]
    for path, method in [
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
        ("/v1/visits", "get"),
        ("/v1/validate", "post"),
        ("/v1/visits/{visit}/{audience}/{filename}", "get"),
        ("/v1/build", "post"),
    ]:
        assert method in paths[path], path
    build = paths["/v1/build"]["post"]
    assert {"application/yaml", "application/json"} <= set(build["requestBody"]["content"])
    assert {"413", "422", "429", "504"} <= set(build["responses"])
    assert "bearer" in json.dumps(doc["components"]["securitySchemes"]).lower()


def test_the_page_and_its_assets_are_served_with_a_strict_policy(client: Client) -> None:
    page = client.get("/")
    assert page.status_code == 200 and '<form id="build-form"' in page.text
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "cdn" not in page.text.lower()
    assert "http" not in re.sub(r'xmlns="[^"]+"', "", page.text)  # nothing from elsewhere
    for asset in ("/page/app.js", "/page/style.css"):
        assert client.get(asset).status_code == 200
    assert page.headers["x-content-type-options"] == "nosniff"


# ------------------------------------------------------------------ tokens


def test_requests_without_a_valid_token_are_refused(client: Client) -> None:
    missing = client.get("/v1/visits")
    assert error_of(missing, 401) and missing.headers["www-authenticate"] == "Bearer"
    error_of(client.get("/v1/visits", headers=auth("not-the-token")), 401)
    error_of(client.get("/v1/visits", headers={"Authorization": PRESS}), 401)  # no "Bearer"
    error_of(client.post("/v1/build?audience=press", content=b"x"), 401)
    answers_correctly(client)


def test_a_press_token_gets_nothing_beyond_press(client: Client) -> None:
    for audience in ("analyst", "leadership", "no-such-audience"):
        r = client.get(f"/v1/visits/{SUMMIT_ID}/{audience}/memo.pdf", headers=PRESS_H)
        message = error_of(r, 403)
        assert "known" not in message and "analyst" not in message.replace(audience, "")
    body = SUMMIT_BODY
    r = client.post("/v1/build?audience=analyst", content=body, headers=PRESS_H)
    error_of(r, 403)
    # the two answers of a refused audience look alike whether or not it exists
    a = client.get(f"/v1/visits/{SUMMIT_ID}/analyst/memo.pdf", headers=PRESS_H).json()
    b = client.get(f"/v1/visits/{SUMMIT_ID}/nobody/memo.pdf", headers=PRESS_H).json()
    assert a["error"].replace("analyst", "X") == b["error"].replace("nobody", "X")
    options = client.get("/v1/options", headers=PRESS_H).json()
    assert [a["name"] for a in options["audiences"]] == ["press"]
    answers_correctly(client)


def test_the_classification_filter_runs_per_request(client: Client) -> None:
    press = client.get(f"/v1/visits/{SUMMIT_ID}/press/memo.pdf", headers=PRESS_H)
    analyst = client.get(f"/v1/visits/{SUMMIT_ID}/analyst/memo.pdf", headers=DESK_H)
    press_again = client.get(f"/v1/visits/{SUMMIT_ID}/press/memo.pdf", headers=DESK_H)
    assert RESTRICTED in pdf_text(analyst.content)
    assert RESTRICTED not in pdf_text(press.content)
    assert press.content == press_again.content  # the same file whoever asks
    # a visit whose very title is restricted is listed to a press token by its parties
    listed = {v["id"]: v for v in client.get("/v1/visits", headers=PRESS_H).json()["visits"]}
    desk = {v["id"]: v for v in client.get("/v1/visits", headers=DESK_H).json()["visits"]}
    assert desk[SECRET_ID]["title"] == desk[SUMMIT_ID]["title"]
    assert listed[SECRET_ID]["title"] != desk[SECRET_ID]["title"]
    assert "Қазақстан" in listed[SECRET_ID]["title"]


def test_an_audience_that_may_see_nothing_of_a_visit_gets_no_document(client: Client) -> None:
    """As ``kzru build`` writes nothing for an audience that may see nothing of a
    visit, the service makes no empty document that would look like a real one: 404
    for a workspace visit, 422 for an upload, saying nothing of what is withheld."""
    from kzru_reports.audiences import BUILTIN
    from kzru_reports.engine import VisitSource
    from kzru_reports.handling import nothing_to_show

    summit = SUMMIT.read_text("utf-8")
    secret = summit.replace("classification: official", "classification: restricted", 1)
    with Engine(workers=0) as engine:  # the press may see nothing of it
        assert nothing_to_show(engine.load(VisitSource(secret)), BUILTIN["press"]) is not None
    for headers in (PRESS_H, DESK_H):
        r = client.get(f"/v1/visits/{SECRET_ID}/press/memo.pdf", headers=headers)
        message = error_of(r, 404)
        assert "press" in message and not re.search(r"\d", message)  # no count of what is held back
        assert RESTRICTED not in message
    r = client.post("/v1/build?audience=press", content=secret.encode(), headers=PRESS_H)
    error_of(r, 422)
    # what the audience may see of it is made as before
    assert client.get(f"/v1/visits/{SECRET_ID}/analyst/memo.pdf", headers=DESK_H).status_code == 200
    assert client.get(f"/v1/visits/{SUMMIT_ID}/press/memo.pdf", headers=PRESS_H).status_code == 200


def test_a_value_given_twice_is_refused_not_one_picked(client: Client) -> None:
    url = f"/v1/visits/{SHIPPED_ID}/press/memo.pdf"
    assert "'lang' is given more than once" in error_of(
        client.get(f"{url}?lang=ru&lang=kk", headers=PRESS_H), 400
    )
    twice = "/v1/build?audience=press&audience=analyst"
    r = client.post(twice, content=SUMMIT_BODY, headers=DESK_H)
    assert "'audience'" in error_of(r, 400)
    assert client.get(f"{url}?lang=kk", headers=PRESS_H).status_code == 200
    assert client.get(f"{url}?lang=", headers=PRESS_H).status_code == 200  # empty: the default


def test_tokens_come_from_the_environment_and_are_checked_at_start() -> None:
    ws = load_workspace(SHIPPED.parent)
    assert not Tokens(ws.serve.tokens, {}).required
    one = Tokens((), {SERVE_TOKEN_ENV: "s3cret"})
    assert one.required and one.grant("s3cret") is not None and one.grant("s3cre") is None
    assert one.grant("s3cret").allows("analyst")  # type: ignore[union-attr]
    from kzru_reports.config import TokenRule

    rule = TokenRule("press-office", "KZRU_T", ("press",))
    with pytest.raises(ConfigError, match="KZRU_T is not set"):
        Tokens([rule], {})
    with pytest.raises(ConfigError, match="same secret"):
        Tokens([rule], {"KZRU_T": "x", SERVE_TOKEN_ENV: "x"})


def test_the_serve_table_is_checked_like_the_rest_of_the_config(tmp_path: Path) -> None:
    (tmp_path / "kzru.toml").write_text(
        "[serve]\nport = 70000\nqueue = true\ntimout = 3\n"
        '[serve.tokens.p]\nenv = "KZRU_X"\naudiences = ["pres"]\n'
        '[serve.tokens.q]\nenv = "a secret"\naudiences = ["press"]\n',
        "utf-8",
    )
    with pytest.raises(DataError) as caught:
        load_workspace(tmp_path)
    text = "\n".join(str(p) for p in caught.value.problems())
    assert "kzru.toml:2: serve.port: 70000 is outside 0..65535" in text
    assert "serve.queue: expected a whole number, got bool" in text
    assert "kzru.toml:4: serve.timout: unknown key (did you mean 'timeout'?)" in text
    assert (
        "serve.tokens.p.audiences: 'pres' is not one of" in text and "did you mean 'press'" in text
    )
    assert "serve.tokens.q.env: the name of the environment variable" in text
    (tmp_path / "kzru.toml").write_text(
        '[serve]\nhost = "::1"\nport = 9000\nqueue = 0\ntimeout = 2.5\n'
        '[serve.tokens.p]\nenv = "KZRU_X"\naudiences = ["press"]\n',
        "utf-8",
    )
    serve = load_workspace(tmp_path).serve
    assert (serve.host, serve.port, serve.queue, serve.timeout) == ("::1", 9000, 0, 2.5)
    assert [(t.name, t.env, t.audiences) for t in serve.tokens] == [("p", "KZRU_X", ("press",))]


def test_a_public_address_is_refused_without_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SERVE_TOKEN_ENV, raising=False)
    monkeypatch.chdir(SHIPPED.parent)
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 2
    assert "not a loopback address" in result.output and "KZRU_SERVE_TOKEN" in result.output


# ------------------------------------------------------------------ workspace visits


def test_visits_are_listed_and_built_as_kzru_build_names_them(client: Client) -> None:
    visits = client.get("/v1/visits", headers=DESK_H).json()["visits"]
    ids = [v["id"] for v in visits]
    assert ids == [SECRET_ID, SHIPPED_ID, SUMMIT_ID]  # in file name order; broken.yaml is not
    shipped = next(v for v in visits if v["id"] == SHIPPED_ID)
    assert shipped["file"] == SHIPPED.name and shipped["dates"]["start"]
    pdf = client.get(f"/v1/visits/{SHIPPED_ID}/analyst/memo.pdf", headers=DESK_H)
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == (f'attachment; filename="{SHIPPED_ID}-memo.pdf"')
    docx = client.get(f"/v1/visits/{SHIPPED_ID}/press/factsheet.docx", headers=DESK_H)
    assert docx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert docx.content.startswith(b"PK")
    assert docx.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v1/visits/no-such-visit/press/memo.pdf", 404),
        (f"/v1/visits/{SUMMIT_ID}/no-such-audience/memo.pdf", 404),
        (f"/v1/visits/{SUMMIT_ID}/press/minutes.pdf", 404),
        (f"/v1/visits/{SUMMIT_ID}/press/memo.odt", 404),
        (f"/v1/visits/{SUMMIT_ID}/press/memo", 404),
        (f"/v1/visits/{SUMMIT_ID}/press/memo.pdf?lang=xx", 400),
        (f"/v1/visits/{SUMMIT_ID}/press/memo.pdf?lang=../../etc", 400),
        ("/v1/visits/..%2F..%2Fetc%2Fpasswd/press/memo.pdf", 404),
        ("/v1/visits/%2Fetc%2Fpasswd/press/memo.pdf", 404),
        ("/v1/visits/../../../etc/passwd/press/memo.pdf", 404),
        (f"/v1/visits/{SUMMIT_ID}/..%2F..%2Fkzru.toml/memo.pdf", 404),
        ("/v1/visits/broken/press/memo.pdf", 404),
        ("/v1/nothing", 404),
    ],
)
def test_unknown_names_and_paths_are_refused(client: Client, path: str, status: int) -> None:
    error_of(client.get(path, headers=ALL_H), status)
    answers_correctly(client)


def test_a_document_the_audience_does_not_get_is_not_found(client: Client) -> None:
    leadership = load_workspace(SHIPPED.parent).audiences["leadership"]
    missing = [d for d in ("memo", "factsheet", "agreements", "pack") if not leadership.gets(d)]
    for document in missing:
        error_of(
            client.get(f"/v1/visits/{SUMMIT_ID}/leadership/{document}.pdf", headers=DESK_H), 404
        )


# ------------------------------------------------------------------ uploads


def test_a_good_upload_validates_and_builds(client: Client) -> None:
    body = SUMMIT_BODY
    ok = client.post(
        "/v1/validate", content=body, headers={**PRESS_H, "Content-Type": "application/yaml"}
    )
    assert ok.status_code == 200 and ok.json() == {"ok": True, "problems": []}
    one = client.post(
        "/v1/build?audience=press&document=memo&format=pdf", content=body, headers=PRESS_H
    )
    assert one.status_code == 200 and one.headers["content-type"] == "application/pdf"
    assert one.headers["content-disposition"] == f'attachment; filename="{SUMMIT_ID}-memo.pdf"'
    assert RESTRICTED not in pdf_text(one.content)
    workspace = client.get(f"/v1/visits/{SUMMIT_ID}/press/memo.pdf", headers=PRESS_H)
    assert one.content == workspace.content  # the same file from either way in


def test_several_outputs_come_as_a_reproducible_zip_with_a_manifest(client: Client) -> None:
    body = SUMMIT_BODY
    url = "/v1/build?audience=analyst&document=memo&document=factsheet&format=pdf&format=docx"
    first = client.post(url, content=body, headers=DESK_H)
    second = client.post(url, content=body, headers=DESK_H)
    assert first.status_code == 200 and first.headers["content-type"] == "application/zip"
    assert first.content == second.content
    with zipfile.ZipFile(io.BytesIO(first.content)) as z:
        manifest = json.loads(z.read("manifest.json"))
        names = sorted(n for n in z.namelist() if n != "manifest.json")
        assert names == sorted(o["path"] for o in manifest["outputs"])
        assert len(names) == 4
        for o in manifest["outputs"]:
            data = z.read(o["path"])
            assert hashlib.sha256(data).hexdigest() == o["sha256"] and len(data) == o["bytes"]
            assert o["path"] == f"{SUMMIT_ID}/analyst/{SUMMIT_ID}-{o['document']}.{o['format']}"
            assert o["lang"] == "en"
            # compressed formats stored as they are, not deflated a second time
            assert z.getinfo(o["path"]).compress_type == zipfile.ZIP_STORED


def test_a_json_upload_is_read_as_json(client: Client) -> None:
    import yaml

    data = yaml.safe_load(SUMMIT_BODY)
    body = json.dumps(data, default=str).encode()
    r = client.post(
        "/v1/build?audience=press&document=memo&format=pdf",
        content=body,
        headers={**PRESS_H, "Content-Type": "application/json"},
    )
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


CORPUS_FILES = sorted(p.name for p in CORPUS.iterdir() if p.is_file())


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_every_corpus_file_gets_the_problems_the_cli_prints(client: Client, name: str) -> None:
    file = CORPUS / name
    expected = [
        {"line": p.line, "column": p.column, "path": p.path, "message": p.message}
        for p in validate([file]).errors
    ]
    kind = "application/json" if name.endswith(".json") else "application/yaml"
    headers = {**DESK_H, "Content-Type": kind}
    checked = client.post("/v1/validate", content=file.read_bytes(), headers=headers)
    built = client.post(
        "/v1/build?audience=analyst&document=memo&format=pdf",
        content=file.read_bytes(),
        headers=headers,
    )
    if not expected:
        assert checked.status_code == 200 and checked.json()["ok"] is True
        assert built.status_code == 200
        return
    error_of(checked, 422)
    assert checked.json()["ok"] is False
    assert _messages(checked.json()["problems"]) == _messages(expected)
    error_of(built, 422)
    assert _messages(built.json()["problems"]) == _messages(expected)


def _messages(problems: list[dict[str, object]]) -> list[tuple[object, ...]]:
    """Problems as compared: the CLI names the file where the upload says nothing."""
    return [
        (p["line"], p["column"], p["path"], str(p["message"]).replace(str(CORPUS) + "/", ""))
        for p in problems
    ]


def test_bad_requests_to_build_are_answered_in_json(client: Client) -> None:
    body = SUMMIT_BODY
    error_of(client.post("/v1/build", content=body, headers=DESK_H), 400)  # no audience
    error_of(
        client.post("/v1/build?audience=press&document=minutes", content=body, headers=DESK_H), 400
    )
    error_of(client.post("/v1/build?audience=press&format=odt", content=body, headers=DESK_H), 400)
    error_of(client.post("/v1/build?audience=press&lang=xx", content=body, headers=DESK_H), 400)
    error_of(client.post("/v1/build?audience=nobody", content=body, headers=ALL_H), 400)
    error_of(client.post("/v1/build?audience=nobody", content=body, headers=DESK_H), 403)
    error_of(client.post("/v1/build?audience=press", content=b"", headers=DESK_H), 400)
    error_of(client.get("/v1/build", headers=DESK_H), 405)
    error_of(client.post("/v1/validate", content=b"\xff\xfe\x00junk", headers=DESK_H), 422)
    answers_correctly(client)


def test_an_oversized_body_is_refused_before_it_is_read(client: Client) -> None:
    big = b"# " + b"x" * (300 * 1024) + b"\n"
    message = error_of(client.post("/v1/validate", content=big, headers=DESK_H), 413)
    assert "262,144" in message

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(40):
            yield b"#" * 10_000 + b"\n"

    error_of(client.post("/v1/build?audience=press", content=chunks(), headers=DESK_H), 413)
    answers_correctly(client)


# ------------------------------------------------------------------ bounds


@pytest.fixture()
def strict(tmp_path: Path) -> Iterator[tuple[Client, Engine]]:
    """A service with one worker, a short deadline and a short queue."""
    app, engine = make_app(make_workspace(tmp_path), workers=1, queue=2, timeout=2.0)
    try:
        with Client(app) as c:  # type: ignore[arg-type]
            yield c, engine
    finally:
        engine.close()


def test_a_template_that_never_ends_is_killed_at_the_deadline(
    strict: tuple[Client, Engine],
) -> None:
    client, engine = strict
    before = set(engine.worker_pids)
    started = time.monotonic()
    r = client.get(f"/v1/visits/{SUMMIT_ID}/runaway/memo.pdf", headers=DESK_H)
    assert "2 seconds" in error_of(r, 504)
    assert time.monotonic() - started < 10
    after = client.get(f"/v1/visits/{SUMMIT_ID}/press/memo.pdf", headers=PRESS_H)
    assert after.status_code == 200
    assert not before & set(engine.worker_pids)  # the worker was killed and replaced
    assert "kzru_worker_restarts_total 1.0" in client.get("/metrics").text
    answers_correctly(client)


def test_the_deadline_counts_the_time_spent_waiting_in_the_queue(
    strict: tuple[Client, Engine],
) -> None:
    client, _ = strict
    took: dict[str, tuple[int, float]] = {}

    def ask(name: str) -> None:
        started = time.monotonic()
        r = client.get(f"/v1/visits/{SUMMIT_ID}/runaway/memo.pdf", headers=DESK_H)
        took[name] = (r.status_code, time.monotonic() - started)

    first = threading.Thread(target=ask, args=("first",))
    first.start()
    time.sleep(1.0)
    ask("second")  # waits a second for the one worker, then runs until its own deadline
    first.join()
    assert took["first"][0] == took["second"][0] == 504
    # two seconds from its arrival, not two seconds from the start of its render
    assert took["second"][1] < 2.0 + 0.9, took
    answers_correctly(client)


def test_a_worker_killed_mid_request_does_not_lose_the_request(
    served: tuple[object, Engine], client: Client
) -> None:
    _, engine = served
    answer: dict[str, httpx.Response] = {}

    def ask() -> None:
        answer["r"] = client.get(f"/v1/visits/{SUMMIT_ID}/slow/memo.pdf", headers=DESK_H)

    asker = threading.Thread(target=ask)
    asker.start()
    service = served[0].state.service  # type: ignore[attr-defined]
    for _ in range(200):  # until the slow template is running
        if service.admission.running:
            break
        time.sleep(0.05)
    time.sleep(0.3)
    killed = engine.worker_pids
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    asker.join(30)
    r = answer["r"]
    assert r.status_code == 200, r.text  # tried again on a fresh worker
    assert RESTRICTED in pdf_text(r.content)
    answers_correctly(client)  # on workers that replaced the killed ones
    assert "kzru_worker_restarts_total 0.0" not in client.get("/metrics").text


def test_two_hundred_requests_at_once(served: tuple[object, Engine], client: Client) -> None:
    app = served[0]

    async def storm() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            docs = ("memo", "factsheet", "agreements")
            return await asyncio.gather(
                *(
                    c.get(f"/v1/visits/{SUMMIT_ID}/press/{docs[i % 3]}.pdf", headers=PRESS_H)
                    for i in range(200)
                )
            )

    answers = asyncio.run(storm())
    statuses = [r.status_code for r in answers]
    assert set(statuses) <= {200, 429}, sorted(set(statuses))
    assert statuses.count(200) >= 10  # every worker slot and queue place served
    for r in answers:
        if r.status_code == 429:
            assert int(r.headers["retry-after"]) >= 1 and "busy" in r.json()["error"]
        else:
            assert r.content.startswith(b"%PDF")
    metrics = client.get("/metrics").text
    assert 'status="429"' in metrics and "kzru_queue_depth 0.0" in metrics
    answers_correctly(client)


# ------------------------------------------------------------------ documentation


ROOT = Path(__file__).resolve().parents[1]


def test_the_documented_endpoints_and_metrics_are_the_served_ones(client: Client) -> None:
    text = (ROOT / "docs" / "service.md").read_text("utf-8")
    documented = set(re.findall(r"^\| `(GET|POST) (/[^` ]*)`", text, re.M))
    served = {
        (
            method.upper(),
            re.sub(r"\{filename\}", "{document}.{format}", path).replace("{visit}", "{id}"),
        )
        for path, item in client.get("/openapi.json").json()["paths"].items()
        for method in item
    }
    assert documented == served | {("GET", "/openapi.json")}
    metrics = client.get("/metrics").text
    for name in re.findall(r"^\| `(kzru_[a-z_]+)", text, re.M):
        assert name in metrics, name


def test_the_deploy_examples_start_the_service_with_options_it_has() -> None:
    deploy = ROOT / "examples" / "deploy"
    container = (deploy / "Containerfile").read_text("utf-8")
    for source in re.findall(r"^COPY (.+) \./", container, re.M):
        for name in source.split():
            assert (ROOT / name).exists(), name
    commands = [
        json.loads(re.search(r"^CMD (\[.*\])$", container, re.M).group(1))[1:],  # type: ignore[union-attr]
        re.search(r"^ExecStart=\S+/kzru (.+)$", (deploy / "kzru-serve.service").read_text(), re.M)
        .group(1)  # type: ignore[union-attr]
        .split(),
    ]
    for args in commands:
        assert args[0] == "serve"
        options = {a for a in args if a.startswith("--")}
        help_text = CliRunner().invoke(main, ["serve", "--help"]).output
        assert options and all(o in help_text for o in options)
        assert "--host" in options  # a public address: tokens are required there
    text = (ROOT / "docs" / "deploy.md").read_text("utf-8")
    assert "examples/deploy/Containerfile" in text and "examples/deploy/kzru-serve.service" in text


def test_without_tokens_only_a_loopback_host_name_is_answered(tmp_path: Path) -> None:
    """Open to anyone on the machine, the service is no open door for a web page that
    points its own name at 127.0.0.1 (DNS rebinding)."""
    root = make_workspace(tmp_path, "")
    ws = load_workspace(root)
    with Engine(workspace_settings(ws), workers=1) as engine:
        app = create_app(ws, engine, Tokens((), {}), Limits(1, 2, 20.0, 65536), root / "data")
        with Client(app) as client:
            for host in ("127.0.0.1:8750", "localhost:8750", "[::1]:8750", "localhost"):
                r = client.get("/v1/visits", headers={"Host": host})
                assert r.status_code == 200, host
            for host in ("evil.example", "evil.example:8750", "127.0.0.1.evil.example", ""):
                error_of(client.get("/v1/visits", headers={"Host": host}), 400)
