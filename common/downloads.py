"""Files: their names in storage and their HTTP answers, shared by the interfaces (API and portal).

Every download goes through a view that has already applied the actor's scope (nothing under
``MEDIA_ROOT`` is served by URL); here only the HTTP shape — always an attachment, a safe file name
that keeps a valid extension, ``nosniff``, ``Cache-Control: private, no-store`` — and, when the proxy is
set up for it (``PORTAIL_SENDFILE``), the hand-over of the bytes to nginx (``X-Accel-Redirect``) or
Apache (``X-Sendfile``) once the permission has been checked.

Stored names are random (:func:`stored_name`): a path tells nothing and cannot be guessed; the name the
user gave is kept as metadata (``PieceJointe.nom``) or derived from the object (facture, courrier).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable
from pathlib import PurePosixPath
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.text import get_valid_filename

from common.errors import NotFound

MAX_NAME_LENGTH = 120
_EXTENSION = re.compile(r"^[a-z0-9]{1,8}$")


def extension_of(name: str) -> str:
    """The lower-case extension of a file name (without the dot), or ``""``."""
    suffix = PurePosixPath((name or "").replace("\\", "/")).suffix.lower().lstrip(".")
    return suffix if _EXTENSION.match(suffix) else ""


def safe_name(name: str) -> str:
    """A file name fit for a header and a disk: no directory, no control character, at most 120
    characters — and the extension kept whatever the length of the rest."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    ext = extension_of(base)
    stem = base[: -(len(ext) + 1)] if ext else base
    stem = get_valid_filename(stem.strip(" .")) if stem.strip(" .") else ""
    stem = stem.strip("._-")[: MAX_NAME_LENGTH - len(ext) - 1] or "fichier"
    return f"{stem}.{ext}" if ext else stem


def stored_name(name: str) -> str:
    """A random name for storage, with the (checked) extension of ``name``: ``k3Jd…Qw.pdf``."""
    ext = extension_of(name)
    token = secrets.token_hex(16)
    return f"{token}.{ext}" if ext else token


def _disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "") or "fichier"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def _protect(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = _disposition(filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def file_response(field_file, filename: str, *, inline: bool = False) -> HttpResponse:
    """A stored file as an attachment (``inline`` is accepted and ignored: every download is one).

    With ``PORTAIL_SENDFILE`` the answer carries no body: the proxy sends the file named by
    ``X-Accel-Redirect`` (an ``internal`` location of nginx mapping ``MEDIA_ROOT``) or ``X-Sendfile``.
    """
    if not field_file:
        raise NotFound("Fichier introuvable.")
    name = safe_name(filename)
    mode = getattr(settings, "SENDFILE", "")
    if mode:
        storage = field_file.storage
        if not storage.exists(field_file.name):
            raise NotFound("Fichier introuvable.")
        response = HttpResponse(content_type=_content_type(name))
        if mode == "x-accel-redirect":
            prefix = getattr(settings, "SENDFILE_PREFIX", "/media-protege/").rstrip("/")
            response["X-Accel-Redirect"] = f"{prefix}/{quote(field_file.name)}"
        else:
            response["X-Sendfile"] = storage.path(field_file.name)
        return _protect(response, name)
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise NotFound("Fichier introuvable.") from None
    return _protect(FileResponse(handle, content_type=_content_type(name)), name)


def bytes_response(data: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    """Bytes rendered on demand (CERFA, avis, guide) as an attachment."""
    name = safe_name(filename)
    return _protect(HttpResponse(data, content_type=_content_type(name)), name)


def stream_response(chunks: Iterable[bytes], filename: str, content_type: str) -> StreamingHttpResponse:
    return _protect(StreamingHttpResponse(chunks, content_type=content_type), safe_name(filename))


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
    return _TYPES.get(extension_of(filename), "application/octet-stream")
