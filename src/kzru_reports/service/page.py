"""The web page at ``/``: plain HTML, a script and a style sheet shipped with the
package (``page/``), read once and served as they are; no build step, no CDN."""

from importlib import resources

from fastapi import FastAPI
from fastapi.responses import Response

ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}


def add_page(app: FastAPI) -> None:
    """Serve the page at ``/`` and its script and style sheet under ``/page/``."""
    folder = resources.files("kzru_reports.service").joinpath("page")
    assets = {name: folder.joinpath(name).read_bytes() for name in ASSETS}

    def serve(name: str) -> Response:
        return Response(assets[name], media_type=ASSETS[name])

    @app.get("/", include_in_schema=False)
    async def page() -> Response:
        return serve("index.html")

    @app.get("/page/app.js", include_in_schema=False)
    async def script() -> Response:
        return serve("app.js")

    @app.get("/page/style.css", include_in_schema=False)
    async def style() -> Response:
        return serve("style.css")
