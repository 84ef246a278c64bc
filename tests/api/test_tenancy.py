"""Every endpoint, every role: an OF's users and key see their objects; a user of another OF and the
key of another SIRET get a 404 (never a 403, never a leak through lists, counters, exports)."""

from __future__ import annotations

import pytest

from tests.api.conftest import API, errors_of, key_client, session_client

pytestmark = pytest.mark.django_db

# Reads of one object of OF A.
OBJECT_READS = [
    "/dossiers/{t.dossier.pk}",
    "/dossiers/{t.dossier.pk}/donnees",
    "/dossiers/{t.dossier.pk}/pieces",
    "/dossiers/{t.brouillon.pk}",
    "/dossiers/{t.pro.pk}",
    "/factures/{t.facture.pk}",
    "/factures/{t.facture.pk}/fichier",
    "/paiements/{t.reglement.pk}",
    "/paiements/{t.reglement.pk}/avis",
    "/pieces/{t.piece.pk}/fichier",
    "/courriers/{t.courrier.pk}/fichier",
    "/habilitations/etablissements/{t.etab.pk}",
]
# Lists, counters and exports of OF A's établissement.
SCOPED_READS = [
    "/tableau-de-bord?etablissement={t.etab.pk}",
    "/dossiers?dispositif=apprentissage&etablissement={t.etab.pk}",
    "/notifications?etablissement={t.etab.pk}",
    "/factures?etablissement={t.etab.pk}",
    "/factures/export?format=csv&etablissement={t.etab.pk}",
    "/factures/export?format=xlsx&etablissement={t.etab.pk}",
    "/paiements?etablissement={t.etab.pk}",
    "/paiements/export?format=csv&etablissement={t.etab.pk}",
    "/habilitations/utilisateurs?etablissement={t.etab.pk}",
    "/habilitations/cles?etablissement={t.etab.pk}",
]
# Writes on one object of OF A (bodies valid enough to reach the scope check).
OBJECT_WRITES = [
    ("post", "/dossiers/{t.dossier.pk}/transmettre", None),
    (
        "post",
        "/dossiers/{t.dossier.pk}/rupture",
        {"date_rupture": "2026-12-01", "motif": "3", "initiateur": "commun", "formation_poursuivie": True},
    ),
    (
        "post",
        "/dossiers/{t.dossier.pk}/avenants",
        {"motif": "Changement de dates", "type_avenant": 36, "date_effet": "2027-01-15"},
    ),
    ("put", "/dossiers/{t.brouillon.pk}/brouillon", "own-cerfa"),
    ("delete", "/dossiers/{t.brouillon.pk}/brouillon?confirmation=true", None),
    ("post", "/notifications/{t.notification.pk}/lue", None),
    ("delete", "/notifications/{t.notification.pk}", None),
    ("patch", "/habilitations/etablissements/{t.etab.pk}", {"telephone": "0102030405"}),
    ("delete", "/habilitations/cles/{t.key_obj.pk}", None),
    ("post", "/habilitations/cles", {"etablissement_id": "{t.etab.pk}"}),
]
# A key is no user (tests/proprietes/politique.py): it may not manage the établissement nor keys — 403 before any
# lookup, whoever owns the object — and it has no notification, so another's is as unknown as to anyone: 404.
KEY_REFUSED = {
    ("patch", "/habilitations/etablissements/{t.etab.pk}"),
    ("delete", "/habilitations/cles/{t.key_obj.pk}"),
    ("post", "/habilitations/cles"),
}


def _url(template: str, tenant) -> str:
    return API + template.format(t=tenant)


@pytest.mark.parametrize("template", OBJECT_READS)
@pytest.mark.parametrize("who", ["admin", "gestionnaire", "key", "opco"])
def test_the_of_and_the_opco_read_their_objects(template, who, tenant_a, opco, request):
    if template.endswith("/avis"):  # rendered on the fly: the session's LibreOffice listener converts it
        request.getfixturevalue("pdf_listener")
    client = {
        "admin": lambda: session_client(tenant_a.admin),
        "gestionnaire": lambda: session_client(tenant_a.gestionnaire),
        "key": lambda: key_client(tenant_a.key),
        "opco": lambda: session_client(opco),
    }[who]()

    response = client.get(_url(template, tenant_a))

    assert response.status_code == 200, response.content
    if template.endswith("/avis"):
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content if response.streaming else [response.content]).startswith(b"%PDF")


@pytest.mark.parametrize("template", OBJECT_READS + SCOPED_READS)
@pytest.mark.parametrize("who", ["user_b", "key_b"])
def test_another_of_gets_404_on_everything_of_of_a(template, who, tenant_a, tenant_b):
    client = session_client(tenant_b.admin) if who == "user_b" else key_client(tenant_b.key)

    response = client.get(_url(template, tenant_a))

    assert response.status_code == 404, response.content
    assert errors_of(response)[0]["code"] == "introuvable"


@pytest.mark.parametrize(("method", "template", "body"), OBJECT_WRITES)
@pytest.mark.parametrize("who", ["user_b", "key_b"])
def test_another_of_gets_404_on_writes_to_of_a(method, template, body, who, tenant_a, tenant_b):
    client = session_client(tenant_b.admin) if who == "user_b" else key_client(tenant_b.key)
    if body == "own-cerfa":  # a valid draft of its own: only the dossier id is foreign
        body = {
            "cerfa": {
                "employeur": {"siret": tenant_b.entreprise.siret},
                "organismeFormation": {"siret": tenant_b.etab.siret},
            }
        }
    elif body is not None:
        body = {k: (v.format(t=tenant_a) if isinstance(v, str) and "{t." in v else v) for k, v in body.items()}
        if "etablissement_id" in body:
            body["etablissement_id"] = int(body["etablissement_id"])

    response = getattr(client, method)(_url(template, tenant_a), body, content_type="application/json")

    if who == "key_b" and (method, template) in KEY_REFUSED:
        assert response.status_code == 403, response.content
        assert errors_of(response)[0]["code"] == "interdit"
    else:
        assert response.status_code == 404, response.content
        assert errors_of(response)[0]["code"] == "introuvable"


def test_multipart_writes_of_another_of_are_404(tenant_a, tenant_b):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import PDF_BYTES

    for client in (session_client(tenant_b.admin), key_client(tenant_b.key)):
        pieces = client.post(
            f"{API}/dossiers/{tenant_a.dossier.pk}/pieces", {"fichiers": [SimpleUploadedFile("a.pdf", PDF_BYTES)]}
        )
        facture_pieces = client.post(
            f"{API}/factures/{tenant_a.facture.pk}/pieces", {"fichiers": [SimpleUploadedFile("a.pdf", PDF_BYTES)]}
        )
        facture = client.post(
            f"{API}/dossiers/{tenant_a.dossier.pk}/factures",
            {
                "reference": "X-1",
                "date_facture": "2026-11-02",
                "montant_ht": "10.00",
                "montant_ttc": "12.00",
                "fichier": SimpleUploadedFile("f.pdf", PDF_BYTES),
            },
        )
        assert (pieces.status_code, facture_pieces.status_code, facture.status_code) == (404, 404, 404)


@pytest.mark.parametrize("who", ["user_b", "key_b"])
def test_lists_counters_and_exports_of_another_of_never_contain_of_a(who, tenant_a, tenant_b):
    client = session_client(tenant_b.admin) if who == "user_b" else key_client(tenant_b.key)
    a_numbers = {tenant_a.dossier.reference, tenant_a.en_attente.reference, tenant_a.pro.reference}

    dossiers = client.get(f"{API}/dossiers?dispositif=apprentissage&taille=100").json()["elements"]
    factures = client.get(f"{API}/factures?taille=100").json()["elements"]
    paiements = client.get(f"{API}/paiements?taille=100").json()["elements"]
    board = client.get(f"{API}/tableau-de-bord").json()
    export = b"".join(client.get(f"{API}/factures/export?format=csv").streaming_content).decode()

    assert not a_numbers & {d["numero"] for d in dossiers}
    assert {f["emetteur"]["siret"] for f in factures} == {tenant_b.etab.siret}
    assert {p["beneficiaire"]["siret"] for p in paiements} == {tenant_b.etab.siret}
    assert board["etablissement"]["siret"] == tenant_b.etab.siret
    assert tenant_a.facture.reference not in export and tenant_b.facture.reference in export


def test_notifications_of_another_user_are_404(tenant_a):
    other = session_client(tenant_a.admin)  # same OF, but the notification is the gestionnaire's

    assert other.get(f"{API}/notifications/{tenant_a.notification.pk}").status_code == 404
    assert other.post(f"{API}/notifications/{tenant_a.notification.pk}/lue").status_code == 404


def test_a_key_has_no_notifications(key_a, tenant_a):
    assert key_a.get(f"{API}/notifications").json()["total"] == 0
    assert key_a.get(f"{API}/notifications/{tenant_a.notification.pk}").status_code == 404


def test_the_header_picks_the_etablissement_too(tenant_a, tenant_b):
    client = session_client(tenant_b.admin)

    response = client.get(f"{API}/tableau-de-bord", headers={"X-ETABLISSEMENT": str(tenant_a.etab.pk)})

    assert response.status_code == 404
