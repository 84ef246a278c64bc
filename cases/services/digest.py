"""The morning e-mail: one per user and day, listing the courriers deposited since the last one —
one line per event (the same letter to the OF and to the entreprise is one), grouped by dossier
(or facture, or règlement) with the link to its page on the portal (``PORTAIL["BASE_URL"]``).

Never twice for the same day (unique (user, periode), claimed before sending); nothing for
opted-out or inactive users; only courriers of établissements the user is habilitated on today.

Built for volume: one streamed query of the day's notifications (ordered by user), then, per
chunk of users, two small queries, the messages, the claim and one SMTP session. ``shard``
splits the users over several processes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Max
from django.db.models.functions import Mod
from django.utils import timezone

from accounts.models import Habilitation, User
from cases.models import DigestEnvoi, Notification, TypeCourrier
from rules.lifecycles import DISPOSITIF_LABELS, Dispositif

# A first digest (or one after a long pause) looks back this far at most.
FIRST_DIGEST_LOOKBACK = timedelta(days=1)
MAX_LOOKBACK = timedelta(days=7)
CHUNK_USERS = 1000
_TYPE_LABELS = dict(TypeCourrier.choices)


@dataclass
class DigestReport:
    utilisateurs: int = 0
    envoyes: int = 0
    courriers: int = 0
    echecs: int = 0

    def add(self, other: DigestReport) -> None:
        self.utilisateurs += other.utilisateurs
        self.envoyes += other.envoyes
        self.courriers += other.courriers
        self.echecs += other.echecs


@dataclass(frozen=True, slots=True)
class DigestLine:
    """One event (a letter, whether sent to the OF, the entreprise or both) in a user's digest."""

    courrier: str
    date: str


@dataclass(slots=True)
class DigestGroup:
    """The events of one dossier (or facture, or règlement), with the link to its portal page."""

    titre: str
    etablissement: str
    url: str
    lignes: list[DigestLine]


_COLUMNS = (
    "user_id",
    "created_at",
    "courrier__of_etablissement_id",
    "courrier__type",
    "courrier__cle",
    "courrier__emis_at",
    "courrier__created_at",
    "courrier__of_etablissement__raison_sociale",
    "courrier__of_etablissement__siret",
    "courrier__dossier_id",
    "courrier__dossier__numero",
    "courrier__dossier__version",
    "courrier__dossier__dispositif",
    "courrier__dossier__salarie_prenom",
    "courrier__dossier__salarie_nom",
    "courrier__facture_id",
    "courrier__facture__numero",
    "courrier__reglement_id",
    "courrier__reglement__numero",
)
_DESTINATAIRES = tuple(f":{d}" for d in ("of", "entreprise"))


def _event(cle: str, type_: str) -> str:
    """The same letter sent to the OF and to the entreprise is one event (keys ``…:of`` / ``…:entreprise``)."""
    for suffix in _DESTINATAIRES:
        if cle.endswith(suffix):
            return cle[: -len(suffix)] + ":" + type_
    return cle


def _group_of(row: tuple) -> tuple[tuple, str, str]:
    """(key, title, portal page) of the object a notified courrier belongs to."""
    dossier_id, numero, version, dispositif, prenom, nom, facture_id, facture_no, reglement_id, reglement_no = row[9:]
    base = settings.PORTAIL["BASE_URL"].rstrip("/")
    if dossier_id is not None:
        parts = [f"Dossier {numero}.{version}", DISPOSITIF_LABELS[Dispositif(dispositif)], f"{prenom} {nom}".strip()]
        title = " — ".join(p for p in parts if p)
        return ("d", dossier_id), title, base + settings.PORTAIL["DOSSIER_PATH"].format(id=dossier_id)
    if facture_id is not None:
        return ("f", facture_id), f"Facture {facture_no}", base + settings.PORTAIL["FACTURE_PATH"].format(id=facture_id)
    url = base + settings.PORTAIL["REGLEMENT_PATH"].format(id=reglement_id)
    return ("r", reglement_id), f"Règlement {reglement_no}", url


def digest_groups(rows: list[tuple]) -> list[DigestGroup]:
    """A user's notification rows (oldest first) → one group per object, one line per event."""
    groups: dict[tuple, DigestGroup] = {}
    seen: set[str] = set()
    for row in rows:
        type_, cle, emis_at, created_at, raison_sociale, siret = row[3:9]
        event = _event(cle, type_)
        if event in seen:
            continue
        seen.add(event)
        key, titre, url = _group_of(row)
        group = groups.get(key)
        if group is None:
            group = groups[key] = DigestGroup(titre, f"{raison_sociale} — SIRET {siret}", url, [])
        when = timezone.localtime(emis_at or created_at)
        group.lignes.append(DigestLine(_TYPE_LABELS.get(type_, "Courrier"), f"{when:%d/%m/%Y}"))
    return list(groups.values())


def _count(groups: list[DigestGroup]) -> int:
    return sum(len(g.lignes) for g in groups)


# --- The e-mail (text and HTML) -------------------------------------------------------------


def subject_of(count: int) -> str:
    if count == 1:
        return "Portail OF — 1 nouveau courrier déposé"
    return f"Portail OF — {count} nouveaux courriers déposés"


def _intro(count: int, groups: int) -> str:
    where = "un de vos dossiers" if groups == 1 else f"{groups} de vos dossiers, factures ou règlements"
    if count == 1:
        return f"Un nouveau courrier a été déposé sur {where} dans le Portail OF."
    return f"{count} nouveaux courriers ont été déposés sur {where} dans le Portail OF."


FOOTER = (
    "Vous recevez ce message car l'e-mail quotidien d'information est activé dans « Gérer mes notifications ». "
    "Pour ne plus le recevoir, désactivez-le dans votre profil."
)


def _notifications_url() -> str:
    return settings.PORTAIL["BASE_URL"].rstrip("/") + settings.PORTAIL["NOTIFICATIONS_PATH"]


def text_body(prenom: str, groups: list[DigestGroup]) -> str:
    parts = [f"Bonjour {prenom},", "", _intro(_count(groups), len(groups)), ""]
    for group in groups:
        parts += [group.titre, group.etablissement]
        parts += [f"  • {line.courrier} — {line.date}" for line in group.lignes]
        parts += [f"  {group.url}", ""]
    parts += [f"Toutes vos notifications : {_notifications_url()}", "", FOOTER, "", "Portail OF", ""]
    return "\n".join(parts)


_GROUP = (
    '<div style="margin:0 0 16px 0;padding:8px 12px;border-left:3px solid #1f3864">'
    '<p style="margin:0"><a href="{url}" style="color:#1f3864;font-weight:bold">{titre}</a></p>'
    '<p style="margin:0;color:#555;font-size:13px">{etablissement}</p>'
    '<ul style="margin:6px 0 0 0;padding-left:18px">{lignes}</ul></div>'
)
_LINE = "<li>{courrier} — {date}</li>"


def html_body(prenom: str, groups: list[DigestGroup]) -> str:
    blocks = "".join(
        _GROUP.format(
            url=escape(g.url),
            titre=escape(g.titre),
            etablissement=escape(g.etablissement),
            lignes="".join(_LINE.format(courrier=escape(x.courrier), date=x.date) for x in g.lignes),
        )
        for g in groups
    )
    notifications = escape(_notifications_url())
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Nouveaux courriers</title></head>'
        '<body style="font-family:Arial,sans-serif;color:#1d1d1b">'
        f"<p>Bonjour {escape(prenom)},</p><p>{escape(_intro(_count(groups), len(groups)))}</p>{blocks}"
        f'<p><a href="{notifications}">Toutes vos notifications</a></p>'
        f'<p style="font-size:12px;color:#666">{escape(FOOTER)}</p></body></html>'
    )


def _message(email: str, prenom: str, groups: list[DigestGroup]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(subject=subject_of(_count(groups)), body=text_body(prenom, groups), to=[email])
    message.attach_alternative(html_body(prenom, groups), "text/html")
    return message


# --- Sending ----------------------------------------------------------------------------------


def digest_send_all(
    *, today: date, cutoff: datetime, now, shard: tuple[int, int] = (0, 1), chunk_users: int = CHUNK_USERS
) -> DigestReport:
    """Send the digest of ``today`` covering notifications created up to ``cutoff``.

    ``shard=(i, n)``: only users whose id ≡ i (mod n), so that n processes share the work.
    """
    report = DigestReport()
    index, count = shard
    rows = (
        Notification.objects.filter(
            deleted_at__isnull=True,
            created_at__gt=cutoff - MAX_LOOKBACK,
            created_at__lte=cutoff,
            user__is_active=True,
            user__daily_digest=True,
        )
        .annotate(shard=Mod(F("user_id"), count))
        .filter(shard=index)
        .order_by("user_id", "created_at", "pk")
        .values_list(*_COLUMNS)
    )
    connection = get_connection()
    chunk: dict[int, list[tuple]] = {}
    try:
        for row in rows.iterator(chunk_size=5000):
            user_id = row[0]
            if user_id not in chunk and len(chunk) >= chunk_users:
                report.add(_send_chunk(chunk, today=today, cutoff=cutoff, now=now, connection=connection))
                chunk = {}
            chunk.setdefault(user_id, []).append(row)
        if chunk:
            report.add(_send_chunk(chunk, today=today, cutoff=cutoff, now=now, connection=connection))
    finally:
        connection.close()
    return report


def _send_chunk(chunk: dict[int, list[tuple]], *, today, cutoff, now, connection) -> DigestReport:
    report = DigestReport(utilisateurs=len(chunk))
    user_ids = list(chunk)
    done_today = set(DigestEnvoi.objects.filter(user_id__in=user_ids, periode=today).values_list("user_id", flat=True))
    last_borne = dict(
        DigestEnvoi.objects.filter(user_id__in=user_ids, periode__lt=today)
        .values("user_id")
        .annotate(m=Max("borne"))
        .values_list("user_id", "m")
    )
    allowed: dict[int, set[int]] = defaultdict(set)
    for user_id, etab_id in Habilitation.objects.filter(user_id__in=user_ids, etablissement__actif=True).values_list(
        "user_id", "etablissement_id"
    ):
        allowed[user_id].add(etab_id)
    users = dict(
        (pk, (email, prenom))
        for pk, email, prenom in User.objects.filter(pk__in=user_ids).values_list("pk", "email", "prenom")
    )
    lines: dict[int, list[DigestGroup]] = {}
    for user_id, rows in chunk.items():
        if user_id in done_today:
            continue
        start = max(last_borne.get(user_id) or cutoff - FIRST_DIGEST_LOOKBACK, cutoff - MAX_LOOKBACK)
        kept = digest_groups([r for r in rows if r[1] > start and r[2] in allowed[user_id]])
        if kept:
            lines[user_id] = kept
    if not lines:
        return report
    # Claim first: a rerun, or an overlapping run, finds the day taken and sends nothing.
    with transaction.atomic():
        DigestEnvoi.objects.bulk_create(
            [
                DigestEnvoi(user_id=uid, periode=today, borne=cutoff, nombre=_count(ls), sent_at=now)
                for uid, ls in lines.items()
            ],
            ignore_conflicts=True,
        )
    claimed = set(
        DigestEnvoi.objects.filter(periode=today, user_id__in=lines, sent_at=now).values_list("user_id", flat=True)
    )
    sent: list[int] = []
    try:
        connection.open()  # one SMTP session for the chunk (kept when already open)
        for uid in (uid for uid in lines if uid in claimed):
            if connection.send_messages([_message(*users[uid], lines[uid])]):
                sent.append(uid)
    finally:
        # Give the day back to every user whose e-mail did not go (SMTP down, even halfway through the
        # chunk): the next run sends those, and only those.
        unsent = claimed - set(sent)
        if unsent:
            DigestEnvoi.objects.filter(periode=today, user_id__in=unsent, sent_at=now).delete()
        report.envoyes += len(sent)
        report.echecs += len(unsent)
        report.courriers += sum(_count(lines[uid]) for uid in sent)
    return report
