"""Helpers shared by the routers: the établissement context, pagination, uploads, file responses."""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Annotated

from django.http import HttpResponse
from django.utils import timezone
from ninja import UploadedFile
from ninja.responses import NinjaJSONEncoder
from pydantic import Field

from cases.renders import render_document  # noqa: F401 — used by the routers
from cases.services import Upload
from cases.services._common import read_uploads
from common.downloads import bytes_response, file_response, stream_response  # noqa: F401
from common.paging import PageRequest

# An amount in euros as the database keeps them (12 digits, 2 decimals): « 1e999999 » or 40 digits are a 422
# on their field, never a value the database refuses.
Montant = Annotated[Decimal, Field(max_digits=12, decimal_places=2, allow_inf_nan=False)]

CONTEXT_DESCRIPTION = (
    "L'établissement choisi (identifiant) ; à défaut l'en-tête X-ETABLISSEMENT, puis l'établissement principal. "
    "Hors des habilitations : 404."
)
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
    return read_uploads(files, field=field)


def upload(file: UploadedFile | None, *, field: str) -> Upload | None:
    if file is None:
        return None
    result = uploads([file], field=field)
    return result[0]


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
