"""Per-story freshness generations: all a cached page has to know, at most one lookup.

A cached page (a story, an update's page, a poll's answer, a list) is keyed on its scope's
generation: `story:<slug>` for everything a story's pages show, `lists` for the lists of
stories (home, sections, authors, sources). Every change readers would see moves the
generation, explicitly, from the function that makes it (`articles.publishing` and the tasks
and admin paths that go through it): no signals, and no query over what the page shows.

The generation lives in the database, written in the same transaction as the change: a
process that reads it sees the new generation exactly when it can see the change, with no
cache to invalidate and no race between a reader repopulating a cache and a writer bumping it.
Reading it is one primary-key lookup of one row, by plain SQL (no ORM on the hot path: about
15 µs on SQLite with a kept connection, a round trip on PostgreSQL).

A process keeps each generation it read for `LEASE_SECONDS` (20 ms) and serves the pages of
that generation meanwhile with no query; in exchange every change waits out the lease after it
commits (`bump`), before whatever made it goes on. A request that comes after a change has
returned (an editor's next page, another reader told of it) therefore comes after every lease
taken before the commit has ended, on every process and machine, and reads the new generation:
coherent on the next request, with about one read per scope and process every 10 ms instead
of one per request (a round trip to PostgreSQL costs as much as the rest of a cached page).

A generation says nothing of time: a scheduled update or story comes due without a write.
So a cached render also records the next scheduled change it hides (`next_change_*`) and is
not served past it (articles.caching).
"""

import secrets
import threading
import time

from django.db import connection, transaction
from django.db.models import Min, Q
from django.utils import timezone

from articles.models import Freshness, LiveUpdate, Story

LISTS = "lists"


def story_scope(slug):
    return f"story:{slug}"


def fragment_scope(slug):
    """What every stored update fragment of the story prints beyond its own row: the story's
    zone and address, its updates' authors, the pictures they show (articles.live)."""
    return f"fragments:{slug}"


def shell_scope(slug):
    """What a story page prints beyond its stream of updates: the story, its byline, section,
    pictures, citations and own corrections, its coverage (articles.pages). Every change moves
    it but those that say they touch only the stream (`stream_only`): a forgotten case costs a
    render, never a stale page."""
    return f"shell:{slug}"


def bump(*, slugs=(), lists=False, fragments=False, stream_only=False):
    """New generations for these stories' pages (and the lists' when `lists`, and their
    stored update fragments' when `fragments`), in the caller's transaction: readers see the
    change and the new generation together. `stream_only`: the change is to updates alone (a
    post, an edit, a pin, a deletion), so the page's stored shell stays."""
    scopes = {story_scope(slug) for slug in slugs if slug}
    if not stream_only:
        scopes |= {shell_scope(slug) for slug in slugs if slug}
    if fragments:
        scopes |= {fragment_scope(slug) for slug in slugs if slug}
    if lists:
        scopes.add(LISTS)
    if not scopes:
        return
    now = timezone.now()
    Freshness.objects.bulk_create(
        [
            Freshness(scope=scope, generation=secrets.randbits(62), changed_at=now)
            for scope in sorted(scopes)
        ],
        update_conflicts=True,
        unique_fields=["scope"],
        update_fields=["generation", "changed_at"],
    )
    # Nothing on a rollback: no page moved.
    transaction.on_commit(_wait_out_leases)


# How long a process trusts a generation it read. A change costs its maker this long once
# committed; the shorter, the more reads a cached page costs (renewed 10 ms before its end,
# a read every 10 ms: at 1,000 requests a second per process, one in ten reads).
LEASE_SECONDS = 0.020
RENEW_BEFORE_SECONDS = 0.010


def _wait_out_leases():
    """Until every lease taken before the commit has ended: a lease starts when its read is
    sent, which for a read that missed the change was before the commit returned."""
    time.sleep(LEASE_SECONDS)


def bump_stories(*, stories=(), story_ids=(), lists=False, fragments=False, stream_only=False):
    """`bump` for story rows or ids (the slugs are read for the ids in one query)."""
    slugs = {story.slug for story in stories}
    ids = {pk for pk in story_ids if pk} - {story.pk for story in stories}
    if ids:
        slugs |= set(Story.objects.filter(pk__in=ids).values_list("slug", flat=True))
    bump(slugs=slugs, lists=lists, fragments=fragments, stream_only=stream_only)


READ_SQL = f"SELECT generation FROM {Freshness._meta.db_table} WHERE scope = %s"  # noqa: S608


def generation(scope):
    """The scope's generation (0 until its first change) as the database has it now: one
    indexed read, no ORM. What a render keys what it stores on."""
    with connection.cursor() as cursor:
        cursor.execute(READ_SQL, [scope])
        row = cursor.fetchone()
    return row[0] if row else 0


# scope -> (generation, monotonic time until which it is trusted), this process's.
_leases = {}
# scope -> the read renewing its lease, while it runs: one at a time per scope.
_reads = {}
_reads_lock = threading.Lock()


class _Read:
    __slots__ = ("done", "started", "value")

    def __init__(self, started):
        self.started = started
        self.done = threading.Event()
        self.value = None  # None until it has read (or if it failed)


def leased_generation(scope):
    """The scope's generation through this process's lease on it (see the module's
    docstring): what a cached page's lookup asks, and only that. A render reads its
    generations (`generation`): a lease may be older than another generation it reads, and
    what it stores under a new generation must be at least as new as that generation.
    A request inside a transaction always reads: it may see a change of its own that has
    not committed.

    One thread at a time reads a scope's generation. Under steady traffic it renews the lease
    `RENEW_BEFORE_SECONDS` before its end while the others serve on it; a thread that finds
    the lease ended waits for the read under way, whose lease starts before it arrived. So
    a process reads once per scope about every `LEASE_SECONDS - RENEW_BEFORE_SECONDS`, and
    a slow read (threads queueing for the interpreter under load) does not make every thread
    read at once."""
    if connection.in_atomic_block:
        return generation(scope)
    now = time.monotonic()
    lease = _leases.get(scope)
    alive = lease is not None and now < lease[1]
    if alive and (now < lease[1] - RENEW_BEFORE_SECONDS or scope in _reads):
        return lease[0]
    with _reads_lock:
        running = _reads.get(scope)
        if running is None:
            running = _reads[scope] = _Read(now)
            mine = True
        else:
            mine = False
    if not mine:
        if alive:
            return lease[0]
        if now < running.started + LEASE_SECONDS:
            # Its lease started before this request arrived and ends after it.
            running.done.wait()
            if running.value is not None:
                return running.value
        return generation(scope)  # it failed, or has run longer than a lease
    try:
        running.value = generation(scope)
    finally:
        with _reads_lock:
            del _reads[scope]
        running.done.set()
    until = running.started + LEASE_SECONDS
    current = _leases.get(scope)
    if current is None or current[1] < until:
        _leases[scope] = (running.value, until)
    return running.value


def forget_leases():
    """Drop this process's leases (tests: a database flushed between tests tells nobody)."""
    _leases.clear()


READ_MANY_SQL = f"SELECT scope, generation FROM {Freshness._meta.db_table} WHERE scope IN "  # noqa: S608


def generations(*scopes):
    """The scopes' generations in one read, in their order (0 for a scope not changed yet)."""
    with connection.cursor() as cursor:
        cursor.execute(READ_MANY_SQL + f"({', '.join(['%s'] * len(scopes))})", list(scopes))
        found = dict(cursor.fetchall())
    return tuple(found.get(scope, 0) for scope in scopes)


def next_change_for_story(slug, now=None):
    """When the story's pages next change with no write: its next update (or edit of one)
    coming due; None when nothing is scheduled. (A story not due yet has no page to cache:
    its 404 is never stored.)"""
    now = now or timezone.now()
    return LiveUpdate.objects.filter(story__slug=slug, changed_at__gt=now).aggregate(
        at=Min("changed_at")
    )["at"]


def next_change_for_lists(now=None):
    """When a list of stories next changes with no write: the next scheduled story's minute."""
    now = now or timezone.now()
    return Story.objects.filter(
        Q(status=Story.Status.PUBLISHED) & Q(published_at__gt=now)
    ).aggregate(at=Min("published_at"))["at"]


def stories_showing(fragment):
    """Ids of the stories whose pages print `fragment` (an image's file name, a post's
    placeholder) in their text or in one of their updates: one query."""
    return set(
        Story.objects.filter(
            Q(body_html__contains=fragment)
            | Q(summary_html__contains=fragment)
            | Q(updates__body_html__contains=fragment)
        ).values_list("pk", flat=True)
    )


def image_changed(image):
    """The stories showing `image` (featured, or in a text) get new generations, and the lists
    (a card shows the featured picture)."""
    ids = stories_showing(image.file.name) if image.file else set()
    ids |= set(Story.objects.filter(featured_image=image.pk).values_list("pk", flat=True))
    bump_stories(story_ids=ids, lists=True, fragments=True)
