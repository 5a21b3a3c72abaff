"""An editor writes and publishes a story in the admin; a reader finds it and opens it."""

import pytest

from tests import factories
from tests.browser.conftest import axe_violations, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_editor_writes_previews_and_publishes_then_a_reader_opens_it(
    live_server, open_page, shot, console_errors
):
    section = factories.section(name="Tech", slug="tech")
    factories.user("claire", group="Editor")
    page = open_page()
    login(page, live_server, "claire")

    page.goto(f"{live_server.url}/admin/articles/story/add/")
    page.locator("#id_headline").press_sequentially("OpenAI remercie Sam Altman")
    assert page.input_value("#id_slug") == "openai-remercie-sam-altman"
    page.select_option("#id_section", str(section.pk))
    body = (
        "## Sans but lucratif ?\n\n"
        "Selon le [Wall Street Journal](https://www.wsj.com/), trois points :\n\n"
        "- Mira Murati assure l’intérim\n- Greg Brockman démissionne\n- Microsoft réagit\n"
    )
    page.fill("#id_body", body)
    preview = page.locator("#id_body").locator("xpath=..").locator(".markdownx-preview")
    preview.locator("h2").wait_for()
    assert preview.locator("h2").inner_text() == "Sans but lucratif ?"
    assert preview.locator("li").count() == 3
    assert preview.locator("a[href='https://www.wsj.com/']").count() == 1
    shot(page, "publish-1-editor-preview")

    page.select_option("#id_status", "published")
    page.click("input[name=_save]")
    page.wait_for_url(f"{live_server.url}/admin/articles/story/")
    shot(page, "publish-2-changelist")

    reader = open_page()
    reader.goto(f"{live_server.url}/")
    assert axe_violations(reader) == []
    reader.click("text=OpenAI remercie Sam Altman")
    reader.wait_for_url(f"{live_server.url}/stories/openai-remercie-sam-altman/")
    assert reader.locator("article.story h1").inner_text() == "OpenAI remercie Sam Altman"
    assert reader.locator(".story-body h2").inner_text() == "Sans but lucratif ?"
    assert reader.locator(".story-body li").count() == 3
    shot(reader, "publish-3-reader-story")
    assert axe_violations(reader) == []
    assert console_errors == []
