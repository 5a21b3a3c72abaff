"""The enforced Content-Security-Policy, in a real browser: the admin (change forms with the
Markdown preview and inlines, history, the changelists), the desk and the reader's pages work
with no violation, counted three ways: the page's `securitypolicyviolation` events, the console,
and the reports the policy sends to its report endpoint."""

import logging
from pathlib import Path

import pytest

from articles.models import Image, LiveUpdate, Story
from tests.browser.conftest import load_demo, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI} at ${event.sourceFile}:` +
    `${event.lineNumber} ${event.sample}`
  );
});
"""


class Reports(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record.getMessage())


@pytest.fixture
def reports():
    """What the browser sent to the policy's report endpoint (the live server's own thread)."""
    handler = Reports()
    logger = logging.getLogger("newsroom.csp")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def violations(page):
    page.wait_for_load_state("load")
    return page.evaluate("window.__cspViolations")


def visit(page, url, found):
    response = page.goto(url)
    assert response.status < 400, (url, response.status)
    assert "script-src" in response.headers["content-security-policy"]
    found.extend(f"{url}: {v}" for v in violations(page))


def test_admin_desk_and_reader_pages_raise_no_violation(
    live_server, open_page, console_errors, reports
):
    load_demo()
    story = Story.objects.get(slug="openai-licencie-sam-altman")
    update = LiveUpdate.objects.filter(story=story).first()
    assert update is not None
    image = Image.objects.first()
    base = live_server.url
    found = []

    staff = open_page()
    staff.add_init_script(WATCH)
    login(staff, live_server, "admin", "admin-demo-pass")
    for path in [
        "/admin/",
        "/admin/articles/story/",
        f"/admin/articles/story/{story.pk}/change/",
        f"/admin/articles/story/{story.pk}/history/",
        "/admin/articles/story/add/",
        f"/admin/articles/liveupdate/{update.pk}/change/",
        f"/admin/articles/image/{image.pk}/change/",
        "/admin/articles/citation/",
        "/admin/auth/user/",
        "/desk/",
        f"/desk/stories/{story.pk}/",
        f"/preview/stories/{story.pk}/",
    ]:
        visit(staff, base + path, found)

    # The Markdown preview and an inline row added by the admin's own script, under the policy.
    staff.goto(f"{base}/admin/articles/story/{story.pk}/change/")
    staff.fill("#id_body", "## Sous-titre\n\n<script>alert(1)</script> *texte*")
    preview = staff.locator("#id_body").locator("xpath=..").locator(".markdownx-preview")
    preview.locator("h2").wait_for()
    assert preview.locator("script").count() == 0
    add_row = staff.locator(".add-row a").first
    if add_row.count():
        add_row.click()
    found.extend(f"story form: {v}" for v in violations(staff))

    reader = open_page()
    reader.add_init_script(WATCH)
    for path in ["/", story.get_absolute_url(), f"/stories/{story.slug}/updates/{update.pk}/",
                 "/search/?q=Altman", "/sections/tech/"]:  # fmt: skip
        visit(reader, base + path, found)

    assert found == []
    assert console_errors == []
    assert reports == []


def test_a_violation_is_reported_to_the_endpoint(live_server, open_page, reports):
    load_demo()
    page = open_page()
    page.add_init_script(WATCH)
    page.goto(live_server.url + "/")
    # What a stored script would be, if one ever got past the sanitiser: refused and reported.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__ran = true'; document.body.append(s); }"
    )
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__ran") is None
    page.wait_for_timeout(500)
    for _ in range(20):
        if reports:
            break
        page.wait_for_timeout(200)
    assert any("script-src" in report for report in reports), reports


def test_a_gif_that_is_also_javascript_never_runs_as_a_script(live_server, open_page, settings):
    # GIF89a followed by "=1;..." parses as JavaScript: `GIF89a=1;window.__polyglot=true;`
    polyglot = b"GIF89a=1;window.__polyglot=true;/*" + b"\x00" * 16 + b"*/"
    Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)
    (Path(settings.MEDIA_ROOT) / "polyglot.gif").write_bytes(polyglot)
    load_demo()
    page = open_page()
    page.add_init_script(WATCH)
    page.goto(live_server.url + "/")
    # Even with the page's own nonce, a picture is not a script: nosniff and image/gif.
    outcome = page.evaluate(
        """() => new Promise((resolve) => {
             const s = document.createElement('script');
             s.nonce = document.querySelector('script[nonce]')?.nonce || '';
             s.src = '/media/polyglot.gif';
             s.onload = () => resolve('loaded');
             s.onerror = () => resolve('refused');
             document.body.append(s);
           })"""
    )
    assert outcome == "refused"
    assert page.evaluate("window.__polyglot") is None
