"""The norm's conventions on every call: the three headers of the software (400 without them), the CFA's key
(403 when absent, unknown, revoked or expired), the limiter (429 + Retry-After), the calling software written
into the journal of every change it causes."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import ApiKey
from cases.models import Dossier, TransitionLog
from tests.cfa.conftest import BASE_URL, contrat
from tests.cfa.norm_client import NormError

ROUTES = [
    ("get", "/v1/status"),
    ("get", "/v2/dossiers/etats"),
    ("get", "/v1/dossiers/etats"),
    ("get", "/v2/factures/etats"),
    ("get", "/v1/dossiers?numeroInterne=1"),
    ("get", "/v1/dossiers/liste?numerosInternes=1"),
    ("post", "/v1/dossiers"),
    ("post", "/v2/dossiers"),
    ("post", "/v2/dossiers/rupture/employeur"),
    ("post", "/v1/conventions"),
    ("post", "/v1/documents"),
    ("get", "/v2/cfakeyinfo?siren=123456789&XAPIKEY=x"),
]


def _call(method: str, path: str, headers: dict):
    client = Client()
    if method == "get":
        return client.get(BASE_URL + path, headers=headers)
    return client.post(BASE_URL + path, "{}", content_type="application/json", headers=headers)


def _errors(response) -> list[dict]:
    body = response.json()
    assert list(body) == ["errors", "description"], body
    assert body["errors"] and all(set(e) == {"code", "description", "champ"} for e in body["errors"]), body
    return body["errors"]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_wants_the_three_headers(cfa, method, path):
    response = _call(method, path, {"X-API-KEY": cfa.key, "EDITEUR": "ACME"})

    assert response.status_code == 400
    errors = _errors(response)
    assert {(e["code"], e["champ"]) for e in errors} == {("obligatoire", "LOGICIEL"), ("obligatoire", "VERSION")}
    assert "LOGICIEL" in errors[0]["description"]


def test_headers_too_long_are_refused(cfa):
    headers = {**cfa.client.headers(), "VERSION": "9" * 101}
    response = _call("get", "/v1/status", headers)
    assert response.status_code == 400 and _errors(response)[0]["champ"] == "VERSION"


@pytest.mark.parametrize(("method", "path"), [r for r in ROUTES if "cfakeyinfo" not in r[1]])
def test_a_call_without_key_is_a_403_never_a_401(cfa, method, path):
    headers = {k: v for k, v in cfa.client.headers().items() if k != "X-API-KEY"}
    response = _call(method, path, headers)
    assert response.status_code == 403
    assert _errors(response)[0]["code"] == "CLE_ABSENTE"


def test_unknown_revoked_and_expired_keys_are_403_with_the_norm_codes(cfa):
    headers = cfa.client.headers()
    assert _errors(_call("get", "/v1/status", {**headers, "X-API-KEY": "inconnue"}))[0]["code"] == "CLE_INVALIDE"

    ApiKey.objects.filter(pk=cfa.key_obj.pk).update(expires_at=timezone.now() - timedelta(days=1))
    expired = _call("get", "/v1/status", headers)
    assert expired.status_code == 403 and _errors(expired)[0]["code"] == "CLE_EXPIREE"

    ApiKey.objects.filter(pk=cfa.key_obj.pk).update(revoked_at=timezone.now())
    revoked = _call("get", "/v2/dossiers/etats", headers)
    assert revoked.status_code == 403 and _errors(revoked)[0]["code"] == "CLE_REVOQUEE"


def test_status_tells_the_key_siret_and_end_of_validity(cfa):
    body = cfa.client.status()
    assert body["status"] == "OK" and body["siret"] == cfa.etab.siret
    assert (
        body["dateFinValiditeCle"][:10]
        == cfa.key_obj.expires_at.astimezone(timezone.get_current_timezone()).date().isoformat()
    )
    assert body["dateFinValiditeCle"][-6:] in ("+01:00", "+02:00")


def test_too_many_calls_are_429_with_retry_after(cfa, settings):
    settings.PORTAIL = {**settings.PORTAIL, "API_KEY_RATE_LIMIT": "3/60"}
    for _ in range(3):
        cfa.client.status()
    with pytest.raises(NormError) as refused:
        cfa.client.status()
    assert refused.value.status == 429 and refused.value.codes == {"TROP_DE_REQUETES"}
    assert 1 <= int(cfa.client.last_headers["Retry-After"]) <= 61


def test_the_software_is_written_into_the_journal_of_every_change(cfa, employeur):
    cfa.client.editeur, cfa.client.logiciel, cfa.client.version = "YPAREO SA", "YPAREO", "2026.3"

    out = cfa.client.deposer_contrat(contrat(employeur, cfa))

    logs = TransitionLog.objects.filter(dossier_id=out["numeroInterne"]).order_by("pk")
    assert [log.transition for log in logs] == ["creer_brouillon", "transmettre"]
    for log in logs:
        assert log.channel == "norme"
        assert log.actor_api_key_id == cfa.key_obj.pk
        assert log.details["client"] == {"editeur": "YPAREO SA", "logiciel": "YPAREO", "version": "2026.3"}
    assert Dossier.objects.get(pk=out["numeroInterne"]).created_by_id is None


def test_cfakeyinfo_checks_a_key_by_siren_without_using_it(cfa, autre_cfa):
    client = cfa.client
    siren = cfa.etab.siret[:9]
    body = client.get("/v2/cfakeyinfo", siren=siren, XAPIKEY=cfa.key)
    assert body["status"] == "success"
    assert (
        body["dateFinValidite"] == cfa.key_obj.expires_at.astimezone(timezone.get_current_timezone()).date().isoformat()
    )
    assert client.get("/v2/cfakeyinfo", siren=cfa.etab.siret, XAPIKEY=cfa.key)["status"] == "success"
    assert client.get("/v2/cfakeyinfo", siren=siren, XAPIKEY=autre_cfa.key)["status"] == "error"
    assert client.get("/v2/cfakeyinfo", siren=siren, XAPIKEY="inconnue")["status"] == "error"
    ApiKey.objects.filter(pk=cfa.key_obj.pk).update(revoked_at=timezone.now())
    revoked = client.get("/v2/cfakeyinfo", siren=siren, XAPIKEY=cfa.key)
    assert revoked["status"] == "error" and "révoquée" in revoked["comment"]
    # an expired or revoked key may still ask: the route wants the software's headers only
    anonymous = Client().get(
        f"{BASE_URL}/v2/cfakeyinfo",
        {"siren": siren, "XAPIKEY": cfa.key},
        headers={"EDITEUR": "E", "LOGICIEL": "L", "VERSION": "1"},
    )
    assert anonymous.status_code == 200 and anonymous.json()["status"] == "error"
    with pytest.raises(NormError) as bad:
        client.get("/v2/cfakeyinfo", siren="12", XAPIKEY=cfa.key)
    assert bad.value.status == 400 and bad.value.champs == {"siren"}
