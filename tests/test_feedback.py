"""Honest feedback while writing: what the sanitiser removed is said on saving (admin, inline,
desk), and a bare address on its own line becomes a link."""

import pytest

from articles.forms import removals_message
from articles.models import LiveUpdate
from articles.rendering import removed_by_sanitiser, render_markdown
from tests import factories
from tests.helpers import english_client, form_data

pytestmark = pytest.mark.django_db

HOSTILE = (
    "[clic](javascript:alert(1)) <script>alert(1)</script> "
    '<iframe src="https://evil.example/"></iframe> <a href="/" onclick="x()">a</a>'
)


def test_the_report_names_each_removal_once_with_the_same_rules_as_the_sanitiser():
    found = removed_by_sanitiser(HOSTILE + " " + HOSTILE)
    assert found == [
        ("link", "a", "javascript"),
        ("element", "script", ""),
        ("element", "iframe", ""),
        ("attribute", "a", "onclick"),
    ]
    assert removed_by_sanitiser("**Gras**, [lien](https://example.org/), ![x](/media/a.png)") == []
    assert removed_by_sanitiser('<a href="JaVaScRiPt&#58;x">y</a>') == [("link", "a", "javascript")]


def test_a_bare_address_on_its_own_line_is_a_link_and_nothing_else_changes():
    html = render_markdown(
        "Voir :\n\nhttps://example.org/a?b=1&c=2\n\nEt https://x.org/ dans le texte."
    )
    assert '<p><a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer">' in html
    assert "<p>Et https://x.org/ dans le texte.</p>" in html
    assert "<a" not in render_markdown("javascript:alert(1)")


def test_the_admin_says_what_it_removed_from_a_story(editor):
    client = english_client(editor)
    story = factories.story()
    data = form_data(client.get(f"/admin/articles/story/{story.pk}/change/"))
    data["body"] = "Texte. " + HOSTILE
    response = client.post(f"/admin/articles/story/{story.pk}/change/", data, follow=True)
    text = " ".join(str(m) for m in response.context["messages"])
    assert "readers will not see" in text
    assert "<script>" in text or "&lt;script&gt;" in text or "script" in text
    assert "javascript:" in text
    assert "onclick" in text


def test_the_desk_says_what_it_removed_from_an_update(livedesk):
    client = english_client(livedesk)
    story = factories.live_story()
    data = {"title": "", "body": HOSTILE, "published_at": ""}
    answer = client.post(f"/desk/stories/{story.pk}/", data, HTTP_ACCEPT="application/json")
    assert answer.status_code == 201
    assert "readers will not see" in answer.json()["message"]
    page = client.post(
        f"/desk/stories/{story.pk}/", {**data, "body": "<iframe></iframe>x"}, follow=True
    )
    assert any("readers will not see" in str(m) for m in page.context["messages"])
    assert LiveUpdate.objects.filter(story=story).count() == 2


def test_a_clean_text_says_nothing_more():
    assert removals_message("Un texte **propre**.", "") == ""


def test_saving_a_schedule_says_when_readers_will_see_it(editor):
    from datetime import timedelta

    from django.utils import timezone

    client = english_client(editor)
    story = factories.story(time_zone="Europe/Paris")
    data = form_data(client.get(f"/admin/articles/story/{story.pk}/change/"))
    later = timezone.localtime(timezone.now() + timedelta(days=2))
    data["published_at_0"], data["published_at_1"] = later.strftime("%Y-%m-%d"), "21:00:00"
    response = client.post(f"/admin/articles/story/{story.pk}/change/", data, follow=True)
    text = " ".join(str(m) for m in response.context["messages"])
    assert "Scheduled: readers will see it from" in text
    assert "21:00 CET" in text or "21:00 CEST" in text


def test_sending_for_review_says_it_is_now_read_only(reporter):
    client = english_client(reporter)
    story = factories.story(status="draft", published_at=None, created_by=reporter)
    post = {"action": "submit_for_review", "_selected_action": [str(story.pk)]}
    response = client.post("/admin/articles/story/", post, follow=True)
    text = " ".join(str(m) for m in response.context["messages"])
    assert "1 story submitted for review: read-only for its author" in text


@pytest.mark.parametrize("language", ["fr", "en"])
def test_content_language_matches_the_pages_html_lang(client, language):
    import re

    story = factories.story(language=language)
    update_story = factories.live_story(language=language)
    update = factories.update(update_story)
    for url in (story.get_absolute_url(), update.get_absolute_url(), "/"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
        lang = re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)
        assert response["Content-Language"] == lang, url
        assert "Accept-Language" not in response.get("Vary", ""), url


def test_staff_choose_their_admin_language(editor):
    from django.test import Client

    client = Client()
    client.force_login(editor)
    html = client.get("/admin/").content.decode()
    assert 'name="language"' in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    assert '<html lang="en"' in client.get("/admin/").content.decode()
    client.post("/i18n/setlang/", {"language": "fr", "next": "/admin/"})
    assert '<html lang="fr"' in client.get("/admin/").content.decode()
