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
