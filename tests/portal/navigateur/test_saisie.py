"""The guide's journey « nouveau contrat d'apprentissage à partir de deux SIRET → erreurs en ligne →
complet → transmis » in a real browser, and the two guards of the form: leaving with unsaved changes,
deleting a draft through the confirmation dialog."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Dossier
from rules.cerfa import example_payload
from rules.cerfa_schema import FIELDS, get_path
from rules.lifecycles import EtatDossier
from tests.portal.navigateur.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "motdepasse-solide-42"


def dom_id(path: str) -> str:
    return "c-" + re.sub(r"[^0-9A-Za-z]+", "-", path).strip("-")


def fill_from(page, payload: dict) -> None:
    """Type every field of ``payload`` the way a clerk would: selects, oui/non, boxes, text."""
    for path, field in FIELDS.items():
        value = get_path(payload, path)
        if value is None or field.kind == "periodes":
            continue
        element = page.locator(f"#{dom_id(path)}")
        if element.get_attribute("readonly") is not None:
            continue
        if field.kind == "booleen":
            page.locator(f"#{dom_id(path)}" if value else f"#{dom_id(path)}-non").check()
        elif field.kind == "attestation":
            element.check() if value else element.uncheck()
        elif element.evaluate("e => e.tagName") == "SELECT":
            element.select_option(str(value))
        else:
            element.fill(str(value))


def test_new_contract_from_two_sirets_inline_errors_complete_transmit(page, live_server, tenant_a):
    payload = example_payload(
        tenant_a.entreprise.siret, tenant_a.etab.siret, timezone.localdate(), uai=tenant_a.etab.uai
    )
    sign_in(page, live_server, tenant_a.admin.email, PASSWORD)

    # From the dashboard: « + Créer un nouveau contrat ».
    page.get_by_role("link", name="+ Créer un nouveau contrat").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Formulaire de saisie – Contrat d'apprentissage")
    expect(page.locator("#c-organismeFormation-siret")).to_have_value(tenant_a.etab.siret)
    assert_accessible(page)

    # « Sélectionner un établissement »: too short, then the SIREN, then choose it.
    search = page.get_by_label("Rechercher un établissement par son SIRET")
    search.fill(tenant_a.entreprise.siret[:8])
    page.get_by_role("button", name="Rechercher").click()
    expect(page.locator("#err-recherche-siret")).to_contain_text("Saisissez au moins les 9 premiers chiffres du SIRET.")
    expect(search).to_have_attribute("aria-invalid", "true")
    search.fill(tenant_a.entreprise.siret[:9])
    search.press("Enter")
    page.get_by_role("button", name=re.compile(f"Choisir {tenant_a.entreprise.raison_sociale}")).click()
    expect(page.locator("#resultats-employeur")).to_contain_text("Établissement sélectionné")
    denomination = page.get_by_label("Nom et prénom ou dénomination")
    expect(denomination).to_have_value(tenant_a.entreprise.raison_sociale)
    expect(denomination).to_have_attribute("readonly", "")
    expect(page.locator("#c-employeur-siret")).to_have_value(tenant_a.entreprise.siret)
    assert_accessible(page)

    # Two SIRETs are enough for a draft; the page becomes the draft.
    page.get_by_role("button", name="Sauvegarder le brouillon").click()
    expect(page.get_by_role("status")).to_contain_text("Le brouillon a été enregistré.")
    draft = Dossier.objects.get(entreprise=tenant_a.entreprise, etat=EtatDossier.BROUILLON, salarie_nom="")
    expect(page).to_have_url(f"{live_server.url}/contrats/apprentissage/{draft.pk}/")
    assert_accessible(page)

    # An apprentice of 12: the error appears as the field is left, without submitting.
    page.get_by_label("Date de début d'exécution du contrat").fill(payload["contrat"]["dateDebutContrat"])
    birth = page.locator("#c-apprenti-dateNaissance")
    birth.fill("2015-01-10")
    birth.press("Tab")
    error = page.locator("#err-c-apprenti-dateNaissance")
    expect(error).to_contain_text("ans au début du contrat : l'âge minimum est de 15 ans.")
    expect(birth).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#statut-apprenti")).to_contain_text("erreur")
    expect(page.locator("#err-c-apprenti-nom")).to_be_empty()  # not visited yet: not shouted at
    expect(page).to_have_url(f"{live_server.url}/contrats/apprentissage/{draft.pk}/")
    assert_accessible(page)

    # Leaving the block tells its missing fields.
    page.get_by_role("button", name="Bloc suivant : 2 L'apprenti(e)").click()
    expect(page.locator("#titre-bloc-apprenti")).to_be_focused()
    page.get_by_role("button", name="Bloc suivant : 3 Le(s) maître(s) d'apprentissage").click()
    expect(page.locator("#err-c-apprenti-nom")).to_contain_text("Le champ « Nom de naissance » est obligatoire.")

    # Every block completed; the pay periods from the computed grid.
    fill_from(page, payload)
    expect(page.locator("#err-c-apprenti-dateNaissance")).to_be_empty()
    expect(birth).not_to_have_attribute("aria-invalid", "true")
    table = page.locator("#remuneration-calculee")
    expect(table).to_contain_text("l'apprenti(e) a 18 ans au début du contrat")
    expect(table).to_contain_text("43 %")
    page.get_by_role("button", name="Reprendre le barème minimal").click()
    expect(page.locator("#c-contrat-remunerationsAnnuelles-0-ordre")).to_have_value("1.1")
    expect(page.locator("#c-contrat-remunerationsAnnuelles-1-ordre")).to_have_value("2.1")
    expect(page.get_by_label("L'organisme de formation atteste disposer")).to_be_checked()
    expect(page.get_by_label(re.compile("J'atteste sur l'honneur"))).to_be_checked()
    for key in ("employeur", "apprenti", "maitres", "contrat", "formation", "synthese"):
        expect(page.locator(f"#statut-{key}")).to_have_text("Complet")
    expect(page.locator("#synthese-etat")).to_contain_text("Le formulaire est complet")
    assert_accessible(page)

    page.get_by_role("button", name="Transmettre", exact=True).click()

    dossier = Dossier.objects.get(pk=draft.pk)
    expect(page).to_have_url(f"{live_server.url}/dossiers/{draft.pk}/")
    expect(page.get_by_role("status")).to_contain_text(f"Le contrat {dossier.numero}.1 a été transmis.")
    assert dossier.etat == EtatDossier.TRANSMIS
    expect(page.get_by_role("main")).to_contain_text("Transmis")
    expect(page.get_by_role("main")).to_contain_text(str(dossier.numero))
    assert_accessible(page)


def test_leaving_with_unsaved_changes_shows_the_guides_dialog(page, live_server, tenant_a):
    sign_in(page, live_server, tenant_a.admin.email, PASSWORD)
    page.goto(f"{live_server.url}/contrats/apprentissage/{tenant_a.brouillon.pk}/")
    page.get_by_label("Nom d'usage").fill("DUPONT")

    page.get_by_role("link", name="Mes dossiers").click()

    dialog = page.get_by_role("dialog", name="Sauvegarder le brouillon")
    expect(dialog).to_contain_text(
        "Les informations que vous avez saisies n'ont pas été enregistrées. Pour les conserver, cliquez sur le "
        'bouton "Sauvegarder le brouillon" situé en bas du formulaire.'
    )
    assert_accessible(page)
    dialog.get_by_role("button", name="J'ai compris").click()
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(f"{live_server.url}/contrats/apprentissage/{tenant_a.brouillon.pk}/")
    expect(page.get_by_label("Nom d'usage")).to_have_value("DUPONT")

    page.get_by_role("link", name="Mes dossiers").click()
    page.get_by_role("button", name="Quitter sans sauvegarder").click()

    expect(page).to_have_url(re.compile(r"/dossiers/apprentissage/"))
    tenant_a.brouillon.refresh_from_db()
    assert "nomUsage" not in tenant_a.brouillon.donnees.get("apprenti", {})


def test_deleting_a_draft_through_the_confirmation_dialog(page, live_server, tenant_a):
    sign_in(page, live_server, tenant_a.admin.email, PASSWORD)
    page.goto(f"{live_server.url}/contrats/apprentissage/{tenant_a.brouillon.pk}/")

    page.get_by_role("link", name="Supprimer le brouillon").click()

    dialog = page.get_by_role("dialog", name="Supprimer le brouillon")
    expect(dialog).to_contain_text("Vous êtes sur le point de supprimer votre brouillon. Voulez-vous continuer ?")
    assert_accessible(page)
    dialog.get_by_role("button", name="Annuler").click()
    expect(dialog).to_be_hidden()
    assert Dossier.objects.filter(pk=tenant_a.brouillon.pk).exists()

    page.get_by_role("link", name="Supprimer le brouillon").click()
    dialog.get_by_role("button", name="Confirmer").click()

    expect(page).to_have_url(f"{live_server.url}/dossiers/apprentissage/?vue=brouillon")
    expect(page.get_by_role("status")).to_contain_text("Le brouillon a été supprimé.")
    assert not Dossier.objects.filter(pk=tenant_a.brouillon.pk).exists()
    assert_accessible(page)
