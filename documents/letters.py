"""Courriers and the avis de paiement: domain objects → letter contexts, written for their reader.

What a letter says follows from its type, from the ``contexte`` the service recorded when it
requested it, and from who reads it: the organisme de formation follows the dossier on the
portal, the entreprise does not (its letter never points at the portal's buttons). Every date
a reader sees is written out (« 10 juillet 2026 »), every coded value by its label.

Reads models, never writes them, never decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from cases.models import (
    Courrier,
    Destinataire,
    Dossier,
    Facture,
    LigneFinancement,
    ModeReglement,
    NatureFinancement,
    Reglement,
    TypeCourrier,
)
from documents.contexts import Addressee, AvisPaiementContext, CourrierContext, Field, Sender, Table
from documents.errors import DocumentError
from documents.formats import format_date, format_date_long, format_montant, join_nonempty
from documents.mapping import _related, addressee, local_date, sender_from_settings
from rules.cerfa import get_path, parse_date
from rules.deadlines import DECISION_DELAY_DAYS, RELANCE_DELAYS, SILENCE_OUTCOME
from rules.lifecycles import Dispositif
from rules.motifs import MOTIFS_REFUS_DOSSIER, MOTIFS_REJET_FACTURE, MOTIFS_RUPTURE, PIECES_DOSSIER, PIECES_FACTURE

SALUTATION = "Madame, Monsieur,"
FORMULE = "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées."
_PIECE_LABELS = {**PIECES_FACTURE, **PIECES_DOSSIER}
_VOWELS = tuple("aeiouyhâàéèêëîïôûAEIOUYHÂÀÉÈÊËÎÏÔÛ")


# --- Small French helpers ----------------------------------------------------------------------


def de(noun: str) -> str:
    """« de contrat d'apprentissage », « d'action de formation » (elision before a vowel)."""
    return f"d'{noun}" if noun.startswith(_VOWELS) else f"de {noun}"


def dispositif_phrase(dossier: Dossier) -> str:
    """« contrat d'apprentissage », « action de formation », « Pro-A »: the label inside a sentence."""
    label = Dispositif(dossier.dispositif).label
    return label if any(c.isupper() for c in label[1:]) else label[0].lower() + label[1:]


def salarie_nom(dossier: Dossier) -> str:
    return join_nonempty([dossier.salarie_prenom, (dossier.salarie_nom or "").upper()])


def designation(dossier: Dossier, article: str = "le") -> str:
    """« le dossier n° 3866466.1 (contrat d'apprentissage de Léa MARTIN) »; ``article="du"`` after « de »."""
    who = salarie_nom(dossier)
    what = dispositif_phrase(dossier) + (f" {de(who)}" if who else "")
    return f"{article} dossier n° {dossier.reference} ({what})"


def _day(value) -> date | None:
    if isinstance(value, str):
        return parse_date(value)
    return local_date(value)


def _text(contexte: Mapping, key: str) -> str:
    value = contexte.get(key)
    return str(value).strip() if value not in (None, "") else ""


# --- Who reads the letter ------------------------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    """The addressee's point of view: the OF (on the portal) or the entreprise (off the portal)."""

    of: bool
    of_nom: str
    opco: Sender

    def contact(self) -> str:
        phrase = self.opco.contact_phrase
        return f"Pour toute question, vous pouvez nous joindre {phrase}." if phrase else ""

    def follow_up(self, what: str = "ce dossier") -> str:
        if self.of:
            return f"Vous pouvez suivre {what} et retrouver l'ensemble de vos courriers sur le portail de l'OPCO."
        phrase = self.opco.contact_phrase
        return join_nonempty(
            [
                f"L'organisme de formation {self.of_nom} suit ce dossier avec nous." if self.of_nom else "",
                f"Pour toute question, vous pouvez nous joindre {phrase}, en rappelant le numéro du dossier."
                if phrase
                else "",
            ]
        )

    def send_pieces(self, *, on_facture: bool = False) -> str:
        if self.of:
            if on_facture:
                return (
                    "Déposez-les sur le portail, depuis la facture (bouton « Déposer une pièce complémentaire "
                    "à la facture »)."
                )
            return "Déposez-les sur le portail, depuis le dossier (bouton « Ajouter une pièce jointe »)."
        via_of = f"à l'organisme de formation {self.of_nom}, qui les déposera sur le dossier" if self.of_nom else ""
        direct = f"à {self.opco.email}" if self.opco.email else ""
        ways = ", ou adressez-les-nous ".join(p for p in (via_of, direct) if p)
        return f"Remettez-les {ways}, en rappelant le numéro du dossier." if ways else ""


# --- Tables --------------------------------------------------------------------------------------


def piece_label(piece) -> str:
    """The label of a requested pièce, never its internal code."""
    if isinstance(piece, Mapping):
        label, code = str(piece.get("libelle") or "").strip(), str(piece.get("code") or "").strip()
    else:
        label, code = "", str(piece or "").strip()
    if label and label != code:
        return label
    return _PIECE_LABELS.get(code.upper(), "Pièce complémentaire (voir les précisions ci-dessous)")


def pieces_table(pieces: Iterable) -> Table | None:
    rows = tuple((piece_label(p),) for p in pieces or () if p)
    return Table(headers=("Pièces attendues",), rows=rows) if rows else None


def financement_table(lines: Iterable[LigneFinancement]) -> Table | None:
    order = list(NatureFinancement.values)
    lines = sorted(lines, key=lambda line: order.index(line.nature) if line.nature in order else 99)
    if not lines:
        return None
    rows = []
    total_demande, total_pec = Decimal("0"), Decimal("0")
    for line in lines:
        label = NatureFinancement(line.nature).label if line.nature in order else "Autre financement"
        pec = line.montant_pris_en_charge
        rows.append((label, format_montant(line.montant_demande), format_montant(pec) if pec is not None else "—"))
        total_demande += line.montant_demande or Decimal("0")
        total_pec += pec or Decimal("0")
    return Table(
        headers=("Nature (montants HT)", "Demandé", "Pris en charge"),
        rows=tuple(rows),
        total=("Total", format_montant(total_demande), format_montant(total_pec)),
        numeric=(1, 2),
    )


def reglement_factures_table(reglement: Reglement) -> Table:
    rows = []
    for ligne in reglement.lignes.select_related("facture", "dossier").order_by("facture__numero"):
        facture = ligne.facture
        rows.append(
            (
                str(facture.numero),
                facture.reference,
                format_date(facture.date_facture),
                ligne.dossier.reference if ligne.dossier.numero else "",
                salarie_nom(ligne.dossier),
                format_montant(ligne.montant_ttc),
            )
        )
    return Table(
        headers=("Facture n°", "Référence", "Date de la facture", "N° du dossier", "Salarié(e)", "Montant TTC"),
        rows=tuple(rows),
        total=("Total", "", "", "", "", format_montant(reglement.montant_total_ttc)),
        numeric=(5,),
    )


def mode_label(mode: str) -> str:
    return ModeReglement(mode).label if mode in ModeReglement.values else "Règlement"


# --- References (the block under the date) ---------------------------------------------------------


def dossier_references(dossier: Dossier) -> list[Field]:
    refs = [
        Field("N° du dossier", dossier.reference if dossier.numero else ""),
        Field("N° de dépôt", dossier.numero_depot),
        Field("Dispositif", Dispositif(dossier.dispositif).label),
        Field("Salarié(e)", salarie_nom(dossier)),
        Field("Formation", dossier.formation_intitule),
    ]
    for label, etab in (
        ("Entreprise", _related(dossier, "entreprise")),
        ("Organisme de formation", _related(dossier, "of_etablissement")),
    ):
        if etab is not None:
            refs.append(Field(label, f"{etab.raison_sociale} (SIRET {etab.siret})"))
    return [r for r in refs if r.value]


def facture_references(facture: Facture) -> list[Field]:
    refs = [
        Field("Facture n°", str(facture.numero)),
        Field("Référence de la facture", facture.reference),
        Field("Date de la facture", format_date(facture.date_facture)),
        Field("Montant HT", format_montant(facture.montant_ht)),
        Field("Montant TTC", format_montant(facture.montant_ttc)),
    ]
    return refs + dossier_references(facture.dossier)


# --- The letters -----------------------------------------------------------------------------------


@dataclass
class _Letter:
    objet: str
    paragraphes: list[str]
    tableau: Table | None = None
    tableau_titre: str = ""
    apres: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Input:
    courrier: Courrier
    dossier: Dossier | None
    contexte: Mapping
    reader: Reader
    emission: date


def _commentaire(i: _Input) -> list[str]:
    commentaire = _text(i.contexte, "commentaire")
    return [f"Précisions du gestionnaire : {commentaire}"] if commentaire else []


def _decision_delay(dossier: Dossier) -> str:
    if Dispositif(dossier.dispositif) in SILENCE_OUTCOME:
        return (
            f"La décision de prise en charge intervient dans un délai de {DECISION_DELAY_DAYS} jours à compter de "
            "la réception du dossier complet."
        )
    return "Nous vous informerons par courrier de la décision de prise en charge."


def _letter_accuse(i: _Input) -> _Letter:
    dossier = i.dossier
    recu = format_date_long(_day(dossier.transmitted_at) or _day(dossier.created_at))
    if dossier.version > 1:
        objet = f"Accusé de réception de l'avenant n° {dossier.version - 1} au dossier {dossier.numero}"
        first = (
            f"Nous accusons réception, le {recu}, de l'avenant au dossier n° {dossier.numero} "
            f"({dispositif_phrase(dossier)}). Il est enregistré sous la référence {dossier.reference}."
        )
    else:
        objet = "Accusé de réception de votre dossier"
        first = (
            f"Nous accusons réception, le {recu}, du dossier {de(dispositif_phrase(dossier))}"
            + (f" de {salarie_nom(dossier)}" if salarie_nom(dossier) else "")
            + f". Il est enregistré sous le n° {dossier.reference} : merci de rappeler ce numéro dans toute "
            "correspondance."
        )
    second = (
        f"Nos services vont l'instruire. {_decision_delay(dossier)} Si une pièce manque, nous vous la demanderons "
        "par courrier."
    )
    return _Letter(objet, [first, second, i.reader.follow_up()])


def _answer_by(i: _Input, *, on_facture: bool) -> date:
    key = "facture" if on_facture else Dispositif(i.dossier.dispositif)
    return i.emission + timedelta(days=RELANCE_DELAYS[key])


def _letter_demande_pieces(i: _Input) -> _Letter:
    dossier = i.dossier
    deadline = format_date_long(_answer_by(i, on_facture=False))
    apres = _commentaire(i) + [
        f"Merci de nous faire parvenir ces pièces au plus tard le {deadline}. {i.reader.send_pieces()}",
        "L'instruction reprendra à leur réception"
        + (
            f" ; le délai de décision de {DECISION_DELAY_DAYS} jours court à compter de la réception du dossier "
            "complet."
            if Dispositif(dossier.dispositif) in SILENCE_OUTCOME
            else "."
        )
        + " Sans réponse à cette date, nous vous adresserons une relance.",
    ]
    return _Letter(
        "Demande de pièces complémentaires",
        [
            f"Après examen {designation(dossier, 'du')}, nous ne pouvons pas "
            "poursuivre son instruction en l'état : il nous manque les pièces suivantes."
        ],
        pieces_table(i.contexte.get("pieces")),
        "",
        apres,
    )


def _original_request(i: _Input) -> tuple[date | None, list, str]:
    """The date, pièces and comment of the demande de pièces a relance follows up: from the contexte
    recorded by the relance pass, else from the journal of the dossier or the facture."""
    ctx = i.contexte
    if ctx.get("pieces") or ctx.get("date_demande"):
        return _day(ctx.get("date_demande")), list(ctx.get("pieces") or []), _text(ctx, "commentaire")
    owner = i.courrier.facture if i.courrier.facture_id else i.dossier
    log = owner.journal.filter(transition="demander_pieces").order_by("-created_at", "-pk").first() if owner else None
    if log is None:
        return None, [], ""
    details = log.details or {}
    return _day(log.created_at), list(details.get("pieces") or []), str(details.get("commentaire") or "").strip()


def _letter_relance(i: _Input) -> _Letter:
    on_facture = bool(i.courrier.facture_id and not i.courrier.dossier_id)
    if on_facture:
        facture = i.courrier.facture
        sujet = f"la facture n° {facture.numero} (référence {facture.reference})"
    else:
        sujet = designation(i.dossier)
    asked_on, pieces, commentaire = _original_request(i)
    table = pieces_table(pieces)
    first = (
        f"Par courrier du {format_date_long(asked_on)}, nous vous avons demandé des pièces pour {sujet}."
        if asked_on
        else f"Nous vous avons demandé des pièces pour {sujet}."
    )
    first += " Sauf erreur de notre part, elles ne nous sont pas encore parvenues" + (
        " ; il s'agit des pièces suivantes." if table else "."
    )
    apres = [f"Précisions de la demande : {commentaire}"] if commentaire else []
    apres += [
        f"Merci de nous les faire parvenir dès que possible. {i.reader.send_pieces(on_facture=on_facture)}",
        "Sans ces pièces, l'instruction ne peut pas aboutir. Si vous les avez déjà envoyées, ne tenez pas compte "
        "de ce courrier.",
    ]
    rang = _text(i.contexte, "rang")
    objet = "Relance : pièces attendues" + (f" (relance n° {rang})" if rang else "")
    return _Letter(objet, [first], table, "", apres)


def _payment(i: _Input) -> str:
    dossier, reader = i.dossier, i.reader
    if dossier.subroge:
        if reader.of:
            return (
                "Le financement est versé directement à votre organisme (subrogation de paiement), sur présentation "
                "de vos factures déposées sur le portail, dans la limite des montants pris en charge."
            )
        of = f" {reader.of_nom}" if reader.of_nom else ""
        return (
            f"Le financement est versé directement à l'organisme de formation{of} (subrogation de paiement), sur "
            "présentation de ses factures, dans la limite des montants pris en charge : vous n'avez pas à avancer "
            "ces frais."
        )
    if reader.of:
        return (
            "Le financement est versé à l'entreprise sur présentation de ses justificatifs, dans la limite des "
            "montants pris en charge."
        )
    return (
        "Le financement vous est versé sur présentation de vos justificatifs (factures acquittées de l'organisme "
        "de formation), dans la limite des montants pris en charge."
    )


def _depot(dossier: Dossier) -> str:
    if dossier.dispositif == Dispositif.APPRENTISSAGE and dossier.numero_depot:
        return f"Le contrat est enregistré sous le N° de dépôt {dossier.numero_depot}."
    return ""


def _echeancier(i: _Input) -> list[str]:
    """The échéancier of an apprenticeship contract in words: when its first échéance may be invoiced and
    the employer's participation (what the employer pays, what the OPCO deducts)."""
    dossier = i.dossier
    echeances = list(dossier.echeances.order_by("numero")) if dossier.pk else []
    if not echeances:
        return []
    total = sum((e.montant_total for e in echeances), Decimal("0"))
    participation = dossier.participation_employeur or Decimal("0")
    first = echeances[0]
    plural = "s" if len(echeances) > 1 else ""
    opening = format_date_long(first.date_ouverture)
    lines = [
        f"L'échéancier du niveau de prise en charge compte {len(echeances)} échéance{plural} pour un engagement "
        f"de {format_montant(total + participation)} ; la première, {first.codification} "
        f"({format_montant(first.montant_total)}), peut être facturée à partir du {opening}."
    ]
    if participation:
        if i.reader.of:
            lines.append(
                f"La participation obligatoire de l'employeur ({format_montant(participation)}) est à lui facturer à "
                "l'issue des 45 premiers jours de formation pratique en entreprise ; elle est déduite de la première "
                "échéance versée par l'OPCO. Transmettez-nous une copie de cette facture."
            )
        else:
            lines.append(
                f"La certification visée relevant du niveau 6 ou plus, votre participation obligatoire de "
                f"{format_montant(participation)} vous sera facturée par le centre de formation à l'issue des 45 "
                "premiers jours de formation pratique en entreprise."
            )
    return lines


def _letter_accord(i: _Input) -> _Letter:
    dossier = i.dossier
    first = f"Nous avons le plaisir de vous informer que la prise en charge {designation(dossier, 'du')} est accordée."
    paragraphes = [first, _depot(dossier), "Les montants pris en charge (hors taxes) sont les suivants :"]
    table = financement_table(dossier.financements.all())
    if table is None:
        paragraphes.pop()
    return _Letter(
        "Accord de prise en charge",
        [p for p in paragraphes if p],
        table,
        "Accord de financement",
        [_payment(i), *_echeancier(i), *_commentaire(i), i.reader.follow_up()],
    )


def _recourse(opco: Sender) -> str:
    where = join_nonempty([opco.nom, ", ".join(opco.adresse)], ", ")
    return (
        f"Vous pouvez contester cette décision par un recours gracieux adressé par écrit à {where}, dans un délai "
        "de deux mois à compter de la réception de ce courrier, en joignant tout élément utile. Un recours "
        "contentieux peut être formé dans le même délai devant la juridiction compétente."
    )


def _motif(i: _Input, table: dict[str, str]) -> str:
    return _text(i.contexte, "motif_libelle") or table.get(_text(i.contexte, "motif"), "")


def _letter_refus(i: _Input) -> _Letter:
    dossier = i.dossier
    motif = _motif(i, MOTIFS_REFUS_DOSSIER)
    paragraphes = [
        f"Nous sommes au regret de vous informer que la demande de prise en charge "
        f"{designation(dossier, 'du')} ne peut pas être accordée.",
        f"Motif du refus : {motif}." if motif else "",
        _text(i.contexte, "explication"),
        _recourse(i.reader.opco),
        i.reader.contact(),
    ]
    return _Letter("Refus de prise en charge", [p for p in paragraphes if p])


def _letter_annulation(i: _Input) -> _Letter:
    dossier = i.dossier
    motif = _text(i.contexte, "motif_libelle") or _text(i.contexte, "motif")
    consequence = (
        "Aucune facture ne pourra plus être déposée sur ce dossier."
        if i.reader.of
        else "Aucune prise en charge ne sera versée au titre de ce dossier."
    )
    paragraphes = [
        f"Nous vous informons que {designation(dossier)} est annulé.",
        f"Motif de l'annulation : {motif}" + ("" if motif.endswith(".") else ".") if motif else "",
        consequence,
        i.reader.follow_up(),
    ]
    return _Letter("Annulation du dossier", [p for p in paragraphes if p])


def _letter_avenant(i: _Input) -> _Letter:
    dossier = i.dossier
    date_effet = format_date_long(
        _day(i.contexte.get("date_effet") or get_path(dossier.donnees or {}, "contrat.dateEffetAvenant"))
    )
    previous = dossier.version_precedente
    first = (
        f"Nous vous informons que l'avenant au dossier n° {dossier.numero} ({dispositif_phrase(dossier)}) est "
        f"accordé : la version {dossier.reference}"
    )
    first += f" remplace la version {previous.reference}" if previous is not None and previous.numero else ""
    first += f", à compter du {date_effet}." if date_effet else "."
    paragraphes = [first, _depot(dossier)]
    motif = _text(i.contexte, "motif")
    if motif:
        paragraphes.append(f"Objet de l'avenant : {motif}" + ("" if motif.endswith(".") else "."))
    table = financement_table(dossier.financements.all())
    if table is not None:
        paragraphes.append("L'accord de financement s'établit désormais comme suit (montants hors taxes) :")
    return _Letter(
        f"Avenant au dossier n° {dossier.numero}",
        [p for p in paragraphes if p],
        table,
        "Accord de financement",
        [i.reader.follow_up()],
    )


def _letter_rupture(i: _Input) -> _Letter:
    dossier = i.dossier
    date_rupture = format_date_long(_day(i.contexte.get("date_rupture")) or dossier.date_rupture)
    code = _text(i.contexte, "motif") or dossier.motif_rupture
    motif = _text(i.contexte, "motif_libelle") or MOTIFS_RUPTURE.get(code, "")
    if i.reader.of:
        frais = (
            "Les frais de formation engagés jusqu'à la rupture peuvent être facturés sur le portail, dans la limite "
            "de l'accord de financement."
        )
    else:
        frais = (
            "Les frais de formation engagés jusqu'à la rupture restent pris en charge, dans la limite de l'accord "
            "de financement, sur facture de l'organisme de formation."
        )
    paragraphes = [
        f"Nous prenons acte de la rupture du contrat {designation(dossier, 'du')}"
        + (f", à la date du {date_rupture}." if date_rupture else "."),
        f"Motif de la rupture : {motif}." if motif else "",
        f"La prise en charge prend fin à cette date. {frais}",
        i.reader.follow_up(),
    ]
    return _Letter("Prise en compte de la rupture du contrat", [p for p in paragraphes if p])


def _facture_phrase(facture: Facture) -> str:
    dated = format_date_long(facture.date_facture)
    return (
        f"votre facture n° {facture.numero} (référence {facture.reference}, du {dated}, "
        f"d'un montant de {format_montant(facture.montant_ttc)} TTC)"
    )


def _letter_facture_pieces(i: _Input) -> _Letter:
    facture = i.courrier.facture
    deadline = format_date_long(_answer_by(i, on_facture=True))
    apres = _commentaire(i) + [
        f"Merci de nous faire parvenir ces pièces au plus tard le {deadline}. "
        f"{i.reader.send_pieces(on_facture=True)} Le traitement de la facture reprendra à leur réception."
    ]
    return _Letter(
        f"Demande de pièces sur la facture n° {facture.numero}",
        [f"Nous ne pouvons pas traiter en l'état {_facture_phrase(facture)} : il nous manque les pièces suivantes."],
        pieces_table(i.contexte.get("pieces")),
        "",
        apres,
    )


def _letter_facture_rejet(i: _Input) -> _Letter:
    facture = i.courrier.facture
    motif = _motif(i, MOTIFS_REJET_FACTURE) or facture.motif_rejet
    paragraphes = [
        f"Nous vous informons que {_facture_phrase(facture)} est rejetée.",
        f"Motif du rejet : {motif}." if motif else "",
        _text(i.contexte, "explication"),
        "Vous pouvez déposer une facture rectifiée sur le portail." if i.reader.of else "",
        i.reader.contact(),
    ]
    return _Letter(f"Rejet de la facture n° {facture.numero}", [p for p in paragraphes if p])


def _letter_avis_paiement(i: _Input) -> _Letter:
    reglement = i.courrier.reglement
    return _Letter(
        f"Avis de paiement — règlement n° {reglement.numero}",
        [
            f"Nous vous informons du paiement, le {format_date_long(reglement.date_paiement)}, de la somme de "
            f"{format_montant(reglement.montant_total_ttc)} TTC ({mode_label(reglement.mode).lower()}, référence "
            f"{reglement.reference_virement}). Ce règlement solde les factures suivantes :"
        ],
        reglement_factures_table(reglement),
        "Factures réglées",
        [i.reader.follow_up("ce règlement") if i.reader.of else i.reader.contact()],
    )


_LETTERS = {
    TypeCourrier.ACCUSE_RECEPTION: _letter_accuse,
    TypeCourrier.DEMANDE_PIECES: _letter_demande_pieces,
    TypeCourrier.RELANCE: _letter_relance,
    TypeCourrier.ACCORD: _letter_accord,
    TypeCourrier.REFUS: _letter_refus,
    TypeCourrier.ANNULATION: _letter_annulation,
    TypeCourrier.AVENANT: _letter_avenant,
    TypeCourrier.RUPTURE: _letter_rupture,
    TypeCourrier.FACTURE_DEMANDE_PIECES: _letter_facture_pieces,
    TypeCourrier.FACTURE_REJET: _letter_facture_rejet,
    TypeCourrier.AVIS_PAIEMENT: _letter_avis_paiement,
}
_FACTURE_TYPES = {TypeCourrier.FACTURE_DEMANDE_PIECES, TypeCourrier.FACTURE_REJET}


def _dossier_of(courrier: Courrier) -> Dossier | None:
    if courrier.dossier_id:
        return courrier.dossier
    if courrier.facture_id:
        return courrier.facture.dossier
    return None


def _owner(courrier: Courrier):
    """The OF whose letter it is (the dossier's OF, the facture's émetteur, the règlement's bénéficiaire)."""
    return _related(courrier, "of_etablissement")


def lieu_date(opco: Sender, day: date) -> str:
    """« Sèvres, le 10 juillet 2026 » (« Le 10 juillet 2026 » without a place of issue)."""
    return f"{opco.lieu}, le {format_date_long(day)}" if opco.lieu else f"Le {format_date_long(day)}"


def courrier_context(courrier: Courrier, *, today: date | None = None, opco: Sender | None = None) -> CourrierContext:
    """The letter of a courrier of any :class:`~cases.models.TypeCourrier`, dated the day it is issued."""
    opco = opco or sender_from_settings()
    contexte = courrier.contexte if isinstance(courrier.contexte, Mapping) else {}
    emission = local_date(courrier.emis_at) or today or timezone.localdate()
    try:
        type_ = TypeCourrier(courrier.type)
    except ValueError:
        raise DocumentError(f"Type de courrier inconnu : « {courrier.type} ».") from None
    dossier = None
    if type_ == TypeCourrier.AVIS_PAIEMENT:
        if not courrier.reglement_id:
            raise DocumentError("Un avis de paiement doit être rattaché à un règlement.")
        reglement = courrier.reglement
        references = [
            Field("Règlement n°", reglement.numero),
            Field("Référence du virement", reglement.reference_virement),
            Field("Date de paiement", format_date(reglement.date_paiement)),
        ]
    else:
        if type_ in _FACTURE_TYPES and not courrier.facture_id:
            raise DocumentError(f"Le courrier « {type_.label} » doit être rattaché à une facture.")
        dossier = _dossier_of(courrier)
        if dossier is None:
            raise DocumentError(f"Le courrier « {type_.label} » doit être rattaché à un dossier ou à une facture.")
        references = facture_references(courrier.facture) if courrier.facture_id else dossier_references(dossier)
    owner = _owner(courrier)
    reader = Reader(
        of=courrier.destinataire != Destinataire.ENTREPRISE,
        of_nom=owner.raison_sociale if owner is not None else "",
        opco=opco,
    )
    letter = _LETTERS[type_](_Input(courrier, dossier, contexte, reader, emission))
    cible = "OF" if reader.of else "Entreprise"
    ref_doc = next((r.value for r in references if r.label in ("N° du dossier", "Règlement n°", "Facture n°")), "")
    return CourrierContext(
        type=type_.value,
        titre=type_.label,
        opco=opco,
        destinataire=addressee(courrier.destinataire_etablissement),
        date_emission=format_date(emission),
        lieu_date=lieu_date(opco, emission),
        references=tuple(references),
        objet=letter.objet,
        salutation=SALUTATION,
        paragraphes=tuple(p for p in letter.paragraphes if p),
        tableau=letter.tableau,
        tableau_titre=letter.tableau_titre,
        paragraphes_apres=tuple(p for p in letter.apres if p),
        formule=FORMULE,
        signature=(opco.signataire, opco.nom),
        document_titre=join_nonempty([type_.label, f"({cible})", ref_doc]),
    )


# --- Avis de paiement (« Imprimer » on a règlement) -------------------------------------------


def avis_paiement_context(
    reglement: Reglement, *, today: date | None = None, opco: Sender | None = None
) -> AvisPaiementContext:
    opco = opco or sender_from_settings()
    beneficiaire: Addressee = addressee(reglement.beneficiaire)
    contact = opco.contact_phrase
    return AvisPaiementContext(
        titre="Avis de paiement",
        opco=opco,
        numero=reglement.numero,
        date_paiement=format_date(reglement.date_paiement),
        beneficiaire=beneficiaire,
        transaction=(
            Field("Mode de règlement", mode_label(reglement.mode)),
            Field("Référence", reglement.reference_virement),
            Field("Date de paiement", format_date(reglement.date_paiement)),
            Field("Montant TTC", format_montant(reglement.montant_total_ttc)),
        ),
        factures=reglement_factures_table(reglement),
        date_edition=format_date(today or timezone.localdate()),
        document_titre=f"Règlement n° {reglement.numero}",
        mentions=(f"Pour toute question sur ce règlement, vous pouvez nous joindre {contact}.",) if contact else (),
    )
