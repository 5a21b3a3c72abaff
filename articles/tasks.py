"""Background work (django.tasks), run by the task worker (`manage.py db_worker`): each task is
idempotent and safe to run again; it reads the row as it is when it runs, and skips rows
deleted meanwhile.

Queued with `.enqueue(...)` inside the transaction that creates what it works on: the database
backend stores the task in that transaction, so neither exists without the other. Tests run each
task at once (tests/conftest.py).
"""

from django.tasks import task

from articles import archiving, images


@task
def archive_citation(citation_id):
    """Fetch a cited page and keep its WARC record and readable text (articles/archiving.py)."""
    citation = archiving.capture(citation_id)
    return citation.capture_state if citation else None


@task
def make_renditions(image_id):
    """The image's widths in AVIF, WebP and its own format. Made once: run again, it does
    nothing; until it has run, pages show the original."""
    return images.make_renditions(image_id)
