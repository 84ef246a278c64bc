"""Every page of the portal in a real browser: axe-core finds no serious or critical violation, each page
has one h1 and its own title, nothing is wider than a laptop (1280 px) or a tablet (768 px) screen.

The list of pages is checked against the portal's URL patterns: a new route that is neither a page
visited here nor a declared non-page (a download, a POST, an htmx fragment, a redirect) fails the
suite, so that no screen escapes these checks.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.actors import Actor
from accounts.services import HabilitationInput, UserInput, invitation_create
from cases.models import Echeance
from tests.portal.navigateur.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "motdepasse-solide-42"

# Pages seen by a signed-in administrator of OF A: URL name → its arguments from the world.
PAGES = {
    "tableau_de_bord": lambda w: {},
    "preferences": lambda w: {},
    "mot_de_passe": lambda w: {},
    "guide": lambda w: {},
    "accessibilite": lambda w: {},
    "notifications": lambda w: {},
    "notifications_tout_supprimer": lambda w: {},
    "notification_supprimer": lambda w: {"notification_id": w["notification"].pk},
    "dossiers": lambda w: {"dispositif": "apprentissage"},
    "dossier": lambda w: {"dossier_id": w["tenant"].dossier.pk},
    "dossier_pieces": lambda w: {"dossier_id": w["tenant"].dossier.pk},
    "dossier_facture": lambda w: {"dossier_id": w["tenant"].dossier.pk},
    "dossier_rupture": lambda w: {"dossier_id": w["tenant"].dossier.pk},
    "saisie_nouveau": lambda w: {},
    "saisie_modifier": lambda w: {"dossier_id": w["tenant"].brouillon.pk},
    "saisie_supprimer": lambda w: {"dossier_id": w["tenant"].brouillon.pk},
    "avenant": lambda w: {"dossier_id": w["tenant"].dossier.pk},
    "factures": lambda w: {},
    "facture": lambda w: {"facture_id": w["tenant"].facture.pk},
    "echeances": lambda w: {},
    "paiements": lambda w: {},
    "paiement": lambda w: {"reglement_id": w["tenant"].reglement.pk},
    "utilisateurs": lambda w: {},
    "utilisateur_inviter": lambda w: {},
    "utilisateur": lambda w: {"user_id": w["tenant"].gestionnaire.pk},
    "utilisateur_activation": lambda w: {"user_id": w["tenant"].gestionnaire.pk},
    "invitation_annuler": lambda w: {"invitation_id": w["invitation"].pk},
    "etablissements": lambda w: {},
    "etablissement": lambda w: {"etablissement_id": w["tenant"].etab.pk},
    "cle": lambda w: {},
    "cle_generer": lambda w: {},
    "cle_revoquer": lambda w: {"cle_id": w["tenant"].key_obj.pk},
}
# Pages seen without signing in.
PUBLIC_PAGES = {
    "connexion": lambda w: {},
    "mot_de_passe_oublie": lambda w: {},
    "mot_de_passe_oublie_envoye": lambda w: {},
    "reinitialiser": lambda w: {"uidb64": w["uid"], "token": w["reset_token"]},
    "reinitialisation_terminee": lambda w: {},
    "invitation": lambda w: {"token": w["invitation_token"]},
}
# Routes that are not pages, and why.
NOT_PAGES = {
    "accueil": "redirection vers le tableau de bord",
    "deconnexion": "POST",
    "guide_pdf": "téléchargement",
    "guide_markdown": "téléchargement",
    "fichier_courrier": "téléchargement",
    "fichier_piece": "téléchargement",
    "fichier_facture": "téléchargement",
    "fichier_cerfa": "téléchargement",
    "fichier_avis": "téléchargement",
    "notifications_tout_lu": "POST",
    "notification_examiner": "redirection vers l'objet",
    "notification_lue": "POST",
    "saisie_verifier": "fragment htmx",
    "saisie_entreprises": "fragment htmx (et page sans JavaScript, vue dans la saisie)",
    "saisie_choisir": "fragment htmx",
    "saisie_periodes": "fragment htmx",
    "factures_export": "téléchargement",
    "paiements_export": "téléchargement",
    "facture_pieces": "POST",
    "invitation_renvoyer": "POST",
}


def portal_route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(pattern.name)

    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace == "portal":
            walk(pattern.url_patterns)
    return names


@pytest.mark.django_db
def test_every_portal_route_is_a_checked_page_or_a_declared_non_page():
    routes = portal_route_names()
    declared = set(PAGES) | set(PUBLIC_PAGES) | set(NOT_PAGES)

    assert routes - declared == set(), "routes du portail sans vérification d'accessibilité"
    assert declared - routes == set(), "pages déclarées qui n'existent plus"


@pytest.fixture
def world(tenant_a):
    sent = invitation_create(
        actor=Actor.for_user(tenant_a.admin),
        data=UserInput(
            email="nouvelle.recrue@exemple.fr",
            nom="RECRUE",
            prenom="Nina",
            habilitations=(HabilitationInput(etablissement_id=tenant_a.etab.pk, role="gestionnaire_of"),),
        ),
        now=timezone.now(),
    )
    tenant_a.key_obj.expires_at = timezone.now() + timedelta(days=20)  # the 30-day warning shows
    tenant_a.key_obj.save()
    # The accordé contract has an échéancier: one échéance to invoice, one to come (synthesis, facture
    # form with its échéances, « Mes échéances »).
    today = timezone.localdate()
    for numero, opening, taux in ((1, today - timedelta(days=10), 40), (2, today + timedelta(days=170), 30)):
        Echeance.objects.create(
            dossier=tenant_a.dossier,
            numero=numero,
            annee=1,
            nature="avance" if numero == 1 else "acompte",
            taux=taux,
            date_ouverture=opening,
            date_debut=opening,
            date_fin=opening + timedelta(days=179),
            montant_total=Decimal("2718.33") if numero == 1 else Decimal("2038.75"),
            updated_at=timezone.now(),
        )
    return {
        "tenant": tenant_a,
        "notification": tenant_a.admin.notifications.first(),
        "invitation": sent.invitation,
        "invitation_token": sent.token,
        "uid": urlsafe_base64_encode(force_bytes(tenant_a.gestionnaire.pk)),
        "reset_token": default_token_generator.make_token(tenant_a.gestionnaire),
    }


def check_page(page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status < 400, f"{url} : {response.status if response else '?'}"
    assert page.locator("h1").count() == 1, url
    assert page.title().endswith("— Portail OF") and len(page.title()) > len("— Portail OF") + 2, url
    assert_accessible(page)
    for width in (1280, 768):
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{url} déborde de {overflow} px à {width} px de large"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_every_page_of_a_signed_in_administrator(page, live_server, world):
    sign_in(page, live_server, world["tenant"].admin.email, PASSWORD)

    for name, arguments in PAGES.items():
        check_page(page, live_server.url + reverse(f"portal:{name}", kwargs=arguments(world)))


def test_every_page_before_signing_in(page, live_server, world):
    for name, arguments in PUBLIC_PAGES.items():
        check_page(page, live_server.url + reverse(f"portal:{name}", kwargs=arguments(world)))


def test_the_error_pages(page, live_server, world):
    sign_in(page, live_server, world["tenant"].gestionnaire.email, PASSWORD)

    for url in ("/nulle-part/", f"/dossiers/{world['tenant'].dossier.pk + 10_000}/"):
        response = page.goto(live_server.url + url)
        assert response.status == 404
        assert_accessible(page)
