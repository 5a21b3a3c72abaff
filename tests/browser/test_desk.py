"""The desk in a real browser: five updates posted in a row without a reload, the text typed
surviving a reload, a colleague's post appearing, and pin and delete acting in place."""

import time

import pytest
from playwright.sync_api import expect

from articles import publishing
from articles.models import LiveUpdate
from tests import factories
from tests.browser.conftest import axe_violations, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_desk(open_page, live_server, story, username="ines"):
    page = open_page(viewport={"width": 1280, "height": 900})
    login(page, live_server, username)
    page.goto(f"{live_server.url}/desk/stories/{story.pk}/")
    # A reload would make a new document: the marker set here would be gone.
    page.evaluate("window.__sameDocument = true")
    return page


def test_five_updates_in_a_row_without_a_reload(live_server, open_page, shot, console_errors):
    story = factories.live_story(headline="OpenAI : le direct", slug="openai-direct")
    factories.user("ines", group="Live desk")
    page = open_desk(open_page, live_server, story)
    body = page.locator("textarea[name=body]")
    started = time.perf_counter()
    for n in range(1, 6):
        body.fill(f"Mise à jour numéro {n}.")
        if n % 2:
            page.locator(".desk-post button[type=submit]").click()
        else:
            body.press("Control+Enter")
        expect(page.locator("[data-desk-updates] > li").first).to_contain_text(f"numéro {n}")
        expect(body).to_have_value("")
        expect(body).to_be_focused()
    elapsed = time.perf_counter() - started
    print(f"\nfive updates posted from the desk in {elapsed:.1f} s, 5 actions, no reload")
    assert page.evaluate("window.__sameDocument") is True
    assert LiveUpdate.objects.filter(story=story).count() == 5
    expect(page.locator("[data-desk-status]")).to_contain_text("publiée")
    assert axe_violations(page) == []
    shot(page, "desk-five-posts")
    assert console_errors == []


def test_the_text_typed_survives_a_reload_and_is_cleared_once_posted(live_server, open_page):
    story = factories.live_story()
    factories.user("ines", group="Live desk")
    page = open_desk(open_page, live_server, story)
    page.fill("input[name=title]", "Brouillon")
    page.fill("textarea[name=body]", "Un texte à ne pas perdre.")
    page.once("dialog", lambda dialog: dialog.accept())  # leaving asks first
    page.reload()
    expect(page.locator("textarea[name=body]")).to_have_value("Un texte à ne pas perdre.")
    expect(page.locator("input[name=title]")).to_have_value("Brouillon")
    expect(page.locator("[data-desk-status]")).not_to_be_empty()
    page.locator(".desk-post button[type=submit]").click()
    expect(page.locator("[data-desk-updates] > li").first).to_contain_text("ne pas perdre")
    page.reload()
    expect(page.locator("textarea[name=body]")).to_have_value("")


def test_a_colleagues_post_and_an_action_in_place(live_server, open_page):
    story = factories.live_story()
    factories.user("ines", group="Live desk")
    colleague = factories.user("marc", group="Live desk")
    page = open_desk(open_page, live_server, story)
    publishing.post_update(story=story, by=colleague, body="Posté par un collègue.")
    page.evaluate("window.newsroomDesk.pollNow()")
    item = page.locator("[data-desk-updates] > li").first
    expect(item).to_contain_text("Posté par un collègue.", timeout=10_000)

    item.locator("[data-action=pin]").click()
    expect(item.locator(".tag-pinned")).to_be_visible()
    expect(item.locator("[data-action=unpin]")).to_be_focused()
    item.locator("[data-action=delete]").click()
    expect(item.locator("[data-action=restore]")).to_be_focused()
    assert LiveUpdate.objects.get(story=story).deleted_at is not None
    item.locator("[data-action=restore]").click()
    expect(item.locator("[data-action=delete]")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True


def test_alt_p_shows_the_update_as_readers_will_see_it(live_server, open_page):
    story = factories.live_story()
    factories.user("ines", group="Live desk")
    page = open_desk(open_page, live_server, story)
    preview = page.locator(".desk-post .markdownx-preview")
    expect(preview).to_be_hidden()
    page.fill("textarea[name=body]", "Du **gras** et [un lien](https://example.org/).")
    page.keyboard.press("Alt+p")
    expect(preview).to_be_visible()
    expect(preview.locator("strong")).to_have_text("gras", timeout=10_000)


def test_leaving_an_admin_form_with_unsaved_text_asks_first(live_server, open_page):
    story = factories.story(headline="Un article")
    factories.user("claire", group="Editor")
    page = open_page()
    login(page, live_server, "claire")
    page.goto(f"{live_server.url}/admin/articles/story/{story.pk}/change/")
    page.fill("#id_standfirst", "Un chapô tapé mais pas enregistré.")
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    page.evaluate("location.href = '/admin/'")
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    assert "/change/" in page.url


@pytest.mark.parametrize("width", [360, 1280])
def test_the_editors_dashboard_passes_axe(live_server, open_page, shot, width):
    editor = factories.user("claire", group="Editor")
    factories.story(headline="Mon brouillon", status="draft", published_at=None, created_by=editor)
    live = factories.live_story(headline="En direct")
    factories.update(live, title="Dernier point")
    page = open_page(viewport={"width": width, "height": 900})
    login(page, live_server, "claire")
    expect(page.locator(".dashboard-board")).to_contain_text("Mon brouillon")
    assert axe_violations(page) == []
    shot(page, f"admin-dashboard-{width}")


def test_without_javascript_the_desk_still_posts_as_a_page(live_server, browser):
    story = factories.live_story()
    factories.user("ines", group="Live desk")
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    login(page, live_server, "ines")
    page.goto(f"{live_server.url}/desk/stories/{story.pk}/")
    started = time.perf_counter()
    for n in range(1, 6):
        page.fill("textarea[name=body]", f"Sans script {n}.")
        page.locator(".desk-post button[type=submit]").click()
        page.wait_for_load_state()
        expect(page.locator("[data-desk-updates] > li").first).to_contain_text(f"script {n}")
    elapsed = time.perf_counter() - started
    print(f"\nfive updates without JavaScript (a page load each) in {elapsed:.1f} s")
    assert LiveUpdate.objects.filter(story=story).count() == 5
    context.close()
