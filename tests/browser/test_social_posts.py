"""The demo story's social posts in a real browser: nothing leaves for another host until the
reader asks for the video, and the cards are readable on a phone and accessible."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, axe_violations, load_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAYER = "https://www.youtube-nocookie.com/embed/U9mJuUkhUzk"


def test_the_demo_story_asks_no_other_host_until_the_reader_plays_the_video(
    live_server, open_page, shot, console_errors
):
    load_demo()
    page = open_page(viewport={"width": 360, "height": 780})
    requested, blocked = [], []
    page.on("request", lambda request: requested.append(request.url))

    def refuse(route):
        # Nothing reaches the internet: the frame's request is recorded, then aborted.
        blocked.append(route.request.url)
        route.abort()

    page.context.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(live_server.url) else refuse(route)
        ),
    )
    page.goto(f"{live_server.url}/stories/openai-licencie-sam-altman/")
    page.wait_for_load_state("networkidle")
    # The posts the story's text embeds are in its background section, folded on a live page.
    page.locator(".story-context summary").click()

    cards = page.locator("figure.social-post")
    expect(cards).to_have_count(4)
    assert requested, "the page's own requests were recorded"
    foreign = [url for url in requested if not url.startswith(live_server.url)]
    assert foreign == [], foreign
    assert blocked == []
    assert console_errors == []

    # Readable on a 360 px phone: nothing wider than the screen, the text on the card.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    brockman = page.locator("figure.social-post-x")
    expect(brockman).to_contain_text("Greg Brockman")
    expect(brockman).to_contain_text("Reconstitué par la rédaction")
    brockman.scroll_into_view_if_needed()
    shot(page, "social-posts-360")
    for platform in ("x", "threads", "mastodon", "youtube"):
        card = page.locator(f"figure.social-post-{platform}")
        card.screenshot(path=str(ARTIFACTS / f"social-card-{platform}-360.png"))
    assert axe_violations(page) == []

    play = page.locator("button.social-video-load")
    expect(play).to_be_visible()
    play.scroll_into_view_if_needed()
    play.click()
    frame = page.locator("iframe.social-video-frame")
    expect(frame).to_have_attribute("src", PLAYER + "?autoplay=1")
    page.wait_for_timeout(300)
    assert any(url.startswith(PLAYER) for url in blocked), blocked
    foreign = {url.split("/")[2] for url in requested if not url.startswith(live_server.url)}
    assert foreign == {"www.youtube-nocookie.com"}


def test_the_cards_on_a_wide_screen(live_server, open_page, shot, console_errors):
    load_demo()
    page = open_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/stories/openai-licencie-sam-altman/")
    page.locator(".story-context summary").click()  # the background, folded on a live page
    card = page.locator("figure.social-post-youtube")
    card.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    card.screenshot(path=str(ARTIFACTS / "social-card-youtube-1280.png"))
    page.locator("figure.social-post-x").screenshot(path=str(ARTIFACTS / "social-card-x-1280.png"))
    assert axe_violations(page) == []
    assert console_errors == []
