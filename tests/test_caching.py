"""The shared render and conditional GET of articles/caching.py, asked directly: one render per
tag (and language) for every reader, a 304 to a reader who has it, public caching for a CDN."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import RequestFactory
from django.utils import translation
from django.utils.http import http_date

from articles import caching

CHANGED = datetime(2023, 11, 20, 6, 45, tzinfo=UTC)


class Renderer:
    """A page's render function that counts its calls."""

    def __init__(self, html="<p>page</p>"):
        self.html = html
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.html


def get(tag, render, *, max_age=60, last_modified=None, **headers):
    request = RequestFactory().get("/page/", **headers)
    return caching.cached_page(
        request, tag=tag, render_html=render, max_age=max_age, last_modified=last_modified
    )


def test_two_readers_of_the_same_tag_share_one_render():
    render = Renderer()
    first, second = get("story:1:v3", render), get("story:1:v3", render)
    assert render.calls == 1
    assert first.status_code == second.status_code == 200
    assert first.content == second.content == b"<p>page</p>"
    assert first["ETag"] == second["ETag"]


def test_a_new_tag_renders_again_with_a_new_etag():
    render = Renderer()
    before = get("story:1:v3", render)
    render.html = "<p>edited</p>"
    after = get("story:1:v4", render)
    assert render.calls == 2
    assert after.content == b"<p>edited</p>"
    assert after["ETag"] != before["ETag"]


def test_each_language_has_its_own_render_and_etag():
    render = Renderer()
    with translation.override("fr"):
        french = get("home", render)
    with translation.override("en"):
        english = get("home", render)
    assert render.calls == 2
    assert french["ETag"] != english["ETag"]


def test_a_matching_if_none_match_is_a_304_without_rendering():
    first = get("story:1:v3", Renderer())
    render = Renderer()
    again = get("story:1:v3", render, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert render.calls == 0


def test_an_etag_of_another_tag_gets_the_page():
    old = get("story:1:v3", Renderer())
    response = get("story:1:v4", Renderer(), HTTP_IF_NONE_MATCH=old["ETag"])
    assert response.status_code == 200
    assert response.content == b"<p>page</p>"


@pytest.mark.parametrize(
    ("since", "status"),
    [(CHANGED, 304), (CHANGED + timedelta(hours=1), 304), (CHANGED - timedelta(seconds=1), 200)],
    ids=["same time", "later", "earlier"],
)
def test_if_modified_since_is_a_304_unless_the_page_changed_after_it(since, status):
    render = Renderer()
    response = get(
        "story:1:v3",
        render,
        last_modified=CHANGED,
        HTTP_IF_MODIFIED_SINCE=http_date(since.timestamp()),
    )
    assert response.status_code == status
    assert response["Last-Modified"] == http_date(CHANGED.timestamp())
    assert render.calls == (status == 200)


def test_without_a_last_modified_time_there_is_no_last_modified_header():
    response = get("story:1:v3", Renderer(), HTTP_IF_MODIFIED_SINCE=http_date(CHANGED.timestamp()))
    assert response.status_code == 200
    assert not response.has_header("Last-Modified")


@pytest.mark.parametrize("max_age", [5, 300])
def test_pages_and_their_304s_are_public_for_the_max_age_given(max_age):
    page = get("story:1:v3", Renderer(), max_age=max_age)
    not_modified = get("story:1:v3", Renderer(), max_age=max_age, HTTP_IF_NONE_MATCH=page["ETag"])
    for response in (page, not_modified):
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert directives == {"public", f"max-age={max_age}"}


def test_digest_is_stable_short_and_differs_for_different_text():
    assert caching.digest("story:1:v3") == caching.digest("story:1:v3")
    assert len(caching.digest("story:1:v3")) == 20  # 10 bytes, in hex
    assert caching.digest("story:1:v3") != caching.digest("story:1:v4")
    assert caching.digest("") != caching.digest(" ")
    assert caching.digest("é") != caching.digest("e")


# --- Pages that embed social posts -------------------------------------------------------------

CARD = '<figure data-social-url="https://x.com/i/status/1" data-social-version="{}"></figure>'


def test_a_page_with_posts_is_keyed_on_their_versions_read_before_the_render():
    versions = {"https://x.com/i/status/1": 1}
    asked = []

    def post_versions(urls):
        asked.append(list(urls))
        return {(url, versions.get(url, 0)) for url in urls}

    render = Renderer(CARD.format(1))

    def page(**headers):
        request = RequestFactory().get("/page/", **headers)
        return caching.cached_page(
            request, tag="story:1", render_html=render, max_age=60, post_versions=post_versions
        )

    first = page()
    assert render.calls == 1
    assert page(HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert render.calls == 1
    assert asked[-1] == ["https://x.com/i/status/1"]
    # The post is captured again: same story, new key, new render.
    versions["https://x.com/i/status/1"] = 2
    render.html = CARD.format(2)
    second = page(HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]
    assert render.calls == 2
    page()
    assert render.calls == 2


def test_a_render_made_while_a_post_changed_is_not_served_under_the_new_versions():
    render = Renderer(CARD.format(1))  # rendered from version 1...

    def post_versions(urls):
        return {(url, 2) for url in urls}  # ...while version 2 landed

    request = RequestFactory().get("/page/")
    caching.cached_page(
        request, tag="story:9", render_html=render, max_age=60, post_versions=post_versions
    )
    assert render.calls == 2  # rendered again for the versions the key names


def test_a_page_without_posts_costs_no_version_query():
    def post_versions(urls):
        raise AssertionError("no post on the page: nothing to ask")

    render = Renderer()
    for _ in range(2):
        request = RequestFactory().get("/page/")
        caching.cached_page(
            request, tag="story:2", render_html=render, max_age=60, post_versions=post_versions
        )
    assert render.calls == 1
