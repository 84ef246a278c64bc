"""The world of the property tests: two OF, each with a siège and an antenne **sharing one SIREN** and a
third établissement of **another SIREN**; on each of the six établissements, objects of every kind — dossiers
of the four dispositifs in several states, drafts, factures with pièces and justificatifs, règlements,
courriers of dossiers, factures and règlements (one « en échec »), notifications, users, pending
invitations, one API key per SIRET.

Everything that has a service is made through it (drafts, transmissions, instruction, avenants,
ruptures, pièces, factures, règlements, courriers and their notifications, invitations, keys), so that
the journal and the side effects are the real ones; habilitations of the principals come from factories.

Who may do what is **declared here** (``UTILISATEURS``, ``CLES``): the habilitations and the keys are
created from these declarations, and the matrix computes its expected answers from them — never from
``Actor`` or from the code under test.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.db.models import Model
from django.utils import timezone

from accounts.actors import Actor, Channel
from accounts.models import Etablissement, Invitation, User
from accounts.services import (
    HabilitationInput,
    UserInput,
    api_key_generate,
    invitation_accept_new,
    invitation_create,
)
from cases import services
from cases.models import Courrier, Dossier, Facture, Notification, PieceJointe, Reglement, StatutCourrier
from cases.selectors import dossier_facturation
from cases.services import LigneDemandee, Upload
from cases.services.courriers import courrier_issue, courriers_issue_pending
from rules.actions import Droit, Role
from rules.cerfa import example_payload
from rules.identifiers import luhn_complete, uai_complete
from rules.lifecycles import Dispositif, EtatDossier
from tests.factories import PDF_BYTES, EtablissementFactory, HabilitationFactory, UserFactory

E = EtatDossier
OFS = ("A", "B")
ETABLISSEMENTS = ("siege", "antenne", "tiers")  # the siège and the antenne share their SIREN, the tiers has its own
FANTOME = "fantome"  # an owner that does not exist: its ids designate nothing
GHOST_ID = 987_654_321

TOUS = frozenset(Droit)
GESTION = frozenset({Droit.SAISIR_CONTRATS, Droit.DEPOSER_PIECES, Droit.DEPOSER_FACTURES, Droit.CONSULTER_REGLEMENTS})
AUCUN: frozenset[Droit] = frozenset()
ADMIN, GEST = Role.ADMIN_OF, Role.GESTIONNAIRE_OF

# The users of each OF: name → {établissement: (role, rights)}; the first établissement is the principal one.
UTILISATEURS: dict[str, dict[str, tuple[Role, frozenset[Droit]]]] = {
    "admin": {"siege": (ADMIN, TOUS), "antenne": (ADMIN, TOUS), "tiers": (ADMIN, TOUS)},
    "gestionnaire": {"siege": (GEST, GESTION), "antenne": (GEST, AUCUN)},
    "admin_sans_droits": {"antenne": (ADMIN, AUCUN)},
}
# One key per SIRET, with the rights chosen at its generation (a key is a gestionnaire of its SIRET).
CLES: dict[str, frozenset[Droit]] = {
    "siege": GESTION,
    "antenne": AUCUN,
    "tiers": frozenset({Droit.DEPOSER_PIECES, Droit.CONSULTER_REGLEMENTS}),
}


@dataclass(frozen=True)
class Principal:
    """Someone who calls: a user (by a session), a key, the OPCO, nobody. ``droits``: owner → (role, rights)."""

    nom: str
    genre: str  # "utilisateur", "cle", "opco", "anonyme", "desactive"
    droits: Mapping[str, tuple[Role, frozenset[Droit]]] = field(default_factory=dict)
    courant: str | None = None  # the établissement the portal shows after signing in (the principal one)
    user_id: int | None = None
    cle_brute: str | None = None

    @property
    def opco(self) -> bool:
        return self.genre == "opco"


@dataclass
class Proprietaire:
    """One établissement of an OF and what it owns, by slot."""

    cle: str  # "A.siege"
    of: str
    etab: Etablissement
    objets: dict[str, Model] = field(default_factory=dict)

    def pk(self, slot: str) -> int:
        return self.objets[slot].pk

    def objet(self, slot: str):
        return self.objets[slot]


class Fantome(Proprietaire):
    """An owner that does not exist: every id it gives designates nothing; its other data (a CERFA, a
    SIRET's shape) are those of ``modele`` so that a body stays valid."""

    def __init__(self, modele: Proprietaire, siret: str) -> None:
        etab = SimpleNamespace(pk=GHOST_ID, siret=siret, siren=siret[:9], raison_sociale="INCONNU")
        super().__init__(cle=FANTOME, of="", etab=etab, objets=modele.objets)

    def pk(self, slot: str) -> int:
        return GHOST_ID

    def objet(self, slot: str):
        real = self.objets[slot]
        fields = {k: v for k, v in vars(real).items() if not k.startswith("_")}
        return SimpleNamespace(**{**fields, "pk": GHOST_ID, "id": GHOST_ID})


@dataclass
class Monde:
    now: datetime
    proprietaires: dict[str, Proprietaire]
    principaux: dict[str, Principal]
    fantome: Fantome
    entreprises: dict[str, Etablissement]
    opco: User

    def owners(self, *, fantome: bool = True) -> list[Proprietaire]:
        return [*self.proprietaires.values(), *([self.fantome] if fantome else [])]

    def owner_of_etab(self, etab_id: int) -> str | None:
        return next((o.cle for o in self.proprietaires.values() if o.etab.pk == etab_id), None)


# --- Building ------------------------------------------------------------------------------------

_sirens = itertools.count(81_234_500)
_uais = itertools.count(7_345_000)
_deca = itertools.count(1)


def _siren() -> str:
    return luhn_complete(f"{next(_sirens):08d}")


def _nom(*parts: str) -> str:
    """A name made of letters only (the CERFA's name pattern), distinct per owner and slot."""
    return "".join(p.upper() for p in parts if p).replace("_", "")


class _Horloge:
    """The world happens over the last day, one minute per event."""

    def __init__(self, now: datetime) -> None:
        self.moment = now - timedelta(hours=20)

    def tick(self) -> datetime:
        self.moment += timedelta(minutes=1)
        return self.moment


def _stub_render(courrier: Courrier) -> bytes:
    return PDF_BYTES


def _broken_render(courrier: Courrier) -> bytes:
    raise ValueError("gabarit de test volontairement cassé")


class Batisseur:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self.clock = _Horloge(now)
        self.today = timezone.localdate(now)
        self.opco = UserFactory(opco=True, nom="OPCO", prenom="Gestionnaire")
        self.opco_actor = Actor.for_user(self.opco, channel=Channel.ADMIN)
        self.proprietaires: dict[str, Proprietaire] = {}
        self.principaux: dict[str, Principal] = {}
        self.entreprises: dict[str, Etablissement] = {}
        self.admins: dict[str, User] = {}

    # Établissements, users, keys
    def etablissements(self, of: str) -> None:
        siren, siren_tiers = _siren(), _siren()
        sirets = {
            "siege": luhn_complete(siren + "0001"),
            "antenne": luhn_complete(siren + "0002"),
            "tiers": luhn_complete(siren_tiers + "0001"),
        }
        for nom, siret in sirets.items():
            etab = EtablissementFactory(
                siret=siret, raison_sociale=f"OF {of} {nom.upper()}", uai=uai_complete(f"{next(_uais):07d}")
            )
            self.proprietaires[f"{of}.{nom}"] = Proprietaire(cle=f"{of}.{nom}", of=of, etab=etab)
        self.entreprises[of] = EtablissementFactory(entreprise=True, raison_sociale=f"EMPLOYEUR DE {of}")

    def utilisateurs(self, of: str) -> None:
        for nom, grants in UTILISATEURS.items():
            user = UserFactory(email=f"{nom.replace('_', '.')}.{of.lower()}@proprietes.example", nom=_nom(nom, of))
            for position, (etab, (role, droits)) in enumerate(grants.items()):
                HabilitationFactory(
                    user=user,
                    etablissement=self.proprietaires[f"{of}.{etab}"].etab,
                    role=role,
                    principal=position == 0,
                    droits=[d.value for d in droits],
                )
            self.principaux[f"{of}.{nom}"] = Principal(
                nom=f"{of}.{nom}",
                genre="utilisateur",
                droits={f"{of}.{etab}": grant for etab, grant in grants.items()},
                courant=f"{of}.{next(iter(grants))}",
                user_id=user.pk,
            )
            if nom == "admin":
                self.admins[of] = user
        admin = Actor.for_user(self.admins[of], channel=Channel.PORTAIL)
        for etab, droits in CLES.items():
            owner = self.proprietaires[f"{of}.{etab}"]
            key, raw = api_key_generate(
                actor=admin, etablissement_id=owner.etab.pk, now=self.clock.tick(), droits=[d.value for d in droits]
            )
            owner.objets["cle"] = key
            self.principaux[f"{of}.cle.{etab}"] = Principal(
                nom=f"{of}.cle.{etab}",
                genre="cle",
                droits={owner.cle: (GEST, droits)},
                courant=owner.cle,
                cle_brute=raw,
            )

    def autres_principaux(self) -> None:
        self.principaux["opco"] = Principal(nom="opco", genre="opco", user_id=self.opco.pk)
        self.principaux["anonyme"] = Principal(nom="anonyme", genre="anonyme")
        orphan = UserFactory(email="sans.habilitation@proprietes.example")
        self.principaux["sans_habilitation"] = Principal(
            nom="sans_habilitation", genre="utilisateur", user_id=orphan.pk
        )
        former = UserFactory(email="desactive@proprietes.example")
        HabilitationFactory(user=former, etablissement=self.proprietaires["A.siege"].etab, role=ADMIN, droits=None)
        former.is_active = False
        former.save(update_fields=["is_active"])
        self.principaux["desactive"] = Principal(nom="desactive", genre="desactive", user_id=former.pk)

    # Dossiers
    def cerfa(self, owner: Proprietaire, slot: str) -> dict:
        """A complete CERFA signed a month ago (the contract began three weeks ago)."""
        employeur = self.entreprises[owner.of]
        payload = example_payload(
            employeur.siret, owner.etab.siret, self.today - timedelta(days=30), uai=owner.etab.uai or None
        )
        payload["apprenti"]["nom"] = _nom(owner.cle.replace(".", ""), slot)
        return payload

    def apprentissage(self, owner: Proprietaire, slot: str, chemin: tuple[str, ...]) -> Dossier:
        of_actor = Actor.for_user(self.admins[owner.of], channel=Channel.PORTAIL)
        opco = self.opco_actor
        d = services.dossier_draft_save(actor=of_actor, payload=self.cerfa(owner, slot), now=self.clock.tick())
        for step in chemin:
            now = self.clock.tick()
            if step == "transmettre":
                services.dossier_transmit(actor=of_actor, dossier_id=d.pk, now=now)
            elif step == "prendre_en_charge":
                services.dossier_take_charge(actor=opco, dossier_id=d.pk, now=now)
            elif step == "demander_pieces":
                services.dossier_request_pieces(actor=opco, dossier_id=d.pk, pieces=["CERFA_SIGNE"], now=now)
            elif step == "accorder":
                self.accorder(d, now)
            elif step == "refuser":
                services.dossier_refuse(
                    actor=opco, dossier_id=d.pk, motif="MAITRE_NON_ELIGIBLE", explication="Refus de test.", now=now
                )
            elif step == "annuler":
                services.dossier_cancel(actor=opco, dossier_id=d.pk, motif="Annulation de test.", now=now)
            elif step == "declarer_rupture":
                d = Dossier.objects.get(pk=d.pk)
                services.dossier_declare_rupture(
                    actor=of_actor,
                    dossier_id=d.pk,
                    date_rupture=self.today - timedelta(days=2),
                    motif="3",
                    initiateur="commun",
                    formation_poursuivie=True,
                    now=now,
                )
            elif step == "cloturer":
                services.dossier_close(actor=opco, dossier_id=d.pk, now=now)
            elif step == "ouvrir_avenant":
                d = Dossier.objects.get(pk=d.pk)
                owner.objets["avenant"] = services.dossier_avenant_create(
                    actor=of_actor,
                    dossier_id=d.pk,
                    payload=None,
                    motif="Changement de maître d'apprentissage.",
                    type_avenant=36,
                    date_effet=self.today,
                    now=now,
                )
            else:  # pragma: no cover - a typo in a path
                raise AssertionError(step)
        return Dossier.objects.get(pk=d.pk)

    def accorder(self, dossier: Dossier, now) -> None:
        montants = {line.nature: line.montant_demande for line in dossier.financements.all()} or {
            "cout_pedagogique": Decimal("1000.00")
        }
        services.dossier_grant(
            actor=self.opco_actor,
            dossier_id=dossier.pk,
            montants_pris_en_charge=montants,
            numero_depot=f"092{now:%Y%m}{next(_deca):06d}",
            now=now,
        )

    def entreprise_dossier(self, owner: Proprietaire, slot: str, dispositif: Dispositif, chemin, *, subroge=True):
        debut = self.today - timedelta(days=20)
        d = services.dossier_register(
            actor=self.opco_actor,
            dispositif=dispositif,
            of_etablissement_id=owner.etab.pk,
            entreprise_id=self.entreprises[owner.of].pk,
            subroge=subroge,
            salarie={"nom": _nom(owner.cle.replace(".", ""), slot), "prenom": "Camille"},
            formation={"intitule": "FORMATION DE TEST", "date_debut": debut, "date_fin": debut + timedelta(days=300)},
            contrat={"date_debut": debut, "date_fin": debut + timedelta(days=364)}
            if dispositif is not Dispositif.ACTION_FORMATION
            else {},
            financements={"cout_pedagogique": Decimal("7497.00")},
            numero_depot="",
            now=self.clock.tick(),
        )
        for step in chemin:
            now = self.clock.tick()
            if step == "prendre_en_charge":
                services.dossier_take_charge(actor=self.opco_actor, dossier_id=d.pk, now=now)
            elif step == "accorder":
                self.accorder(Dossier.objects.get(pk=d.pk), now)
            else:  # pragma: no cover
                raise AssertionError(step)
        return Dossier.objects.get(pk=d.pk)

    def dossiers(self, owner: Proprietaire) -> None:
        o = owner.objets
        T, P, D, A = "transmettre", "prendre_en_charge", "demander_pieces", "accorder"
        o["brouillon"] = self.apprentissage(owner, "brouillon", ())
        o["transmis"] = self.apprentissage(owner, "transmis", (T,))
        o["en_cours"] = self.apprentissage(owner, "encours", (T, P))
        o["en_attente"] = self.apprentissage(owner, "enattente", (T, P, D))
        o["accorde"] = self.apprentissage(owner, "accorde", (T, P, A))
        o["avenant_precedent"] = self.apprentissage(owner, "avenant", (T, P, A, "ouvrir_avenant"))
        o["rupture"] = self.apprentissage(owner, "rupture", (T, P, A, "declarer_rupture"))
        o["refuse"] = self.apprentissage(owner, "refuse", (T, P, "refuser"))
        o["solde"] = self.apprentissage(owner, "solde", (T, P, A, "cloturer"))
        o["annule"] = self.apprentissage(owner, "annule", (T, "annuler"))
        o["pro"] = self.entreprise_dossier(owner, "pro", Dispositif.PROFESSIONNALISATION, (P, A))
        o["pro_a"] = self.entreprise_dossier(owner, "proa", Dispositif.PRO_A, (P,))
        o["action"] = self.entreprise_dossier(owner, "action", Dispositif.ACTION_FORMATION, (), subroge=False)
        services.dossier_add_pieces(
            actor=Actor.for_user(self.admins[owner.of], channel=Channel.API),
            dossier_id=o["accorde"].pk,
            uploads=[Upload("convention.pdf", PDF_BYTES)],
            now=self.clock.tick(),
        )
        o["piece_dossier"] = PieceJointe.objects.get(dossier=o["accorde"])

    # Factures and règlements
    def factures(self, owner: Proprietaire) -> None:
        o = owner.objets
        of_actor = Actor.for_user(self.admins[owner.of], channel=Channel.API)
        opco = self.opco_actor
        numero = itertools.count(1)

        def deposer(dossier: Dossier, *, echeance: int | None = None, justificatif: bool = False) -> Facture:
            return services.facture_deposit(
                actor=of_actor,
                dossier_id=dossier.pk,
                reference=f"{owner.cle}-{next(numero)}",
                date_facture=self.today - timedelta(days=1),
                montant_ht=Decimal("100.00"),
                montant_ttc=Decimal("120.00"),
                fichier=Upload("facture.pdf", PDF_BYTES),
                justificatifs=[Upload("certificat.pdf", PDF_BYTES)] if justificatif else [],
                echeance_numero=echeance,
                now=self.clock.tick(),
            )

        o["facture_deposee"] = deposer(o["pro"], justificatif=True)
        o["piece_facture"] = PieceJointe.objects.get(facture=o["facture_deposee"])
        o["facture_en_cours"] = deposer(o["pro"])
        services.facture_instruct(actor=opco, facture_id=o["facture_en_cours"].pk, now=self.clock.tick())
        o["facture_en_attente"] = deposer(o["pro"])
        services.facture_instruct(actor=opco, facture_id=o["facture_en_attente"].pk, now=self.clock.tick())
        services.facture_request_pieces(
            actor=opco, facture_id=o["facture_en_attente"].pk, pieces=["CERTIFICAT_REALISATION"], now=self.clock.tick()
        )
        o["facture_validee"] = deposer(o["pro"])
        o["facture_payee"] = deposer(o["pro"])
        for slot in ("facture_validee", "facture_payee"):
            services.facture_instruct(actor=opco, facture_id=o[slot].pk, now=self.clock.tick())
            services.facture_validate(actor=opco, facture_id=o[slot].pk, now=self.clock.tick())
        o["reglement"] = services.reglement_create(
            actor=opco,
            facture_ids=[o["facture_payee"].pk],
            date_paiement=self.today - timedelta(days=1),
            reference_virement=f"VIR/{owner.cle}",
            now=self.clock.tick(),
        )
        # An apprenticeship contract invoiced on its échéancier: a facture line on an échéance.
        facturation = dossier_facturation(actor=of_actor, dossier_id=o["accorde"].pk, today=self.today)
        assert facturation.facturables, "l'échéance E1 du contrat accordé doit être ouverte"
        o["facture_echeance"] = services.facture_deposit_lignes(
            actor=of_actor,
            emetteur_id=owner.etab.pk,
            reference=f"{owner.cle}-echeance",
            date_facture=self.today - timedelta(days=1),
            montant_ttc=Decimal("50.00"),
            lignes=[
                LigneDemandee(o["accorde"].pk, Decimal("50.00"), echeance_numero=facturation.facturables[0].numero)
            ],
            fichier=Upload("facture.pdf", PDF_BYTES),
            now=self.clock.tick(),
        )

    # Courriers, notifications
    def courriers(self) -> None:
        for owner in self.proprietaires.values():
            o = owner.objets
            refus = Courrier.objects.filter(dossier=o["refuse"], type="refus", destinataire="of").get()
            for _ in range(3):
                courrier_issue(courrier_id=refus.pk, now=self.clock.tick(), render=_broken_render)
            o["courrier_echec"] = Courrier.objects.get(pk=refus.pk)
            assert o["courrier_echec"].statut == StatutCourrier.ECHEC
        report = courriers_issue_pending(limit=100_000, now=self.clock.tick(), render=_stub_render)
        assert not report.failed, report.summary()
        for owner in self.proprietaires.values():
            o = owner.objets
            o["courrier_dossier"] = Courrier.objects.get(dossier=o["accorde"], type="accord", destinataire="of")
            o["courrier_facture"] = Courrier.objects.get(facture=o["facture_en_attente"])
            o["courrier_reglement"] = Courrier.objects.get(reglement=o["reglement"])
            o["notification"] = Notification.objects.get(user=self.admins[owner.of], courrier=o["courrier_dossier"])

    # Users and invitations of each établissement
    def habilitations(self, owner: Proprietaire) -> None:
        admin = Actor.for_user(self.admins[owner.of], channel=Channel.PORTAIL)
        slug = owner.cle.replace(".", "-")

        def inviter(email: str):
            return invitation_create(
                actor=admin,
                data=UserInput(
                    email=email,
                    nom="CIBLE",
                    prenom=slug,
                    habilitations=(HabilitationInput(etablissement_id=owner.etab.pk, role=GEST.value),),
                ),
                now=self.clock.tick(),
            )

        sent = inviter(f"cible-{slug}@proprietes.example")
        owner.objets["utilisateur"] = invitation_accept_new(
            token=sent.token,
            password="motdepasse-solide-42",
            password_confirmation="motdepasse-solide-42",
            now=self.clock.tick(),
        )
        owner.objets["invitation"] = inviter(f"invitee-{slug}@proprietes.example").invitation
        owner.objets["etablissement"] = owner.etab

    def run(self) -> Monde:
        for of in OFS:
            self.etablissements(of)
        for of in OFS:
            self.utilisateurs(of)
        self.autres_principaux()
        for owner in self.proprietaires.values():
            self.dossiers(owner)
            self.factures(owner)
            self.habilitations(owner)
        self.courriers()
        for owner in self.proprietaires.values():  # the states as stored, for the slots' sake
            for slot, obj in list(owner.objets.items()):
                if isinstance(obj, Dossier | Facture | Reglement):
                    owner.objets[slot] = type(obj).objects.get(pk=obj.pk)
        reference = self.proprietaires["A.siege"]
        inconnu = luhn_complete(luhn_complete("81234999") + "0001")
        return Monde(
            now=self.now,
            proprietaires=self.proprietaires,
            principaux=self.principaux,
            fantome=Fantome(reference, inconnu),
            entreprises=self.entreprises,
            opco=self.opco,
        )


def construire(now: datetime | None = None) -> Monde:
    return Batisseur(now or timezone.now()).run()


def cerfa_de(dossier) -> dict:
    return copy.deepcopy(dossier.donnees)


__all__ = [
    "CLES",
    "ETABLISSEMENTS",
    "FANTOME",
    "GHOST_ID",
    "OFS",
    "UTILISATEURS",
    "Monde",
    "Principal",
    "Proprietaire",
    "construire",
    "Invitation",
]
