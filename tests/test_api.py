"""The read API (/api/v1/): what it shows, what it never leaks, what it costs, and its schema
checked by schemathesis against the served OpenAPI document."""

import json
from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from articles import publishing
from articles.models import Citation, Correction, LiveUpdate, Source, Story
from tests import factories
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db


def get(client, path, **params):
    response = client.get(f"/api/v1{path}", params)
    assert response.status_code == 200, (path, response.status_code, response.content[:300])
    return response.json()


def test_stories_list_only_published_ones_newest_first_with_offsets(client):
    older = factories.story(published_at=timezone.now() - timedelta(days=1))
    newer = factories.story()
    factories.story(status=Story.Status.DRAFT)
    factories.story(published_at=timezone.now() + timedelta(hours=1))
    factories.story(status=Story.Status.WITHDRAWN)
    data = get(client, "/stories")
    assert [item["slug"] for item in data["items"]] == [newer.slug, older.slug]
    assert data["next_cursor"] is None
    assert data["items"][0]["published_at"].endswith(("+01:00", "+02:00"))
    assert data["items"][0]["url"].startswith("http")


def test_the_cursor_walks_every_story_once_even_with_equal_times(client):
    at = timezone.now() - timedelta(hours=1)
    made = {factories.story(published_at=at).slug for _ in range(5)}
    made |= {factories.story().slug for _ in range(3)}
    seen, cursor = [], None
    for _ in range(10):
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        data = get(client, "/stories", **params)
        seen += [item["slug"] for item in data["items"]]
        cursor = data["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(made)
    assert len(seen) == len(made)


def test_stories_filter_by_section_and_by_updated_since(client, livedesk):
    section = factories.section(slug="tech")
    tech = factories.story(section=section)
    factories.story()
    assert [i["slug"] for i in get(client, "/stories", section="tech")["items"]] == [tech.slug]
    long_ago = timezone.now() - timedelta(days=3)
    quiet = factories.story()
    live = factories.live_story()
    Story.objects.filter(pk__in=[quiet.pk, live.pk]).update(updated_at=long_ago)
    since = (timezone.now() - timedelta(hours=1)).isoformat()
    assert live.slug not in {
        i["slug"] for i in get(client, "/stories", updated_since=since)["items"]
    }
    update = factories.update(live)
    publishing.delete_update(update=update, by=livedesk)  # a deletion is news to a mirror
    slugs = {i["slug"] for i in get(client, "/stories", updated_since=since)["items"]}
    assert live.slug in slugs
    assert quiet.slug not in slugs


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("cursor=abc", 400),
        ("cursor=99999999999999999999", 400),
        ("updated_since=2023-11-20T07:45:00", 422),
        ("updated_since=0001-01-01T00:00:00%2B00:00", 422),
        ("limit=0", 422),
        ("limit=100000", 422),
    ],
)
def test_bad_parameters_are_refused_calmly(client, query, status):
    assert client.get(f"/api/v1/stories?{query}").status_code == status


def test_a_story_with_its_updates_citations_and_corrections_and_nothing_hidden(client, editor):
    author = factories.author(name="Claire")
    story = factories.live_story(authors=[author])
    shown = factories.update(story, title="Visible")
    factories.update(story, title="Brouillon", status=LiveUpdate.Status.DRAFT)
    factories.update(story, title="Futur", published_at=timezone.now() + timedelta(hours=1))
    gone = factories.update(story, title="Supprimé")
    publishing.delete_update(update=gone, by=editor)
    source = Source.objects.create(name="WSJ", slug="wsj")
    Citation.objects.create(story=story, source=source, url="https://wsj.com/a", title="Board")
    publishing.save_correction(correction=Correction(story=story, note="Kara."), by=editor)
    data = get(client, f"/stories/{story.slug}")
    assert [u["id"] for u in data["updates"]] == [shown.pk]
    assert data["updates_total"] == 1
    assert data["citations"][0]["source"]["slug"] == "wsj"
    assert data["corrections"][0]["note"] == "Kara."
    assert data["authors"][0]["name"] == "Claire"
    text = json.dumps(data)
    for hidden in ("Brouillon", "Futur", "Supprimé"):
        assert hidden not in text


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Story.Status.DRAFT},
        {"status": Story.Status.IN_REVIEW},
        {"status": Story.Status.WITHDRAWN},
        {"published_at_offset": timedelta(hours=1)},
    ],
)
def test_a_story_readers_cannot_see_is_not_found(client, fields):
    offset = fields.pop("published_at_offset", None)
    if offset:
        fields["published_at"] = timezone.now() + offset
    story = factories.live_story(**fields)
    factories.update(story, title="Secret")
    for path in (f"/stories/{story.slug}", f"/stories/{story.slug}/updates"):
        response = client.get(f"/api/v1{path}")
        assert response.status_code == 404
        assert b"Secret" not in response.content


def test_changes_since_a_cursor_send_only_the_id_of_what_left_readers_view(client, livedesk):
    story = factories.live_story()
    first = get(client, f"/stories/{story.slug}/updates", since="0")
    assert first["changes"] == []
    kept = factories.update(
        story, title="Gardé", published_at=timezone.now() - timedelta(minutes=1)
    )
    draft = factories.update(story, title="Brouillon", status=LiveUpdate.Status.DRAFT)
    gone = factories.update(story, title="Supprimé")
    publishing.delete_update(update=gone, by=livedesk)
    data = get(client, f"/stories/{story.slug}/updates", since="0")
    by_id = {change["id"]: change for change in data["changes"]}
    assert by_id[kept.pk]["state"] == "published"
    assert by_id[kept.pk]["update"]["title"] == "Gardé"
    for hidden in (draft, gone):
        assert by_id[hidden.pk] == {"id": hidden.pk, "state": "removed", "update": None}
    assert "Brouillon" not in json.dumps(data)
    assert "Supprimé" not in json.dumps(data)
    # The story's own cursor from its detail continues the same stream.
    detail = get(client, f"/stories/{story.slug}")
    assert get(client, f"/stories/{story.slug}/updates", since=detail["updates_cursor"])


def test_directory_lists(client):
    section = factories.section(name="Tech")
    author = factories.author(name="Claire")
    Source.objects.create(name="WSJ", slug="wsj", kind=Source.Kind.NEWSPAPER)
    assert section.slug in {i["slug"] for i in get(client, "/sections")["items"]}
    assert author.slug in {i["slug"] for i in get(client, "/authors")["items"]}
    assert get(client, "/sources")["items"][0]["kind"] == "newspaper"
    page = get(client, "/authors", limit=1)
    assert page["next_cursor"] is not None or len(page["items"]) == 1


def test_etag_and_304(client):
    factories.story()
    response = client.get("/api/v1/stories")
    etag = response["ETag"]
    assert "public" in response["Cache-Control"]
    again = client.get("/api/v1/stories", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    factories.story()
    assert client.get("/api/v1/stories", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_anonymous_clients_are_rate_limited(client, settings, editor_client):
    settings.NEWSROOM_API_ANON_RATE = "3/min"
    statuses = [client.get("/api/v1/sections").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    limited = client.get("/api/v1/sections")
    assert int(limited["Retry-After"]) > 0
    # Another address has its own allowance; staff signed in are not limited.
    assert client.get("/api/v1/sections", REMOTE_ADDR="203.0.113.9").status_code == 200
    assert all(editor_client.get("/api/v1/sections").status_code == 200 for _ in range(5))


def test_the_openapi_document_is_3_1_and_served(client):
    document = get(client, "/openapi.json")
    assert document["openapi"].startswith("3.1")
    assert {"/api/v1/stories", "/api/v1/stories/{slug}", "/api/v1/stories/{slug}/updates"} <= set(
        document["paths"]
    )


@pytest.mark.parametrize(
    "path",
    ["/stories", "/sections", "/authors", "/sources", "/stories/{live}/updates?since=0"],
)
def test_every_list_costs_the_same_whatever_its_length(client, path, settings):
    settings.NEWSROOM_API_ANON_RATE = "10000/min"
    live = factories.live_story()

    def add(n):
        for _ in range(n):
            story = factories.story(authors=[factories.author()])
            factories.update(live)
            Source.objects.create(name=f"Source {story.pk}", slug=f"source-{story.pk}")

    url = f"/api/v1{path.format(live=live.slug)}"
    if "?" not in url:
        url += "?limit=100"
    add(5)
    few = count_queries(lambda: client.get(url))
    add(195)
    many = count_queries(lambda: client.get(url))
    assert many == few


def test_a_storys_detail_costs_the_same_whatever_its_updates(client):
    story = factories.live_story()
    for _ in range(5):
        factories.update(story)
    few = count_queries(lambda: client.get(f"/api/v1/stories/{story.slug}"))
    for _ in range(195):
        factories.update(story)
    many = count_queries(lambda: client.get(f"/api/v1/stories/{story.slug}"))
    assert many == few


# --- schemathesis against the served document -------------------------------------------------

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def served_schema(settings):
    """The OpenAPI document as the app serves it, with the app to call (WSGI, in-process)."""
    settings.NEWSROOM_API_ANON_RATE = "100000/min"
    story = factories.live_story(slug="direct", authors=[factories.author(slug="claire")])
    factories.update(story, title="Premier point")
    Source.objects.create(name="WSJ", slug="wsj")
    from newsroom.wsgi import application

    # A WSGI call outside the test client would close the test's connection at the start and
    # end of each request (its transaction open, so "obsolete"); the test client detaches
    # this too.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


def test_the_api_answers_every_generated_request_within_its_schema(served_schema):
    """Each operation, with generated parameters (valid and not), answers no 5xx and nothing
    its document does not describe. Bounded: a few seconds for all."""
    operations = [result.ok() for result in served_schema.get_all_operations()]
    assert len(operations) == 6
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=40,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case):
            case.call_and_validate(checks=CHECKS)

        check()


def test_a_story_lists_the_social_posts_it_and_its_updates_embed(client):
    from articles.models import SocialPost

    tweet = SocialPost.objects.create(
        url="https://x.com/gdb/status/1725736242137182594",
        author_name="Greg Brockman",
        author_handle="@gdb",
        text="Sam and I are shocked.",
    )
    toot = SocialPost.objects.create(
        url="https://mastodon.social/@newsroom/111111111111111111", text="Sur Mastodon."
    )
    SocialPost.objects.create(url="https://x.com/someone/status/1", text="Not embedded.")
    story = factories.live_story(body=f"Le message :\n\n{tweet.url}\n")
    factories.update(story, body=f"Et aussi :\n\n{toot.url}\n")
    data = client.get(f"/api/v1/stories/{story.slug}").json()
    found = {post["url"]: post for post in data["social_posts"]}
    assert set(found) == {tweet.url, toot.url}
    assert found[tweet.url]["author_handle"] == "@gdb"
    assert found[tweet.url]["availability"]
