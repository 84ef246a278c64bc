"""Use cases on dossiers: the OF's drafts, transmission, pièces, avenants and ruptures, and the
OPCO's instruction (registration, prise en charge, demande de pièces, accord, refus, annulation,
clôture)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import Etablissement
from cases.models import Dossier, LigneFinancement, NatureFinancement, PieceJointe, TransitionLog, TypeCourrier
from cases.permissions import ensure_dossier_action, has_droit
from cases.references import montants_demandes_for, smic_table
from cases.services import echeances
from cases.services._common import (
    StoredFiles,
    Upload,
    check_uploads,
    dossier_courriers,
    fire,
    invalid,
    lock_dossier,
    log_transition,
    next_numbers,
    request_courriers,
    store_pieces,
)
from common.errors import Forbidden, InvalidInput
from rules import cerfa
from rules.actions import Action, Droit
from rules.formats import check_numero_deca
from rules.lifecycles import INITIAL_DOSSIER_STATE, Dispositif, EtatDossier
from rules.motifs import MOTIFS_REFUS_DOSSIER, MOTIFS_RUPTURE, PIECES_DOSSIER, unknown_codes
from rules.verdicts import Problem

E = EtatDossier


def _summary(payload: dict) -> dict:
    """The synthesis columns of a dossier from its CERFA, cut to their columns' lengths: a draft keeps
    whatever was typed in its CERFA payload (and its verdict says what is too long), the list
    columns only show it."""
    fields = cerfa.summary(payload)
    for name, value in fields.items():
        limit = getattr(Dossier._meta.get_field(name), "max_length", None)
        if limit and isinstance(value, str) and len(value) > limit:
            fields[name] = value[:limit]
    return fields


def _log_creation(dossier: Dossier, actor: Actor, now, name: str, reason: str = "") -> TransitionLog:
    return log_transition(obj=dossier, actor=actor, name=name, source="", now=now, reason=reason)


# --- Drafts (contrat d'apprentissage, deposited by the OF) -------------------------------


def _resolve_parties(actor: Actor, payload: dict) -> tuple[Etablissement, Etablissement]:
    problems = cerfa.check_draft(payload)
    invalid(problems)
    of_siret = cerfa.get_path(payload, "organismeFormation.siret")
    employeur_siret = cerfa.get_path(payload, "employeur.siret")
    of = Etablissement.objects.filter(siret=of_siret, est_organisme_formation=True).first()
    if of is None or not actor.can_see(of.pk):
        raise InvalidInput([Problem("organismeFormation.siret", "Ce SIRET ne fait pas partie de vos établissements.")])
    if not has_droit(actor, of.pk, Droit.SAISIR_CONTRATS):
        raise Forbidden("Vous n'avez pas le droit de saisir des contrats pour cet établissement.")
    employeur = Etablissement.objects.filter(siret=employeur_siret, est_entreprise=True, actif=True).first()
    if employeur is None:
        raise InvalidInput(
            [
                Problem(
                    "employeur.siret",
                    "Cet établissement n'est pas référencé par l'OPCO : contactez votre délégation régionale.",
                )
            ]
        )
    if employeur.employeur_public:
        raise InvalidInput(
            [
                Problem(
                    "employeur.siret",
                    "Employeur du secteur public : l'OPCO n'est pas habilité à instruire ses contrats d'apprentissage.",
                )
            ]
        )
    return of, employeur


def dossier_draft_save(
    *, actor: Actor, payload: dict, now, dossier_id: int | None = None, subroge: bool | None = None
) -> Dossier:
    """Create or update a draft; the employer's SIRET and the CFA's SIRET are the only requirements.

    ``subroge``: whether the OPCO pays the CFA directly (the usual case, the default of a new draft).
    An existing draft is found in the actor's scope before its payload is read: another OF's is a 404
    whatever the payload says.
    """
    with transaction.atomic():
        dossier = None
        if dossier_id is not None:
            dossier = lock_dossier(actor, dossier_id)
            ensure_dossier_action(actor, dossier, Action.MODIFIER_BROUILLON)
        elif actor.is_opco:
            raise Forbidden("Seul l'organisme de formation saisit ses contrats d'apprentissage.")
        of, employeur = _resolve_parties(actor, payload)
        fields = _summary(payload)
        if dossier is None:
            dossier = Dossier(
                dispositif=Dispositif.APPRENTISSAGE,
                etat=INITIAL_DOSSIER_STATE[Dispositif.APPRENTISSAGE],
                subroge=True if subroge is None else subroge,
                of_etablissement=of,
                entreprise=employeur,
                donnees=payload,
                created_at=now,
                updated_at=now,
                created_by_id=actor.user_id,
                **fields,
            )
            dossier.save()
            _log_creation(dossier, actor, now, "creer_brouillon")
            return dossier
        for name, value in fields.items():
            setattr(dossier, name, value)
        dossier.of_etablissement = of
        dossier.entreprise = employeur
        dossier.donnees = payload
        if subroge is not None:
            dossier.subroge = subroge
        dossier.updated_at = now
        dossier.save()
        return dossier


def dossier_draft_delete(*, actor: Actor, dossier_id: int, confirm: bool) -> None:
    if not confirm:
        raise InvalidInput([Problem("confirmation", "Confirmez la suppression du brouillon.", "obligatoire")])
    with transaction.atomic():
        dossier = lock_dossier(actor, dossier_id)
        ensure_dossier_action(actor, dossier, Action.SUPPRIMER_BROUILLON)
        dossier.journal.all().delete()
        dossier.delete()


def _requested(payload: dict, *, path_prefix: str = "") -> tuple[dict[str, Decimal], object]:
    """The accord de financement a CERFA requests (NPEC prorated to the contract, frais annexes asked
    for), refused with the field of each request beyond its limit."""
    demandes = montants_demandes_for(payload)
    if demandes is None:
        return {}, None
    invalid([Problem(f"{path_prefix}{p.field}", p.message, p.code) for p in demandes.problems])
    return dict(demandes.par_nature), demandes


def dossier_transmit(
    *, actor: Actor, dossier_id: int, now, montants_demandes: dict[str, Decimal] | None = None
) -> Dossier:
    """Transmit a complete, valid draft: it gets its number and its CERFA is frozen.

    The accord de financement requested (HT, per nature) is computed from the CERFA: the NPEC in force
    at the conclusion date for its certification and branch (or the level's amorçage), prorated to the
    contract's length, and the frais annexes it asks for (``couts``). ``montants_demandes`` replaces
    the computed amount of the natures it names.
    """
    invalid(_check_amounts(montants_demandes or {}, field="montants_demandes"))
    with transaction.atomic():
        dossier = lock_dossier(actor, dossier_id)
        ensure_dossier_action(actor, dossier, Action.TRANSMETTRE)
        invalid(
            cerfa.check_transmission_minimum(
                dossier.donnees, today=timezone.localdate(now), complete=True, smic_table=smic_table()
            )
        )
        requested, demandes = _requested(dossier.donnees)
        requested.update({k: Decimal(v) for k, v in (montants_demandes or {}).items()})
        if demandes is not None and demandes.npec is not None:
            dossier.npec_annuel = demandes.npec.montant
            dossier.npec_source = demandes.npec.source
        numero = next_numbers("dossier")[0]
        source = fire(dossier, "transmettre", numero=numero, now=now)
        LigneFinancement.objects.bulk_create(
            LigneFinancement(dossier=dossier, nature=nature, montant_demande=Decimal(amount))
            for nature, amount in requested.items()
        )
        log = log_transition(
            obj=dossier,
            actor=actor,
            name="transmettre",
            source=source,
            now=now,
            details={"montants_demandes": {k: str(v) for k, v in requested.items()}} if requested else None,
        )
        request_courriers(
            log=log,
            dossier=dossier,
            now=now,
            requests=dossier_courriers(dossier, TypeCourrier.ACCUSE_RECEPTION)[:1],
        )
    return dossier


# --- Pièces jointes -----------------------------------------------------------------------


def dossier_add_pieces(*, actor: Actor, dossier_id: int, uploads: Sequence[Upload], now) -> list[PieceJointe]:
    if not uploads:
        raise InvalidInput([Problem("fichiers", "Ajoutez au moins un fichier.", "obligatoire")])
    problems = check_uploads(uploads, field="fichiers")
    with StoredFiles() as files, transaction.atomic():
        dossier = lock_dossier(actor, dossier_id)
        ensure_dossier_action(actor, dossier, Action.AJOUTER_PIECE)
        invalid(problems)
        return store_pieces(files, uploads, actor=actor, now=now, dossier=dossier)


# --- Avenants and ruptures (OF, apprenticeship) ---------------------------------------------


AVENANT_TYPES = range(31, 39)


def dossier_avenant_create(
    *,
    actor: Actor,
    dossier_id: int,
    payload: dict | None,
    motif: str,
    now,
    type_avenant: int | None = None,
    date_effet: date | None = None,
) -> Dossier:
    """A new version (``.V+1``) that goes to instruction while the previous one stays visible.

    ``payload``: the amended CERFA (else the current one); ``type_avenant`` (31–38) and
    ``date_effet`` are written into it (``contrat.typeContratApp``, ``contrat.dateEffetAvenant``),
    with the contract's number (``contrat.numeroContratPrecedent``).
    """
    with transaction.atomic():
        previous = lock_dossier(actor, dossier_id)
        ensure_dossier_action(actor, previous, Action.CREER_AVENANT)
        if not motif.strip():
            raise InvalidInput([Problem("motif", "Précisez l'objet de l'avenant.", "obligatoire")])
        new_payload = copy.deepcopy(payload if payload is not None else previous.donnees)
        contrat = new_payload.setdefault("contrat", {})
        kind = type_avenant if type_avenant is not None else contrat.get("typeContratApp")
        try:
            kind = int(kind)
        except (TypeError, ValueError):
            kind = None
        if kind not in AVENANT_TYPES:
            raise InvalidInput([Problem("type_avenant", "Précisez le type d'avenant (codes 31 à 38).", "obligatoire")])
        contrat["typeContratApp"] = kind
        if date_effet is not None:
            contrat["dateEffetAvenant"] = date_effet.isoformat()
        if previous.numero_depot:  # the DECA number of the amended contract
            contrat.setdefault("numeroContratPrecedent", previous.numero_depot)
        invalid(
            cerfa.check_transmission_minimum(
                new_payload, today=timezone.localdate(now), complete=True, smic_table=smic_table()
            )
        )
        requested, demandes = _requested(new_payload)
        source = fire(previous, "ouvrir_avenant")
        details = {"type_avenant": kind, "date_effet": contrat.get("dateEffetAvenant"), "motif": motif}
        log_transition(
            obj=previous, actor=actor, name="ouvrir_avenant", source=source, now=now, reason=motif, details=details
        )
        avenant = Dossier(
            numero=previous.numero,
            version=previous.version + 1,
            dispositif=previous.dispositif,
            etat=E.TRANSMIS,
            subroge=previous.subroge,
            numero_depot=previous.numero_depot,
            of_etablissement_id=previous.of_etablissement_id,
            entreprise_id=previous.entreprise_id,
            donnees=new_payload,
            version_precedente=previous,
            npec_annuel=demandes.npec.montant if demandes is not None and demandes.npec else previous.npec_annuel,
            npec_source=demandes.npec.source if demandes is not None and demandes.npec else previous.npec_source,
            created_at=now,
            updated_at=now,
            transmitted_at=now,
            created_by_id=actor.user_id,
            **_summary(new_payload),
        )
        avenant.save()
        # The amounts requested are those of the amended CERFA (the NPEC in force at the contract's
        # conclusion, prorated to its new length); natures it does not compute carry over. The OPCO
        # decides them again on the avenant.
        carried = {line.nature: line.montant_demande for line in previous.financements.all()}
        carried.update(requested)
        LigneFinancement.objects.bulk_create(
            LigneFinancement(dossier=avenant, nature=nature, montant_demande=amount)
            for nature, amount in carried.items()
        )
        log = log_transition(
            obj=avenant, actor=actor, name="deposer_avenant", source="", now=now, reason=motif, details=details
        )
        request_courriers(
            log=log,
            dossier=avenant,
            now=now,
            requests=dossier_courriers(avenant, TypeCourrier.ACCUSE_RECEPTION)[:1],
        )
    return avenant


def _check_rupture(date_rupture: date | None, motif: str, dossier: Dossier) -> None:
    problems = []
    if date_rupture is None:
        problems.append(Problem("date_rupture", "La date de rupture est obligatoire.", "obligatoire"))
    elif dossier.contrat_date_debut and date_rupture < dossier.contrat_date_debut:
        problems.append(Problem("date_rupture", "La date de rupture précède le début du contrat."))
    elif dossier.contrat_date_fin and date_rupture > dossier.contrat_date_fin:
        problems.append(Problem("date_rupture", "La date de rupture est postérieure à la fin du contrat."))
    if motif not in MOTIFS_RUPTURE:
        problems.append(Problem("motif", "Motif de rupture inconnu.", "inconnu"))
    invalid(problems)


INITIATEURS_RUPTURE = {"employeur": "L'employeur", "apprenti": "L'apprenti(e)", "commun": "D'un commun accord"}


def dossier_declare_rupture(
    *,
    actor: Actor,
    dossier_id: int,
    date_rupture: date | None,
    motif: str,
    commentaire: str = "",
    initiateur: str = "",
    formation_poursuivie: bool | None = None,
    now,
) -> Dossier:
    """Rupture: date, initiator, motif, and whether the apprentice goes on training at the CFA."""
    with transaction.atomic():
        dossier = lock_dossier(actor, dossier_id)
        name = "declarer_rupture" if not actor.is_opco else "enregistrer_rupture"
        ensure_dossier_action(actor, dossier, Action.DECLARER_RUPTURE if not actor.is_opco else name)
        _check_rupture(date_rupture, motif, dossier)
        problems = []
        if initiateur not in INITIATEURS_RUPTURE:
            problems.append(
                Problem("initiateur", "Indiquez qui rompt le contrat : employeur, apprenti ou commun.", "obligatoire")
            )
        if formation_poursuivie is None:
            problems.append(
                Problem("formation_poursuivie", "Indiquez si l'apprenti poursuit sa formation au CFA.", "obligatoire")
            )
        invalid(problems)
        source = fire(dossier, name, date_rupture=date_rupture, motif=motif)
        log = log_transition(
            obj=dossier,
            actor=actor,
            name=name,
            source=source,
            now=now,
            reason=commentaire,
            details={
                "date_rupture": date_rupture.isoformat(),
                "motif": motif,
                "motif_libelle": MOTIFS_RUPTURE[motif],
                "initiateur": initiateur,
                "initiateur_libelle": INITIATEURS_RUPTURE.get(initiateur, ""),
                "formation_poursuivie": formation_poursuivie,
            },
        )
        request_courriers(
            log=log, dossier=dossier, now=now, requests=dossier_courriers(dossier, TypeCourrier.RUPTURE, log.details)
        )
        echeances.recompute(
            dossier, actor=actor, now=now, motif=f"Rupture du contrat au {date_rupture:%d/%m/%Y} : prorata à cette date"
        )
    return dossier


# --- OPCO: registration of entreprise-deposited dossiers and instruction -------------------


def _require_opco(actor: Actor) -> None:
    if not actor.is_opco:
        raise Forbidden("Action réservée aux gestionnaires de l'OPCO.")


def dossier_register(
    *,
    actor: Actor,
    dispositif: str,
    of_etablissement_id: int,
    entreprise_id: int,
    subroge: bool,
    salarie: dict,
    formation: dict,
    contrat: dict,
    financements: dict[str, Decimal],
    numero_depot: str = "",
    donnees: dict | None = None,
    now,
) -> Dossier:
    """Register a dossier the entreprise deposited (professionnalisation, Pro-A, action de formation)."""
    _require_opco(actor)
    problems = []
    if dispositif not in {d.value for d in Dispositif} or dispositif == Dispositif.APPRENTISSAGE:
        problems.append(Problem("dispositif", "Dispositif invalide : seul l'OF dépose les contrats d'apprentissage."))
    if not Etablissement.objects.filter(pk=of_etablissement_id, est_organisme_formation=True, actif=True).exists():
        problems.append(Problem("of_etablissement", "Organisme de formation inconnu ou inactif."))
    if not Etablissement.objects.filter(pk=entreprise_id, est_entreprise=True, actif=True).exists():
        problems.append(Problem("entreprise", "Entreprise inconnue ou inactive."))
    for block, data in (("contrat", contrat), ("formation", formation)):
        debut, fin = data.get("date_debut"), data.get("date_fin")
        if debut and fin and fin < debut:
            problems.append(Problem(f"{block}.date_fin", "La date de fin précède la date de début."))
    if not financements:
        problems.append(Problem("financements", "Indiquez au moins un montant demandé.", "obligatoire"))
    problems += _check_amounts(financements, field="financements")
    invalid(problems)
    with transaction.atomic():
        dossier = Dossier(
            numero=next_numbers("dossier")[0],
            dispositif=dispositif,
            etat=INITIAL_DOSSIER_STATE[Dispositif(dispositif)],
            subroge=subroge,
            numero_depot=numero_depot,
            of_etablissement_id=of_etablissement_id,
            entreprise_id=entreprise_id,
            salarie_nom=salarie.get("nom", ""),
            salarie_prenom=salarie.get("prenom", ""),
            salarie_date_naissance=salarie.get("date_naissance"),
            formation_intitule=formation.get("intitule", ""),
            formation_rncp=formation.get("rncp", ""),
            formation_date_debut=formation.get("date_debut"),
            formation_date_fin=formation.get("date_fin"),
            contrat_date_debut=contrat.get("date_debut"),
            contrat_date_fin=contrat.get("date_fin"),
            donnees=donnees or {},
            created_at=now,
            updated_at=now,
            transmitted_at=now,
            created_by_id=actor.user_id,
        )
        dossier.save()
        LigneFinancement.objects.bulk_create(
            LigneFinancement(dossier=dossier, nature=nature, montant_demande=amount)
            for nature, amount in financements.items()
        )
        log = _log_creation(dossier, actor, now, "enregistrer")
        request_courriers(
            log=log, dossier=dossier, now=now, requests=dossier_courriers(dossier, TypeCourrier.ACCUSE_RECEPTION)
        )
    return dossier


def _check_amounts(amounts: dict[str, Decimal], *, field: str) -> list[Problem]:
    problems = []
    natures = {n.value for n in NatureFinancement}
    for nature, amount in amounts.items():
        if nature not in natures:
            problems.append(Problem(f"{field}.{nature}", "Nature de financement inconnue.", "inconnu"))
        elif amount is None or Decimal(amount) < 0:
            problems.append(Problem(f"{field}.{nature}", "Le montant doit être positif ou nul."))
    return problems


def _opco_transition(
    *,
    actor: Actor,
    dossier_id: int,
    name: str,
    now,
    reason: str = "",
    details: dict | None = None,
    courrier: str | None = None,
    before=None,
    after=None,
    **kwargs,
) -> Dossier:
    _require_opco(actor)
    with transaction.atomic():
        dossier = lock_dossier(actor, dossier_id)
        ensure_dossier_action(actor, dossier, name)
        if before is not None:
            before(dossier)
        dossier.updated_at = now
        source = fire(dossier, name, **kwargs)
        log = log_transition(
            obj=dossier, actor=actor, name=name, source=source, now=now, reason=reason, details=details
        )
        if courrier:
            request_courriers(
                log=log, dossier=dossier, now=now, requests=dossier_courriers(dossier, courrier, details or {})
            )
        _follow_avenant(dossier, actor, now)
        if after is not None:
            after(dossier)
    return dossier


def _follow_avenant(dossier: Dossier, actor: Actor, now) -> None:
    """The previous version of an avenant follows the avenant's outcome."""
    if not dossier.version_precedente_id:
        return
    if dossier.etat == E.ACCORDE:
        name = "remplacer_par_avenant"
    elif dossier.etat in (E.REFUSE, E.ANNULE):
        name = "abandonner_avenant"
    else:
        return
    previous = Dossier.objects.select_for_update().get(pk=dossier.version_precedente_id)
    if previous.etat != E.AVENANT_EN_COURS:
        return
    source = fire(previous, name)
    if name == "remplacer_par_avenant":
        # The échéancier follows the new version, with what was invoiced and paid on it.
        echeances.move_to_avenant(previous, dossier)
    log_transition(
        obj=previous,
        actor=actor,
        name=name,
        source=source,
        now=now,
        reason=f"Avenant {dossier.reference} : {E(dossier.etat).label.lower()}",
    )


def dossier_take_charge(*, actor: Actor, dossier_id: int, now) -> Dossier:
    return _opco_transition(actor=actor, dossier_id=dossier_id, name="prendre_en_charge", now=now)


def dossier_request_pieces(*, actor: Actor, dossier_id: int, pieces: list[str], commentaire: str = "", now) -> Dossier:
    problems = []
    if not pieces:
        problems.append(Problem("pieces", "Indiquez au moins une pièce attendue.", "obligatoire"))
    problems += [
        Problem("pieces", f"Pièce inconnue : {code}.", "inconnu") for code in unknown_codes(pieces, PIECES_DOSSIER)
    ]
    if "AUTRE" in pieces and not commentaire.strip():
        problems.append(Problem("commentaire", "Précisez la pièce attendue.", "obligatoire"))
    invalid(problems)
    details = {"pieces": [{"code": c, "libelle": PIECES_DOSSIER[c]} for c in pieces], "commentaire": commentaire}
    return _opco_transition(
        actor=actor,
        dossier_id=dossier_id,
        name="demander_pieces",
        now=now,
        reason=commentaire,
        details=details,
        courrier=TypeCourrier.DEMANDE_PIECES,
    )


def dossier_resume(*, actor: Actor, dossier_id: int, now) -> Dossier:
    return _opco_transition(actor=actor, dossier_id=dossier_id, name="reprendre_instruction", now=now)


def dossier_grant(
    *,
    actor: Actor,
    dossier_id: int,
    montants_pris_en_charge: dict[str, Decimal],
    commentaire: str = "",
    numero_depot: str = "",
    now,
) -> Dossier:
    """Accord: the amount taken in charge for each nature of the accord de financement (HT), and
    the N° de dépôt (DECA) when the contract has been deposited with the ministry."""
    invalid(_check_amounts(montants_pris_en_charge, field="montants_pris_en_charge"))
    if numero_depot:
        invalid(check_numero_deca(numero_depot, field="numero_depot"))
    if not montants_pris_en_charge:
        raise InvalidInput([Problem("montants_pris_en_charge", "Indiquez les montants pris en charge.", "obligatoire")])

    def write_amounts(dossier: Dossier) -> None:
        if numero_depot:
            dossier.numero_depot = numero_depot.upper()
        lines = {line.nature: line for line in dossier.financements.all()}
        for nature, amount in montants_pris_en_charge.items():
            line = lines.get(nature) or LigneFinancement(dossier=dossier, nature=nature, montant_demande=Decimal("0"))
            line.montant_pris_en_charge = Decimal(amount)
            line.save()

    details = {"montants_pris_en_charge": {k: str(v) for k, v in montants_pris_en_charge.items()}}
    # The accord of an avenant is announced by the avenant letter.
    is_avenant = Dossier.objects.filter(pk=dossier_id, version_precedente__isnull=False).exists()

    def schedule(dossier: Dossier) -> None:
        motif = "Accord de l'avenant" if is_avenant else "Accord de financement"
        echeances.recompute(dossier, actor=actor, now=now, motif=motif)

    return _opco_transition(
        actor=actor,
        dossier_id=dossier_id,
        name="accorder",
        now=now,
        reason=commentaire,
        details=details,
        courrier=TypeCourrier.AVENANT if is_avenant else TypeCourrier.ACCORD,
        before=write_amounts,
        after=schedule,
        decided_at=now,
    )


def dossier_refuse(*, actor: Actor, dossier_id: int, motif: str, explication: str, now) -> Dossier:
    problems = []
    if motif not in MOTIFS_REFUS_DOSSIER:
        problems.append(Problem("motif", "Motif de refus inconnu.", "inconnu"))
    if not explication.strip():
        problems.append(Problem("explication", "Un refus doit être motivé.", "obligatoire"))
    invalid(problems)
    details = {"motif": motif, "motif_libelle": MOTIFS_REFUS_DOSSIER[motif], "explication": explication}
    return _opco_transition(
        actor=actor,
        dossier_id=dossier_id,
        name="refuser",
        now=now,
        reason=explication,
        details=details,
        courrier=TypeCourrier.REFUS,
        decided_at=now,
    )


def dossier_cancel(*, actor: Actor, dossier_id: int, motif: str, now) -> Dossier:
    if not motif.strip():
        raise InvalidInput([Problem("motif", "Indiquez le motif de l'annulation.", "obligatoire")])
    return _opco_transition(
        actor=actor,
        dossier_id=dossier_id,
        name="annuler",
        now=now,
        reason=motif,
        details={"motif": motif},
        courrier=TypeCourrier.ANNULATION,
    )


def dossier_close(*, actor: Actor, dossier_id: int, now) -> Dossier:
    return _opco_transition(actor=actor, dossier_id=dossier_id, name="cloturer", now=now)
