import pytest
from django.core.cache import cache
from django.test import Client

from tests import factories


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Password hashing is deliberately slow; tests only need it to work.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def editor(db):
    return factories.user("editor", group="Editor")


@pytest.fixture
def reporter(db):
    return factories.user("reporter", group="Reporter")


@pytest.fixture
def livedesk(db):
    return factories.user("livedesk", group="Live desk")


@pytest.fixture
def editor_client(editor):
    client = Client()  # its own, so a test can hold several roles' clients at once
    client.force_login(editor)
    return client


@pytest.fixture
def reporter_client(reporter):
    client = Client()  # its own, so a test can hold several roles' clients at once
    client.force_login(reporter)
    return client


@pytest.fixture
def livedesk_client(livedesk):
    client = Client()  # its own, so a test can hold several roles' clients at once
    client.force_login(livedesk)
    return client
