"""What the service answers: errors as JSON (``ApiError``), with the server's paths
removed from their text (``Scrubber``); files, one as itself or several as a zip
with their manifest (``deliver``); and how both are described in the OpenAPI
document."""

import io
import json
import mimetypes
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fastapi.responses import JSONResponse, Response

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the same bytes whenever a zip is made


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


def deliver(files: list[Any], name: str) -> Response:
    """One file as itself, several as a zip holding them and ``manifest.json``. The
    files are stored, not compressed again: DOCX and PDF outputs are compressed
    already (deflating them saved a few per cent of their size and cost more time
    than anything else the service does itself)."""
    if len(files) == 1:
        [f] = files
        kind = mimetypes.guess_type(f.name)[0] or "application/octet-stream"
        return _file(f.data, kind, f.name)
    buffer = io.BytesIO()
    outputs = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for f in files:
            path = f"{f.visit}/{f.audience}/{f.name}"
            _add(z, path, f.data, zipfile.ZIP_STORED)
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


def _add(z: zipfile.ZipFile, path: str, data: bytes, method: int = zipfile.ZIP_DEFLATED) -> None:
    info = zipfile.ZipInfo(path, ZIP_TIME)
    info.compress_type = method
    info.external_attr = 0o644 << 16
    z.writestr(info, data)


def _file(data: bytes, kind: str, name: str) -> Response:
    return Response(
        data, media_type=kind, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def error_response(exc: ApiError) -> JSONResponse:
    return JSONResponse(
        {"error": exc.message, **exc.extra}, status_code=exc.status, headers=exc.headers
    )


# ------------------------------------------------------------ OpenAPI descriptions

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


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: ERROR for code in codes}
