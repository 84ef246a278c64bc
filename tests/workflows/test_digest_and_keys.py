from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from accounts.models import ApiKey
from cases.models import Courrier, DigestEnvoi, Notification, RappelCle
from cases.services.digest import digest_send_all
from cases.services.reminders import api_key_reminders_send
from tests.factories import DossierFactory, EtablissementFactory, HabilitationFactory, of_user
from workflows.digest import daily_digest
from workflows.keys import key_expiry_reminders

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 11, 27)
CUTOFF = datetime(2026, 11, 27, 7, tzinfo=PARIS)


def notify(user, dossier, when, n=1):
    for i in range(n):
        courrier = Courrier.objects.create(
            cle=f"test:{dossier.pk}:{user.pk}:{when.isoformat()}:{i}",
            type="accord",
            destinataire="of",
            destinataire_etablissement=dossier.of_etablissement,
            of_etablissement=dossier.of_etablissement,
            dossier=dossier,
            statut="emis",
            created_at=when,
            emis_at=when,
        )
        Notification.objects.create(user=user, courrier=courrier, created_at=when)


@pytest.mark.django_db
class TestDigest:
    def test_one_email_listing_the_new_courriers_with_links(self):
        user, etab = of_user()
        dossier = DossierFactory(of_etablissement=etab)
        notify(user, dossier, CUTOFF - timedelta(hours=5), n=2)
        notify(user, dossier, CUTOFF - timedelta(days=3))  # older than the first digest's window

        report = digest_send_all(today=TODAY, cutoff=CUTOFF, now=CUTOFF)

        assert report.envoyes == 1 and report.courriers == 2
        [message] = mail.outbox
        assert message.to == [user.email]
        assert "2 nouveaux courriers" in message.subject
        assert dossier.reference in message.body and "Courrier d'accord" in message.body
        html = message.alternatives[0][0]
        assert f"/dossiers/{dossier.pk}/" in html and message.alternatives[0][1] == "text/html"

    def test_never_twice_for_the_same_day_and_next_day_only_new_ones(self):
        user, etab = of_user()
        dossier = DossierFactory(of_etablissement=etab)
        notify(user, dossier, CUTOFF - timedelta(hours=2))

        digest_send_all(today=TODAY, cutoff=CUTOFF, now=CUTOFF)
        digest_send_all(today=TODAY, cutoff=CUTOFF, now=CUTOFF + timedelta(minutes=1))
        notify(user, dossier, CUTOFF + timedelta(hours=3))
        digest_send_all(
            today=TODAY + timedelta(days=1), cutoff=CUTOFF + timedelta(days=1), now=CUTOFF + timedelta(days=1)
        )

        assert len(mail.outbox) == 2
        assert "1 nouveau courrier déposé" in mail.outbox[1].subject
        assert DigestEnvoi.objects.filter(user=user).count() == 2

    def test_nothing_for_opted_out_inactive_or_users_without_news(self):
        opted_out, etab = of_user()
        opted_out.daily_digest = False
        opted_out.save()
        inactive, _ = of_user(etab)
        inactive.is_active = False
        inactive.save()
        of_user(etab)  # habilitated, but no notification of its own
        dossier = DossierFactory(of_etablissement=etab)
        notify(opted_out, dossier, CUTOFF - timedelta(hours=1))
        notify(inactive, dossier, CUTOFF - timedelta(hours=1))

        digest_send_all(today=TODAY, cutoff=CUTOFF, now=CUTOFF)

        assert mail.outbox == []

    def test_never_about_an_etablissement_the_user_lost(self):
        user, etab = of_user()
        other = EtablissementFactory()
        dossier = DossierFactory(of_etablissement=other)
        notify(user, dossier, CUTOFF - timedelta(hours=1))  # e.g. habilitation removed since

        digest_send_all(today=TODAY, cutoff=CUTOFF, now=CUTOFF)

        assert mail.outbox == []

    def test_deleted_notifications_are_left_out(self):
        user, etab = of_user()
        notify(user, DossierFactory(of_etablissement=etab), CUTOFF - timedelta(hours=1))
        Notification.objects.update(deleted_at=CUTOFF)

        digest_send_all(today=TODAY, cutoff=CUTOFF, now=CUTOFF)

        assert mail.outbox == []

    def test_shards_split_the_users_without_overlap(self):
        etab = EtablissementFactory()
        dossier = DossierFactory(of_etablissement=etab)
        users = [of_user(etab)[0] for _ in range(5)]
        for user in users:
            notify(user, dossier, CUTOFF - timedelta(hours=1))

        reports = [digest_send_all(today=TODAY, cutoff=CUTOFF, now=CUTOFF, shard=(i, 2)) for i in range(2)]

        assert sum(r.envoyes for r in reports) == 5 and all(r.envoyes for r in reports)
        assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)


@pytest.mark.django_db
class TestKeyReminders:
    def key(self, etab, expires_in_days):
        key, _ = ApiKey.build(etablissement=etab, created_by=None, now=CUTOFF - timedelta(days=365))
        key.expires_at = CUTOFF + timedelta(days=expires_in_days)
        key.save()
        return key

    def test_admins_are_told_at_30_and_7_days_once_each(self):
        admin = HabilitationFactory(admin=True)
        HabilitationFactory(etablissement=admin.etablissement, principal=False)  # a gestionnaire: not told
        key = self.key(admin.etablissement, 30)

        api_key_reminders_send(today=TODAY, now=CUTOFF)
        api_key_reminders_send(today=TODAY, now=CUTOFF)
        api_key_reminders_send(today=TODAY + timedelta(days=10), now=CUTOFF + timedelta(days=10))
        api_key_reminders_send(today=TODAY + timedelta(days=23), now=CUTOFF + timedelta(days=23))

        assert [m.to for m in mail.outbox] == [[admin.user.email], [admin.user.email]]
        assert "30 jours" in mail.outbox[0].subject and "7 jours" in mail.outbox[1].subject
        assert key.prefix in mail.outbox[0].body
        assert set(RappelCle.objects.values_list("palier", flat=True)) == {30, 7}

    def test_revoked_keys_and_other_sirets_get_nothing(self):
        admin = HabilitationFactory(admin=True)
        key = self.key(admin.etablissement, 5)
        key.revoked_at = CUTOFF
        key.save()
        other_admin = HabilitationFactory(admin=True)
        self.key(other_admin.etablissement, 60)

        api_key_reminders_send(today=TODAY, now=CUTOFF)

        assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_flows_under_prefect_send_nothing_twice(prefect_harness):
    user, etab = of_user()
    notify(user, DossierFactory(of_etablissement=etab), CUTOFF - timedelta(hours=1))
    admin = HabilitationFactory(admin=True)
    TestKeyReminders().key(admin.etablissement, 7)

    for _ in range(2):
        daily_digest(today=TODAY, shards=1)
        key_expiry_reminders(today=TODAY)

    subjects = sorted(m.subject for m in mail.outbox)
    assert len(subjects) == 2, subjects
    assert DigestEnvoi.objects.count() == 1
    assert RappelCle.objects.filter(palier=7).count() == 1


# --- One line per event, grouped by dossier, links to the portal -------------------------------


def issued(courrier_ids, when):
    from cases.services.courriers import courriers_issue_batch
    from tests.factories import PDF_BYTES

    courriers_issue_batch(courrier_ids=courrier_ids, now=when, render=lambda c: PDF_BYTES)


@pytest.mark.django_db
def test_the_digest_has_one_line_per_event_grouped_by_dossier_with_portal_links(settings):
    from accounts.actors import Actor
    from cases import services
    from cases.models import Reglement
    from tests.factories import UserFactory

    settings.PORTAIL = {**settings.PORTAIL, "BASE_URL": "https://portail.opco.example"}
    when = CUTOFF - timedelta(hours=3)
    user, etab = of_user()
    opco = Actor.for_user(UserFactory(opco=True))
    dossier = DossierFactory(of_etablissement=etab, pro=True, en_cours=True, salarie_nom="MARTIN", salarie_prenom="Léa")
    services.dossier_grant(actor=opco, dossier_id=dossier.pk, montants_pris_en_charge={"npec": "100"}, now=when)
    reglement = Reglement.objects.create(
        numero="0063618",
        reference_virement="TLS/1",
        date_paiement=TODAY,
        beneficiaire=etab,
        montant_total_ttc="10.00",
        created_at=when,
    )
    Courrier.objects.create(
        cle=f"reglement:{reglement.pk}:avis_paiement:of",
        type="avis_paiement",
        destinataire="of",
        destinataire_etablissement=etab,
        of_etablissement=etab,
        reglement=reglement,
        created_at=when,
    )
    issued(Courrier.objects.values_list("pk", flat=True), when)
    assert Courrier.objects.filter(dossier=dossier).count() == 2  # the accord to the OF and to the entreprise

    report = digest_send_all(today=TODAY, cutoff=CUTOFF, now=CUTOFF)

    [message] = mail.outbox
    text, html = message.body, message.alternatives[0][0]
    assert report.courriers == 2 and "2 nouveaux courriers" in message.subject
    assert text.count("Courrier d'accord") == 1  # one event, not one line per addressee
    assert f"Dossier {dossier.reference} — Contrat de professionnalisation — Léa MARTIN" in text
    assert "Règlement 0063618" in text and "Règlement Règlement" not in text and "Règlement Règlement" not in html
    for page in (f"/dossiers/{dossier.pk}/", f"/paiements/{reglement.pk}/", "/notifications/"):
        assert f"https://portail.opco.example{page}" in text and f'href="https://portail.opco.example{page}"' in html
    assert f"{etab.raison_sociale} — SIRET {etab.siret}" in text
    assert html.count("<li>") == 2


# --- SMTP down: the run fails visibly, nothing is lost or sent twice, the next run completes ----


@pytest.fixture
def smtp(settings):
    from tests.workflows.smtp import closed_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port()
    settings.EMAIL_TIMEOUT = 5
    settings.PORTAIL_FLOWS = {**settings.PORTAIL_FLOWS, "MAIL_RETRY_DELAYS": [0.5]}
    return settings


@pytest.mark.django_db(transaction=True)
def test_smtp_down_fails_the_digest_run_and_the_next_run_sends_each_digest_once(prefect_harness, smtp):
    from tests.workflows.smtp import SmtpServer

    etab = EtablissementFactory()
    dossier = DossierFactory(of_etablissement=etab)
    users = [of_user(etab)[0] for _ in range(3)]
    for user in users:
        notify(user, dossier, CUTOFF - timedelta(hours=1))

    down = daily_digest(today=TODAY, shards=1, return_state=True)

    assert down.is_failed() and "ConnectionRefusedError" in down.message
    assert not DigestEnvoi.objects.exists()
    with SmtpServer(fail_after=2) as relay:  # comes back, then breaks down after two messages
        smtp.EMAIL_PORT = relay.port
        halfway = daily_digest(today=TODAY, shards=1, return_state=True)
        assert halfway.is_failed() and len(relay.messages) == 2
        assert DigestEnvoi.objects.count() == 2  # exactly the two sent
        relay.fail_after = None
        assert daily_digest(today=TODAY, shards=1, return_state=True).is_completed()
        assert daily_digest(today=TODAY, shards=1, return_state=True).is_completed()  # nothing left to send

    assert sorted(relay.recipients()) == sorted(u.email for u in users)  # each user once
    assert DigestEnvoi.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_smtp_down_fails_the_key_reminders_run_and_the_next_run_sends_them_once(prefect_harness, smtp):
    from tests.workflows.smtp import SmtpServer

    admin = HabilitationFactory(admin=True)
    HabilitationFactory(etablissement=admin.etablissement, admin=True, principal=False)
    TestKeyReminders().key(admin.etablissement, 7)

    assert key_expiry_reminders(today=TODAY, return_state=True).is_failed()
    assert not RappelCle.objects.exists()
    with SmtpServer() as relay:
        smtp.EMAIL_PORT = relay.port
        for _ in range(2):
            assert key_expiry_reminders(today=TODAY, return_state=True).is_completed()

    [message] = relay.messages  # one message to both administrators, once
    assert len(message["To"].split(",")) == 2
    assert set(RappelCle.objects.values_list("palier", flat=True)) == {30, 7}
