import pytest

from accounts.actors import Actor, Channel
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
