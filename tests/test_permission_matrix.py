"""Roles hold on every path: every URL the project routes, as anonymous, Reporter, Live desk,
Editor and superuser, for stories they own and stories they do not, in every status (and in
the trash), checked against one declared matrix.

The matrix is the Roles table of DESIGN.md written as data (`DESIGN_ROLES`), and one row per
routed URL (`ROUTES`) saying which ability of that table an answer needs. The URL resolver is
walked: a URL without a row, or a row without a URL, fails the test. Every page is asked with
GET; the routes that change something are also asked with POST (`WRITES`), and a refused POST
must leave the row as it was. One client per role, one set of objects: the whole walk is one
test, and a failure lists every cell that disagrees.
"""

import re
import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from articles import previews, publishing
from articles.models import Citation, Correction, LiveUpdate, SocialPost, Source, Story
from tests import factories

pytestmark = pytest.mark.django_db

# --- DESIGN.md's Roles table, as data ---------------------------------------------------------
# What each role may do. "see the newsroom" is what every staff role has (the admin's lists and
# read-only pages, previews): DESIGN.md's "Anonymous readers never see drafts, scheduled
# items, previews or the editor's upload and preview endpoints" is its other side. The
# editor's desk rights are the code's (permissions.ROLES): an editor runs coverage too.
DESIGN_ROLES = {
    "reporter": {"see the newsroom", "create stories", "edit own drafts", "submit for review",
                 "upload images", "add social posts"},
    "editor": {"see the newsroom", "create stories", "edit any story", "publish", "withdraw",
               "correct stories", "manage sources", "manage social posts", "upload images",
               "add social posts", "post updates", "edit updates", "delete updates",
               "run coverage", "correct updates", "delete stories"},
    "desk": {"see the newsroom", "post updates", "edit updates", "pin updates", "delete updates",
             "run coverage", "correct updates", "upload images", "add social posts"},
    "super": {"everything"},
    "anon": set(),
}  # fmt: skip
ROLES = list(DESIGN_ROLES)


def may(role, ability):
    return "everything" in DESIGN_ROLES[role] or ability in DESIGN_ROLES[role]


# --- Object states ----------------------------------------------------------------------------
# Each state is a story with an update, a citation (with an archived copy), a correction and a
# preview link. "own" stories were created by the reporter, the others by an editor.
STATES = ["own draft", "draft", "own in review", "scheduled", "published", "live", "withdrawn",
          "trashed"]  # fmt: skip
VISIBLE = {"published", "live"}
COVERED = {"live"}
ONE = ["-"]  # routes whose answer does not depend on a story


def _story_fields(state):
    now = timezone.now()
    return {
        "own draft": {"status": Story.Status.DRAFT, "published_at": None},
        "draft": {"status": Story.Status.DRAFT, "published_at": None},
        "own in review": {"status": Story.Status.IN_REVIEW, "published_at": None},
        "scheduled": {"status": Story.Status.PUBLISHED, "published_at": now + timedelta(days=9)},
        "published": {},
        "live": {"is_live": True, "live_started_at": now - timedelta(hours=1)},
        "withdrawn": {"status": Story.Status.WITHDRAWN},
        "trashed": {},
    }[state]


@dataclass
class World:
    people: dict
    objects: dict  # state -> {"story": ..., "update": ..., ...}
    shared: dict  # the objects that do not depend on a state


def _build():
    people = {
        "reporter": factories.user(group="Reporter"),
        "desk": factories.user(group="Live desk"),
        "editor": factories.user(group="Editor"),
        "super": factories.user(is_superuser=True),
    }
    section = factories.section(slug="rubrique")
    author = factories.author(slug="plume")
    source = Source.objects.create(name="WSJ", slug="wsj", homepage_url="https://wsj.com")
    objects = {}
    for n, state in enumerate(STATES):
        owner = people["reporter"] if state.startswith("own") else people["editor"]
        story = factories.story(
            slug=f"s{n}", section=section, authors=[author], created_by=owner,
            **_story_fields(state),
        )  # fmt: skip
        update = factories.update(story, body=f"Update of {state}")
        citation = Citation.objects.create(
            story=story, source=source, url=f"https://wsj.com/{n}", title=f"Cited {n}",
            capture_state=Citation.Capture.DONE, readable_text="Archived text.",
        )  # fmt: skip
        correction = Correction.objects.create(story=story, note="Kara, not Sara.")
        link = previews.create_link(story=story, by=people["editor"])
        story.headline = f"Story {n}, again"
        story.save()  # a second version: history lists and differences have two rows
        if state == "trashed":
            publishing.trash(obj=story, by=people["editor"])
        objects[state] = {
            "story": story, "update": update, "citation": citation, "correction": correction,
            "link": link,
            "story_record": Story.history.filter(id=story.pk).earliest("history_date"),
            "update_record": update.history.earliest("history_date"),
            "citation_record": citation.history.earliest("history_date"),
        }  # fmt: skip
    post = SocialPost.objects.create(
        url="https://mastodon.social/@gdb/111", text="Post", created_by=people["reporter"]
    )
    trashed_post = SocialPost.objects.create(url="https://mastodon.social/@gdb/222", text="Gone")
    publishing.trash(obj=trashed_post, by=people["editor"])
    image = factories.image(by=people["reporter"])
    shared = {
        "section": section, "author": author, "source": source, "post": post,
        "post_record": post.history.earliest("history_date"), "trashed_post": trashed_post,
        "image": image, "image_record": image.history.earliest("history_date"),
        "user": people["editor"], "group": people["editor"].groups.get(),
        "rendition": image.renditions.first(),
    }  # fmt: skip
    return World(people, objects, shared)


# --- Answers ----------------------------------------------------------------------------------
OK, LOGIN, NO, GONE, NOT_ALLOWED = "ok", "login", "no", "gone", "405"


def classify(response):
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if status == 405:
        return NOT_ALLOWED
    if status == 410:
        return GONE
    if status in (403, 404, 400):
        return NO
    if status in (301, 302):
        target = response["Location"]
        if "/login/" in target:
            return LOGIN
        if target.rstrip("/").endswith("/admin"):
            return NO  # the admin's answer for an object that does not exist (for this user)
        return OK
    return OK


def staff_page(role, allowed):
    """An admin or desk page: anonymous readers are sent to log in, others allowed or refused."""
    if role == "anon":
        return LOGIN
    return OK if allowed else NO


def public(allowed, gone=False):
    return OK if allowed else (GONE if gone else NO)


# --- The rules each route asks, in DESIGN's words ---------------------------------------------


def sees(role, state="-"):
    """Staff see every story in the admin, except what is in the trash."""
    return may(role, "see the newsroom") and state != "trashed"


def edits_story(role, state):
    if state == "trashed":
        return False
    return may(role, "edit any story") or (may(role, "edit own drafts") and state == "own draft")


def deletes_story(role, state):
    return may(role, "delete stories") and state != "trashed"


def edits_update(role, state):
    """The desk edits, pins and deletes updates of covered stories readers see."""
    if state == "trashed":
        return False
    return may(role, "edit any story") or (may(role, "edit updates") and state in COVERED)


def empties(role, state, ability):
    return state == "trashed" and may(role, ability)


def superuser_only(role, state="-"):
    return role == "super"


# Each routed URL: (how to fill its arguments for one state, the states it is asked in, what the
# answer must be for a role in a state). The arguments come from the world's objects.
def _story(attr="pk", arg="object_id"):
    return lambda o, s: {arg: getattr(o["story"], attr)}


def admin_rows(
    model,
    *,
    fill,
    states,
    view,
    add,
    change,
    delete,
    history=True,
    record=None,
    extra=None,
    history_list=None,
):
    """The admin's standard views of one model, and their history variants."""
    base = f"admin/articles/{model}/"
    rows = {
        base: (lambda o, s: {}, ONE, lambda r, s: staff_page(r, view(r, "-"))),
        f"{base}add/": (lambda o, s: {}, ONE, lambda r, s: staff_page(r, add(r))),
        f"{base}<path:object_id>/change/": (fill, states, lambda r, s: staff_page(r, view(r, s))),
        # The bare address redirects to the change page (which then answers), for anyone.
        f"{base}<path:object_id>/": (fill, states, lambda r, s: staff_page(r, True)),
        f"{base}<path:object_id>/delete/": (
            fill, states, lambda r, s: staff_page(r, delete(r, s))),
        # The history list stays readable in the trash: it says who put the row there.
        f"{base}<path:object_id>/history/": (
            fill, states, history_list or (lambda r, s: staff_page(r, view(r, "-")))),
    }  # fmt: skip
    if history:
        record = record or f"{model}_record"
        with_record = lambda o, s: {**fill(o, s), "version_id": o[record].pk}  # noqa: E731
        rows[f"{base}<path:object_id>/history/<str:version_id>/diff/"] = (
            with_record, states, lambda r, s: staff_page(r, view(r, s)),
        )  # fmt: skip
        rows[f"{base}^([^/]+)/history/([^/]+)/$"] = (
            lambda o, s: [fill(o, s)["object_id"], o[record].pk],
            states,
            lambda r, s: staff_page(r, view(r, s)),
        )
    rows.update(extra or {})
    return rows


def _post_fill(o, s):
    return {"object_id": o["post"].pk}


def _shared(key, arg="object_id"):
    return lambda o, s: {arg: o[key].pk}


def _trash_rows(model, fill_trashed, states, ability, restore_rule, trashed=None):
    base = f"admin/articles/{model}/trash/"
    return {
        base: (lambda o, s: {}, ONE, lambda r, s: staff_page(r, sees(r))),
        f"{base}<str:object_id>/restore/": (
            fill_trashed, states,
            # GET never restores: 405 for whoever reaches the view, else the lookup refuses.
            lambda r, s: LOGIN if r == "anon" else (NOT_ALLOWED if sees(r) or r == "super" else NO),
        ),
        f"{base}<str:object_id>/empty/": (
            fill_trashed, states,
            lambda r, s: staff_page(
                r, restore_rule(r, s) and empties(r, trashed or s, ability)),
        ),
    }  # fmt: skip


def _not_auth_model(app, model, view=superuser_only):
    base = f"admin/{app}/{model}/"
    fill = _shared("user") if model == "user" else _shared("group")
    rule = lambda r, s: staff_page(r, view(r))  # noqa: E731
    # Login attempts and task results are records, never added by hand.
    read_only = app != "auth"
    rows = {
        base: (lambda o, s: {}, ONE, rule),
        f"{base}add/": (
            lambda o, s: {},
            ONE,
            lambda r, s: staff_page(r, view(r) and not read_only),
        ),
        f"{base}<path:object_id>/": (fill, ONE, lambda r, s: staff_page(r, True)),  # a redirect
    }
    if app == "auth":
        for suffix in ("change/", "delete/", "history/"):
            rows[f"{base}<path:object_id>/{suffix}"] = (fill, ONE, rule)
    else:  # no row to open: asked for a missing id, refused or not found alike
        for suffix in ("change/", "delete/", "history/"):
            rows[f"{base}<path:object_id>/{suffix}"] = (
                lambda o, s: {"object_id": 999999},
                ONE,
                lambda r, s: staff_page(r, False),
            )
    return rows


STORY_STATES = STATES
ROUTES = {
    # The admin's own pages.
    "admin/": (lambda o, s: {}, ONE, lambda r, s: staff_page(r, True)),
    # Logged in, the login page sends back to the index (classified with the refusals).
    "admin/login/": (lambda o, s: {}, ONE, lambda r, s: OK if r == "anon" else NO),
    "admin/logout/": (lambda o, s: {}, ONE, lambda r, s: NO if r == "anon" else NOT_ALLOWED),
    "admin/password_change/": (lambda o, s: {}, ONE, lambda r, s: staff_page(r, True)),
    "admin/password_change/done/": (lambda o, s: {}, ONE, lambda r, s: staff_page(r, True)),
    "admin/autocomplete/": (lambda o, s: {}, ONE, lambda r, s: staff_page(r, False)),  # no params
    "admin/jsi18n/": (lambda o, s: {}, ONE, lambda r, s: staff_page(r, True)),
    "admin/r/<path:content_type_id>/<path:object_id>/": (
        lambda o, s: {"content_type_id": 999999, "object_id": 1},
        ONE,
        lambda r, s: staff_page(r, False),
    ),
    "admin/^(?P<app_label>auth|axes|django_tasks_database|articles)/$": (
        lambda o, s: {"app_label": "articles"},
        ONE,
        lambda r, s: staff_page(r, True),
    ),
    "admin/(?P<url>.*)$": (
        lambda o, s: {"url": "nowhere/"},
        ONE,
        lambda r, s: staff_page(r, False),
    ),
    "admin/auth/user/<id>/password/": (
        _shared("user", "id"),
        ONE,
        lambda r, s: staff_page(r, superuser_only(r)),
    ),
    **_not_auth_model("auth", "group"),
    **_not_auth_model("auth", "user"),
    **_not_auth_model("axes", "accessattempt"),
    **_not_auth_model("axes", "accesslog"),
    **_not_auth_model("axes", "accessfailurelog"),
    **_not_auth_model("django_tasks_database", "dbtaskresult"),
    # Stories: every staff role sees them; changing is the story rule; delete is the trash.
    **admin_rows(
        "story",
        fill=_story(),
        states=STORY_STATES,
        view=sees,
        add=lambda r: may(r, "create stories"),
        change=edits_story,
        delete=deletes_story,
        extra={
            "admin/articles/story/<str:object_id>/preview-links/": (
                _story(),
                STORY_STATES,
                lambda r, s: staff_page(r, True) and (NOT_ALLOWED if r != "anon" else LOGIN),
            ),
            "admin/articles/story/<str:object_id>/preview-links/<str:link_id>/revoke/": (
                lambda o, s: {"object_id": o["story"].pk, "link_id": o["link"].pk},
                STORY_STATES,
                lambda r, s: NOT_ALLOWED if r != "anon" else LOGIN,
            ),
            **_trash_rows(
                "story",
                _story(),
                STORY_STATES,
                "delete stories",
                lambda r, s: may(r, "delete stories"),
            ),
        },
    ),
    **admin_rows(
        "liveupdate",
        fill=lambda o, s: {"object_id": o["update"].pk},
        states=STORY_STATES,
        record="update_record",
        view=sees,
        add=lambda r: may(r, "post updates"),
        change=edits_update,
        delete=edits_update,
        extra=_trash_rows(
            "liveupdate",
            lambda o, s: {"object_id": o["update"].pk},
            STORY_STATES,
            "delete updates",
            lambda r, s: False,
        ),
    ),
    **admin_rows(
        "citation",
        fill=lambda o, s: {"object_id": o["citation"].pk},
        states=STORY_STATES,
        view=sees,
        add=lambda r: False,
        change=edits_story,
        delete=edits_story,
        extra={
            "admin/articles/citation/<str:object_id>/warc/": (
                lambda o, s: {"object_id": o["citation"].pk},
                STORY_STATES,
                # No WARC file was captured here: refused or not found for everyone.
                lambda r, s: staff_page(r, False),
            ),
            **_trash_rows(
                "citation",
                lambda o, s: {"object_id": o["citation"].pk},
                STORY_STATES,
                "manage sources",
                lambda r, s: False,
            ),
        },
    ),
    **admin_rows(
        "socialpost",
        fill=_post_fill,
        states=ONE,
        view=sees,
        record="post_record",
        add=lambda r: may(r, "add social posts"),
        change=lambda r, s: may(r, "manage social posts") or r == "reporter",
        delete=lambda r, s: may(r, "manage social posts"),
        extra=_trash_rows(
            "socialpost",
            _shared("trashed_post"),
            ONE,
            "manage social posts",
            lambda r, s: may(r, "manage social posts"),
            trashed="trashed",
        ),
    ),
    **admin_rows(
        "image",
        fill=_shared("image"),
        states=ONE,
        view=sees,
        add=lambda r: may(r, "upload images"),
        change=sees,
        delete=lambda r, s: may(r, "manage sources"),
    ),
    **admin_rows(
        "source",
        fill=_shared("source"),
        states=ONE,
        view=sees,
        add=lambda r: may(r, "manage sources"),
        change=sees,
        delete=lambda r, s: may(r, "manage sources"),
        history=False,
    ),
    **admin_rows(
        "correction",
        fill=lambda o, s: {"object_id": o["correction"].pk},
        states=STORY_STATES,
        # Corrections are public notes: their row stays viewable, except while their story is
        # in the trash, when they go with it (and come back with it).
        view=lambda r, s: sees(r) and s != "trashed",
        add=lambda r: may(r, "correct updates"),
        change=lambda r, s: False,
        delete=lambda r, s: may(r, "correct stories") and s != "trashed",
        history=False,
        history_list=lambda r, s: staff_page(r, sees(r) and s != "trashed"),
    ),
    **admin_rows(
        "section",
        fill=_shared("section"),
        states=ONE,
        view=sees,
        add=lambda r: may(r, "edit any story"),
        change=sees,
        delete=superuser_only,
        history=False,
    ),
    **admin_rows(
        "author",
        fill=_shared("author"),
        states=ONE,
        view=sees,
        add=lambda r: may(r, "edit any story"),
        change=sees,
        delete=superuser_only,
        history=False,
    ),
    # The staff's language choice answers anyone (a POST sets a cookie).
    "i18n/setlang/": (lambda o, s: {}, ONE, lambda r, s: OK),
    # The editor's preview and upload: POST only, staff only.
    # (Their POSTs by each role are test_editor's.)
    "markdownx/markdownify/": (lambda o, s: {}, ONE, lambda r, s: NOT_ALLOWED),
    "markdownx/upload/": (lambda o, s: {}, ONE, lambda r, s: NOT_ALLOWED),
    # Browsers' reports of what the Content-Security-Policy blocked: POST only, from anyone
    # (a report comes from whatever page the reader had open; test_headers posts them).
    "csp-report/": (lambda o, s: {}, ONE, lambda r, s: NOT_ALLOWED),
    # The read API: readers' view only, whoever asks.
    "api/v1/openapi.json": (lambda o, s: {}, ONE, lambda r, s: OK),
    "api/v1/docs": (lambda o, s: {}, ONE, lambda r, s: OK),
    "api/v1/stories": (lambda o, s: {}, ONE, lambda r, s: OK),
    "api/v1/stories/<slug>": (
        _story("slug", "slug"),
        STORY_STATES,
        lambda r, s: public(s in VISIBLE),
    ),
    "api/v1/stories/<slug>/updates": (
        _story("slug", "slug"),
        STORY_STATES,
        lambda r, s: public(s in VISIBLE),
    ),
    "api/v1/sections": (lambda o, s: {}, ONE, lambda r, s: OK),
    "api/v1/authors": (lambda o, s: {}, ONE, lambda r, s: OK),
    "api/v1/sources": (lambda o, s: {}, ONE, lambda r, s: OK),
    "api/v1/": (lambda o, s: {}, ONE, lambda r, s: NO),
    # Readers' pages: the same for everyone, whatever their role.
    "": (lambda o, s: {}, ONE, lambda r, s: OK),
    "sections/<slug:slug>/": (lambda o, s: {"slug": "rubrique"}, ONE, lambda r, s: OK),
    "authors/<slug:slug>/": (lambda o, s: {"slug": "plume"}, ONE, lambda r, s: OK),
    "sources/<slug:slug>/": (lambda o, s: {"slug": "wsj"}, ONE, lambda r, s: OK),
    "search/": (lambda o, s: {}, ONE, lambda r, s: OK),
    "stories/<slug:slug>/": (
        lambda o, s: {"slug": o["story"].slug},
        STORY_STATES,
        lambda r, s: public(s in VISIBLE, gone=s == "withdrawn"),
    ),
    # The poll of a withdrawn story is a 410, as its page.
    "stories/<slug:slug>/updates/": (
        lambda o, s: {"slug": o["story"].slug},
        STORY_STATES,
        lambda r, s: public(s in VISIBLE, gone=s == "withdrawn"),
    ),
    "stories/<slug:slug>/updates/<int:pk>/": (
        lambda o, s: {"slug": o["story"].slug, "pk": o["update"].pk},
        STORY_STATES,
        lambda r, s: public(s in COVERED, gone=s == "withdrawn"),
    ),
    "stories/<slug:slug>/sources/<int:pk>/": (
        lambda o, s: {"slug": o["story"].slug, "pk": o["citation"].pk},
        STORY_STATES,
        lambda r, s: public(s in VISIBLE, gone=s == "withdrawn"),
    ),
    "preview/stories/<int:pk>/": (
        lambda o, s: {"pk": o["story"].pk},
        STORY_STATES,
        lambda r, s: staff_page(r, sees(r, s)),
    ),
    "preview/shared/<str:token>/": (
        lambda o, s: {"token": previews.token(o["link"])},
        STORY_STATES,
        lambda r, s: public(s != "trashed"),
    ),  # anyone with the link, until the trash
    "feeds/rss/": (lambda o, s: {}, ONE, lambda r, s: OK),
    "feeds/atom/": (lambda o, s: {}, ONE, lambda r, s: OK),
    "feeds/sections/<slug:slug>/rss/": (lambda o, s: {"slug": "rubrique"}, ONE, lambda r, s: OK),
    "feeds/sections/<slug:slug>/atom/": (lambda o, s: {"slug": "rubrique"}, ONE, lambda r, s: OK),
    "feeds/authors/<slug:slug>/rss/": (lambda o, s: {"slug": "plume"}, ONE, lambda r, s: OK),
    "feeds/authors/<slug:slug>/atom/": (lambda o, s: {"slug": "plume"}, ONE, lambda r, s: OK),
    "feeds/stories/<slug:slug>/updates/": (
        lambda o, s: {"slug": o["story"].slug},
        STORY_STATES,
        lambda r, s: public(s in COVERED),
    ),
    "feeds/stories/<slug:slug>/updates/rss/": (
        lambda o, s: {"slug": o["story"].slug},
        STORY_STATES,
        lambda r, s: public(s in COVERED),
    ),
    "sitemap.xml": (lambda o, s: {}, ONE, lambda r, s: OK),
    "sitemap-news.xml": (lambda o, s: {}, ONE, lambda r, s: OK),
    "sitemap-<slug:section>.xml": (lambda o, s: {"section": "stories"}, ONE, lambda r, s: OK),
    "robots.txt": (lambda o, s: {}, ONE, lambda r, s: OK),
    # The live desk: the desk and editors; the story's page there, for any story they see.
    "desk/": (lambda o, s: {}, ONE, lambda r, s: staff_page(r, may(r, "post updates"))),
    "desk/stories/<int:pk>/": (
        lambda o, s: {"pk": o["story"].pk},
        STORY_STATES,
        lambda r, s: staff_page(r, may(r, "post updates") and s != "trashed"),
    ),
    "desk/stories/<int:pk>/coverage/": (
        lambda o, s: {"pk": o["story"].pk},
        STORY_STATES,
        lambda r, s: LOGIN if r == "anon" else (NOT_ALLOWED if may(r, "post updates") else NO),
    ),
    "desk/stories/<int:pk>/changes/": (
        lambda o, s: {"pk": o["story"].pk},
        STORY_STATES,
        lambda r, s: staff_page(r, may(r, "post updates") and s != "trashed"),
    ),
    "desk/updates/<int:pk>/edit/": (
        lambda o, s: {"pk": o["update"].pk},
        STORY_STATES,
        lambda r, s: staff_page(r, may(r, "post updates") and edits_update(r, s)),
    ),
    "desk/updates/<int:pk>/action/": (
        lambda o, s: {"pk": o["update"].pk},
        STORY_STATES,
        lambda r, s: LOGIN if r == "anon" else (NOT_ALLOWED if may(r, "post updates") else NO),
    ),
    # Uploaded pictures are public files.
    "media/<path:path>": (lambda o, s: {"path": o["rendition"].file.name}, ONE, lambda r, s: OK),
}


# --- Walking the resolver ---------------------------------------------------------------------


def routed():
    """Every URL pattern the project routes, as its full pattern text."""

    def walk(patterns, prefix):
        for pattern in patterns:
            text = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, text)
            elif isinstance(pattern, URLPattern):
                yield text

    return list(walk(get_resolver().url_patterns, ""))


_CONVERTER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
_GROUP = re.compile(r"\((?:\?P<([a-z_]+)>)?[^)]*\)")


def concrete(route, args):
    """The path for `route` with `args` put in its converters (or regex groups, in order)."""
    if isinstance(args, list):
        values = iter(args)
        path = _GROUP.sub(lambda m: str(next(values)), route)
    else:
        path = _GROUP.sub(lambda m: str(args[m.group(1)]), route)
        path = _CONVERTER.sub(lambda m: str(args[m.group(1)]), path)
    return "/" + path.lstrip("^").replace("$", "").replace("^", "")


def test_every_routed_url_has_a_row_and_every_row_a_url():
    urls = set(routed())
    assert len(urls) == len(routed()), "two patterns with the same text"
    assert sorted(urls - set(ROUTES)) == [], "routed URLs without a row in the matrix"
    assert sorted(set(ROUTES) - urls) == [], "rows for URLs that are not routed"


def test_every_url_answers_each_role_in_each_state_as_the_matrix_says(settings):
    settings.AXES_ENABLED = False
    world = _build()
    clients = {"anon": Client(HTTP_ACCEPT_LANGUAGE="en")}
    for role, person in world.people.items():
        clients[role] = Client(HTTP_ACCEPT_LANGUAGE="en")
        clients[role].force_login(person)
    wrong, cells, started = [], 0, time.monotonic()
    spent = {}
    for route in routed():
        route_started = time.monotonic()
        fill, states, expect = ROUTES[route]
        for state in states:
            objects = world.objects.get(state, {}) | world.shared
            path = concrete(route, fill(objects, state))
            for role in ROLES:
                cache.clear()  # answers are per role; the render cache is not under test
                answer = classify(clients[role].get(path))
                wanted = expect(role, state)
                cells += 1
                if answer != wanted:
                    wrong.append(f"{route} [{state}] {role}: {answer}, matrix says {wanted}")
        spent[route] = time.monotonic() - route_started
    seconds = time.monotonic() - started
    for route, took in sorted(spent.items(), key=lambda item: -item[1])[:12]:
        print(f"  {took:.2f} s {route}")
    print(f"permission matrix: {cells} cells ({len(ROUTES)} URLs x {len(ROLES)} roles x "
          f"states) in {seconds:.1f} s")  # fmt: skip
    assert not wrong, f"{len(wrong)} of {cells} cells disagree:\n" + "\n".join(wrong)


# --- Writes: a refused POST changes nothing ---------------------------------------------------
# (route, how to build the POST for one state, the rule that allows it, what must not move).


def _story_version(o):
    return Story.all_objects.filter(pk=o["story"].pk).values_list("version", flat=True).first()


def _update_state(o):
    return (
        LiveUpdate.objects.filter(pk=o["update"].pk)
        .values_list("version", "deleted_at", "is_pinned")
        .first()
    )


WRITES = {
    "publish through the bulk action": (
        lambda o: ("/admin/articles/story/", {
            "action": "publish_stories", "_selected_action": [o["story"].pk], "index": 0}),
        lambda r, s: may(r, "publish") and s != "trashed",
        _story_version,
    ),
    "submit for review through the bulk action": (
        lambda o: ("/admin/articles/story/", {
            "action": "submit_for_review", "_selected_action": [o["story"].pk], "index": 0}),
        lambda r, s: s in {"own draft", "draft"} and edits_story(r, s),
        _story_version,
    ),
    "delete a story (to the trash)": (
        lambda o: (f"/admin/articles/story/{o['story'].pk}/delete/", {"post": "yes"}),
        deletes_story,
        _story_version,
    ),
    "restore a story from the trash": (
        lambda o: (f"/admin/articles/story/trash/{o['story'].pk}/restore/", {}),
        lambda r, s: s == "trashed" and may(r, "delete stories"),
        _story_version,
    ),
    "pin an update on the desk": (
        lambda o: (f"/desk/updates/{o['update'].pk}/action/", {"action": "pin"}),
        lambda r, s: may(r, "post updates") and edits_update(r, s),
        _update_state,
    ),
    "delete an update on the desk": (
        lambda o: (f"/desk/updates/{o['update'].pk}/action/", {"action": "delete"}),
        lambda r, s: may(r, "post updates") and edits_update(r, s),
        _update_state,
    ),
    "delete an update in the admin": (
        lambda o: (f"/admin/articles/liveupdate/{o['update'].pk}/delete/", {"post": "yes"}),
        edits_update,
        _update_state,
    ),
    "make a preview link": (
        lambda o: (f"/admin/articles/story/{o['story'].pk}/preview-links/", {}),
        edits_story,
        lambda o: o["story"].preview_links.count(),
    ),
}  # fmt: skip


def test_a_write_is_done_only_where_the_matrix_allows_it(settings):
    """Each write, by each role, on each state, on fresh objects: allowed, it changes the row;
    refused, the row is exactly as it was."""
    settings.AXES_ENABLED = False
    world = _build()
    clients = {"anon": Client()}
    for role, person in world.people.items():
        clients[role] = Client()
        clients[role].force_login(person)
    wrong, cells = [], 0
    for name, (build, allowed, observe) in WRITES.items():
        for state in STATES:
            for role in ROLES:
                objects = _fresh(world, state)
                before = observe(objects)
                path, data = build(objects)
                response = clients[role].post(path, data)
                cells += 1
                if response.status_code >= 500:
                    wrong.append(f"{name} [{state}] {role}: {response.status_code}")
                    continue
                changed = observe(objects) != before
                if changed != allowed(role, state):
                    wrong.append(f"{name} [{state}] {role}: changed={changed}")
    print(f"writes: {cells} cells ({len(WRITES)} writes x {len(ROLES)} roles x {len(STATES)})")
    assert not wrong, f"{len(wrong)} of {cells} cells disagree:\n" + "\n".join(wrong)


def _fresh(world, state):
    """A new story in `state` (the writes change what they touch), owned as the state says."""
    owner = world.people["reporter"] if state.startswith("own") else world.people["editor"]
    story = factories.story(created_by=owner, **_story_fields(state))
    update = factories.update(story)
    if state == "trashed":
        publishing.trash(obj=story, by=world.people["editor"])
    return {"story": story, "update": update}


def test_no_editable_changelist_column_skips_a_per_object_rule_or_a_version_check():
    """The changelist's editable columns save every listed row with the model permission
    alone and no version: they exist only where there is neither a per-object rule nor a
    version to check (Section's position). Bulk actions are the WRITES above."""
    from django.contrib import admin
    from django.contrib.admin import ModelAdmin

    from articles.models import VersionedModel

    for model, model_admin in admin.site._registry.items():
        if not model_admin.list_editable:
            continue
        assert not issubclass(model, VersionedModel), model
        rule = type(model_admin).has_change_permission
        assert rule is ModelAdmin.has_change_permission, f"{model} has a per-object rule"
