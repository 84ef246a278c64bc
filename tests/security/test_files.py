"""Files never public: nothing under MEDIA_ROOT is served by URL, stored names are random (the user's name is
metadata), every download is an attachment with ``nosniff`` (optionally handed to the proxy after the
permission check), and uploads are judged by their content."""

from __future__ import annotations

import re
from io import BytesIO
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from cases.models import PieceJointe
from tests.factories import PDF_BYTES

pytestmark = pytest.mark.django_db

API = "/api/v1"


def pdf(change=None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if change:
        change(writer)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def open_action(action: dict):
    def change(writer):
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject(k): (NameObject(v) if v.startswith("/") else TextStringObject(v)) for k, v in action.items()}
        )

    return change


JAVASCRIPT = pdf(open_action({"/S": "/JavaScript", "/JS": "app.alert('x')"}))
LAUNCH = pdf(open_action({"/S": "/Launch", "/F": "calc.exe"}))
ATTACHED = pdf(lambda w: w.add_attachment("programme.exe", b"MZ\x90\x00"))
ENCRYPTED = pdf(lambda w: w.encrypt("secret"))


def deposit(client, dossier, *files):
    return client.post(f"{API}/dossiers/{dossier.pk}/pieces", {"fichiers": list(files)})


def test_media_is_not_served_by_url(admin_a, tenant_a):
    path = tenant_a.courrier.fichier.name

    for url in (f"/media/{path}", f"/{path}", "/media/"):
        assert admin_a.get(url).status_code == 404


def test_stored_names_are_random_and_the_users_name_is_metadata(gest_a, tenant_a):
    response = deposit(gest_a, tenant_a.en_attente, SimpleUploadedFile("cerfa signé DURAND.pdf", PDF_BYTES))

    assert response.status_code == 201, response.content
    piece = PieceJointe.objects.get(pk=response.json()[0]["id"])
    assert piece.nom == "cerfa signé DURAND.pdf"
    assert re.fullmatch(r"pieces/\d{4}/\d\d/[0-9a-f]{32}\.pdf", piece.fichier.name)
    download = gest_a.get(f"{API}/pieces/{piece.pk}/fichier")
    assert download["Content-Disposition"].startswith('attachment; filename="cerfa_signe_DURAND.pdf"') or (
        "filename*=UTF-8''cerfa_sign%C3%A9_DURAND.pdf" in download["Content-Disposition"]
    )


def test_courrier_names_are_not_guessable(tenant_a):
    from tests.worlds import make_courrier

    courrier = make_courrier(tenant_a.dossier)

    assert re.fullmatch(r"courriers/\d{4}/\d\d/[0-9a-f]{32}\.pdf", courrier.fichier.name)


@pytest.mark.parametrize(
    "url",
    [
        lambda t: f"{API}/courriers/{t.courrier.pk}/fichier",
        lambda t: f"{API}/pieces/{t.piece.pk}/fichier",
        lambda t: f"{API}/factures/{t.facture.pk}/fichier",
        lambda t: f"/fichiers/courriers/{t.courrier.pk}/",
        lambda t: f"/fichiers/pieces/{t.piece.pk}/",
        lambda t: f"/fichiers/factures/{t.facture.pk}/",
    ],
)
def test_every_download_is_a_private_attachment_with_nosniff(url, admin_a, tenant_a):
    response = admin_a.get(url(tenant_a))

    assert response.status_code == 200, response.content[:200]
    assert response["Content-Disposition"].startswith("attachment; ")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_another_ofs_file_is_a_404_before_any_hand_over_to_the_proxy(user_b, tenant_a, settings):
    settings.SENDFILE = "x-accel-redirect"

    response = user_b.get(f"{API}/courriers/{tenant_a.courrier.pk}/fichier")

    assert response.status_code == 404 and "X-Accel-Redirect" not in response


@pytest.mark.parametrize(("mode", "header"), [("x-accel-redirect", "X-Accel-Redirect"), ("x-sendfile", "X-Sendfile")])
def test_the_proxy_sends_the_file_after_the_permission_check(mode, header, admin_a, tenant_a, settings):
    settings.SENDFILE = mode
    settings.SENDFILE_PREFIX = "/media-protege/"

    response = admin_a.get(f"{API}/pieces/{tenant_a.piece.pk}/fichier")

    assert response.status_code == 200 and response.content == b""
    target = response[header]
    assert target.endswith(tenant_a.piece.fichier.name)
    assert target.startswith("/media-protege/" if mode == "x-accel-redirect" else str(settings.MEDIA_ROOT))
    assert response["Content-Disposition"].startswith("attachment; ")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (JAVASCRIPT, "contient du JavaScript"),
        (LAUNCH, "lance un programme"),
        (ATTACHED, "contient des fichiers joints"),
        (ENCRYPTED, "protégé par un mot de passe"),
        (b"%PDF-1.7\nrien de plus", "illisible ou endommagé"),
    ],
)
def test_dangerous_or_damaged_pdfs_are_refused_with_a_french_message_and_nothing_is_stored(
    content, message, gest_a, tenant_a, settings
):
    before = PieceJointe.objects.count()
    stored = {p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()}

    response = deposit(gest_a, tenant_a.en_attente, SimpleUploadedFile("attestation.pdf", content))

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert message in error["description"] and error["champ"] == "fichiers[0]"
    assert PieceJointe.objects.count() == before
    assert {p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()} == stored


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 20, "est un PNG : son extension « .pdf » ne correspond pas"),
        ("programme.pdf", b"MZ\x90\x00" + b"0" * 20, "n'est pas accepté"),
        ("attestation.png", PDF_BYTES, "son extension « .png » ne correspond pas à son contenu"),
        ("attestation", PDF_BYTES, "nommez-le avec l'extension « .pdf »"),
        ("attestation.exe", PDF_BYTES, "n'est pas acceptée"),
    ],
)
def test_the_extension_must_agree_with_the_content(name, content, message, gest_a, tenant_a):
    response = deposit(gest_a, tenant_a.en_attente, SimpleUploadedFile(name, content))

    assert response.status_code == 422
    assert message in response.json()["errors"][0]["description"]


def test_a_long_or_odd_name_keeps_a_valid_extension(gest_a, tenant_a):
    name = "é" * 300 + "\u202e\x1f<script>.pdf"

    response = deposit(gest_a, tenant_a.en_attente, SimpleUploadedFile(name, PDF_BYTES))

    assert response.status_code == 201, response.content
    piece = PieceJointe.objects.get(pk=response.json()[0]["id"])
    assert piece.fichier.name.endswith(".pdf")
    disposition = gest_a.get(f"{API}/pieces/{piece.pk}/fichier")["Content-Disposition"]
    filename = unquote(disposition.split("filename*=UTF-8''", 1)[1])
    assert filename.endswith(".pdf") and len(filename) <= 120 and not {"<", "\u202e", "\x1f"} & set(filename)
