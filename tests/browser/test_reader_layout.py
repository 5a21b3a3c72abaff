"""The live page a reader would choose, on a phone: the latest update on the first screen after
a short header and the summary; the background text under its own heading, after the summary."""

import re

import pytest
from playwright.sync_api import expect

from articles.models import Story
from tests import factories
from tests.browser.conftest import axe_violations, load_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def test_on_a_phone_the_context_follows_the_summary_and_key_events_have_dates(
    live_server, open_page, shot
):
    load_demo()
    story = Story.objects.get(slug="openai-licencie-sam-altman")
    page = open_page(viewport=PHONE)
    page.goto(f"{live_server.url}{story.get_absolute_url()}")
    latest = page.locator("[data-stream] article.update").first
    top = latest.bounding_box()["y"]
    print(f"\nlatest update's top on a 360 x 740 phone: {top:.0f} px")
    shot(page, "reader-phone-first-screen")
    # Not yet on the first screen (see the figure): the featured image, the correction,
    # the summary, the key events and the pinned update come first on this story.
    # The background text has a heading and comes after the summary, before the stream.
    context = page.locator("section.story-context")
    expect(context.locator("summary, h2").first).to_contain_text("Contexte")
    assert context.bounding_box()["y"] > page.locator("section.summary").bounding_box()["y"]
    assert context.bounding_box()["y"] < top
    # Key events show their dates: this coverage spans days.
    expect(page.locator(".key-events li").first).to_contain_text("nov.")
    # The page updates itself: the hint to reload is for pages without the script.
    expect(page.locator(".reload-hint")).to_be_hidden()
    assert axe_violations(page) == []


def test_each_update_can_be_shared_by_its_address(live_server, open_page):
    story = factories.live_story(headline="OpenAI : le direct", slug="openai-direct")
    update = factories.update(story, title="Emmett Shear nommé")
    page = open_page(viewport={"width": 1280, "height": 900})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(f"{live_server.url}{story.get_absolute_url()}")
    page.evaluate("delete Navigator.prototype.share")  # the copy path, as on most desktops
    button = page.locator(f"#{update.anchor} .share-update")
    expect(button).to_be_visible()
    button.click()
    expect(button).to_contain_text("Lien copié")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == f"{live_server.url}{update.get_absolute_url()}"


def test_times_offer_the_readers_own_time_named_with_its_zone(live_server, browser):
    story = factories.live_story(time_zone="America/New_York", slug="new-york")
    update = factories.update(story, title="À New York")
    context = browser.new_context(locale="fr-FR", timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.goto(f"{live_server.url}{story.get_absolute_url()}")
    clock = page.locator(f"#{update.anchor} time.update-clock")
    expect(clock).to_contain_text("E")  # the story's zone, EST or EDT, printed by the server
    expect(clock).to_have_attribute("title", re.compile(r"^Votre heure : .*\((UTC|GMT)\+9\)$"))
    context.close()


def test_a_page_filtered_to_key_events_keeps_its_filter_as_it_updates(live_server, open_page):
    from articles import publishing

    story = factories.live_story(headline="OpenAI : le direct", slug="openai-direct")
    factories.update(story, title="Premier moment", is_key_event=True)
    desk = factories.user("ines", group="Live desk")
    page = open_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}{story.get_absolute_url()}")
    page.get_by_role("link", name="Moments clés seulement").click()
    expect(page).to_have_url(re.compile(r"\?filter=key-events$"))
    publishing.post_update(story=story, by=desk, title="Un point ordinaire", body="Texte.")
    publishing.post_update(
        story=story, by=desk, title="Un moment clé", body="Texte.", is_key_event=True
    )
    page.evaluate("window.newsroomLive.pollNow()")
    stream = page.locator("[data-stream]")
    expect(stream).to_contain_text("Un moment clé", timeout=10_000)
    page.evaluate("window.newsroomLive.pollNow()")
    expect(stream).not_to_contain_text("Un point ordinaire")
    assert axe_violations(page) == []
