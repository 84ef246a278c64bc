"""The morning e-mail: one per user and day, listing the courriers deposited since the last one.

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
    reference: str
    dispositif: str
    courrier: str
    raison_sociale: str
    siret: str
    stagiaire: str
    date: str
    url: str


_COLUMNS = (
    "user_id",
    "created_at",
    "courrier__of_etablissement_id",
    "courrier__type",
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


def _line(row: tuple) -> DigestLine:
    (
        _,
        _,
        _,
        type_,
        emis_at,
        created_at,
        raison_sociale,
        siret,
        dossier_id,
        numero,
        version,
        dispositif,
        prenom,
        nom,
        facture_id,
        facture_numero,
        reglement_id,
        reglement_numero,
    ) = row
    base = settings.PORTAIL["BASE_URL"].rstrip("/")
    if dossier_id is not None:
        reference = f"{numero}.{version}"
        label = DISPOSITIF_LABELS[Dispositif(dispositif)]
        stagiaire = f"{prenom} {nom}".strip()
        url = base + settings.PORTAIL["DOSSIER_PATH"].format(id=dossier_id)
    elif facture_id is not None:
        reference, label, stagiaire = f"Facture {facture_numero}", "Facture", ""
        url = base + settings.PORTAIL["FACTURE_PATH"].format(id=facture_id)
    else:
        reference, label, stagiaire = f"Règlement {reglement_numero}", "Règlement", ""
        url = base + settings.PORTAIL["REGLEMENT_PATH"].format(id=reglement_id)
    when = emis_at or created_at
    return DigestLine(
        reference=reference,
        dispositif=label,
        courrier=_TYPE_LABELS.get(type_, type_),
        raison_sociale=raison_sociale,
        siret=siret,
        stagiaire=stagiaire,
        date=f"{when:%d/%m/%Y}",
        url=url,
    )


# --- The e-mail (text and HTML) -------------------------------------------------------------


def subject_of(count: int) -> str:
    if count == 1:
        return "Portail OF — 1 nouveau courrier déposé sur vos dossiers"
    return f"Portail OF — {count} nouveaux courriers déposés sur vos dossiers"


def _intro(count: int) -> str:
    if count == 1:
        return "Un nouveau courrier a été déposé sur vos dossiers dans le Portail OF :"
    return f"{count} nouveaux courriers ont été déposés sur vos dossiers dans le Portail OF :"


FOOTER = (
    "Vous recevez ce message car l'e-mail quotidien d'information est activé dans « Gérer mes notifications ». "
    "Pour ne plus le recevoir, désactivez-le dans votre profil."
)


def text_body(prenom: str, lines: list[DigestLine]) -> str:
    parts = [f"Bonjour {prenom},", "", _intro(len(lines)), ""]
    for line in lines:
        who = f" ({line.stagiaire})" if line.stagiaire else ""
        parts += [
            f"- {line.dispositif} {line.reference}{who} — {line.courrier}, le {line.date}",
            f"  {line.raison_sociale} — SIRET {line.siret}",
            f"  {line.url}",
        ]
    parts += ["", FOOTER, "", "Portail OF", ""]
    return "\n".join(parts)


_ROW = (
    '<tr style="border-bottom:1px solid #ddd"><td><a href="{url}">{dispositif} {reference}</a></td>'
    "<td>{courrier}</td><td>{stagiaire}</td><td>{raison_sociale}<br><small>SIRET {siret}</small></td>"
    "<td>{date}</td></tr>"
)


def html_body(prenom: str, lines: list[DigestLine]) -> str:
    rows = "".join(_ROW.format(**{k: escape(getattr(line, k)) for k in DigestLine.__slots__}) for line in lines)
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Nouveaux courriers</title></head>'
        '<body style="font-family:Arial,sans-serif;color:#1d1d1b">'
        f"<p>Bonjour {escape(prenom)},</p><p>{escape(_intro(len(lines)))}</p>"
        '<table style="border-collapse:collapse" cellpadding="6"><thead>'
        '<tr style="background:#e8f0e8;text-align:left"><th>N° de dossier</th><th>Courrier</th><th>Stagiaire</th>'
        "<th>Établissement</th><th>Date</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        f'<p style="font-size:12px;color:#666">{escape(FOOTER)}</p></body></html>'
    )


def _message(email: str, prenom: str, lines: list[DigestLine]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(subject=subject_of(len(lines)), body=text_body(prenom, lines), to=[email])
    message.attach_alternative(html_body(prenom, lines), "text/html")
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
    for row in rows.iterator(chunk_size=5000):
        user_id = row[0]
        if user_id not in chunk and len(chunk) >= chunk_users:
            report.add(_send_chunk(chunk, today=today, cutoff=cutoff, now=now, connection=connection))
            chunk = {}
        chunk.setdefault(user_id, []).append(row)
    if chunk:
        report.add(_send_chunk(chunk, today=today, cutoff=cutoff, now=now, connection=connection))
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
    lines: dict[int, list[DigestLine]] = {}
    for user_id, rows in chunk.items():
        if user_id in done_today:
            continue
        start = max(last_borne.get(user_id) or cutoff - FIRST_DIGEST_LOOKBACK, cutoff - MAX_LOOKBACK)
        kept = [_line(r) for r in rows if r[1] > start and r[2] in allowed[user_id]]
        if kept:
            lines[user_id] = kept
    if not lines:
        return report
    # Claim first: a rerun, or an overlapping run, finds the day taken and sends nothing.
    with transaction.atomic():
        DigestEnvoi.objects.bulk_create(
            [
                DigestEnvoi(user_id=uid, periode=today, borne=cutoff, nombre=len(ls), sent_at=now)
                for uid, ls in lines.items()
            ],
            ignore_conflicts=True,
        )
    claimed = set(
        DigestEnvoi.objects.filter(periode=today, user_id__in=lines, sent_at=now).values_list("user_id", flat=True)
    )
    messages = [_message(*users[uid], lines[uid]) for uid in lines if uid in claimed]
    try:
        sent = connection.send_messages(messages) or 0
    except Exception:
        # Nothing was sent reliably: give the day back so that the next run retries.
        DigestEnvoi.objects.filter(periode=today, user_id__in=claimed, sent_at=now).delete()
        report.echecs += len(messages)
        raise
    report.envoyes += sent
    report.courriers += sum(len(lines[uid]) for uid in claimed)
    return report
