"""A CFA with its key, an employer of the OPCO's referential, another CFA, an OPCO gestionnaire; the norm
client pointed at ``/api/cfa``; contracts in the norm's shape."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from rules.cerfa import example_payload
from tests.cfa.norm_client import NormClient
from tests.factories import PDF_BYTES, EtablissementFactory, UserFactory, of_user
from tests.worlds import make_key

BASE_URL = "/api/cfa"
UTC = ZoneInfo("UTC")
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class Cfa:
    def __init__(self, name: str) -> None:
        self.etab = EtablissementFactory(raison_sociale=name)
        self.admin, _ = of_user(self.etab, admin=True)
        self.key_obj, self.key = make_key(self.etab, self.admin, now=timezone.now())
        self.client = NormClient(BASE_URL, self.key)


@pytest.fixture
def cfa(db) -> Cfa:
    return Cfa("CFA DES METIERS DU TRANSPORT")


@pytest.fixture
def autre_cfa(db) -> Cfa:
    return Cfa("CFA DU LITTORAL")


@pytest.fixture
def employeur(db):
    return EtablissementFactory(entreprise=True, raison_sociale="TRANSPORTS EXEMPLE")


@pytest.fixture
def opco(db) -> Client:
    client = Client()
    client.force_login(UserFactory(opco=True))
    return client


def in_norm_format(value):
    """A civil date as some CFA software sends it: midnight in Paris written in UTC (the day before, 22:00 or
    23:00 +00:00)."""
    if isinstance(value, dict):
        return {k: in_norm_format(v) for k, v in value.items()}
    if isinstance(value, list):
        return [in_norm_format(v) for v in value]
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        midnight = datetime.combine(date.fromisoformat(value), time(0, 0), tzinfo=PARIS)
        return midnight.astimezone(UTC).isoformat()
    return value


def contrat(employeur, cfa: Cfa, *, today: date | None = None, **changes) -> dict:
    """The CFA software's contract, in the norm's shape: the envelope, integer codes, dates with offset."""
    today = today or timezone.localdate()
    payload = example_payload(employeur.siret, cfa.etab.siret, today, uai=cfa.etab.uai)
    payload.pop("synthese")
    cerfa = in_norm_format(payload)
    cerfa.update(
        {"versionCERFA": "10103*14", "CERFASignatureProbante": True, "etat": "TRANSMIS", "commentaireEtat": ""}
    )
    cerfa["contrat"]["noContrat"] = ""
    cerfa["maitre2"] = None
    for path, value in changes.items():
        node = cerfa
        parts = path.split("__")
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = value
    return cerfa


PDF = PDF_BYTES


def later(days: int) -> datetime:
    return timezone.now() + timedelta(days=days)


@pytest.fixture
def cfa_tx(transactional_db) -> Cfa:
    return Cfa("CFA CONCURRENT")


@pytest.fixture
def employeur_tx(transactional_db):
    return EtablissementFactory(entreprise=True, raison_sociale="TRANSPORTS CONCURRENTS")


def another_nir(nir: str, order: int) -> str:
    """The NIR of another person born the same month in the same commune (order number ``order``)."""
    body = nir[:10] + f"{order:03d}"
    return body + f"{97 - int(body) % 97:02d}"
