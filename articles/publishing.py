"""Editorial state changes: the workflow of stories and the live desk's work on updates.

Each function is the one way to make its change, called explicitly by the admin and the desk, so
the rules (who may, what gets stamped, what readers' open pages must learn) live in one place.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from articles.models import Correction, LiveUpdate, Story

PUBLISH_PERMISSION = "articles.publish_story"
LIVE_PERMISSION = "articles.run_live_coverage"


def can_publish(user):
    return user.has_perm(PUBLISH_PERMISSION)


def can_run_live(user):
    return user.has_perm(LIVE_PERMISSION)


def submit_for_review(*, story, by):
    if story.status != Story.Status.DRAFT:
        return False
    story.status = Story.Status.IN_REVIEW
    story.save(update_fields=["status", "updated_at"])
    return True


def publish(*, story, by, at=None):
    """Publish now, or on the minute of `at` when it is in the future (a schedule)."""
    if not can_publish(by):
        raise PermissionDenied("Only editors can publish.")
    first_time = story.status not in (Story.Status.PUBLISHED, Story.Status.WITHDRAWN)
    story.status = Story.Status.PUBLISHED
    now = timezone.now()
    if at is not None:
        story.published_at = at
    elif story.published_at is None or (first_time and story.published_at < now):
        # A future time set on a draft is a schedule and is kept; a stale past one is not.
        story.published_at = now
    story.save(update_fields=["status", "published_at", "updated_at"])
    return True


def withdraw(*, story, by, note=""):
    if not can_publish(by):
        raise PermissionDenied("Only editors can withdraw.")
    story.status = Story.Status.WITHDRAWN
    if note:
        story.withdrawal_note = note
    story.save(update_fields=["status", "withdrawal_note", "updated_at"])
    return True


def start_live(*, story, by):
    if not can_run_live(by):
        raise PermissionDenied
    story.is_live = True
    story.live_started_at = story.live_started_at or timezone.now()
    story.live_ended_at = None
    story.save(update_fields=["is_live", "live_started_at", "live_ended_at"])


def end_live(*, story, by):
    if not can_run_live(by):
        raise PermissionDenied
    if not story.is_live:
        # Ending twice (two people, a double click) keeps the time coverage really ended.
        return
    story.is_live = False
    story.live_ended_at = timezone.now()
    story.save(update_fields=["is_live", "live_ended_at"])


def post_update(*, story, by, body, title="", author=None, published_at=None, **flags):
    update = LiveUpdate(
        story=story,
        title=title,
        body=body,
        author=author or getattr(by, "author", None),
        created_by=by,
        published_at=published_at or timezone.now(),
        **flags,
    )
    update.save()
    return update


@transaction.atomic
def edit_update(*, update, by, correction_note=""):
    """Save an edited update; with a note, the edit is a public correction on that update.

    The caller has set the new field values and `expected_version` on `update`.
    """
    update.save()
    if correction_note:
        Correction.objects.create(update=update, note=correction_note, by=by)
    return update


def delete_update(*, update, by):
    """Soft delete: readers' pages drop it on their next poll, and the desk can undo."""
    update.deleted_at = timezone.now()
    update.save(update_fields=["deleted_at"])


def restore_update(*, update, by):
    update.deleted_at = None
    update.save(update_fields=["deleted_at"])


def set_pinned(*, update, by, pinned):
    update.is_pinned = pinned
    update.save(update_fields=["is_pinned"])


def set_key_event(*, update, by, key_event):
    update.is_key_event = key_event
    update.save(update_fields=["is_key_event"])


def _touch_targets(*, story_ids=(), update_ids=()):
    """Move the change time of stories and updates whose page shows a correction that changed.

    A story page is cached and answers 304 until its story or its updates change; a correction
    is a row of its own, so without this readers would not see it until something else changed.
    """
    for story in Story.objects.filter(pk__in={pk for pk in story_ids if pk}):
        story.save(update_fields=["updated_at"])
    for update in LiveUpdate.objects.filter(pk__in={pk for pk in update_ids if pk}):
        update.save(update_fields=["changed_at"])


@transaction.atomic
def save_correction(*, correction, by):
    """Save a new or edited correction; the story or update it is on (and was on) shows it."""
    previous = (
        Correction.objects.filter(pk=correction.pk).values("story_id", "update_id").first()
        if correction.pk
        else None
    ) or {}
    if correction.by_id is None:
        correction.by = by
    correction.save()
    _touch_targets(
        story_ids=(correction.story_id, previous.get("story_id")),
        update_ids=(correction.update_id, previous.get("update_id")),
    )
    return correction


@transaction.atomic
def delete_correction(*, correction, by):
    story_id, update_id = correction.story_id, correction.update_id
    correction.delete()
    _touch_targets(story_ids=(story_id,), update_ids=(update_id,))
