"""The demo newsroom loads, reloads without duplicates, and tells its times right."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from articles.models import Correction, LiveUpdate, Story

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_prints_local_only_logins(capsys):
    call_command("demo")
    counts = (
        Story.objects.count(),
        LiveUpdate.objects.count(),
        User.objects.count(),
        Correction.objects.count(),
    )
    call_command("demo")
    out = capsys.readouterr().out
    assert counts == (
        Story.objects.count(),
        LiveUpdate.objects.count(),
        User.objects.count(),
        Correction.objects.count(),
    )
    assert "local use only" in out
    assert "editor / " in out
    assert "livedesk / " in out
    assert "reporter / " in out


def test_demo_story_is_live_coverage_with_true_times(client):
    call_command("demo")
    story = Story.objects.get(slug="openai-licencie-sam-altman")
    updates = LiveUpdate.objects.published().filter(story=story)
    assert updates.count() >= 6
    assert updates.filter(is_key_event=True).exists()
    assert updates.filter(is_pinned=True).count() == 1
    html = client.get(story.get_absolute_url()).content.decode()
    assert '<time datetime="2023-11-20T07:45:00+01:00"' in html
    # The Wall Street Journal's report: 00:42 in New York is 06:42 in Paris.
    assert "0 h 42 EST" in html
    assert "6 h 42 CET" in html
    assert "Kara Swisher" in html
    assert "Sara Swisher" in html


def test_demo_embeds_four_social_posts_rendered_from_snapshots_with_no_network(client):
    from articles.models import SocialPost

    call_command("demo")
    call_command("demo")  # idempotent for posts too
    assert SocialPost.objects.count() == 4
    brockman = SocialPost.objects.get(platform="x")
    assert brockman.is_reconstructed
    assert brockman.posted_at.isoformat() == "2023-11-18T04:42:37.411000+00:00"
    story = Story.objects.get(slug="openai-licencie-sam-altman")
    html = client.get(story.get_absolute_url()).content.decode()
    for platform in ("x", "threads", "mastodon", "youtube"):
        assert f'class="social-post social-post-{platform}"' in html, platform
    assert "is-link" not in html
    assert "Reconstitué par la rédaction" in html
    assert "youtube-nocookie.com/embed/U9mJuUkhUzk" in html
