"""Who may reach which object through which route: **one declarative table** for the whole surface —
``/api/v1`` (every operation of its OpenAPI document), the portal (every URL pattern) and the norm's
routes (``/api/cfa``, every operation of its document).

A rule says which object the route's id designates (``objet``, and the world's ``exemplaires`` used:
an object in a state where the action is possible), the right (``droit``) and role (``role``) the
action needs on the object's établissement, how the OPCO and a key stand (``opco``, ``cle``), whether
the route is reserved before any lookup (``porte``), and what one who may act receives (``ok``).
:func:`attendu` turns a rule, a principal and an owner into the one status the route must answer:

- nobody signed in: 401 (API), a redirection to the sign-in page (portal), 403 (norm: no key);
- a gate checked before any lookup (``porte``: the OPCO's back office; ``cle="refusee"``: a key is not
  a user): 403 whatever the object, the same as for an id that designates nothing;
- an object the principal may not see — another OF's, another SIRET's for a key, or no object at all:
  **404** (``hors_perimetre``), never 403;
- seen without the right or the role: **403**;
- else ``ok``.

A route of the three documents that is in no rule and in no ``SANS_OBJET`` list fails the suite.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from rules.actions import Droit, Role
from tests.factories import PDF_BYTES
from tests.proprietes.monde import FANTOME, Monde, Principal, Proprietaire

D = Droit
API, PORTAIL, NORME = "api", "portail", "norme"


@dataclass(frozen=True)
class Appel:
    """What a case sends besides the route: the path's id, a query string, a JSON or form body."""

    ident: int | None = None
    query: dict[str, Any] = field(default_factory=dict)
    chemin: dict[str, Any] = field(default_factory=dict)  # other arguments of a portal URL
    json: Any = None
    form: dict[str, Any] | None = None


Construire = Callable[[Monde, Proprietaire, str], Appel]


def par_id(m: Monde, o: Proprietaire, slot: str) -> Appel:
    return Appel(ident=o.pk(slot))


@dataclass(frozen=True)
class Regle:
    route: str  # "GET /api/v1/dossiers/{dossier_id}", "POST portal:dossier_pieces", "GET /api/cfa/v1/dossiers"
    objet: (
        str  # dossier, facture, reglement, piece, courrier, notification, utilisateur, invitation, etablissement, cle
    )
    exemplaires: tuple[str, ...]
    droit: Droit | None = None
    role: Role | None = None
    opco: str = "agit"  # agit: the OPCO acts; voit: sees the object, may not act (403); ignore: 404; refusee: 403 first
    cle: str = "agit"  # agit: as a gestionnaire of its SIRET; refusee: 403 before any lookup; ignore: 404
    porte: str | None = None  # opco: the OPCO's back office (others: 403 before any lookup); contexte: see below
    ok: frozenset[int] = frozenset({200})
    hors_perimetre: int = 404  # what an object out of the principal's scope (or none at all) answers
    champ: str | None = None  # when that answer is a refusal of the body: the field it names
    appel: Construire = par_id

    @property
    def interface(self) -> str:
        if " portal:" in self.route:
            return PORTAIL
        return NORME if " /api/cfa/" in self.route else API

    @property
    def methode(self) -> str:
        return self.route.split(" ", 1)[0]


# ``porte="contexte"``: a portal page about the établissement chosen in the header (the principal one after
# signing in): the right is checked there before any lookup (403), and an object of another of the user's
# établissements is not on the page (404).


def _ok(*codes: int) -> frozenset[int]:
    return frozenset(codes)


def _pdf(name: str = "piece.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def _today():
    return timezone.localdate()


def _json(builder: Callable[[Monde, Proprietaire, str], Any], **query) -> Construire:
    return lambda m, o, s: Appel(ident=o.pk(s), json=builder(m, o, s), query=query)


def _query(**query) -> Construire:
    return lambda m, o, s: Appel(ident=o.pk(s), query=query)


def _form(builder: Callable[[Monde, Proprietaire, str], dict]) -> Construire:
    return lambda m, o, s: Appel(ident=o.pk(s), form=builder(m, o, s))


def _contexte(**query) -> Construire:
    """The établissement as the ``?etablissement=`` of a list, a counter, an export."""
    return lambda m, o, s: Appel(query={"etablissement": o.etab.pk, **query})


def _rupture(m, o, s):
    return {
        "date_rupture": (_today() - timedelta(days=1)).isoformat(),
        "motif": "3",
        "initiateur": "commun",
        "formation_poursuivie": True,
    }


def _utilisateur(m, o, s):
    user = o.objet("utilisateur")
    return {
        "email": user.email,
        "nom": user.nom,
        "prenom": user.prenom,
        "actif": True,
        "habilitations": [{"etablissement_id": o.etab.pk, "role": "gestionnaire_of", "droits": ["deposer_pieces"]}],
    }


def _facture_form(m, o, s):
    return {
        "reference": "MATRICE-1",
        "date_facture": _today().isoformat(),
        "montant_ht": "10.00",
        "montant_ttc": "12.00",
        "fichier": _pdf("facture.pdf"),
    }


def _invitation(m, o, s):
    return {
        "email": "matrice.invitee@proprietes.example",
        "nom": "MATRICE",
        "prenom": "Invitée",
        "habilitations": [{"etablissement_id": o.etab.pk, "role": "gestionnaire_of"}],
    }


def _enregistrement(m, o, s):
    debut = _today() - timedelta(days=10)
    return {
        "dispositif": "professionnalisation",
        "of_etablissement_id": o.etab.pk,
        "entreprise_id": m.entreprises["A"].pk,
        "subroge": True,
        "salarie": {"nom": "MATRICE", "prenom": "Camille"},
        "formation": {
            "intitule": "FORMATION",
            "date_debut": debut.isoformat(),
            "date_fin": (debut + timedelta(days=200)).isoformat(),
        },
        "contrat": {"date_debut": debut.isoformat(), "date_fin": (debut + timedelta(days=300)).isoformat()},
        "financements": {"cout_pedagogique": "1000.00"},
    }


def _reglement(m, o, s):
    return {
        "facture_ids": [o.pk("facture_validee")],
        "date_paiement": _today().isoformat(),
        "reference_virement": "VIR/MATRICE",
    }


def _brouillon_nouveau(m, o, s):
    cerfa = copy.deepcopy(o.objet("brouillon").donnees)
    cerfa["organismeFormation"]["siret"] = o.etab.siret  # the établissement designated, existing or not
    return {"cerfa": cerfa}


def _multipart(**fields) -> Construire:
    return lambda m, o, s: Appel(ident=o.pk(s), form={k: (v() if callable(v) else v) for k, v in fields.items()})


R = Regle
OPCO_ONLY = {"porte": "opco"}
DOSSIER_VIEW = ("accorde", "brouillon", "en_attente", "avenant", "pro", "pro_a", "action")

# --- /api/v1 -----------------------------------------------------------------------------------------

V1 = "/api/v1"
API_RULES: list[Regle] = [
    # Notifications: a notification is its recipient's only (the owner's OF administrator here).
    R(f"GET {V1}/notifications/{{notification_id}}", "notification", ("notification",), opco="ignore", cle="ignore"),
    R(
        f"DELETE {V1}/notifications/{{notification_id}}",
        "notification",
        ("notification",),
        opco="ignore",
        cle="ignore",
        ok=_ok(204),
    ),
    R(
        f"POST {V1}/notifications/{{notification_id}}/lue",
        "notification",
        ("notification",),
        opco="ignore",
        cle="ignore",
        ok=_ok(204),
    ),
    R(
        f"GET {V1}/notifications/{{notification_id}}/examiner",
        "notification",
        ("notification",),
        opco="ignore",
        cle="ignore",
    ),
    # Dossiers
    R(f"GET {V1}/dossiers/{{dossier_id}}", "dossier", DOSSIER_VIEW),
    # « Voir tout » of the synthesis: whoever sees the dossier sees its paged lists.
    R(f"GET {V1}/dossiers/{{dossier_id}}/factures", "dossier", ("accorde", "pro")),
    R(f"GET {V1}/dossiers/{{dossier_id}}/courriers", "dossier", ("accorde", "pro")),
    R(f"GET {V1}/dossiers/{{dossier_id}}/historique", "dossier", ("accorde", "avenant")),
    R(f"GET {V1}/dossiers/{{dossier_id}}/cerfa", "dossier", ("accorde", "brouillon"), appel=_query(format="docx")),
    R(f"GET {V1}/dossiers/{{dossier_id}}/donnees", "dossier", ("brouillon", "accorde")),
    R(f"GET {V1}/dossiers/{{dossier_id}}/pieces", "dossier", ("accorde", "pro")),
    R(
        f"POST {V1}/dossiers/{{dossier_id}}/pieces",
        "dossier",
        ("accorde", "en_attente"),
        droit=D.DEPOSER_PIECES,
        opco="voit",
        ok=_ok(201),
        appel=_multipart(fichiers=lambda: [_pdf()]),
    ),
    R(
        f"POST {V1}/dossiers/{{dossier_id}}/factures",
        "dossier",
        ("pro",),
        droit=D.DEPOSER_FACTURES,
        opco="voit",
        ok=_ok(201),
        appel=lambda m, o, s: Appel(ident=o.pk(s), form=_facture_form(m, o, s)),
    ),
    R(
        f"PUT {V1}/dossiers/{{dossier_id}}/brouillon",
        "dossier",
        ("brouillon",),
        droit=D.SAISIR_CONTRATS,
        opco="voit",
        appel=_json(lambda m, o, s: {"cerfa": o.objet("brouillon").donnees}),
    ),
    R(
        f"DELETE {V1}/dossiers/{{dossier_id}}/brouillon",
        "dossier",
        ("brouillon",),
        droit=D.SAISIR_CONTRATS,
        opco="voit",
        ok=_ok(204),
        appel=_query(confirmation="true"),
    ),
    R(
        f"POST {V1}/dossiers/{{dossier_id}}/transmettre",
        "dossier",
        ("brouillon",),
        droit=D.SAISIR_CONTRATS,
        opco="voit",
    ),
    R(
        f"POST {V1}/dossiers/{{dossier_id}}/avenants",
        "dossier",
        ("accorde",),
        droit=D.SAISIR_CONTRATS,
        opco="voit",
        ok=_ok(201),
        appel=_json(lambda m, o, s: {"type_avenant": 36, "date_effet": _today().isoformat(), "motif": "Matrice"}),
    ),
    R(
        f"POST {V1}/dossiers/{{dossier_id}}/rupture",
        "dossier",
        ("accorde",),
        droit=D.SAISIR_CONTRATS,
        opco="voit",
        appel=_json(_rupture),
    ),
    # Factures, règlements, files
    R(f"GET {V1}/factures/{{facture_id}}", "facture", ("facture_deposee", "facture_payee", "facture_echeance")),
    R(f"GET {V1}/factures/{{facture_id}}/fichier", "facture", ("facture_deposee", "facture_payee")),
    R(
        f"POST {V1}/factures/{{facture_id}}/pieces",
        "facture",
        ("facture_deposee", "facture_en_attente"),
        droit=D.DEPOSER_FACTURES,
        opco="voit",
        ok=_ok(201),
        appel=_multipart(fichiers=lambda: [_pdf()]),
    ),
    R(f"GET {V1}/paiements/{{reglement_id}}", "reglement", ("reglement",), droit=D.CONSULTER_REGLEMENTS),
    R(f"GET {V1}/paiements/{{reglement_id}}/avis", "reglement", ("reglement",), droit=D.CONSULTER_REGLEMENTS),
    R(f"GET {V1}/pieces/{{piece_id}}/fichier", "piece", ("piece_dossier", "piece_facture")),
    R(f"GET {V1}/courriers/{{courrier_id}}/fichier", "courrier", ("courrier_dossier", "courrier_facture")),
    R(f"GET {V1}/courriers/{{courrier_id}}/fichier", "courrier", ("courrier_reglement",), droit=D.CONSULTER_REGLEMENTS),
    # Habilitations
    R(f"GET {V1}/habilitations/utilisateurs/{{user_id}}", "utilisateur", ("utilisateur",), opco="ignore"),
    R(
        f"PUT {V1}/habilitations/utilisateurs/{{user_id}}",
        "utilisateur",
        ("utilisateur",),
        droit=D.GERER_UTILISATEURS,
        opco="ignore",
        cle="refusee",
        appel=_json(_utilisateur),
    ),
    R(
        f"POST {V1}/habilitations/invitations/{{invitation_id}}/renvoyer",
        "invitation",
        ("invitation",),
        droit=D.GERER_UTILISATEURS,
        opco="ignore",
        cle="refusee",
    ),
    R(
        f"DELETE {V1}/habilitations/invitations/{{invitation_id}}",
        "invitation",
        ("invitation",),
        droit=D.GERER_UTILISATEURS,
        opco="ignore",
        cle="refusee",
    ),
    R(f"GET {V1}/habilitations/etablissements/{{etablissement_id}}", "etablissement", ("etablissement",)),
    R(
        f"PATCH {V1}/habilitations/etablissements/{{etablissement_id}}",
        "etablissement",
        ("etablissement",),
        role=Role.ADMIN_OF,
        opco="ignore",
        cle="refusee",
        appel=_json(lambda m, o, s: {"telephone": "0102030405"}),
    ),
    R(f"DELETE {V1}/habilitations/cles/{{cle_id}}", "cle", ("cle",), droit=D.GERER_CLES, opco="ignore", cle="refusee"),
    # The OPCO's back office: reserved before any lookup.
    R(f"POST {V1}/opco/dossiers/{{dossier_id}}/prendre-en-charge", "dossier", ("transmis",), **OPCO_ONLY),
    R(
        f"POST {V1}/opco/dossiers/{{dossier_id}}/demander-pieces",
        "dossier",
        ("en_cours",),
        appel=_json(lambda m, o, s: {"pieces": ["CERFA_SIGNE"]}),
        **OPCO_ONLY,
    ),
    R(f"POST {V1}/opco/dossiers/{{dossier_id}}/reprendre-instruction", "dossier", ("en_attente",), **OPCO_ONLY),
    R(
        f"POST {V1}/opco/dossiers/{{dossier_id}}/accorder",
        "dossier",
        ("en_cours",),
        appel=_json(lambda m, o, s: {"montants_pris_en_charge": {"npec": "1000.00"}}),
        **OPCO_ONLY,
    ),
    R(
        f"POST {V1}/opco/dossiers/{{dossier_id}}/refuser",
        "dossier",
        ("en_cours", "transmis"),
        appel=_json(lambda m, o, s: {"motif": "AUTRE", "explication": "Refus de la matrice."}),
        **OPCO_ONLY,
    ),
    R(
        f"POST {V1}/opco/dossiers/{{dossier_id}}/annuler",
        "dossier",
        ("accorde",),
        appel=_json(lambda m, o, s: {"motif": "Annulation de la matrice."}),
        **OPCO_ONLY,
    ),
    R(f"POST {V1}/opco/dossiers/{{dossier_id}}/cloturer", "dossier", ("accorde", "rupture"), **OPCO_ONLY),
    R(
        f"POST {V1}/opco/dossiers/{{dossier_id}}/enregistrer-rupture",
        "dossier",
        ("pro",),
        appel=_json(_rupture),
        **OPCO_ONLY,
    ),
    R(f"POST {V1}/opco/factures/{{facture_id}}/instruire", "facture", ("facture_deposee",), **OPCO_ONLY),
    R(
        f"POST {V1}/opco/factures/{{facture_id}}/demander-pieces",
        "facture",
        ("facture_en_cours",),
        appel=_json(lambda m, o, s: {"pieces": ["CERTIFICAT_REALISATION"]}),
        **OPCO_ONLY,
    ),
    R(f"POST {V1}/opco/factures/{{facture_id}}/reprendre-instruction", "facture", ("facture_en_attente",), **OPCO_ONLY),
    R(f"POST {V1}/opco/factures/{{facture_id}}/valider", "facture", ("facture_en_cours",), **OPCO_ONLY),
    R(
        f"POST {V1}/opco/factures/{{facture_id}}/rejeter",
        "facture",
        ("facture_deposee",),
        appel=_json(lambda m, o, s: {"motif": "AUTRE", "explication": "Rejet de la matrice."}),
        **OPCO_ONLY,
    ),
    R(
        f"POST {V1}/opco/courriers/{{courrier_id}}/remettre-en-file",
        "courrier",
        ("courrier_echec",),
        appel=_json(lambda m, o, s: {"motif": "Gabarit corrigé."}),
        **OPCO_ONLY,
    ),
    # Routes whose object is an établissement given as ``?etablissement=`` (lists, counters, exports) or in
    # the body: another OF's is a 404, never a count.
    R(f"GET {V1}/tableau-de-bord", "etablissement", ("etablissement",), appel=_contexte()),
    R(f"GET {V1}/dossiers", "etablissement", ("etablissement",), appel=_contexte(dispositif="apprentissage")),
    R(f"GET {V1}/notifications", "etablissement", ("etablissement",), appel=_contexte()),
    R(f"POST {V1}/notifications/lues", "etablissement", ("etablissement",), appel=_contexte()),
    R(f"DELETE {V1}/notifications", "etablissement", ("etablissement",), appel=_contexte()),
    R(f"GET {V1}/factures", "etablissement", ("etablissement",), appel=_contexte()),
    R(f"GET {V1}/factures/export", "etablissement", ("etablissement",), appel=_contexte(format="csv")),
    R(f"GET {V1}/echeances", "etablissement", ("etablissement",), appel=_contexte()),
    R(f"GET {V1}/paiements", "etablissement", ("etablissement",), droit=D.CONSULTER_REGLEMENTS, appel=_contexte()),
    R(
        f"GET {V1}/paiements/export",
        "etablissement",
        ("etablissement",),
        droit=D.CONSULTER_REGLEMENTS,
        appel=_contexte(format="csv"),
    ),
    R(f"GET {V1}/habilitations/utilisateurs", "etablissement", ("etablissement",), opco="ignore", appel=_contexte()),
    R(
        f"GET {V1}/habilitations/invitations",
        "etablissement",
        ("etablissement",),
        droit=D.GERER_UTILISATEURS,
        role=Role.ADMIN_OF,
        opco="ignore",
        appel=_contexte(),
    ),
    R(
        f"GET {V1}/habilitations/cles",
        "etablissement",
        ("etablissement",),
        droit=D.GERER_CLES,
        opco="ignore",
        appel=_contexte(),
    ),
    R(
        f"POST {V1}/habilitations/cles",
        "etablissement",
        ("etablissement",),
        droit=D.GERER_CLES,
        opco="ignore",
        cle="refusee",
        ok=_ok(201),
        appel=lambda m, o, s: Appel(json={"etablissement_id": o.etab.pk}),
    ),
    R(
        f"POST {V1}/habilitations/utilisateurs",
        "etablissement",
        ("etablissement",),
        droit=D.GERER_UTILISATEURS,
        role=Role.ADMIN_OF,
        opco="ignore",
        cle="refusee",
        ok=_ok(201),
        appel=lambda m, o, s: Appel(json=_invitation(m, o, s)),
    ),
    R(
        f"POST {V1}/dossiers/apprentissage/brouillons",
        "etablissement",
        ("etablissement",),
        droit=D.SAISIR_CONTRATS,
        opco="refusee",
        ok=_ok(201),
        # The SIRET is a field of the CERFA: one out of scope is refused on that field, as an unknown one.
        hors_perimetre=422,
        champ="organismeFormation.siret",
        appel=lambda m, o, s: Appel(json=_brouillon_nouveau(m, o, s)),
    ),
    R(
        f"POST {V1}/opco/dossiers",
        "etablissement",
        ("etablissement",),
        ok=_ok(201),
        hors_perimetre=422,
        champ="of_etablissement",
        appel=lambda m, o, s: Appel(json=_enregistrement(m, o, s)),
        **OPCO_ONLY,
    ),
    R(
        f"POST {V1}/opco/reglements",
        "facture",
        ("facture_validee",),
        ok=_ok(201),
        hors_perimetre=422,
        champ="facture_ids",
        appel=lambda m, o, s: Appel(json=_reglement(m, o, s)),
        **OPCO_ONLY,
    ),
]

# Operations of /api/v1 that designate no object of a tenant, and why.
API_SANS_OBJET = {
    f"GET {V1}/auth/csrf": "jeton CSRF, sans authentification",
    f"POST {V1}/auth/connexion": "connexion (e-mail et mot de passe)",
    f"POST {V1}/auth/deconnexion": "déconnexion de sa propre session",
    f"GET {V1}/auth/moi": "son propre profil",
    f"GET {V1}/auth/moi/notifications": "ses propres préférences",
    f"PUT {V1}/auth/moi/notifications": "ses propres préférences",
    f"GET {V1}/guide": "le guide, le même pour tous",
    f"GET {V1}/guide/telecharger": "le guide, le même pour tous",
    f"GET {V1}/referentiels": "listes de codes",
    f"GET {V1}/entreprises": "référentiel des employeurs de l'OPCO (recherche par SIRET)",
    f"GET {V1}/dossiers/apprentissage/formulaire": "structure du formulaire",
    f"POST {V1}/dossiers/apprentissage/verification": "vérification d'un CERFA envoyé, rien n'est lu en base",
    f"GET {V1}/habilitations/etablissements": "ses propres établissements (liste vérifiée par test_listes)",
    f"GET {V1}/opco/files/relances-sans-reponse": "file de l'OPCO (porte vérifiée par tests/api/test_opco_files.py)",
    f"GET {V1}/opco/files/delais-de-decision": "file de l'OPCO (porte vérifiée par tests/api/test_opco_files.py)",
    f"GET {V1}/opco/courriers/en-echec": "file de l'OPCO (porte vérifiée par tests/api/test_opco_files.py)",
}

# --- The portal ------------------------------------------------------------------------------------


def _p(name: str, method: str = "GET") -> str:
    return f"{method} portal:{name}"


def _portal_form(**fields) -> Construire:
    return lambda m, o, s: Appel(ident=o.pk(s), form={k: (v() if callable(v) else v) for k, v in fields.items()})


def _portal_facture(m, o, s):
    return {
        "reference": "MATRICE-1",
        "date_facture": _today().strftime("%d/%m/%Y"),
        "montant_ht": "10,00",
        "montant_ttc": "12,00",
        "fichier": _pdf("facture.pdf"),
    }


def _portal_rupture(m, o, s):
    return {
        "date_rupture": (_today() - timedelta(days=1)).strftime("%d/%m/%Y"),
        "motif": "3",
        "initiateur": "commun",
        "formation_poursuivie": "oui",
    }


def _portal_utilisateur(m, o, s):
    user = o.objet("utilisateur")
    pk = o.etab.pk
    return {
        "nom": user.nom,
        "prenom": user.prenom,
        "email": user.email,
        "sexe": "",
        f"rattacher_{pk}": "on",
        f"role_{pk}": "gestionnaire_of",
        f"droits_{pk}": ["deposer_pieces"],
    }


PORTAL_RULES: list[Regle] = [
    # Files
    R(_p("fichier_courrier"), "courrier", ("courrier_dossier", "courrier_facture")),
    R(_p("fichier_courrier"), "courrier", ("courrier_reglement",), droit=D.CONSULTER_REGLEMENTS),
    R(_p("fichier_piece"), "piece", ("piece_dossier", "piece_facture")),
    R(_p("fichier_facture"), "facture", ("facture_deposee", "facture_payee")),
    R(_p("fichier_cerfa"), "dossier", ("accorde", "brouillon"), appel=_query(format="docx")),
    R(_p("fichier_avis"), "reglement", ("reglement",), droit=D.CONSULTER_REGLEMENTS),
    # Notifications
    R(_p("notification_examiner"), "notification", ("notification",), ok=_ok(302)),
    R(_p("notification_lue", "POST"), "notification", ("notification",), ok=_ok(302)),
    R(_p("notification_supprimer"), "notification", ("notification",)),
    R(_p("notification_supprimer", "POST"), "notification", ("notification",), ok=_ok(302)),
    # Dossiers
    R(_p("dossier"), "dossier", DOSSIER_VIEW),
    R(_p("dossier_pieces"), "dossier", ("accorde", "en_attente"), droit=D.DEPOSER_PIECES),
    R(
        _p("dossier_pieces", "POST"),
        "dossier",
        ("accorde",),
        droit=D.DEPOSER_PIECES,
        ok=_ok(302),
        appel=_portal_form(fichiers=lambda: [_pdf()]),
    ),
    R(_p("dossier_facture"), "dossier", ("pro",), droit=D.DEPOSER_FACTURES),
    R(
        _p("dossier_facture", "POST"),
        "dossier",
        ("pro",),
        droit=D.DEPOSER_FACTURES,
        ok=_ok(302),
        appel=_form(_portal_facture),
    ),
    R(_p("dossier_rupture"), "dossier", ("accorde",), droit=D.SAISIR_CONTRATS),
    R(
        _p("dossier_rupture", "POST"),
        "dossier",
        ("accorde",),
        droit=D.SAISIR_CONTRATS,
        ok=_ok(302),
        appel=_form(_portal_rupture),
    ),
    R(_p("saisie_modifier"), "dossier", ("brouillon",), droit=D.SAISIR_CONTRATS),
    # « Sauvegarder le brouillon » with nothing typed: the service is called and refuses the empty CERFA.
    R(
        _p("saisie_modifier", "POST"),
        "dossier",
        ("brouillon",),
        droit=D.SAISIR_CONTRATS,
        ok=_ok(422),
        appel=_portal_form(_action="brouillon"),
    ),
    R(_p("saisie_supprimer"), "dossier", ("brouillon",), droit=D.SAISIR_CONTRATS),
    R(_p("saisie_supprimer", "POST"), "dossier", ("brouillon",), droit=D.SAISIR_CONTRATS, ok=_ok(302)),
    R(_p("avenant"), "dossier", ("accorde",), droit=D.SAISIR_CONTRATS),
    R(
        _p("avenant", "POST"),
        "dossier",
        ("accorde",),
        droit=D.SAISIR_CONTRATS,
        ok=_ok(422),
        appel=_portal_form(_action="transmettre"),
    ),
    # Factures, paiements
    R(_p("facture"), "facture", ("facture_deposee", "facture_payee")),
    R(
        _p("facture_pieces", "POST"),
        "facture",
        ("facture_deposee",),
        droit=D.DEPOSER_FACTURES,
        ok=_ok(302),
        appel=_portal_form(fichiers=lambda: [_pdf()]),
    ),
    R(_p("paiement"), "reglement", ("reglement",), droit=D.CONSULTER_REGLEMENTS),
    # Habilitations
    R(_p("utilisateur"), "utilisateur", ("utilisateur",)),
    R(
        _p("utilisateur", "POST"),
        "utilisateur",
        ("utilisateur",),
        droit=D.GERER_UTILISATEURS,
        ok=_ok(302),
        appel=_form(_portal_utilisateur),
    ),
    R(_p("utilisateur_activation"), "utilisateur", ("utilisateur",), droit=D.GERER_UTILISATEURS),
    R(
        _p("utilisateur_activation", "POST"),
        "utilisateur",
        ("utilisateur",),
        droit=D.GERER_UTILISATEURS,
        ok=_ok(302),
        appel=_portal_form(actif="0"),
    ),
    R(_p("invitation_renvoyer", "POST"), "invitation", ("invitation",), droit=D.GERER_UTILISATEURS, ok=_ok(302)),
    R(_p("invitation_annuler"), "invitation", ("invitation",), droit=D.GERER_UTILISATEURS, porte="contexte"),
    R(_p("invitation_annuler", "POST"), "invitation", ("invitation",), droit=D.GERER_UTILISATEURS, ok=_ok(302)),
    R(_p("etablissement"), "etablissement", ("etablissement",)),
    R(
        _p("etablissement", "POST"),
        "etablissement",
        ("etablissement",),
        role=Role.ADMIN_OF,
        ok=_ok(302),
        appel=_portal_form(email="contact@proprietes.example", telephone="0102030405"),
    ),
    R(_p("cle_revoquer"), "cle", ("cle",), droit=D.GERER_CLES, porte="contexte"),
    R(_p("cle_revoquer", "POST"), "cle", ("cle",), droit=D.GERER_CLES, ok=_ok(302)),
    # Pages of the établissement chosen in the header (``?etablissement=``)
    R(_p("tableau_de_bord"), "etablissement", ("etablissement",), appel=_contexte()),
    R(_p("notifications"), "etablissement", ("etablissement",), appel=_contexte()),
    R(_p("factures"), "etablissement", ("etablissement",), appel=_contexte()),
    R(_p("echeances"), "etablissement", ("etablissement",), appel=_contexte()),
    R(_p("paiements"), "etablissement", ("etablissement",), droit=D.CONSULTER_REGLEMENTS, appel=_contexte()),
    R(_p("utilisateurs"), "etablissement", ("etablissement",), appel=_contexte()),
    R(_p("etablissements"), "etablissement", ("etablissement",), appel=_contexte()),
    R(_p("cle"), "etablissement", ("etablissement",), droit=D.GERER_CLES, appel=_contexte()),
]
PORTAL_DOSSIERS_LISTE = R(
    _p("dossiers"),
    "etablissement",
    ("etablissement",),
    appel=lambda m, o, s: Appel(query={"etablissement": o.etab.pk}, chemin={"dispositif": "apprentissage"}),
)
PORTAL_RULES += [
    PORTAL_DOSSIERS_LISTE,
    R(
        _p("factures_export"),
        "etablissement",
        ("etablissement",),
        appel=lambda m, o, s: Appel(query={"etablissement": o.etab.pk}, chemin={"format": "csv"}),
    ),
    R(
        _p("paiements_export"),
        "etablissement",
        ("etablissement",),
        droit=D.CONSULTER_REGLEMENTS,
        appel=lambda m, o, s: Appel(query={"etablissement": o.etab.pk}, chemin={"format": "csv"}),
    ),
]

# Portal routes that designate no object of a tenant, and why.
PORTAL_SANS_OBJET = {
    "accueil": "redirection vers le tableau de bord",
    "connexion": "page publique",
    "deconnexion": "sa propre session",
    "mot_de_passe_oublie": "page publique",
    "mot_de_passe_oublie_envoye": "page publique",
    "reinitialiser": "lien à jeton (tests/portal/test_comptes.py)",
    "reinitialisation_terminee": "page publique",
    "invitation": "lien à jeton (tests/portal/test_comptes.py)",
    "mot_de_passe": "son propre compte",
    "preferences": "son propre compte",
    "guide": "le guide, le même pour tous",
    "guide_pdf": "le guide, le même pour tous",
    "guide_markdown": "le guide, le même pour tous",
    "accessibilite": "page publique",
    "notifications_tout_lu": "les siennes, dans l'établissement choisi (« tout » ne dépasse pas l'en-tête)",
    "notifications_tout_supprimer": "les siennes, dans l'établissement choisi",
    "saisie_nouveau": "formulaire vierge ; l'établissement est un champ du CERFA",
    "saisie_verifier": "fragment htmx sur le CERFA envoyé",
    "saisie_entreprises": "référentiel des employeurs",
    "saisie_choisir": "référentiel des employeurs",
    "saisie_periodes": "fragment htmx sur le CERFA envoyé",
    "utilisateur_inviter": "formulaire ; les établissements offerts sont ceux que l'on administre",
    "cle_generer": "clé de l'établissement choisi (droit vérifié par tests/portal/test_habilitations.py)",
}

# --- The norm (/api/cfa) ------------------------------------------------------------------------------

CFA = "/api/cfa"
SIRET_APPELANT = "<SIRET de la clé qui appelle>"  # replaced by the caller's own SIRET when sent


def _numero_interne(m, o, s):
    return Appel(query={"numeroInterne": str(o.pk(s))})


def _norm_rupture(m, o, s):
    return Appel(
        json={
            "numeroInterne": str(o.pk(s)),
            "dateRupture": f"{_today() - timedelta(days=1)}T00:00:00+01:00",
            "motifRupture": 3,
            "formationPoursuivie": True,
        }
    )


def _norm_multipart(part: str, builder) -> Construire:
    import json

    def build(m, o, s):
        return Appel(form={part: json.dumps(builder(m, o, s), ensure_ascii=False), "fichier": _pdf()})

    return build


def _convention(m, o, s):
    return {"numeroInterneDossier": str(o.pk(s))}


def _document_dossier(m, o, s):
    return {"typeFichier": "autre", "objets": [{"typeObjet": "dossier", "idObjet": str(o.pk(s))}]}


def _document_facture(m, o, s):
    numero = o.objet(s).numero if o.cle != FANTOME else 987_654_321
    return {"typeFichier": "autre", "objets": [{"typeObjet": "facture", "idObjet": str(numero)}]}


def _norm_facture(m, o, s):
    dossier = o.objet(s)
    return {
        "numero": "MATRICE-NORME-1",
        "siretEmetteur": SIRET_APPELANT,
        "dateEmission": f"{_today()}T00:00:00+01:00",
        "montantTotal": 10.0,
        "lignes": [
            {
                "natureLigne": "PEDAGOGIE",
                "montant": 10.0,
                "quantite": 1,
                "numeroEcheance": 1,
                "numeroDossier": f"{dossier.numero}.{dossier.version}" if o.cle != FANTOME else "9876543.1",
            }
        ],
    }


NORM_RULES: list[Regle] = [
    R(f"GET {CFA}/v1/dossiers", "dossier", ("accorde", "en_attente"), appel=_numero_interne),
    R(f"GET {CFA}/v2/dossiers", "dossier", ("accorde", "rupture"), appel=_numero_interne),
    R(
        f"POST {CFA}/v2/dossiers/rupture/employeur",
        "dossier",
        ("accorde",),
        droit=D.SAISIR_CONTRATS,
        appel=_norm_rupture,
    ),
    R(
        f"POST {CFA}/v1/conventions",
        "dossier",
        ("accorde",),
        droit=D.DEPOSER_PIECES,
        appel=_norm_multipart("convention", _convention),
    ),
    R(
        f"POST {CFA}/v1/documents",
        "dossier",
        ("accorde",),
        droit=D.DEPOSER_PIECES,
        appel=_norm_multipart("document", _document_dossier),
    ),
    R(
        f"POST {CFA}/v1/documents",
        "facture",
        ("facture_echeance",),
        droit=D.DEPOSER_FACTURES,
        appel=_norm_multipart("document", _document_facture),
    ),
    # An invoice line names its contract in the data: one of another SIRET is refused on the line, as an
    # unknown one (400 with the line's path).
    R(
        f"POST {CFA}/v1/factures",
        "dossier",
        ("accorde",),
        droit=D.DEPOSER_FACTURES,
        hors_perimetre=400,
        champ="facture.lignes[0].numeroDossier",
        appel=_norm_multipart("facture", _norm_facture),
    ),
]

NORM_SANS_OBJET = {
    f"GET {CFA}/v1/status": "sa propre clé",
    f"GET {CFA}/v2/cfakeyinfo": "vérifie une clé pour un SIREN, sans clé (tests/cfa/test_headers_and_keys.py)",
    f"POST {CFA}/v1/dossiers": "dépôt d'un contrat de sa clé (le SIRET du CFA est un champ du CERFA)",
    f"POST {CFA}/v2/dossiers": "dépôt d'un contrat de sa clé (le SIRET du CFA est un champ du CERFA)",
    f"GET {CFA}/v1/dossiers/etats": "flux de sa clé (vérifié par test_listes)",
    f"GET {CFA}/v2/dossiers/etats": "flux de sa clé (vérifié par test_listes)",
    f"GET {CFA}/v1/dossiers/liste": "ses dossiers parmi ceux demandés (vérifié par test_listes)",
    f"GET {CFA}/v2/factures/etats": "flux de sa clé (vérifié par test_listes)",
}

RULES: list[Regle] = [*API_RULES, *PORTAL_RULES, *NORM_RULES]

# --- The expected answer -------------------------------------------------------------------------------


def _voit(r: Regle, p: Principal, owner: Proprietaire, monde: Monde) -> bool:
    if owner.cle == FANTOME:
        return False
    if r.objet == "notification":
        return p.user_id is not None and p.user_id == owner.objet("notification").user_id
    if p.opco:
        return r.opco != "ignore"
    if p.genre == "cle" and r.cle == "ignore":
        return False
    return owner.cle in p.droits


def _peut(r: Regle, p: Principal, etab: str) -> bool:
    if p.opco:
        return r.opco == "agit"
    role, droits = p.droits[etab]
    return (r.role is None or role is r.role) and (r.droit is None or r.droit in droits)


def attendu(r: Regle, p: Principal, owner: Proprietaire, monde: Monde) -> frozenset[int]:
    interface = r.interface
    if p.genre in ("anonyme", "desactive"):
        return _ok({API: 401, PORTAIL: 302, NORME: 403}[interface])
    if interface == PORTAIL and not p.droits:
        return _ok(403)  # the portal is the OF's: nobody without an établissement has a page there
    if interface == NORME and p.genre != "cle":
        return _ok(403)  # the norm speaks to a CFA's software, with its key
    if r.porte == "opco":
        if not p.opco:
            return _ok(403)
        return r.ok if owner.cle != FANTOME else _ok(r.hors_perimetre)
    if p.genre == "cle" and r.cle == "refusee":
        return _ok(403)
    if p.opco and r.opco == "refusee":
        return _ok(403)
    if r.porte == "contexte":
        if not _peut(r, p, p.courant):
            return _ok(403)
        if owner.cle != p.courant:
            return _ok(r.hors_perimetre)
    if not _voit(r, p, owner, monde):
        return _ok(r.hors_perimetre)
    if r.objet == "notification":
        return r.ok
    if not _peut(r, p, owner.cle):
        return _ok(403)
    return r.ok
