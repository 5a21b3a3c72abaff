"""The read API at /api/v1/ (django-ninja): what readers see, for apps and partners.

Everything here goes through `published()` (and `covered()` for updates), as the pages do: a
draft, a scheduled or withdrawn story, a draft, deleted or not-yet-due update never appears,
and the changes feed sends only the id of an update that left readers' view. Lists are paged
by cursor and cost the same few queries whatever their length. Every answer carries an ETag
(a 304 for a client that has it) and a few seconds of public caching; anonymous clients are
rate-limited through the shared cache. The OpenAPI 3.1 document is at /api/v1/openapi.json.
"""

from datetime import datetime
from typing import Annotated

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.middleware.http import ConditionalGetMiddleware
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.decorators import decorator_from_middleware
from ninja import NinjaAPI, Query
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from ninja.throttling import AnonRateThrottle
from pydantic import AfterValidator, Field

from articles import live
from articles.api import schemas
from articles.models import Author, Citation, LiveUpdate, Section, SocialPost, Source, Story
from newsroom.security import client_address

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
STORY_UPDATES = 100
API_MAX_AGE = 10


class AnonymousThrottle(AnonRateThrottle):
    """Anonymous clients, by their address as the login lockout reads it (the proxies of
    NEWSROOM_PROXY_COUNT honoured), at NEWSROOM_API_ANON_RATE ("120/min")."""

    def __init__(self):
        super().__init__(rate=settings.NEWSROOM_API_ANON_RATE)

    def allow_request(self, request):
        # Read at each request, so a deployment (or a test) can change it.
        self.rate = settings.NEWSROOM_API_ANON_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if request.user.is_authenticated:
            return True
        return super().allow_request(request)

    def get_ident(self, request):
        return client_address(request)


api = NinjaAPI(
    title="Newsroom read API",
    version="1",
    description=(
        "Published stories, their live updates, citations, sections, authors and sources. "
        "Times carry the story's UTC offset. Lists are paged with `cursor`."
    ),
    urls_namespace="api-v1",
    throttle=[AnonymousThrottle()],
    docs_url="/docs",
)

_conditional = decorator_from_middleware(ConditionalGetMiddleware)


def public(view):
    """ETag from the answer (304 when the client has it) and a little public caching."""

    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            patch_cache_control(response, public=True, max_age=API_MAX_AGE)
        return response

    return _conditional(wrapped)


ERRORS = {
    400: schemas.Problem,
    404: schemas.Problem,
    422: schemas.InvalidRequest,
    429: schemas.Problem,
}


def _bad_request(message):
    raise HttpError(400, message)


def _aware(value):
    if value.tzinfo is None:
        raise ValueError("give the time with its offset, e.g. 2023-11-20T07:45:00+01:00")
    if not 1900 <= value.year <= 2100:
        raise ValueError("give a time between the years 1900 and 2100")
    return value


AwareTime = Annotated[datetime, AfterValidator(_aware)]


class StoryFilters(schemas.Schema):
    section: str | None = Field(None, max_length=100, description="A section's slug.")
    updated_since: AwareTime | None = Field(
        None, description="Only stories with something new since this time (with its offset)."
    )
    cursor: str | None = Field(None, max_length=40, description="`next_cursor` of a page.")
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class ListParams(schemas.Schema):
    cursor: int | None = Field(None, ge=0, le=2**62, description="`next_cursor` of a page.")
    limit: int = Field(MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


def _stories():
    return (
        Story.objects.published()
        .for_listing()
        .annotate(updates_changed=live.visible_updates_changed())
    )


@api.get(
    "/stories",
    response={200: schemas.StoryPage, **ERRORS},
    summary="Published stories, newest first",
    tags=["stories"],
)
@decorate_view(public)
def list_stories(request, filters: Query[StoryFilters]):
    stories = _stories().order_by("-published_at", "-id")
    if filters.section:
        stories = stories.filter(section__slug=filters.section)
    if filters.updated_since:
        since = filters.updated_since
        # A deleted or edited update is news to a client that mirrors the story: any change
        # of its updates that has come counts, as for the poll.
        changed = LiveUpdate.objects.filter(
            story=OuterRef("pk"), changed_at__gte=since, changed_at__lte=timezone.now()
        )
        stories = stories.filter(Q(updated_at__gte=since) | Exists(changed))
    if filters.cursor:
        try:
            position = live.Cursor.parse(filters.cursor)
        except ValueError:
            _bad_request("cursor must be a next_cursor of this list")
        stories = stories.filter(
            Q(published_at__lt=position.at) | Q(published_at=position.at, id__lt=position.id)
        )
    page = list(stories[: filters.limit + 1])
    items, more = page[: filters.limit], len(page) > filters.limit
    next_cursor = str(live.Cursor(items[-1].published_at, items[-1].pk)) if more else None
    return {"items": items, "next_cursor": next_cursor}


def _published_story(slug):
    return get_object_or_404(_stories(), slug=slug)


@api.get(
    "/stories/{slug}",
    response={200: schemas.StoryDetail, **ERRORS},
    summary="A story with its latest updates, corrections, citations and social posts",
    tags=["stories"],
)
@decorate_view(public)
def get_story(request, slug: str):
    story = _published_story(slug)
    updates, total = [], 0
    if story.has_live_coverage:
        published = LiveUpdate.objects.published().filter(story=story)
        total = published.count()
        updates = list(published.select_related("author").newest_first()[:STORY_UPDATES])
    corrections = live.story_corrections(story, updates)
    citations = list(
        Citation.objects.filter(story=story)
        .select_related("source", "story")
        .order_by("position", "id")
    )
    # The snapshots of the posts its text and these updates embed: one query.
    posts = SocialPost.objects.for_html(
        story.body_html, story.summary_html, *(update.body_html for update in updates)
    )
    for row in [*corrections, *citations, *posts]:
        row.zone = story.time_zone
    changed = live.last_change(story) if story.has_live_coverage else None
    story.api_corrections, story.api_citations = corrections, citations
    story.api_social_posts = posts
    story.api_updates, story.api_updates_total = updates, total
    story.api_updates_cursor = str(live.page_cursor(changed, timezone.now()))
    return story


@api.get(
    "/stories/{slug}/updates",
    response={200: schemas.Changes, **ERRORS},
    summary="A live story's updates changed since a cursor (the page's poll, as data)",
    tags=["stories"],
)
@decorate_view(public)
def story_changes(
    request,
    slug: str,
    since: Annotated[str, Field(max_length=40, description="A cursor, or 0 for all.")] = "0",
):
    try:
        cursor = live.Cursor.parse(since)
    except ValueError as error:
        _bad_request(str(error))
    story = _published_story(slug)
    changes, more = live.changes_since(story, cursor) if story.has_live_coverage else ([], False)
    next_cursor, more = live.next_cursor(changes, more, cursor, timezone.now())
    live.story_corrections(story, changes)
    return {
        "cursor": str(next_cursor),
        "more": more,
        "is_live": story.is_live,
        "changes": [
            {"id": update.pk, "state": "published", "update": update}
            if update.is_visible
            else {"id": update.pk, "state": "removed", "update": None}
            for update in changes
        ],
    }


def _keyset(queryset, params):
    if params.cursor is not None:
        queryset = queryset.filter(pk__gt=params.cursor)
    page = list(queryset.order_by("pk")[: params.limit + 1])
    items, more = page[: params.limit], len(page) > params.limit
    return {"items": items, "next_cursor": items[-1].pk if more else None}


class SectionPage(schemas.Schema):
    items: list[schemas.Section]
    next_cursor: int | None


class AuthorPage(schemas.Schema):
    items: list[schemas.Author]
    next_cursor: int | None


class SourcePage(schemas.Schema):
    items: list[schemas.Source]
    next_cursor: int | None


@api.get("/sections", response={200: SectionPage, **ERRORS}, tags=["directory"])
@decorate_view(public)
def list_sections(request, params: Query[ListParams]):
    return _keyset(Section.objects.all(), params)


@api.get("/authors", response={200: AuthorPage, **ERRORS}, tags=["directory"])
@decorate_view(public)
def list_authors(request, params: Query[ListParams]):
    return _keyset(Author.objects.all(), params)


@api.get("/sources", response={200: SourcePage, **ERRORS}, tags=["directory"])
@decorate_view(public)
def list_sources(request, params: Query[ListParams]):
    return _keyset(Source.objects.all(), params)
