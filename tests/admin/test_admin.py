"""The OPCO's back office (Django admin): pages render, states are never edited by hand, every
transition button goes through its service, registration and règlements work, access is
reserved to staff and transitions to the OPCO."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.actors import Actor, Channel
from accounts.models import ApiKey, Etablissement, User
from accounts.services import HabilitationInput, UserInput, invitation_create
from cases import services
from cases.models import (
    AlerteExploitation,
    Courrier,
    DigestEnvoi,
    Dossier,
    Facture,
    LigneFinancement,
    Notification,
    PieceJointe,
    RappelCle,
    ReferenceNpec,
    Reglement,
    TransitionLog,
)
from cases.services.courriers import courrier_issue
from common.errors import Conflict, Forbidden
from rules.lifecycles import Dispositif, EtatDossier, EtatFacture
from tests.factories import (
    NOW,
    PDF_BYTES,
    DossierFactory,
    EtablissementFactory,
    FactureFactory,
    HabilitationFactory,
    UserFactory,
    of_user,
)

pytestmark = pytest.mark.django_db

E = EtatDossier
F = EtatFacture


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def transition_url(obj, name: str) -> str:
    return admin_url(type(obj), "transition", obj.pk, name)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def reload(obj):
    return type(obj).objects.get(pk=obj.pk)


# --- Data --------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def opco_client(client, opco_user):
    """A gestionnaire OPCO (staff, no model permission): the back office is theirs."""
    client.force_login(opco_user)
    return client


@pytest.fixture
def full_data(db, opco_user):
    """At least one object of every model, made through the services where one exists."""
    opco = Actor.for_user(opco_user, channel=Channel.ADMIN)
    of_user_, of = of_user(admin=True)
    of_actor = Actor.for_user(of_user_)
    entreprise = EtablissementFactory(entreprise=True)

    apprentissage = DossierFactory(of_etablissement=of, entreprise=entreprise, en_cours=True)
    services.dossier_request_pieces(
        actor=opco, dossier_id=apprentissage.pk, pieces=["CERFA_SIGNE"], commentaire="Merci", now=NOW
    )
    services.dossier_add_pieces(
        actor=of_actor, dossier_id=apprentissage.pk, uploads=[services.Upload("cerfa.pdf", PDF_BYTES)], now=NOW
    )
    pro = services.dossier_register(
        actor=opco,
        dispositif=Dispositif.PROFESSIONNALISATION,
        of_etablissement_id=of.pk,
        entreprise_id=entreprise.pk,
        subroge=True,
        salarie={"nom": "DURAND", "prenom": "Paul", "date_naissance": date(2000, 1, 2)},
        formation={"intitule": "CAP CONDUCTEUR", "date_debut": date(2026, 9, 1), "date_fin": date(2027, 6, 30)},
        contrat={"date_debut": date(2026, 9, 1), "date_fin": date(2027, 8, 31)},
        financements={"cout_pedagogique": Decimal("5000.00")},
        now=NOW,
    )
    services.dossier_take_charge(actor=opco, dossier_id=pro.pk, now=NOW)
    services.dossier_grant(
        actor=opco, dossier_id=pro.pk, montants_pris_en_charge={"cout_pedagogique": Decimal("4500")}, now=NOW
    )
    facture = services.facture_deposit(
        actor=of_actor,
        dossier_id=pro.pk,
        reference="FAC-2026-001",
        date_facture=NOW.date(),
        montant_ht=Decimal("1000.00"),
        montant_ttc=Decimal("1200.00"),
        fichier=services.Upload("facture.pdf", PDF_BYTES),
        justificatifs=[services.Upload("certificat.pdf", PDF_BYTES)],
        now=NOW,
    )
    services.facture_instruct(actor=opco, facture_id=facture.pk, now=NOW)
    services.facture_validate(actor=opco, facture_id=facture.pk, now=NOW)
    reglement = services.reglement_create(
        actor=opco, facture_ids=[facture.pk], date_paiement=NOW.date(), reference_virement="VIR-1", now=NOW
    )
    for courrier in Courrier.objects.all()[:2]:
        courrier_issue(courrier_id=courrier.pk, now=NOW, render=lambda c: PDF_BYTES)
    key, _raw = ApiKey.build(etablissement=of, created_by=of_user_, now=NOW)
    key.save()
    DigestEnvoi.objects.create(user=of_user_, periode=NOW.date(), borne=NOW, nombre=2, sent_at=NOW)
    RappelCle.objects.create(api_key=key, palier=30, destinataires=1, sent_at=NOW)
    AlerteExploitation.objects.create(
        cle="flow:1", sujet="le traitement « courriers » a échoué", message="Cause : test", destinataires=1, sent_at=NOW
    )
    invitation_create(
        actor=of_actor,
        data=UserInput(
            email="invitee@exemple.fr",
            nom="INVITEE",
            prenom="Ines",
            habilitations=(HabilitationInput(etablissement_id=of.pk, role="gestionnaire_of"),),
        ),
        now=NOW,
    )
    # An accordé apprenticeship dossier has its échéancier; the referential has a NPEC.
    accorde = DossierFactory(of_etablissement=of, entreprise=entreprise, en_cours=True)
    services.dossier_grant(
        actor=opco, dossier_id=accorde.pk, montants_pris_en_charge={"npec": Decimal("6795.83")}, now=NOW
    )
    ReferenceNpec.objects.create(
        rncp="RNCP38216", idcc="0016", montant_annuel=Decimal("7500.00"), date_debut=date(2024, 9, 1)
    )
    assert Notification.objects.exists() and PieceJointe.objects.filter(facture__isnull=False).exists()
    assert accorde.echeances.exists() and facture.lignes.exists()
    return {
        "of": of,
        "of_user": of_user_,
        "entreprise": entreprise,
        "apprentissage": apprentissage,
        "pro": pro,
        "facture": facture,
        "reglement": reglement,
        "key": key,
    }


PROJECT_MODELS = [m for app in ("accounts", "cases") for m in apps.get_app_config(app).get_models()]


# --- Every page renders ------------------------------------------------------------------------------


def test_every_model_of_accounts_and_cases_is_registered():
    assert [m.__name__ for m in PROJECT_MODELS if m not in admin.site._registry] == []


@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("who", ["superuser", "opco"])
def test_changelist_and_change_page_render(model, who, full_data, admin_client, opco_client):
    client = admin_client if who == "superuser" else opco_client
    obj = model.objects.order_by("pk").first()
    assert obj is not None, f"no {model.__name__} in the data"

    changelist = client.get(admin_url(model, "changelist"))
    change = client.get(admin_url(model, "change", obj.pk), follow=model._meta.proxy)  # a queue row → its dossier

    assert changelist.status_code == 200
    assert change.status_code == 200


def test_admin_index_lists_the_back_office_for_a_gestionnaire_opco(opco_client):
    response = opco_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert "Dossiers, factures et règlements" in response.content.decode()
    assert admin_url(Dossier, "changelist") in response.content.decode()


@pytest.mark.parametrize(
    ("model", "query"),
    [
        (Dossier, {"etat": "accorde", "dispositif": "professionnalisation", "subroge__exact": "1"}),
        (Dossier, {"of_etablissement__actif__exact": "1"}),
        (Facture, {"etat": "payee", "reglee": "oui"}),
        (Courrier, {"statut": "emis"}),
        (TransitionLog, {"channel": "admin"}),
        (Etablissement, {"actif__exact": "1", "est_entreprise__exact": "1"}),
        (User, {"habilitations__role": "admin_of"}),
        (ApiKey, {"statut": "active"}),
        (Notification, {"lue": "non"}),
    ],
)
def test_changelist_filters(model, query, full_data, admin_client):
    response = admin_client.get(admin_url(model, "changelist"), query)

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize(
    ("model", "term", "expected"),
    [
        (Dossier, "{pro.numero}.1", "pro"),
        (Dossier, "{pro.numero}", "pro"),
        (Dossier, "DURAND", "pro"),
        (Dossier, "{of.siret}", "pro"),
        (Dossier, "{entreprise.raison_sociale}", "pro"),
        (Facture, "FAC-2026-001", "facture"),
        (Facture, "{facture.numero}", "facture"),
        (Facture, "{pro.numero}.1", "facture"),
        (Facture, "{of.siret}", "facture"),
        (Reglement, "VIR-1", "reglement"),
        (Reglement, "FAC-2026-001", "reglement"),
        (Etablissement, "{of.siret}", "of"),
        (User, "{of_user.email}", "of_user"),
        (User, "{of.siret}", "of_user"),
        (ApiKey, "{key.prefix}", "key"),
    ],
)
def test_changelist_search(model, term, expected, full_data, admin_client):
    term = term.format(**full_data)

    response = admin_client.get(admin_url(model, "changelist"), {"q": term})

    assert response.status_code == 200
    assert full_data[expected].pk in [o.pk for o in response.context["cl"].result_list]


def test_etablissement_shows_siren_and_nic(admin_client):
    etab = EtablissementFactory(siret="73282932000074")

    response = admin_client.get(admin_url(Etablissement, "change", etab.pk))

    content = response.content.decode()
    assert "732829320" in content and "00074" in content


# --- Query counts -----------------------------------------------------------------------------------


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "model", [Dossier, Facture, Reglement, Courrier, TransitionLog, PieceJointe, Notification, LigneFinancement]
)
def test_changelist_queries_do_not_grow_with_rows(model, full_data, admin_client, opco_user):
    url = admin_url(model, "changelist")
    before = _count_queries(admin_client, url)
    opco = Actor.for_user(opco_user, channel=Channel.ADMIN)
    for _ in range(3):  # more rows of every kind, through the services
        dossier = DossierFactory(en_cours=True, of_etablissement=full_data["of"])
        services.dossier_request_pieces(actor=opco, dossier_id=dossier.pk, pieces=["DEVIS"], now=NOW)
        services.dossier_add_pieces(
            actor=Actor.for_user(full_data["of_user"]),
            dossier_id=dossier.pk,
            uploads=[services.Upload("devis.pdf", PDF_BYTES)],
            now=NOW,
        )
        facture = FactureFactory(validee=True, dossier=DossierFactory(accorde=True, of_etablissement=full_data["of"]))
        services.reglement_create(
            actor=opco, facture_ids=[facture.pk], date_paiement=NOW.date(), reference_virement="V", now=NOW
        )
    for courrier in Courrier.objects.filter(statut="demande"):
        courrier_issue(courrier_id=courrier.pk, now=NOW, render=lambda c: PDF_BYTES)

    assert _count_queries(admin_client, url) == before


@pytest.mark.parametrize("model", [Etablissement, Habilitation := apps.get_model("accounts", "Habilitation"), User])
def test_account_changelist_queries_do_not_grow_with_rows(model, admin_client):
    HabilitationFactory()
    url = admin_url(model, "changelist")
    before = _count_queries(admin_client, url)
    for _ in range(4):
        HabilitationFactory()

    assert _count_queries(admin_client, url) == before


# --- States are never edited by hand ----------------------------------------------------------------------


def changeform_data(response) -> dict:
    """The data a browser would post back from an admin change page, inlines included."""
    data = {}

    def put(form, name):
        value = form[name].value()
        key = form.add_prefix(name)
        if value is None:
            data[key] = ""
        elif value is True:
            data[key] = "on"
        elif value is False:
            pass
        elif isinstance(value, list | tuple):
            data[key] = [str(v) for v in value]
        else:
            data[key] = str(value)

    form = response.context["adminform"].form
    for name in form.fields:
        put(form, name)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            put(formset.management_form, name)
        for sub in formset.forms:
            for name in sub.fields:
                put(sub, name)
    return data


@pytest.mark.parametrize("model", [Dossier, Facture])
def test_the_state_is_in_no_admin_form(model, full_data, admin_client):
    obj = full_data["pro"] if model is Dossier else full_data["facture"]

    response = admin_client.get(admin_url(model, "change", obj.pk))

    assert "etat" not in response.context["adminform"].form.fields
    assert 'name="etat"' not in response.content.decode()


def test_posting_a_state_on_a_dossier_changes_nothing_but_the_editable_fields(full_data, admin_client):
    dossier = full_data["pro"]
    url = admin_url(Dossier, "change", dossier.pk)
    data = changeform_data(admin_client.get(url))
    data.update(etat=E.SOLDE, salarie_nom="DURAND-MARTIN", dispositif="apprentissage", subroge="")

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    dossier = reload(dossier)
    assert dossier.salarie_nom == "DURAND-MARTIN"
    assert (dossier.etat, dossier.dispositif, dossier.subroge) == (E.ACCORDE, Dispositif.PROFESSIONNALISATION, True)
    assert not dossier.journal.filter(target=E.SOLDE).exists()


def test_the_cerfa_fields_of_an_apprenticeship_dossier_are_read_only(full_data, admin_client):
    response = admin_client.get(admin_url(Dossier, "change", full_data["apprentissage"].pk))

    fields = response.context["adminform"].form.fields
    assert "salarie_nom" not in fields and "commentaire" in fields


def test_posting_a_state_on_a_facture_is_refused(full_data, admin_client):
    facture = FactureFactory()

    response = admin_client.post(admin_url(Facture, "change", facture.pk), {"etat": F.VALIDEE})

    assert response.status_code == 403
    assert reload(facture).etat == F.DEPOSEE


@pytest.mark.parametrize("model", [TransitionLog, Courrier, PieceJointe, Notification, Reglement, ApiKey])
def test_read_only_models_cannot_be_added_changed_or_deleted(model, full_data, admin_client):
    obj = model.objects.order_by("pk").first()
    count = model.objects.count()

    add = admin_client.get(admin_url(model, "add"))
    change = admin_client.post(admin_url(model, "change", obj.pk), {"reason": "x", "prefix": "x"})
    delete = admin_client.post(admin_url(model, "delete", obj.pk), {"post": "yes"})

    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert model.objects.count() == count


def test_dossiers_are_neither_added_by_hand_nor_deleted(full_data, admin_client):
    add = admin_client.get(admin_url(Dossier, "add"))
    delete = admin_client.post(admin_url(Dossier, "delete", full_data["pro"].pk), {"post": "yes"})

    assert add.status_code == 302 and add.url == reverse("admin:cases_dossier_register")
    assert delete.status_code == 403
    assert Dossier.objects.filter(pk=full_data["pro"].pk).exists()


def test_an_api_key_shows_no_clear_value_and_cannot_be_set(full_data, admin_client):
    key = full_data["key"]

    response = admin_client.get(admin_url(ApiKey, "change", key.pk))

    content = response.content.decode()
    assert key.prefix in content and key.key_hash in content
    assert list(response.context["adminform"].form.fields) == []
    assert 'name="key_hash"' not in content and 'name="prefix"' not in content


# --- Transition buttons ---------------------------------------------------------------------------------


DOSSIER_CASES = [
    ("prendre_en_charge", {}, {}, E.EN_COURS, "dossier_take_charge"),
    (
        "demander_pieces",
        {"en_cours": True},
        {"pieces": ["CERFA_SIGNE", "AUTRE"], "commentaire": "Le RIB"},
        E.EN_ATTENTE_PIECES,
        "dossier_request_pieces",
    ),
    ("reprendre_instruction", {"en_attente": True}, {}, E.EN_COURS, "dossier_resume"),
    ("accorder", {"en_cours": True}, {"montant_npec": "6000,50", "commentaire": "ok"}, E.ACCORDE, "dossier_grant"),
    (
        "refuser",
        {"en_cours": True},
        {"motif": "FORMATION_NON_ELIGIBLE", "explication": "Hors RNCP"},
        E.REFUSE,
        "dossier_refuse",
    ),
    ("annuler", {"accorde": True}, {"motif": "Doublon"}, E.ANNULE, "dossier_cancel"),
    ("cloturer", {"accorde": True}, {}, E.SOLDE, "dossier_close"),
    (
        "enregistrer_rupture",
        {"accorde": True, "pro": True},
        {
            "date_rupture": "15/01/2027",
            "motif": "3",
            "initiateur": "commun",
            "formation_poursuivie": "true",
            "commentaire": "Accord",
        },
        E.RUPTURE,
        "dossier_declare_rupture",
    ),
]


@pytest.fixture
def spy(monkeypatch):
    """Records which service of ``cases.services`` the admin called."""
    called = []

    def watch(name):
        original = getattr(services, name)

        def wrapper(**kwargs):
            called.append((name, kwargs))
            return original(**kwargs)

        monkeypatch.setattr(services, name, wrapper)

    watch.called = called
    return watch


@pytest.mark.parametrize(
    ("name", "traits", "data", "target", "service"), DOSSIER_CASES, ids=[c[0] for c in DOSSIER_CASES]
)
def test_dossier_transition_buttons_call_the_service(name, traits, data, target, service, opco_client, opco_user, spy):
    dossier = DossierFactory(**traits)
    spy(service)

    page = opco_client.get(admin_url(Dossier, "change", dossier.pk))
    form = opco_client.get(transition_url(dossier, name))
    response = opco_client.post(transition_url(dossier, name), data)

    assert name in [b["name"] for b in page.context["transition_buttons"]]
    assert transition_url(dossier, name) in page.content.decode()
    assert form.status_code == 200
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert response.url == admin_url(Dossier, "change", dossier.pk)
    assert [c[0] for c in spy.called] == [service]
    assert spy.called[0][1]["actor"].channel == Channel.ADMIN
    dossier = reload(dossier)
    assert dossier.etat == target
    log = dossier.journal.exclude(transition="calculer_echeancier").latest("pk")
    assert (log.transition, log.target, log.channel, log.actor_user_id) == (name, target, "admin", opco_user.pk)
    assert any("est désormais" in m for m in messages_of(response))


def test_accord_prefills_each_line_and_writes_the_amounts(opco_client):
    dossier = DossierFactory(en_cours=True)
    LigneFinancement.objects.create(dossier=dossier, nature="hebergement", montant_demande=Decimal("300.00"))

    page = opco_client.get(transition_url(dossier, "accorder"))
    opco_client.post(transition_url(dossier, "accorder"), {"montant_npec": "6795,83", "montant_hebergement": "250"})

    assert set(page.context["form"].fields) == {"montant_npec", "montant_hebergement", "numero_depot", "commentaire"}
    assert page.context["form"]["montant_npec"].value() == Decimal("6795.83")
    amounts = dict(dossier.financements.values_list("nature", "montant_pris_en_charge"))
    assert amounts == {"npec": Decimal("6795.83"), "hebergement": Decimal("250.00")}
    assert reload(dossier).etat == E.ACCORDE


FACTURE_CASES = [
    ("instruire", F.DEPOSEE, {}, F.EN_COURS, "facture_instruct"),
    (
        "demander_pieces",
        F.EN_COURS,
        {"pieces": ["CERTIFICAT_REALISATION"], "commentaire": "Signé"},
        F.EN_ATTENTE_PIECES,
        "facture_request_pieces",
    ),
    ("reprendre_instruction", F.EN_ATTENTE_PIECES, {}, F.EN_COURS, "facture_resume"),
    ("valider", F.EN_COURS, {}, F.VALIDEE, "facture_validate"),
    ("rejeter", F.EN_COURS, {"motif": "DOUBLON", "explication": "Déjà payée"}, F.REJETEE, "facture_reject"),
]


@pytest.mark.parametrize(
    ("name", "etat", "data", "target", "service"), FACTURE_CASES, ids=[c[0] for c in FACTURE_CASES]
)
def test_facture_transition_buttons_call_the_service(name, etat, data, target, service, opco_client, opco_user, spy):
    facture = FactureFactory(etat=etat)
    spy(service)

    page = opco_client.get(admin_url(Facture, "change", facture.pk))
    form = opco_client.get(transition_url(facture, name))
    response = opco_client.post(transition_url(facture, name), data)

    assert name in [b["name"] for b in page.context["transition_buttons"]]
    assert form.status_code == 200
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert [c[0] for c in spy.called] == [service]
    facture = reload(facture)
    assert facture.etat == target
    log = facture.journal.latest("pk")
    assert (log.transition, log.target, log.channel, log.actor_user_id) == (name, target, "admin", opco_user.pk)


def test_rejected_facture_keeps_the_motif(opco_client):
    facture = FactureFactory(en_cours=True)

    opco_client.post(transition_url(facture, "rejeter"), {"motif": "DOUBLON", "explication": "Déjà payée"})

    assert "Déjà payée" in reload(facture).motif_rejet


@pytest.mark.parametrize(
    ("traits", "expected"),
    [
        ({}, {"prendre_en_charge", "refuser", "annuler"}),
        ({"en_cours": True}, {"demander_pieces", "accorder", "refuser", "annuler"}),
        ({"accorde": True}, {"annuler", "cloturer"}),
        ({"accorde": True, "pro": True}, {"annuler", "enregistrer_rupture", "cloturer"}),
        ({"brouillon": True}, set()),
    ],
)
def test_buttons_are_the_actions_the_opco_may_take_now(traits, expected, opco_client):
    dossier = DossierFactory(**traits)

    response = opco_client.get(admin_url(Dossier, "change", dossier.pk))

    assert {b["name"] for b in response.context["transition_buttons"]} == expected


def test_no_payer_button_on_a_validated_facture(opco_client):
    facture = FactureFactory(validee=True)

    response = opco_client.get(admin_url(Facture, "change", facture.pk))

    assert response.context["transition_buttons"] == []


# --- Invalid input and conflicts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("traits", "name", "data", "field", "message"),
    [
        (
            {"en_cours": True},
            "refuser",
            {"motif": "AUTRE", "explication": "  "},
            "explication",
            "Un refus doit être motivé.",
        ),
        ({"en_cours": True}, "demander_pieces", {}, "pieces", "Indiquez au moins une pièce attendue."),
        (
            {"en_cours": True},
            "demander_pieces",
            {"pieces": ["AUTRE"]},
            "commentaire",
            "Précisez la pièce attendue.",
        ),
        ({"accorde": True}, "annuler", {"motif": ""}, "motif", "Indiquez le motif de l'annulation."),
        (
            {"accorde": True, "pro": True},
            "enregistrer_rupture",
            {"date_rupture": "01/01/2020", "motif": "3"},
            "date_rupture",
            "La date de rupture précède le début du contrat.",
        ),
        ({"accorde": True, "pro": True}, "enregistrer_rupture", {"motif": "1"}, "date_rupture", "obligatoire"),
        ({"en_cours": True}, "accorder", {"montant_npec": "-5"}, "montant_npec", "supérieure ou égale à 0"),
    ],
)
def test_invalid_input_is_shown_on_the_form_and_changes_nothing(traits, name, data, field, message, opco_client):
    dossier = DossierFactory(**traits)
    etat, logs = dossier.etat, TransitionLog.objects.count()

    response = opco_client.post(transition_url(dossier, name), data)

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert message in response.content.decode().replace("&#x27;", "'")
    assert reload(dossier).etat == etat
    assert TransitionLog.objects.count() == logs


def test_invalid_rejet_of_a_facture_is_shown_on_the_form(opco_client):
    facture = FactureFactory(en_cours=True)

    response = opco_client.post(transition_url(facture, "rejeter"), {"motif": "DOUBLON"})

    assert response.context["form"].errors["explication"] == ["Un rejet doit être motivé."]
    assert reload(facture).etat == F.EN_COURS


def test_a_transition_not_allowed_now_is_refused_with_a_message(opco_client):
    dossier = DossierFactory()  # transmis: not yet en cours

    response = opco_client.get(transition_url(dossier, "accorder"), follow=True)

    assert response.redirect_chain[-1][0] == admin_url(Dossier, "change", dossier.pk)
    assert any("Action impossible" in m for m in messages_of(response))
    assert reload(dossier).etat == E.TRANSMIS


def test_a_change_of_state_after_the_form_was_opened_is_an_error_message(opco_client, opco_user):
    dossier = DossierFactory(en_cours=True)
    opco_client.get(transition_url(dossier, "refuser"))
    services.dossier_grant(
        actor=Actor.for_user(opco_user, channel=Channel.ADMIN),
        dossier_id=dossier.pk,
        montants_pris_en_charge={"npec": Decimal("1")},
        now=timezone.now(),
    )

    response = opco_client.post(transition_url(dossier, "refuser"), {"motif": "AUTRE", "explication": "x"}, follow=True)

    assert response.redirect_chain[-1][0] == admin_url(Dossier, "change", dossier.pk)
    assert any("Action impossible" in m for m in messages_of(response))
    assert reload(dossier).etat == E.ACCORDE
    assert not dossier.journal.filter(transition="refuser").exists()


@pytest.mark.parametrize("error", [Conflict, Forbidden])
def test_service_conflicts_and_refusals_are_error_messages(error, opco_client, monkeypatch):
    dossier = DossierFactory()

    def refuse(**kwargs):
        raise error("Ce dossier vient d'être modifié par quelqu'un d'autre.")

    monkeypatch.setattr(services, "dossier_take_charge", refuse)

    response = opco_client.post(transition_url(dossier, "prendre_en_charge"), follow=True)

    assert response.redirect_chain[-1][0] == admin_url(Dossier, "change", dossier.pk)
    assert messages_of(response) == ["Ce dossier vient d'être modifié par quelqu'un d'autre."]
    assert reload(dossier).etat == E.TRANSMIS


def test_an_unknown_transition_is_a_404(opco_client):
    dossier = DossierFactory()

    assert opco_client.get(transition_url(dossier, "transmettre")).status_code == 404
    assert opco_client.get(admin_url(Dossier, "transition", 999_999, "prendre_en_charge")).status_code == 404


# --- Access -------------------------------------------------------------------------------------------


@pytest.fixture
def staff_not_opco(client, db):
    user = UserFactory(is_staff=True)
    client.force_login(user)
    return client


@pytest.fixture
def staff_of_admin(client, db):
    user, _ = of_user(admin=True)
    user.is_staff = True
    user.save()
    client.force_login(user)
    return client


@pytest.mark.parametrize("who", ["staff_not_opco", "staff_of_admin"])
def test_transition_views_are_forbidden_to_staff_who_are_not_opco(who, request):
    client = request.getfixturevalue(who)
    dossier = DossierFactory()
    facture = FactureFactory()

    responses = [
        client.get(transition_url(dossier, "prendre_en_charge")),
        client.post(transition_url(dossier, "prendre_en_charge")),
        client.post(transition_url(facture, "instruire")),
        client.get(reverse("admin:cases_dossier_register")),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert (reload(dossier).etat, reload(facture).etat) == (E.TRANSMIS, F.DEPOSEE)
    assert not TransitionLog.objects.exists()


def test_a_user_who_is_not_staff_is_sent_to_the_login_page(client, db):
    user = UserFactory(is_opco_gestionnaire=True)  # OPCO but without back-office access
    client.force_login(user)
    dossier = DossierFactory()

    response = client.post(transition_url(dossier, "prendre_en_charge"))

    assert response.status_code == 302 and reverse("admin:login") in response.url
    assert reload(dossier).etat == E.TRANSMIS


def test_staff_who_are_not_opco_see_no_buttons(staff_not_opco, db):
    user = User.objects.get(is_staff=True, is_opco_gestionnaire=False)
    user.is_superuser = True  # every model permission, still not OPCO
    user.save()
    dossier = DossierFactory()

    response = staff_not_opco.get(admin_url(Dossier, "change", dossier.pk))

    assert response.status_code == 200
    assert response.context["transition_buttons"] == []


# --- Règlement -----------------------------------------------------------------------------------------


def _action(client, ids, **extra):
    data = {"action": "creer_reglement", "_selected_action": [str(i) for i in ids], **extra}
    return client.post(admin_url(Facture, "changelist"), data)


@pytest.fixture
def validated_factures(db, of_etab):
    return [
        FactureFactory(
            validee=True,
            dossier=DossierFactory(accorde=True, of_etablissement=of_etab),
            montant_ht=ttc,
            montant_ttc=ttc,
        )
        for ttc in (Decimal("1200.00"), Decimal("800.50"))
    ]


def test_reglement_action_creates_a_reglement_through_the_service(validated_factures, opco_client, spy):
    spy("reglement_create")
    ids = [f.pk for f in validated_factures]

    form = _action(opco_client, ids, index="0")
    response = _action(
        opco_client, ids, apply="1", date_paiement="25/11/2026", reference_virement="VIR-2026-11", mode="virement"
    )

    assert form.status_code == 200 and "Créer le règlement" in form.content.decode()
    reglement = Reglement.objects.get()
    assert response.status_code == 302 and response.url == admin_url(Reglement, "change", reglement.pk)
    assert [c[0] for c in spy.called] == ["reglement_create"]
    assert (reglement.date_paiement, reglement.reference_virement, reglement.montant_total_ttc) == (
        date(2026, 11, 25),
        "VIR-2026-11",
        Decimal("2000.50"),
    )
    assert {reload(f).etat for f in validated_factures} == {F.PAYEE}
    assert set(TransitionLog.objects.filter(transition="payer").values_list("channel", flat=True)) == {"admin"}


def test_reglement_action_shows_the_service_problems_on_the_form(validated_factures, opco_client):
    ids = [f.pk for f in validated_factures]

    response = _action(opco_client, ids, apply="1", date_paiement="25/11/2026", reference_virement="   ")

    assert response.status_code == 200
    assert "reference_virement" in response.context["form"].errors
    assert not Reglement.objects.exists()


@pytest.mark.parametrize("problem", ["not_validated", "two_beneficiaires"])
def test_reglement_action_refuses_a_bad_selection(problem, validated_factures, opco_client):
    other = (
        FactureFactory(en_cours=True, dossier=validated_factures[0].dossier)
        if problem == "not_validated"
        else FactureFactory(validee=True)
    )
    ids = [validated_factures[0].pk, other.pk]

    response = _action(opco_client, ids, apply="1", date_paiement="25/11/2026", reference_virement="V", mode="virement")

    assert response.status_code == 302
    assert not Reglement.objects.exists()
    assert reload(validated_factures[0]).etat == F.VALIDEE


def test_reglement_action_is_not_offered_to_staff_who_are_not_opco(validated_factures, staff_not_opco):
    user = User.objects.get(is_staff=True, is_opco_gestionnaire=False)
    user.is_superuser = True  # every model permission, still not OPCO
    user.save()

    page = staff_not_opco.get(admin_url(Facture, "changelist"))
    _action(staff_not_opco, [validated_factures[0].pk], apply="1", date_paiement="25/11/2026", reference_virement="V")

    assert page.status_code == 200
    action_form = page.context["action_form"]  # None when no action at all is offered
    assert action_form is None or "creer_reglement" not in dict(action_form.fields["action"].choices)
    assert not Reglement.objects.exists()


def test_reglement_action_itself_is_forbidden_to_non_opco(validated_factures, rf, admin_user):
    from cases.admin import FactureAdmin

    request = rf.post("/")
    request.user = admin_user
    admin_user.is_opco_gestionnaire = False
    admin_user.is_superuser = False  # a superuser counts as OPCO
    model_admin = FactureAdmin(Facture, admin.site)

    with pytest.raises(PermissionDenied):
        model_admin.creer_reglement(request, Facture.objects.filter(pk=validated_factures[0].pk))


# --- Registration of an entreprise's dossier ----------------------------------------------------------------


def _register_data(of, entreprise, /, **extra):
    data = {
        "dispositif": "pro_a",
        "numero_depot": "076202209037237",
        "of_etablissement": str(of.pk),
        "entreprise": str(entreprise.pk),
        "subroge": "on",
        "salarie_nom": "LEROY",
        "salarie_prenom": "Inès",
        "salarie_date_naissance": "02/03/1998",
        "formation_intitule": "TITRE PRO TRANSPORT",
        "formation_rncp": "RNCP1234",
        "formation_date_debut": "01/12/2026",
        "formation_date_fin": "30/06/2027",
        "contrat_date_debut": "",
        "contrat_date_fin": "",
        "montant_cout_pedagogique": "4 200,00",
        "montant_hebergement": "300",
    }
    data.update(extra)
    return data


def test_register_view_registers_the_dossier_through_the_service(of_etab, entreprise, opco_client, opco_user, spy):
    spy("dossier_register")

    page = opco_client.get(reverse("admin:cases_dossier_register"))
    response = opco_client.post(reverse("admin:cases_dossier_register"), _register_data(of_etab, entreprise))

    assert page.status_code == 200
    assert [c[0] for c in spy.called] == ["dossier_register"]
    dossier = Dossier.objects.get()
    assert response.status_code == 302 and response.url == admin_url(Dossier, "change", dossier.pk)
    assert (dossier.dispositif, dossier.etat, dossier.subroge) == (Dispositif.PRO_A, E.TRANSMIS, True)
    assert (dossier.salarie_nom, dossier.formation_date_debut) == ("LEROY", date(2026, 12, 1))
    assert dict(dossier.financements.values_list("nature", "montant_demande")) == {
        "cout_pedagogique": Decimal("4200.00"),
        "hebergement": Decimal("300.00"),
    }
    log = dossier.journal.get()
    assert (log.channel, log.actor_user_id) == ("admin", opco_user.pk)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"dispositif": "apprentissage"}, "dispositif"),
        ({"montant_cout_pedagogique": "", "montant_hebergement": ""}, None),
        ({"formation_date_fin": "01/01/2026"}, "formation_date_fin"),
        ({"entreprise": "of"}, "entreprise"),
    ],
)
def test_register_view_refuses_invalid_input(extra, field, of_etab, entreprise, opco_client):
    if extra.get("entreprise") == "of":
        extra = {"entreprise": str(of_etab.pk)}  # an OF is not an entreprise

    response = opco_client.post(reverse("admin:cases_dossier_register"), _register_data(of_etab, entreprise, **extra))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert (field or "__all__") in errors
    assert not Dossier.objects.exists()


def test_register_view_shows_service_problems(of_etab, entreprise, opco_client, monkeypatch):
    from common.errors import InvalidInput
    from rules.verdicts import Problem

    def refuse(**kwargs):
        raise InvalidInput([Problem("financements.hebergement", "Montant refusé."), Problem("x", "Autre souci.")])

    monkeypatch.setattr(services, "dossier_register", refuse)

    response = opco_client.post(reverse("admin:cases_dossier_register"), _register_data(of_etab, entreprise))

    assert response.context["form"].errors["montant_hebergement"] == ["Montant refusé."]
    assert response.context["form"].non_field_errors() == ["Autre souci."]


def test_dossier_changelist_offers_the_registration(opco_client):
    response = opco_client.get(admin_url(Dossier, "changelist"))

    assert reverse("admin:cases_dossier_register") in response.content.decode()


def test_autocomplete_offers_only_organismes_for_the_of_field(of_etab, entreprise, opco_client):
    url = reverse("admin:autocomplete")
    params = {"app_label": "cases", "model_name": "dossier", "term": ""}

    ofs = opco_client.get(url, {**params, "field_name": "of_etablissement"}).json()["results"]
    entreprises = opco_client.get(url, {**params, "field_name": "entreprise"}).json()["results"]

    assert [r["id"] for r in ofs] == [str(of_etab.pk)]
    assert [r["id"] for r in entreprises] == [str(entreprise.pk)]


# --- Users ------------------------------------------------------------------------------------------


def test_add_a_user_with_the_email_login(admin_client):
    response = admin_client.post(
        admin_url(User, "add"),
        {
            "email": "Nouvel.Utilisateur@Exemple.fr",
            "prenom": "Jeanne",
            "nom": "DUPONT",
            "sexe": "F",
            "usable_password": "true",
            "password1": "un-mot-de-passe-solide-42",
            "password2": "un-mot-de-passe-solide-42",
        },
    )

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    user = User.objects.get(email="nouvel.utilisateur@exemple.fr")
    assert user.check_password("un-mot-de-passe-solide-42")
    assert admin_client.get(admin_url(User, "change", user.pk)).status_code == 200


def test_a_duplicate_email_is_refused(admin_client):
    UserFactory(email="pris@exemple.fr")

    response = admin_client.post(
        admin_url(User, "add"),
        {"email": "PRIS@exemple.fr", "prenom": "A", "nom": "B", "usable_password": "false"},
    )

    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors


def test_change_a_users_password(admin_client):
    user = UserFactory()
    url = reverse("admin:auth_user_password_change", args=[user.pk])

    page = admin_client.get(url)
    response = admin_client.post(
        url, {"password1": "autre-mot-de-passe-99", "password2": "autre-mot-de-passe-99", "usable_password": "true"}
    )

    assert page.status_code == 200
    assert response.status_code == 302
    assert reload(user).check_password("autre-mot-de-passe-99")


def test_a_gestionnaire_opco_cannot_grant_privileges(opco_client):
    user = UserFactory()

    page = opco_client.get(admin_url(User, "change", user.pk))
    superuser = opco_client.get(admin_url(User, "change", User.objects.create_superuser("root@opco.fr", "x" * 12).pk))

    fields = page.context["adminform"].form.fields
    assert not {"is_superuser", "is_staff", "is_opco_gestionnaire", "groups"} & set(fields)
    assert {"email", "nom", "daily_digest", "is_active"} <= set(fields)
    assert superuser.status_code == 200 and "email" not in superuser.context["adminform"].form.fields


def test_habilitations_are_edited_on_the_user_and_the_etablissement(admin_client):
    habilitation = HabilitationFactory()

    user_page = admin_client.get(admin_url(User, "change", habilitation.user_id))
    etab_page = admin_client.get(admin_url(Etablissement, "change", habilitation.etablissement_id))

    for page in (user_page, etab_page):
        assert any(f.formset.model.__name__ == "Habilitation" for f in page.context["inline_admin_formsets"])


def test_an_expired_key_is_shown_as_such(admin_client, of_etab):
    key, _ = ApiKey.build(etablissement=of_etab, created_by=None, now=timezone.now() - timedelta(days=400))
    key.save()

    response = admin_client.get(admin_url(ApiKey, "changelist"), {"statut": "expiree"})

    assert [k.pk for k in response.context["cl"].result_list] == [key.pk]
    assert "Expirée" in response.content.decode()


def test_a_superuser_is_an_opco_gestionnaire_in_the_back_office(admin_client, admin_user):
    dossier = DossierFactory()

    response = admin_client.post(transition_url(dossier, "prendre_en_charge"))

    assert response.status_code == 302
    log = reload(dossier).journal.get()
    assert (log.transition, log.channel, log.actor_user_id) == ("prendre_en_charge", "admin", admin_user.pk)


def test_the_smic_table_is_seeded_and_editable(admin_client):
    from decimal import Decimal

    from cases.models import ReferenceSmic
    from cases.services._common import smic_table

    row = ReferenceSmic.objects.get(date_effet="2026-01-01")
    assert row.mensuel == Decimal("1823.03")

    response = admin_client.post(
        f"/admin/cases/referencesmic/{row.pk}/change/",
        {
            "date_effet": "2026-01-01",
            "horaire": "12.10",
            "mensuel": "1835.20",
            "horaire_mayotte": "9.40",
            "mensuel_mayotte": "1425.00",
        },
    )

    assert response.status_code == 302
    assert smic_table()[-1].monthly == Decimal("1835.20")


def test_accord_records_the_deca_number(opco_client):
    dossier = DossierFactory(en_cours=True)

    opco_client.post(
        transition_url(dossier, "accorder"), {"montant_npec": "6795,83", "numero_depot": "092202611000777"}
    )

    assert reload(dossier).numero_depot == "092202611000777"


# --- Courriers en échec and the gestionnaire's queues -------------------------------------------------


def test_the_gestionnaire_puts_courriers_en_echec_back_in_the_file(opco_client, opco_user):
    dossier = DossierFactory(en_cours=True)
    services.dossier_grant(
        actor=Actor.for_user(opco_user), dossier_id=dossier.pk, montants_pris_en_charge={"npec": "10"}, now=NOW
    )
    failed, issued = Courrier.objects.filter(dossier=dossier).order_by("pk")
    Courrier.objects.filter(pk=failed.pk).update(statut="echec", tentatives=3, erreur="ConversionError: x")
    courrier_issue(courrier_id=issued.pk, now=NOW, render=lambda c: PDF_BYTES)

    listed = opco_client.get(admin_url(Courrier, "changelist"), {"statut__exact": "echec"})
    response = opco_client.post(
        admin_url(Courrier, "changelist"),
        {"action": "remettre_en_file", "_selected_action": [failed.pk, issued.pk]},
        follow=True,
    )

    assert listed.status_code == 200 and escape(failed.nom) in listed.content.decode()
    assert (reload(failed).statut, reload(failed).tentatives) == ("demande", 0)
    assert reload(issued).statut == "emis"
    text = " ".join(messages_of(response))
    assert "1 courrier(s) remis dans la file" in text and "Seuls les courriers en échec" in text
    entry = TransitionLog.objects.get(courrier=failed)
    assert (entry.transition, entry.channel, entry.actor_user_id) == ("remettre_en_file", "admin", opco_user.pk)
    page = opco_client.get(admin_url(Courrier, "change", failed.pk)).content.decode()
    assert "journal du courrier" in page.lower() and "remettre_en_file" in page


def test_an_of_user_with_staff_access_cannot_requeue(client, opco_user):
    staff, _ = of_user()
    staff.is_staff = True
    staff.save()
    client.force_login(staff)

    response = client.get(admin_url(Courrier, "changelist"))

    assert response.status_code == 403  # signed in, but not an OPCO gestionnaire: refused, not sent to log in


def _log(dossier, transition, target, days):
    TransitionLog.objects.create(
        dossier=dossier,
        transition=transition,
        source="",
        target=target,
        actor_label="t",
        channel="admin",
        created_at=timezone.now() - timedelta(days=days),
    )


def test_the_queue_of_dossiers_relances_sans_reponse_is_a_real_list(opco_client):
    from cases.models import DossierSansReponse

    silent = DossierFactory(en_attente=True, salarie_nom="SILENCE")
    _log(silent, "demander_pieces", "en_attente_de_pieces", 45)
    for days in (30, 15):
        Courrier.objects.create(
            cle=f"relance:{silent.pk}:{days}:of",
            type="relance",
            destinataire="of",
            destinataire_etablissement=silent.of_etablissement,
            of_etablissement=silent.of_etablissement,
            dossier=silent,
            created_at=timezone.now() - timedelta(days=days),
        )
    quiet = DossierFactory(en_attente=True, salarie_nom="PATIENCE")  # asked, never relanced yet
    _log(quiet, "demander_pieces", "en_attente_de_pieces", 5)

    page = opco_client.get(admin_url(DossierSansReponse, "changelist")).content.decode()
    old = opco_client.get(admin_url(DossierSansReponse, "changelist"), {"depuis": "plus"}).content.decode()
    recent = opco_client.get(admin_url(DossierSansReponse, "changelist"), {"depuis": "30"}).content.decode()

    assert "SILENCE" in page and "PATIENCE" not in page
    assert admin_url(Dossier, "change", silent.pk) in page  # the row leads to the dossier
    assert (
        "SILENCE" not in old
        and "SILENCE" in opco_client.get(admin_url(DossierSansReponse, "changelist"), {"depuis": "60"}).content.decode()
    )
    assert "SILENCE" not in recent


def test_the_queue_of_decision_clocks_filters_at_risk_and_lapsed(opco_client):
    from cases.models import DelaiDecision

    at_risk = DossierFactory(etat="transmis", salarie_nom="RISQUE")
    _log(at_risk, "transmettre", "transmis", 17)
    lapsed = DossierFactory(etat="transmis", salarie_nom="DEPASSE")
    _log(lapsed, "transmettre", "transmis", 30)
    fresh = DossierFactory(etat="transmis", salarie_nom="RECENT")
    _log(fresh, "transmettre", "transmis", 2)

    url = admin_url(DelaiDecision, "changelist")
    both = opco_client.get(url).content.decode()
    only_lapsed = opco_client.get(url, {"situation": "depasse"}).content.decode()
    only_at_risk = opco_client.get(url, {"situation": "a_risque"}).content.decode()

    assert "RISQUE" in both and "DEPASSE" in both and "RECENT" not in both
    assert "dépassé de 10 j" in only_lapsed and "RISQUE" not in only_lapsed
    assert "3 j" in only_at_risk and "DEPASSE" not in only_at_risk
    assert admin_url(Dossier, "change", lapsed.pk) in only_lapsed
    redirect = opco_client.get(admin_url(DelaiDecision, "change", lapsed.pk))
    assert redirect.status_code == 302 and redirect.url == admin_url(Dossier, "change", lapsed.pk)


def test_the_system_checks_pass():
    from django.core.management import call_command

    call_command("check", fail_level="WARNING")
