"""A Redis cache that fails open: when Redis is down, pages are rendered without it.

Every page of the site reads the render cache (articles/views.py `_cached_page`); with Django's
stock RedisCache a dead Redis turns each of those reads into a ConnectionError, so the whole
public site answers 500 while the database, which holds everything readers need, is fine. Here
each operation answers as a miss (get → default, add → not added, get_many → {}, ...) when the
client cannot reach Redis, and a small circuit breaker then skips Redis entirely for a few
seconds, so a dead or blackholed Redis costs one connect timeout per process every
`BREAKER_SECONDS`, not one per request.
"""

import logging
import re
import threading
import time

from django.core.cache.backends import locmem
from django.core.cache.backends.base import DEFAULT_TIMEOUT, MEMCACHE_MAX_KEY_LENGTH
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError, InvalidResponse, TimeoutError

logger = logging.getLogger("newsroom.cache")

# Outages, not bugs: refused or reset connections, timeouts, and something that is not Redis
# answering on the port (measured: a proxy's "HTTP/1.1 400" arrives as InvalidResponse). A
# ResponseError (a wrong command) is a bug and still raises.
UNAVAILABLE = (ConnectionError, TimeoutError, InvalidResponse)
# After a failure, skip Redis this long: at 50 requests a second a process makes 250 fewer
# doomed round trips per outage window, and a recovered Redis is used again within 5 s.
BREAKER_SECONDS = 5.0
# One log line per process per minute at most: an outage at 50 requests a second would
# otherwise write 3,000 identical lines a minute.
LOG_EVERY_SECONDS = 60.0


class CircuitBreaker:
    """Per process and per Redis location: Django makes one cache object per thread, and all
    of a process's threads see the same Redis."""

    def __init__(self, location):
        self.location = location
        self._lock = threading.Lock()
        self._open_until = 0.0  # 0: closed, Redis is used
        self._last_log = None
        self._suppressed = 0  # failures and skipped calls since the last log line

    def allow(self):
        now = time.monotonic()
        with self._lock:
            if not self._open_until:
                return True
            if now < self._open_until:
                self._suppressed += 1
                return False
            # Half-open: this caller probes Redis; the others keep skipping until it answers.
            self._open_until = now + BREAKER_SECONDS
            return True

    def succeeded(self):
        if self._open_until:
            with self._lock:
                self._open_until = 0.0
            logger.info("Redis cache at %s answers again", self.location)

    def failed(self, operation, error):
        now = time.monotonic()
        with self._lock:
            self._open_until = now + BREAKER_SECONDS
            if self._last_log is not None and now - self._last_log < LOG_EVERY_SECONDS:
                self._suppressed += 1
                return
            self._last_log, suppressed, self._suppressed = now, self._suppressed, 0
        logger.error(
            "Redis cache at %s unavailable (%s on %s: %s); serving without cache, retrying "
            "every %g s; %d failed or skipped cache calls since the previous report",
            self.location,
            type(error).__name__,
            operation,
            error,
            BREAKER_SECONDS,
            suppressed,
        )


_breakers = {}
_breakers_lock = threading.Lock()


def breaker_for(location):
    with _breakers_lock:
        return _breakers.setdefault(location, CircuitBreaker(location))


# A key memcached could not take: too long, or with a space or control character in it.
_UNSAFE_KEY = re.compile(r"[\x00-\x20\x7f]")


class QuickKeyCheck:
    """Django's key check (a warning for a key memcached could not take) with one regular
    expression instead of a Python loop over every character: 6 µs a key, 2.4 ms of a
    200-update page's read of its 400 stored fragments (measured with the local cache)."""

    def validate_key(self, key):
        if len(key) > MEMCACHE_MAX_KEY_LENGTH or _UNSAFE_KEY.search(key):
            super().validate_key(key)  # warns as Django does


class LocMemCache(QuickKeyCheck, locmem.LocMemCache):
    """The local-memory cache of a single-machine install (SQLite), with the quick key check."""


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis client, which makes a redis-py client for every operation: redis-py 8
    fills a table of some 170 response callbacks for each one, 0.45 ms of a cached page's
    0.6 ms in Python (profiled). A redis-py client is safe to share between threads (its
    pool hands each command a connection), so one per pool serves them all."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailOpenRedisCache(QuickKeyCheck, RedisCache):
    """Django's RedisCache whose every operation is best-effort (see the module docstring)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._breaker = breaker_for(",".join(self._servers))

    def _attempt(self, fallback, method, *args):
        if not self._breaker.allow():
            return fallback
        try:
            result = method(*args)
        except UNAVAILABLE as error:
            self._breaker.failed(method.__name__, error)
            return fallback
        self._breaker.succeeded()
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._attempt(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._attempt(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._attempt(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._attempt({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._attempt(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        unavailable = object()
        result = self._attempt(unavailable, super().incr, key, delta, version)
        if result is unavailable:
            # What incr() says of a key it cannot find: callers already handle it as a miss.
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Answers the keys that could not be stored, as set_many() reports them.
        return self._attempt(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        self._attempt(None, super().delete_many, keys, version)

    def clear(self):
        return self._attempt(False, super().clear)
