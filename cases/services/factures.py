"""Use cases on factures: deposit by the OF on a subrogated dossier, pièces complémentaires,
and the OPCO's instruction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.actors import Actor
from cases.models import (
    Destinataire,
    Dossier,
    Echeance,
    Facture,
    FactureLigne,
    LigneFinancement,
    NatureFinancement,
    NatureLigneFacture,
    PieceJointe,
    TypeCourrier,
)
from cases.permissions import ensure_dossier_action, ensure_facture_action
from cases.services._common import (
    CourrierRequest,
    StoredFiles,
    Upload,
    check_upload,
    check_uploads,
    fire,
    invalid,
    lock_dossier,
    lock_facture,
    log_transition,
    next_numbers,
    request_courriers,
    store_pieces,
)
from cases.services.echeances import invoiced_by_nature, log_moves, release
from common.errors import Conflict, Forbidden, InvalidInput, NotFound
from rules.actions import Action, ActionFacture
from rules.echeancier import check_ligne
from rules.lifecycles import INITIAL_FACTURE_STATE
from rules.motifs import MOTIFS_REJET_FACTURE, PIECES_FACTURE, unknown_codes
from rules.verdicts import Problem


def _amount(value, field: str, problems: list[Problem]) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        problems.append(Problem(field, "Montant invalide."))
        return None
    if amount <= 0:
        problems.append(Problem(field, "Le montant doit être strictement positif."))
    elif amount.as_tuple().exponent < -2:
        problems.append(Problem(field, "Le montant a au plus deux décimales."))
    return amount


def check_facture_fields(
    *, reference: str, date_facture: date | None, montant_ht, montant_ttc, today: date
) -> list[Problem]:
    problems: list[Problem] = []
    if not reference or not reference.strip():
        problems.append(Problem("reference", "La référence de la facture est obligatoire.", "obligatoire"))
    elif len(reference) > 50:
        problems.append(Problem("reference", "La référence ne dépasse pas 50 caractères."))
    if date_facture is None:
        problems.append(Problem("date_facture", "La date de la facture est obligatoire.", "obligatoire"))
    elif date_facture > today:
        problems.append(Problem("date_facture", "La date de la facture ne peut pas être dans le futur."))
    ht = _amount(montant_ht, "montant_ht", problems)
    ttc = _amount(montant_ttc, "montant_ttc", problems)
    if ht is not None and ttc is not None and ht > 0 and ttc < ht:
        problems.append(Problem("montant_ttc", "Le montant TTC ne peut pas être inférieur au montant HT."))
    return problems


@dataclass(frozen=True)
class LigneDemandee:
    """One line of a facture to deposit: an amount (HT) on a dossier of the émetteur, charged to an
    échéance of its échéancier (``echeance_numero``) for the pédagogie of an apprenticeship contract."""

    dossier_id: int
    montant: Decimal | str | float | int
    nature: str = NatureLigneFacture.PEDAGOGIE
    echeance_numero: int | None = None
    quantite: int = 1


FRAIS_NATURES = {
    NatureLigneFacture.PREMIER_EQUIPEMENT: NatureFinancement.PREMIER_EQUIPEMENT,
    NatureLigneFacture.HEBERGEMENT: NatureFinancement.HEBERGEMENT,
    NatureLigneFacture.RESTAURATION: NatureFinancement.RESTAURATION,
    NatureLigneFacture.MOBILITE: NatureFinancement.MOBILITE,
    NatureLigneFacture.MAJORATION_RQTH: NatureFinancement.MAJORATION_RQTH,
}


def _euros(amount: Decimal) -> str:
    whole, _, cents = f"{amount:.2f}".partition(".")
    return f"{int(whole):,}".replace(",", " ") + f",{cents} €"


def _check_lines(
    actor: Actor, emetteur_id: int, lignes: Sequence[LigneDemandee], today: date, problems: list[Problem]
) -> list[tuple[LigneDemandee, Dossier, Echeance | None, Decimal]]:
    """Lock every dossier and échéance the lines name, and say why a line may not be deposited."""
    checked = []
    dossiers: dict[int, Dossier] = {}
    charged: dict[int, Decimal] = {}  # échéance pk → amount of this facture's lines on it
    frais: dict[tuple[int, str], Decimal] = {}
    for index, ligne in enumerate(lignes):
        path = f"lignes[{index}]"
        amount = _amount(ligne.montant, f"{path}.montant", problems)
        if ligne.nature not in NatureLigneFacture.values:
            problems.append(Problem(f"{path}.nature", "Nature de ligne inconnue.", "inconnu"))
            continue
        if ligne.quantite is None or ligne.quantite < 1:
            problems.append(Problem(f"{path}.quantite", "La quantité doit être un entier positif."))
        dossier = dossiers.get(ligne.dossier_id)
        if dossier is None:
            try:
                dossier = dossiers[ligne.dossier_id] = lock_dossier(actor, ligne.dossier_id)
            except NotFound:
                problems.append(Problem(f"{path}.dossier", "Dossier introuvable.", "inconnu"))
                continue
        if dossier.of_etablissement_id != emetteur_id:
            problems.append(
                Problem(
                    f"{path}.dossier",
                    f"Le dossier {dossier.reference} n'a pas été déposé par l'émetteur de la facture.",
                )
            )
            continue
        ensure_dossier_action(actor, dossier, Action.DEPOSER_FACTURE)
        echeance = None
        has_schedule = Echeance.objects.filter(dossier=dossier).exists()
        if ligne.echeance_numero is not None:
            echeance = (
                Echeance.objects.select_for_update().filter(dossier=dossier, numero=ligne.echeance_numero).first()
            )
            if echeance is None:
                problems.append(
                    Problem(
                        f"{path}.echeance",
                        f"Le dossier {dossier.reference} n'a pas d'échéance E{ligne.echeance_numero}.",
                        "inconnu",
                    )
                )
                continue
        if ligne.nature == NatureLigneFacture.PEDAGOGIE and has_schedule:
            if echeance is None:
                problems.append(
                    Problem(
                        f"{path}.echeance", "Choisissez l'échéance facturée de l'échéancier du dossier.", "obligatoire"
                    )
                )
                continue
            if amount is not None and amount > 0:
                already = charged.get(echeance.pk, Decimal("0"))
                reason = check_ligne(
                    montant=already + amount,
                    total=echeance.montant_total,
                    regle=echeance.montant_regle,
                    en_instruction=echeance.montant_en_instruction,
                    ouverture=echeance.date_ouverture,
                    today=today,
                )
                if reason:
                    problems.append(Problem(f"{path}.{reason[0]}", reason[1]))
                    continue
                charged[echeance.pk] = already + amount
        elif ligne.nature != NatureLigneFacture.PEDAGOGIE:
            if not has_schedule:
                problems.append(
                    Problem(
                        f"{path}.nature",
                        "Les frais annexes ne se facturent que sur un contrat d'apprentissage accordé.",
                    )
                )
                continue
            if echeance is not None and echeance.date_ouverture > today:
                problems.append(
                    Problem(
                        f"{path}.echeance",
                        f"Cette échéance ne peut être facturée qu'à partir du {echeance.date_ouverture:%d/%m/%Y}.",
                    )
                )
                continue
            financement = FRAIS_NATURES[NatureLigneFacture(ligne.nature)]
            line = LigneFinancement.objects.filter(dossier=dossier, nature=financement).first()
            granted = line.montant_pris_en_charge if line is not None else None
            if not granted:
                problems.append(
                    Problem(
                        f"{path}.nature",
                        f"L'accord de financement du dossier {dossier.reference} ne prend pas en charge ces frais.",
                    )
                )
                continue
            key = (dossier.pk, ligne.nature)
            if amount is not None:
                rest = granted - invoiced_by_nature(dossier, ligne.nature) - frais.get(key, Decimal("0"))
                if amount > rest:
                    problems.append(
                        Problem(
                            f"{path}.montant",
                            "Le montant dépasse ce qui reste à facturer pour ces frais "
                            f"({_euros(max(rest, Decimal('0')))}).",
                        )
                    )
                    continue
                frais[key] = frais.get(key, Decimal("0")) + amount
        if amount is not None:
            checked.append((ligne, dossier, echeance, amount))
    return checked


def _create(
    *,
    actor: Actor,
    emetteur_id: int,
    principal: Dossier,
    lines: list[tuple[LigneDemandee, Dossier, Echeance | None, Decimal]],
    reference: str,
    date_facture: date,
    montant_ht: Decimal,
    montant_ttc: Decimal,
    commentaire: str,
    fichier: Upload,
    justificatifs: Sequence[Upload],
    files: StoredFiles,
    now,
) -> Facture:
    if Facture.objects.filter(emetteur_id=emetteur_id, reference=reference).exists():
        raise Conflict(f"Une facture de référence « {reference} » a déjà été déposée.")
    facture = Facture(
        numero=next_numbers("facture")[0],
        dossier=principal,
        emetteur_id=emetteur_id,
        reference=reference,
        date_facture=date_facture,
        montant_ht=montant_ht,
        montant_ttc=montant_ttc,
        commentaire=commentaire,
        etat=INITIAL_FACTURE_STATE,
        deposited_at=now,
        deposited_by_id=actor.user_id,
        updated_at=now,
    )
    files.save(facture.fichier, fichier)
    try:
        with transaction.atomic():
            facture.save()
    except IntegrityError:
        raise Conflict(f"Une facture de référence « {reference} » a déjà été déposée.") from None
    created = FactureLigne.objects.bulk_create(
        FactureLigne(
            facture=facture,
            dossier=dossier,
            echeance=echeance,
            nature=ligne.nature,
            montant=amount,
            quantite=ligne.quantite,
        )
        for ligne, dossier, echeance, amount in lines
    )
    moved = []
    for line, (ligne, _dossier, echeance, amount) in zip(created, lines, strict=True):
        if echeance is not None and ligne.nature == NatureLigneFacture.PEDAGOGIE:
            echeance.refresh_from_db(fields=["montant_en_instruction"])
            echeance.montant_en_instruction += amount
            echeance.updated_at = now
            echeance.save(update_fields=["montant_en_instruction", "updated_at"])
            line.echeance = echeance
            moved.append(line)
    log_transition(
        obj=facture,
        actor=actor,
        name="deposer",
        source="",
        now=now,
        details={
            "lignes": [
                {
                    "dossier": dossier.reference,
                    "nature": ligne.nature,
                    "echeance": f"E{echeance.numero}" if echeance is not None else None,
                    "montant": str(amount),
                }
                for ligne, dossier, echeance, amount in lines
            ]
        },
    )
    if moved:
        log_moves(moved, actor=actor, now=now, name="facturer_echeance", facture=facture)
    store_pieces(files, justificatifs, actor=actor, now=now, facture=facture)
    return facture


def facture_deposit_lignes(
    *,
    actor: Actor,
    emetteur_id: int,
    reference: str,
    date_facture: date | None,
    montant_ttc,
    lignes: Sequence[LigneDemandee],
    fichier: Upload | None,
    justificatifs: Sequence[Upload] = (),
    commentaire: str = "",
    now,
) -> Facture:
    """Deposit one facture of the émetteur ``emetteur_id`` whose lines may cover several of its dossiers
    (the inter-OPCO norm's ``POST /v1/factures``).

    Every line is checked: a dossier of the émetteur visible to the actor (else « introuvable »), subrogated
    and accepting factures (403/409), an apprenticeship dossier's pédagogie charged to one of its échéances,
    open (``date_ouverture`` ≤ today, Paris) with enough left to invoice, the frais annexes within what the
    accord takes in charge. The HT amount is the sum of the lines; the first line's dossier is the facture's
    principal ``dossier``. Nothing is written when anything is refused (422 with the path of each line:
    ``lignes[i].montant``, ``lignes[i].echeance``, ``lignes[i].dossier``, ``lignes[i].nature``).
    """
    today = timezone.localdate(now)
    if not lignes:
        raise InvalidInput([Problem("lignes", "Une facture comporte au moins une ligne.", "obligatoire")])
    problems: list[Problem] = []
    amounts = []
    for i, ligne in enumerate(lignes):
        try:
            amounts.append(Decimal(str(ligne.montant)))
        except (InvalidOperation, TypeError, ValueError):
            problems.append(Problem(f"lignes[{i}].montant", "Montant invalide."))
    montant_ht = sum(amounts, Decimal("0")) if not problems else Decimal("0")
    problems += check_facture_fields(
        reference=reference,
        date_facture=date_facture,
        montant_ht=montant_ht if montant_ht > 0 else Decimal("0.01"),
        montant_ttc=montant_ttc,
        today=today,
    )
    problems = [p for p in problems if p.field != "montant_ht"]
    if fichier is None:
        problems.append(Problem("fichier", "Joignez votre facture au format PDF.", "obligatoire"))
    else:
        problems += check_upload(fichier, field="fichier", pdf_only=True)
    problems += check_uploads(justificatifs, field="justificatifs")
    with StoredFiles() as files, transaction.atomic():
        lines = _check_lines(actor, emetteur_id, lignes, today, problems)
        invalid(problems)
        ttc = Decimal(str(montant_ttc))
        if ttc < montant_ht:
            invalid([Problem("montant_ttc", "Le montant TTC ne peut pas être inférieur au montant HT.")])
        return _create(
            actor=actor,
            emetteur_id=emetteur_id,
            principal=lines[0][1],
            lines=lines,
            reference=reference.strip(),
            date_facture=date_facture,
            montant_ht=montant_ht,
            montant_ttc=ttc,
            commentaire=commentaire,
            fichier=fichier,
            justificatifs=justificatifs,
            files=files,
            now=now,
        )


# A single-dossier deposit names its fields as the portal's and the API's form do.
_SINGLE_LINE_FIELDS = {
    "lignes[0].montant": "montant_ht",
    "lignes[0].echeance": "echeance",
    "lignes[0].dossier": "dossier",
}


def facture_deposit(
    *,
    actor: Actor,
    dossier_id: int,
    reference: str,
    date_facture: date | None,
    montant_ht,
    montant_ttc,
    commentaire: str = "",
    fichier: Upload | None,
    justificatifs: Sequence[Upload] = (),
    echeance_numero: int | None = None,
    now,
) -> Facture:
    """« Déposer votre facture » on one dossier: a facture of one line (the pédagogie), charged to the
    échéance ``echeance_numero`` when the dossier has an échéancier."""
    problems = check_facture_fields(
        reference=reference,
        date_facture=date_facture,
        montant_ht=montant_ht,
        montant_ttc=montant_ttc,
        today=timezone.localdate(now),
    )
    if fichier is None:
        problems.append(Problem("fichier", "Joignez votre facture au format PDF.", "obligatoire"))
    else:
        problems += check_upload(fichier, field="fichier", pdf_only=True)
    problems += check_uploads(justificatifs, field="justificatifs")
    with transaction.atomic():
        dossier = lock_dossier(actor, dossier_id)
        ensure_dossier_action(actor, dossier, Action.DEPOSER_FACTURE)
        invalid(problems)
        try:
            return facture_deposit_lignes(
                actor=actor,
                emetteur_id=dossier.of_etablissement_id,
                reference=reference,
                date_facture=date_facture,
                montant_ttc=montant_ttc,
                lignes=[LigneDemandee(dossier.pk, montant_ht, echeance_numero=echeance_numero)],
                fichier=fichier,
                justificatifs=justificatifs,
                commentaire=commentaire,
                now=now,
            )
        except InvalidInput as exc:
            raise InvalidInput(
                [Problem(_SINGLE_LINE_FIELDS.get(p.field, p.field), p.message, p.code) for p in exc.problems],
                exc.message,
            ) from None


def facture_add_pieces(*, actor: Actor, facture_id: int, uploads: Sequence[Upload], now) -> list[PieceJointe]:
    if not uploads:
        raise InvalidInput([Problem("fichiers", "Ajoutez au moins un fichier.", "obligatoire")])
    problems = check_uploads(uploads, field="fichiers")
    with StoredFiles() as files, transaction.atomic():
        facture = lock_facture(actor, facture_id)
        ensure_facture_action(actor, facture, ActionFacture.AJOUTER_PIECE)
        invalid(problems)
        return store_pieces(files, uploads, actor=actor, now=now, facture=facture)


# --- OPCO instruction -------------------------------------------------------------------------


def _opco_facture_transition(
    *,
    actor: Actor,
    facture_id: int,
    name: str,
    now,
    reason: str = "",
    details: dict | None = None,
    courrier: str | None = None,
    **kwargs,
) -> Facture:
    if not actor.is_opco:
        raise Forbidden("Action réservée aux gestionnaires de l'OPCO.")
    with transaction.atomic():
        facture = lock_facture(actor, facture_id)
        ensure_facture_action(actor, facture, name)
        facture.updated_at = now
        source = fire(facture, name, **kwargs)
        if name == "rejeter":
            release(facture, actor=actor, now=now)
        log = log_transition(
            obj=facture, actor=actor, name=name, source=source, now=now, reason=reason, details=details
        )
        if courrier:
            request_courriers(
                log=log,
                facture=facture,
                now=now,
                requests=[CourrierRequest(courrier, Destinataire.OF, facture.emetteur_id, details or {})],
            )
    return facture


def facture_instruct(*, actor: Actor, facture_id: int, now) -> Facture:
    return _opco_facture_transition(actor=actor, facture_id=facture_id, name="instruire", now=now)


def facture_request_pieces(*, actor: Actor, facture_id: int, pieces: list[str], commentaire: str = "", now) -> Facture:
    problems = []
    if not pieces:
        problems.append(Problem("pieces", "Indiquez au moins une pièce attendue.", "obligatoire"))
    problems += [Problem("pieces", f"Pièce inconnue : {c}.", "inconnu") for c in unknown_codes(pieces, PIECES_FACTURE)]
    invalid(problems)
    details = {"pieces": [{"code": c, "libelle": PIECES_FACTURE[c]} for c in pieces], "commentaire": commentaire}
    return _opco_facture_transition(
        actor=actor,
        facture_id=facture_id,
        name="demander_pieces",
        now=now,
        reason=commentaire,
        details=details,
        courrier=TypeCourrier.FACTURE_DEMANDE_PIECES,
    )


def facture_resume(*, actor: Actor, facture_id: int, now) -> Facture:
    return _opco_facture_transition(actor=actor, facture_id=facture_id, name="reprendre_instruction", now=now)


def facture_validate(*, actor: Actor, facture_id: int, now) -> Facture:
    return _opco_facture_transition(actor=actor, facture_id=facture_id, name="valider", now=now)


def facture_reject(*, actor: Actor, facture_id: int, motif: str, explication: str, now) -> Facture:
    problems = []
    if motif not in MOTIFS_REJET_FACTURE:
        problems.append(Problem("motif", "Motif de rejet inconnu.", "inconnu"))
    if not explication.strip():
        problems.append(Problem("explication", "Un rejet doit être motivé.", "obligatoire"))
    invalid(problems)
    libelle = MOTIFS_REJET_FACTURE[motif]
    details = {"motif": motif, "motif_libelle": libelle, "explication": explication}
    return _opco_facture_transition(
        actor=actor,
        facture_id=facture_id,
        name="rejeter",
        now=now,
        reason=explication,
        details=details,
        courrier=TypeCourrier.FACTURE_REJET,
        motif=f"{libelle} — {explication}",
    )
