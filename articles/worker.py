"""What a task worker killed in the middle of a task leaves behind, and how it is put right.

django-tasks-db marks a task RUNNING when a worker claims it and records the outcome when the
task returns; a worker killed meanwhile (SIGKILL, the out-of-memory killer, a machine lost)
records nothing, and the task would stay RUNNING forever: never retried, the citation "archiving"
and the picture without renditions for good. What a task writes is safe to interrupt (a
capture's row is written in one UPDATE after its file, renditions' rows in one transaction after
their files), so what is left is at worst files that no row names. `recover()` (run by
`manage.py recover_tasks`, before each worker starts and on a schedule) puts the task back in the
queue and removes those files.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.models import Citation, Image, ImageRendition, SocialPost

logger = logging.getLogger("newsroom.worker")

# Folders where tasks and uploads write, and the fields that name what is kept there.
OWNED_FOLDERS = {
    "captures": [(Citation, "warc_file")],
    "images": [(Image, "file"), (ImageRendition, "file")],
    "social": [(SocialPost, "thumbnail")],
}


def stalled_after():
    """A task running this long was abandoned: the longest runs well under a minute (a capture
    stops at egress's 20 s deadline, a 24-megapixel picture's renditions take 1.5 s)."""
    return timedelta(seconds=settings.NEWSROOM_TASK_STALLED_SECONDS)


def requeue_stalled_tasks(*, now=None, older_than=None):
    """RUNNING tasks claimed over `older_than` ago go back to READY, to be run again (every task
    of articles/tasks.py can run twice without harm). One that has already killed
    NEWSROOM_TASK_MAX_ATTEMPTS workers is marked FAILED instead: a picture that exhausts the
    worker's memory must not take every worker down in turn. Returns (requeued, failed)."""
    now = now or timezone.now()
    cutoff = now - (stalled_after() if older_than is None else older_than)
    requeued = failed = 0
    with transaction.atomic():
        stalled = DBTaskResult.objects.running().filter(started_at__lte=cutoff)
        for result in stalled.select_for_update(skip_locked=True):
            if len(result.worker_ids) >= settings.NEWSROOM_TASK_MAX_ATTEMPTS:
                result.status = "FAILED"
                result.finished_at = now
                result.exception_class_path = "articles.worker.WorkerLost"
                result.traceback = (
                    f"The worker running this task stopped without a word, "
                    f"{len(result.worker_ids)} times ({', '.join(result.worker_ids)})."
                )
                result.save(
                    update_fields=["status", "finished_at", "exception_class_path", "traceback"]
                )
                failed += 1
                logger.error("task %s (%s) failed: its workers died", result.pk, result.task_path)
                continue
            result.status = "READY"
            result.started_at = None
            result.save(update_fields=["status", "started_at"])
            requeued += 1
            logger.warning("task %s (%s) requeued: its worker died", result.pk, result.task_path)
    return requeued, failed


def _stored_names(storage, folder):
    directories, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}"
    for directory in directories:
        yield from _stored_names(storage, f"{folder}/{directory}")


def remove_orphaned_files(*, now=None, older_than=None, storage=None):
    """Files of the task folders that no row names, written over `older_than` ago (younger
    ones may belong to a task about to commit its row). Returns the names removed."""
    storage = storage or default_storage
    now = now or timezone.now()
    cutoff = now - (stalled_after() if older_than is None else older_than)
    removed = []
    for folder, fields in OWNED_FOLDERS.items():
        if not storage.exists(folder):
            continue
        kept = set()
        for model, field in fields:
            kept.update(model._default_manager.exclude(**{field: ""}).values_list(field, flat=True))
        for name in _stored_names(storage, folder):
            if name in kept or storage.get_modified_time(name) > cutoff:
                continue
            storage.delete(name)
            removed.append(name)
    if removed:
        logger.warning("removed %d files no row names: %s", len(removed), ", ".join(removed[:20]))
    return removed


class WorkerLost(Exception):
    """The worker running a task stopped before recording how it ended."""


def recover(*, now=None, older_than=None):
    """Both, in the order that matters: requeue first, so no file of a requeued task is
    mistaken for an orphan while it runs again (its new files are younger than the cutoff)."""
    requeued, failed = requeue_stalled_tasks(now=now, older_than=older_than)
    removed = remove_orphaned_files(now=now, older_than=older_than)
    return {"requeued": requeued, "failed": failed, "removed": len(removed)}
