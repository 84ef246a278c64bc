"""Small worlds shared by the API and portal tests: an OF (the guide's OF GENERIQUE) with an
administrator, a gestionnaire, a key and dossiers of every dispositif, factures, a règlement,
courriers, notifications and a pièce; the same for another OF."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile

from accounts.models import ApiKey, Etablissement, User
from cases.models import (
    Courrier,
    Destinataire,
    Dossier,
    Facture,
    LigneReglement,
    Notification,
    PieceJointe,
    Reglement,
    StatutCourrier,
    TransitionLog,
    TypeCourrier,
)
from tests.factories import NOW, PDF_BYTES, DossierFactory, EtablissementFactory, FactureFactory, of_user


@dataclass
class Tenant:
    etab: Etablissement
    entreprise: Etablissement
    admin: User
    gestionnaire: User
    key: str
    key_obj: ApiKey
    dossier: Dossier  # apprentissage, accordé, subrogé
    brouillon: Dossier
    pro: Dossier
    en_attente: Dossier
    facture: Facture
    paid: Facture
    reglement: Reglement
    courrier: Courrier
    notification: Notification
    piece: PieceJointe


def make_key(etab: Etablissement, user: User | None = None, *, now=NOW) -> tuple[ApiKey, str]:
    key, raw = ApiKey.build(etablissement=etab, created_by=user, now=now)
    key.save()
    return key, raw


_cle = itertools.count(1)


def make_courrier(dossier: Dossier, *, type_=TypeCourrier.ACCORD, destinataire=Destinataire.OF) -> Courrier:
    dest = dossier.of_etablissement if destinataire == Destinataire.OF else dossier.entreprise
    courrier = Courrier(
        cle=f"test:{next(_cle)}",
        type=type_,
        destinataire=destinataire,
        destinataire_etablissement=dest,
        of_etablissement=dossier.of_etablissement,
        dossier=dossier,
        statut=StatutCourrier.EMIS,
        created_at=NOW,
        emis_at=NOW,
    )
    courrier.fichier.save(f"{type_}-{destinataire}.pdf", ContentFile(PDF_BYTES), save=False)
    courrier.save()
    return courrier


def crowd(dossier: Dossier, n: int, *, pieces: bool = False) -> None:
    """``n`` more factures, courriers, journal entries (« événement 0 » … the latest last) and, with
    ``pieces``, pièces jointes on ``dossier``: what makes a synthesis grow."""
    FactureFactory.create_batch(n, dossier=dossier)
    for i in range(n):
        make_courrier(dossier)
        TransitionLog.objects.create(
            dossier=dossier,
            transition="demander_pieces",
            source="en_cours_de_traitement",
            target="en_attente_de_pieces",
            actor_label=f"événement {i}",
            channel="api",
            created_at=NOW + timedelta(minutes=i),
        )
        if pieces:
            PieceJointe.objects.create(
                dossier=dossier, nom=f"piece-{i}.pdf", taille=10, uploaded_at=NOW, fichier="x.pdf"
            )


_reglement = itertools.count(1)


def make_reglement(facture: Facture) -> Reglement:
    numero = f"{next(_reglement):07d}"
    reglement = Reglement.objects.create(
        numero=numero,
        reference_virement=f"VIR/{numero}",
        date_paiement=date(2026, 11, 15),
        beneficiaire=facture.emetteur,
        montant_total_ttc=facture.montant_ttc,
        created_at=NOW,
    )
    LigneReglement.objects.create(
        reglement=reglement, facture=facture, dossier=facture.dossier, montant_ttc=facture.montant_ttc
    )
    return reglement


def make_tenant(name: str) -> Tenant:
    etab = EtablissementFactory(raison_sociale=name)
    entreprise = EtablissementFactory(entreprise=True, raison_sociale=f"ENTREPRISE DE {name}")
    admin, _ = of_user(etab, admin=True)
    gestionnaire, _ = of_user(etab)
    key_obj, key = make_key(etab, admin)
    dossier = DossierFactory(of_etablissement=etab, entreprise=entreprise, accorde=True, numero_depot="076202209037237")
    brouillon = DossierFactory(of_etablissement=etab, entreprise=entreprise, brouillon=True)
    pro = DossierFactory(of_etablissement=etab, entreprise=entreprise, pro=True, en_cours=True)
    en_attente = DossierFactory(of_etablissement=etab, entreprise=entreprise, en_attente=True, salarie_nom="DURAND")
    facture = FactureFactory(dossier=dossier, montant_ttc=Decimal("3262.00"))
    paid = FactureFactory(dossier=dossier, etat="payee", montant_ttc=Decimal("378.00"), montant_ht=Decimal("378.00"))
    reglement = make_reglement(paid)
    courrier = make_courrier(dossier)
    make_courrier(dossier, destinataire=Destinataire.ENTREPRISE)
    notification = Notification.objects.create(user=gestionnaire, courrier=courrier, created_at=NOW)
    Notification.objects.create(user=admin, courrier=courrier, created_at=NOW)
    piece = PieceJointe(dossier=dossier, nom="convention.pdf", taille=len(PDF_BYTES), uploaded_at=NOW)
    piece.fichier.save("convention.pdf", ContentFile(PDF_BYTES), save=False)
    piece.save()
    return Tenant(
        etab=etab,
        entreprise=entreprise,
        admin=admin,
        gestionnaire=gestionnaire,
        key=key,
        key_obj=key_obj,
        dossier=dossier,
        brouillon=brouillon,
        pro=pro,
        en_attente=en_attente,
        facture=facture,
        paid=paid,
        reglement=reglement,
        courrier=courrier,
        notification=notification,
        piece=piece,
    )
