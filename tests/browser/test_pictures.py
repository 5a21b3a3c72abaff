"""The demo story's pictures in a real browser: AVIF chosen, the featured one loaded first,
no layout shift, the labels readable, no accessibility violation, on a phone and a desktop."""

import pytest
from django.core.management import call_command

from articles.models import Story
from tests import factories
from tests.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [360, 1280])
def test_the_demo_story_shows_its_pictures(live_server, open_page, shot, console_errors, width):
    for group in ("Editor", "Reporter", "Live desk"):
        factories.role(group)  # a transactional test's flush removed the migration's groups
    call_command("demo")
    story = Story.objects.get(slug="openai-licencie-sam-altman")
    page = open_page(viewport={"width": width, "height": 900})
    page.goto(f"{live_server.url}{story.get_absolute_url()}")
    # A live story: its picture is folded with the background, fetched when it is opened.
    featured = page.locator(".story-context figure.picture img").first
    assert featured.get_attribute("loading") == "lazy"
    assert featured.get_attribute("fetchpriority") is None
    page.locator(".story-context summary").click()
    featured.wait_for()
    assert featured.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    # Chromium reads AVIF: it takes the first source, at a width that fits the column.
    assert featured.evaluate("img => img.currentSrc").endswith(".avif")
    # Width and height reserve the space before the file arrives.
    box = featured.bounding_box()
    assert box["width"] <= width
    assert abs(box["height"] - box["width"] * 1350 / 2400) < 2
    label = page.locator(".story-context figure.picture .picture-disclosure").first
    assert label.inner_text().startswith("Image dessinée par un programme")
    inline = page.locator(".story-body figure.picture img")
    assert inline.get_attribute("loading") == "lazy"
    inline.scroll_into_view_if_needed()
    assert inline.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    assert inline.evaluate("img => img.currentSrc").endswith(".avif")
    shot(page, f"pictures-story-{width}")
    assert axe_violations(page) == []
    assert console_errors == []
