"""Factories with one trait per business situation."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone

from accounts.actors import Actor, Channel
from accounts.models import Etablissement, Habilitation, User
from cases.models import Dossier, Facture, LigneFinancement, NatureFinancement
from rules.actions import Role
from rules.cerfa import example_payload
from rules.identifiers import luhn_complete, uai_complete
from rules.lifecycles import Dispositif, EtatDossier, EtatFacture

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
_siren_seq = itertools.count(100_000)


def new_siret() -> str:
    siren = luhn_complete(f"{next(_siren_seq):08d}")
    return luhn_complete(siren + "0001")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"utilisateur{n}@exemple.fr")
    nom = factory.Sequence(lambda n: f"Nom{n}")
    prenom = "Camille"
    sexe = "F"
    password = factory.PostGenerationMethodCall("set_password", "motdepasse-solide-42")

    class Params:
        opco = factory.Trait(
            is_opco_gestionnaire=True, is_staff=True, email=factory.Sequence(lambda n: f"gest{n}@opco.fr")
        )

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class EtablissementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Etablissement

    siret = factory.LazyFunction(new_siret)
    raison_sociale = factory.Sequence(lambda n: f"ORGANISME {n}")
    adresse = "1 rue de la Formation"
    code_postal = "92310"
    ville = "SEVRES"
    est_organisme_formation = True
    uai = factory.Sequence(lambda n: uai_complete(f"{70000 + n:07d}"))

    class Params:
        entreprise = factory.Trait(
            est_organisme_formation=False,
            est_entreprise=True,
            uai="",
            raison_sociale=factory.Sequence(lambda n: f"ENTREPRISE {n}"),
            naf="4932Z",
            idcc="1090",
            type_employeur=16,
        )
        public = factory.Trait(
            est_organisme_formation=False,
            est_entreprise=True,
            uai="",
            type_employeur=22,
            employeur_public=True,
            raison_sociale=factory.Sequence(lambda n: f"COMMUNE {n}"),
        )


class HabilitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Habilitation
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    etablissement = factory.SubFactory(EtablissementFactory)
    role = Role.GESTIONNAIRE_OF
    principal = True

    @factory.post_generation
    def droits(obj, create, extracted, **kwargs):  # noqa: N805
        obj.apply_default_droits()
        if extracted is not None:
            for name in (
                "saisir_contrats",
                "deposer_pieces",
                "deposer_factures",
                "consulter_reglements",
                "gerer_utilisateurs",
                "gerer_cles",
            ):
                setattr(obj, name, name in extracted)
        if create:
            obj.save()

    class Params:
        admin = factory.Trait(role=Role.ADMIN_OF)


def cerfa_payload(*, employeur: Etablissement, of: Etablissement, complete: bool = True) -> dict:
    """A CERFA: complete and valid on NOW (from rules.cerfa.example_payload), or the draft minimum."""
    if complete:
        return example_payload(employeur.siret, of.siret, NOW.date(), uai=of.uai or None)
    return {"employeur": {"siret": employeur.siret}, "organismeFormation": {"siret": of.siret}}


_numero = itertools.count(3_900_000)


class DossierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dossier
        skip_postgeneration_save = True

    dispositif = Dispositif.APPRENTISSAGE
    etat = EtatDossier.TRANSMIS
    numero = factory.LazyAttribute(lambda o: None if o.etat == EtatDossier.BROUILLON else next(_numero))
    subroge = True
    of_etablissement = factory.SubFactory(EtablissementFactory)
    entreprise = factory.SubFactory(EtablissementFactory, entreprise=True)
    salarie_nom = "MARTIN"
    salarie_prenom = "Léa"
    salarie_date_naissance = date(2005, 3, 14)
    formation_intitule = "AMBULANCIER (DIPLOME D'ETAT)"
    formation_date_debut = date(2026, 9, 14)
    formation_date_fin = date(2027, 6, 30)
    contrat_date_debut = date(2026, 9, 7)
    contrat_date_fin = date(2027, 8, 31)
    created_at = factory.LazyFunction(lambda: NOW)
    updated_at = factory.LazyFunction(lambda: NOW)
    donnees = factory.LazyAttribute(lambda o: cerfa_payload(employeur=o.entreprise, of=o.of_etablissement))

    class Params:
        brouillon = factory.Trait(etat=EtatDossier.BROUILLON)
        en_cours = factory.Trait(etat=EtatDossier.EN_COURS)
        en_attente = factory.Trait(etat=EtatDossier.EN_ATTENTE_PIECES)
        accorde = factory.Trait(etat=EtatDossier.ACCORDE, numero_depot="092202611000123")
        non_subroge = factory.Trait(subroge=False)
        pro = factory.Trait(dispositif=Dispositif.PROFESSIONNALISATION, donnees={})
        pro_a = factory.Trait(dispositif=Dispositif.PRO_A, donnees={})
        action = factory.Trait(dispositif=Dispositif.ACTION_FORMATION, donnees={})

    @factory.post_generation
    def financement(obj, create, extracted, **kwargs):  # noqa: N805
        if create and extracted is not False and obj.etat != EtatDossier.BROUILLON:
            nature = (
                NatureFinancement.NPEC
                if obj.dispositif == Dispositif.APPRENTISSAGE
                else NatureFinancement.COUT_PEDAGOGIQUE
            )
            accorde = obj.etat in (EtatDossier.ACCORDE,)
            LigneFinancement.objects.create(
                dossier=obj,
                nature=nature,
                montant_demande=Decimal("6795.83"),
                montant_pris_en_charge=Decimal("6795.83") if accorde else None,
            )


_facture_numero = itertools.count(2_500_000)


def _blank_pdf() -> bytes:
    """A real one-page PDF (uploads are parsed: a mere « %PDF- » header is refused as damaged)."""
    from io import BytesIO

    from pypdf import PdfWriter

    writer, out = PdfWriter(), BytesIO()
    writer.add_blank_page(width=595, height=842)
    writer.write(out)
    return out.getvalue()


PDF_BYTES = _blank_pdf()


class FactureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facture

    numero = factory.LazyFunction(lambda: next(_facture_numero))
    dossier = factory.SubFactory(DossierFactory, accorde=True)
    emetteur = factory.LazyAttribute(lambda o: o.dossier.of_etablissement)
    reference = factory.Sequence(lambda n: f"FAC-{n:05d}")
    date_facture = date(2026, 11, 2)
    montant_ht = Decimal("3262.00")
    montant_ttc = Decimal("3262.00")
    etat = EtatFacture.DEPOSEE
    fichier = factory.django.FileField(filename="facture.pdf", data=PDF_BYTES)
    deposited_at = factory.LazyFunction(lambda: NOW)
    updated_at = factory.LazyFunction(lambda: NOW)

    class Params:
        en_cours = factory.Trait(etat=EtatFacture.EN_COURS)
        validee = factory.Trait(etat=EtatFacture.VALIDEE)


def actor_for(user: User, channel: Channel = Channel.API) -> Actor:
    return Actor.for_user(user, channel=channel)


def of_user(
    etablissement: Etablissement | None = None, *, admin: bool = False, droits=None
) -> tuple[User, Etablissement]:
    """A user habilitated on one OF établissement (created when not given)."""
    habilitation = HabilitationFactory(
        etablissement=etablissement or EtablissementFactory(),
        role=Role.ADMIN_OF if admin else Role.GESTIONNAIRE_OF,
        droits=droits,
    )
    return habilitation.user, habilitation.etablissement


def aware(days: int = 0) -> datetime:
    return NOW + timedelta(days=days)


def today() -> date:
    return timezone.localdate(NOW)
