"""The Redis cache is best-effort: a dead Redis makes pages render uncached, never 500; the
outage is logged once a minute at most, and a circuit breaker stops paying for it per request."""

import logging
import socket
import threading

import pytest
from django.core.cache import cache
from django.test import Client

from newsroom import cache as fail_open
from tests import factories


def closed_port():
    """A port on 127.0.0.1 that nothing listens on: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_cache_at(port):
    return {
        "default": {
            "BACKEND": "newsroom.cache.FailOpenRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "KEY_PREFIX": "newsroom",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture(autouse=True)
def _fresh_breakers(monkeypatch):
    monkeypatch.setattr(fail_open, "_breakers", {})


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(fail_open.time, "monotonic", fake)
    return fake


@pytest.fixture
def dead_redis(settings):
    settings.CACHES = redis_cache_at(closed_port())


@pytest.fixture
def cache_log(caplog):
    caplog.set_level(logging.INFO, logger="newsroom.cache")
    return lambda: [r for r in caplog.records if r.name == "newsroom.cache"]


@pytest.fixture
def counting_server():
    """Accepts connections and closes them at once, counting them: a Redis that is down in a
    way the client only finds out after connecting."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    accepted = []

    def serve():
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            accepted.append(1)
            connection.close()

    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()[1], accepted
    server.close()


@pytest.mark.django_db
def test_public_pages_answer_200_with_redis_down_and_log_it_once(dead_redis, cache_log):
    person = factories.author()
    story = factories.live_story(authors=[person])
    factories.update(story)
    pages = [
        "/",
        f"/sections/{story.section.slug}/",
        f"/authors/{person.slug}/",
        story.get_absolute_url(),
        f"{story.get_absolute_url()}updates/?since=0",
    ]
    client = Client()
    for _ in range(5):
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, page
    errors = [r for r in cache_log() if r.levelno >= logging.WARNING]
    assert len(errors) == 1
    assert "unavailable" in errors[0].getMessage()


@pytest.mark.parametrize(
    ("operation", "args", "expected"),
    [
        ("get", ("k",), None),
        ("get", ("k", "fallback"), "fallback"),
        ("set", ("k", 1), None),
        ("add", ("k", 1), False),
        ("touch", ("k",), False),
        ("delete", ("k",), False),
        ("get_many", (["a", "b"],), {}),
        ("has_key", ("k",), False),
        ("set_many", ({"a": 1, "b": 2},), ["a", "b"]),
        ("delete_many", (["a"],), None),
        ("get_or_set", ("k", 7), 7),
        ("clear", (), False),
    ],
)
def test_every_cache_operation_answers_a_miss_when_redis_is_down(
    dead_redis, operation, args, expected
):
    assert getattr(cache, operation)(*args) == expected


def test_incr_on_a_dead_redis_reads_as_a_missing_key(dead_redis):
    with pytest.raises(ValueError, match="not found"):
        cache.incr("counter")


def test_the_breaker_skips_redis_for_a_few_seconds_after_a_failure(
    settings, counting_server, clock
):
    port, accepted = counting_server
    settings.CACHES = redis_cache_at(port)
    for _ in range(50):
        assert cache.get("k") is None
    assert len(accepted) == 1  # one doomed connection, not fifty
    clock.now += fail_open.BREAKER_SECONDS + 0.1
    for _ in range(50):
        cache.get("k")
    assert len(accepted) == 2  # one probe per window


def test_outage_logs_are_one_a_minute_and_count_what_they_left_out(
    dead_redis, clock, cache_log, monkeypatch
):
    monkeypatch.setattr(fail_open, "BREAKER_SECONDS", 0.0)  # every call reaches the dead port
    for _ in range(30):
        cache.get("k")
    assert len(cache_log()) == 1
    clock.now += fail_open.LOG_EVERY_SECONDS - 1
    cache.get("k")
    assert len(cache_log()) == 1
    clock.now += 2
    cache.get("k")
    first, second = cache_log()
    assert "0 failed or skipped" in first.getMessage()
    assert "30 failed or skipped" in second.getMessage()  # 29 then 1 more, before this one


def test_a_recovered_redis_is_used_again_after_the_probe(clock, cache_log):
    breaker = fail_open.CircuitBreaker("redis://example")
    breaker.failed("get", ConnectionError("refused"))
    assert not breaker.allow()
    clock.now += fail_open.BREAKER_SECONDS + 0.1
    assert breaker.allow()  # this caller probes
    assert not breaker.allow()  # the others wait for its answer
    breaker.succeeded()
    assert breaker.allow()
    assert breaker.allow()
    assert "answers again" in cache_log()[-1].getMessage()
