"""Helpers shared by the tests: clients in a role, the admin's forms as a browser sends them,
and query counts to compare between two sizes."""

from html.parser import HTMLParser

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def english_client(user=None):
    """A client of its own (so two people can work at once), with the interface in English."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    return client


def count_queries(call):
    """How many queries `call()` runs: compare two sizes, rather than pin today's joins."""
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


class _FormScraper(HTMLParser):
    """Collects what a browser would submit from the admin's main form."""

    def __init__(self, is_the_form):
        super().__init__(convert_charrefs=True)
        self.is_the_form = is_the_form
        self.in_form = False
        self.data = {}
        self._select = None
        self._select_seen = False
        self._textarea = None

    def _add(self, name, value):
        if "__prefix__" in name:
            return
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_form = self.is_the_form(attrs)
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._add(name, attrs.get("value") or "on")
                return
            self._add(name, attrs.get("value") or "")
        elif tag == "select" and name:
            self._select = (name, "multiple" in attrs)
            self._select_seen = False
            self._first_option = None
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in attrs:
                self._add(self._select[0], value)
                self._select_seen = True
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select" and self._select:
            name, multiple = self._select
            if not self._select_seen and not multiple and self._first_option is not None:
                self._add(name, self._first_option)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            # Browsers drop the newline that follows <textarea>.
            self._add(name, text[1:] if text.startswith("\n") else text)
            self._textarea = None


def form_data(response, form_id="story_form"):
    """The POST a browser would send for the admin form in `response`, as rendered."""
    assert response.status_code == 200, response.status_code
    scraper = _FormScraper(lambda attrs: attrs.get("id") == form_id)
    scraper.feed(response.content.decode())
    assert scraper.data, f"no form #{form_id} in the page"
    return {name: values if len(values) > 1 else values[0] for name, values in scraper.data.items()}


def inline_management(prefix, total=0, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def form_data_plain(response):
    """The form a page posts to itself (the desk's edit form), as a browser would send it."""
    assert response.status_code == 200
    scraper = _FormScraper(lambda attrs: attrs.get("method") == "post" and "action" not in attrs)
    scraper.feed(response.content.decode())
    return {name: values if len(values) > 1 else values[0] for name, values in scraper.data.items()}


def wait_for_other_sessions_to_end(timeout=5.0):
    """After a test's own server or worker process has exited, give PostgreSQL a moment to end
    that process's sessions, so none is still open on the test database when pytest drops it
    (bounded: sessions of the live server's threads may legitimately remain)."""
    import time

    from django.db import connection

    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)
