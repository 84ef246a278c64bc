"""Domain objects → the dicts of the response schemas (no query here: selectors prefetch)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.utils import timezone

from accounts.models import ApiKey, Etablissement, Habilitation
from cases.journal import JournalEntry, journal_entries
from cases.models import (
    Courrier,
    Dossier,
    Facture,
    LigneFinancement,
    ModeReglement,
    NatureFinancement,
    Notification,
    PieceJointe,
)
from cases.queues import AT_RISK, LAPSED, SITUATIONS
from cases.selectors import FactureDetail, Labelled, PaiementRow, ReglementDetail
from cases.selectors_financement import EcheanceLigne, EcheancierVue
from cases.selectors_synthese import DossierSynthesis
from rules.actions import Droit, Role
from rules.lifecycles import (
    DISPOSITIF_LABELS,
    ETAT_DOSSIER_LABELS,
    ETAT_FACTURE_LABELS,
    Dispositif,
)

ROOT = "/api/v1"
MESSAGE_NOTIFICATION = "Un nouveau courrier a été déposé dans votre dossier."


def link(path: str, **params) -> str:
    query = {k: v for k, v in params.items() if v not in (None, "", ())}
    return f"{ROOT}{path}" + (f"?{urlencode(query, doseq=True)}" if query else "")


def etat_dossier_label(etat: str) -> str:
    return ETAT_DOSSIER_LABELS.get(etat, etat)


def etat_facture_label(etat: str) -> str:
    return ETAT_FACTURE_LABELS.get(etat, etat)


def etablissement_court(e: Etablissement | None) -> dict | None:
    if e is None:
        return None
    return {"id": e.pk, "siret": e.siret, "raison_sociale": e.raison_sociale}


def labelled(items: list[Labelled]) -> list[dict]:
    return [{"code": i.code, "libelle": i.libelle} for i in items]


# --- Dossiers ---------------------------------------------------------------------------------


def dossier_numero(d: Dossier) -> str | None:
    return d.reference if d.numero else None


def _reference(numero, version) -> str | None:
    return f"{numero}.{version}" if numero else None


def iso_moment(moment):
    """A datetime as the API's JSON encoder writes it (ECMA-262: milliseconds, « Z » for UTC), a date
    as ISO: done here for the rows of a list, so that encoding a page never calls back into Python."""
    if moment is None or not hasattr(moment, "hour"):
        return None if moment is None else moment.isoformat()
    text = moment.isoformat()
    if moment.microsecond:
        text = text[:23] + text[26:]
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def dossier_row(d: dict) -> dict:
    """A list row, from the selector's plain values."""
    entreprise = (
        {"id": d["entreprise_id"], "siret": d["entreprise__siret"], "raison_sociale": d["entreprise__raison_sociale"]}
        if d["entreprise_id"]
        else None
    )
    return {
        "id": d["id"],
        "numero": _reference(d["numero"], d["version"]),
        "dispositif": d["dispositif"],
        "etat": d["etat"],
        "etat_libelle": etat_dossier_label(d["etat"]),
        "subroge": d["subroge"],
        "nom": d["salarie_nom"],
        "prenom": d["salarie_prenom"],
        "etablissement": entreprise,
        "numero_deca": d["numero_depot"],
        "formation": d["formation_intitule"],
        "date_debut_contrat": iso_moment(d["contrat_date_debut"]),
        "date_fin_contrat": iso_moment(d["contrat_date_fin"]),
        "date_creation": iso_moment(d["created_at"]),
        "date_modification": iso_moment(d["updated_at"]),
        "lien": f"{ROOT}/dossiers/{d['id']}",
    }


def dossier_etat(d: Dossier) -> dict:
    return {
        "id": d.pk,
        "numero": dossier_numero(d),
        "etat": d.etat,
        "etat_libelle": etat_dossier_label(d.etat),
        "lien": link(f"/dossiers/{d.pk}"),
    }


def courrier_out(c: Courrier, *, reference: str | None = None) -> dict:
    if reference is None:
        reference = c.nom
    else:
        reference = f"{c.get_type_display()} ({c.get_destinataire_display()}) {reference}"
    return {
        "id": c.pk,
        "nom": reference,
        "type": c.type,
        "type_libelle": c.get_type_display(),
        "destinataire": c.destinataire,
        "date_emission": c.emis_at,
        "telechargement": link(f"/courriers/{c.pk}/fichier") if c.fichier else None,
    }


def piece_out(p: PieceJointe) -> dict:
    return {
        "id": p.pk,
        "nom": p.nom,
        "taille": p.taille,
        "date_envoi": p.uploaded_at,
        "telechargement": link(f"/pieces/{p.pk}/fichier"),
    }


def evenement_out(entry: JournalEntry) -> dict:
    return {
        "date": entry.date,
        "transition": entry.transition,
        "libelle": entry.libelle,
        "de": entry.de,
        "de_libelle": entry.de_libelle or entry.de,
        "vers": entry.vers,
        "vers_libelle": entry.vers_libelle,
        "acteur": entry.acteur,
        "canal": entry.canal,
        "motif": entry.motif,
        "details": entry.details,
    }


def _financement(line: LigneFinancement) -> dict:
    return {
        "nature": line.nature,
        "libelle": line.get_nature_display(),
        "montant_demande": line.montant_demande,
        "montant_pris_en_charge": line.montant_pris_en_charge,
    }


def echeance_out(line: EcheanceLigne) -> dict:
    e = line.echeance
    return {
        "numero": e.numero,
        "codification": e.codification,
        "libelle": line.libelle,
        "annee": e.annee,
        "nature": e.nature,
        "taux": e.taux,
        "date_ouverture": e.date_ouverture,
        "date_debut": e.date_debut,
        "date_fin": e.date_fin,
        "montant_total": e.montant_total,
        "montant_regle": e.montant_regle,
        "montant_en_instruction": e.montant_en_instruction,
        "reste_a_facturer": line.reste,
        "trop_percu": line.trop_percu,
        "statut": line.statut.value,
        "statut_libelle": line.statut.label,
    }


def echeancier_out(vue: EcheancierVue | None) -> dict | None:
    if vue is None:
        return None
    return {
        "regime": vue.regime,
        "regime_libelle": vue.regime_libelle,
        "npec_annuel": vue.npec_annuel,
        "npec_origine": vue.npec_origine,
        "engagement": vue.engagement,
        "participation_employeur": vue.participation,
        "total_echeances": vue.total,
        "montant_regle": vue.regle,
        "montant_en_instruction": vue.en_instruction,
        "a_facturer": vue.a_facturer,
        "a_venir": vue.a_venir,
        "trop_percu": vue.trop_percu,
        "echeances": [echeance_out(line) for line in vue.lignes],
    }


def echeance_a_facturer_out(line: EcheanceLigne) -> dict:
    d = line.echeance.dossier
    return {
        **echeance_out(line),
        "dossier": {"id": d.pk, "numero": dossier_numero(d)},
        "nom": d.salarie_nom,
        "prenom": d.salarie_prenom,
        "entreprise": d.entreprise.raison_sociale if d.entreprise_id else "",
        "deposer_facture": link(f"/dossiers/{d.pk}/factures"),
    }


def dossier_out(s: DossierSynthesis, *, viewer_is_opco: bool) -> dict:
    d = s.dossier
    of = d.of_etablissement
    entreprise = d.entreprise
    avenant_id = getattr(d, "avenant_pk", None)
    return {
        "id": d.pk,
        "numero": dossier_numero(d),
        "version": d.version,
        "dispositif": d.dispositif,
        "dispositif_libelle": DISPOSITIF_LABELS.get(d.dispositif, d.dispositif),
        "etat": d.etat,
        "etat_libelle": etat_dossier_label(d.etat),
        "subroge": d.subroge,
        "numero_depot": d.numero_depot,
        "organisme_formation": {
            "id": of.pk,
            "raison_sociale": of.raison_sociale,
            "siret": of.siret,
            "uai": of.uai,
            "nda": of.nda,
        },
        "entreprise": None
        if entreprise is None
        else {
            "id": entreprise.pk,
            "raison_sociale": entreprise.raison_sociale,
            "siret": entreprise.siret,
            "adresse": entreprise.adresse,
            "code_postal": entreprise.code_postal,
            "ville": entreprise.ville,
        },
        "salarie": {"nom": d.salarie_nom, "prenom": d.salarie_prenom, "date_naissance": d.salarie_date_naissance},
        "formation": {
            "intitule": d.formation_intitule,
            "rncp": d.formation_rncp,
            "date_debut": d.formation_date_debut,
            "date_fin": d.formation_date_fin,
        },
        "contrat": {
            "date_debut": d.contrat_date_debut,
            "date_fin": d.contrat_date_fin,
            "date_rupture": d.date_rupture,
            "motif_rupture": d.motif_rupture,
        },
        "accord_financement": {
            "lignes": [_financement(line) for line in s.financements],
            "total_demande": s.total_demande,
            "total_pris_en_charge": s.total_pris_en_charge,
        },
        "courriers": [courrier_out(c, reference=d.reference) for c in s.courriers],
        "factures": [facture_deposee_out(f) for f in s.factures],
        "pieces_jointes": [piece_out(p) for p in s.pieces],
        "actions": labelled(s.actions),
        "historique": [
            evenement_out(e) for e in journal_entries(s.journal, dispositif=d.dispositif, viewer_is_opco=viewer_is_opco)
        ],
        "commentaire": d.commentaire,
        "version_precedente_id": d.version_precedente_id,
        "avenant_id": avenant_id,
        "date_creation": d.created_at,
        "date_transmission": d.transmitted_at,
        "date_decision": d.decided_at,
        "cerfa": link(f"/dossiers/{d.pk}/cerfa"),
        "echeancier": echeancier_out(s.echeancier),
        "totaux": {
            "courriers": s.courriers_total,
            "factures": s.factures_total,
            "pieces_jointes": s.pieces_total,
            "historique": s.journal_total,
        },
        "voir_tout": {
            "courriers": link(f"/dossiers/{d.pk}/courriers"),
            "factures": link(f"/dossiers/{d.pk}/factures"),
            "pieces_jointes": link(f"/dossiers/{d.pk}/pieces"),
            "historique": link(f"/dossiers/{d.pk}/historique"),
        },
    }


def facture_deposee_out(f: Facture) -> dict:
    return {
        "id": f.pk,
        "numero": f.numero,
        "reference": f.reference,
        "nom_fichier": (f.fichier.name or "").rsplit("/", 1)[-1],
        "date_envoi": f.deposited_at,
        "etat": f.etat,
        "etat_libelle": etat_facture_label(f.etat),
        "lien": link(f"/factures/{f.pk}"),
    }


# --- Notifications -------------------------------------------------------------------------------


def notification_out(n: Notification) -> dict:
    c = n.courrier
    dossier = c.dossier
    destinataire = c.destinataire_etablissement
    if dossier is not None:
        reference = dossier.reference
    elif c.facture_id:
        reference = str(c.facture.numero)
    else:
        reference = c.reglement.numero
    return {
        "id": n.pk,
        "lue": n.read_at is not None,
        "date": n.created_at,
        "message": MESSAGE_NOTIFICATION,
        "numero_dossier": dossier_numero(dossier) if dossier is not None else None,
        "dossier_id": c.dossier_id,
        "dispositif": dossier.dispositif if dossier is not None else None,
        "facture_id": c.facture_id,
        "reglement_id": c.reglement_id,
        "courrier": courrier_out(c, reference=reference),
        "siret": destinataire.siret,
        "raison_sociale": destinataire.raison_sociale,
        "prenom_stagiaire": dossier.salarie_prenom if dossier is not None else "",
        "nom_stagiaire": dossier.salarie_nom if dossier is not None else "",
        "examiner": link(f"/notifications/{n.pk}/examiner"),
    }


# --- Factures ---------------------------------------------------------------------------------------


def dossier_court(d: Dossier) -> dict:
    return {"id": d.pk, "numero": dossier_numero(d)}


def facture_row(f: dict) -> dict:
    """A list row, from the selector's plain values."""
    return {
        "id": f["id"],
        "numero": f["numero"],
        "emetteur": {
            "id": f["emetteur_id"],
            "siret": f["emetteur__siret"],
            "raison_sociale": f["emetteur__raison_sociale"],
        },
        "reference": f["reference"],
        "etat": f["etat"],
        "etat_libelle": etat_facture_label(f["etat"]),
        "date_facture": f["date_facture"],
        "date_reception": f["deposited_at"],
        "montant_ht": f["montant_ht"],
        "montant_ttc": f["montant_ttc"],
        "dossier": {"id": f["dossier_id"], "numero": _reference(f["dossier__numero"], f["dossier__version"])},
        "echeances": f.get("echeances", []),
        "lien": f"{ROOT}/factures/{f['id']}",
    }


def facture_etat(f: Facture) -> dict:
    return {
        "id": f.pk,
        "numero": f.numero,
        "reference": f.reference,
        "etat": f.etat,
        "etat_libelle": etat_facture_label(f.etat),
        "lien": link(f"/factures/{f.pk}"),
    }


def facture_out(detail: FactureDetail) -> dict:
    f = detail.facture
    r = detail.reglement
    return {
        "id": f.pk,
        "numero": f.numero,
        "emetteur": etablissement_court(f.emetteur),
        "reference": f.reference,
        "etat": f.etat,
        "etat_libelle": etat_facture_label(f.etat),
        "date_facture": f.date_facture,
        "date_reception": f.deposited_at,
        "montant_ht": f.montant_ht,
        "montant_ttc": f.montant_ttc,
        "dossier": dossier_court(f.dossier),
        "commentaire": f.commentaire,
        "motif_rejet": f.motif_rejet,
        "fichier": link(f"/factures/{f.pk}/fichier"),
        "pieces_jointes": [piece_out(p) for p in detail.pieces],
        "actions": labelled(detail.actions),
        "reglement": None
        if r is None
        else {"id": r.pk, "numero": r.numero, "reference": r.reference_virement, "date_paiement": r.date_paiement},
        "lignes": [
            {
                "dossier": dossier_court(line.dossier),
                "nature": line.nature,
                "nature_libelle": line.get_nature_display(),
                "echeance": line.echeance.codification if line.echeance_id else None,
                "montant": line.montant,
                "quantite": line.quantite,
            }
            for line in detail.lignes
        ],
    }


# --- Paiements -----------------------------------------------------------------------------------


def paiement_row(row: PaiementRow) -> dict:
    return {
        "id": row.reglement_id,
        "numero": row.numero,
        "reference": row.reference,
        "beneficiaire": {
            "id": row.beneficiaire_id,
            "siret": row.beneficiaire_siret,
            "raison_sociale": row.beneficiaire_raison_sociale,
        },
        "date_paiement": row.date_paiement,
        "montant_total_ttc": row.montant_total_ttc,
        "dossier": {"id": row.dossier_id, "numero": row.dossier_numero},
        "montant_dossier_ttc": row.montant_dossier_ttc,
        "lien": link(f"/paiements/{row.reglement_id}"),
    }


def paiement_out(detail: ReglementDetail) -> dict:
    r = detail.reglement
    return {
        "id": r.pk,
        "numero": r.numero,
        "reference": r.reference_virement,
        "date_paiement": r.date_paiement,
        "mode": r.mode,
        "mode_libelle": ModeReglement(r.mode).label if r.mode in ModeReglement.values else r.mode,
        "montant_total_ttc": r.montant_total_ttc,
        "beneficiaire": etablissement_court(r.beneficiaire),
        "factures": [
            {
                "id": line.facture_id,
                "numero": line.facture.numero,
                "reference": line.facture.reference,
                "date_facture": line.facture.date_facture,
                "montant_ttc": line.montant_ttc,
                "dossier": dossier_court(line.dossier),
            }
            for line in detail.lignes
        ],
        "imprimer": link(f"/paiements/{r.pk}/avis"),
    }


# --- Habilitations ---------------------------------------------------------------------------------


def droits_out(droits) -> list[dict]:
    return [{"code": d.value, "libelle": d.label} for d in Droit if d in droits]


def habilitation_out(h: Habilitation) -> dict:
    return {
        "etablissement": etablissement_court(h.etablissement),
        "role": h.role,
        "role_libelle": Role(h.role).label,
        "principal": h.principal,
        "droits": droits_out(h.droits),
    }


def cle_out(key: ApiKey, now) -> dict:
    if key.revoked_at is not None:
        statut = "revoquee"
    elif key.expires_at <= now:
        statut = "expiree"
    else:
        statut = "active"
    return {
        "id": key.pk,
        "prefixe": f"{ApiKey.PREFIX}_{key.prefix}_…",
        "etablissement": etablissement_court(key.etablissement),
        "statut": statut,
        "creee_le": key.created_at,
        "expire_le": key.expires_at,
        "revoquee_le": key.revoked_at,
        "derniere_utilisation": key.last_used_at,
        "droits": droits_out(key.droits_set),
    }


# --- Back-office OPCO : files du gestionnaire, courriers en échec ------------------------------


def _queue_common(d: Dossier) -> dict:
    return {
        "id": d.pk,
        "numero": dossier_numero(d),
        "dispositif": d.dispositif,
        "dispositif_libelle": DISPOSITIF_LABELS[Dispositif(d.dispositif)],
        "etat": d.etat,
        "etat_libelle": etat_dossier_label(d.etat),
        "salarie": f"{d.salarie_prenom} {d.salarie_nom}".strip(),
        "organisme_formation": etablissement_court(d.of_etablissement),
        "entreprise": etablissement_court(d.entreprise),
        "lien": link(f"/dossiers/{d.pk}"),
    }


def dossier_relance_row(d: Dossier) -> dict:
    return {
        **_queue_common(d),
        "date_demande_pieces": d.demande_at,
        "relances": d.relances,
        "date_derniere_relance": d.derniere_relance_at,
    }


def delai_decision_row(d: Dossier, clock) -> dict:
    situation = LAPSED if clock.lapsed else AT_RISK
    return {
        **_queue_common(d),
        "complet_depuis": timezone.localdate(d.complete_since),
        "echeance": clock.deadline,
        "jours_restants": clock.days_left,
        "situation": situation,
        "situation_libelle": SITUATIONS[situation],
        "issue_du_silence": clock.outcome_if_silent,
    }


def courrier_suivi_out(c: Courrier) -> dict:
    if c.dossier_id:
        objet = link(f"/dossiers/{c.dossier_id}")
    elif c.facture_id:
        objet = link(f"/factures/{c.facture_id}")
    else:
        objet = link(f"/paiements/{c.reglement_id}")
    return {
        "id": c.pk,
        "nom": c.nom,
        "type": c.type,
        "type_libelle": c.get_type_display(),
        "destinataire": c.destinataire,
        "statut": c.statut,
        "statut_libelle": c.get_statut_display(),
        "tentatives": c.tentatives,
        "erreur": c.erreur,
        "date_demande": c.created_at,
        "organisme_formation": etablissement_court(c.of_etablissement),
        "lien_objet": objet,
    }


# --- The apprenticeship form: verification ----------------------------------------------------------


def periode_out(period) -> dict:
    from rules.remuneration import salaire_brut

    return {
        "ordre": period.ordre,
        "date_debut": period.date_debut,
        "date_fin": period.date_fin,
        "annee": period.contract_year,
        "age": period.age,
        "taux_minimal": period.taux_minimal,
        "taux": period.taux,
        "type_salaire": period.type_salaire,
        "base": period.base,
        "salaire_brut_minimal": salaire_brut(period.base, period.taux_minimal) if period.base is not None else None,
        "salaire_brut": period.salaire_brut,
    }


def financement_demande_out(demandes) -> dict | None:
    if demandes is None:
        return None
    labels = dict(NatureFinancement.choices)
    origine = ""
    if demandes.npec is not None:
        origine = "niveau d'amorçage" if demandes.npec.source == "amorcage" else "référentiel des NPEC"
    return {
        "npec_annuel": demandes.npec.montant if demandes.npec is not None else None,
        "npec_origine": origine,
        "lignes": [
            {"nature": k, "libelle": labels.get(k, k), "montant_demande": v, "montant_pris_en_charge": None}
            for k, v in demandes.par_nature.items()
        ],
        "total_demande": demandes.total,
    }


def verification_out(verdict, demandes) -> dict:
    periods = list(verdict.remuneration)
    first = periods[0] if periods else None
    return {
        "valide": verdict.is_valid,
        "complet": verdict.is_complete,
        "completude": verdict.completeness,
        "blocs": [b.as_dict() for b in verdict.blocks],
        "erreurs": [p.as_dict() for p in verdict.problems],
        "remuneration": [periode_out(p) for p in periods],
        "salaire_embauche": first.salaire_brut if first is not None else None,
        "financement": financement_demande_out(demandes),
    }
