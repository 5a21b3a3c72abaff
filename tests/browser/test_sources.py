"""Sources in a real browser: the demo story's Sources section and an archived copy at phone and
desktop widths, a story correction reaching an open page, and an editor pasting an article's
address to have its source proposed."""

import pytest
from playwright.sync_api import expect

from articles import publishing
from articles.models import Correction, Story
from tests import factories
from tests.browser.conftest import axe_violations, load_demo, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [360, 1280])
def test_the_sources_and_an_archived_copy_read_well_and_pass_axe(
    live_server, open_page, shot, console_errors, width
):
    load_demo()
    story = Story.objects.get(slug="openai-licencie-sam-altman")
    page = open_page(viewport={"width": width, "height": 900})
    page.goto(f"{live_server.url}{story.get_absolute_url()}")
    sources = page.locator("section.sources")
    expect(sources).to_contain_text("The Wall Street Journal")
    expect(sources).to_contain_text("via Engadget")
    expect(page.locator("section.corrections")).to_contain_text("Claire Dubreuil")
    # The correction is above the text, where a reader starts.
    corrections_top = page.locator("section.corrections").bounding_box()["y"]
    assert corrections_top < page.locator(".story-body").bounding_box()["y"]
    assert axe_violations(page) == []
    sources.scroll_into_view_if_needed()
    shot(page, f"sources-story-{width}")
    # No horizontal scrolling on a phone: long titles and hosts wrap.
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    sources.get_by_role("link", name="copie archivée").first.click()
    expect(page.locator("h1")).to_contain_text("OpenAI announces leadership transition")
    expect(page.locator(".archive-text")).to_contain_text("not consistently candid")
    assert page.locator("main script").count() == 0
    assert axe_violations(page) == []
    shot(page, f"sources-archived-copy-{width}")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert console_errors == []


def test_a_story_correction_reaches_an_open_page_and_is_announced(live_server, open_page):
    story = factories.live_story(headline="OpenAI : le direct", slug="openai-direct")
    factories.update(story, title="Premier point")
    editor = factories.user("claire", group="Editor", first_name="Claire", last_name="Dubreuil")
    reader = open_page(viewport={"width": 390, "height": 800})
    reader.goto(f"{live_server.url}{story.get_absolute_url()}")
    expect(reader.locator("[data-story-corrections]")).to_be_hidden()

    publishing.save_correction(
        correction=Correction(story=story, note="Il s’agit de Kara Swisher."), by=editor
    )
    reader.evaluate("window.newsroomLive.pollNow()")
    block = reader.locator("[data-story-corrections]")
    expect(block).to_be_visible(timeout=10_000)
    expect(block).to_contain_text("Kara Swisher")
    expect(block).to_contain_text("Claire Dubreuil")
    expect(reader.locator("[data-live-status]")).to_contain_text("correction")


def test_pasting_an_article_address_proposes_its_source(live_server, open_page):
    load_demo()
    story = Story.objects.get(slug="openai-licencie-sam-altman")
    factories.user("claire", group="Editor")
    page = open_page()
    login(page, live_server, "claire")
    page.goto(f"{live_server.url}/admin/articles/story/{story.pk}/change/")
    group = page.locator("#citations-group")
    group.locator(".add-row a").click()
    row = group.locator(".inline-related:not(.empty-form)").last
    row.locator("input[name$='-url']").fill("https://www.nytimes.com/2023/11/18/technology/x.html")
    expect(row.locator(".source-proposed")).to_contain_text("The New York Times")
    expect(row.locator(".select2-selection__rendered")).to_contain_text("The New York Times")
