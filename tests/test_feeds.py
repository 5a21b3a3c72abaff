"""The Atom feed of a live story's updates."""

import re
from datetime import timedelta

import feedparser
import pytest
from django.utils import timezone

from articles import publishing
from articles.models import LiveUpdate, Story
from tests import factories
from tests.helpers import count_queries

HOUR = timedelta(hours=1)

pytestmark = pytest.mark.django_db


def feed(client, story):
    response = client.get(f"/feeds/stories/{story.slug}/updates/")
    assert response.status_code == 200, response.status_code
    return feedparser.parse(response.content)


@pytest.mark.parametrize("character", ["\x0b", "\x0c", "\x1f", "\x00", "\x7f"])
def test_a_pasted_control_character_never_breaks_the_feed(client, character):
    story = factories.live_story(headline=f"Titre{character}coupé")
    factories.update(story, title=f"Mise{character}à jour", body=f"Texte{character}collé")
    parsed = feed(client, story)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.feed.title == "Titrecoupé"
    assert parsed.entries[0].title == "Miseà jour"


def test_entry_titles_are_escaped_once(client):
    story = factories.live_story()
    factories.update(story, title="", body="AT&T 1 < 2 et « oui » : non")
    parsed = feed(client, story)
    assert parsed.entries[0].title == "AT&T 1 < 2 et « oui » : non"


def test_characters_xml_refuses_never_reach_the_feed(client):
    story = factories.live_story(headline="Titre \ufffe\uffff fin")
    factories.update(story, title="Mise \ufffe à jour", body="Texte \uffff collé")
    parsed = feed(client, story)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.feed.title == "Titre  fin"


def test_feed_addresses_come_from_the_configured_site_not_the_host_header(client, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.NEWSROOM_SITE_URL = "https://news.example.org"
    story = factories.live_story(slug="direct")
    update = factories.update(story)
    response = client.get("/feeds/stories/direct/updates/", HTTP_HOST="127.0.0.1:6666")
    text = response.content.decode()
    assert "6666" not in text
    parsed = feedparser.parse(response.content)
    assert parsed.feed.link == "https://news.example.org/stories/direct/"
    assert parsed.entries[0].link == f"https://news.example.org{update.get_absolute_url()}"
    assert parsed.entries[0].id.startswith("https://news.example.org/")
    assert "public" in response["Cache-Control"]


def test_the_feed_is_in_the_storys_language_whatever_the_browser(client):
    story = factories.live_story(language="fr")
    factories.update(story)
    text = client.get(f"/feeds/stories/{story.slug}/updates/", HTTP_ACCEPT_LANGUAGE="en")
    assert 'xml:lang="fr"' in text.content.decode()


# --- Every feed: RSS 2.0 and Atom for the site, a section, an author, a live story ---------

OFFSET = re.compile(r"([+-]\d{2}:?\d{2}|Z|GMT)$")


def feed_paths(story, section, author):
    return [
        "/feeds/rss/",
        "/feeds/atom/",
        f"/feeds/sections/{section.slug}/rss/",
        f"/feeds/sections/{section.slug}/atom/",
        f"/feeds/authors/{author.slug}/rss/",
        f"/feeds/authors/{author.slug}/atom/",
        f"/feeds/stories/{story.slug}/updates/",
        f"/feeds/stories/{story.slug}/updates/rss/",
    ]


@pytest.fixture
def newsroom():
    section = factories.section(name="Tech")
    author = factories.author(name="Claire Dubreuil")
    story = factories.live_story(
        headline="OpenAI en direct", section=section, authors=[author], time_zone="Europe/Paris"
    )
    factories.update(story, title="Premier point")
    return story, section, author


def parse(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, (path, parsed.bozo_exception)
    return response, parsed


def test_every_feed_parses_with_entries_and_dates_with_their_offset(client, newsroom):
    for path in feed_paths(*newsroom):
        response, parsed = parse(client, path)
        assert parsed.version in {"rss20", "atom10"}, path
        assert parsed.version == ("rss20" if "rss" in path else "atom10"), path
        assert parsed.entries, path
        for entry in parsed.entries:
            raw = entry.get("published") or entry.get("updated")
            assert OFFSET.search(raw), (path, raw)
            # Winter in Paris: the story's zone, not UTC.
            assert entry.link.startswith("http"), path
        assert "public" in response["Cache-Control"]


def test_no_draft_scheduled_withdrawn_or_deleted_item_appears_in_any_feed(
    client, newsroom, livedesk
):
    story, section, author = newsroom
    later = timezone.now() + timedelta(hours=3)
    for status, at, name in [
        (Story.Status.DRAFT, timezone.now(), "Brouillon caché"),
        (Story.Status.PUBLISHED, later, "Programmé caché"),
        (Story.Status.WITHDRAWN, timezone.now() - timedelta(hours=1), "Retiré caché"),
    ]:
        factories.story(
            headline=name, status=status, published_at=at, section=section, authors=[author]
        )
    factories.update(story, title="Mise à jour brouillon", status=LiveUpdate.Status.DRAFT)
    factories.update(story, title="Mise à jour programmée", published_at=later)
    deleted = factories.update(story, title="Mise à jour supprimée")
    publishing.delete_update(update=deleted, by=livedesk)
    for path in feed_paths(*newsroom):
        text = client.get(path).content.decode()
        for hidden in ("caché", "brouillon", "programmée", "supprimée"):
            assert hidden not in text, (path, hidden)


def test_an_edited_and_corrected_update_carries_its_updated_time_and_correction(
    client, newsroom, livedesk
):
    story, _section, _author = newsroom
    update = factories.update(story, title="Sara Swisher", published_at=timezone.now() - HOUR)
    edited = LiveUpdate.objects.get(pk=update.pk)
    edited.body = "Kara Swisher l’a écrit."
    publishing.edit_update(update=edited, by=livedesk, correction_note="Il s’agit de Kara.")
    update = LiveUpdate.objects.get(pk=update.pk)
    assert update.edited_at is not None
    correction = update.corrections.get()
    _response, parsed = parse(client, f"/feeds/stories/{story.slug}/updates/")
    entry = next(e for e in parsed.entries if e.title == "Sara Swisher")
    assert entry.updated_parsed > entry.published_parsed
    expected = correction.corrected_at.astimezone(story.zone).isoformat(timespec="seconds")
    assert entry.updated == expected
    assert "Il s’agit de Kara." in entry.summary
    assert "Kara Swisher l’a écrit." in entry.summary
    _response, rss = parse(client, f"/feeds/stories/{story.slug}/updates/rss/")
    assert "Il s’agit de Kara." in next(e for e in rss.entries if e.title == "Sara Swisher").summary


def test_story_feeds_list_a_sections_and_an_authors_stories_only(client, newsroom):
    story, section, author = newsroom
    other = factories.story(headline="Ailleurs")
    _r, parsed = parse(client, f"/feeds/sections/{section.slug}/atom/")
    assert [e.title for e in parsed.entries] == [story.headline]
    _r, parsed = parse(client, f"/feeds/authors/{author.slug}/rss/")
    assert [e.title for e in parsed.entries] == [story.headline]
    _r, parsed = parse(client, "/feeds/rss/")
    assert {e.title for e in parsed.entries} == {story.headline, other.headline}
    assert parsed.entries[0].get("author") or parsed.entries[1].get("author")


def test_an_unknown_section_author_or_story_has_no_feed(client):
    for path in ["/feeds/sections/none/rss/", "/feeds/authors/none/atom/"]:
        assert client.get(path).status_code == 404
    quiet = factories.story()  # no live coverage: no updates feed
    assert client.get(f"/feeds/stories/{quiet.slug}/updates/rss/").status_code == 404


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_every_feed_costs_the_same_whatever_its_length(client, kind):
    section = factories.section()
    author = factories.author()
    live = factories.live_story(section=section, authors=[author])

    def add(n):
        for _ in range(n):
            factories.story(section=section, authors=[author])
            factories.update(live)

    paths = [
        f"/feeds/{kind}/",
        f"/feeds/sections/{section.slug}/{kind}/",
        f"/feeds/authors/{author.slug}/{kind}/",
        f"/feeds/stories/{live.slug}/updates/" + ("rss/" if kind == "rss" else ""),
    ]
    add(5)
    few = [count_queries(lambda p=p: client.get(p)) for p in paths]
    add(195)
    many = [count_queries(lambda p=p: client.get(p)) for p in paths]
    assert many == few


def test_pages_with_a_feed_announce_it(client, newsroom):
    story, section, author = newsroom
    for page, feed in [
        ("/", "/feeds/atom/"),
        (section.get_absolute_url(), f"/feeds/sections/{section.slug}/rss/"),
        (author.get_absolute_url(), f"/feeds/authors/{author.slug}/atom/"),
        (story.get_absolute_url(), f"/feeds/stories/{story.slug}/updates/rss/"),
    ]:
        html = client.get(page).content.decode()
        assert 'rel="alternate" type="application/' in html
        assert f'href="{feed}"' in html, (page, feed)
