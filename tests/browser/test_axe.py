"""axe-core, injected into the real browser, finds no violation on the pages readers and the
newsroom use most: home, a live story, an update's page, search, the desk, the dashboard and
the story's admin form (each also has its own tests; this one walks them all, on the demo)."""

import pytest

from articles.models import LiveUpdate, Story
from tests.browser.conftest import axe_violations, load_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_demo_pages_pass_axe(live_server, open_page, console_errors):
    load_demo()
    story = Story.objects.get(slug="openai-licencie-sam-altman")
    update = LiveUpdate.objects.published().filter(story=story).first()
    reader = open_page(viewport={"width": 1280, "height": 900})
    found = {}
    for name, path in [
        ("home", "/"),
        ("story", story.get_absolute_url()),
        ("update", update.get_absolute_url()),
        ("search", "/search/?q=Brockman"),
        ("section", story.section.get_absolute_url()),
    ]:
        reader.goto(f"{live_server.url}{path}")
        found[name] = axe_violations(reader)
    staff = open_page(viewport={"width": 1280, "height": 900})
    staff.goto(f"{live_server.url}/admin/login/")
    staff.fill("#id_username", "editor")
    staff.fill("#id_password", "editor-demo-pass")
    staff.click("input[type=submit]")
    staff.wait_for_url(f"{live_server.url}/admin/")
    found["dashboard"] = axe_violations(staff)
    for name, path in [
        ("desk", f"/desk/stories/{story.pk}/"),
        ("story admin", f"/admin/articles/story/{story.pk}/change/"),
        ("story list", "/admin/articles/story/"),
    ]:
        staff.goto(f"{live_server.url}{path}")
        found[name] = axe_violations(staff)
    assert found == {name: [] for name in found}
    assert console_errors == []
