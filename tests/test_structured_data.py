"""JSON-LD and the metadata of story and update pages."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from articles import publishing
from articles.models import Correction
from tests import factories

pytestmark = pytest.mark.django_db


def json_ld(html):
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html)[1])


def test_plain_text_is_unescaped_once_everywhere_it_is_taken_from_html(client):
    story = factories.live_story()
    update = factories.update(
        story, title="", body="AT&T 1 < 2 et « oui » : non", is_key_event=True
    )
    html = client.get(story.get_absolute_url()).content.decode()
    data = json_ld(html)
    assert data["liveBlogUpdate"][0]["articleBody"] == "AT&T 1 < 2 et « oui » : non"
    assert data["liveBlogUpdate"][0]["headline"] == "AT&T 1 < 2 et « oui » : non"
    # The key-events list prints it escaped once, as HTML must.
    assert "AT&amp;T 1 &lt; 2 et « oui » : non</a>" in html
    assert "&amp;amp;" not in html
    assert "&amp;nbsp;" not in html
    assert "&amp;lt;" not in html
    permalink = client.get(update.get_absolute_url()).content.decode()
    assert 'og:description" content="AT&amp;T 1 &lt; 2 et « oui » : non"' in permalink
    assert json_ld(permalink)["articleBody"] == "AT&T 1 < 2 et « oui » : non"


def test_a_live_storys_updated_time_follows_its_latest_update_and_correction(client, editor):
    long_ago = timezone.now() - timedelta(days=2)
    story = factories.live_story(published_at=long_ago)
    story.__class__.objects.filter(pk=story.pk).update(updated_at=long_ago)
    posted = publishing.post_update(story=story, by=editor, body="Nouvelle")
    html = client.get(story.get_absolute_url()).content.decode()
    iso = posted.published_at.astimezone(story.zone).isoformat(timespec="seconds")
    assert json_ld(html)["dateModified"] == iso
    assert f'<meta property="article:modified_time" content="{iso}">' in html
    assert 'class="updated"' in html
    assert f'datetime="{iso}"' in html
    later = timezone.now() + timedelta(seconds=3)
    publishing.save_correction(
        correction=Correction(update=posted, note="Kara", corrected_at=later), by=editor
    )
    html = client.get(story.get_absolute_url()).content.decode()
    assert json_ld(html)["dateModified"] == later.astimezone(story.zone).isoformat(
        timespec="seconds"
    )


def test_the_featured_image_tells_search_engines_how_it_was_made(client):
    image = factories.image(
        digital_source_type="trainedAlgorithmicMedia",
        ai_tool="Midjourney",
        caption="Le conseil d'administration, vu par Midjourney",
        credit="Illustration : Midjourney pour Newsroom",
    )
    story = factories.story(featured_image=image)
    data = json_ld(client.get(story.get_absolute_url()).content.decode())
    assert data["image"] == {
        "@type": "ImageObject",
        "contentUrl": f"http://127.0.0.1:8000{image.file.url}",
        "url": f"http://127.0.0.1:8000{image.file.url}",
        "width": 64,
        "height": 48,
        "caption": "Le conseil d'administration, vu par Midjourney",
        "creditText": "Illustration : Midjourney pour Newsroom",
        "digitalSourceType": (
            "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
        ),
    }


def test_a_story_without_a_featured_image_has_no_image_in_its_json_ld(client):
    story = factories.story()
    assert "image" not in json_ld(client.get(story.get_absolute_url()).content.decode())
