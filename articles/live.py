"""What a reader's page shows of a live story, and what an open page learns when it polls.

Pages of updates are counted from the start of the coverage, so `?page=N` always holds the same
updates however many come after them; the story's own address shows the latest ones.
"""

import math
import re
from collections import defaultdict
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone

from articles import caching, embeds, images
from articles.models import Correction, LiveUpdate, SocialPost
from articles.rendering import image_sources, render_markdown
from articles.times import EPOCH, epoch_micros

MAX_CHANGES = 100
# A save's change time is taken just before its transaction commits, so a poll can see a later
# change before an earlier one lands. The cursor never moves past "now minus this lag", so such
# a change is still picked up by the next poll; the client applies repeats idempotently.
COMMIT_LAG_SECONDS = 2

# Every story page polls, so that one opened before coverage starts still goes live. Without
# coverage, a minute's delay in noticing the start costs readers little, and it sends a sixth of
# the requests of the live interval (10 s) from every open page of every story.
IDLE_POLL_SECONDS = 60


def per_page():
    return settings.NEWSROOM_UPDATES_PER_PAGE


class Cursor(NamedTuple):
    """A position in a story's stream of changes: a change time, and the row id among equals,
    and the rows after it the page already shows (`seen`: (id, version) pairs), which the
    poll does not send again.

    As text it is microseconds since the epoch, optionally followed by "." and the row id,
    then "_id-version" for each row seen; "0" means from the start.
    """

    at: datetime
    id: int = 0
    seen: frozenset = frozenset()

    @classmethod
    def parse(cls, text):
        match = CURSOR_PATTERN.fullmatch(text or "")
        if not match:
            raise ValueError("since must be a cursor from this endpoint, or 0")
        micros, row = int(match["micros"]), int(match["id"] or 0)
        if micros > MAX_MICROS:
            raise ValueError("since is out of range")
        seen = frozenset(
            tuple(int(n) for n in pair.split("-"))
            for pair in (match["seen"] or "").split("_")
            if pair
        )
        return cls(EPOCH + timedelta(microseconds=micros), row, seen)

    def __str__(self):
        micros = epoch_micros(self.at)
        text = f"{micros}.{self.id}" if self.id else str(micros)
        return text + "".join(f"_{pk}-{version}" for pk, version in sorted(self.seen))


MAX_SEEN = 100
CURSOR_PATTERN = re.compile(
    r"(?P<micros>\d{1,17})(?:\.(?P<id>\d{1,18}))?"
    r"(?:_(?P<seen>\d{1,18}-\d{1,9}(?:_\d{1,18}-\d{1,9}){0," + str(MAX_SEEN - 1) + r"}))?"
)
MAX_MICROS = 10**17


def page_number_of(position):
    """The page (counted from the oldest) holding the update at 1-based `position`."""
    return max(1, math.ceil(position / per_page()))


class LiveStream:
    """The updates a story page shows: the latest, or one stable older page."""

    def __init__(self, story, page=None, *, key_events_only=False):
        """`key_events_only`: the stream a reader filtered to key events (`?filter=key-events`),
        counted and paged among them; the story's freshness still follows every update."""
        self.story = story
        self.key_events_only = key_events_only
        published = LiveUpdate.objects.published().filter(story=story)
        # One query for the count and the stream's latest news (a post, an edit, a correction
        # on an update): the story's "updated" time follows them.
        summary = published.aggregate(
            total=Count("id", distinct=True),
            posted=Max("published_at"),
            edited=Max("edited_at"),
            corrected=Max("corrections__corrected_at"),
        )
        self.total = summary["total"]
        self.latest_at = max(
            (summary[key] for key in ("posted", "edited", "corrected") if summary[key]),
            default=None,
        )
        if key_events_only:
            published = published.filter(is_key_event=True)
            self.total = published.count()
        self.page_count = max(1, math.ceil(self.total / per_page()))
        base = published.select_related("author")
        if page is None:
            self.page = None
            self.updates = list(base.newest_first()[: per_page()])
            oldest_shown = self.total - len(self.updates)
            self.older_page = page_number_of(oldest_shown) if oldest_shown > 0 else None
            self.newer_page = None
        else:
            if page < 1 or page > self.page_count:
                raise Http404("No such page of updates.")
            self.page = page
            start = (page - 1) * per_page()
            chunk = list(base.oldest_first()[start : start + per_page()])
            self.updates = chunk[::-1]
            self.older_page = page - 1 if page > 1 else None
            self.newer_page = page + 1 if page < self.page_count else None
        self.pinned = base.filter(is_pinned=True).first()
        # Each key event carries its position, so its link lands on the page that holds it.
        earlier = (
            LiveUpdate.objects.published()
            .filter(story=story)
            .not_after(OuterRef("published_at"), OuterRef("id"))
        )
        self.key_events = list(
            LiveUpdate.objects.filter(story=story)
            .key_events()
            .oldest_first()
            .annotate(
                position=Subquery(
                    earlier.order_by().values("story").annotate(n=Count("id")).values("n")[:1]
                )
            )
        )
        for event in self.key_events:
            event.page_number = page_number_of(event.position)
        on_page = {update.pk for update in self.updates}
        for event in self.key_events:
            event.is_on_this_page = event.pk in on_page
        # The story's own corrections come in the same query as those of the shown updates.
        shown = self.updates + ([self.pinned] if self.pinned else [])
        self.corrections = story_corrections(story, shown)
        with_pictures(shown)

    @property
    def is_latest(self):
        return self.page is None


def visible_updates_changed():
    """An annotation for a story queryset: the latest change time of its updates readers see
    (what a list's freshness follows: its sitemap's lastmod, the API's updated-since)."""
    return Max(
        "updates__changed_at",
        filter=Q(
            updates__status=LiveUpdate.Status.PUBLISHED,
            updates__deleted_at__isnull=True,
            updates__published_at__lte=timezone.now(),
        ),
    )


def last_change(story):
    """The newest change time of a story's updates that has come: the page's freshness marker."""
    return (
        LiveUpdate.objects.filter(story=story)
        .changed_since(EPOCH)
        .aggregate(latest=Max("changed_at"))["latest"]
    )


def changes_since(story, since, limit=MAX_CHANGES):
    """Up to `limit` updates changed after the cursor (created, edited, deleted), in change order,
    and whether more are waiting: each answer costs the same however long the story is."""
    rows = list(
        LiveUpdate.objects.filter(story=story)
        .changed_since(since.at, since.id)
        .select_related("author")
        .order_by("changed_at", "id")[: limit + 1]
    )
    return rows[:limit], len(rows) > limit


def page_cursor(changed, now):
    """The cursor a freshly rendered page starts polling from (see COMMIT_LAG_SECONDS)."""
    if changed is None:
        return Cursor(EPOCH)
    return Cursor(min(changed, now - timedelta(seconds=COMMIT_LAG_SECONDS)))


def shown_page_cursor(story, changed, now):
    """The cursor of a page that shows every change up to `changed`: its first poll sends
    nothing the page already shows. Past the commit lag, the last change itself is the
    cursor; within it the cursor stays at the lag and names the rows after it that the page
    shows, at the version shown (an edit after the render is still sent)."""
    if changed is None:
        return Cursor(EPOCH)
    ceiling = now - timedelta(seconds=COMMIT_LAG_SECONDS)
    recent = list(
        LiveUpdate.objects.filter(story=story, changed_at__gte=min(changed, ceiling))
        .filter(changed_at__lte=now)
        .order_by("-changed_at", "-id")
        .values_list("id", "version", "changed_at")[: MAX_SEEN + 1]
    )
    if changed <= ceiling:
        return Cursor(changed, recent[0][0] if recent else 0)
    recent = [row for row in recent if row[2] > ceiling]
    if len(recent) > MAX_SEEN:
        return Cursor(ceiling)  # too many to name: the client applies repeats idempotently
    return Cursor(ceiling, 0, frozenset((pk, version) for pk, version, _at in recent))


def unseen(changes, since):
    """The changes a poll sends: those the page that gave `since` does not already show."""
    if not since.seen:
        return changes
    return [update for update in changes if (update.pk, update.version) not in since.seen]


def cursor_settles_at(changes, now):
    """When `next_cursor` stops moving with the clock for these changes (None: it does not)."""
    if not changes:
        return None
    settles = changes[-1].changed_at + timedelta(seconds=COMMIT_LAG_SECONDS)
    return settles if settles > now else None


def next_cursor(changes, more, since, now):
    """Where the next poll starts, and whether it should come at once (`more`).

    The cursor stays COMMIT_LAG_SECONDS behind now even when the answer is full: a full answer's
    last row can be younger than the lag, and a change stamped before it may not have committed
    yet. When the lag holds a full answer back, fetching again at once would only repeat it, so
    `more` is withdrawn: the page comes back at its interval, when the lag has passed those rows.
    """
    if not changes:
        return since, False
    last = changes[-1]
    reached = Cursor(last.changed_at, last.id)
    ceiling = Cursor(now - timedelta(seconds=COMMIT_LAG_SECONDS))
    cursor = max(since[:2], min(reached, ceiling)[:2])
    cursor = Cursor(*cursor)
    if since.seen:
        # The rows the page showed stay named until the cursor has passed them.
        passed = {u.pk for u in changes if (u.changed_at, u.pk) <= (cursor.at, cursor.id)}
        cursor = cursor._replace(seen=frozenset(s for s in since.seen if s[0] not in passed))
    return cursor, more and cursor[:2] == reached[:2]


def story_corrections(story, updates=()):
    """The story's own corrections (each with who made it), and those of `updates` attached to
    them as their prefetched corrections: one query for both, on the page and in the poll."""
    ids = [update.pk for update in updates]
    rows = list(
        Correction.objects.filter(Q(story_id=story.pk) | Q(update_id__in=ids)).select_related(
            "by__author"
        )
    )
    by_update = defaultdict(list)
    for correction in rows:
        if correction.update_id is not None:
            by_update[correction.update_id].append(correction)
    for update in updates:
        attached = update.corrections.all()  # a queryset, filled here instead of by a query
        attached._result_cache = by_update.get(update.pk, [])
        attached._prefetch_done = True
        update._prefetched_objects_cache = {
            **getattr(update, "_prefetched_objects_cache", {}),
            "corrections": attached,
        }
        update.story = story
    return [correction for correction in rows if correction.story_id is not None]


def with_pictures(updates):
    """Updates whose text shows uploaded images get them as responsive pictures, as the
    story's own text does: the images in one query, their renditions in another, and only the
    updates that show one rendered again (the stored HTML has plain `<img>`)."""
    found = images.images_in(*(update.body_html for update in updates))
    if not found:
        return updates
    pictures = {url: images.picture(image) for url, image in found.items()}
    for update in updates:
        if any(src in pictures for src in image_sources(update.body_html)):
            update.body_html = render_markdown(update.body, pictures=pictures)
    return updates


def poll_tag(story, since, cursor, more, changes):
    """What a poll's answer depends on, for its ETag: the rows and versions it sends, the
    cursor and `more` (the same rows held back by the commit lag and released once it has
    passed are two different answers), the coverage (`is_live`, `coverage_html`) and the
    story's own change time (`corrections_html`: a story correction made, edited or deleted
    moves it, see publishing._touch_targets)."""
    digest = caching.digest(";".join(f"{u.pk}:{u.version}" for u in changes))
    started, ended = _timestamp(story.live_started_at), _timestamp(story.live_ended_at)
    coverage = f"{story.is_live:d}-{started}-{ended}"
    story_changed = _timestamp(story.updated_at)
    return f"{story.pk}-{since}-{cursor}-{more:d}-{digest}-{coverage}-{story_changed}"


def poll_payload(story, changes, cursor, more):
    """The poll's answer, its markup rendered by the page's own partials (in the active
    language: the caller sets the story's). One query loads every correction it prints, one
    the snapshots of the posts the changed updates embed."""
    corrections = story_corrections(story, changes)
    with_pictures([update for update in changes if update.is_visible])
    shown = [update.body_html for update in changes if update.is_visible]
    cards = embeds.Cards(SocialPost.objects.for_html(*shown), story.time_zone)
    return {
        "cursor": str(cursor),
        "more": more,
        "is_live": story.is_live,
        # The page's "Coverage started … · ended …" line, from the page's own partial.
        "coverage_html": render_to_string("articles/story_detail.html#coverage", {"story": story}),
        "corrections_html": render_to_string(
            "articles/story_detail.html#story_corrections",
            {"story": story, "corrections": corrections},
        ),
        "updates": [_change_payload(story, update, cards) for update in changes],
    }


def _timestamp(at):
    return at.timestamp() if at else ""


def _change_payload(story, update, cards):
    if not update.is_visible:
        # A draft, a deleted or a not-yet-due update: readers may see nothing of it, not even
        # its title or its flags. The id is all an open page needs to drop it.
        return {"id": update.pk, "state": "removed"}
    # Every piece of markup comes from the page's own partials, so the page and an open page
    # that polled show the same thing; a fragment's absence says the update is no longer pinned
    # or no longer a key event. All three print what `changes_since` already loaded.
    context = {"story": story, "update": update, "social": cards}
    payload = {
        "id": update.pk,
        "version": update.version,
        "state": "published",
        "title": update.title,
        "html": render_to_string("articles/story_detail.html#update", context),
    }
    if update.is_key_event:
        payload["key_event_html"] = render_to_string(
            "articles/story_detail.html#key_event", {"story": story, "event": update}
        )
    if update.is_pinned:
        payload["pinned_html"] = render_to_string(
            "articles/story_detail.html#update", {**context, "as_pinned": True}
        )
    return payload
