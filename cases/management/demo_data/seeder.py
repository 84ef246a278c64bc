"""The small demo (:class:`DemoSeeder`), played through the real services with real actors."""

from __future__ import annotations

import copy
import logging
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.actors import Actor, Channel
from accounts.models import Etablissement, Habilitation, User
from cases import services
from cases.management.demo_data.common import (
    AF,
    GUIDE_COUNTERS,
    GUIDE_NUMERO_DEPOT,
    A,
    E,
    N,
    cerfa_uai,
    dec,
    demo_pdf,
    euros,
    plan,
)
from cases.management.demo_data.parties import ETABLISSEMENTS, OF_ACTORS, USERS
from cases.management.demo_data.scenarios import (
    CERFA_RNCP,
    FEMININS,
    REGLEMENTS,
    DossierSpec,
    FactureSpec,
    demo_scenarios,
)
from cases.models import (
    Compteur,
    Courrier,
    Dossier,
    Facture,
    LigneFinancement,
    Notification,
    PieceJointe,
    Reglement,
    StatutCourrier,
    TransitionLog,
    TypeCourrier,
)
from cases.selectors import dossier_facturation
from cases.services import Upload
from cases.services.courriers import MAX_ATTEMPTS, courrier_issue
from cases.services.relances import relances_enqueue
from common.errors import InvalidInput
from documents.errors import DocumentError
from rules import cerfa
from rules.actions import PIECES_ACCEPTEES, Droit
from rules.identifiers import uai_is_valid
from rules.lifecycles import (
    DOSSIER_LIFECYCLES,
    FACTURE_LIFECYCLE,
    INITIAL_DOSSIER_STATE,
    INITIAL_FACTURE_STATE,
    Transition,
)

# --- The small demo, through the services -------------------------------------------------


class Clock:
    """Monotonic demo time, never beyond ``limit`` (the command's ``now``)."""

    def __init__(self, start: datetime, limit: datetime) -> None:
        self.now = min(start, limit)
        self.limit = limit

    def tick(self, hours: float = 26) -> datetime:
        self.now = min(self.now + timedelta(hours=hours), self.limit)
        return self.now


@dataclass
class DemoReport:
    created: bool
    counts: dict[str, int] = field(default_factory=dict)
    refus_public: str = ""
    erreur_courriers: str = ""


class DemoSeeder:
    def __init__(self, *, now: datetime) -> None:
        self.now = now
        self.start = now - timedelta(days=150)
        self.etabs: dict[str, Etablissement] = {}
        self.users: dict[str, User] = {}
        self.actors: dict[str, Actor] = {}
        self.to_pay: dict[str, list[int]] = defaultdict(list)

    # Entry point
    def run(self) -> DemoReport:
        with transaction.atomic():
            self._ensure_etablissements()
            self._ensure_users()
            if Dossier.objects.filter(of_etablissement=self.etabs["ofg"], numero_depot=GUIDE_NUMERO_DEPOT).exists():
                return DemoReport(created=False, counts=self.counts())
            self.actors = {key: Actor.for_user(user, channel=Channel.COMMANDE) for key, user in self.users.items()}
            self._raise_counters()
            self._import_npec()
            refus = self._public_employer_refusal()
            for index, spec in enumerate(demo_scenarios()):
                self._play(spec, Clock(self.start + timedelta(hours=40 * index), self.now))
            self._pay(self.now - timedelta(days=20))
            self._relances()
            erreur_courriers = self._issue_courriers()
            self._read_some_notifications()
        return DemoReport(created=True, counts=self.counts(), refus_public=refus, erreur_courriers=erreur_courriers)

    def counts(self) -> dict[str, int]:
        ofs = [e.pk for key, e in self.etabs.items() if key in OF_ACTORS]
        dossiers = Dossier.objects.filter(of_etablissement__in=ofs)
        courriers = Courrier.objects.filter(of_etablissement__in=ofs)
        notifications = Notification.objects.filter(courrier__of_etablissement__in=ofs)
        return {
            "dossiers": dossiers.count(),
            "factures": Facture.objects.filter(emetteur__in=ofs).count(),
            "reglements": Reglement.objects.filter(beneficiaire__in=ofs).count(),
            "courriers": courriers.count(),
            "courriers_emis": courriers.filter(statut=StatutCourrier.EMIS).count(),
            "notifications": notifications.count(),
            "notifications_non_lues": notifications.filter(read_at__isnull=True).count(),
            "pieces": PieceJointe.objects.filter(Q(dossier__in=dossiers) | Q(facture__emetteur__in=ofs)).count(),
            "journal": TransitionLog.objects.filter(
                Q(dossier__of_etablissement__in=ofs) | Q(facture__emetteur__in=ofs)
            ).count(),
        }

    # Reference data and users (get or create: a second run adds nothing)
    def _ensure_etablissements(self) -> None:
        for spec in ETABLISSEMENTS:
            etab, _ = Etablissement.objects.get_or_create(
                siret=spec.siret,
                defaults={
                    "raison_sociale": spec.raison_sociale,
                    "adresse": spec.adresse,
                    "code_postal": spec.code_postal,
                    "ville": spec.ville,
                    "email": spec.email,
                    "telephone": spec.telephone,
                    "est_organisme_formation": spec.of,
                    "est_entreprise": spec.entreprise,
                    "uai": spec.uai,
                    "nda": spec.nda,
                    "naf": spec.naf,
                    "idcc": spec.idcc,
                    "libelle_idcc": spec.libelle_idcc,
                    "effectif": spec.effectif,
                    "type_employeur": spec.type_employeur,
                    "employeur_public": spec.public,
                },
            )
            self.etabs[spec.key] = etab

    def _ensure_users(self) -> None:
        for spec in USERS:
            user = User.objects.filter(email=spec.email).first()
            if user is None:
                fields = {"nom": spec.nom, "prenom": spec.prenom, "sexe": spec.sexe}
                if spec.superuser:
                    user = User.objects.create_superuser(spec.email, spec.password, **fields)
                else:
                    user = User.objects.create_user(
                        spec.email, spec.password, is_opco_gestionnaire=spec.opco, is_staff=spec.opco, **fields
                    )
            for etab_key, role, principal, droits in spec.habilitations:
                habilitation = Habilitation.objects.filter(user=user, etablissement=self.etabs[etab_key]).first()
                if habilitation is None:
                    habilitation = Habilitation(
                        user=user, etablissement=self.etabs[etab_key], role=role, principal=principal
                    )
                    habilitation.apply_default_droits()
                    if droits is not None:
                        for droit in Droit:
                            setattr(habilitation, droit.value, droit in droits)
                    habilitation.save()
            self.users[spec.key] = user

    def _raise_counters(self) -> None:
        for name, value in GUIDE_COUNTERS.items():
            row = Compteur.objects.select_for_update().filter(name=name).first()
            if row is None:
                Compteur.objects.create(name=name, value=value)
            elif row.value < value:
                row.value = value
                row.save(update_fields=["value"])

    def _import_npec(self) -> None:
        """The sample of France compétences' NPEC referential (rerunnable: nothing twice)."""
        from cases.management.commands.import_npec import SAMPLE, read_workbook
        from cases.services.referentiels import npec_import
        from rules.npec import lire_referentiel

        npec_rows, cpne_rows = read_workbook(SAMPLE)
        lignes, errors = lire_referentiel(npec_rows, cpne_rows, date_defaut=self.start.date())
        if errors:
            raise CommandError("Référentiel des NPEC de démonstration illisible : " + " ".join(errors))
        npec_import(actor=self.actors["opco"], lignes=lignes, source=SAMPLE.name, now=self.start)

    def _public_employer_refusal(self) -> str:
        """Try an apprenticeship draft with the public employer: the service refuses it (nothing is kept)."""
        payload = {
            "employeur": {"siret": self.etabs["commune"].siret},
            "organismeFormation": {"siret": self.etabs["ofg"].siret},
        }
        try:
            with transaction.atomic():
                services.dossier_draft_save(actor=self.actors["raphael"], payload=payload, now=self.start)
                transaction.set_rollback(True)
        except InvalidInput as exc:
            return "; ".join(p.message for p in exc.problems)
        return ""

    # One dossier
    def _play(self, spec: DossierSpec, clock: Clock) -> None:
        deposant_key, facturier_key = OF_ACTORS[spec.of]
        of_actor = self.actors[spec.deposant or deposant_key]
        facturier = self.actors[facturier_key]
        opco = self.actors["opco"]
        debut = clock.now.date() - timedelta(days=20)
        fin = debut + timedelta(days=729)
        if spec.dispositif is A:
            # Signed a month before it is deposited: the contract has begun when the OF deposits it.
            payload = self._cerfa(spec, clock.now.date() - timedelta(days=30))
            dossier = services.dossier_draft_save(actor=of_actor, payload=payload, now=clock.now)
        else:
            nom, prenom, naissance = spec.salarie
            with_contract = spec.dispositif is not AF
            formation_fin = fin - timedelta(days=61) if with_contract else debut + timedelta(days=40)
            dossier = services.dossier_register(
                actor=opco,
                dispositif=spec.dispositif,
                of_etablissement_id=self.etabs[spec.of].pk,
                entreprise_id=self.etabs[spec.entreprise].pk,
                subroge=spec.subroge,
                salarie={"nom": nom, "prenom": prenom, "date_naissance": naissance},
                formation={
                    "intitule": spec.formation,
                    "date_debut": debut + timedelta(days=7),
                    "date_fin": formation_fin,
                },
                contrat={"date_debut": debut, "date_fin": fin} if with_contract else {},
                financements={nature: dec(amount) for nature, amount in spec.financements},
                numero_depot=spec.numero_depot,
                now=clock.now,
            )
        state = _State(dossier=dossier)
        steps = plan(DOSSIER_LIFECYCLES[spec.dispositif], INITIAL_DOSSIER_STATE[spec.dispositif], spec.etat, spec.via)
        pieces_done, factures_done = not spec.pieces, not spec.factures
        for position, step in enumerate(steps):
            self._dossier_step(spec, state, step, of_actor=of_actor, opco=opco, now=clock.tick())
            last = position == len(steps) - 1
            etat = state.dossier.etat
            if not pieces_done and (etat == E.EN_ATTENTE_PIECES or (last and etat in PIECES_ACCEPTEES)):
                self._add_pieces(state.dossier, spec.pieces, of_actor, clock.tick(3))
                pieces_done = True
            if not factures_done and spec.subroge and etat == E.ACCORDE:
                for facture in spec.factures:
                    self._play_facture(facture, state.dossier, facturier, clock)
                factures_done = True
        if not pieces_done and state.dossier.etat in PIECES_ACCEPTEES:
            self._add_pieces(state.dossier, spec.pieces, of_actor, clock.tick(3))
        final = Dossier.objects.get(pk=state.dossier.pk).etat
        if final != spec.etat or not factures_done:
            raise CommandError(
                f"Scénario de démonstration incohérent : {spec.dispositif} attendu {spec.etat}, obtenu {final}."
            )

    def _cerfa(self, spec: DossierSpec, signed: date) -> dict:
        """A complete CERFA (``rules.cerfa.example_payload``, valid on ``signed``) with the demo's parties."""
        of, employeur = self.etabs[spec.of], self.etabs[spec.entreprise]
        nom, prenom, _naissance = spec.salarie  # the example's birth date matches its pay periods
        payload = cerfa.example_payload(employeur.siret, of.siret, signed, uai=cerfa_uai(of.uai))
        payload["employeur"].update(
            denomination=employeur.raison_sociale,
            adresse=_adresse(employeur),
            courriel=employeur.email,
            naf=employeur.naf,
            codeIdcc=employeur.idcc,
            libelleIdcc=employeur.libelle_idcc,
            nombreDeSalaries=employeur.effectif,
            typeEmployeur=employeur.type_employeur,
        )
        apprenti = payload["apprenti"]
        apprenti.pop("nir", None)  # the example's NIR encodes its own apprentice's sex and birth
        apprenti.update(nom=nom, prenom=prenom, sexe=sexe_of(prenom), courriel=_courriel(prenom, nom))
        formation = payload["formation"]
        formation["intituleQualification"] = spec.formation
        formation["rncp"] = CERFA_RNCP.get(spec.formation, formation["rncp"])
        payload["organismeFormation"].update(denomination=of.raison_sociale, adresse=_adresse(of))
        return payload

    def _dossier_step(self, spec: DossierSpec, state: _State, step: Transition, *, of_actor, opco, now) -> None:
        d = state.dossier
        name = step.name
        if name == "transmettre":
            # The NPEC is computed by the transmission from the referential (but for the guide's dossier);
            # the frais annexes are those of the scenario.
            asked = {n: dec(a) for n, a in spec.financements if n != N.NPEC or not spec.npec_du_referentiel}
            d = services.dossier_transmit(actor=of_actor, dossier_id=d.pk, now=now, montants_demandes=asked)
        elif name == "prendre_en_charge":
            services.dossier_take_charge(actor=opco, dossier_id=d.pk, now=now)
        elif name == "demander_pieces":
            services.dossier_request_pieces(
                actor=opco,
                dossier_id=d.pk,
                pieces=["CERFA_SIGNE", "CONVENTION_FORMATION"],
                commentaire="Merci de transmettre le CERFA signé par toutes les parties et la convention de formation.",
                now=now,
            )
        elif name == "reprendre_instruction":
            services.dossier_resume(actor=opco, dossier_id=d.pk, now=now)
        elif name == "accorder":
            services.dossier_grant(
                actor=opco,
                dossier_id=d.pk,
                montants_pris_en_charge=_amounts(d),
                numero_depot=spec.numero_depot or _deca(d, now),
                now=now,
            )
        elif name == "refuser":
            services.dossier_refuse(
                actor=opco,
                dossier_id=d.pk,
                motif=spec.refus,
                explication="Après instruction, le dossier ne peut pas être pris en charge.",
                now=now,
            )
        elif name == "annuler":
            services.dossier_cancel(
                actor=opco,
                dossier_id=d.pk,
                motif="L'employeur a renoncé à l'embauche avant le début du contrat.",
                now=now,
            )
        elif name == "ouvrir_avenant":
            payload = copy.deepcopy(d.donnees)
            payload.setdefault("maitre1", {}).update(
                nom="FONTAINE",
                prenom="Sophie",
                dateNaissance="1979-03-08",
                courriel="sophie.fontaine@maitre.example",
            )
            state.avenant = services.dossier_avenant_create(
                actor=of_actor,
                dossier_id=d.pk,
                payload=payload,
                motif="Changement de maître d'apprentissage.",
                type_avenant=36,
                date_effet=max(d.contrat_date_debut, now.date()),
                now=now,
            )
        elif name in ("remplacer_par_avenant", "abandonner_avenant"):
            avenant = state.avenant
            services.dossier_take_charge(actor=opco, dossier_id=avenant.pk, now=now)
            if name == "remplacer_par_avenant":
                services.dossier_grant(
                    actor=opco, dossier_id=avenant.pk, montants_pris_en_charge=_amounts(avenant), now=now
                )
            else:
                services.dossier_refuse(
                    actor=opco,
                    dossier_id=avenant.pk,
                    motif="MAITRE_NON_ELIGIBLE",
                    explication="La nouvelle maître d'apprentissage ne justifie pas de l'expérience requise.",
                    now=now,
                )
        elif name in ("declarer_rupture", "enregistrer_rupture"):
            debut = d.contrat_date_debut
            services.dossier_declare_rupture(
                actor=of_actor if name == "declarer_rupture" else opco,
                dossier_id=d.pk,
                date_rupture=min(debut + timedelta(days=60), now.date()),
                motif="3",
                initiateur="commun",
                formation_poursuivie=True,
                commentaire="Rupture d'un commun accord.",
                now=now,
            )
        elif name == "cloturer":
            services.dossier_close(actor=opco, dossier_id=d.pk, now=now)
        else:
            raise CommandError(f"Transition « {name} » : aucun service de démonstration ne la déclenche.")
        state.dossier = Dossier.objects.get(pk=d.pk)

    def _add_pieces(self, dossier: Dossier, names: Sequence[str], actor: Actor, now: datetime) -> None:
        uploads = [Upload(name, demo_pdf(name, [f"Dossier {dossier.reference}"])) for name in names]
        services.dossier_add_pieces(actor=actor, dossier_id=dossier.pk, uploads=uploads, now=now)

    def _play_facture(self, spec: FactureSpec, dossier: Dossier, actor: Actor, clock: Clock) -> None:
        now = clock.tick()
        ht, ttc = dec(spec.montant_ht), dec(spec.montant_ttc)
        facturation = dossier_facturation(actor=actor, dossier_id=dossier.pk, today=timezone.localdate(now))
        echeance = None
        if facturation.echeancier and spec.nature == "pedagogie":
            if not facturation.facturables:
                raise CommandError(f"Dossier {dossier.reference} : aucune échéance à facturer pour la démonstration.")
            echeance = facturation.facturables[0]
            # The scenario's amount, within what the échéance has left (the TTC keeps the scenario's ratio).
            if echeance.reste < ht:
                ttc, ht = dec(ttc * echeance.reste / ht), echeance.reste
        fichier = Upload(
            f"facture-{spec.reference}.pdf",
            demo_pdf(f"Facture {spec.reference}", [f"Dossier {dossier.reference}", f"Montant HT : {euros(ht)}"]),
        )
        justificatifs = [Upload(name, demo_pdf(name, [f"Facture {spec.reference}"])) for name in spec.justificatifs]
        if spec.nature != "pedagogie":
            facture = services.facture_deposit_lignes(
                actor=actor,
                emetteur_id=dossier.of_etablissement_id,
                reference=spec.reference,
                date_facture=now.date(),
                montant_ttc=ttc,
                lignes=[services.LigneDemandee(dossier.pk, ht, nature=spec.nature)],
                fichier=fichier,
                justificatifs=justificatifs,
                commentaire=spec.commentaire,
                now=now,
            )
        else:
            facture = services.facture_deposit(
                actor=actor,
                dossier_id=dossier.pk,
                reference=spec.reference,
                date_facture=now.date(),
                montant_ht=ht,
                montant_ttc=ttc,
                commentaire=spec.commentaire,
                fichier=fichier,
                justificatifs=justificatifs,
                echeance_numero=echeance.numero if echeance is not None else None,
                now=now,
            )
        opco = self.actors["opco"]
        steps = plan(FACTURE_LIFECYCLE, INITIAL_FACTURE_STATE, spec.etat, spec.via)
        for position, step in enumerate(steps):
            now = clock.tick()
            name = step.name
            if name == "instruire":
                services.facture_instruct(actor=opco, facture_id=facture.pk, now=now)
            elif name == "demander_pieces":
                services.facture_request_pieces(
                    actor=opco,
                    facture_id=facture.pk,
                    pieces=["CERTIFICAT_REALISATION"],
                    commentaire="Le certificat de réalisation de la période facturée est manquant.",
                    now=now,
                )
                if position < len(steps) - 1:
                    uploads = [Upload("certificat-de-realisation.pdf", demo_pdf("Certificat de réalisation"))]
                    services.facture_add_pieces(actor=actor, facture_id=facture.pk, uploads=uploads, now=clock.tick(4))
            elif name == "reprendre_instruction":
                services.facture_resume(actor=opco, facture_id=facture.pk, now=now)
            elif name == "valider":
                services.facture_validate(actor=opco, facture_id=facture.pk, now=now)
            elif name == "rejeter":
                services.facture_reject(
                    actor=opco,
                    facture_id=facture.pk,
                    motif="MONTANT_SUPERIEUR_ACCORD",
                    explication=f"Montant facturé supérieur au montant pris en charge (dossier {dossier.reference}).",
                    now=now,
                )
            elif name == "payer":
                self.to_pay[spec.reglement].append(facture.pk)
            else:
                raise CommandError(f"Transition de facture « {name} » : aucun service de démonstration.")

    def _pay(self, when: datetime) -> None:
        for key, facture_ids in self.to_pay.items():
            reference, mode = REGLEMENTS[key]
            services.reglement_create(
                actor=self.actors["opco"],
                facture_ids=facture_ids,
                date_paiement=when.date(),
                reference_virement=reference,
                mode=mode,
                now=when,
            )

    def _relances(self) -> None:
        """Two past passes of the daily relances (what the flow did 40 and 20 days ago): the dossiers
        and factures long without answer get their relances, and the oldest enter the gestionnaire's
        queue of dossiers relancés sans réponse."""
        for days in (40, 20):
            when = self.now - timedelta(days=days)
            relances_enqueue(today=timezone.localdate(when), now=when)

    # Courriers and notifications
    def _issue_courriers(self) -> str:
        """Issue the outbox through the courrier pipeline's service with the real renderer (PDF by the
        configured converter), avis de paiement included, each dated two hours after its request. The two
        latest dossier letters stay « demandé » for the running flows to issue, and one ends « en échec »
        (its attempts fail on purpose) for the gestionnaire to put back in the file. Returns the error
        that stopped the issuing, if any (the courriers then stay in the outbox, for the flows)."""
        from documents import warm_up

        ofs = [e.pk for key, e in self.etabs.items() if key in OF_ACTORS]
        pending = list(
            Courrier.objects.filter(of_etablissement__in=ofs, statut=StatutCourrier.DEMANDE)
            .order_by("created_at", "pk")
            .values_list("pk", "created_at", "type")
        )
        dossier_letters = [p for p in pending if p[2] != TypeCourrier.AVIS_PAIEMENT]
        left, failing = dossier_letters[-2:], dossier_letters[-3:-2]
        to_issue = [p for p in pending if p not in left and p not in failing]
        with _quiet("cases.services.courriers"):
            try:
                warm_up()
            except DocumentError as exc:
                return str(exc)
            for pk, created_at, _type in to_issue:
                if courrier_issue(courrier_id=pk, now=min(created_at + timedelta(hours=2), self.now)).echecs:
                    return Courrier.objects.get(pk=pk).erreur
            for pk, created_at, _type in failing:
                for _ in range(MAX_ATTEMPTS):
                    courrier_issue(courrier_id=pk, now=min(created_at + timedelta(hours=2), self.now), render=_fail)
        return ""

    def _read_some_notifications(self) -> None:
        """Each OF user has read everything but the three latest notifications."""
        read = []
        for key in OF_USER_KEYS:
            notifications = Notification.objects.filter(user=self.users[key]).order_by("-created_at", "-pk")[3:]
            for notification in notifications:
                notification.read_at = min(notification.created_at + timedelta(days=1), self.now)
                read.append(notification)
        Notification.objects.bulk_update(read, ["read_at"])


OF_USER_KEYS = tuple(spec.key for spec in USERS if spec.habilitations)


@dataclass
class _State:
    dossier: Dossier
    avenant: Dossier | None = None


def _demandes(dossier: Dossier) -> dict[str, Decimal]:
    return {line.nature: line.montant_demande for line in LigneFinancement.objects.filter(dossier=dossier)}


def _amounts(dossier: Dossier) -> dict[str, Decimal]:
    amounts = _demandes(dossier)
    if not amounts:
        raise CommandError(f"Dossier {dossier.reference} sans montant demandé.")
    return amounts


def _deca(dossier: Dossier, now: datetime) -> str:
    """A DECA number as the ministry gives one: département, year, month, then a sequence."""
    return f"092{now:%Y%m}{dossier.numero % 1_000_000:06d}"


def sexe_of(prenom: str) -> str:
    return "F" if prenom in FEMININS else "M"


def _adresse(etab: Etablissement) -> dict:
    return {"adresse1": etab.adresse, "codePostal": etab.code_postal, "commune": etab.ville}


def _courriel(prenom: str, nom: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", f"{prenom}.{nom}").encode("ascii", "ignore").decode()
    return ascii_name.lower().replace(" ", "-") + "@apprenti.example"


def _fail(courrier: Courrier) -> bytes:
    raise RuntimeError(
        "échec voulu par les données de démonstration : remettez ce courrier dans la file depuis le back-office"
    )


@contextmanager
def _quiet(logger_name: str):
    logger = logging.getLogger(logger_name)
    disabled = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = disabled


def cerfa_payload(
    *,
    of_siret: str,
    of_nom: str,
    of_uai: str,
    employeur_siret: str,
    employeur_nom: str,
    employeur_naf: str,
    employeur_idcc: str,
    nom: str,
    prenom: str,
    naissance: date,
    formation: str,
    debut: date,
    fin: date,
) -> dict:
    """The compact CERFA FA13 of the mass data (inter-OPCO norm names): what a transmission needs, no more."""
    return {
        "employeur": {
            "siret": employeur_siret,
            "denomination": employeur_nom,
            "naf": employeur_naf,
            "codeIdcc": employeur_idcc,
            "typeEmployeur": 12,
        },
        "apprenti": {"nom": nom, "prenom": prenom, "sexe": sexe_of(prenom), "dateNaissance": naissance.isoformat()},
        "formation": {
            "intituleQualification": formation,
            "dateDebutFormation": (debut + timedelta(days=7)).isoformat(),
            "dateFinFormation": (fin - timedelta(days=61)).isoformat(),
        },
        "contrat": {"typeContratApp": 11, "dateDebutContrat": debut.isoformat(), "dateFinContrat": fin.isoformat()},
        "organismeFormation": {"siret": of_siret, "denomination": of_nom}
        | ({"uaiCfa": of_uai} if uai_is_valid(of_uai) else {}),
    }
