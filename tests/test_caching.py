"""The shared render of articles/caching.py, asked directly: one render per generation (and
variant and language) for every reader, a 304 from the stored headers, bytes compressed once,
no entry served past the next scheduled change it hides, and a hit that costs one lookup."""

import gzip
import threading
from datetime import UTC, datetime, timedelta

import brotli
import pytest
import time_machine
import zstandard
from django.test import RequestFactory
from django.utils import timezone, translation
from django.utils.http import http_date

from articles import caching, freshness

pytestmark = pytest.mark.django_db

CHANGED = datetime(2023, 11, 20, 6, 45, tzinfo=UTC)
LONG = "<p>" + "Une page de direct qui se compresse bien. " * 200 + "</p>"


class Renderer:
    """A page's render function that counts its calls."""

    def __init__(self, html=LONG, *, last_modified=CHANGED, next_change=None):
        self.html = html
        self.last_modified = last_modified
        self.next_change = next_change
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return caching.Render(
            self.html,
            last_modified=self.last_modified,
            next_change=self.next_change,
            language=translation.get_language(),
        )


def get(render, *, scope="story:a", variant="page", max_age=60, **headers):
    request = RequestFactory().get("/page/", **headers)
    return caching.cached_page(
        request, scope=scope, variant=variant, render=render, max_age=max_age
    )


def test_two_readers_of_the_same_generation_share_one_render():
    render = Renderer()
    first, second = get(render), get(render)
    assert render.calls == 1
    assert first.content == second.content == LONG.encode()
    assert first["ETag"] == second["ETag"]


def test_a_new_generation_renders_again_with_a_new_etag():
    render = Renderer()
    first = get(render)
    freshness.bump(slugs=["a"])
    render.html = LONG + "<p>changed</p>"
    second = get(render, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    assert b"changed" in second.content
    assert render.calls == 2


def test_a_bump_elsewhere_leaves_the_page_cached():
    render = Renderer()
    get(render)
    freshness.bump(slugs=["b"])
    get(render)
    assert render.calls == 1


def test_each_variant_and_language_has_its_own_render_and_etag():
    render = Renderer()
    fr = get(render)
    with translation.override("en"):
        en = get(render)
    other = get(render, variant="page-2")
    assert render.calls == 3
    assert len({fr["ETag"], en["ETag"], other["ETag"]}) == 3


def test_a_matching_if_none_match_is_a_304_with_both_validators_and_no_render():
    render = Renderer()
    first = get(render)
    again = get(render, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert again["Last-Modified"] == first["Last-Modified"] == http_date(CHANGED.timestamp())
    assert render.calls == 1


@pytest.mark.parametrize(
    ("since", "status"),
    [(CHANGED, 304), (CHANGED + timedelta(minutes=1), 304), (CHANGED - timedelta(minutes=1), 200)],
    ids=["same time", "later", "earlier"],
)
def test_if_modified_since_is_a_304_unless_the_page_changed_after_it(since, status):
    assert get(Renderer(), HTTP_IF_MODIFIED_SINCE=http_date(since.timestamp())).status_code == (
        status
    )


def test_without_a_last_modified_time_there_is_no_last_modified_header():
    assert "Last-Modified" not in get(Renderer(last_modified=None))


@pytest.mark.parametrize("max_age", [5, 300])
def test_pages_and_their_304s_are_public_and_may_be_served_stale_by_a_front_cache(max_age):
    first = get(Renderer(), max_age=max_age)
    again = get(Renderer(), max_age=max_age, HTTP_IF_NONE_MATCH=first["ETag"])
    for response in (first, again):
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"public", f"max-age={max_age}", "stale-if-error=600"} <= directives
        assert f"stale-while-revalidate={max(max_age, 5)}" in directives


def test_a_hit_costs_one_lookup_and_no_render(django_assert_num_queries):
    render = Renderer()
    etag = get(render)["ETag"]
    with django_assert_num_queries(1):  # the generation's row
        assert get(render, HTTP_ACCEPT_ENCODING="br").status_code == 200
    with django_assert_num_queries(1):
        assert get(render, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert render.calls == 1


def test_a_process_serves_a_render_from_its_own_copy_and_another_from_the_shared_cache(
    monkeypatch,
):
    """caching.PAGE_MEMO: after its first hit, a process reads nothing from the shared cache;
    another process (its own copy empty) takes the render from the shared cache, unrendered."""
    render = Renderer()
    get(render, HTTP_ACCEPT_ENCODING="gzip")
    reads = []
    real = caching.cache.get_many
    monkeypatch.setattr(caching.cache, "get_many", lambda keys: reads.append(keys) or real(keys))
    assert get(render, HTTP_ACCEPT_ENCODING="gzip").status_code == 200
    assert reads == []
    caching.PAGE_MEMO.clear()  # as another process finds it
    assert gzip.decompress(get(render, HTTP_ACCEPT_ENCODING="gzip").content).decode() == LONG
    assert len(reads) == 1
    assert get(render, HTTP_ACCEPT_ENCODING="gzip").status_code == 200
    assert len(reads) == 1
    assert render.calls == 1
    freshness.bump(slugs=["a"])  # story:a: a new generation is a new key, rendered again
    assert get(render, HTTP_ACCEPT_ENCODING="gzip").status_code == 200
    assert render.calls == 2


def test_a_memo_holds_at_most_its_bytes_dropping_the_oldest_first():
    memo = caching.Memo(max_bytes=3 * (1000 + 64))
    memo.add_many({f"k{n}": b"x" * 1000 for n in range(5)})
    assert sorted(memo.get_many([f"k{n}" for n in range(5)])) == ["k2", "k3", "k4"]
    memo.add_many({"k2": b"y" * 1000})  # a key written again counts once
    assert memo.get_many(["k2", "k3", "k4"]) == {"k2": b"y" * 1000, "k3": b"x" * 1000,
                                                 "k4": b"x" * 1000}  # fmt: skip


def test_an_entry_is_not_served_past_the_scheduled_change_it_hides():
    due = timezone.now() + timedelta(minutes=3)
    render = Renderer(next_change=due)
    first = get(render)
    with time_machine.travel(due - timedelta(seconds=1)):
        assert get(render, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert render.calls == 1
    render.next_change = None
    with time_machine.travel(due + timedelta(seconds=1)):
        after = get(render, HTTP_IF_NONE_MATCH=first["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != first["ETag"]
    assert render.calls == 2


DECODERS = {
    "gzip": gzip.decompress,
    "br": brotli.decompress,
    "zstd": lambda data: zstandard.ZstdDecompressor().decompress(data),
}


@pytest.mark.parametrize(
    ("accept", "encoding"),
    [
        ("gzip, deflate, br, zstd", "br"),
        ("gzip, zstd", "zstd"),
        ("gzip", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("identity", None),
        ("", None),
    ],
)
def test_the_page_is_sent_in_the_best_encoding_the_reader_accepts(accept, encoding):
    response = get(Renderer(), HTTP_ACCEPT_ENCODING=accept)
    assert response.get("Content-Encoding") == encoding
    decoded = DECODERS[encoding](response.content) if encoding else response.content
    assert decoded == LONG.encode()
    assert int(response["Content-Length"]) == len(response.content)
    if encoding:
        assert len(response.content) < len(LONG) / 5


def test_the_render_is_compressed_once_not_per_request(monkeypatch):
    calls = []
    real = dict(caching.COMPRESSORS)
    for name, compress in real.items():
        monkeypatch.setitem(
            caching.COMPRESSORS,
            name,
            lambda data, name=name, compress=compress: calls.append(name) or compress(data),
        )
    render = Renderer()
    for accept in ["br", "gzip", "zstd", "br", "gzip"]:
        get(render, HTTP_ACCEPT_ENCODING=accept)
    assert sorted(calls) == ["br", "gzip", "zstd"]


def test_threads_storing_renders_at_once_each_compress_safely():
    """gunicorn's threads store renders at the same moment after a post. A compressor shared
    between them crashed the whole process (a segmentation fault, not an exception)."""
    page = (LONG * 40).encode()
    failures = []

    def compress_many():
        try:
            for _ in range(30):
                for name, compress in caching.COMPRESSORS.items():
                    assert DECODERS[name](compress(page)) == page
        except Exception as error:  # reported below, from the main thread
            failures.append(error)

    threads = [threading.Thread(target=compress_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_public_pages_vary_on_accept_encoding_only():
    response = get(Renderer(), HTTP_ACCEPT_ENCODING="gzip")
    assert response["Vary"] == "Accept-Encoding"


def test_with_the_page_cache_off_every_request_renders(settings):
    settings.NEWSROOM_PAGE_CACHE = False
    render = Renderer()
    first = get(render, HTTP_ACCEPT_ENCODING="gzip")
    assert gzip.decompress(first.content) == LONG.encode()
    assert get(render, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert render.calls == 2


def test_digest_is_stable_short_and_differs_for_different_text():
    assert caching.digest("a") == caching.digest("a")
    assert caching.digest("a") != caching.digest("b")
    assert len(caching.digest("a")) == 20
