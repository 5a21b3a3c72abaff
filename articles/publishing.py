"""Editorial state changes: the only code that changes what readers see.

A story's status, schedule and live coverage, an update's pin, key-event and deletion state, and
corrections are written here and nowhere else. Every function checks the permission itself
(`articles.permissions`, for the object at hand, on the stored row), so the admin, its history
and revert views, the desk, an API or a task all get the same rules. The rows that decide a rule
are locked while it is applied, so two people acting at once are serialised, not lost.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles import embeds, freshness, permissions
from articles.models import PUBLIC_STATUSES, Citation, Correction, LiveUpdate, SocialPost, Story

# A correction is made, not scheduled; a minute covers clocks that disagree.
CLOCK_SKEW = timedelta(minutes=1)
FUTURE_CORRECTION = _("A correction cannot be dated in the future.")
# The fields of a story that only this module writes.
STORY_STATE_FIELDS = ["status", "published_at", "is_live", "live_started_at", "live_ended_at"]
# An update stamped this long before now, or before its coverage began, is a typo until the
# desk confirms it (an update posted at 09:56 from a form opened at 09:53 was stamped 09:53).
PAST_TIME_CONFIRMATION = timedelta(hours=12)


def _refuse(message):
    raise PermissionDenied(message)


def _lock_story(story_id):
    """The stored story, locked until the transaction ends (a no-op on SQLite, whose
    IMMEDIATE transactions already take the write lock at BEGIN)."""
    try:
        return Story.objects.select_for_update().get(pk=story_id)
    except Story.DoesNotExist:
        # In the trash (the default manager hides it): nothing changes it until restored.
        _refuse("This story is in the trash.")


def _stamp_history(row, by):
    """The history record names who did it, whatever called (a request, a task, the API)."""
    if getattr(by, "is_authenticated", False):
        row._history_user = by


def _same_time(a, b):
    # Forms round-trip times to the second; the stored value has microseconds.
    if a is None or b is None:
        return a is b
    return abs(a - b) < timedelta(seconds=1)


# --- Stories ----------------------------------------------------------------------------------


def story_state_errors(*, stored, by, status, published_at, is_live):
    """What is wrong with `by` asking for this publication state, as {field: message}.

    `stored` is the story as saved (None for a new one). Forms show these messages; the
    functions below raise them, so a form that skipped the check still changes nothing.
    """
    errors = {}
    if status not in permissions.allowed_statuses(by, stored):
        errors["status"] = _("Only an editor can publish, unpublish or withdraw a story.")
    was_at = stored.published_at if stored else None
    if not permissions.can_publish(by) and not _same_time(published_at, was_at):
        errors["published_at"] = _("Only an editor can set or change the publication time.")
    was_live = stored.is_live if stored else False
    if bool(is_live) != was_live:
        due = published_at is None or published_at <= timezone.now()
        if not permissions.can_run_live(by):
            errors["is_live"] = _("You may not start or end live coverage.")
        elif is_live and not (status == Story.Status.PUBLISHED and due):
            errors["is_live"] = _("Live coverage runs on a published story: publish it first.")
    return errors


def _set_status(story, status, *, at=None, keep_time=True):
    """Apply a status (and a publication time) to `story` in memory, with what follows."""
    if not keep_time:
        story.published_at = at
    if status == Story.Status.PUBLISHED and story.published_at is None:
        story.published_at = timezone.now()
    story.status = status
    if status != Story.Status.PUBLISHED:
        # Coverage runs on what readers see: unpublishing or withdrawing ends it.
        _set_live(story, False)


def _set_live(story, is_live):
    if is_live and not story.is_live:
        story.is_live = True
        story.live_started_at = story.live_started_at or timezone.now()
        story.live_ended_at = None
    elif not is_live and story.is_live:
        story.is_live = False
        story.live_ended_at = timezone.now()


@transaction.atomic
def save_story(*, story, by, expected_version=None):
    """Save a story as a form edited it: its content, and the publication state it asks for.

    The status, time and coverage asked for are checked against the stored row as publish(),
    withdraw() and start_live() check them; readers see the result on the next request.
    """
    stored = _lock_story(story.pk) if story.pk else None
    if stored is None:
        if not by.has_perm(permissions.ADD_STORY):
            _refuse("You may not add stories.")
        story.created_by = story.created_by or by
    elif not permissions.can_edit_story(by, stored):
        _refuse("You may not edit this story.")
    wanted = {"status": story.status, "published_at": story.published_at, "is_live": story.is_live}
    errors = story_state_errors(stored=stored, by=by, **wanted)
    if errors:
        raise ValidationError(errors)
    for field in STORY_STATE_FIELDS:
        setattr(
            story,
            field,
            getattr(stored, field) if stored else Story._meta.get_field(field).get_default(),
        )
    _set_status(story, wanted["status"], at=wanted["published_at"], keep_time=False)
    _set_live(story, wanted["is_live"])
    _stamp_history(story, by)
    story.save(expected_version=expected_version)
    # Its pages and the lists: under the old address too, should a draft's slug have changed.
    # Its updates' stored fragments print its zone, address and language.
    reframed = stored is None or any(
        getattr(stored, name) != getattr(story, name) for name in ("slug", "time_zone", "language")
    )
    freshness.bump(
        slugs={story.slug, stored.slug if stored else ""}, lists=True, fragments=reframed
    )
    return story


def _change_story(story, by, change, *, allowed):
    """Lock the stored row, check `allowed(user, stored)`, apply `change`, save the state."""
    stored = _lock_story(story.pk)
    if not allowed(by, stored):
        return False
    change(stored)
    _stamp_history(stored, by)
    stored.save(update_fields=[*STORY_STATE_FIELDS, "withdrawal_note", "updated_at"])
    freshness.bump(slugs=[stored.slug], lists=True)
    for field in [*STORY_STATE_FIELDS, "withdrawal_note", "version", "updated_at"]:
        setattr(story, field, getattr(stored, field))
    return True


@transaction.atomic
def submit_for_review(*, story, by):
    """A draft goes to the editors; readers see nothing. Returns False when it was no draft."""
    return _change_story(
        story,
        by,
        lambda s: _set_status(s, Story.Status.IN_REVIEW),
        allowed=lambda user, s: (
            s.status == Story.Status.DRAFT and permissions.can_edit_story(user, s)
        ),
    )


@transaction.atomic
def publish(*, story, by, at=None):
    """Publish now, or on the minute of `at` when it is in the future (a schedule)."""
    if not permissions.can_publish(by):
        _refuse("Only editors can publish.")

    def change(stored):
        first_time = stored.status not in PUBLIC_STATUSES
        if at is not None:
            _set_status(stored, Story.Status.PUBLISHED, at=at, keep_time=False)
        elif first_time and stored.published_at and stored.published_at < timezone.now():
            # A future time set on a draft is a schedule and is kept; a stale past one is not.
            _set_status(stored, Story.Status.PUBLISHED, at=timezone.now(), keep_time=False)
        else:
            _set_status(stored, Story.Status.PUBLISHED)

    return _change_story(story, by, change, allowed=lambda user, s: True)


@transaction.atomic
def withdraw(*, story, by, note=""):
    """Readers get 410 with the notice instead of the story; live coverage ends."""
    if not permissions.can_publish(by):
        _refuse("Only editors can withdraw.")

    def change(stored):
        _set_status(stored, Story.Status.WITHDRAWN)
        if note:
            stored.withdrawal_note = note

    return _change_story(story, by, change, allowed=lambda user, s: True)


@transaction.atomic
def start_live(*, story, by):
    """Open pages of the story go live on their next poll and show updates as they come."""
    stored = _lock_story(story.pk)
    if stored.is_live and permissions.can_run_live(by):
        return False  # started twice (two people, a double click): nothing to do
    if not permissions.can_start_live(by, stored):
        _refuse("Live coverage runs on a published story, by the live desk or an editor.")
    return _change_story(story, by, lambda s: _set_live(s, True), allowed=lambda user, s: True)


@transaction.atomic
def end_live(*, story, by):
    """Open pages drop their "Live" badges and say when coverage ended."""
    if not permissions.can_run_live(by):
        _refuse("You may not end live coverage.")
    # Ending twice keeps the time coverage really ended.
    return _change_story(story, by, lambda s: _set_live(s, False), allowed=permissions.can_end_live)


# --- Live updates -----------------------------------------------------------------------------


def update_time_error(*, story, published_at, confirmed):
    """Why a chosen update time needs the desk's confirmation, or None.

    A time before the coverage began, or long before now, is usually a typo (2019 for 2023).
    """
    if published_at is None or confirmed:
        return None
    began = story.live_started_at or story.published_at
    if began is not None and published_at < began:
        return ValidationError(
            _("This time is before the coverage began. Tick the confirmation to post it."),
            code="confirm_time",
        )
    if published_at < timezone.now() - PAST_TIME_CONFIRMATION:
        return ValidationError(
            _("This time is more than 12 hours ago. Tick the confirmation to post it."),
            code="confirm_time",
        )
    return None


def _pin_alone(update, now):
    """One pinned update per story: the newly pinned one replaces the old, and the old one's
    change time moves so open pages unpin it too (never before its publication: a scheduled
    one still reaches open pages on its minute). The caller holds the story's lock."""
    LiveUpdate.objects.filter(story_id=update.story_id, is_pinned=True).exclude(pk=update.pk).touch(
        now, is_pinned=False, version=F("version") + 1
    )


def post_update(
    *,
    story,
    by,
    body,
    title="",
    author=None,
    published_at=None,
    is_key_event=False,
    is_pinned=False,
    status=LiveUpdate.Status.PUBLISHED,
    confirm_time=False,
):
    """Post an update made of these values (see `post_new_update`)."""
    update = LiveUpdate(
        story=story,
        title=title,
        body=body,
        author=author,
        published_at=published_at,
        is_key_event=is_key_event,
        is_pinned=is_pinned,
        status=status,
    )
    return post_new_update(update=update, by=by, confirm_time=confirm_time)


@transaction.atomic
def post_new_update(*, update, by, confirm_time=False):
    """Post an unsaved update: open pages show it on their next poll (or on its minute).

    Without a chosen time it takes the time of posting, not the time the form was opened.
    """
    stored = _lock_story(update.story_id)
    if not permissions.can_post_update(by, stored):
        _refuse("Updates are posted to a published story while its coverage is live.")
    error = update_time_error(
        story=stored, published_at=update.published_at, confirmed=confirm_time
    )
    if error:
        raise ValidationError({"published_at": error})
    now = timezone.now()
    update.story = stored
    update.author = update.author or getattr(by, "author", None)
    update.created_by = by
    update.published_at = update.published_at or now
    update.full_clean(exclude=["story", "author", "created_by"])
    if update.is_pinned:
        _pin_alone(update, now)
    _stamp_history(update, by)
    update.save()
    freshness.bump(slugs=[stored.slug], stream_only=True)
    return update


def _lock_update(update, by, allowed):
    """Lock the update's story (the pin rule spans its updates), then check on the stored row."""
    _lock_story(update.story_id)
    stored = LiveUpdate.objects.select_related("story").get(pk=update.pk)
    if not allowed(by, stored):
        _refuse("You may not change this update.")
    return stored


@transaction.atomic
def edit_update(*, update, by, expected_version=None, correction_note=""):
    """Save an edited update; with a note, the edit is a public correction on that update.

    The caller has set the new content on `update`; its pin, key-event and deletion state are
    kept as stored unless this call's pin or key-event arguments change them.
    """
    stored = _lock_update(update, by, permissions.can_change_update)
    if correction_note and not permissions.can_correct(by, update=stored):
        _refuse("You may not correct this update.")
    update.deleted_at = stored.deleted_at
    if update.is_pinned and not stored.is_pinned:
        _pin_alone(update, timezone.now())
    _stamp_history(update, by)
    update.save(expected_version=expected_version)
    if correction_note:
        Correction.objects.create(update=update, note=correction_note, by=by)
    freshness.bump(slugs=[stored.story.slug], stream_only=True)
    return update


def _change_update(update, by, allowed, **values):
    stored = _lock_update(update, by, allowed)
    for field, value in values.items():
        setattr(stored, field, value)
    if values.get("is_pinned"):
        _pin_alone(stored, timezone.now())
    _stamp_history(stored, by)
    stored.save(update_fields=list(values))
    freshness.bump(slugs=[stored.story.slug], stream_only=True)
    for field in [*values, "version", "changed_at", "edited_at"]:
        setattr(update, field, getattr(stored, field))
    return update


@transaction.atomic
def delete_update(*, update, by):
    """Soft delete (the update's trash): readers' pages drop it on their next poll, and the
    desk can undo."""
    return _change_update(
        update,
        by,
        permissions.can_delete_update,
        deleted_at=timezone.now(),
        deleted_by=by if getattr(by, "is_authenticated", False) else None,
    )


@transaction.atomic
def restore_update(*, update, by):
    """Undo a deletion: open pages show the update again, in its place in the stream."""
    return _change_update(
        update, by, permissions.can_delete_update, deleted_at=None, deleted_by=None
    )


@transaction.atomic
def set_pinned(*, update, by, pinned):
    """Pin above the stream (unpinning the story's other update), or unpin."""
    return _change_update(update, by, permissions.can_change_update, is_pinned=pinned)


@transaction.atomic
def set_key_event(*, update, by, key_event):
    """List it, or not, among the key events at the top of the story."""
    return _change_update(update, by, permissions.can_change_update, is_key_event=key_event)


# --- Corrections ------------------------------------------------------------------------------


def correction_time_error(at):
    """Why a correction cannot carry this time, or None: it is made, never scheduled."""
    if at and at > timezone.now() + CLOCK_SKEW:
        return ValidationError(FUTURE_CORRECTION, code="future")
    return None


def correction_error(*, by, story=None, update=None, previous=None):
    """Why `by` may not put a correction on this story or update (or change `previous`)."""
    if previous is not None and previous.pk:
        previous = Correction.objects.select_related("story", "update__story").get(pk=previous.pk)
        if not permissions.can_change_correction(by, previous):
            return _("You may not change this correction.")
    if story is None and update is None:
        return None  # the model's own check reports a correction without a target
    if not permissions.can_correct(by, story=story, update=update):
        if story is not None:
            return _("Only an editor can correct a story.")
        return _("You may not correct this update.")
    return None


def _touch_targets(*, story_ids=(), update_ids=()):
    """Move the change time of stories and updates whose page shows a correction that changed.

    A story page is cached and answers 304 until its story or its updates change; a correction
    is a row of its own, so without this readers would not see it until something else changed.
    """
    stories = {pk for pk in story_ids if pk}
    for story in Story.objects.filter(pk__in=stories):
        story.save(update_fields=["updated_at"])
    shells = set(stories)  # a story's own correction is printed by its page's shell
    for update in LiveUpdate.objects.filter(pk__in={pk for pk in update_ids if pk}):
        update.save(update_fields=["changed_at"])
        stories.add(update.story_id)
    freshness.bump_stories(story_ids=shells)
    freshness.bump_stories(story_ids=stories - shells, stream_only=True)


@transaction.atomic
def save_correction(*, correction, by):
    """Save a new or edited correction; the story or update it is on (and was on) shows it."""
    error = correction_error(
        by=by,
        story=Story.objects.filter(pk=correction.story_id).first(),
        update=LiveUpdate.objects.select_related("story").filter(pk=correction.update_id).first(),
        previous=correction if correction.pk else None,
    )
    if error:
        _refuse(str(error))
    previous = (
        Correction.objects.filter(pk=correction.pk).values("story_id", "update_id").first()
        if correction.pk
        else None
    ) or {}
    if correction.by_id is None:
        correction.by = by
    if correction.pk is None and not permissions.can_publish(by):
        # The desk's corrections are stamped when made: the time readers see as the story's
        # latest change is not typed in.
        correction.corrected_at = timezone.now()
    if error := correction_time_error(correction.corrected_at):
        raise ValidationError({"corrected_at": error})
    correction.save()
    _touch_targets(
        story_ids=(correction.story_id, previous.get("story_id")),
        update_ids=(correction.update_id, previous.get("update_id")),
    )
    return correction


@transaction.atomic
def delete_correction(*, correction, by):
    """Readers no longer see the note; the page it was on changes."""
    stored = Correction.objects.select_related("story", "update__story").get(pk=correction.pk)
    if not permissions.can_delete_correction(by, stored):
        _refuse("You may not delete this correction.")
    story_id, update_id = stored.story_id, stored.update_id
    stored.delete()
    _touch_targets(story_ids=(story_id,), update_ids=(update_id,))


# --- Social posts -----------------------------------------------------------------------------
# A snapshot is shown on every page whose text embeds its address. Cached pages follow it by
# their key (the versions of the posts they show, articles.caching); open pages by their poll,
# which sends again the updates that embed it.

SNAPSHOT_FIELDS = ["author_name", "author_handle", "author_url", "text", "posted_at", "language"]
GONE_MESSAGE = _("The platform says this post does not exist or is not public (any more).")


def _refresh_pages_showing(post):
    """Open pages showing the post in an update get that update again on their next poll."""
    placeholder = embeds.placeholder_attribute(post.url)
    LiveUpdate.objects.filter(body_html__contains=placeholder).touch(timezone.now())
    # Cached pages: every story whose text or updates show it.
    freshness.bump_stories(story_ids=freshness.stories_showing(placeholder))


@transaction.atomic
def save_social_post(*, post, by, expected_version=None):
    """Save a snapshot as filled in by hand; every page showing it shows the new one."""
    if post.pk is None:
        if not permissions.can_add_social_post(by):
            _refuse("You may not add social posts.")
        post.created_by = post.created_by or by
        if post.can_capture:
            # The caller queues the capture (articles.tasks): the admin shows it under way.
            post.capture_state = SocialPost.Capture.PENDING
    else:
        stored = SocialPost.objects.select_for_update().get(pk=post.pk)
        if not permissions.can_edit_social_post(by, stored):
            _refuse("You may not edit this social post.")
    post.save(expected_version=expected_version)
    _refresh_pages_showing(post)
    return post


def delete_social_post(*, post, by):
    """To the trash: readers see a plain link card where the snapshot was, until restored."""
    return trash(obj=post, by=by)


def capture_social_post(*, post, by=None, overwrite=True, resolver=None):
    """Fill the snapshot from the platform's public endpoint (`overwrite=False`: only the
    fields still empty, so what an editor typed stays). Returns None, or the message for the
    editor when it failed: the fields then stay as they were, and can be filled in by hand.

    `by` is the person who asked (None: a task queued when the post was added)."""
    if by is not None and not permissions.can_capture_social_post(by, post):
        _refuse("You may not capture social posts.")
    # The network first, outside any transaction: nothing is locked while a platform answers.
    try:
        snapshot = embeds.capture(post.url, resolver=resolver)
    except embeds.CaptureError as error:
        _record_capture(post, state=SocialPost.Capture.FAILED, error=str(error.message))
        return error.message
    thumbnail = None
    if snapshot.thumbnail_url:
        thumbnail = embeds.fetch_thumbnail(snapshot.thumbnail_url, resolver=resolver)
    now = timezone.now()
    with transaction.atomic():
        stored = SocialPost.objects.select_for_update().filter(pk=post.pk).first()
        if stored is None:
            return None  # trashed (or destroyed) while the platform answered: nothing to fill
        stored.checked_at = now
        if snapshot.availability == embeds.DELETED:
            stored.availability = SocialPost.Availability.DELETED
            if not stored.has_snapshot:
                stored.capture_state = SocialPost.Capture.FAILED
                stored.capture_error = str(GONE_MESSAGE)
            stored.save()
            _refresh_pages_showing(stored)
            return None if stored.has_snapshot else GONE_MESSAGE
        for name in SNAPSHOT_FIELDS:
            value = getattr(snapshot, name)
            if value and (overwrite or not getattr(stored, name)):
                setattr(stored, name, value)
        if snapshot.media and (overwrite or not stored.media):
            stored.media = snapshot.media
        if thumbnail is not None and (overwrite or not stored.thumbnail):
            stored.thumbnail.save(
                f"{stored.key.replace(':', '-')}.jpg", ContentFile(thumbnail[0]), save=False
            )
        stored.availability = SocialPost.Availability.AVAILABLE
        stored.last_seen_at = stored.captured_at = now
        stored.captured_by = by if getattr(by, "is_authenticated", False) else stored.captured_by
        stored.capture_state, stored.capture_error = SocialPost.Capture.DONE, ""
        stored.is_reconstructed = False if overwrite else stored.is_reconstructed
        stored.save()
        _refresh_pages_showing(stored)
    post.refresh_from_db()
    return None


def _record_capture(post, *, state, error):
    SocialPost.objects.filter(pk=post.pk).update(capture_state=state, capture_error=error)
    post.capture_state, post.capture_error = state, error


def check_social_post(*, post, resolver=None):
    """Ask the platform again whether the post is still there, through the capture's own path.
    A post deleted or made private is recorded as such: its card stays, with a note and the
    date it was last seen. The snapshot itself is never changed here. Returns the availability
    found, or None when the platform could not tell (unreachable, unreadable)."""
    try:
        snapshot = embeds.capture(post.url, resolver=resolver)
    except embeds.CaptureError:
        SocialPost.objects.filter(pk=post.pk).update(checked_at=timezone.now())
        return None
    now = timezone.now()
    with transaction.atomic():
        stored = SocialPost.objects.select_for_update().filter(pk=post.pk).first()
        if stored is None:
            return None  # trashed while the platform answered
        found = snapshot.availability
        if found == stored.availability:
            # Nothing readers see changes (the last-seen date shows only once a post is gone):
            # the version, and so every cached page showing it, stays.
            seen = {"last_seen_at": now} if found == embeds.AVAILABLE else {}
            SocialPost.objects.filter(pk=stored.pk).update(checked_at=now, **seen)
        else:
            stored.availability, stored.checked_at = found, now
            if found == embeds.AVAILABLE:
                stored.last_seen_at = now
            stored.save()
            _refresh_pages_showing(stored)
    return found


# --- The trash --------------------------------------------------------------------------------
# Deleting a story, an update, a citation or a social post moves it to the trash: it leaves
# every page, feed, search result, sitemap and API answer at once (the models' default managers
# hide it; an update's published() did already), and can be restored as it was. Only emptying
# it from the trash destroys it. Each move saves the row (a history record names who and when)
# and touches what shows it, so cached pages, ETags and open pages' polls follow.


def _stored_any(obj):
    """The stored row, locked, trash included."""
    return type(obj).all_objects.select_for_update().get(pk=obj.pk)


def _touch_after_trash(stored):
    """The pages that showed (or will show again) the row change their key."""
    if isinstance(stored, Story):
        freshness.bump(slugs=[stored.slug], lists=True)
    elif isinstance(stored, Citation):
        _touch_targets(story_ids=[stored.story_id])
        freshness.bump_stories(story_ids=[stored.story_id], lists=True)  # the outlet's list
    elif isinstance(stored, SocialPost):
        _refresh_pages_showing(stored)


def _set_trash(obj, by, *, trashed):
    stored = _stored_any(obj)
    if not permissions.can_trash(by, stored):
        _refuse("You may not delete or restore this.")
    if stored.is_trashed == trashed:
        return False  # twice (two people, a double click): nothing to do
    if trashed and isinstance(stored, Story):
        # Gone from readers' pages means gone from the desk too: coverage ends with it.
        _set_live(stored, False)
    stored.deleted_at = timezone.now() if trashed else None
    stored.deleted_by = by if trashed and getattr(by, "is_authenticated", False) else None
    _stamp_history(stored, by)
    if isinstance(stored, Story):
        fields = ["deleted_at", "deleted_by", "updated_at", *STORY_STATE_FIELDS]
    else:
        fields = [
            "deleted_at",
            "deleted_by",
            *(["updated_at"] if hasattr(stored, "updated_at") else []),
        ]
    stored.save(update_fields=fields)
    _touch_after_trash(stored)
    for field in [*fields, "deleted_by_id", "version"]:
        if hasattr(stored, field) and field != "deleted_by":
            setattr(obj, field, getattr(stored, field))
    return True


@transaction.atomic
def trash(*, obj, by):
    """Move a story, citation or social post (or an update) to the trash: readers no longer see
    it anywhere (a story's address answers 404, a citation leaves its story's sources, a social
    post's embeds become link cards), and it can be restored. Returns False if already there."""
    if isinstance(obj, LiveUpdate):
        stored = LiveUpdate.objects.filter(pk=obj.pk).values_list("deleted_at", flat=True).get()
        return stored is None and bool(delete_update(update=obj, by=by))
    return _set_trash(obj, by, trashed=True)


@transaction.atomic
def restore(*, obj, by):
    """Bring a row back from the trash, as it was: its pages show it again on their next
    request (or poll). The same right as deleting it."""
    if isinstance(obj, LiveUpdate):
        stored = LiveUpdate.objects.filter(pk=obj.pk).values_list("deleted_at", flat=True).get()
        return stored is not None and bool(restore_update(update=obj, by=by))
    return _set_trash(obj, by, trashed=False)


@transaction.atomic
def empty_from_trash(*, obj, by):
    """Destroy a row that is in the trash (the model's delete permission, and a confirmation
    asked by the caller). A story takes its updates, citations and corrections with it; its
    history stays, naming who destroyed it."""
    stored = (
        _stored_any(obj)
        if not isinstance(obj, LiveUpdate)
        else (LiveUpdate.objects.select_for_update().select_related("story").get(pk=obj.pk))
    )
    if not permissions.can_empty_from_trash(by, stored):
        _refuse("Only a row in the trash can be destroyed, by someone who may delete it.")
    _stamp_history(stored, by)
    stored.delete()
    if isinstance(stored, LiveUpdate):
        _touch_targets(story_ids=[stored.story_id])
    elif isinstance(stored, Story):
        freshness.bump(slugs=[stored.slug], lists=True)
    return True
