"""Hostile input everywhere, generated: every field of every form staff post (the admin's change
and add forms with their inlines, the desk's forms, the editor's preview) and every public query
parameter (reader pages, the poll, search, the read API's from its own OpenAPI schema) is driven
with generated hostile values: scripts and entities, hostile URLs, control characters, oversized
and malformed values, wrong types. Each answer is a clear error or a safe rendering, never a
server error; a refused form writes nothing; whatever is saved renders without anything a
browser would run.

Bounded: EXAMPLES_PER_FIELD examples for each field and parameter (the module prints the
counts with `-s`)."""

import os
import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Citation, Correction, SocialPost, Source, Story
from tests import factories
from tests.helpers import _FormScraper

pytestmark = pytest.mark.django_db

# Per field (and query parameter); NEWSROOM_HOSTILE_EXAMPLES=50 for a deeper run (make fuzz).
EXAMPLES_PER_FIELD = int(os.environ.get("NEWSROOM_HOSTILE_EXAMPLES", "3"))
FIELDS_AT_ONCE = 12
BOUNDED = settings(
    max_examples=EXAMPLES_PER_FIELD,
    deadline=None,
    database=None,  # no example database: every run draws afresh, in CI as here
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Every hostile value carries this, so a hit in what the browser would run is ours.
MARK = "7331"

SCRIPTS = [
    f"<script>alert({MARK})</script>",
    f'"><script>alert({MARK})</script>',
    f"<img src=x onerror=alert({MARK})>",
    f"<svg/onload=alert({MARK})>",
    f"'';!--\"<XSS{MARK}>=&{{()}}",
    f"&lt;script&gt;alert({MARK})&lt;/script&gt;",
    f"&#60;script&#62;alert({MARK})&#60;/script&#62;",
    f"[clic](javascript:alert({MARK}))",
    f"![x](javascript:alert({MARK}))",
    f"[clic](JaVaScRiPt&#58;alert({MARK}))",
    f'<a href="javascript:alert({MARK})">a</a>',
    f"<iframe src=javascript:alert({MARK})>",
    f"<style>*{{background:url(javascript:alert({MARK}))}}</style>",
    f'<math><mtext><table><mglyph><style><img src=x onerror="alert({MARK})">',
    f"{{{{ settings.SECRET_KEY }}}}{{% debug %}}{MARK}",
    f"${{7*7}}{MARK}",
    f"<!--{MARK}--><base href=//evil.example/>",
]
URLS = [
    f"javascript:alert({MARK})",
    f"data:text/html,<script>alert({MARK})</script>",
    f"http://127.0.0.1/{MARK}",
    f"http://[::1]:8000/{MARK}",
    f"http://169.254.169.254/latest/meta-data/{MARK}",
    f"http://0x7f000001/{MARK}",
    f"http://2130706433/{MARK}",
    f"http://localhost.{MARK}.example@127.0.0.1/",
    f"file:///etc/passwd#{MARK}",
    f"https://exa mple.com/{MARK}",
    f"https://xn--80ak6aa92e.com/{MARK}",
    f"//evil.example/{MARK}",
    f"https://news.example/{'a' * 5000}{MARK}",
    f"https://x.twitter.com/{MARK}/status/1?<script>",
]
MALFORMED = [
    "",
    " ",
    "-1",
    "0",
    "9" * 40,
    "1e309",
    "NaN",
    "null",
    "[]",
    "{}",
    "true",
    "2026-13-45",
    "99:99",
    "0000-00-00T00:00:00",
    f"1; DROP TABLE articles_story; --{MARK}",
    f"' OR '1'='1{MARK}",
    f"../../../../etc/passwd{MARK}",
    f"%00%0d%0a{MARK}",
]
CONTROL = [f"a\x00b{MARK}", f"\x1b[31m{MARK}", f"\u202eevil{MARK}", f"\ufeff{MARK}\u200b",
           f"line\r\nSet-Cookie: x={MARK}", f"\x7f\x85\u2028{MARK}"]  # fmt: skip
OVERSIZED = [MARK * 30_000, f"{'<b>' * 5000}{MARK}", f"{'*' * 10_000}{MARK}",
             f"{'> ' * 2000}{MARK}", f"{'[' * 3000}{MARK}{']' * 3000}"]  # fmt: skip


def _text(alphabet=None):
    # No lone surrogates: no browser sends them (they cannot be encoded as UTF-8).
    return st.text(st.characters(exclude_categories=["Cs"]), max_size=300)


hostile = st.one_of(
    st.sampled_from(SCRIPTS + URLS + MALFORMED + CONTROL + OVERSIZED),
    st.builds(
        lambda a, b, c: f"{a}{b}{c}",
        _text(),
        st.sampled_from(SCRIPTS + URLS + CONTROL),
        _text(),
    ),
    _text().map(lambda s: s + MARK),
    st.integers().map(lambda n: f"{n}{MARK}" if n % 2 else str(n)),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


class Runnable(HTMLParser):
    """What of a page a browser would run or follow to script: inline scripts' text, event
    handler attributes, javascript:/data: addresses, and base/meta-refresh/iframes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []
        self._script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self._script = attrs.get("type") != "application/ld+json"
            if MARK in (attrs.get("src") or ""):
                self.found.append(f"<script src={attrs['src'][:80]}>")
        for name, value in attrs.items():
            value = value or ""
            if name.startswith("on") and MARK in value:
                self.found.append(f"<{tag} {name}={value[:80]}>")
            if name in ("href", "src", "action", "formaction", "xlink:href", "srcset"):
                squashed = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                if squashed.startswith(("javascript:", "data:text", "vbscript:")):
                    self.found.append(f"<{tag} {name}={value[:80]}>")
        if tag in ("base", "iframe", "object", "embed") and MARK in str(attrs):
            self.found.append(f"<{tag} {attrs}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = False

    def handle_data(self, data):
        if self._script and MARK in data:
            self.found.append(f"<script>{data[:80]}")


def assert_safe(response, where):
    assert response.status_code < 500, (where, response.status_code)
    if "html" in response.get("Content-Type", ""):
        found = Runnable()
        found.feed(response.content.decode())
        assert found.found == [], (where, found.found)


def snapshot():
    """Every row of the app's models, and their history, by model: what a refused form must
    leave as it was."""
    state = {}
    for model in apps.get_app_config("articles").get_models():
        state[model._meta.label] = sorted(
            (tuple(sorted((k, str(v)) for k, v in row.items())) for row in model.objects.values()),
        )
    return state


def scrape(response, is_the_form):
    scraper = _FormScraper(is_the_form)
    scraper.feed(response.content.decode())
    return {name: values if len(values) > 1 else values[0] for name, values in scraper.data.items()}


# Fields a browser posts that the form machinery, not the person, fills in: the version and the
# management forms are still driven (tampering with them must be refused cleanly).
NOT_FIELDS = {"csrfmiddlewaretoken"}
counts = Counter()


@pytest.fixture
def newsroom(editor):
    """One of everything the forms edit, in the states they are edited in."""
    picture = factories.image()
    story = factories.live_story(
        headline="Sam Altman écarté", body="Texte **gras**.", featured_image=picture
    )
    update = factories.update(story, body="Première mise à jour")
    outlet = Source.objects.create(
        name="Le Journal", slug="le-journal", homepage_url="https://journal.example/"
    )
    citation = Citation.objects.create(
        story=story, source=outlet, url="https://journal.example/altman", title="Altman"
    )
    post = SocialPost.objects.create(
        url="https://x.com/gdb/status/1726", platform="x", author_name="Greg", text="Texte"
    )
    correction = Correction.objects.create(story=story, note="Une correction.", by=editor)
    root = factories.user("root", is_superuser=True)
    client = Client()
    client.force_login(root)
    return {
        "client": client,
        "story": story,
        "update": update,
        "objects": {
            "story": story,
            "liveupdate": update,
            "citation": citation,
            "source": outlet,
            "socialpost": post,
            "image": picture,
            "section": story.section,
            "author": factories.author(),
            "correction": correction,
        },
    }


ADMIN_CHANGE_FORMS = [
    "story",
    "liveupdate",
    "citation",
    "source",
    "socialpost",
    "image",
    "section",
    "author",
    "correction",
]
ADMIN_ADD_FORMS = ["story", "liveupdate", "source", "section", "author"]


def drive_form(client, newsroom, *, page, post_to, is_the_form, label, check_pages=()):
    """Every field of the form at `page` gets EXAMPLES_PER_FIELD hostile values. Fields are
    driven FIELDS_AT_ONCE at a time (the rest as the form was rendered): a refused post costs a
    re-rendered form, a fifth of a second for a story with its inlines."""
    fields = sorted(set(scrape(client.get(page), is_the_form)) - NOT_FIELDS)
    assert fields, f"no fields found on {page}"
    state = {"data": None}

    def driver(group):
        @BOUNDED
        @given(values=st.lists(hostile, min_size=len(group), max_size=len(group)))
        def one(values):
            if state["data"] is None:  # after a save the version has moved on: read it again
                state["data"] = scrape(client.get(page), is_the_form)
            data = dict(state["data"])
            for field, value in zip(group, values, strict=True):
                counts[f"{label}.{field}"] += 1
                data[field] = [value] if isinstance(data.get(field), list) else value
            before = snapshot()
            response = client.post(post_to, data)
            where = f"{label}: {', '.join(group)}"
            assert_safe(response, where)
            if response.status_code in (200, 400, 409, 422):  # refused: nothing written
                assert snapshot() == before, f"{where}: a refused form wrote something"
            else:
                state["data"] = None

        return one

    for start in range(0, len(fields), FIELDS_AT_ONCE):
        driver(fields[start : start + FIELDS_AT_ONCE])()
        for url in check_pages:
            assert_safe(client.get(url), f"{label} then {url}")
    return fields


@pytest.mark.parametrize("model", ADMIN_CHANGE_FORMS)
def test_every_field_of_every_admin_change_form(newsroom, model):
    obj = newsroom["objects"][model]
    url = f"/admin/articles/{model}/{obj.pk}/change/"
    story = newsroom["story"]
    drive_form(
        newsroom["client"],
        newsroom,
        page=url,
        post_to=url,
        is_the_form=lambda attrs: attrs.get("id") == f"{model}_form",
        label=f"admin {model}",
        check_pages=[story.get_absolute_url(), f"/stories/{story.slug}/updates/?since=0"]
        if model in ("story", "liveupdate", "citation", "correction")
        else [],
    )


@pytest.mark.parametrize("model", ADMIN_ADD_FORMS)
def test_every_field_of_the_admin_add_forms(newsroom, model):
    url = f"/admin/articles/{model}/add/"
    drive_form(
        newsroom["client"],
        newsroom,
        page=url,
        post_to=url,
        is_the_form=lambda attrs: attrs.get("id") == f"{model}_form",
        label=f"admin add {model}",
    )


def test_every_field_of_the_desk_forms(newsroom):
    client, story, update = newsroom["client"], newsroom["story"], newsroom["update"]
    desk = f"/desk/stories/{story.pk}/"
    drive_form(
        client,
        newsroom,
        page=desk,
        post_to=desk,
        is_the_form=lambda attrs: "data-desk-post" in attrs,
        label="desk post",
        check_pages=[story.get_absolute_url(), f"/stories/{story.slug}/updates/?since=0"],
    )
    edit = f"/desk/updates/{update.pk}/edit/"
    drive_form(
        client,
        newsroom,
        page=edit,
        post_to=edit,
        is_the_form=lambda attrs: attrs.get("method") == "post" and "action" not in attrs,
        label="desk edit",
        check_pages=[story.get_absolute_url()],
    )


@BOUNDED
@given(action=hostile)
def _desk_action(client, update, action):
    counts["desk action.action"] += 1
    assert_safe(
        client.post(f"/desk/updates/{update.pk}/action/", {"action": action}), "desk action"
    )


@BOUNDED
@given(action=hostile, confirm=hostile)
def _desk_coverage(client, story, action, confirm):
    counts["desk coverage.action"] += 1
    counts["desk coverage.confirm"] += 1
    assert_safe(
        client.post(f"/desk/stories/{story.pk}/coverage/", {"action": action, "confirm": confirm}),
        "desk coverage",
    )


@BOUNDED
@given(content=hostile)
def _preview(client, content):
    counts["editor preview.content"] += 1
    response = client.post("/markdownx/markdownify/", {"content": content})
    assert response.status_code < 500
    found = Runnable()
    found.feed(response.content.decode())
    assert found.found == [], found.found
    assert "<script" not in response.content.decode().lower()


def test_the_desk_actions_and_the_editors_preview(newsroom):
    client = newsroom["client"]
    _desk_action(client, newsroom["update"])
    _desk_coverage(client, newsroom["story"])
    _preview(client)


@BOUNDED
@given(data=st.binary(max_size=2048), name=hostile, content_type=hostile)
def _upload(client, data, name, content_type):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from articles.models import Image

    counts["editor upload.image"] += 1
    before = Image.objects.count()
    upload = SimpleUploadedFile(name[:200] or "x", data, content_type=content_type[:100])
    response = client.post("/markdownx/upload/", {"image": upload})
    assert response.status_code < 500
    assert response.status_code != 200 or Image.objects.count() == before + 1
    if response.status_code >= 400:
        assert Image.objects.count() == before


def test_the_editors_upload_with_hostile_bytes_names_and_types(newsroom):
    _upload(newsroom["client"])


# --- Public query parameters ----------------------------------------------------------------


def public_pages(newsroom):
    story, update = newsroom["story"], newsroom["update"]
    return {
        "/": ["page"],
        story.get_absolute_url(): ["page", "filter"],
        f"/stories/{story.slug}/updates/": ["since", "filter", "page"],
        f"/stories/{story.slug}/updates/{update.pk}/": ["page"],
        f"/sections/{story.section.slug}/": ["page"],
        "/sources/le-journal/": ["page"],
        "/search/": ["q", "page"],
        "/feeds/rss/": ["page"],
        f"/feeds/stories/{story.slug}/updates/": ["since"],
        "/sitemap.xml": ["p"],
        "/sitemap-news.xml": ["p"],
    }


def api_parameters(story):
    """Every query parameter of every GET in the read API's own schema."""
    from articles.api import api

    schema = api.get_openapi_schema(path_prefix="/api/v1")
    found = {}
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        if operation:
            names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            found[path.replace("{slug}", story.slug)] = names
    return found


def test_every_public_query_parameter(client, newsroom):
    story = newsroom["story"]
    targets = {**public_pages(newsroom), **api_parameters(story)}
    api_count = sum(1 for url in targets if url.startswith("/api/"))
    assert api_count >= 5, targets

    def driver(url, name):
        @BOUNDED
        @given(value=hostile, repeat=st.booleans())
        def one(value, repeat):
            counts[f"GET {url}?{name}"] += 1
            query = {name: [value, value[::-1]] if repeat else value}
            response = client.get(url, query)
            assert response.status_code in (200, 301, 302, 304, 400, 404, 410, 422, 429), (
                url,
                name,
                response.status_code,
            )
            assert_safe(response, f"{url}?{name}")

        return one

    for url, names in targets.items():
        for name in [*names, "utm_source"]:  # and one the view does not read
            driver(url, name)()


def test_examples_per_field_are_counted_and_bounded():
    # Runs last in the module: every field and parameter driven got its examples.
    if not counts:
        pytest.skip("run with the rest of the module")
    assert min(counts.values()) >= 1
    print(f"\nhostile examples: {sum(counts.values())} over {len(counts)} fields and parameters")
    for name, count in sorted(counts.items()):
        print(f"  {count:3d}  {name}")


def test_stories_saved_from_hostile_forms_never_run_script_for_readers(newsroom):
    # The sum of it: whatever hostile text the forms above could save, the story page, its
    # permalink, the poll, the feeds and the API print it inert.
    story = newsroom["story"]
    for value in SCRIPTS + URLS:
        factories.update(story, body=value, title=value[:100])
    Story.objects.filter(pk=story.pk).update(standfirst=SCRIPTS[0])
    for url in [
        story.get_absolute_url(),
        f"/stories/{story.slug}/updates/?since=0",
        f"/feeds/stories/{story.slug}/updates/",
        f"/api/v1/stories/{story.slug}",
        "/",
    ]:
        assert_safe(Client().get(url), url)


# --- What the generated values found, pinned ---------------------------------------------------


@pytest.mark.parametrize("value", ["abc", "9" * 40, "-1", "1e309"])
def test_a_refused_form_with_an_id_that_is_not_one_is_a_form_error(newsroom, value):
    # The autocomplete widget looked the posted value up to redisplay it: 500.
    client, story = newsroom["client"], newsroom["story"]
    url = f"/admin/articles/story/{story.pk}/change/"
    data = scrape(client.get(url), lambda attrs: attrs.get("id") == "story_form")
    before = snapshot()
    data["featured_image"] = value
    data["citations-0-source"] = value
    response = client.post(url, data)
    assert response.status_code == 200
    assert snapshot() == before


def test_a_post_claiming_thousands_of_inline_forms_is_refused_without_rendering_them(newsroom):
    # 2,000 claimed citation forms rendered 2,000 forms (half a minute): now a formset error.
    import time

    client, story = newsroom["client"], newsroom["story"]
    url = f"/admin/articles/story/{story.pk}/change/"
    data = scrape(client.get(url), lambda attrs: attrs.get("id") == "story_form")
    before = snapshot()
    data["citations-TOTAL_FORMS"] = "2000"
    started = time.perf_counter()
    response = client.post(url, data)
    assert response.status_code == 200
    assert snapshot() == before
    assert response.content.decode().count('name="citations-') < 60 * 15
    assert time.perf_counter() - started < 5


def test_a_kept_posts_address_changed_to_one_no_platform_knows_is_a_form_error(newsroom):
    # recognise() gave None for it and the form read None.key: 500.
    client, post = newsroom["client"], newsroom["objects"]["socialpost"]
    url = f"/admin/articles/socialpost/{post.pk}/change/"
    data = scrape(client.get(url), lambda attrs: attrs.get("id") == "socialpost_form")
    before = snapshot()
    data["url"] = "https://news.example/not-a-post"
    response = client.post(url, data)
    assert response.status_code == 200
    assert snapshot() == before
