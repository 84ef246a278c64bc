"""Mes habilitations: utilisateurs, établissements, clés d'authentification."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Header, Query, Router, Status

from accounts.services import (
    HabilitationInput,
    UserInput,
    api_key_generate,
    api_key_list,
    api_key_revoke,
    etablissement_list,
    etablissement_update,
    invitation_cancel,
    invitation_create,
    invitation_resend,
    invitations_pending,
    user_get,
    user_list,
    user_update,
)
from api.auth import actor_of
from api.common import CONTEXT_DESCRIPTION, context, now, paging
from api.errors import errors
from api.presenters import cle_out, etablissement_court, habilitation_out
from api.schemas import (
    CleGenereeOut,
    CleIn,
    CleOut,
    EtablissementContactIn,
    EtablissementLigneOut,
    EtablissementOut,
    InvitationOut,
    PageOut,
    UtilisateurIn,
    UtilisateurLigneOut,
    UtilisateurOut,
)
from cases.selectors import etablissement_context, etablissement_get
from rules.actions import Droit, Role

router = Router(tags=["Mes habilitations"])


def _user_out(user, habilitations) -> dict:
    return {
        "id": user.pk,
        "email": user.email,
        "nom": user.nom,
        "prenom": user.prenom,
        "sexe": user.sexe,
        "actif": user.is_active,
        "etablissements": [habilitation_out(h) for h in habilitations],
    }


def _user_input(data: UtilisateurIn) -> UserInput:
    return UserInput(
        email=data.email,
        nom=data.nom,
        prenom=data.prenom,
        sexe=data.sexe,
        actif=data.actif,
        habilitations=tuple(
            HabilitationInput(
                etablissement_id=h.etablissement_id,
                role=h.role,
                droits=None if h.droits is None else tuple(h.droits),
                principal=h.principal,
            )
            for h in data.habilitations
        ),
    )


@router.get(
    "/habilitations/utilisateurs",
    response={200: PageOut[UtilisateurLigneOut], **errors(401, 403, 404, 422, 429)},
    summary="Utilisateurs de l'établissement (recherche par e-mail, nom, prénom)",
)
def utilisateurs(
    request: HttpRequest,
    q: str | None = Query(None, description="E-mail, nom ou prénom (contient)"),
    page: int = Query(1, ge=1),
    taille: int = Query(10, ge=1, le=100),
    etablissement: int | None = Query(None, description=CONTEXT_DESCRIPTION),
    x_etablissement: int | None = Header(None, alias="X-ETABLISSEMENT", description=CONTEXT_DESCRIPTION),
):
    actor = actor_of(request)
    etab = etablissement_context(actor=actor, etablissement_id=context(etablissement, x_etablissement))
    result = user_list(actor=actor, etablissement_id=etab, q=q, page=paging(page, taille))
    return {
        "total": result.total,
        "page": result.page,
        "taille": result.taille,
        "elements": [
            {
                "id": h.user_id,
                "email": h.user.email,
                "nom": h.user.nom,
                "prenom": h.user.prenom,
                "actif": h.user.is_active,
                "role": h.role,
                "role_libelle": Role(h.role).label,
            }
            for h in result.items
        ],
    }


@router.get(
    "/habilitations/utilisateurs/{int:user_id}",
    response={200: UtilisateurOut, **errors(401, 403, 404, 429)},
    summary="Voir l'utilisateur et ses établissements (les vôtres)",
)
def utilisateur(request: HttpRequest, user_id: int):
    user, habilitations = user_get(actor=actor_of(request), user_id=user_id)
    return _user_out(user, habilitations)


def _invitation_out(invitation, *, moment, email_sent: bool | None = None) -> dict:
    return {
        "id": invitation.pk,
        "email": invitation.email,
        "nom": invitation.nom,
        "prenom": invitation.prenom,
        "statut": invitation.status(moment),
        "envoyee_le": invitation.created_at,
        "expire_le": invitation.expires_at,
        "email_envoye": email_sent,
        "etablissements": [
            {
                "etablissement": etablissement_court(h.etablissement),
                "role": h.role,
                "role_libelle": Role(h.role).label,
                "droits": [{"code": d, "libelle": Droit(d).label} for d in h.droits],
            }
            for h in invitation.habilitations.all()
        ],
    }


@router.post(
    "/habilitations/utilisateurs",
    response={201: InvitationOut, **errors(401, 403, 404, 409, 422, 429)},
    summary="Inviter un utilisateur (administrateurs OF ; sur leurs établissements)",
    description="La personne reçoit un lien à usage unique, valable 7 jours : elle choisit son mot de passe "
    "(ou se connecte si elle a déjà un compte) et les habilitations n'existent qu'une fois l'invitation acceptée. "
    "La réponse est la même que l'adresse ait déjà un compte ou non.",
)
def utilisateur_create(request: HttpRequest, data: UtilisateurIn):
    moment = now()
    sent = invitation_create(actor=actor_of(request), data=_user_input(data), now=moment)
    return Status(201, _invitation_out(sent.invitation, moment=moment, email_sent=sent.email_sent))


@router.get(
    "/habilitations/invitations",
    response={200: list[InvitationOut], **errors(401, 403, 404, 422, 429)},
    summary="Invitations en attente de l'établissement",
)
def invitations(
    request: HttpRequest,
    etablissement: int | None = Query(None, description=CONTEXT_DESCRIPTION),
    x_etablissement: int | None = Header(None, alias="X-ETABLISSEMENT", description=CONTEXT_DESCRIPTION),
):
    actor = actor_of(request)
    etab = etablissement_context(actor=actor, etablissement_id=context(etablissement, x_etablissement))
    moment = now()
    return [
        _invitation_out(i, moment=moment) for i in invitations_pending(actor=actor, etablissement_id=etab, now=moment)
    ]


@router.post(
    "/habilitations/invitations/{int:invitation_id}/renvoyer",
    response={200: InvitationOut, **errors(401, 403, 404, 409, 429)},
    summary="Renvoyer une invitation (nouveau lien, nouvelle validité de 7 jours)",
)
def invitation_renvoyer(request: HttpRequest, invitation_id: int):
    moment = now()
    sent = invitation_resend(actor=actor_of(request), invitation_id=invitation_id, now=moment)
    return _invitation_out(sent.invitation, moment=moment, email_sent=sent.email_sent)


@router.delete(
    "/habilitations/invitations/{int:invitation_id}",
    response={200: InvitationOut, **errors(401, 403, 404, 409, 429)},
    summary="Annuler une invitation",
)
def invitation_annuler(request: HttpRequest, invitation_id: int):
    moment = now()
    return _invitation_out(
        invitation_cancel(actor=actor_of(request), invitation_id=invitation_id, now=moment), moment=moment
    )


@router.put(
    "/habilitations/utilisateurs/{int:user_id}",
    response={200: UtilisateurOut, **errors(401, 403, 404, 409, 422, 429)},
    summary="Modifier un utilisateur et ses habilitations sur vos établissements",
)
def utilisateur_update(request: HttpRequest, user_id: int, data: UtilisateurIn):
    actor = actor_of(request)
    user_update(actor=actor, user_id=user_id, data=_user_input(data), now=now())
    user, habilitations = user_get(actor=actor, user_id=user_id)
    return _user_out(user, habilitations)


@router.get(
    "/habilitations/etablissements",
    response={200: list[EtablissementLigneOut], **errors(401, 403, 422, 429)},
    summary="Mes établissements (filtres : raison sociale ou SIRET, ville, actif)",
)
def etablissements(
    request: HttpRequest,
    q: str | None = Query(None, description="Raison sociale (contient) ou SIRET (début)"),
    ville: str | None = None,
    actif: bool | None = None,
):
    return [
        {
            "id": e.pk,
            "principal": principal,
            "siret": e.siret,
            "raison_sociale": e.raison_sociale,
            "adresse": e.adresse,
            "code_postal": e.code_postal,
            "ville": e.ville,
            "actif": e.actif,
        }
        for e, principal in etablissement_list(actor=actor_of(request), q=q, ville=ville, actif=actif)
    ]


def _etablissement_out(actor, e) -> dict:
    grant = actor.grants.get(e.pk)
    return {
        "id": e.pk,
        "principal": bool(grant and grant.principal),
        "raison_sociale": e.raison_sociale,
        "siren": e.siren,
        "nic": e.nic,
        "siret": e.siret,
        "uai": e.uai,
        "nda": e.nda,
        "adresse": e.adresse,
        "code_postal": e.code_postal,
        "ville": e.ville,
        "pays": e.pays,
        "email": e.email,
        "telephone": e.telephone,
        "actif": e.actif,
        "role": grant.role.value if grant else None,
        "coordonnees_modifiables": bool(grant and grant.role is Role.ADMIN_OF and actor.user_id),
    }


@router.get(
    "/habilitations/etablissements/{int:etablissement_id}",
    response={200: EtablissementOut, **errors(401, 403, 404, 429)},
    summary="Fiche d'un établissement (référentiel des organismes de formation)",
)
def etablissement(request: HttpRequest, etablissement_id: int):
    actor = actor_of(request)
    return _etablissement_out(actor, etablissement_get(actor=actor, etablissement_id=etablissement_id))


@router.patch(
    "/habilitations/etablissements/{int:etablissement_id}",
    response={200: EtablissementOut, **errors(401, 403, 404, 422, 429)},
    summary="Modifier les coordonnées (e-mail, téléphone) — administrateurs de l'établissement",
)
def etablissement_patch(request: HttpRequest, etablissement_id: int, data: EtablissementContactIn):
    actor = actor_of(request)
    e = etablissement_update(actor=actor, etablissement_id=etablissement_id, email=data.email, telephone=data.telephone)
    return _etablissement_out(actor, e)


@router.get(
    "/habilitations/cles",
    response={200: list[CleOut], **errors(401, 403, 404, 422, 429)},
    summary="Clés d'authentification du SIRET choisi, avec leur expiration",
)
def cles(
    request: HttpRequest,
    etablissement: int | None = Query(None, description=CONTEXT_DESCRIPTION),
    x_etablissement: int | None = Header(None, alias="X-ETABLISSEMENT", description=CONTEXT_DESCRIPTION),
):
    actor = actor_of(request)
    etab = etablissement_context(actor=actor, etablissement_id=context(etablissement, x_etablissement))
    moment = now()
    return [cle_out(k, moment) for k in api_key_list(actor=actor, etablissement_id=etab)]


@router.post(
    "/habilitations/cles",
    response={201: CleGenereeOut, **errors(401, 403, 404, 422, 429)},
    summary="Générer ma clé d'authentification (la précédente est révoquée)",
    description="La clé porte les droits choisis (« droits »), pris parmi ceux d'un gestionnaire OF que vous "
    "détenez vous-même sur l'établissement ; la réponse, qui contient la clé en clair, n'est jamais mise en cache.",
)
def cle_generate(request: HttpRequest, data: CleIn, response: HttpResponse):
    moment = now()
    key, raw = api_key_generate(
        actor=actor_of(request), etablissement_id=data.etablissement_id, now=moment, droits=data.droits
    )
    # The answer carries the clear key: no cache (browser, proxy) may keep it.
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return Status(
        201,
        {
            **cle_out(key, moment),
            "cle": raw,
            "avertissement": "Copiez cette clé maintenant : elle ne sera plus jamais affichée. "
            f"Elle est valable jusqu'au {key.expires_at:%d/%m/%Y}.",
        },
    )


@router.delete(
    "/habilitations/cles/{int:cle_id}",
    response={200: CleOut, **errors(401, 403, 404, 409, 429)},
    summary="Révoquer une clé d'authentification",
)
def cle_revoke(request: HttpRequest, cle_id: int):
    moment = now()
    return cle_out(api_key_revoke(actor=actor_of(request), key_id=cle_id, now=moment), moment)
