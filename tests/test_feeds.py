"""The Atom feed of a live story's updates."""

import feedparser
import pytest

from tests import factories

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
