"""What the read API sends: pydantic schemas (django-ninja), which make its OpenAPI document.

Times are in the story's zone with their offset ("2023-11-20T07:45:00+01:00"); addresses are
absolute, on the configured site.
"""

from datetime import datetime
from typing import Literal

from django.conf import settings
from ninja import Schema
from pydantic import Field

from articles.times import in_zone


def absolute(path):
    return f"{settings.NEWSROOM_SITE_URL}{path}"


def zoned(value, tz):
    return in_zone(value, tz).replace(microsecond=0) if value else None


class Problem(Schema):
    detail: str


class InvalidRequest(Schema):
    """A parameter of the wrong type or out of range, each named in `detail`."""

    detail: list[dict]


class SectionRef(Schema):
    slug: str
    name: str
    url: str

    @staticmethod
    def resolve_url(section):
        return absolute(section.get_absolute_url())


class Section(SectionRef):
    description: str


class AuthorRef(Schema):
    slug: str
    name: str
    url: str

    @staticmethod
    def resolve_url(author):
        return absolute(author.get_absolute_url())


class Author(AuthorRef):
    bio: str


class SourceRef(Schema):
    slug: str
    name: str
    url: str

    @staticmethod
    def resolve_url(source):
        return absolute(source.get_absolute_url())


class Source(SourceRef):
    kind: str
    homepage_url: str


class Correction(Schema):
    note: str
    corrected_at: datetime

    @staticmethod
    def resolve_corrected_at(correction):
        # The endpoint stamps `zone` (the story's) on the rows it loads.
        return zoned(correction.corrected_at, getattr(correction, "zone", None))


class Story(Schema):
    id: int
    slug: str
    url: str
    headline: str
    standfirst: str
    language: str
    time_zone: str
    section: SectionRef
    authors: list[AuthorRef]
    published_at: datetime
    modified_at: datetime = Field(
        description="When readers last had something new: the story or one of its updates."
    )
    is_live: bool
    live_started_at: datetime | None
    live_ended_at: datetime | None

    @staticmethod
    def resolve_url(story):
        return absolute(story.get_absolute_url())

    @staticmethod
    def resolve_authors(story):
        return story.ordered_authors

    @staticmethod
    def resolve_published_at(story):
        return zoned(story.published_at, story.time_zone)

    @staticmethod
    def resolve_modified_at(story):
        times = [story.updated_at, story.published_at, getattr(story, "updates_changed", None)]
        return zoned(max(t for t in times if t), story.time_zone)

    @staticmethod
    def resolve_live_started_at(story):
        return zoned(story.live_started_at, story.time_zone)

    @staticmethod
    def resolve_live_ended_at(story):
        return zoned(story.live_ended_at, story.time_zone)


class StoryPage(Schema):
    items: list[Story]
    next_cursor: str | None = Field(
        description="Pass it as `cursor` for the next page; null on the last page."
    )


class Update(Schema):
    id: int
    url: str
    title: str
    body_html: str
    author: AuthorRef | None
    published_at: datetime
    edited_at: datetime | None
    is_key_event: bool
    is_pinned: bool
    corrections: list[Correction]

    @staticmethod
    def resolve_url(update):
        return absolute(update.get_absolute_url())

    @staticmethod
    def resolve_published_at(update):
        return zoned(update.published_at, update.story.time_zone)

    @staticmethod
    def resolve_edited_at(update):
        return zoned(update.edited_at, update.story.time_zone)

    @staticmethod
    def resolve_corrections(update):
        corrections = list(update.corrections.all())
        for correction in corrections:
            correction.zone = update.story.time_zone
        return corrections


class Citation(Schema):
    id: int
    url: str
    title: str
    author: str
    source: SourceRef
    published_at: datetime | None
    quote: str
    via: int | None = Field(description="The id of the citation that relayed this article.")
    archived_copy_url: str | None

    @staticmethod
    def resolve_published_at(citation):
        return zoned(citation.published_at, citation.time_zone or getattr(citation, "zone", None))

    @staticmethod
    def resolve_via(citation):
        return citation.via_id

    @staticmethod
    def resolve_archived_copy_url(citation):
        return absolute(citation.get_archive_url()) if citation.has_archived_copy else None


class SocialPost(Schema):
    """A post the story or its updates embed, as Newsroom keeps it (the platform's own page may
    be gone: `availability` says so)."""

    url: str
    platform: str
    author_name: str
    author_handle: str
    author_url: str
    text: str
    posted_at: datetime | None
    language: str
    availability: str
    last_seen_at: datetime | None
    is_reconstructed: bool

    @staticmethod
    def resolve_posted_at(post):
        return zoned(post.posted_at, getattr(post, "zone", None))

    @staticmethod
    def resolve_last_seen_at(post):
        return zoned(post.last_seen_at, getattr(post, "zone", None))


class StoryDetail(Story):
    body_html: str
    summary_html: str
    corrections: list[Correction]
    citations: list[Citation]
    social_posts: list[SocialPost] = Field(
        description="The posts the story's text and its latest updates embed."
    )
    updates: list[Update] = Field(description="The latest published updates, newest first.")
    updates_total: int
    updates_cursor: str = Field(
        description="Poll /stories/{slug}/updates?since= with it for what changes next."
    )

    # The endpoint loads these, each in one query, and hangs them on the story.
    @staticmethod
    def resolve_corrections(story):
        return story.api_corrections

    @staticmethod
    def resolve_citations(story):
        return story.api_citations

    @staticmethod
    def resolve_social_posts(story):
        return story.api_social_posts

    @staticmethod
    def resolve_updates(story):
        return story.api_updates

    @staticmethod
    def resolve_updates_total(story):
        return story.api_updates_total

    @staticmethod
    def resolve_updates_cursor(story):
        return story.api_updates_cursor


class Change(Schema):
    id: int
    state: Literal["published", "removed"] = Field(
        description="removed: deleted, unpublished or not due; nothing else of it is sent."
    )
    update: Update | None


class Changes(Schema):
    cursor: str
    more: bool = Field(description="More changes are waiting: ask again at once.")
    is_live: bool
    changes: list[Change]
