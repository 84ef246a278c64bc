"""``seed_demo --scale N``: N more dossiers inserted in bulk, for load measurements."""

from __future__ import annotations

import copy
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import reset_queries, transaction

from accounts.models import Etablissement, TypeEmployeur
from cases.management.demo_data.common import (
    AF,
    OF_GENERIQUE_SIRET,
    PRO,
    PRO_A,
    SCALE_ACTOR_LABEL,
    SCALE_CHANNEL,
    SCALE_ENTREPRISE_DOMAIN,
    SCALE_LOG_TRANSITION,
    SCALE_OF_DOMAIN,
    SHARED_FACTURE_PDF,
    A,
    E,
    F,
    N,
    dec,
    demo_pdf,
    fr_int,
    reachable_states,
)
from cases.management.demo_data.parties import _siret
from cases.management.demo_data.scenarios import FORMATIONS, MONTANTS, NOMS, PRENOMS
from cases.management.demo_data.seeder import cerfa_payload
from cases.models import Dossier, Facture, LigneFinancement, LigneReglement, ModeReglement, Reglement, TransitionLog
from cases.services._common import next_numbers
from rules.identifiers import uai_complete
from rules.lifecycles import Dispositif, EtatDossier

# --- Mass generation (--scale) ------------------------------------------------------------

VILLES = (
    ("75012", "PARIS"),
    ("69007", "LYON"),
    ("13002", "MARSEILLE"),
    ("31200", "TOULOUSE"),
    ("33300", "BORDEAUX"),
    ("59000", "LILLE"),
    ("44000", "NANTES"),
    ("67000", "STRASBOURG"),
    ("35000", "RENNES"),
    ("76600", "LE HAVRE"),
    ("21000", "DIJON"),
    ("37000", "TOURS"),
    ("63000", "CLERMONT-FERRAND"),
    ("87000", "LIMOGES"),
    ("29200", "BREST"),
    ("34000", "MONTPELLIER"),
    ("06200", "NICE"),
    ("45000", "ORLEANS"),
    ("51100", "REIMS"),
    ("80000", "AMIENS"),
)
OF_PREFIXES = ("CFA DES MOBILITES", "INSTITUT DES METIERS DE LA ROUTE", "CFA TRANSPORT ET LOGISTIQUE", "ECOLE PRO")
ENTREPRISE_PREFIXES = (
    ("TRANSPORTS", "4941A", "0016"),
    ("AMBULANCES", "8690A", "0016"),
    ("TAXIS", "4932Z", "0016"),
    ("GARAGE", "4520A", "1090"),
    ("LOGISTIQUE", "5210B", "0016"),
    ("AUTOCARS", "4939B", "0016"),
)
# Relative frequency of each state in the mass data (a state absent here weighs 1).
STATE_WEIGHTS = {
    E.BROUILLON: 5,
    E.TRANSMIS: 8,
    E.EN_COURS: 10,
    E.EN_ATTENTE_PIECES: 6,
    E.ACCORDE: 40,
    E.AVENANT_EN_COURS: 2,
    E.REFUSE: 4,
    E.ANNULE: 5,
    E.RUPTURE: 6,
    E.REMPLACE: 2,
    E.SOLDE: 12,
}
DISPOSITIF_WEIGHTS = {A: 70, PRO: 15, PRO_A: 5, AF: 10}
FACTURE_WEIGHTS = {F.DEPOSEE: 10, F.EN_COURS: 10, F.EN_ATTENTE_PIECES: 6, F.VALIDEE: 12, F.PAYEE: 55, F.REJETEE: 7}
DECIDED = frozenset({E.ACCORDE, E.AVENANT_EN_COURS, E.RUPTURE, E.REMPLACE, E.SOLDE})
FACTURED = DECIDED
# A dossier in these states has a version 2 (its avenant), generated with it.
AVENANT_STATES = {
    E.AVENANT_EN_COURS: (E.TRANSMIS, E.EN_COURS, E.EN_ATTENTE_PIECES),
    E.REMPLACE: (E.ACCORDE, E.ACCORDE, E.ACCORDE, E.RUPTURE, E.SOLDE),
}
MOTIF_REJET = "Le montant facturé dépasse le montant pris en charge — montant à rectifier."


@dataclass(frozen=True)
class _Party:
    pk: int
    siret: str
    nom: str
    uai: str = ""
    naf: str = ""
    idcc: str = ""


@dataclass
class ScaleReport:
    dossiers: int = 0
    avenants: int = 0
    financements: int = 0
    factures: int = 0
    reglements: int = 0
    journal: int = 0
    etablissements: int = 0
    seconds: float = 0.0


class MassSeeder:
    """``bulk_create`` in batches; memory holds one batch at a time."""

    def __init__(self, *, now: datetime, seed: int, batch_size: int, out: Callable[[str], None]) -> None:
        self.now = now
        self.rng = random.Random(seed)
        self.batch_size = max(1, batch_size)
        self.out = out
        self.states = {
            d: ([s for s in reachable_states(d)], [STATE_WEIGHTS.get(s, 1) for s in reachable_states(d)])
            for d in Dispositif
        }
        self.dispositifs = list(DISPOSITIF_WEIGHTS)
        self.dispositif_weights = [DISPOSITIF_WEIGHTS[d] for d in self.dispositifs]
        self.facture_states = list(FACTURE_WEIGHTS)
        self.facture_weights = [FACTURE_WEIGHTS[s] for s in self.facture_states]

    def run(self, count: int) -> ScaleReport:
        report = ScaleReport()
        started = time.monotonic()
        ofs = self._pool(
            SCALE_OF_DOMAIN, kind="1", wanted=max(3, min(2_000, count // 400)), build=self._new_of, report=report
        )
        entreprises = self._pool(
            SCALE_ENTREPRISE_DOMAIN,
            kind="2",
            wanted=max(5, min(20_000, count // 20)),
            build=self._new_entreprise,
            report=report,
        )
        demo_of = Etablissement.objects.filter(siret=OF_GENERIQUE_SIRET).first()
        self.demo_of = _Party(demo_of.pk, demo_of.siret, demo_of.raison_sociale, demo_of.uai) if demo_of else None
        self._shared_pdf()
        batch_no = 0
        while report.dossiers < count:
            batch_no += 1
            size = min(self.batch_size, count - report.dossiers)
            with transaction.atomic():
                self._batch(size, ofs, entreprises, batch_no, report)
            reset_queries()  # under DEBUG, Django keeps every query's SQL: memory would grow with each batch
            elapsed = time.monotonic() - started
            self.out(f"  {fr_int(report.dossiers)} / {fr_int(count)} dossiers… ({elapsed:.1f} s)")
        report.seconds = time.monotonic() - started
        return report

    # Établissements
    def _pool(self, domain: str, *, kind: str, wanted: int, build, report: ScaleReport) -> list[_Party]:
        existing = Etablissement.objects.filter(email__endswith=domain).order_by("pk")
        have = existing.count()
        if have < wanted:
            Etablissement.objects.bulk_create((build(k) for k in range(have, wanted)), batch_size=2_000)
            report.etablissements += wanted - have
        return [
            _Party(pk, siret, nom, uai, naf, idcc)
            for pk, siret, nom, uai, naf, idcc in existing.values_list(
                "pk", "siret", "raison_sociale", "uai", "naf", "idcc"
            )
        ]

    def _ville(self, k: int) -> tuple[str, str]:
        return VILLES[k % len(VILLES)]

    def _new_of(self, k: int) -> Etablissement:
        code_postal, ville = self._ville(k)
        return Etablissement(
            siret=_siret(f"991{k:05d}"),
            raison_sociale=f"{OF_PREFIXES[k % len(OF_PREFIXES)]} - {ville} {k + 1}",
            adresse=f"{1 + k % 180} avenue de la Formation",
            code_postal=code_postal,
            ville=ville,
            email=f"contact-{k}{SCALE_OF_DOMAIN}",
            est_organisme_formation=True,
            uai=uai_complete(f"{code_postal[:2]}{k % 100_000:05d}"),
        )

    def _new_entreprise(self, k: int) -> Etablissement:
        code_postal, ville = self._ville(k * 7)
        prefix, naf, idcc = ENTREPRISE_PREFIXES[k % len(ENTREPRISE_PREFIXES)]
        return Etablissement(
            siret=_siret(f"992{k:05d}"),
            raison_sociale=f"{prefix} {NOMS[k % len(NOMS)]} {k + 1}",
            adresse=f"{1 + k % 250} rue des Entrepreneurs",
            code_postal=code_postal,
            ville=ville,
            email=f"contact-{k}{SCALE_ENTREPRISE_DOMAIN}",
            est_entreprise=True,
            naf=naf,
            idcc=idcc,
            effectif=5 + k % 400,
            type_employeur=TypeEmployeur.RCS,
        )

    def _shared_pdf(self) -> None:
        if not default_storage.exists(SHARED_FACTURE_PDF):
            default_storage.save(
                SHARED_FACTURE_PDF, ContentFile(demo_pdf("Facture (données de charge)", ["Fichier partagé."]))
            )

    # One batch
    def _after(self, moment: datetime, low: float, high: float) -> datetime:
        return min(moment + timedelta(days=self.rng.uniform(low, high)), self.now)

    def _batch(self, size: int, ofs: list[_Party], entreprises: list[_Party], batch_no: int, report: ScaleReport):
        rng = self.rng
        plans: list[tuple[Dispositif, EtatDossier, EtatDossier | None]] = []
        rows = 0
        while rows < size:
            dispositif = rng.choices(self.dispositifs, self.dispositif_weights)[0]
            states, weights = self.states[dispositif]
            etat = rng.choices(states, weights)[0]
            second = None
            if etat in AVENANT_STATES:
                if rows + 2 > size:
                    continue
                second = rng.choice([s for s in AVENANT_STATES[etat] if s in states])
            plans.append((dispositif, etat, second))
            rows += 2 if second else 1
        numbered = sum(1 for _, etat, _ in plans if etat != E.BROUILLON)
        numeros = iter(next_numbers("dossier", numbered)) if numbered else iter(())

        firsts: list[Dossier] = []
        amounts: dict[int, list[tuple[str, Decimal]]] = {}
        for index, (dispositif, etat, _second) in enumerate(plans):
            of = self.demo_of if self.demo_of and rng.random() < 0.02 else rng.choice(ofs)
            dossier = self._dossier(dispositif, etat, of, rng.choice(entreprises), numeros)
            firsts.append(dossier)
            amounts[index] = self._amounts(dispositif) if etat != E.BROUILLON else []
        # Avenants are built before their previous version is inserted (it takes their dates).
        pairs: list[tuple[Dossier, Dossier]] = []
        second_amounts: list[list[tuple[str, Decimal]]] = []
        for index, (_dispositif, _etat, second) in enumerate(plans):
            if second is not None:
                pairs.append((firsts[index], self._avenant(firsts[index], second)))
                second_amounts.append(amounts[index])
        Dossier.objects.bulk_create(firsts, batch_size=1_000)
        seconds = [avenant for _, avenant in pairs]
        if seconds:
            for previous, avenant in pairs:
                avenant.version_precedente_id = previous.pk
            Dossier.objects.bulk_create(seconds, batch_size=1_000)

        dossiers = firsts + seconds
        all_amounts = [amounts[i] for i in range(len(firsts))] + second_amounts
        lines = []
        for dossier, requested in zip(dossiers, all_amounts, strict=True):
            decided = dossier.etat in DECIDED
            lines += [
                LigneFinancement(
                    dossier_id=dossier.pk,
                    nature=nature,
                    montant_demande=amount,
                    montant_pris_en_charge=amount if decided else None,
                )
                for nature, amount in requested
            ]
        LigneFinancement.objects.bulk_create(lines, batch_size=2_000)
        logs = [self._log(batch_no, dossier=d) for d in dossiers]
        factures = self._factures(dossiers, all_amounts)
        if factures:
            Facture.objects.bulk_create(factures, batch_size=1_000)
            logs += [self._log(batch_no, facture=f) for f in factures]
            report.reglements += self._reglements(factures)
        TransitionLog.objects.bulk_create(logs, batch_size=2_000)

        report.dossiers += len(dossiers)
        report.avenants += len(seconds)
        report.financements += len(lines)
        report.factures += len(factures)
        report.journal += len(logs)

    def _dossier(self, dispositif: Dispositif, etat: EtatDossier, of: _Party, employeur: _Party, numeros) -> Dossier:
        rng = self.rng
        created = self.now - timedelta(days=rng.uniform(30, 1_100))
        brouillon = etat == E.BROUILLON
        transmitted = None if brouillon else (self._after(created, 0, 5) if dispositif is A else created)
        decided = None
        if etat in DECIDED or etat == E.REFUSE:
            decided = self._after(transmitted, 5, 40)
        updated = decided or transmitted or created
        if etat in (E.EN_COURS, E.EN_ATTENTE_PIECES, E.ANNULE):
            updated = self._after(transmitted, 2, 30)
        if etat in (E.RUPTURE, E.SOLDE):
            updated = self._after(decided, 60, 400)
        debut = (transmitted or created).date() - timedelta(days=rng.randint(0, 30))
        fin = debut + timedelta(days=rng.choice((364, 729, 1_094)) if dispositif is not AF else rng.randint(2, 60))
        nom, prenom = rng.choice(NOMS), rng.choice(PRENOMS)
        # Apprentices are 16 to 25 at the start of their contract; other trainees of any working age.
        age = rng.randint(16, 25) if dispositif is A else rng.randint(18, 58)
        naissance = debut - timedelta(days=365 * age + rng.randint(30, 330))
        formation = rng.choice(FORMATIONS[dispositif])
        donnees = {}
        if dispositif is A:
            donnees = cerfa_payload(
                of_siret=of.siret,
                of_nom=of.nom,
                of_uai=of.uai,
                employeur_siret=employeur.siret,
                employeur_nom=employeur.nom,
                employeur_naf=employeur.naf,
                employeur_idcc=employeur.idcc,
                nom=nom,
                prenom=prenom,
                naissance=naissance,
                formation=formation,
                debut=debut,
                fin=fin,
            )
        dossier = Dossier(
            numero=None if brouillon else next(numeros),
            version=1,
            dispositif=dispositif,
            etat=etat,
            # Apprenticeship dossiers are always subrogated (as dossier_draft_save makes them).
            subroge=dispositif is A or rng.random() < 0.5,
            numero_depot=self._numero_depot(debut) if dispositif is A and not brouillon else "",
            of_etablissement_id=of.pk,
            entreprise_id=employeur.pk,
            salarie_nom=nom,
            salarie_prenom=prenom,
            salarie_date_naissance=naissance,
            formation_intitule=formation,
            formation_date_debut=debut + timedelta(days=7) if dispositif is not AF else debut,
            formation_date_fin=fin - timedelta(days=61) if dispositif is not AF else fin,
            contrat_date_debut=debut if dispositif is not AF else None,
            contrat_date_fin=fin if dispositif is not AF else None,
            donnees=donnees,
            created_at=created,
            updated_at=updated,
            transmitted_at=transmitted,
            decided_at=decided,
        )
        if etat == E.RUPTURE:
            dossier.date_rupture = min(debut + timedelta(days=rng.randint(20, 300)), fin, updated.date())
            dossier.motif_rupture = rng.choice(("1", "2", "3", "3", "4", "6"))
        return dossier

    def _numero_depot(self, debut: date) -> str:
        """A DECA number: département of deposit, year and month, six digits."""
        departement = self.rng.choice(VILLES)[0][:2]
        return f"0{departement}{debut:%Y%m}{self.rng.randint(0, 999_999):06d}"

    def _avenant(self, previous: Dossier, etat: EtatDossier) -> Dossier:
        created = self._after(previous.decided_at or previous.updated_at, 30, 200)
        decided = self._after(created, 5, 30) if etat in DECIDED else None
        updated = decided or self._after(created, 0, 10)
        if etat in (E.RUPTURE, E.SOLDE):
            updated = self._after(decided, 30, 300)
        previous.updated_at = max(previous.updated_at, decided or created)
        donnees = copy.deepcopy(previous.donnees)
        if donnees:
            donnees["contrat"]["dateFinContrat"] = (previous.contrat_date_fin + timedelta(days=92)).isoformat()
        avenant = Dossier(
            numero=previous.numero,
            version=previous.version + 1,
            dispositif=previous.dispositif,
            etat=etat,
            subroge=previous.subroge,
            numero_depot=previous.numero_depot,
            of_etablissement_id=previous.of_etablissement_id,
            entreprise_id=previous.entreprise_id,
            salarie_nom=previous.salarie_nom,
            salarie_prenom=previous.salarie_prenom,
            salarie_date_naissance=previous.salarie_date_naissance,
            formation_intitule=previous.formation_intitule,
            formation_date_debut=previous.formation_date_debut,
            formation_date_fin=previous.formation_date_fin,
            contrat_date_debut=previous.contrat_date_debut,
            contrat_date_fin=previous.contrat_date_fin + timedelta(days=92) if previous.contrat_date_fin else None,
            donnees=donnees,
            created_at=created,
            updated_at=updated,
            transmitted_at=created,
            decided_at=decided,
        )
        if etat == E.RUPTURE:
            avenant.date_rupture = min(avenant.contrat_date_debut + timedelta(days=200), updated.date())
            avenant.motif_rupture = "3"
        return avenant

    def _amounts(self, dispositif: Dispositif) -> list[tuple[str, Decimal]]:
        rng = self.rng
        amount = dec(rng.choice(MONTANTS[dispositif]))
        if dispositif is not A:
            return [(N.COUT_PEDAGOGIQUE.value, amount)]
        lines = [(N.NPEC.value, amount)]
        if rng.random() < 0.3:
            lines.append((N.PREMIER_EQUIPEMENT.value, dec("500.00")))
        if rng.random() < 0.08:
            lines.append((N.HEBERGEMENT.value, dec(rng.choice(("600.00", "1200.00", "1800.00")))))
        return lines

    def _factures(self, dossiers: list[Dossier], amounts: list[list[tuple[str, Decimal]]]) -> list[Facture]:
        rng = self.rng
        picked = []
        for dossier, requested in zip(dossiers, amounts, strict=True):
            if dossier.subroge and dossier.etat in FACTURED and requested and rng.random() < 0.35:
                total = sum(amount for _, amount in requested)
                for _ in range(1 if rng.random() < 0.7 else 2):
                    picked.append((dossier, total))
        if not picked:
            return []
        numeros = iter(next_numbers("facture", len(picked)))
        factures = []
        for dossier, total in picked:
            etat = rng.choices(self.facture_states, self.facture_weights)[0]
            ht = dec(total * Decimal(str(round(rng.uniform(0.2, 0.5), 2))))
            deposited = self._after(dossier.decided_at or dossier.updated_at, 10, 200)
            numero = next(numeros)
            factures.append(
                Facture(
                    numero=numero,
                    dossier_id=dossier.pk,
                    emetteur_id=dossier.of_etablissement_id,
                    reference=f"FAC-{numero}",
                    date_facture=deposited.date() - timedelta(days=rng.randint(0, 5)),
                    montant_ht=ht,
                    montant_ttc=ht if rng.random() < 0.8 else dec(ht * Decimal("1.2")),
                    etat=etat,
                    fichier=SHARED_FACTURE_PDF,
                    motif_rejet=MOTIF_REJET if etat == F.REJETEE else "",
                    deposited_at=deposited,
                    updated_at=deposited if etat == F.DEPOSEE else self._after(deposited, 1, 40),
                )
            )
        return factures

    def _reglements(self, factures: list[Facture]) -> int:
        by_emetteur: dict[int, list[Facture]] = defaultdict(list)
        for facture in factures:
            if facture.etat == F.PAYEE:
                by_emetteur[facture.emetteur_id].append(facture)
        groups = [group[i : i + 8] for group in by_emetteur.values() for i in range(0, len(group), 8)]
        if not groups:
            return 0
        numeros = iter(next_numbers("reglement", len(groups)))
        reglements = []
        for group in groups:
            paid = max(f.updated_at for f in group)
            reglements.append(
                Reglement(
                    numero=f"{next(numeros):07d}",
                    reference_virement=self._reference_virement(),
                    date_paiement=paid.date(),
                    mode=ModeReglement.VIREMENT if self.rng.random() < 0.95 else ModeReglement.CHEQUE,
                    beneficiaire_id=group[0].emetteur_id,
                    montant_total_ttc=sum(f.montant_ttc for f in group),
                    created_at=paid,
                )
            )
        Reglement.objects.bulk_create(reglements, batch_size=1_000)
        LigneReglement.objects.bulk_create(
            (
                LigneReglement(reglement_id=r.pk, facture_id=f.pk, dossier_id=f.dossier_id, montant_ttc=f.montant_ttc)
                for r, group in zip(reglements, groups, strict=True)
                for f in group
            ),
            batch_size=2_000,
        )
        return len(reglements)

    def _reference_virement(self) -> str:
        return f"{self.rng.choice(('TLS', 'DFA', 'VIR'))}/{self.rng.randint(100_000, 9_999_999)}"

    def _log(self, batch_no: int, *, dossier: Dossier | None = None, facture: Facture | None = None) -> TransitionLog:
        obj = dossier or facture
        return TransitionLog(
            dossier_id=dossier.pk if dossier else None,
            facture_id=facture.pk if facture else None,
            transition=SCALE_LOG_TRANSITION,
            source="",
            target=obj.etat,
            actor_label=SCALE_ACTOR_LABEL,
            channel=SCALE_CHANNEL.value,
            reason="Créé en masse pour les mesures de charge.",
            details={"lot": batch_no},
            created_at=obj.updated_at,
        )
