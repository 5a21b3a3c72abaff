"""The demo newsroom loads, reloads without duplicates, and tells its times right."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from articles.models import Citation, Correction, LiveUpdate, Story

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


def test_demo_citations_are_archived_from_the_pages_it_ships(client):
    call_command("demo")
    call_command("demo")  # again: the copies are replaced, not duplicated
    story = Story.objects.get(slug="openai-licencie-sam-altman")
    citations = list(story.citations.select_related("source", "via__source"))
    assert {c.source.slug for c in citations} >= {
        "wall-street-journal", "new-york-times", "the-information", "engadget", "yahoo",
    }  # fmt: skip
    yahoo = next(c for c in citations if c.source.slug == "yahoo")
    assert yahoo.via.source.slug == "engadget"
    for citation in citations:
        assert citation.capture_state == Citation.Capture.DONE
        assert "Demo reconstruction" in citation.readable_text
        assert "tracker" not in citation.readable_text
        assert citation.captured_at == citation.accessed_at
    files = {c.warc_file.name.split("/")[1] for c in citations}
    assert len(files) == len(citations)
    html = client.get(story.get_absolute_url()).content.decode()
    assert html.count("archived copy") + html.count("copie archivée") == len(citations)
    copy = client.get(citations[0].get_archive_url())
    assert copy.status_code == 200
    # The attributed quote and the story's own correction.
    assert "<figure" in html
    assert "blockquote cite=" in html
    assert "Claire Dubreuil" in html
    assert "président" in html.split('class="corrections"')[1].split("</section>")[0]
