import ipaddress
import socket

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.test import Client

from tests import factories

# A task runs at once, inside the test that queued it: what the worker would do later is checked
# in the same test. `@task` builds the configured backend when its module is imported, which
# django.setup() does before this file runs (the admin imports articles.tasks): the handler is
# reset as Django's own setting_changed receiver does, so every enqueue gets the new backend.
django_settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
setting_changed.send(sender=None, setting="TASKS", value=django_settings.TASKS, enter=True)


LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    # Tests never reach the internet: no name but this machine's resolves, so a task that would
    # fetch a real site (an archive, a capture) fails as it would offline. Tests of fetching pass
    # egress a resolver of their own and serve on 127.0.0.1.
    real = socket.getaddrinfo

    def loopback_only(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name.lower() not in LOOPBACK_NAMES:
            raise socket.gaierror(socket.EAI_NONAME, f"tests never reach the internet ({name})")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)
    # An address written as such (a cited https://203.0.113.9/) resolves without asking: the
    # connection itself is held to this machine.
    real_connect = socket.socket.connect

    def connect_loopback_only(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            raise OSError(f"tests never reach the internet ({address[0]})")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect_loopback_only)


def _is_loopback(host):
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return host.lower() in LOOPBACK_NAMES


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path_factory):
    # Uploads of each test go to a folder of its own, never the project's media/.
    root = tmp_path_factory.mktemp("media")
    settings.MEDIA_ROOT = str(root)
    return root


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Password hashing is deliberately slow; tests only need it to work.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    # What a test stores (captures, uploads) goes to its own folder, never the project's media.
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The process's own copies of stored fragments and pages too: a test's ids, slugs, frozen
    # times and generations (0 before a first change) can be another's.
    # And the generations this process holds leases on (a flush between tests tells nobody).
    from articles import caching, freshness, live

    memos = (live.FRAGMENT_MEMO, caching.PAGE_MEMO)
    cache.clear()
    for memo in memos:
        memo.clear()
    freshness.forget_leases()
    yield
    cache.clear()
    for memo in memos:
        memo.clear()
    freshness.forget_leases()


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


@pytest.fixture
def providers(settings, monkeypatch):
    """The social platforms' public endpoints, faked on 127.0.0.1 with recorded answers
    (tests/providers.py): captures, tasks and checks reach them and nothing else."""
    from articles import egress
    from tests.providers import NAMES, serve

    server = serve()
    settings.NEWSROOM_EGRESS_ALLOW_LOOPBACK_FOR_TESTS = True
    settings.NEWSROOM_SOCIAL_PROVIDER_PORT_FOR_TESTS = server.server_port

    def resolve(host, port):
        if host not in NAMES:
            raise egress.EgressError(f"{host} is not a faked provider", "unreachable")
        return ["127.0.0.1"]

    monkeypatch.setattr(egress, "system_resolver", resolve)
    yield server
    server.stop()
