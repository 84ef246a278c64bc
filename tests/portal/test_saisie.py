"""Formulaire de saisie – Contrat d'apprentissage, through Django's test client: a new contract, the
draft (two SIRETs), the live verification, the employer search, the rémunération table, the
transmission, the deletion, the avenant; tenancy (404), rights (403), states (409), bad input."""

from __future__ import annotations

import html as html_module
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Habilitation
from cases.models import Dossier, TransitionLog
from rules.cerfa import example_payload
from rules.cerfa_schema import FIELDS, get_path
from rules.lifecycles import EtatDossier
from tests.factories import DossierFactory, EtablissementFactory
from tests.portal.conftest import signed_in, text_of

pytestmark = pytest.mark.django_db

NOUVEAU = "/contrats/apprentissage/nouveau/"
VERIFIER = "/contrats/apprentissage/verifier/"
ENTREPRISES = "/contrats/apprentissage/entreprises/"
CHOISIR = "/contrats/apprentissage/entreprises/choisir/"
PERIODES = "/contrats/apprentissage/periodes/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def modifier(pk: int) -> str:
    return f"/contrats/apprentissage/{pk}/"


def as_post(payload: dict, **extra) -> dict:
    """A CERFA payload as the form posts it (one input per field, booleans as oui/non)."""
    data = {}
    for path, field in FIELDS.items():
        value = get_path(payload, path)
        if field.kind == "periodes":
            for i, item in enumerate(value or []):
                for key in ("ordre", "dateDebut", "dateFin", "taux", "typeSalaire"):
                    data[f"{path}[{i}].{key}"] = str(item.get(key, ""))
        elif isinstance(value, bool):
            data[path] = "oui" if value else "non"
        elif value is not None:
            data[path] = str(value)
    data.update(extra)
    return data


def valid_payload(tenant) -> dict:
    return example_payload(tenant.entreprise.siret, tenant.etab.siret, timezone.localdate(), uai=tenant.etab.uai)


def slot(response, path: str) -> str:
    """The text of a field's error slot (``err-c-…``)."""
    field_id = "c-" + re.sub(r"[^0-9A-Za-z]+", "-", path).strip("-")
    html = response.content.decode()
    match = re.search(rf'<div id="err-{field_id}" class="erreur-slot"[^>]*>(.*?)</div>', html, flags=re.S)
    assert match, f"no error slot for {path}"
    return html_module.unescape(re.sub(r"<[^>]+>", "", match.group(1))).replace("Erreur : ", "").strip()


def input_tag(response, path: str) -> str:
    field_id = "c-" + re.sub(r"[^0-9A-Za-z]+", "-", path).strip("-")
    match = re.search(rf'<(?:input|select|textarea)[^>]*id="{field_id}"[^>]*>', response.content.decode())
    assert match, f"no input for {path}"
    return match.group(0)


def value_of(response, path: str) -> str:
    """The value an input shows, or the option a select has selected."""
    tag = input_tag(response, path)
    if tag.startswith("<select"):
        html = response.content.decode()
        block = html[html.index(tag) : html.index("</select>", html.index(tag))]
        match = re.search(r'<option value="([^"]*)" selected>', block)
    else:
        match = re.search(r'value="([^"]*)"', tag)
    return html_module.unescape(match.group(1)) if match else ""


# --- The page ---------------------------------------------------------------------------------


def test_a_new_contract_shows_the_six_blocks_of_the_guide_with_their_help_and_no_error_yet(admin_a, tenant_a):
    response = admin_a.get(NOUVEAU)
    html, text = response.content.decode(), text_of(response)

    assert response.status_code == 200
    assert html.count("<h1") == 1 and "<title>Nouveau contrat d'apprentissage — Portail OF</title>" in html
    for number, title in enumerate(
        [
            "L'employeur",
            "L'apprenti(e)",
            "Le(s) maître(s) d'apprentissage",
            "Le contrat",
            "La formation",
            "La synthèse",
        ],
        start=1,
    ):
        assert f"Bloc {number} : {title}" in text
        assert f"Aide — étape {number} : {title}" in text
    assert html.count('<details class="volet-aide" open>') == 6
    assert "Saisissez le nom de naissance et le premier prénom" in text  # Block.help of the apprenti
    assert "99 pour une naissance à l'étranger." in text  # a field's help
    # The CFA is the établissement of the header, read-only from the referential.
    assert value_of(response, "organismeFormation.siret") == tenant_a.etab.siret
    assert value_of(response, "organismeFormation.denomination") == tenant_a.etab.raison_sociale
    assert "readonly" in input_tag(response, "organismeFormation.denomination")
    # Kinds drawn from the schema: a select of the code list, oui/non radios, a date, a checkbox.
    assert '<option value="16">16 — Autre employeur privé</option>' in html
    assert 'type="radio" id="c-apprenti-handicap" name="apprenti.handicap" value="oui"' in html
    assert 'type="date" id="c-apprenti-dateNaissance"' in html
    assert 'type="checkbox" id="c-employeur-attestationPieces"' in html
    # Empty required fields are not shouted at before the user has been through them.
    assert "est obligatoire" not in text.split("La synthèse")[0]
    assert 'aria-invalid="true"' not in html
    assert 'id="garde-dialogue"' in html and "Quitter sans sauvegarder" in html


def test_the_cfa_can_be_chosen_among_the_etablissements_where_the_user_may_enter_contracts(admin_a, tenant_a):
    antenne = EtablissementFactory(raison_sociale="OF GENERIQUE ANTENNE")
    sans_droit = EtablissementFactory(raison_sociale="OF SANS DROIT")
    Habilitation.objects.create(user=tenant_a.admin, etablissement=antenne, role="admin_of")
    Habilitation.objects.create(
        user=tenant_a.admin, etablissement=sans_droit, role="gestionnaire_of", saisir_contrats=False
    )

    def options(response) -> str:
        select = re.search(
            r'<select id="c-organismeFormation-siret".*?</select>', response.content.decode(), flags=re.S
        )
        return select.group(0)

    header = admin_a.get(NOUVEAU)
    switched = admin_a.get(NOUVEAU + f"?etablissement={antenne.pk}")
    chosen = admin_a.post(NOUVEAU, {"organismeFormation.siret": antenne.siret, "_action": "verifier"})

    assert f'<option value="{tenant_a.etab.siret}" selected>' in options(header)
    assert antenne.siret in options(header) and sans_droit.siret not in options(header)
    assert f'<option value="{antenne.siret}" selected>' in options(switched)
    assert value_of(chosen, "organismeFormation.denomination") == "OF GENERIQUE ANTENNE"
    assert value_of(chosen, "organismeFormation.uaiCfa") == antenne.uai


def test_the_form_page_stays_within_twelve_queries(admin_a, tenant_a):
    draft = DossierFactory(
        of_etablissement=tenant_a.etab, entreprise=tenant_a.entreprise, brouillon=True, donnees=valid_payload(tenant_a)
    )
    for url in (NOUVEAU, modifier(draft.pk), f"/dossiers/{tenant_a.dossier.pk}/avenant/"):
        admin_a.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = admin_a.get(url)
        assert response.status_code == 200
        assert len(queries) <= 12, f"{url}: {len(queries)} requêtes"
    with CaptureQueriesContext(connection) as queries:
        admin_a.post(VERIFIER, as_post(valid_payload(tenant_a)), **HTMX)
    assert len(queries) <= 12


# --- Drafts -----------------------------------------------------------------------------------------


def test_a_draft_is_saved_with_the_two_sirets_only_and_the_page_becomes_the_draft(admin_a, tenant_a):
    before = Dossier.objects.count()

    response = admin_a.post(
        NOUVEAU,
        {
            "employeur.siret": tenant_a.entreprise.siret,
            "organismeFormation.siret": tenant_a.etab.siret,
            "_action": "brouillon",
        },
    )

    draft = Dossier.objects.order_by("-pk").first()
    assert Dossier.objects.count() == before + 1 and draft.etat == EtatDossier.BROUILLON
    assert response.status_code == 302 and response["Location"] == modifier(draft.pk)
    assert draft.donnees["employeur"]["siret"] == tenant_a.entreprise.siret
    assert draft.donnees["employeur"]["denomination"] == tenant_a.entreprise.raison_sociale  # the referential
    log = TransitionLog.objects.get(dossier=draft)
    assert log.transition == "creer_brouillon" and log.channel == "portail"
    page = admin_a.get(response["Location"])
    assert "Le brouillon a été enregistré." in text_of(page)
    assert value_of(page, "employeur.denomination") == tenant_a.entreprise.raison_sociale
    assert "readonly" in input_tag(page, "employeur.denomination")


def test_a_draft_without_the_employers_siret_is_refused_on_that_field_and_keeps_what_was_typed(admin_a, tenant_a):
    before = Dossier.objects.count()

    response = admin_a.post(
        NOUVEAU,
        {"organismeFormation.siret": tenant_a.etab.siret, "apprenti.nom": "MARTIN", "_action": "brouillon"},
    )

    assert response.status_code == 422
    assert Dossier.objects.count() == before
    assert slot(response, "employeur.siret") == "Le SIRET est obligatoire."
    assert 'aria-invalid="true"' in input_tag(response, "employeur.siret")
    assert value_of(response, "apprenti.nom") == "MARTIN"
    summary = re.search(
        r'<div class="alerte alerte-erreur resume-erreurs" role="alert".*?</div>', response.content.decode(), flags=re.S
    )
    assert summary and 'href="#c-employeur-siret"' in summary.group(0)


def test_a_draft_keeps_invalid_values_and_shows_their_errors(admin_a, tenant_a):
    response = admin_a.post(
        modifier(tenant_a.brouillon.pk),
        {
            "employeur.siret": tenant_a.entreprise.siret,
            "organismeFormation.siret": tenant_a.etab.siret,
            "apprenti.courriel": "pas-une-adresse",
            "contrat.dureeTravailHebdoHeures": "trente-cinq",
            "_action": "brouillon",
        },
    )

    assert response.status_code == 302
    tenant_a.brouillon.refresh_from_db()
    assert tenant_a.brouillon.donnees["apprenti"]["courriel"] == "pas-une-adresse"
    assert tenant_a.brouillon.donnees["contrat"]["dureeTravailHebdoHeures"] == "trente-cinq"
    page = admin_a.get(response["Location"])
    assert "L'adresse électronique est invalide" in slot(page, "apprenti.courriel")
    assert slot(page, "contrat.dureeTravailHebdoHeures") == "Un nombre entier est attendu."
    assert slot(page, "apprenti.nom") == ""  # empty: not shouted at
    assert "Il reste" in text_of(page)


def test_a_draft_is_deleted_after_confirmation(admin_a, tenant_a):
    url = f"/contrats/apprentissage/{tenant_a.brouillon.pk}/supprimer/"

    page = admin_a.get(url)
    in_dialog = admin_a.get(url, **HTMX)
    response = admin_a.post(url)

    assert page.status_code == 200 and "<h1>Supprimer le brouillon</h1>" in page.content.decode()
    assert "Vous êtes sur le point de supprimer votre brouillon. Voulez-vous continuer ?" in text_of(page)
    assert '<h2 id="dialogue-titre">Supprimer le brouillon</h2>' in in_dialog.content.decode()
    assert "<h1" not in in_dialog.content.decode() and "data-fermer" in in_dialog.content.decode()
    assert response.status_code == 302 and response["Location"] == "/dossiers/apprentissage/?vue=brouillon"
    assert not Dossier.objects.filter(pk=tenant_a.brouillon.pk).exists()


# --- Live verification ------------------------------------------------------------------------------


def test_the_verification_answers_the_changed_fields_error_and_its_blocks_status_out_of_band(admin_a, tenant_a):
    debut = date(2027, 1, 4)
    data = {
        "contrat.dateDebutContrat": debut.isoformat(),
        "apprenti.dateNaissance": "2014-05-02",  # 12 at the start
        "_dernier": "apprenti.dateNaissance",
        "_vus": "contrat.dateDebutContrat apprenti.dateNaissance",
    }

    response = admin_a.post(VERIFIER, data, **HTMX)
    html = response.content.decode()

    assert response.status_code == 200
    assert slot(response, "apprenti.dateNaissance") == (
        "L'apprenti(e) aurait 12 ans au début du contrat : l'âge minimum est de 15 ans."
    )
    assert '<div id="err-c-apprenti-dateNaissance" class="erreur-slot" hx-swap-oob="true">' in html
    assert re.search(
        r'<span id="statut-apprenti" class="statut-bloc statut-erreur" hx-swap-oob="true">[^<]*1 erreur', html
    )
    assert slot(response, "apprenti.nom") == ""  # not visited, the block not left
    assert "aurait 12 ans" in re.search(r'<div id="saisie-annonce" hx-swap-oob="innerHTML">(.*?)</div>', html).group(1)

    left = admin_a.post(VERIFIER, {**data, "_blocs": "apprenti"}, **HTMX)

    assert slot(left, "apprenti.nom") == "Le champ « Nom de naissance » est obligatoire."
    assert slot(left, "maitre1.nom") == ""  # another block, not left yet


def test_verifier_without_javascript_shows_every_error_and_bloc_suivant_the_blocks(admin_a, tenant_a):
    everything = admin_a.post(NOUVEAU, {"_action": "verifier"})
    next_block = admin_a.post(NOUVEAU, {"_action": "suivant:employeur", "apprenti.nom": "MARTIN"})

    assert everything.status_code == 200
    assert slot(everything, "apprenti.nom") == "Le champ « Nom de naissance » est obligatoire."
    assert 'role="alert"' in everything.content.decode()
    assert slot(next_block, "employeur.siret") == (
        "Le champ « N° SIRET de l'établissement d'exécution du contrat » est obligatoire."
    )
    assert slot(next_block, "apprenti.prenom") == ""
    assert value_of(next_block, "apprenti.nom") == "MARTIN"
    assert 'name="_blocs" value="employeur"' in next_block.content.decode()


# --- Employer search ----------------------------------------------------------------------------


def test_the_employer_search_needs_nine_digits_and_lists_the_referentials_etablissements(admin_a, tenant_a):
    siren = tenant_a.entreprise.siret[:9]

    found = admin_a.post(ENTREPRISES, {"_recherche": siren}, **HTMX)
    short = admin_a.post(ENTREPRISES, {"_recherche": siren[:8]}, **HTMX)
    unknown = admin_a.post(ENTREPRISES, {"_recherche": "99999999900000"}, **HTMX)

    assert found.status_code == 200
    assert tenant_a.entreprise.raison_sociale in text_of(found)
    assert f'name="_choisir" value="{tenant_a.entreprise.siret}"' in found.content.decode()
    assert short.status_code == 422
    assert "Saisissez au moins les 9 premiers chiffres du SIRET." in text_of(short)
    assert unknown.status_code == 200 and "Aucun établissement référencé par l'OPCO" in text_of(unknown)
    # Without JavaScript, Enter in the search box submits the form's first button: a search.
    enter = admin_a.post(NOUVEAU, {"_recherche": siren, "_action": "entree", "apprenti.nom": "MARTIN"})
    assert enter.status_code == 200 and f'name="_choisir" value="{tenant_a.entreprise.siret}"' in enter.content.decode()
    assert value_of(enter, "apprenti.nom") == "MARTIN"


def test_choosing_an_etablissement_fills_the_grey_referential_fields_with_or_without_javascript(admin_a, tenant_a):
    entreprise = tenant_a.entreprise
    entreprise.effectif = 42
    entreprise.libelle_idcc = "Transports routiers"
    entreprise.save()

    htmx = admin_a.post(CHOISIR, {"_choisir": entreprise.siret, "employeur.telephone": "01 23 45 67 89"}, **HTMX)
    plain = admin_a.post(NOUVEAU, {"_recherche": entreprise.siret, "_action": "rechercher", "apprenti.nom": "MARTIN"})
    chosen = admin_a.post(NOUVEAU, {"_choisir": entreprise.siret, "apprenti.nom": "MARTIN"})

    assert htmx.status_code == 200
    assert '<div class="champ" id="champ-c-employeur-denomination" hx-swap-oob="true">' in htmx.content.decode()
    assert value_of(htmx, "employeur.denomination") == entreprise.raison_sociale
    assert "c-employeur-telephone" not in htmx.content.decode()  # only the grey fields are redrawn
    assert "Établissement sélectionné" in text_of(htmx)
    assert plain.status_code == 200 and f'value="{entreprise.siret}"' in plain.content.decode()
    assert value_of(plain, "apprenti.nom") == "MARTIN"
    for path, expected in (
        ("employeur.siret", entreprise.siret),
        ("employeur.denomination", entreprise.raison_sociale),
        ("employeur.adresse.codePostal", "92310"),
        ("employeur.adresse.commune", "SEVRES"),
        ("employeur.naf", "4932Z"),
        ("employeur.nombreDeSalaries", "42"),
        ("employeur.codeIdcc", "1090"),
        ("employeur.libelleIdcc", "Transports routiers"),
        ("employeur.typeEmployeur", "16 — Autre employeur privé"),
    ):
        assert value_of(chosen, path) == expected, path
        assert "readonly" in input_tag(chosen, path), path
    assert value_of(chosen, "apprenti.nom") == "MARTIN"
    assert "readonly" not in input_tag(chosen, "employeur.telephone")
    assert f"Établissement sélectionné : {entreprise.raison_sociale}" in text_of(chosen)


def test_choosing_another_employer_drops_the_previous_ones_referential_data(admin_a, tenant_a):
    first = tenant_a.entreprise
    first.effectif = 42
    first.save()
    other = EtablissementFactory(entreprise=True, raison_sociale="AUTRE EMPLOYEUR", effectif=None, naf="")

    page = admin_a.post(NOUVEAU, {"_choisir": first.siret})
    data = {
        "employeur.siret": first.siret,
        "employeur.nombreDeSalaries": value_of(page, "employeur.nombreDeSalaries"),
        "employeur.naf": value_of(page, "employeur.naf"),
        "employeur.telephone": "01 23 45 67 89",
        "_choisir": other.siret,
    }
    switched = admin_a.post(NOUVEAU, data)

    assert value_of(page, "employeur.nombreDeSalaries") == "42"
    assert value_of(switched, "employeur.denomination") == "AUTRE EMPLOYEUR"
    assert value_of(switched, "employeur.nombreDeSalaries") == ""
    assert "readonly" not in input_tag(switched, "employeur.nombreDeSalaries")
    assert value_of(switched, "employeur.naf") == ""
    assert value_of(switched, "employeur.telephone") == "01 23 45 67 89"


def test_a_public_employer_is_found_but_told_apart_and_refused_on_save(admin_a, tenant_a):
    commune = EtablissementFactory(public=True)

    found = admin_a.post(ENTREPRISES, {"_recherche": commune.siret}, **HTMX)
    chosen = admin_a.post(NOUVEAU, {"_choisir": commune.siret})
    saved = admin_a.post(
        NOUVEAU,
        {"employeur.siret": commune.siret, "organismeFormation.siret": tenant_a.etab.siret, "_action": "brouillon"},
    )

    assert "(employeur public)" in text_of(found)
    assert "Employeur du secteur public" in slot(chosen, "employeur.typeEmployeur")
    assert saved.status_code == 422
    assert slot(saved, "employeur.siret") == (
        "Employeur du secteur public : l'OPCO n'est pas habilité à instruire ses contrats d'apprentissage."
    )


def test_an_unknown_employer_siret_gets_the_services_message_on_save(admin_a, tenant_a):
    unknown = EtablissementFactory.build().siret  # a valid SIRET that the referential does not hold

    saved = admin_a.post(
        NOUVEAU, {"employeur.siret": unknown, "organismeFormation.siret": tenant_a.etab.siret, "_action": "brouillon"}
    )

    assert saved.status_code == 422
    assert slot(saved, "employeur.siret") == (
        "Cet établissement n'est pas référencé par l'OPCO : contactez votre délégation régionale."
    )
    assert value_of(saved, "employeur.siret") == unknown


# --- Rémunération -------------------------------------------------------------------------------

DATES_18_ANS = {
    "apprenti.dateNaissance": "2008-06-15",  # 18 on 4 January 2027, 21 after the end
    "contrat.dateDebutContrat": "2027-01-04",
    "contrat.dateFinContrat": "2029-01-03",
}


def test_the_remuneration_table_is_computed_for_an_18_year_old(admin_a, tenant_a):
    response = admin_a.post(VERIFIER, DATES_18_ANS, **HTMX)
    table = re.search(r'<div id="remuneration-calculee".*?</table>', response.content.decode(), flags=re.S).group(0)
    rows = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(r"<tr><th scope=\"row\">.*?</tr>", table, flags=re.S)
    ]

    assert 'hx-swap-oob="true"' in table and "l'apprenti(e) a 18 ans au début du contrat" in table
    assert rows == [
        "1.1 4 janvier 2027 3 janvier 2028 18 ans 43 % 43 % SMIC 783,91 €",
        "2.1 4 janvier 2028 3 janvier 2029 19 ans 51 % 51 % SMIC 929,75 €",
    ]


def test_reprendre_le_bareme_minimal_fills_the_periods_and_a_lower_rate_is_refused_on_its_row(admin_a, tenant_a):
    htmx = admin_a.post(PERIODES, {**DATES_18_ANS, "_action": "bareme"}, **HTMX)
    plain = admin_a.post(NOUVEAU, {**DATES_18_ANS, "_action": "bareme"})

    for response in (htmx, plain):
        assert value_of(response, "contrat.remunerationsAnnuelles[0].ordre") == "1.1"
        assert value_of(response, "contrat.remunerationsAnnuelles[0].dateDebut") == "2027-01-04"
        assert value_of(response, "contrat.remunerationsAnnuelles[1].taux") == "51"
    assert htmx.content.decode().lstrip().startswith('<div id="periodes"')

    periods = {
        "contrat.remunerationsAnnuelles[0].ordre": "1.1",
        "contrat.remunerationsAnnuelles[0].dateDebut": "2027-01-04",
        "contrat.remunerationsAnnuelles[0].dateFin": "2028-01-03",
        "contrat.remunerationsAnnuelles[0].taux": "40",
        "contrat.remunerationsAnnuelles[0].typeSalaire": "SMIC",
        "contrat.remunerationsAnnuelles[1].ordre": "2.1",
        "contrat.remunerationsAnnuelles[1].dateDebut": "2028-01-04",
        "contrat.remunerationsAnnuelles[1].dateFin": "2029-01-03",
        "contrat.remunerationsAnnuelles[1].taux": "60,5",
        "contrat.remunerationsAnnuelles[1].typeSalaire": "SMIC",
    }
    checked = admin_a.post(VERIFIER, {**DATES_18_ANS, **periods}, **HTMX)

    assert slot(checked, "contrat.remunerationsAnnuelles[0].taux") == (
        "Période 1.1 : le taux de 40 % est inférieur au minimum légal de 43 % (1re année, 18 à 20 ans)."
    )
    assert slot(checked, "contrat.remunerationsAnnuelles[1].taux") == ""  # raised: accepted
    assert "60,5 %" in checked.content.decode()  # the retained rate in the computed table
    assert "1 102,94 €" in checked.content.decode()  # 1 823,03 × 60,5 % = 1 102,933…, rounded up


# --- Transmission -------------------------------------------------------------------------------


def test_a_complete_contract_is_transmitted_numbered_and_logged_on_the_portal_channel(admin_a, tenant_a):
    response = admin_a.post(NOUVEAU, as_post(valid_payload(tenant_a), _action="transmettre"))

    dossier = Dossier.objects.order_by("-pk").first()
    assert response.status_code == 302, text_of(response)[:2000]
    assert response["Location"] == f"/dossiers/{dossier.pk}/"
    assert dossier.etat == EtatDossier.TRANSMIS and dossier.numero and dossier.version == 1
    journal = TransitionLog.objects.filter(dossier=dossier).order_by("pk")
    assert [(j.transition, j.channel) for j in journal] == [("creer_brouillon", "portail"), ("transmettre", "portail")]
    periods = dossier.donnees["contrat"]["remunerationsAnnuelles"]
    assert all("salaireBrut" in p and "tauxMinimal" in p for p in periods)
    stored = [m.message for m in response.wsgi_request._messages]
    assert stored == [f"Le contrat {dossier.numero}.1 a été transmis."]


def test_an_incomplete_contract_is_not_transmitted_stays_a_draft_and_loses_nothing(admin_a, tenant_a):
    payload = valid_payload(tenant_a)
    del payload["apprenti"]["nom"]
    payload["synthese"]["attestationMandat"] = False

    response = admin_a.post(modifier(tenant_a.brouillon.pk), as_post(payload, _action="transmettre"))

    tenant_a.brouillon.refresh_from_db()
    assert response.status_code == 422
    assert tenant_a.brouillon.etat == EtatDossier.BROUILLON and tenant_a.brouillon.numero is None
    assert "nom" not in tenant_a.brouillon.donnees["apprenti"]  # saved as typed
    assert slot(response, "apprenti.nom") == "Le champ « Nom de naissance » est obligatoire."
    assert slot(response, "synthese.attestationMandat") == "Cette attestation est obligatoire."
    assert value_of(response, "apprenti.prenom") == "Léa"
    assert "ne peut pas encore être transmis" in text_of(response)


def test_a_refused_transmission_of_a_new_contract_continues_on_its_draft(admin_a, tenant_a):
    payload = valid_payload(tenant_a)
    del payload["maitre1"]

    response = admin_a.post(NOUVEAU, as_post(payload, _action="transmettre"))

    draft = Dossier.objects.order_by("-pk").first()
    assert response.status_code == 422 and draft.etat == EtatDossier.BROUILLON
    assert f'action="{modifier(draft.pk)}"' in response.content.decode()


# --- Avenant --------------------------------------------------------------------------------------


def test_an_avenant_on_an_accorde_contract_creates_version_2(admin_a, tenant_a):
    contract = tenant_a.dossier
    page = admin_a.get(f"/dossiers/{contract.pk}/avenant/")
    payload = dict(contract.donnees)
    data = as_post(payload)
    data.update(
        {
            "contrat.typeContratApp": "36",
            "contrat.dateEffetAvenant": payload["contrat"]["dateFinContrat"],
            "contrat.numeroContratPrecedent": contract.numero_depot,
            "maitre1.nom": "BERNARD",
            "motif": "Changement de maître d'apprentissage",
            "_action": "transmettre",
        }
    )

    response = admin_a.post(f"/dossiers/{contract.pk}/avenant/", data)

    assert page.status_code == 200 and "Créer un avenant" in text_of(page)
    assert value_of(page, "contrat.numeroContratPrecedent") == contract.numero_depot
    assert '<option value="36">36 — Autres changements' in page.content.decode()
    assert '<option value="11"' not in re.search(
        r'<select id="c-contrat-typeContratApp".*?</select>', page.content.decode(), flags=re.S
    ).group(0)
    avenant = Dossier.objects.get(version_precedente=contract)
    assert response.status_code == 302 and response["Location"] == f"/dossiers/{avenant.pk}/"
    assert avenant.version == 2 and avenant.numero == contract.numero and avenant.etat == EtatDossier.TRANSMIS
    assert avenant.donnees["maitre1"]["nom"] == "BERNARD" and avenant.donnees["contrat"]["typeContratApp"] == 36
    contract.refresh_from_db()
    assert contract.etat == EtatDossier.AVENANT_EN_COURS
    assert TransitionLog.objects.get(dossier=avenant).channel == "portail"


def test_an_avenant_without_type_nor_motif_is_refused_on_those_fields(admin_a, tenant_a):
    contract = tenant_a.dossier
    data = as_post(contract.donnees, _action="transmettre")
    data.pop("contrat.typeContratApp")

    response = admin_a.post(f"/dossiers/{contract.pk}/avenant/", data)

    assert response.status_code == 422
    assert slot(response, "motif") == "Précisez l'objet de l'avenant."
    assert not Dossier.objects.filter(version_precedente=contract).exists()


# --- Tenancy, rights, states ------------------------------------------------------------------------


def test_another_ofs_dossiers_are_not_found_on_every_url(admin_a, tenant_b):
    urls = [
        modifier(tenant_b.brouillon.pk),
        f"/contrats/apprentissage/{tenant_b.brouillon.pk}/supprimer/",
        f"/dossiers/{tenant_b.dossier.pk}/avenant/",
    ]
    for url in urls:
        assert admin_a.get(url).status_code == 404, url
        for action in ("verifier", "brouillon", "transmettre"):
            assert admin_a.post(url, {"_action": action}).status_code == 404, (url, action)
    assert Dossier.objects.filter(pk=tenant_b.brouillon.pk).exists()


def test_a_gestionnaire_without_the_right_to_enter_contracts_gets_403(tenant_a):
    Habilitation.objects.filter(user=tenant_a.gestionnaire).update(saisir_contrats=False)
    client = signed_in(tenant_a.gestionnaire)

    assert client.get(NOUVEAU).status_code == 403
    assert client.post(NOUVEAU, {"_action": "brouillon"}).status_code == 403
    assert client.get(modifier(tenant_a.brouillon.pk)).status_code == 403
    assert client.post(modifier(tenant_a.brouillon.pk), {"_action": "transmettre"}).status_code == 403
    assert client.get(f"/contrats/apprentissage/{tenant_a.brouillon.pk}/supprimer/").status_code == 403
    assert client.get(f"/dossiers/{tenant_a.dossier.pk}/avenant/").status_code == 403
    assert client.post(VERIFIER, {}, **HTMX).status_code == 403
    assert client.post(ENTREPRISES, {"_recherche": "123456789"}, **HTMX).status_code == 403


def test_a_dossier_that_is_no_longer_a_draft_cannot_be_edited_409(admin_a, tenant_a):
    response = admin_a.get(modifier(tenant_a.dossier.pk))

    assert response.status_code == 409 and "Action impossible" in text_of(response)
    assert admin_a.get(f"/dossiers/{tenant_a.brouillon.pk}/avenant/").status_code == 409


# --- Bad input ------------------------------------------------------------------------------------


def test_bad_input_never_breaks_the_page_and_each_value_gets_its_french_message(admin_a, tenant_a):
    data = {
        "employeur.siret": tenant_a.entreprise.siret,
        "organismeFormation.siret": tenant_a.etab.siret,
        "contrat.dateDebutContrat": "9999-12-31",
        "contrat.dateFinContrat": "0001-01-01",
        "apprenti.dateNaissance": "31/02/2008",
        "contrat.dureeTravailHebdoHeures": "35h",
        "formation.dureeFormation": "9" * 5000,
        "formation.intituleQualification": "x" * 5000,
        "apprenti.sexe": "Z",
        "apprenti.nationalite": "42",
        "apprenti.handicap": "peut-être",
        "contrat.salaireEmbauche": "beaucoup",
        "_action": "verifier",
    }

    response = admin_a.post(NOUVEAU, data)

    assert response.status_code == 200
    assert slot(response, "contrat.dateDebutContrat") == "La date est invalide (format attendu : aaaa-mm-jj)."
    assert slot(response, "contrat.dateFinContrat") == "La date est invalide (format attendu : aaaa-mm-jj)."
    assert slot(response, "apprenti.dateNaissance") == "La date est invalide (format attendu : aaaa-mm-jj)."
    assert slot(response, "contrat.dureeTravailHebdoHeures") == "Un nombre entier est attendu."
    assert slot(response, "formation.dureeFormation") == "Un nombre entier est attendu."
    assert slot(response, "formation.intituleQualification") == "Ce champ ne doit pas dépasser 255 caractères."
    assert slot(response, "apprenti.sexe") == "La valeur « Z » ne figure pas dans la liste « Sexe »."
    assert slot(response, "apprenti.nationalite") == "La valeur « 42 » ne figure pas dans la liste « Nationalité »."
    assert slot(response, "apprenti.handicap") == "Répondez par oui ou par non."
    assert slot(response, "contrat.salaireEmbauche") == "Un nombre est attendu (ex. : 1234.56)."
    assert value_of(response, "contrat.dureeTravailHebdoHeures") == "35h"
    assert value_of(response, "apprenti.dateNaissance") == "2008-02-31"  # read as a French date, kept as typed
    assert 'type="text" id="c-apprenti-dateNaissance"' in response.content.decode()
    assert value_of(response, "formation.intituleQualification") == "x" * 5000
    assert '<option value="Z" selected>' in response.content.decode()

    saved = admin_a.post(NOUVEAU, {**data, "_action": "brouillon"})
    assert saved.status_code == 302
    draft = Dossier.objects.order_by("-pk").first()
    assert draft.donnees["apprenti"]["sexe"] == "Z" and draft.donnees["contrat"]["dureeTravailHebdoHeures"] == "35h"


def test_nul_bytes_are_refused_on_their_field_and_nothing_is_saved(admin_a, tenant_a):
    before = Dossier.objects.count()
    data = {
        "employeur.siret": tenant_a.entreprise.siret,
        "organismeFormation.siret": tenant_a.etab.siret,
        "apprenti.nom": "MAR\x00TIN",
        "_action": "brouillon",
    }

    response = admin_a.post(NOUVEAU, data)
    checked = admin_a.post(VERIFIER, data, **HTMX)

    assert response.status_code == 422 and Dossier.objects.count() == before
    assert "caractères nuls" in slot(response, "apprenti.nom")
    assert value_of(response, "apprenti.nom") == "MARTIN"
    assert checked.status_code == 200 and "caractères nuls" in slot(checked, "apprenti.nom")
