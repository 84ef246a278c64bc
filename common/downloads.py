"""File responses shared by the interfaces (API and portal): every download goes through a view that
has already applied the actor's scope; here only the HTTP shape — attachment or inline, a safe
French file name, ``nosniff``."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.text import get_valid_filename

from common.errors import NotFound


def safe_name(name: str) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1] or "fichier"
    return get_valid_filename(base)[:120] or "fichier"


def _disposition(filename: str, inline: bool) -> str:
    kind = "inline" if inline else "attachment"
    ascii_name = filename.encode("ascii", "ignore").decode() or "fichier"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def file_response(field_file, filename: str, *, inline: bool = True) -> FileResponse:
    if not field_file:
        raise NotFound("Fichier introuvable.")
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise NotFound("Fichier introuvable.") from None
    response = FileResponse(handle, content_type=_content_type(filename))
    response["Content-Disposition"] = _disposition(safe_name(filename), inline)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def bytes_response(data: bytes, filename: str, *, inline: bool = True):
    response = HttpResponse(data, content_type=_content_type(filename))
    response["Content-Disposition"] = _disposition(filename, inline)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def stream_response(chunks: Iterable[bytes], filename: str, content_type: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = _disposition(filename, False)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "csv": "text/csv; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}


def _content_type(filename: str) -> str:
    return _TYPES.get(filename.rsplit(".", 1)[-1].lower(), "application/octet-stream")
