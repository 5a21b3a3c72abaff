"""A task worker killed in the middle of a task leaves nothing half-done, and the task is run
again: a real `db_worker` process on the suite's own database (SQLite or PostgreSQL), killed
with SIGKILL while it makes a picture's renditions."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from articles import worker
from articles.models import Citation, Image, ImageRendition, Source
from tests import factories
from tests.helpers import wait_for_other_sessions_to_end

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db(transaction=True)


def queued(task_path, *args, **fields):
    """A task as the database backend queues it (the suite's own backend runs tasks at once)."""
    return DBTaskResult.objects.create(
        task_path=task_path,
        args_kwargs={"args": list(args), "kwargs": {}},
        backend_name="default",
        queue_name="default",
        priority=0,
        run_after=get_date_max(),
        **fields,
    )


def worker_env(settings):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_DEBUG="1", MEDIA_ROOT=settings.MEDIA_ROOT, DJANGO_CONN_MAX_AGE="0")
    env["NEWSROOM_TASKS_BACKEND"] = "django_tasks_db.DatabaseBackend"
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = db["NAME"]
    else:
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        )
    return env


def start_worker(settings, *extra):
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.05", "--no-reload",
         "--no-startup-delay", *extra],
        cwd=ROOT, env=worker_env(settings),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def wait_for(condition, timeout=60.0, step=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


@pytest.fixture
def big_picture():
    """A stored picture with no renditions yet, large and noisy enough that making them takes
    a moment (AVIF is the slow part)."""
    data = factories.picture_bytes((2400, 1600), "PNG")
    image = factories.image(data)
    for rendition in image.renditions.all():
        default_storage.delete(rendition.file.name)
    image.renditions.all().delete()
    return image


def test_a_worker_killed_mid_renditions_leaves_no_rows_and_the_task_is_run_again(
    settings, big_picture
):
    task = queued("articles.tasks.make_renditions", big_picture.pk)
    process = start_worker(settings)
    try:
        assert wait_for(lambda: DBTaskResult.objects.get(pk=task.pk).status == "RUNNING")
        # Mid-task: claimed, some files maybe written, no row yet.
        time.sleep(0.15)
        assert not ImageRendition.objects.filter(image=big_picture).exists()
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    task.refresh_from_db()
    assert task.status == "RUNNING", "the worker died before it could record anything"
    # Nothing half-done reaches readers: no rendition rows, the page shows the original.
    assert not ImageRendition.objects.filter(image=big_picture).exists()

    # Not yet stalled by the clock: left alone (it may be running on a slow machine).
    assert worker.requeue_stalled_tasks() == (0, 0)
    found = worker.recover(older_than=timedelta(0))
    assert found["requeued"] == 1
    task.refresh_from_db()
    assert task.status == "READY"

    process = start_worker(settings, "--batch")
    try:
        process.wait(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        wait_for_other_sessions_to_end()
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL", task.traceback
    assert len(task.worker_ids) == 2
    renditions = ImageRendition.objects.filter(image=big_picture)
    assert renditions.count() > 0
    # One set, every file there; no file from the killed run left over once swept.
    worker.remove_orphaned_files(older_than=timedelta(0))
    kept = {big_picture.file.name, *renditions.values_list("file", flat=True)}
    _, files = default_storage.listdir("images")
    assert {f"images/{name}" for name in files} == kept


def test_a_task_that_killed_its_workers_too_often_fails_for_good(settings):
    image = factories.image()
    task = queued(
        "articles.tasks.make_renditions",
        image.pk,
        status="RUNNING",
        started_at=timezone.now() - timedelta(hours=1),
        worker_ids=["w1", "w2", "w3"],
    )
    assert worker.requeue_stalled_tasks() == (0, 1)
    task.refresh_from_db()
    assert task.status == "FAILED"
    assert "w1, w2, w3" in task.traceback


def test_a_capture_interrupted_after_its_file_is_retried_and_the_file_swept(settings):
    story = factories.story()
    outlet = Source.objects.create(
        name="Le Journal", slug="le-journal", homepage_url="https://journal.example/"
    )
    citation = Citation.objects.create(
        story=story,
        source=outlet,
        url="https://journal.example/a",
        title="A",
        capture_state=Citation.Capture.PENDING,
    )
    # What the killed worker wrote: the WARC file, never the row's update.
    orphan = default_storage.save(f"captures/{citation.pk}/x.warc.gz", ContentFile(b""))
    task = queued(
        "articles.tasks.archive_citation",
        citation.pk,
        status="RUNNING",
        started_at=timezone.now() - timedelta(hours=1),
        worker_ids=["killed"],
    )
    found = worker.recover(older_than=timedelta(0))
    assert found == {"requeued": 1, "failed": 0, "removed": 1}
    assert not default_storage.exists(orphan)
    task.refresh_from_db()
    assert task.status == "READY"
    # A file a row names, or one too young to judge, is never removed.
    image = factories.image()
    assert worker.remove_orphaned_files(older_than=timedelta(0)) == []
    assert default_storage.exists(image.file.name)
    young = default_storage.save("captures/young.warc.gz", ContentFile(b""))
    assert worker.remove_orphaned_files() == []
    assert default_storage.exists(young)


def test_the_command_reports_what_it_did(settings):
    out = StringIO()
    call_command("recover_tasks", stdout=out)
    assert "0 tasks queued again" in out.getvalue()
    assert Image.objects.count() == 0
