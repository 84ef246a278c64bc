"""Boundaries at the instant, through real HTTP calls at a fixed clock: an API key at exactly its
``expires_at`` (on ``/api/v1`` and on the norm's ``/api/cfa``), the OPCO's 20-day decision clock at its last
minute, and dates at midnight Europe/Paris (a contract signed « today » verified and transmitted at 00:30 Paris —
23:30 UTC the day before — and a contract ending « today » at 23:59 Paris) — each with the instant before
and the instant after.

The project has neither ``freezegun`` nor ``time_machine``: the clock is ``django.utils.timezone.now``, which
every interface reads (``api.common.now``, the key's check, ``timezone.localdate()``), set here by monkeypatch.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import django.utils.timezone
import pytest
from django.test import Client

from accounts.actors import Actor, Channel
from accounts.models import ApiKey, User
from cases import services
from cases.models import Dossier
from rules.cerfa import example_payload
from rules.cerfa_dates import add_months
from tests.proprietes.monde import Monde

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
US = timedelta(microseconds=1)
API = "/api/v1"
CFA = "/api/cfa"
NORM_HEADERS = {"EDITEUR": "Éditeur de test", "LOGICIEL": "Bornes", "VERSION": "1.0"}
OWNER = "A.siege"


def paris(day: date, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second, micro), tzinfo=PARIS)


@pytest.fixture
def horloge(monkeypatch):
    """``horloge(instant)``: from now on, the server's clock reads ``instant``."""

    def at(instant: datetime) -> datetime:
        monkeypatch.setattr(django.utils.timezone, "now", lambda: instant)
        return instant

    return at


def _errors(response) -> list[dict]:
    return response.json().get("errors", [])


def _codes(response) -> set[str]:
    return {e.get("code") for e in _errors(response)}


# --- API keys at their expiry -----------------------------------------------------------------------------


@pytest.fixture
def cle(monde: Monde) -> tuple[ApiKey, str]:
    key = ApiKey.objects.get(pk=monde.proprietaires[OWNER].objets["cle"].pk)
    return key, monde.principaux["A.cle.siege"].cle_brute


def _instants(expires_at: datetime) -> list[tuple[str, datetime, bool]]:
    return [
        ("une seconde avant", expires_at - timedelta(seconds=1), True),
        ("une microseconde avant", expires_at - US, True),
        ("à l'instant d'expiration", expires_at, False),
        ("une microseconde après", expires_at + US, False),
        ("un jour après", expires_at + timedelta(days=1), False),
    ]


def test_a_key_on_api_v1_is_accepted_until_the_microsecond_before_its_expiry(monde, cle, horloge):
    key, raw = cle
    dossier = monde.proprietaires[OWNER].objets["accorde"]
    for label, instant, accepted in _instants(key.expires_at):
        horloge(instant)
        response = Client(headers={"X-API-KEY": raw}).get(f"{API}/dossiers/{dossier.pk}")

        if accepted:
            assert response.status_code == 200, (label, response.content)
            assert response.json()["id"] == dossier.pk
        else:
            assert response.status_code == 403, (label, response.content)
            assert _codes(response) == {"CLE_EXPIREE"}, label


def test_a_key_on_the_norm_is_accepted_until_the_microsecond_before_its_expiry(cle, horloge):
    key, raw = cle
    for label, instant, accepted in _instants(key.expires_at):
        horloge(instant)
        response = Client(headers={**NORM_HEADERS, "X-API-KEY": raw}).get(f"{CFA}/v1/status")

        if accepted:
            assert response.status_code == 200, (label, response.content)
            assert response.json()["siret"] == key.etablissement.siret
        else:
            assert response.status_code == 403, (label, response.content)
            assert _codes(response) == {"CLE_EXPIREE"}, label


def test_the_norms_key_check_says_expired_at_the_exact_instant(cle, horloge):
    key, raw = cle
    for label, instant, accepted in _instants(key.expires_at):
        horloge(instant)
        response = Client(headers=NORM_HEADERS).get(
            f"{CFA}/v2/cfakeyinfo", {"siren": key.etablissement.siret[:9], "XAPIKEY": raw}
        )

        assert response.status_code == 200, (label, response.content)
        assert response.json()["status"] == ("success" if accepted else "error"), label


# --- Dates at midnight Paris: a contract signed « today », a contract ending « today » ----------------------

_names = itertools.count()


def _nom() -> str:
    n, out = next(_names) + 26 * 27, ""
    while n:
        n, r = divmod(n, 26)
        out = chr(ord("A") + r) + out
    return f"BORNE{out}"


def _draft(monde: Monde, payload: dict) -> Dossier:
    admin = User.objects.get(pk=monde.principaux["A.admin"].user_id)
    payload["apprenti"]["nom"] = _nom()
    return services.dossier_draft_save(
        actor=Actor.for_user(admin, channel=Channel.PORTAIL), payload=payload, now=django.utils.timezone.now()
    )


def _signed_on(monde: Monde, day: date) -> dict:
    owner = monde.proprietaires[OWNER]
    return example_payload(monde.entreprises[owner.of].siret, owner.etab.siret, day, uai=owner.etab.uai)


def _ending_on(monde: Monde, day: date) -> dict:
    """A complete CERFA whose contract ends on ``day`` (signed two years before, a week before its start)."""
    signed = add_months(day + timedelta(days=1), -24) - timedelta(days=7)
    payload = _signed_on(monde, signed)
    assert payload["contrat"]["dateFinContrat"] == day.isoformat()
    return payload


def _verify_and_transmit(monde: Monde, raw: str, payload: dict) -> tuple[dict, object]:
    client = Client(headers={"X-API-KEY": raw})
    verdict = client.post(
        f"{API}/dossiers/apprentissage/verification", json.dumps({"cerfa": payload}), content_type="application/json"
    )
    assert verdict.status_code == 200, verdict.content
    dossier = _draft(monde, payload)
    transmitted = client.post(f"{API}/dossiers/{dossier.pk}/transmettre")
    return verdict.json(), transmitted


def _fields(verdict: dict) -> set[str]:
    return {e["champ"] for e in verdict["erreurs"]}


@pytest.fixture
def jour() -> date:
    """A day two days ahead (Paris), the contract's « today »."""
    return django.utils.timezone.localdate() + timedelta(days=2)


def test_a_contract_signed_today_is_transmitted_from_midnight_paris_even_at_2330_utc_the_day_before(
    monde, cle, horloge, jour
):
    _key, raw = cle
    cases = [
        ("la veille à 23:59:59.999999 (Paris)", paris(jour - timedelta(days=1), 23, 59, 59, 999_999), False),
        ("à minuit (Paris)", paris(jour), True),
        ("à 00:30 (Paris)", paris(jour, 0, 30), True),
        ("à 23:59 (Paris)", paris(jour, 23, 59), True),
        ("le lendemain à minuit (Paris)", paris(jour + timedelta(days=1)), True),
    ]
    # 00:30 in Paris is the evening before in UTC: a date taken in UTC would refuse the contract.
    assert paris(jour, 0, 30).astimezone(UTC).date() == jour - timedelta(days=1)
    for label, instant, accepted in cases:
        horloge(instant)
        verdict, transmitted = _verify_and_transmit(monde, raw, _signed_on(monde, jour))

        if accepted:
            assert "contrat.dateConclusion" not in _fields(verdict), (label, verdict["erreurs"])
            assert verdict["valide"] is True, (label, verdict["erreurs"])
            assert transmitted.status_code == 200, (label, transmitted.content)
            assert transmitted.json()["etat"] == "transmis"
        else:
            assert "contrat.dateConclusion" in _fields(verdict), label
            assert transmitted.status_code == 422, (label, transmitted.content)
            assert any(e["champ"].endswith("contrat.dateConclusion") for e in _errors(transmitted)), label


def test_a_contract_ending_today_is_transmitted_until_2359_paris_and_refused_at_midnight(monde, cle, horloge, jour):
    _key, raw = cle
    payload = _ending_on(monde, jour)
    cases = [
        ("à 00:30 (Paris)", paris(jour, 0, 30), True),
        ("à 23:59 (Paris)", paris(jour, 23, 59), True),
        ("à 23:59:59.999999 (Paris)", paris(jour, 23, 59, 59, 999_999), True),
        ("le lendemain à minuit (Paris)", paris(jour + timedelta(days=1)), False),
        ("le lendemain à 00:00:00.000001 (Paris)", paris(jour + timedelta(days=1)) + US, False),
    ]
    # 23:59 in Paris is still the same day in UTC, and midnight in Paris is 22:00 or 23:00 UTC the day before.
    assert paris(jour + timedelta(days=1)).astimezone(UTC).date() == jour
    for label, instant, accepted in cases:
        horloge(instant)
        verdict, transmitted = _verify_and_transmit(monde, raw, json.loads(json.dumps(payload)))

        if accepted:
            assert "contrat.dateFinContrat" not in _fields(verdict), (label, verdict["erreurs"])
            assert transmitted.status_code == 200, (label, transmitted.content)
        else:
            assert "contrat.dateFinContrat" in _fields(verdict), label
            assert transmitted.status_code == 422, (label, transmitted.content)
            assert any(e["champ"].endswith("contrat.dateFinContrat") for e in _errors(transmitted)), label


# --- The 20-day decision clock at its last minute ------------------------------------------------------------


def _transmitted_at(monde: Monde, instant: datetime, horloge) -> Dossier:
    horloge(instant)
    dossier = _draft(monde, _signed_on(monde, instant.astimezone(PARIS).date() - timedelta(days=1)))
    admin = User.objects.get(pk=monde.principaux["A.admin"].user_id)
    return services.dossier_transmit(
        actor=Actor.for_user(admin, channel=Channel.PORTAIL), dossier_id=dossier.pk, now=instant
    )


def _queue(monde: Monde, situation: str) -> dict[int, dict]:
    """The OPCO's queue of decision clocks (one situation), every page, by dossier id."""
    client = Client()
    client.force_login(monde.opco)  # logged in at the instant of the clock
    rows, page = {}, 1
    while True:
        response = client.get(
            f"{API}/opco/files/delais-de-decision", {"situation": situation, "page": page, "taille": 100}
        )
        assert response.status_code == 200, response.content
        body = response.json()
        rows |= {row["id"]: row for row in body["elements"]}
        if page * body["taille"] >= body["total"]:
            return rows
        page += 1


def _situation(monde: Monde, dossier: Dossier) -> tuple[str | None, int | None]:
    for situation in ("a_risque", "depasse"):
        row = _queue(monde, situation).get(dossier.pk)
        if row is not None:
            return situation, row["jours_restants"]
    return None, None


def test_the_decision_clock_lapses_at_midnight_paris_after_its_twentieth_day(monde, horloge, jour):
    # Two contracts complete a minute apart across midnight in Paris: the last instant of ``jour``, the first
    # of the next day (which is still ``jour`` in UTC).
    late = _transmitted_at(monde, paris(jour, 23, 59, 59, 999_999), horloge)
    early = _transmitted_at(monde, paris(jour + timedelta(days=1)), horloge)
    assert paris(jour + timedelta(days=1)).astimezone(UTC).date() == jour

    d20, d21, d22 = (jour + timedelta(days=n) for n in (20, 21, 22))
    cases = [
        # instant, situation and days left of ``late`` (deadline: jour + 20), then of ``early`` (jour + 21)
        (paris(jour + timedelta(days=14), 23, 59, 59, 999_999), (None, None), (None, None)),
        (paris(jour + timedelta(days=15)), ("a_risque", 5), (None, None)),
        (paris(d20, 23, 58), ("a_risque", 0), ("a_risque", 1)),
        (paris(d20, 23, 59), ("a_risque", 0), ("a_risque", 1)),
        (paris(d20, 23, 59, 59, 999_999), ("a_risque", 0), ("a_risque", 1)),
        (paris(d21), ("depasse", -1), ("a_risque", 0)),
        (paris(d21, 23, 59, 59, 999_999), ("depasse", -1), ("a_risque", 0)),
        (paris(d22), ("depasse", -2), ("depasse", -1)),
    ]
    for instant, expected_late, expected_early in cases:
        horloge(instant)
        assert _situation(monde, late) == expected_late, (instant, "transmis à 23:59:59.999999")
        assert _situation(monde, early) == expected_early, (instant, "transmis à minuit")
