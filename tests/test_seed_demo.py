"""``manage.py seed_demo``: the guide's demo through the real services, idempotent, every state of
every lifecycle, tenancy between the two OF, and the bulk ``--scale`` generator."""

import io
from collections import deque
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test import override_settings
from django.utils import timezone
from pypdf import PdfReader

from accounts.actors import Actor
from accounts.models import Etablissement, Habilitation, User
from cases.models import (
    Courrier,
    Dossier,
    Facture,
    LigneFinancement,
    LigneReglement,
    Notification,
    PieceJointe,
    Reglement,
    StatutCourrier,
    TransitionLog,
)
from cases.selectors import dossiers_visible_to
from rules.lifecycles import DOSSIER_LIFECYCLES, INITIAL_DOSSIER_STATE, EtatDossier, EtatFacture

OF_GENERIQUE = "99999999900009"
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MODELS = (
    Etablissement,
    User,
    Habilitation,
    Dossier,
    LigneFinancement,
    Facture,
    Reglement,
    LigneReglement,
    Courrier,
    Notification,
    PieceJointe,
    TransitionLog,
)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory, pdf_listener):
    """The demo, seeded once for the module inside a transaction rolled back at the end (its courriers
    rendered by the session's LibreOffice listener)."""
    media = tmp_path_factory.mktemp("seed-media")
    out = StringIO()
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=FAST_HASHER):
        with transaction.atomic():
            call_command("seed_demo", stdout=out)
            yield {"output": out.getvalue(), "media": media}
            transaction.set_rollback(True)


@pytest.fixture
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = FAST_HASHER


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def reachable(dispositif) -> set[str]:
    transitions = DOSSIER_LIFECYCLES[dispositif]
    seen = {str(INITIAL_DOSSIER_STATE[dispositif])}
    queue = deque(seen)
    while queue:
        state = queue.popleft()
        for t in transitions:
            if state in t.sources and str(t.target) not in seen:
                seen.add(str(t.target))
                queue.append(str(t.target))
    return seen


def test_the_guide_demo_is_created_through_the_services(seeded, db):
    ofg = Etablissement.objects.get(siret=OF_GENERIQUE)
    assert (ofg.raison_sociale, ofg.uai, ofg.adresse, ofg.code_postal, ofg.ville) == (
        "OF GENERIQUE",
        "0070070N",
        "204 rue Sertorius",
        "92310",
        "SEVRES",
    )
    assert Etablissement.objects.filter(siret__startswith="999999999", est_organisme_formation=True).count() == 2
    assert Etablissement.objects.get(siret="82952592200011").raison_sociale == "LA CENTRALE AMBULANCES"
    fictive = Etablissement.objects.get(raison_sociale="ENTREPRISE FICTIVE")
    assert (fictive.adresse, fictive.code_postal, fictive.idcc, fictive.est_entreprise) == (
        "ADRESSE FICTIVE",
        "92310",
        "1090",
        True,
    )
    assert Etablissement.objects.filter(employeur_public=True, est_entreprise=True).exists()

    guide = Dossier.objects.get(numero=3866466, version=1)
    assert (guide.etat, guide.subroge, guide.numero_depot) == (EtatDossier.ACCORDE, True, "076202209037237")
    assert {line.nature: (line.montant_demande, line.montant_pris_en_charge) for line in guide.financements.all()} == {
        "npec": (Decimal("6795.83"), Decimal("6795.83")),
        "premier_equipement": (Decimal("500.00"), Decimal("500.00")),
    }
    assert [log.transition for log in guide.journal.order_by("created_at", "pk")] == [
        "creer_brouillon",
        "transmettre",
        "prendre_en_charge",
        "demander_pieces",
        "reprendre_instruction",
        "accorder",
        "calculer_echeancier",
        "facturer_echeance",
    ]
    assert set(guide.journal.values_list("channel", flat=True)) == {"commande"}
    assert guide.pieces.exists()
    pro = Dossier.objects.get(dispositif="professionnalisation", salarie_nom="MEP", salarie_prenom="TEST")
    assert pro.financements.get().montant_pris_en_charge == Decimal("7497.00")

    # The guide's échéancier: the accord's 6 795,83 € over the contract; its first facture is charged to E1,
    # the 1er équipement within the accord.
    assert sum(e.montant_total for e in guide.echeances.all()) == Decimal("6795.83")
    lines = {f.reference: list(f.lignes.values_list("nature", "echeance__numero")) for f in guide.factures.all()}
    assert lines == {"52134210241": [("pedagogie", 1)], "52134210242": [("premier_equipement", None)]}

    tls = Reglement.objects.get(reference_virement="TLS/237081")
    assert tls.beneficiaire == ofg and tls.lignes.count() == 2
    assert set(Facture.objects.filter(ligne_reglement__reglement=tls).values_list("etat", flat=True)) == {"payee"}
    assert tls.montant_total_ttc == tls.lines_total()


def test_every_state_of_every_lifecycle_appears(seeded, db):
    present = set(Dossier.objects.values_list("dispositif", "etat").distinct())

    for dispositif in DOSSIER_LIFECYCLES:
        for etat in reachable(dispositif):
            assert (dispositif.value, etat) in present, f"{dispositif} / {etat} manquant"
    assert set(Facture.objects.values_list("etat", flat=True)) == {e.value for e in EtatFacture}
    assert Dossier.objects.filter(subroge=True).exists() and Dossier.objects.filter(subroge=False).exists()


def test_every_dossier_and_facture_has_its_journal(seeded, db):
    assert not Dossier.objects.filter(journal__isnull=True).exists()
    assert not Facture.objects.filter(journal__isnull=True).exists()
    assert Dossier.objects.filter(version=2, version_precedente__etat=EtatDossier.REMPLACE).exists()
    assert Dossier.objects.filter(version=2, version_precedente__etat=EtatDossier.AVENANT_EN_COURS).exists()


def test_courriers_are_issued_and_notified_some_read_some_not(seeded, db):
    issued = Courrier.objects.filter(statut=StatutCourrier.EMIS)
    assert issued.count() > 10
    assert Courrier.objects.filter(statut=StatutCourrier.DEMANDE).exists()
    assert not issued.filter(fichier="").exists()
    for courrier in (
        issued.order_by("pk").first(),
        issued.get(type="avis_paiement", reglement__reference_virement="TLS/237081"),
    ):
        data = (Path(seeded["media"]) / courrier.fichier.name).read_bytes()
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
        # A real letter, not a placeholder: the OPCO's letterhead, the place and date, the object.
        assert "OPCO Mobilités" in text and "Sèvres, le" in text and "Objet :" in text, text
    assert "Avis de paiement" in text and "TLS/237081" in text
    failed = Courrier.objects.get(statut=StatutCourrier.ECHEC)
    assert failed.tentatives == 3 and "back-office" in failed.erreur and not failed.fichier

    maryline = User.objects.get(email="maryline.gadras@of-generique.example")
    mine = Notification.objects.filter(user=maryline)
    assert mine.filter(read_at__isnull=True).exists() and mine.filter(read_at__isnull=False).exists()
    assert not Notification.objects.filter(user__is_opco_gestionnaire=True).exists()


def test_the_two_organismes_are_separate_tenants(seeded, db):
    cfa = Etablissement.objects.get(raison_sociale="CFA DU LITTORAL")
    generique_users = User.objects.filter(email__endswith="@of-generique.example")
    assert generique_users.count() == 3
    assert not Habilitation.objects.filter(user__in=generique_users, etablissement=cfa).exists()
    assert set(Habilitation.objects.values_list("role", flat=True)) == {"admin_of", "gestionnaire_of"}

    maryline = Actor.for_user(generique_users.get(email="maryline.gadras@of-generique.example"))
    visible = dossiers_visible_to(maryline)
    assert visible.exists() and not visible.filter(of_etablissement=cfa).exists()
    cfa_admin = Actor.for_user(User.objects.get(email="yann.le-goff@cfa-littoral.example"))
    assert set(dossiers_visible_to(cfa_admin).values_list("of_etablissement", flat=True)) == {cfa.pk}
    assert not Notification.objects.filter(user__in=generique_users, courrier__of_etablissement=cfa).exists()

    opco = User.objects.get(email="guillem.fondin@opco-mobilites.example")
    assert opco.is_opco_gestionnaire and opco.is_staff and not opco.is_superuser
    assert User.objects.filter(is_superuser=True, email="admin@portail-of.example").exists()
    assert opco.check_password("gestion-opco-demo")


def test_the_logins_are_printed_in_french(seeded):
    output = seeded["output"]

    assert "Comptes de démonstration" in output
    for email, password in (
        ("maryline.gadras@of-generique.example", "admin-of-generique"),
        ("raphael.gandra@of-generique.example", "gestion-of-generique"),
        ("guillem.fondin@opco-mobilites.example", "gestion-opco-demo"),
    ):
        assert email in output and password in output
    assert "Administrateur OF" in output and "Gestionnaire OF" in output


def test_a_second_run_adds_nothing(seeded, db):
    before = counts()
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert counts() == before
    assert "existent déjà" in out.getvalue()


def test_scale_adds_dossiers_in_bulk_with_their_logs(seeded, db):
    before = counts()
    out = StringIO()

    call_command("seed_demo", "--scale", "300", "--batch-size", "120", stdout=out)

    assert Dossier.objects.count() - before["Dossier"] == 300
    new = TransitionLog.objects.filter(transition="creation")
    assert new.filter(dossier__isnull=False).count() == 300
    assert set(new.values_list("channel", flat=True)) == {"commande"}
    assert new.filter(facture__isnull=False).count() == Facture.objects.count() - before["Facture"]
    assert not Dossier.objects.filter(journal__isnull=True).exists()
    assert not Facture.objects.filter(journal__isnull=True).exists()
    assert "300 / 300 dossiers" in out.getvalue()
    assert not Dossier.objects.filter(etat=EtatDossier.REMPLACE, avenant__isnull=True).exists()
    assert not Facture.objects.filter(etat=EtatFacture.PAYEE, ligne_reglement__isnull=True).exists()
    assert not LigneFinancement.objects.values("dossier", "nature").annotate(n=Count("id")).filter(n__gt=1).exists()
    numbered = Dossier.objects.exclude(numero=None).values("numero", "version").annotate(n=Count("id"))
    assert not numbered.filter(n__gt=1).exists()


def test_reset_recreates_the_same_demo(seeded, db, fast_hasher):
    call_command("seed_demo", "--scale", "50", stdout=StringIO())
    before = counts()
    out = StringIO()

    call_command("seed_demo", "--reset", stdout=out)

    after = counts()
    assert after["Dossier"] == before["Dossier"] - 50
    assert Dossier.objects.filter(numero=3866466, version=1, numero_depot="076202209037237").exists()
    assert "supprimées" in out.getvalue()


def test_the_logins_alone_for_the_demo_banner(db):
    before = counts()
    out = StringIO()

    call_command("seed_demo", "--comptes", stdout=out)

    assert "guillem.fondin@opco-mobilites.example" in out.getvalue() and "gestion-opco-demo" in out.getvalue()
    assert counts() == before  # nothing created


def test_the_gestionnaire_has_work_in_the_demo_queues(seeded, db):
    from cases.queues import courriers_in_failure, decision_clocks, relances_escalated

    opco = Actor.system("démonstration")

    assert relances_escalated(actor=opco).exists()  # two past relance passes, through the service
    assert decision_clocks(actor=opco, today=timezone.localdate()).exists()
    assert courriers_in_failure(actor=opco).count() == 1
    relance = Courrier.objects.filter(type="relance", statut=StatutCourrier.EMIS, destinataire="of").first()
    assert relance.contexte["pieces"] and relance.contexte["date_demande"] and relance.fichier
    assert Courrier.objects.filter(statut=StatutCourrier.DEMANDE).count() == 2  # left for the running flows


def test_the_demo_has_its_npec_referential_echeanciers_and_invoices_against_them(seeded, db):
    from cases.models import Echeance, FactureLigne, ReferenceNpec

    assert ReferenceNpec.objects.filter(source="referentiel-npec-exemple.xlsx").count() == 13
    accordes = Dossier.objects.filter(dispositif="apprentissage", etat="accorde")
    assert accordes.exists() and all(d.echeances.exists() for d in accordes)
    computed = Dossier.objects.filter(dispositif="apprentissage", npec_source__in=["referentiel", "amorcage"])
    assert set(computed.values_list("npec_source", flat=True)) == {"referentiel", "amorcage"}
    assert FactureLigne.objects.filter(echeance__isnull=False).count() >= 4
    assert Echeance.objects.filter(montant_regle__gt=0).exists()  # paid factures settled their échéances
    assert Echeance.objects.filter(montant_en_instruction__gt=0).exists()
