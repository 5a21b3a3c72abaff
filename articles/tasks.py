"""Background work (django.tasks): each task is idempotent and safe to run again.

Queued with `.enqueue(...)` inside the transaction that creates what it works on: the database
backend stores the task in that transaction, so neither exists without the other. Tests run each
task at once (tests/conftest.py).
"""

from django.tasks import task

from articles import images


@task
def make_renditions(image_id):
    """The image's widths in AVIF, WebP and its own format. Made once: run again, it does
    nothing; until it has run, pages show the original."""
    return images.make_renditions(image_id)
