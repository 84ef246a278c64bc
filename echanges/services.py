"""Use cases of the inter-OPCO « API CFA » norm that are more than one call of an existing service:
a contract deposited and transmitted in one transaction, with natural de-duplication; a rupture; a
convention de formation; a document attached to dossiers or factures; idempotency of every deposit.

The rules are those of :mod:`cases.services` (no second rule set): these services translate the
norm's objects (:mod:`rules.norme`) and call them, inside one transaction — a refusal stores nothing.

Idempotency: a deposit made with an ``Idempotency-Key`` is recorded with the fingerprint of the
request; the same key and request again answer the first result, the same key with another request
is refused. Without a key, a deposit of the same contract (employer's SIRET, apprentice's NIR, start
date, type of contract) or a rupture already recorded answers the first result too.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction

from accounts.actors import Actor
from accounts.models import Etablissement
from cases.models import Dossier, Facture, PieceJointe
from cases.selectors import dossiers_visible_to, factures_visible_to
from cases.services import (
    LigneDemandee,
    Upload,
    dossier_add_pieces,
    dossier_avenant_create,
    dossier_declare_rupture,
    dossier_draft_save,
    dossier_transmit,
    facture_add_pieces,
    facture_deposit_lignes,
)
from cases.services._common import check_upload, invalid
from common.errors import DomainError, Forbidden, InvalidInput, NotFound
from echanges.models import Convention, DepotFacture, IdempotencyRecord
from echanges.selectors import dossier_by_reference, dossier_norme_get, last_echeance_number, parse_numero_interne
from rules import norme
from rules.lifecycles import Dispositif, EtatDossier
from rules.verdicts import Problem

E = EtatDossier
# A contract that was refused or cancelled may be deposited again (a new dossier); any other state
# means the contract is already with the OPCO.
REDEPOSABLE = frozenset({E.BROUILLON, E.REFUSE, E.ANNULE})


class IdempotencyKeyReused(DomainError):
    """The same ``Idempotency-Key`` with a different request."""

    code = "CLE_IDEMPOTENCE_REUTILISEE"
    status = 422


@dataclass(frozen=True)
class Depot:
    """What a deposit gives: its object, and whether it is the answer of an earlier identical deposit."""

    obj: object
    replayed: bool = False


# --- Idempotency ------------------------------------------------------------------------------


def fingerprint(*parts: object) -> str:
    """SHA-256 of the request's content (JSON objects canonicalised, files by their bytes)."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, bytes):
            digest.update(hashlib.sha256(part).digest())
        else:
            digest.update(json.dumps(part, sort_keys=True, ensure_ascii=False, default=str).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


def _lock_caller(actor: Actor) -> Etablissement:
    """The calling CFA's établissement, locked: its deposits are made one at a time (no double)."""
    if actor.is_opco or not actor.etablissement_ids:
        raise Forbidden("Les dépôts de la norme API CFA sont faits par le logiciel d'un CFA, avec sa clé.")
    return Etablissement.objects.select_for_update().filter(pk__in=actor.etablissement_ids).order_by("pk")[0]


def _check_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 255:
        raise InvalidInput([Problem("Idempotency-Key", "La clé d'idempotence compte de 1 à 255 caractères.")])
    return key


def _recorded(etablissement: Etablissement, key: str | None, operation: str, print_: str) -> dict | None:
    if key is None:
        return None
    record = IdempotencyRecord.objects.filter(etablissement=etablissement, key=key).first()
    if record is None:
        return None
    if record.operation != operation or record.fingerprint != print_:
        raise IdempotencyKeyReused(
            "Cette clé d'idempotence a déjà servi pour une autre requête : utilisez une nouvelle clé pour un "
            "nouveau dépôt.",
            problems=[Problem("Idempotency-Key", "Clé déjà utilisée pour une requête différente.", "reutilisee")],
        )
    return record.result


def _remember(etablissement: Etablissement, key: str | None, operation: str, print_: str, result: dict, now) -> None:
    if key is not None:
        IdempotencyRecord.objects.create(
            etablissement=etablissement, key=key, operation=operation, fingerprint=print_, result=result, created_at=now
        )


# --- Contracts ---------------------------------------------------------------------------------


def _same_contract(actor: Actor, payload: dict) -> Dossier | None:
    """A dossier of the actor that is this contract already (natural key of :func:`rules.norme.cle_contrat`)."""
    key = norme.cle_contrat(payload)
    if key is None:
        return None
    candidates = (
        dossiers_visible_to(actor)
        .filter(dispositif=Dispositif.APPRENTISSAGE, entreprise__siret=key[0], contrat_date_debut=key[2])
        .exclude(etat__in=REDEPOSABLE)
        .order_by("pk")
    )
    return next((d for d in candidates if norme.cle_contrat(d.donnees) == key), None)


def _amended_contract(actor: Actor, payload: dict) -> Dossier:
    """The engaged contract an avenant amends, by its number (N° DECA) in ``contrat.numeroContratPrecedent``."""
    numero = str(payload.get("contrat", {}).get("numeroContratPrecedent") or "").strip().upper()
    field = "contrat.numeroContratPrecedent"
    if not numero:
        raise InvalidInput([Problem(field, "Indiquez le numéro (DECA) du contrat sur lequel porte l'avenant.")])
    dossier = (
        dossiers_visible_to(actor)
        .filter(dispositif=Dispositif.APPRENTISSAGE, numero_depot=numero, etat=E.ACCORDE)
        .order_by("-version")
        .first()
    )
    if dossier is None:
        raise InvalidInput([Problem(field, "Aucun contrat engagé de votre SIRET ne porte ce numéro.")])
    return dossier


def contrat_deposit(
    *, actor: Actor, cerfa: dict, now, idempotency_key: str | None = None, operation: str = "POST /dossiers"
) -> Depot:
    """Deposit a contract (``POST /v1|v2/dossiers``): a draft saved and transmitted in one transaction.

    An avenant (``typeContratApp`` 31–38) amends the engaged contract named by its number. Problems are
    addressed to the norm's paths of the ``cerfa`` object.
    """
    key = _check_key(idempotency_key)
    received = norme.cerfa_from_norme(cerfa)
    print_ = fingerprint(operation, cerfa)
    with transaction.atomic():
        caller = _lock_caller(actor)
        done = _recorded(caller, key, operation, print_)
        if done is not None:
            return Depot(Dossier.objects.get(pk=done["dossier"]), replayed=True)
        invalid(list(received.problems))
        payload = received.payload
        existing = _same_contract(actor, payload)
        if existing is not None:
            _remember(caller, key, operation, print_, {"dossier": existing.pk}, now)
            return Depot(existing, replayed=True)
        kind = norme.cle_contrat(payload)
        if kind is not None and kind[3] in norme.AVENANT_TYPES:
            amended = _amended_contract(actor, payload)
            dossier = dossier_avenant_create(
                actor=actor,
                dossier_id=amended.pk,
                payload=payload,
                motif=f"Avenant de type {kind[3]} transmis par la norme API CFA.",
                type_avenant=kind[3],
                date_effet=kind[4],
                now=now,
            )
        else:
            draft = dossier_draft_save(actor=actor, payload=payload, now=now)
            dossier = dossier_transmit(actor=actor, dossier_id=draft.pk, now=now)
        _remember(caller, key, operation, print_, {"dossier": dossier.pk}, now)
    return Depot(dossier)


def contrat_rupture(
    *,
    actor: Actor,
    rupture: dict,
    now,
    initiateur: str = "employeur",
    idempotency_key: str | None = None,
    operation: str = "POST /v2/dossiers/rupture/employeur",
) -> Depot:
    """Declare the rupture of an engaged contract (``POST /v2/dossiers/rupture/employeur``).

    ``rupture``: ``numeroInterne``, ``dateRupture`` (date-time with offset), ``motifRupture`` (code 1–9),
    ``formationPoursuivie`` (bool), optional ``initiateur`` (employeur — the default of this route —,
    apprenti, commun) and ``commentaire``. The same rupture again (same date) answers the dossier as it
    is, without a second declaration."""
    key = _check_key(idempotency_key)
    problems: list[Problem] = []
    raw_date = rupture.get("dateRupture")
    date_rupture = norme.date_from_norme(raw_date)
    if raw_date not in (None, "") and date_rupture is None:
        problems.append(Problem("dateRupture", norme.DATE_MESSAGE))
    motif = rupture.get("motifRupture")
    motif_code = str(motif).strip() if motif not in (None, "") and not isinstance(motif, bool) else ""
    poursuite = rupture.get("formationPoursuivie")
    if poursuite is not None and not isinstance(poursuite, bool):
        problems.append(Problem("formationPoursuivie", "Valeur booléenne attendue (true ou false)."))
        poursuite = None
    who = str(rupture.get("initiateur") or initiateur).strip().lower()
    commentaire = str(rupture.get("commentaire") or "")
    print_ = fingerprint(operation, rupture)
    with transaction.atomic():
        caller = _lock_caller(actor)
        done = _recorded(caller, key, operation, print_)
        if done is not None:
            return Depot(Dossier.objects.get(pk=done["dossier"]), replayed=True)
        dossier = dossier_norme_get(actor=actor, numero_interne=rupture.get("numeroInterne"))
        invalid(problems)
        if dossier.etat == E.RUPTURE and date_rupture is not None and dossier.date_rupture == date_rupture:
            _remember(caller, key, operation, print_, {"dossier": dossier.pk}, now)
            return Depot(dossier, replayed=True)
        try:
            dossier = dossier_declare_rupture(
                actor=actor,
                dossier_id=dossier.pk,
                date_rupture=date_rupture,
                motif=motif_code,
                commentaire=commentaire,
                initiateur=who,
                formation_poursuivie=poursuite,
                now=now,
            )
        except InvalidInput as exc:
            raise InvalidInput([_rupture_field(p) for p in exc.problems], exc.message) from None
        _remember(caller, key, operation, print_, {"dossier": dossier.pk}, now)
    return Depot(dossier)


# The rupture service's fields, in the norm's names.
_RUPTURE_FIELDS = {
    "date_rupture": "dateRupture",
    "motif": "motifRupture",
    "initiateur": "initiateur",
    "formation_poursuivie": "formationPoursuivie",
}


def _rupture_field(problem: Problem) -> Problem:
    return Problem(_RUPTURE_FIELDS.get(problem.field, problem.field), problem.message, problem.code)


# --- Conventions and documents --------------------------------------------------------------------


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _check_convention(convention: dict, dossier: Dossier) -> list[Problem]:
    """The convention is about this dossier: same employer, same CFA."""
    problems = []
    employeur = str((convention.get("employeur") or {}).get("siret") or "").strip()
    if employeur and dossier.entreprise_id and employeur != dossier.entreprise.siret:
        problems.append(Problem("employeur.siret", "Ce SIRET n'est pas celui de l'employeur du contrat."))
    cfa = str((convention.get("organismeFormation") or {}).get("siret") or "").strip()
    if cfa and cfa != dossier.of_etablissement.siret:
        problems.append(Problem("organismeFormation.siret", "Ce SIRET n'est pas celui du CFA du contrat."))
    couts = convention.get("couts") or {}
    total = _decimal(couts.get("coutTotalPedagogieCFA"))
    if couts.get("coutTotalPedagogieCFA") not in (None, "") and (total is None or total < 0):
        problems.append(Problem("couts.coutTotalPedagogieCFA", "Un montant positif ou nul est attendu."))
    return problems


def convention_deposit(
    *,
    actor: Actor,
    convention: dict,
    fichier: Upload | None,
    now,
    idempotency_key: str | None = None,
    operation: str = "POST /v1/conventions",
) -> Depot:
    """Deposit the convention de formation of a contract (``POST /v1/conventions``): its data, and its
    signed PDF as a pièce jointe of the dossier (the OPCO reads it there)."""
    key = _check_key(idempotency_key)
    problems = [] if fichier is not None else [Problem("fichier", "Joignez la convention signée (PDF).", "obligatoire")]
    if fichier is not None:
        problems += check_upload(fichier, field="fichier", pdf_only=True)
    print_ = fingerprint(operation, convention, fichier.content if fichier else b"")
    with transaction.atomic():
        caller = _lock_caller(actor)
        done = _recorded(caller, key, operation, print_)
        if done is not None:
            return Depot(Convention.objects.select_related("piece").get(pk=done["convention"]), replayed=True)
        invalid(problems)
        dossier = dossier_norme_get(actor=actor, numero_interne=convention.get("numeroInterneDossier"))
        invalid(_check_convention(convention, dossier))
        name = f"convention-{dossier.reference}.pdf"
        piece = dossier_add_pieces(
            actor=actor, dossier_id=dossier.pk, uploads=[Upload(name=name, content=fichier.content)], now=now
        )[0]
        couts = convention.get("couts") or {}
        record = Convention.objects.create(
            dossier=dossier,
            piece=piece,
            donnees=convention,
            cout_total_pedagogie=_decimal(couts.get("coutTotalPedagogieCFA")),
            date_signature=norme.date_from_norme(convention.get("dateSignature")),
            client=dict(actor.client),
            api_key_id=actor.api_key_id,
            created_at=now,
        )
        _remember(caller, key, operation, print_, {"convention": record.pk}, now)
    return Depot(record)


TYPES_OBJET = ("dossier", "facture")


def document_deposit(
    *,
    actor: Actor,
    type_fichier: str,
    objets: Sequence[dict],
    fichier: Upload | None,
    now,
    idempotency_key: str | None = None,
    operation: str = "POST /v1/documents",
) -> Depot:
    """Attach one file to one or more dossiers (``numeroInterne``) or factures (``numeroInterneFacture``)
    as a pièce jointe of each (``POST /v1/documents``); the answer is the list of pièces."""
    key = _check_key(idempotency_key)
    problems: list[Problem] = []
    if not str(type_fichier or "").strip():
        problems.append(
            Problem("typeFichier", "Indiquez le type du document (convention, facture, cerfa…).", "obligatoire")
        )
    if not objets:
        problems.append(Problem("objets", "Indiquez au moins un dossier ou une facture.", "obligatoire"))
    for index, objet in enumerate(objets):
        kind = str(objet.get("typeObjet") or "").strip().lower()
        if kind not in TYPES_OBJET:
            problems.append(Problem(f"objets[{index}].typeObjet", "Type d'objet attendu : dossier ou facture."))
    if fichier is None:
        problems.append(Problem("fichier", "Joignez le fichier du document.", "obligatoire"))
    else:
        problems += check_upload(fichier, field="fichier")
    print_ = fingerprint(operation, type_fichier, list(objets), fichier.content if fichier else b"")
    with transaction.atomic():
        caller = _lock_caller(actor)
        done = _recorded(caller, key, operation, print_)
        if done is not None:
            return Depot(list(PieceJointe.objects.filter(pk__in=done["pieces"]).order_by("pk")), replayed=True)
        invalid(problems)
        upload = Upload(name=fichier.name, content=fichier.content)
        pieces: list[PieceJointe] = []
        for index, objet in enumerate(objets):
            kind = str(objet["typeObjet"]).strip().lower()
            if kind == "dossier":
                dossier = dossier_norme_get(actor=actor, numero_interne=objet.get("idObjet"))
                pieces += dossier_add_pieces(actor=actor, dossier_id=dossier.pk, uploads=[upload], now=now)
            else:
                numero = parse_numero_interne(objet.get("idObjet"), field=f"objets[{index}].idObjet")
                facture = factures_visible_to(actor).filter(numero=numero).only("pk").first()
                if facture is None:  # like a dossier: another SIRET's invoice does not exist for a key
                    raise NotFound("Facture introuvable : aucune facture de votre SIRET ne porte ce numéro.")
                pieces += facture_add_pieces(actor=actor, facture_id=facture.pk, uploads=[upload], now=now)
        _remember(caller, key, operation, print_, {"pieces": [p.pk for p in pieces]}, now)
    return Depot(pieces)


# --- Invoices ------------------------------------------------------------------------------------

# The facture service's fields, in the norm's names.
_FACTURE_FIELDS = {
    "reference": "numero",
    "date_facture": "dateEmission",
    "montant_ttc": "montantTotal",
    "montant_ht": "montantTotal",
}
_LIGNE_FIELDS = {"echeance": "numeroEcheance", "dossier": "numeroDossier", "nature": "natureLigne"}
_LIGNE_PATH = re.compile(r"^lignes\[(\d+)\]\.(\w+)$")


def _facture_field(problem: Problem, positions: Sequence[int]) -> Problem:
    """A problem of the facture service addressed in the norm's names (and the line's index as sent)."""
    match = _LIGNE_PATH.match(problem.field)
    if match:
        index = int(match.group(1))
        sent = positions[index] if index < len(positions) else index
        name = _LIGNE_FIELDS.get(match.group(2), match.group(2))
        return Problem(f"lignes[{sent}].{name}", problem.message, problem.code)
    return Problem(_FACTURE_FIELDS.get(problem.field, problem.field), problem.message, problem.code)


def facture_deposit_norme(
    *,
    actor: Actor,
    facture: dict,
    fichier: Upload | None,
    now,
    idempotency_key: str | None = None,
    operation: str = "POST /v1/factures",
) -> Depot:
    """Deposit an invoice of the norm (``POST /v1/factures``): lines on one or several of the CFA's
    dossiers, each named by its ``numeroDossier`` (our reference) or ``numeroDeca``, the pédagogie charged
    to an échéance of its échéancier. The same invoice (same CFA, same ``numero``) answers the first."""
    key = _check_key(idempotency_key)
    received = norme.facture_from_norme(facture)
    print_ = fingerprint(operation, facture, fichier.content if fichier else b"")
    with transaction.atomic():
        caller = _lock_caller(actor)
        done = _recorded(caller, key, operation, print_)
        if done is not None:
            return Depot(Facture.objects.get(pk=done["facture"]), replayed=True)
        if received.numero:
            existing = factures_visible_to(actor).filter(emetteur=caller, reference=received.numero).first()
            if existing is not None:
                _remember(caller, key, operation, print_, {"facture": existing.pk}, now)
                return Depot(existing, replayed=True)
        problems = list(received.problems)
        if received.siret_emetteur and received.siret_emetteur != caller.siret:
            problems.append(Problem("siretEmetteur", "Ce SIRET n'est pas celui de votre clé d'authentification."))
        lignes = []
        for ligne in received.lignes:
            dossier = dossier_by_reference(
                actor=actor, numero_externe=ligne.numero_dossier, numero_deca=ligne.numero_deca
            )
            if dossier is None:
                problems.append(
                    Problem(f"lignes[{ligne.index}].numeroDossier", "Aucun contrat de votre SIRET ne porte ce numéro.")
                )
                continue
            echeance = ligne.numero_echeance
            if echeance == norme.LAST_ECHEANCE:
                echeance = last_echeance_number(dossier_id=dossier.pk) or echeance
            lignes.append(
                (
                    ligne.index,
                    LigneDemandee(
                        dossier_id=dossier.pk,
                        montant=ligne.montant,
                        nature=ligne.nature,
                        echeance_numero=echeance,
                        quantite=ligne.quantite,
                    ),
                )
            )
        if fichier is None:
            problems.append(Problem("fichier", "Joignez la facture au format PDF.", "obligatoire"))
        invalid(problems)
        positions = [index for index, _ in lignes]
        try:
            deposited = facture_deposit_lignes(
                actor=actor,
                emetteur_id=caller.pk,
                reference=received.numero,
                date_facture=received.date_emission,
                montant_ttc=received.montant_total,
                lignes=[ligne for _, ligne in lignes],
                fichier=fichier,
                now=now,
            )
        except InvalidInput as exc:
            raise InvalidInput([_facture_field(p, positions) for p in exc.problems], exc.message) from None
        DepotFacture.objects.create(
            facture=deposited,
            iban=received.iban[:34],
            certificat_realisation=received.certificat_realisation,
            donnees=facture,
            client=dict(actor.client),
            api_key_id=actor.api_key_id,
            created_at=now,
        )
        _remember(caller, key, operation, print_, {"facture": deposited.pk}, now)
    return Depot(deposited)


__all__ = [
    "Depot",
    "IdempotencyKeyReused",
    "contrat_deposit",
    "contrat_rupture",
    "convention_deposit",
    "document_deposit",
    "facture_deposit_norme",
    "fingerprint",
]
