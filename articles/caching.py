"""Conditional GET, compressed bytes and the shared render, keyed on a freshness generation.

A public page prints nothing of the user, so one render serves every reader until its scope's
generation moves (articles.freshness) or the next scheduled change it hides comes due. A hit
costs the generation (the process's lease on it, else one indexed row) and the answer in the
encoding the reader accepts, from the process's own copy or one cache read: no ORM query, no
template, no compression. The render is compressed once (gzip, Brotli, zstd) when it is
stored, never per request.
"""

import functools
import gzip
import hashlib
import threading
import time
from typing import NamedTuple

import brotli
import zstandard
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag

from articles import freshness

# A render's entry is keyed on its generation, so its lifetime only bounds the memory that
# renders of old generations hold; the next scheduled change bounds what it may show.
PAGE_CACHE_SECONDS = 3600

# What a cached render is compressed with, best first (the order a reader accepting several
# gets). Levels measured on the 20-update story page (61 KB): gzip 9 gives 8.9 KB in 1.6 ms,
# Brotli 9 gives 7.2 KB in 4 ms (11: 6.6 KB in 95 ms, too slow for a page rendered after
# every post), zstd 12 gives 8.0 KB in 3 ms. Once per render, not per request.
ENCODINGS = ("br", "zstd", "gzip")


class _ThreadCompressors(threading.local):
    # A ZstdCompressor serves one thread at a time: two threads compressing with the same one
    # crash the process (a segmentation fault, seen under gunicorn's threads when two of them
    # stored renders at once). One per thread, made on its first render.
    def __init__(self):
        self.zstd = zstandard.ZstdCompressor(level=12)


_compressors = _ThreadCompressors()
COMPRESSORS = {
    "br": lambda data: brotli.compress(data, quality=9, mode=brotli.MODE_TEXT),
    "zstd": lambda data: _compressors.zstd.compress(data),
    "gzip": lambda data: gzip.compress(data, compresslevel=9, mtime=0),
}
# Below this size compression saves less than the header costs.
MIN_COMPRESS_BYTES = 400


def digest(text):
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


class Memo:
    """A process's own copy of entries whose key names their whole content (a fragment's key
    holds its row's version and change time and its story's generation, a page's its scope's
    generation: a key never comes to mean other bytes), in front of the shared cache: a hit
    costs a dict lookup, where the shared cache unpickles each entry (4.5 µs for an update's
    fragment) or fetches it over the network (a round trip to Redis per page). At most
    `max_bytes` of text and bytes are kept, the oldest entries dropped first."""

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self._entries = {}
        self._size = 0
        self._lock = threading.Lock()

    def get_many(self, keys):
        # Without the lock: one `get` per key, so an entry another thread drops meanwhile is
        # a miss, never a KeyError.
        found = {}
        for key in keys:
            entry = self._entries.get(key)
            if entry is not None:
                found[key] = entry[0]
        return found

    def add_many(self, found):
        with self._lock:
            for key, value in found.items():
                old = self._entries.pop(key, None)
                if old is not None:
                    self._size -= old[1]
                size = _size_of(value)
                self._entries[key] = (value, size)
                self._size += size
            while self._size > self.max_bytes and self._entries:
                _value, size = self._entries.pop(next(iter(self._entries)))
                self._size -= size

    def read_through(self, keys, shared):
        """`get_many` here, then from `shared` (a Django cache) for the keys missing, which
        are kept here too."""
        found = self.get_many(keys)
        missing = [key for key in keys if key not in found]
        if missing:
            more = shared.get_many(missing)
            self.add_many(more)
            found |= more
        return found

    def write_through(self, entries, shared, timeout):
        """Store `entries` in `shared` (a Django cache) and here."""
        shared.set_many(entries, timeout)
        self.add_many(entries)

    def clear(self):
        with self._lock:
            self._entries.clear()
            self._size = 0


def _size_of(value):
    if isinstance(value, str | bytes):
        return len(value) + 64
    if isinstance(value, list | tuple):
        return sum(map(_size_of, value)) + 64
    return 512  # a page's headers, as a small dict


# Each process keeps the renders it served last (a 20-update page is about 120 KB in its four
# encodings): a hit then costs the generation alone.
PAGE_MEMO = Memo(64 * 1024 * 1024)


def public(response, *, max_age, stale=True):
    """Public for `max_age`; a front cache (deploy/nginx.conf, a CDN) may answer with a stale
    copy while it revalidates (a few seconds) or while the application errs (ten minutes)."""
    directives = {"public": True, "max_age": max_age}
    if stale:
        directives |= {"stale_while_revalidate": max(max_age, 5), "stale_if_error": 600}
    patch_cache_control(response, **directives)
    return response


class Render(NamedTuple):
    """A page as rendered: its text, when it last changed, when it next changes by itself
    (a scheduled item coming due; None: never), and its language and type."""

    text: str
    last_modified: object = None
    next_change: object = None
    language: str = ""
    content_type: str = "text/html; charset=utf-8"


def accepted_encoding(request):
    """The best encoding of ours the request accepts (None: identity). `q=0` refuses one."""
    header = request.headers.get("Accept-Encoding", "")
    if not header:
        return None
    accepted = {}
    for part in header.lower().split(","):
        name, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        accepted[name.strip()] = quality
    for encoding in ENCODINGS:
        if accepted.get(encoding, accepted.get("*", 0)) > 0:
            return encoding
    return None


def _entry(render, etag):
    """What the cache holds for one render: its headers, and its bytes in each encoding."""
    raw = render.text.encode()
    bodies = {"identity": raw}
    if len(raw) >= MIN_COMPRESS_BYTES:
        bodies |= {encoding: COMPRESSORS[encoding](raw) for encoding in ENCODINGS}
    meta = {
        "etag": etag,
        "last_modified": render.last_modified and int(render.last_modified.timestamp()),
        "until": render.next_change.timestamp() if render.next_change else None,
        "language": render.language,
        "content_type": render.content_type,
        "encodings": sorted(bodies),
    }
    return meta, bodies


def _respond(request, meta, body_for, *, max_age):
    """The answer (or 304) for a cached or fresh render's `meta`; `body_for(encoding)` gives
    the bytes, asked for only when the page is sent."""
    response = get_conditional_response(
        request, etag=meta["etag"], last_modified=meta["last_modified"]
    )
    if response is None:
        encoding = accepted_encoding(request)
        if encoding not in meta["encodings"]:
            encoding = None
        response = HttpResponse(body_for(encoding or "identity"), content_type=meta["content_type"])
        if encoding:
            response["Content-Encoding"] = encoding
        response["Content-Length"] = str(len(response.content))
    response["ETag"] = meta["etag"]
    if meta["last_modified"]:
        response["Last-Modified"] = http_date(meta["last_modified"])
    if meta["language"]:
        response["Content-Language"] = meta["language"]
    # The one header a public page varies on: the language is the story's or the newsroom's,
    # and nothing of the reader's cookies is printed. Set whole, as `public` and
    # `patch_vary_headers` would on this new response, without parsing them per request.
    response["Vary"] = "Accept-Encoding"
    response["Cache-Control"] = _public_cache_control(max_age)
    return response


@functools.cache
def _public_cache_control(max_age):
    probe = public(HttpResponse(), max_age=max_age)
    return probe["Cache-Control"]


def _stored(meta_key, body_key, encoding):
    """A stored render's headers and its body in `encoding` (None when it has none in it):
    this process's copy first, then the shared cache's; None when neither holds a render
    still good now."""
    for store in (PAGE_MEMO, cache):
        found = store.get_many([meta_key, body_key])
        meta = found.get(meta_key)
        if meta is not None and meta["until"] is not None and meta["until"] <= time.time():
            continue  # a scheduled change it hides has come due
        if meta is not None and (body_key in found or encoding not in meta["encodings"]):
            if store is cache:
                PAGE_MEMO.add_many(found)
            return meta, found.get(body_key)
    return None


def _body(key):
    """A stored render's body in another encoding than the one asked (identity, for a page
    too small to compress)."""
    return PAGE_MEMO.read_through([key], cache).get(key)


def cached_page(request, *, scope, variant, render, max_age):
    """A public page of `scope` (articles.freshness), one render per generation and `variant`
    (the page number, the filter, the poll's cursor...), shared by every reader and every
    process that shares the cache.

    `render()` returns a `Render`; it may raise Http404 and the like (nothing is stored). A
    304 is answered from the stored headers without rendering. With `NEWSROOM_PAGE_CACHE` off
    (the uncached benchmark), every request renders and compresses only what it sends."""
    if not settings.NEWSROOM_PAGE_CACHE:
        fresh = render()
        raw = fresh.text.encode()
        meta = {
            "etag": quote_etag(hashlib.blake2b(raw, digest_size=10).hexdigest()),
            "last_modified": fresh.last_modified and int(fresh.last_modified.timestamp()),
            "language": fresh.language,
            "content_type": fresh.content_type,
        }
        encoding = accepted_encoding(request)
        meta["encodings"] = ["identity", encoding] if encoding else ["identity"]
        return _respond(
            request,
            meta,
            lambda name: raw if name == "identity" else COMPRESSORS[name](raw),
            max_age=max_age,
        )
    generation = freshness.leased_generation(scope)
    base = f"page:{digest(f'{scope}|{variant}|{translation.get_language()}')}:{generation}"
    encoding = accepted_encoding(request) or "identity"
    meta_key, body_key = f"{base}:meta", f"{base}:{encoding}"
    stored = _stored(meta_key, body_key, encoding)
    if stored is not None:
        meta, body = stored
        return _respond(
            request,
            meta,
            lambda name: body if name == encoding and body is not None else _body(f"{base}:{name}"),
            max_age=max_age,
        )
    fresh = render()
    until = fresh.next_change.timestamp() if fresh.next_change else None
    # Two processes rendering the same generation and schedule make the same ETag, so a 304
    # holds whichever worker answers.
    etag = quote_etag(digest(f"{base}:{until}"))
    meta, bodies = _entry(fresh, etag)
    timeout = PAGE_CACHE_SECONDS
    if until is not None:
        timeout = max(1, min(timeout, int(until - time.time()) + 1))
    entries = {meta_key: meta, **{f"{base}:{name}": body for name, body in bodies.items()}}
    PAGE_MEMO.write_through(entries, cache, timeout)
    return _respond(request, meta, bodies.__getitem__, max_age=max_age)
