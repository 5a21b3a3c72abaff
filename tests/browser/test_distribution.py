"""Search and the editors' card fields in a real browser: the demo's search page at phone and
desktop widths passes axe without sideways scrolling, the header's box leads to it, and the
story admin counts a social title's characters as the editor types."""

import pytest
from playwright.sync_api import expect

from articles.models import Story
from tests import factories
from tests.browser.conftest import axe_violations, load_demo, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [360, 1280])
def test_the_search_page_reads_well_and_passes_axe(
    live_server, open_page, shot, console_errors, width
):
    load_demo()
    page = open_page(viewport={"width": width, "height": 900})
    page.goto(f"{live_server.url}/")
    page.get_by_role("searchbox").fill("Brockman")
    page.get_by_role("searchbox").press("Enter")
    page.wait_for_url("**/search/?q=Brockman")
    expect(page.locator(".search-count")).to_contain_text("Brockman")
    results = page.locator(".search-results > li")
    assert results.count() >= 1
    expect(page.locator(".search-excerpt mark").first).to_have_text("Brockman")
    assert axe_violations(page) == []
    shot(page, f"search-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    # Accents folded: the query without them finds the words with them.
    page.goto(f"{live_server.url}/search/?q=president")
    expect(page.locator(".search-excerpt mark", has_text="résident").first).to_be_visible()
    # A query no reader types is answered with a message, in the page.
    page.goto(f"{live_server.url}/search/?q={'mot+' * 40}")
    expect(page.get_by_role("alert")).to_be_visible()
    assert axe_violations(page) == []
    shot(page, f"search-refused-{width}")
    # The browser logs the 400 itself; nothing else may fail.
    assert [error for error in console_errors if "status of 400" not in error] == []


def test_the_story_admin_counts_a_social_titles_characters(live_server, open_page):
    load_demo()
    factories.user("claire", group="Editor")
    story = Story.objects.get(slug="openai-licencie-sam-altman")
    page = open_page()
    login(page, live_server, "claire")
    page.goto(f"{live_server.url}/admin/articles/story/{story.pk}/change/")
    field = page.locator("#id_social_title")
    field.fill("x" * 65)
    count = page.locator("#id_social_title-count")
    expect(count).to_contain_text("65")
    expect(count).not_to_have_class("help char-count char-count-over")
    field.fill("x" * 75)
    expect(count).to_have_class("help char-count char-count-over")
    assert "id_social_title-count" in field.get_attribute("aria-describedby")
