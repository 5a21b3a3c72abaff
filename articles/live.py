"""What a reader's page shows of a live story, and what an open page learns when it polls.

Pages of updates are counted from the start of the coverage, so `?page=N` always holds the same
updates however many come after them; the story's own address shows the latest ones.
"""

import math
import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Max, Q
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.safestring import SafeString

from articles import caching, embeds, freshness, images, structured_data
from articles.models import Correction, LiveUpdate, SocialPost
from articles.rendering import image_sources, render_markdown
from articles.templatetags.newsroom import json_for_script
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

    def __init__(
        self,
        story,
        page=None,
        *,
        key_events_only=False,
        oldest_first=False,
        load=True,
        generation=None,
    ):
        """`key_events_only`: the stream a reader filtered to key events (`?filter=key-events`),
        counted and paged among them; the story's freshness still follows every update.
        `oldest_first`: the stream read from the start (`?order=oldest`): the same pages, each
        in reading order, the first one without `?page`; key events run in the same order.
        `load=False`: the view alone (its page, filter, order and links), with no update:
        what the page's stored shell prints (articles.pages). `generation`: the story's
        (`freshness.story_scope`), when the caller has read it already."""
        self.story = story
        self.generation = generation
        self.page = page
        self.key_events_only = key_events_only
        self.oldest_first = oldest_first
        self.updates, self.key_events, self.pinned = [], [], None
        self.older_page = self.newer_page = None
        self.total, self.latest_at, self.page_count = 0, None, 1
        if load:
            self._load()

    def _load(self):
        """The stream as it stands: its last and next change (two index lookups), its index
        (count, latest news, its key events and pin with their positions: stored for the
        story's generation and that last change, read from the table when missing), then the
        ids and versions of the updates shown (their markup is stored, `with_fragments`).
        Plain SQL: the ORM took longer to build these queries than the database to answer
        them."""
        story, page = self.story, self.page
        now = timezone.now()
        self.changed, self.next_change = stream_marks(story, now)
        index = stream_index(story, now, self.changed, self.generation)
        self.total = index.total
        self.latest_at = index.latest_at
        numbered = index.stubs()
        if self.key_events_only:
            self.total = sum(1 for row in numbered if row.is_key_event)
        self.page_count = max(1, math.ceil(self.total / per_page()))
        if page is None and not self.oldest_first:
            self.updates = _shown(story, self.key_events_only, newest_first=True, offset=0, now=now)
            oldest_shown = self.total - len(self.updates)
            self.older_page = page_number_of(oldest_shown) if oldest_shown > 0 else None
        else:
            number = page or 1
            if number < 1 or number > self.page_count:
                raise Http404("No such page of updates.")
            start = (number - 1) * per_page()
            chunk = _shown(story, self.key_events_only, newest_first=False, offset=start, now=now)
            self.updates = chunk if self.oldest_first else chunk[::-1]
            self.older_page = number - 1 if number > 1 else None
            self.newer_page = number + 1 if number < self.page_count else None
        # On a page filtered to key events, the pinned update shows if it is one.
        self.pinned = next(
            (r for r in numbered if r.is_pinned and (r.is_key_event or not self.key_events_only)),
            None,
        )
        self.key_events = sorted(
            (row for row in numbered if row.is_key_event),
            key=lambda row: (row.published_at, row.pk),
            reverse=not self.oldest_first,
        )
        on_page = {update.pk for update in self.updates}
        for event in self.key_events:
            event.page_number = page_number_of(event.position)
            # Counted among all updates: its page is one of the unfiltered stream's.
            event.page_href = self.query(page=event.page_number, key_events_only=False)
            event.is_on_this_page = event.pk in on_page

    @property
    def is_latest(self):
        """The story's own view of the stream (no `?page`): the one that polls and grows."""
        return self.page is None

    @property
    def grows(self):
        """Whether a new update joins this page where it is read: the latest updates, or,
        oldest first, the last page."""
        return self.newer_page is None if self.oldest_first else self.page is None

    def query(self, *, page=None, key_events_only=None, oldest_first=None):
        """The query string of a view of this stream: its filter and order are kept unless
        changed, and `page` is given or left out (the links between views start afresh)."""
        params = []
        if self.key_events_only if key_events_only is None else key_events_only:
            params.append("filter=key-events")
        if self.oldest_first if oldest_first is None else oldest_first:
            params.append("order=oldest")
        if page is not None:
            params.append(f"page={page}")
        return "?" + "&".join(params) if params else ""

    @cached_property
    def links(self):
        """The addresses the page's filter, order and pager links lead to (query strings)."""
        return {
            "all": self.query(key_events_only=False),
            "key_events": self.query(key_events_only=True),
            "newest": self.query(oldest_first=False),
            "oldest": self.query(oldest_first=True),
            "start": self.query(),
            "older": self.older_page and self.query(page=self.older_page),
            "newer": self.newer_page and self.query(page=self.newer_page),
        }


# --- The stream's reads ---------------------------------------------------------------------
# Plain SQL over the update table, the rule of `LiveUpdate.objects.published()` written once
# here (tests/test_live.py holds the two to the same rows).
_U = LiveUpdate._meta.db_table
_C = Correction._meta.db_table
_VISIBLE = "u.story_id = %s AND u.status = %s AND u.deleted_at IS NULL AND u.published_at <= %s"


def _visible_params(story, now):
    return [story.pk, LiveUpdate.Status.PUBLISHED, connection.ops.adapt_datetimefield_value(now)]


def _db_time(value):
    """A time as read by plain SQL: PostgreSQL gives it aware, SQLite in UTC, naive (a
    column) or as text (an aggregate)."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


MARKS_SQL = (
    f"SELECT (SELECT MAX(u.changed_at) FROM {_U} u WHERE u.story_id = %s AND u.changed_at <= %s),"  # noqa: S608
    f" (SELECT MIN(u.changed_at) FROM {_U} u WHERE u.story_id = %s AND u.changed_at > %s)"
)


def stream_marks(story, now):
    """The last change of any of the story's updates that has come, and the
    next one coming due with no write: two lookups in the (story, changed_at) index."""
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(MARKS_SQL, [story.pk, at, story.pk, at])
        changed, due = cursor.fetchone()
    return _db_time(changed), _db_time(due)


# Table names and fixed conditions only: every value is a parameter.
FACTS_SQL = (
    "SELECT v.total, v.posted, v.edited,"  # noqa: S608
    f" (SELECT MAX(c.corrected_at) FROM {_C} c JOIN {_U} u ON c.update_id = u.id"
    f"  WHERE {_VISIBLE})"
    " FROM (SELECT COUNT(*) AS total, MAX(u.published_at) AS posted, MAX(u.edited_at) AS edited"
    f" FROM {_U} u WHERE {_VISIBLE}) v"
)


class StreamIndex(NamedTuple):
    """What a render needs of the whole stream, whatever its length: its count of updates
    readers see, their latest news (post, edit or correction), and its key events and pinned
    update as (pk, is_key_event, is_pinned, version, changed_at, published_at, position)."""

    total: int
    latest_at: datetime | None
    marked: tuple

    def stubs(self):
        """The marked rows as fresh `Shown` stubs (a render attaches its links and fragments
        to them)."""
        found = []
        for pk, key, pinned, version, changed_at, published_at, position in self.marked:
            row = Shown(pk, version, changed_at, published_at)
            row.is_key_event, row.is_pinned, row.position = key, pinned, position
            found.append(row)
        return found


# An index is keyed on the story's generation and its stream's last change: every write to an
# update moves its change time (`LiveUpdate.save`), every publishing function the generation,
# and an update coming due is a change that has come. Its lifetime only bounds the memory.
INDEX_SECONDS = 24 * 3600


def stream_index(story, now, changed, generation=None):
    """The stream's index (`StreamIndex`), stored for the story's generation and the stream's
    last change `changed` (`stream_marks`): the reads that grow with the stream's length (its
    count, the flag of each update) run once per change, however many pages, views and
    renders follow it."""
    if generation is None:
        generation = freshness.generation(freshness.story_scope(story.slug))
    key = f"streamidx1:{story.pk}:{generation}:{epoch_micros(changed) if changed else 0}"
    index = cache.get(key)
    if index is None:
        index = _read_index(story, now)
        cache.set(key, index, INDEX_SECONDS)
    return index


def _read_index(story, now):
    visible = _visible_params(story, now)
    with connection.cursor() as cursor:
        cursor.execute(FACTS_SQL, [*visible, *visible])
        total, posted, edited, corrected = cursor.fetchone()
    news = [t for t in map(_db_time, (posted, edited, corrected)) if t]
    return StreamIndex(total or 0, max(news, default=None), _key_and_pinned(story, now))


class Shown:
    """An update a page shows, as far as its stored fragments need: their key (and, for a key
    event or the pinned update, its time), then the fragments themselves (`with_fragments`
    reads the full row only to render a missing one)."""

    def __init__(self, pk, version, changed_at, published_at=None):
        self.pk, self.version, self.changed_at = pk, version, changed_at
        self.published_at = published_at
        self.fragment_html = self.pinned_html = self.key_event_html = ""
        self.ld_entry = None


SHOWN_SQL = (
    f"SELECT u.id, u.version, u.changed_at FROM {_U} u WHERE {_VISIBLE}{{key}}"  # noqa: S608
    " ORDER BY u.published_at {order}, u.id {order} LIMIT %s OFFSET %s"
)


def _shown(story, key_events_only, *, newest_first, offset, now=None):
    sql = SHOWN_SQL.format(
        key=" AND u.is_key_event" if key_events_only else "",
        order="DESC" if newest_first else "ASC",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*_visible_params(story, now or timezone.now()), per_page(), offset])
        return [Shown(pk, version, _db_time(at)) for pk, version, at in cursor.fetchall()]


FLAGS_SQL = (
    "SELECT CASE WHEN u.is_key_event OR u.is_pinned THEN u.id END"  # noqa: S608
    f" FROM {_U} u WHERE {_VISIBLE}"
    " ORDER BY u.published_at, u.id"
)
MARKED_SQL = (
    "SELECT u.id, u.is_key_event, u.is_pinned, u.version, u.changed_at, u.published_at"  # noqa: S608
    f" FROM {_U} u WHERE {_VISIBLE} AND (u.is_key_event OR u.is_pinned)"
    " ORDER BY u.published_at, u.id"
)


def _key_and_pinned(story, now):
    """The stream's key events and its pinned update, each as (pk, is_key_event, is_pinned,
    version, changed_at, published_at, position), its position among all published updates
    from the oldest, in two reads: one flag per update in stream order (numbered here: a
    window function took three times as long on SQLite, a count per key event grew as key
    events times updates), then the marked rows themselves."""
    params = _visible_params(story, now)
    with connection.cursor() as cursor:
        cursor.execute(FLAGS_SQL, params)
        positions = {pk: n for n, (pk,) in enumerate(cursor.fetchall(), start=1) if pk}
        if not positions:
            return ()
        cursor.execute(MARKED_SQL, params)
        rows = cursor.fetchall()
    return tuple(
        (pk, bool(key), bool(pinned), version, _db_time(changed_at), _db_time(published_at),
         positions[pk])
        for pk, key, pinned, version, changed_at, published_at in rows
        # (Marked between the two reads: the next change's index shows it.)
        if pk in positions
    )  # fmt: skip


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
    return stream_marks(story, timezone.now())[0]


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


RECENT_SQL = (
    f"SELECT u.id, u.version, u.changed_at FROM {_U} u"  # noqa: S608
    " WHERE u.story_id = %s AND u.changed_at >= %s AND u.changed_at <= %s"
    " ORDER BY u.changed_at DESC, u.id DESC LIMIT %s"
)


def shown_page_cursor(story, changed, now):
    """The cursor of a page that shows every change up to `changed`: its first poll sends
    nothing the page already shows. Past the commit lag, the last change itself is the
    cursor; within it the cursor stays at the lag and names the rows after it that the page
    shows, at the version shown (an edit after the render is still sent)."""
    if changed is None:
        return Cursor(EPOCH)
    ceiling = now - timedelta(seconds=COMMIT_LAG_SECONDS)
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            RECENT_SQL, [story.pk, adapt(min(changed, ceiling)), adapt(now), MAX_SEEN + 1]
        )
        recent = [(pk, version, _db_time(at)) for pk, version, at in cursor.fetchall()]
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
        # Filled here instead of by a query: `update.corrections.all()` gives this list (a
        # queryset per update cost 0.1 ms each, a third of a 200-update page's render).
        update._prefetched_objects_cache = {
            **getattr(update, "_prefetched_objects_cache", {}),
            "corrections": by_update.get(update.pk, []),
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
    visible = [update for update in changes if update.is_visible]
    with_fragments(
        story,
        cards,
        [
            *((update, "page") for update in visible),
            *((update, "pinned") for update in visible if update.is_pinned),
        ],
    )
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
    # or no longer a key event. The update's own markup is its stored fragment (with_fragments).
    payload = {
        "id": update.pk,
        "version": update.version,
        "state": "published",
        "title": update.title,
        "html": update.fragment_html,
    }
    if update.is_key_event:
        payload["key_event_html"] = render_to_string(
            "articles/story_detail.html#key_event", {"story": story, "event": update}
        )
    if update.is_pinned:
        payload["pinned_html"] = update.pinned_html
    return payload


# --- Stored fragments ---------------------------------------------------------------------------
# Each update's markup (the page's `update` partial) and its JSON-LD entry are rendered once per
# version and kept: the page, its pinned copy, the permalink and the poll assemble stored
# fragments, so a page after a new post renders one update, not twenty. The key holds what the
# partial prints: the row's version and change time (edits, pins, corrections and captured posts
# all move one or the other), the story's fragment generation (its zone, its address, an author
# renamed, a picture changed: articles.freshness), the language and the variant.
FRAGMENT_SECONDS = 7 * 24 * 3600
# And each process keeps the ones it used last (about 4 KB each).
FRAGMENT_MEMO = caching.Memo(32 * 1024 * 1024)
FRAGMENT_TEMPLATE = "articles/story_detail.html#update"
KEY_EVENT_TEMPLATE = "articles/story_detail.html#key_event"


def _fragment_key(update, salt, variant):
    # (frag3: a page fragment holds its JSON-LD entry; a cache kept across a deploy does not.)
    return f"frag3:{update.pk}:{update.version}:{epoch_micros(update.changed_at)}:{salt}:{variant}"


def prepare_for_render(story, updates):
    """What rendering these updates' fragments reads beyond their rows, in three queries
    whatever their number: their corrections, their uploaded pictures, and the cards of the
    posts they embed (returned)."""
    story_corrections(story, updates)
    with_pictures(updates)
    return embeds.Cards(
        SocialPost.objects.for_html(*(update.body_html for update in updates)), story.time_zone
    )


def with_fragments(story, social, wanted, *, base_url=None, generation=None):
    """Attach to each update of `wanted` ((update, variant) pairs) its stored fragment: markup
    as `fragment_html` ("page", with its JSON-LD entry as `ld_entry`, JSON text for a script
    element), `pinned_html` ("pinned"), `permalink_html` ("permalink") or `key_event_html`
    (`key_event_variant`),
    rendering and storing only the missing ones: one generation read and one cache read for
    all. `social`: the cards of the posts they embed;
    None to have them (and the updates' corrections and pictures) read only for the missing
    fragments (`prepare_for_render`). `generation`: the story's fragment generation, when the
    caller has read it already."""
    base_url = settings.NEWSROOM_SITE_URL if base_url is None else base_url
    if generation is None:
        generation = freshness.generation(freshness.fragment_scope(story.slug))
    salt = caching.digest(
        f"{generation}|{story.slug}|{story.time_zone}|{translation.get_language()}|{base_url}"
    )
    wanted = {_fragment_key(update, salt, variant): (update, variant) for update, variant in wanted}
    found = FRAGMENT_MEMO.read_through(list(wanted), cache)
    missing = [update for key, (update, _v) in wanted.items() if key not in found]
    # A page's stream names its updates by key alone (`Shown`): the rows of those whose
    # fragments are missing are read now, in one query.
    stubs = {update.pk for update in missing if isinstance(update, Shown)}
    rows = LiveUpdate.objects.select_related("author").in_bulk(stubs) if stubs else {}
    for row in rows.values():
        row.story = story
    # (A row destroyed since the stream was read is left out: its stub keeps no markup.)
    full = {id(u): rows.get(u.pk) if isinstance(u, Shown) else u for u in missing}
    full = {ident: row for ident, row in full.items() if row is not None}
    if full and social is None:
        social = prepare_for_render(story, list({id(u): u for u in full.values()}.values()))
    made = {}
    for key, (update, variant) in wanted.items():
        value = found.get(key)
        if value is None:
            if id(update) not in full:
                continue
            row = full[id(update)]
            # Where a key event's item links to is the stream's, not the row's.
            for name in STREAM_ATTRIBUTES:
                if hasattr(update, name):
                    setattr(row, name, getattr(update, name))
            value = made[key] = _render_fragment(story, row, social, variant, base_url)
        if variant == "page":
            # The update's markup and its JSON-LD entry, stored together: one read each.
            value, update.ld_entry = value
        attribute = FRAGMENT_ATTRIBUTES[variant.partition(":")[0]]
        # Safe as stored: rendered by the escaping partial from sanitised `body_html`.
        setattr(update, attribute, SafeString(value))
    if made:
        FRAGMENT_MEMO.write_through(made, cache, FRAGMENT_SECONDS)


STREAM_ATTRIBUTES = ("position", "page_number", "page_href", "is_on_this_page")
FRAGMENT_ATTRIBUTES = {
    "key": "key_event_html",
    "page": "fragment_html",
    "pinned": "pinned_html",
    "permalink": "permalink_html",
}


def key_event_variant(event, story):
    """A key event's item in the page's list prints where its update is (this page, or the
    page of the stream holding it) and, for coverage over days, its date."""
    return f"key:{event.is_on_this_page:d}:{event.page_href}:{story.coverage_spans_days:d}"


def _render_fragment(story, update, social, variant, base_url):
    # Safe to mark: the partial escapes what it prints and `body_html` is sanitised.
    if variant == "page":
        # With its JSON-LD entry, as the text the page's block joins (articles.pages).
        markup = render_to_string(
            FRAGMENT_TEMPLATE, {"story": story, "update": update, "social": social}
        )
        return [markup, json_for_script(structured_data.for_update(story, update, base_url))]
    if variant.startswith("key:"):
        return render_to_string(KEY_EVENT_TEMPLATE, {"story": story, "event": update})
    context = {"story": story, "update": update, "social": social}
    if variant == "pinned":
        context["as_pinned"] = True
    elif variant == "permalink":
        context["title_level"] = 2
    return render_to_string(FRAGMENT_TEMPLATE, context)
