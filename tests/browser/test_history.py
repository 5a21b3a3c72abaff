"""An editor reads a story's history side by side, restores a version, sends the story to the
trash and back, and shares a draft's preview link with someone outside the newsroom, in a
real browser under the site's Content-Security-Policy (violations are console errors)."""

import re

import pytest

from articles.models import PreviewLink, Story
from tests import factories
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE = 'Kara Swisher <img src=x onerror="window.pwned=1"> <script>window.pwned=2</script>'


def test_history_difference_restore_trash_and_preview_link(
    live_server, open_page, shot, console_errors
):
    factories.user("claire", group="Editor")
    story = factories.story(headline="Le conseil renvoie Altman", body="Sara Swisher écrit.")
    story.body = HOSTILE
    story.save()
    page = open_page()
    login(page, live_server, "claire")

    # The history list, in the newsroom's zone, links each version's differences.
    page.goto(f"{live_server.url}/admin/articles/story/{story.pk}/history/")
    assert re.search(r"UTC\+0?[12]|CES?T|\d{2}:\d{2}", page.locator("#change-history").inner_text())
    page.locator("#change-history a", has_text="Ce qui a changé").first.click()
    page.locator(".history-diff-table").wait_for()
    assert page.locator(".diff-old del", has_text="Sara").count() == 1
    assert page.locator(".diff-new ins", has_text="<script>").count() == 1  # shown as text
    assert page.evaluate("window.pwned") is None
    shot(page, "history-1-difference")

    # Restore the first version through the change form: a new version.
    page.goto(f"{live_server.url}/admin/articles/story/{story.pk}/history/")
    page.locator("#change-history tbody tr").last.locator("a").first.click()
    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r".*/admin/articles/story/.*"))
    story.refresh_from_db()
    assert story.body == "Sara Swisher écrit."
    assert story.history.count() == 3

    # Delete is the trash; the trash page restores it.
    page.goto(f"{live_server.url}/admin/articles/story/{story.pk}/delete/")
    page.click("input[type=submit]")
    reader = open_page()
    assert reader.goto(f"{live_server.url}{story.get_absolute_url()}").status == 404
    page.goto(f"{live_server.url}/admin/articles/story/trash/")
    shot(page, "history-2-trash")
    page.locator("form.inline-form button").first.click()
    page.wait_for_url(f"{live_server.url}/admin/articles/story/trash/")
    assert reader.goto(f"{live_server.url}{story.get_absolute_url()}").status == 200

    # A draft's preview link, made on its form, opens for someone outside the newsroom.
    Story.objects.filter(pk=story.pk).update(status=Story.Status.DRAFT, published_at=None)
    page.goto(f"{live_server.url}/admin/articles/story/{story.pk}/change/")
    page.locator("button", has_text="Créer un lien d’aperçu").click()
    page.wait_for_url(f"{live_server.url}/admin/articles/story/{story.pk}/change/")
    shown = page.locator(".preview-links input").first.input_value()
    # The address is built on NEWSROOM_SITE_URL; the test server listens elsewhere.
    link = live_server.url + re.sub(r"^https?://[^/]+", "", shown)
    assert shown.startswith("http")
    assert "/preview/shared/" in link
    assert PreviewLink.objects.filter(story=story).count() == 1
    outsider = open_page()
    assert outsider.goto(link).status == 200
    assert "Le conseil renvoie Altman" in outsider.content()
    page.locator(".preview-links button", has_text="Révoquer").click()
    page.wait_for_url(f"{live_server.url}/admin/articles/story/{story.pk}/change/")
    assert outsider.goto(link).status == 404
    # The two 404s asked for above are the only errors: no script ran, no policy was violated.
    unexpected = [error for error in console_errors if "status of 404" not in error]
    assert unexpected == []
    assert len(console_errors) - len(unexpected) == 2
