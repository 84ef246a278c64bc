"""Helpers shared by the routers: the établissement context, pagination, uploads, file responses."""

from __future__ import annotations

import json
from collections.abc import Iterable
from urllib.parse import quote

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from ninja import UploadedFile
from ninja.responses import NinjaJSONEncoder

from api.errors import ServiceUnavailable
from cases.services import Upload
from cases.services._common import MAX_UPLOAD_BYTES, safe_name
from common.errors import InvalidInput, NotFound
from common.paging import PageRequest
from rules.verdicts import Problem

CONTEXT_DESCRIPTION = (
    "L'établissement choisi (identifiant) ; à défaut l'en-tête X-ETABLISSEMENT, puis l'établissement principal. "
    "Hors des habilitations : 404."
)
MAX_FILES = 20
JSON = "application/json; charset=utf-8"


def now():
    return timezone.now()


def context(etablissement: int | None, x_etablissement: int | None = None) -> int | None:
    """``?etablissement=`` wins over ``X-ETABLISSEMENT``; ``None`` lets the selector pick the principal one."""
    return etablissement if etablissement is not None else x_etablissement


def page_ok(result, present) -> HttpResponse:
    """One page of a list selector's result, each item through its presenter."""
    return json_ok(
        {
            "total": result.total,
            "page": result.page,
            "taille": result.taille,
            "elements": [present(item) for item in result.items],
        }
    )


def json_ok(data, status: int = 200) -> HttpResponse:
    """The response body as built by the presenters, without a second validation pass.

    The presenters build exactly the declared ``…Out`` schemas (checked by the tests); skipping
    ninja's response validation keeps the hot read endpoints cheap.
    """
    return HttpResponse(json.dumps(data, cls=NinjaJSONEncoder), status=status, content_type=JSON)


def paging(numero: int, taille: int) -> PageRequest:
    return PageRequest(page=numero, taille=taille)


def uploads(files: Iterable[UploadedFile] | None, *, field: str) -> list[Upload]:
    """Received files as :class:`Upload`; a file over the size limit is refused before being read."""
    files = [f for f in (files or []) if f is not None]
    if len(files) > MAX_FILES:
        raise InvalidInput([Problem(field, f"{MAX_FILES} fichiers au plus par envoi.")])
    problems = [
        Problem(f"{field}[{i}]", f"Le fichier « {safe_name(f.name or '')} » dépasse la taille maximale de 20 Mo.")
        for i, f in enumerate(files)
        if (f.size or 0) > MAX_UPLOAD_BYTES
    ]
    if problems:
        raise InvalidInput(problems)
    return [Upload(name=f.name or "fichier", content=f.read()) for f in files]


def upload(file: UploadedFile | None, *, field: str) -> Upload | None:
    if file is None:
        return None
    result = uploads([file], field=field)
    return result[0]


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


def binary(description: str, *content_types: str) -> dict:
    """``openapi_extra`` of an endpoint answering a file."""
    schema = {"schema": {"type": "string", "format": "binary"}}
    return {
        "responses": {
            200: {
                "description": description,
                "content": {t: dict(schema) for t in content_types or ("application/octet-stream",)},
            }
        }
    }


def render_document(name: str, obj, fmt: str, what: str) -> bytes:
    """Lazily call a renderer of :mod:`documents` (503 when it, or its PDF converter, is unavailable)."""
    try:
        import documents

        render = getattr(documents, name)
    except (ImportError, AttributeError):
        raise ServiceUnavailable(
            f"{what} ne peut pas encore être produit : le module de rendu n'est pas installé."
        ) from None
    try:
        from documents.errors import DocumentError
    except ImportError:  # pragma: no cover - documents always ships its errors
        DocumentError = RuntimeError  # noqa: N806
    try:
        return render(obj, fmt, today=timezone.localdate())
    except DocumentError as exc:
        raise ServiceUnavailable(f"{what} ne peut pas être produit pour le moment : {exc}") from None
