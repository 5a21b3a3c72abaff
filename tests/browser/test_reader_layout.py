"""The live page a reader would choose, on a phone: the latest update on the first screen after
a short header and the summary; the background text under its own heading, after the summary."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
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
    # On the first screen: the latest update's time and title, not just its top edge.
    header = latest.locator(".update-header").bounding_box()
    assert header["y"] + header["height"] < PHONE["height"]
    # Closed folds sit side by side, a row for the story's and a row for the stream's.
    context_chip = page.locator("section.story-context summary").bounding_box()
    correction_chip = page.locator("section.corrections summary").bounding_box()
    assert abs(context_chip["y"] - correction_chip["y"]) < 2
    # The view switches are links, the current one marked; without the times line on a
    # phone the end of coverage still says so.
    expect(page.locator(".stream-filter [aria-current=page]")).to_have_count(2)
    expect(page.locator(".coverage-ended")).to_be_visible()
    # Between the summary and the latest update, only folded boxes: the story's correction, its
    # background (with its picture and standfirst), the key events and the pinned update; the
    # summary itself comes right after a short header.
    summary = page.locator("section.summary").bounding_box()
    assert summary["y"] < 400
    for folded in ("section.corrections details", ".key-events details", "details.pinned"):
        box = page.locator(folded).bounding_box()
        assert box["height"] < 60, folded
        assert summary["y"] - 200 < box["y"] < top
    assert page.locator("section.story-context details > figure.picture").count() == 1
    assert page.locator("section.story-context .standfirst").count() == 1
    # Opening a fold shows what it holds.
    page.locator(".key-events summary").click()
    expect(page.locator(".key-events li").first).to_be_visible()
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


def test_on_a_wide_screen_key_events_stay_in_view_in_a_rail_beside_the_stream(
    live_server, open_page, shot
):
    load_demo()
    story = Story.objects.get(slug="openai-licencie-sam-altman")
    page = open_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}{story.get_absolute_url()}")
    rail = page.locator("nav.key-events")
    stream = page.locator("[data-stream]")
    expect(rail.locator("li").first).to_be_visible()  # open, though its <details> is not
    assert rail.bounding_box()["x"] > stream.bounding_box()["x"] + stream.bounding_box()["width"]
    # Newest first, like the stream.
    times = rail.locator("li").evaluate_all("els => els.map(e => Number(e.dataset.published))")
    assert times == sorted(times, reverse=True)
    page.mouse.wheel(0, 2500)
    page.wait_for_timeout(200)
    assert 0 <= rail.bounding_box()["y"] < 100  # still in view, near the top
    shot(page, "reader-desktop-key-events-rail")
    assert axe_violations(page) == []


def test_a_reader_reads_from_the_start_and_new_updates_join_the_last_page(
    live_server, open_page, settings
):
    from articles import publishing

    story = factories.live_story(headline="OpenAI : le direct", slug="openai-direct")
    start = timezone.now() - timedelta(hours=2)
    factories.update(story, title="Le premier", published_at=start)
    factories.update(story, title="Le deuxième", published_at=start + timedelta(minutes=5))
    desk = factories.user("ines", group="Live desk")
    page = open_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}{story.get_absolute_url()}")
    page.get_by_role("link", name="Plus anciennes", exact=True).click()
    expect(page).to_have_url(re.compile(r"\?order=oldest$"))
    titles = page.locator("[data-stream] .update-title")
    expect(titles).to_have_text(["Le premier", "Le deuxième"])
    # The filter link keeps the order.
    href = page.get_by_role("link", name="Moments clés", exact=True).get_attribute("href")
    assert href.endswith("?filter=key-events&order=oldest")
    publishing.post_update(story=story, by=desk, title="Le troisième", body="Texte.")
    page.evaluate("window.newsroomLive.pollNow()")
    expect(titles).to_have_text(["Le premier", "Le deuxième", "Le troisième"], timeout=10_000)
    expect(page.locator("[data-live-status]")).to_contain_text("1 nouvelle mise à jour")
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
    page.get_by_role("link", name="Moments clés", exact=True).click()
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
