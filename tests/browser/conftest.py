"""Real-browser tests: Playwright driving Debian's chromium against pytest-django's live server."""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by the tests
# themselves are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path():
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing: CI must run the browser tests.")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": path, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR", "timezone_id": "Europe/Paris"}


@pytest.fixture
def shot():
    """Save a full-page screenshot under test-artifacts/ (kept by CI, looked at by people)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def console_errors():
    """Script errors and console errors (CSP violations among them) of pages opened with
    `open_page`; a test asserts the list is empty."""
    return []


@pytest.fixture
def open_page(browser, console_errors):
    """A page in a context of its own (its own cookies), in French, watched for errors."""
    contexts = []

    def make(**context_args):
        context = browser.new_context(**{"locale": "fr-FR", **context_args})
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: console_errors.append(f"{page.url}: {exc}"))
        page.on(
            "console",
            lambda msg: (
                console_errors.append(f"{page.url}: {msg.text}") if msg.type == "error" else None
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()


def login(page, live_server, username, password="pw-for-tests-123"):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def axe_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} {[n['html'][:120] for n in v['nodes']]}"
        for v in results.response["violations"]
    ]


def load_demo():
    """The demo newsroom, in a transactional test: its flush removed the groups the migrations
    made, which the demo's users need."""
    from django.core.management import call_command

    from articles.permissions import ROLES
    from tests import factories

    for name in ROLES:
        factories.role(name)
    call_command("demo")
