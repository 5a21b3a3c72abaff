"""Faults against the real services: gunicorn on the suite's own PostgreSQL database and Redis
index, each reached through a loopback proxy the test cuts and restores (the shared services
themselves are never stopped). With Redis cut, pages still serve; with the database cut,
readers get the 503 page; when it returns, the same server processes answer again by
themselves."""

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.db import connection

from tests import factories
from tests.helpers import wait_for_other_sessions_to_end

ROOT = Path(__file__).resolve().parent.parent
UNAVAILABLE_FR = "Indisponible un instant"
pytestmark = pytest.mark.django_db(transaction=True)


class Cuttable:
    """A TCP forwarder on 127.0.0.1 to `target`. cut(): every open connection is closed and
    new ones are accepted and dropped at once (what a crashed or unreachable server looks like
    to a client); restore(): forwarding again."""

    def __init__(self, host, port):
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.is_cut = False
        self.open = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.is_cut:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self):
        self.is_cut = True
        with self.lock:
            for sock in self.open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.open = []

    def restore(self):
        self.is_cut = False

    def close(self):
        self.cut()
        self.listener.close()


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=15) as response:  # noqa: S310 (http only)
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served():
    """gunicorn (two processes) on the suite's database and Redis, each through a proxy."""
    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        pytest.skip("needs the real PostgreSQL and Redis (DATABASE_URL and REDIS_URL)")
    db = connection.settings_dict
    database = Cuttable(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    redis_url = urlsplit(os.environ["REDIS_URL"])
    redis = Cuttable(redis_url.hostname, redis_url.port or 6379)
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_DEBUG="1",
        DJANGO_CONN_MAX_AGE="600",  # kept connections: the ones the cut breaks
        DATABASE_URL=f"postgres://{db['USER']}{password}@127.0.0.1:{database.port}/{db['NAME']}",
        REDIS_URL=f"redis://127.0.0.1:{redis.port}{redis_url.path or '/0'}",
    )
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "--worker-class", "gthread",
         "--workers", "2", "--threads", "4", "--bind", f"127.0.0.1:{port}",
         "--no-control-socket", "--log-level", "critical"],
        cwd=ROOT, env=env, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/robots.txt", timeout=2).read()  # noqa: S310
            break
        except OSError:
            time.sleep(0.1)
    yield base, database, redis
    server.terminate()
    server.wait(timeout=15)
    database.close()
    redis.close()
    wait_for_other_sessions_to_end()


def test_pages_survive_redis_and_the_database_going_away_and_come_back_by_themselves(served):
    base, database, redis = served
    story = factories.live_story(headline="Panne")
    factories.update(story, body="Avant la panne")
    pages = ["/", story.get_absolute_url(), f"/stories/{story.slug}/updates/?since=0"]
    for _ in range(4):  # both processes, each with its kept connections
        assert [get(base + p)[0] for p in pages] == [200, 200, 200]

    redis.cut()
    factories.update(story, body="Pendant la panne de Redis")
    for _ in range(4):
        statuses = [get(base + p)[0] for p in pages]
        assert statuses == [200, 200, 200], statuses
    assert "Pendant la panne de Redis" in get(base + story.get_absolute_url())[2]
    redis.restore()

    database.cut()
    for _ in range(4):
        for path in pages:
            status, headers, body = get(base + path)
            assert status == 503, (path, status)
            assert headers["Retry-After"] == "30"
            assert "no-store" in headers["Cache-Control"]
            if path != pages[-1]:
                assert UNAVAILABLE_FR in body
    database.restore()

    # Back with no restart: the first request on a broken connection may still fail (Django
    # drops it at the end of that request), the next one reconnects.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if all(get(base + p)[0] == 200 for p in pages for _ in range(2)):
            break
        time.sleep(0.2)
    for _ in range(4):
        assert [get(base + p)[0] for p in pages] == [200, 200, 200]
    factories.update(story, body="Après la panne")
    assert "Après la panne" in get(base + story.get_absolute_url())[2]


def test_a_kept_connection_is_asked_select_1_only_once_the_server_has_spoken():
    """newsroom/postgresql: the health check before a request's first query polls the socket;
    only a server that wrote something (ending the session, restarting) is asked `SELECT 1`."""
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL backend's health check")
    from django.db.backends.postgresql import base as django_backend

    other = connection.copy()  # a kept connection of its own, which this test may lose
    other.ensure_connection()
    try:
        with mock.patch.object(
            django_backend.DatabaseWrapper, "is_usable", return_value="asked"
        ) as asked:
            assert other.is_usable() is True
            assert not asked.called  # idle and silent: no round trip
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(%s)", [other.connection.info.backend_pid]
                )
            for _ in range(50):
                if other.is_usable() == "asked":
                    break
                time.sleep(0.05)
            assert other.is_usable() == "asked"  # it spoke: asked as Django asks
        assert other.is_usable() is False  # and Django's own check finds it gone
    finally:
        other.close()
