import pytest

from accounts.actors import Actor, Channel
from documents.converters import UnoserverConverter, processes_with_marker, set_default_converter
from tests.factories import NOW, EtablissementFactory, UserFactory, of_user


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def of_etab(db):
    return EtablissementFactory(raison_sociale="OF GENERIQUE")


@pytest.fixture
def entreprise(db):
    return EtablissementFactory(entreprise=True, raison_sociale="ENTREPRISE FICTIVE")


@pytest.fixture
def of_actor(of_etab):
    user, _ = of_user(of_etab)
    return Actor.for_user(user)


@pytest.fixture
def of_admin_actor(of_etab):
    user, _ = of_user(of_etab, admin=True)
    return Actor.for_user(user)


@pytest.fixture
def other_actor(db):
    """A user of another OF: must never see anything of ``of_etab``."""
    user, _ = of_user()
    return Actor.for_user(user)


@pytest.fixture
def opco_user(db):
    return UserFactory(opco=True)


@pytest.fixture
def opco_actor(opco_user):
    return Actor.for_user(opco_user, channel=Channel.ADMIN)


# --- The LibreOffice listener ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pdf_listener():
    """One unoserver listener for the whole session, installed as the default converter, stopped at the end
    with every process it started (no stray soffice)."""
    converter = UnoserverConverter(timeout=90, start_timeout=120)
    assert converter.available(), f"LibreOffice/unoserver indisponible : {converter.unavailable_reason()}"
    converter.start()
    previous = set_default_converter(converter)
    try:
        yield converter
    finally:
        set_default_converter(previous)
        marker = converter.marker
        converter.close()
        assert marker and not processes_with_marker(marker), "des processus LibreOffice ont survécu à la session"


# --- A skipped test is not a passed one -----------------------------------------------------
_skipped: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if _skipped and exitstatus == 0:
        session.exitstatus = 1
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"ÉCHEC : {len(_skipped)} test(s) ignoré(s) — tout test doit s'exécuter :", red=True)
            for nodeid in _skipped:
                reporter.write_line(f"  {nodeid}")


def pytest_configure(config):
    import os

    from django.conf import settings

    if os.environ.get("PORTAIL_REQUIRE_POSTGRES") and "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        raise pytest.UsageError("PORTAIL_REQUIRE_POSTGRES est défini mais DATABASE_URL ne vise pas PostgreSQL.")
