"""Mes dossiers: lists (filters and sorts on every column), synthesis, pièces, CERFA, drafts,
transmission, avenant, rupture, deposit of factures."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Dossier, Facture, PieceJointe
from cases.selectors import DOSSIER_SORTS
from tests.api.conftest import API, codes_of, errors_of, fields_of, session_client
from tests.factories import PDF_BYTES, DossierFactory, cerfa_payload, of_user

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def stored_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def numbers(response) -> list[str | None]:
    assert response.status_code == 200, response.content
    return [d["numero"] for d in response.json()["elements"]]


# --- Lists ---------------------------------------------------------------------------------


def test_list_per_dispositif_with_the_guide_columns(gest_a, tenant_a):
    body = gest_a.get(f"{API}/dossiers?dispositif=apprentissage&vue=transmis").json()

    assert body["total"] == 2 and body["page"] == 1 and body["taille"] == 10
    row = next(r for r in body["elements"] if r["id"] == tenant_a.dossier.pk)
    assert row["numero"] == tenant_a.dossier.reference
    assert row["etablissement"]["raison_sociale"] == tenant_a.entreprise.raison_sociale
    assert row["numero_deca"] == "076202209037237"
    assert (row["nom"], row["prenom"], row["etat_libelle"]) == ("MARTIN", "Léa", "Accordé")
    assert row["lien"] == f"{API}/dossiers/{tenant_a.dossier.pk}"


def test_brouillon_view_and_other_dispositifs(gest_a, tenant_a):
    assert numbers(gest_a.get(f"{API}/dossiers?dispositif=apprentissage&vue=brouillon")) == [None]
    assert numbers(gest_a.get(f"{API}/dossiers?dispositif=professionnalisation")) == [tenant_a.pro.reference]
    assert numbers(gest_a.get(f"{API}/dossiers?dispositif=pro_a")) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("etat=en_attente_de_pieces", ["en_attente"]),
        ("etat=accorde&etat=en_attente_de_pieces", ["dossier", "en_attente"]),
        ("nom=dura", ["en_attente"]),
        ("prenom=lé", ["dossier", "en_attente"]),
        ("etablissement_nom=entreprise de of", ["dossier", "en_attente"]),
        ("numero={dossier_numero}", ["dossier"]),
        ("numero={dossier_ref}", ["dossier"]),
        ("numero_deca=0762022", ["dossier"]),
        ("formation=ambulancier", ["dossier", "en_attente"]),
        ("subroge=false", []),
        ("date_debut_contrat_min=2026-09-07&date_debut_contrat_max=2026-09-07", ["dossier", "en_attente"]),
        ("date_fin_contrat_max=2020-01-01", []),
    ],
)
def test_filters_on_every_column(gest_a, tenant_a, query, expected):
    query = query.format(dossier_numero=tenant_a.dossier.numero, dossier_ref=tenant_a.dossier.reference)

    found = numbers(gest_a.get(f"{API}/dossiers?dispositif=apprentissage&vue=transmis&{query}"))

    assert sorted(found) == sorted(getattr(tenant_a, name).reference for name in expected)


@pytest.mark.parametrize("column", sorted(DOSSIER_SORTS))
def test_sort_on_every_column_both_ways(gest_a, tenant_a, column):
    up = numbers(gest_a.get(f"{API}/dossiers?dispositif=apprentissage&vue=transmis&tri={column}"))
    down = numbers(gest_a.get(f"{API}/dossiers?dispositif=apprentissage&vue=transmis&tri=-{column}"))

    assert len(up) == len(down) == 2


def test_sort_orders_rows(gest_a, tenant_a):
    DossierFactory(of_etablissement=tenant_a.etab, salarie_nom="ABEL")

    names = [
        r["nom"] for r in gest_a.get(f"{API}/dossiers?dispositif=apprentissage&vue=transmis&tri=nom").json()["elements"]
    ]
    back = [
        r["nom"]
        for r in gest_a.get(f"{API}/dossiers?dispositif=apprentissage&vue=transmis&tri=-nom").json()["elements"]
    ]

    assert names == sorted(names) and names[0] == "ABEL"
    assert back == sorted(back, reverse=True)


def test_pagination(gest_a, tenant_a):
    for _ in range(3):
        DossierFactory(of_etablissement=tenant_a.etab)

    first = gest_a.get(f"{API}/dossiers?dispositif=apprentissage&vue=transmis&taille=2&tri=numero").json()
    third = gest_a.get(f"{API}/dossiers?dispositif=apprentissage&vue=transmis&taille=2&page=3&tri=numero").json()

    assert first["total"] == 5 and len(first["elements"]) == 2
    assert third["total"] == 5 and len(third["elements"]) == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("tri=couleur", "tri"),
        ("vue=archive", "vue"),
        ("etat=inconnu", "etat"),
        ("numero=12a", "numero"),
        ("taille=101", "taille"),
        ("page=0", "page"),
        ("date_debut_contrat_min=31-12-2026", "date_debut_contrat_min"),
        ("subroge=peut-etre", "subroge"),
    ],
)
def test_invalid_list_parameters_are_422_with_the_field(gest_a, query, field):
    response = gest_a.get(f"{API}/dossiers?dispositif=apprentissage&{query}")

    assert response.status_code == 422
    assert fields_of(response) == {field}
    assert all(e["description"] for e in errors_of(response))


def test_missing_dispositif_is_422_in_french(gest_a):
    response = gest_a.get(f"{API}/dossiers")

    assert response.status_code == 422
    assert errors_of(response) == [
        {"code": "missing", "description": "Ce champ est obligatoire.", "champ": "dispositif"}
    ]


# --- Synthesis ---------------------------------------------------------------------------


def test_synthesis_has_every_block_of_the_guide(gest_a, tenant_a):
    body = gest_a.get(f"{API}/dossiers/{tenant_a.dossier.pk}").json()

    assert body["numero"] == tenant_a.dossier.reference
    assert (body["etat"], body["etat_libelle"], body["subroge"]) == ("accorde", "Accordé", True)
    assert body["numero_depot"] == "076202209037237"
    assert body["organisme_formation"]["siret"] == tenant_a.etab.siret
    assert body["entreprise"]["raison_sociale"] == tenant_a.entreprise.raison_sociale
    assert body["salarie"] == {"nom": "MARTIN", "prenom": "Léa", "date_naissance": "2005-03-14"}
    assert body["formation"]["intitule"] == "AMBULANCIER (DIPLOME D'ETAT)"
    assert body["contrat"]["date_debut"] == "2026-09-07"
    accord = body["accord_financement"]
    assert accord["total_demande"] == "6795.83" and accord["total_pris_en_charge"] == "6795.83"
    assert accord["lignes"][0]["libelle"] == "NPEC total"
    assert {c["destinataire"] for c in body["courriers"]} == {"of", "entreprise"}
    assert all(c["telechargement"] for c in body["courriers"])
    assert {f["numero"] for f in body["factures"]} == {tenant_a.facture.numero, tenant_a.paid.numero}
    assert [p["nom"] for p in body["pieces_jointes"]] == ["convention.pdf"]
    assert [a["code"] for a in body["actions"]] == [
        "afficher",
        "ajouter_piece",
        "creer_avenant",
        "deposer_facture",
        "declarer_rupture",
    ]
    assert body["actions"][3]["libelle"] == "Déposer votre facture"
    assert body["cerfa"] == f"{API}/dossiers/{tenant_a.dossier.pk}/cerfa"


def test_actions_follow_state_subrogation_and_rights(tenant_a):
    sans_factures, _ = of_user(tenant_a.etab, droits=["deposer_pieces"])
    client = session_client(sans_factures)

    accorde = client.get(f"{API}/dossiers/{tenant_a.dossier.pk}").json()["actions"]
    en_attente = client.get(f"{API}/dossiers/{tenant_a.en_attente.pk}").json()["actions"]

    assert [a["code"] for a in accorde] == ["afficher", "ajouter_piece"]
    assert [a["code"] for a in en_attente] == ["afficher", "ajouter_piece"]


def test_opco_sees_its_transitions_and_the_history(opco_client, tenant_a, gest_a):
    gest_a.post(
        f"{API}/dossiers/{tenant_a.dossier.pk}/rupture",
        {"date_rupture": "2026-12-01", "motif": "3", "initiateur": "commun", "formation_poursuivie": True},
        content_type="application/json",
    )

    body = opco_client.get(f"{API}/dossiers/{tenant_a.dossier.pk}").json()
    of_view = gest_a.get(f"{API}/dossiers/{tenant_a.dossier.pk}").json()

    assert [a["code"] for a in body["actions"]] == ["afficher", "cloturer"]
    event, echeancier = of_view["historique"]
    assert (event["transition"], event["de_libelle"], event["vers_libelle"]) == ("declarer_rupture", "Accordé", "Rompu")
    assert event["libelle"] == "Déclarer une rupture de contrat"
    # The rupture recomputes the échéancier at its date (prorata), journalled after it.
    assert (echeancier["transition"], echeancier["libelle"]) == ("calculer_echeancier", "Calcul de l'échéancier")


# --- Files -------------------------------------------------------------------------------------


def test_upload_several_pieces_then_list_and_download(gest_a, tenant_a):
    response = gest_a.post(
        f"{API}/dossiers/{tenant_a.en_attente.pk}/pieces",
        {
            "fichiers": [
                SimpleUploadedFile("../../etc/cerfa signé.pdf", PDF_BYTES),
                SimpleUploadedFile("photo.png", PNG),
            ]
        },
    )

    assert response.status_code == 201, response.content
    created = response.json()
    assert [p["nom"] for p in created] == ["cerfa signé.pdf", "photo.png"]
    stored = [p.fichier.name for p in PieceJointe.objects.filter(dossier=tenant_a.en_attente)]
    assert all(".." not in name and " " not in name for name in stored)
    listed = gest_a.get(f"{API}/dossiers/{tenant_a.en_attente.pk}/pieces").json()
    assert len(listed) == 2
    download = gest_a.get(created[1]["telechargement"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert download["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize(
    ("files", "field"),
    [
        ([("virus.exe", b"MZ\x90\x00binary")], "fichiers[0]"),
        ([("ok.pdf", PDF_BYTES), ("vide.pdf", b"")], "fichiers[1]"),
    ],
)
def test_a_refused_upload_stores_nothing(gest_a, tenant_a, files, field):
    before = stored_files()

    response = gest_a.post(
        f"{API}/dossiers/{tenant_a.dossier.pk}/pieces", {"fichiers": [SimpleUploadedFile(n, c) for n, c in files]}
    )

    assert response.status_code == 422
    assert field in fields_of(response)
    assert stored_files() == before
    assert tenant_a.dossier.pieces.count() == 1


def test_an_oversized_upload_is_refused_before_reading(gest_a, tenant_a, monkeypatch):
    monkeypatch.setattr("cases.services._common.MAX_UPLOAD_BYTES", 10)

    response = gest_a.post(
        f"{API}/dossiers/{tenant_a.dossier.pk}/pieces", {"fichiers": [SimpleUploadedFile("gros.pdf", PDF_BYTES)]}
    )

    assert response.status_code == 422
    assert "20 Mo" in errors_of(response)[0]["description"]


def test_pieces_need_the_right_and_a_state_that_accepts_them(tenant_a):
    sans_droit, _ = of_user(tenant_a.etab, droits=["deposer_factures"])
    refuse = DossierFactory(of_etablissement=tenant_a.etab, etat="refuse")
    upload = {"fichiers": [SimpleUploadedFile("a.pdf", PDF_BYTES)]}

    forbidden = session_client(sans_droit).post(f"{API}/dossiers/{tenant_a.dossier.pk}/pieces", upload)
    conflict = session_client(tenant_a.gestionnaire).post(
        f"{API}/dossiers/{refuse.pk}/pieces", {"fichiers": [SimpleUploadedFile("a.pdf", PDF_BYTES)]}
    )

    assert forbidden.status_code == 403 and codes_of(forbidden) == {"interdit"}
    assert conflict.status_code == 409 and codes_of(conflict) == {"conflit"}


def test_courrier_download(gest_a, tenant_a):
    response = gest_a.get(f"{API}/courriers/{tenant_a.courrier.pk}/fichier")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"


def test_cerfa_is_rendered_or_a_clear_503(gest_a, tenant_a):
    response = gest_a.get(f"{API}/dossiers/{tenant_a.dossier.pk}/cerfa?format=docx")
    pro = gest_a.get(f"{API}/dossiers/{tenant_a.pro.pk}/cerfa")

    if response.status_code == 200:
        assert response.content.startswith(b"PK")
    else:
        assert response.status_code == 503 and codes_of(response) == {"document_indisponible"}
    assert pro.status_code == 409


def test_cerfa_unavailable_renderer_is_503(gest_a, tenant_a, monkeypatch):
    import documents

    def broken(*args, **kwargs):
        from documents.errors import ConverterUnavailable

        raise ConverterUnavailable("LibreOffice est introuvable")

    monkeypatch.setattr(documents, "render_cerfa", broken, raising=False)

    response = gest_a.get(f"{API}/dossiers/{tenant_a.dossier.pk}/cerfa")

    assert response.status_code == 503
    assert "CERFA" in response.json()["description"]


# --- The apprenticeship form -------------------------------------------------------------------


def test_draft_lifecycle_save_edit_transmit(gest_a, tenant_a):
    payload = cerfa_payload(employeur=tenant_a.entreprise, of=tenant_a.etab, complete=False)

    created = gest_a.post(
        f"{API}/dossiers/apprentissage/brouillons", {"cerfa": payload}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    dossier_id = created.json()["id"]
    assert created.json()["etat"] == "brouillon" and created.json()["numero"] is None

    full = cerfa_payload(employeur=tenant_a.entreprise, of=tenant_a.etab)
    edited = gest_a.put(f"{API}/dossiers/{dossier_id}/brouillon", {"cerfa": full}, content_type="application/json")
    assert edited.status_code == 200
    assert gest_a.get(f"{API}/dossiers/{dossier_id}/donnees").json()["apprenti"]["nom"] == "MARTIN"

    sent = gest_a.post(f"{API}/dossiers/{dossier_id}/transmettre")
    assert sent.status_code == 200, sent.content
    assert sent.json()["etat"] == "transmis" and sent.json()["numero"].endswith(".1")
    again = gest_a.post(f"{API}/dossiers/{dossier_id}/transmettre")
    assert again.status_code == 409


def test_draft_needs_both_sirets(gest_a):
    response = gest_a.post(f"{API}/dossiers/apprentissage/brouillons", {"cerfa": {}}, content_type="application/json")

    assert response.status_code == 422
    assert fields_of(response) >= {"employeur.siret", "organismeFormation.siret"}


def test_draft_delete_needs_confirmation(gest_a, tenant_a):
    url = f"{API}/dossiers/{tenant_a.brouillon.pk}/brouillon"

    assert gest_a.delete(url).status_code == 422
    assert gest_a.delete(f"{url}?confirmation=true").status_code == 204
    assert not Dossier.objects.filter(pk=tenant_a.brouillon.pk).exists()


def test_form_structure_and_verification(gest_a, tenant_a):
    form = gest_a.get(f"{API}/dossiers/apprentissage/formulaire").json()
    check = gest_a.post(
        f"{API}/dossiers/apprentissage/verification",
        {"cerfa": cerfa_payload(employeur=tenant_a.entreprise, of=tenant_a.etab)},
        content_type="application/json",
    ).json()

    assert form["blocs"]
    assert {"valide", "complet", "completude", "blocs", "erreurs"} <= set(check)
    assert all(set(e) == {"code", "description", "champ"} for e in check["erreurs"])


def test_entreprise_picker_needs_nine_digits(gest_a, tenant_a):
    found = gest_a.get(f"{API}/entreprises?siret={tenant_a.entreprise.siret[:9]}").json()
    short = gest_a.get(f"{API}/entreprises?siret=1234")

    assert [e["siret"] for e in found] == [tenant_a.entreprise.siret]
    assert short.status_code == 422


def test_avenant_and_rupture(gest_a, tenant_a):
    avenant = gest_a.post(
        f"{API}/dossiers/{tenant_a.dossier.pk}/avenants",
        {"motif": "Prolongation", "type_avenant": 33, "date_effet": "2027-01-15"},
        content_type="application/json",
    )
    assert avenant.status_code == 201, avenant.content
    assert avenant.json()["numero"] == f"{tenant_a.dossier.numero}.2"
    previous = gest_a.get(f"{API}/dossiers/{tenant_a.dossier.pk}").json()
    assert previous["etat"] == "avenant_en_instruction" and previous["avenant_id"] == avenant.json()["id"]

    rupture = gest_a.post(
        f"{API}/dossiers/{tenant_a.dossier.pk}/rupture",
        {"date_rupture": "2026-12-01", "motif": "3", "initiateur": "commun", "formation_poursuivie": True},
        content_type="application/json",
    )
    assert rupture.status_code == 409


def test_rupture_with_an_unknown_motif_is_422(gest_a, tenant_a):
    response = gest_a.post(
        f"{API}/dossiers/{tenant_a.dossier.pk}/rupture",
        {"date_rupture": "2026-12-01", "motif": "99", "initiateur": "commun", "formation_poursuivie": True},
        content_type="application/json",
    )

    assert response.status_code == 422 and fields_of(response) == {"motif"}


# --- Dépôt de facture -------------------------------------------------------------------------------


def deposit(client, dossier, **overrides):
    data = {
        "reference": "52134210241",
        "date_facture": "2026-11-02",
        "montant_ht": "3262.00",
        "montant_ttc": "3262.00",
        "commentaire": "Première échéance",
        "fichier": SimpleUploadedFile("facture.pdf", PDF_BYTES),
        "justificatifs": [SimpleUploadedFile("certificat.pdf", PDF_BYTES)],
    }
    data.update(overrides)
    return client.post(f"{API}/dossiers/{dossier.pk}/factures", {k: v for k, v in data.items() if v is not None})


def test_deposit_a_facture_with_justificatifs(gest_a, tenant_a):
    response = deposit(gest_a, tenant_a.dossier)

    assert response.status_code == 201, response.content
    facture = Facture.objects.get(pk=response.json()["id"])
    assert (facture.reference, facture.etat, facture.pieces.count()) == ("52134210241", "deposee", 1)
    assert response.json()["lien"] == f"{API}/factures/{facture.pk}"


def test_the_invoice_must_really_be_a_pdf_and_nothing_is_stored(gest_a, tenant_a):
    before = stored_files()

    response = deposit(gest_a, tenant_a.dossier, fichier=SimpleUploadedFile("facture.pdf", PNG))

    assert response.status_code == 422 and "fichier" in fields_of(response)
    assert stored_files() == before
    assert not Facture.objects.filter(reference="52134210241").exists()


def test_the_invoice_file_is_required(gest_a, tenant_a):
    response = deposit(gest_a, tenant_a.dossier, fichier=None)

    assert response.status_code == 422 and fields_of(response) == {"fichier"}


def test_invalid_amounts_are_422_with_their_fields(gest_a, tenant_a):
    response = deposit(gest_a, tenant_a.dossier, montant_ht="abc", montant_ttc="-1")

    assert response.status_code == 422
    assert {"montant_ht"} <= fields_of(response)


def test_deposit_refused_unless_the_dossier_allows_it(tenant_a):
    sans_droit, _ = of_user(tenant_a.etab, droits=["deposer_pieces"])
    non_subroge = DossierFactory(of_etablissement=tenant_a.etab, accorde=True, non_subroge=True)

    assert deposit(session_client(tenant_a.gestionnaire), tenant_a.en_attente).status_code == 409
    assert deposit(session_client(tenant_a.gestionnaire), non_subroge).status_code == 409
    assert deposit(session_client(sans_droit), tenant_a.dossier).status_code == 403


def test_duplicate_reference_is_409(gest_a, tenant_a):
    assert deposit(gest_a, tenant_a.dossier).status_code == 201
    assert deposit(gest_a, tenant_a.dossier).status_code == 409
