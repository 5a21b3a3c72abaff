"""Background work (django.tasks), run by the task worker (`manage.py db_worker`): what an
editor does not wait for, and what runs on a schedule. Each task takes ids, reads the row
afresh (skipping rows deleted meanwhile), and can run twice without harm.

Queued with `.enqueue(...)` inside the transaction that creates what it works on: the database
backend stores the task in that transaction, so neither exists without the other. Tests run each
task at once (tests/conftest.py).
"""

from datetime import timedelta

from django.db.models import F
from django.tasks import task
from django.utils import timezone

from articles import archiving, images, publishing
from articles.models import SocialPost

# A post is asked about again at most this often by the recurring check.
CHECK_EVERY = timedelta(hours=20)


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


@task
def capture_social_post(post_id):
    """Fill a new snapshot's empty fields from the platform (what the editor typed stays)."""
    post = SocialPost.objects.filter(pk=post_id).first()
    if post is None or not post.can_capture:
        return None
    error = publishing.capture_social_post(post=post, overwrite=False)
    return str(error) if error else None


def posts_due_for_check(now=None):
    """Snapshots whose platform can be asked, not checked for CHECK_EVERY, oldest check first."""
    now = now or timezone.now()
    due = SocialPost.objects.checkable().filter(checked_at__isnull=True) | (
        SocialPost.objects.checkable().filter(checked_at__lt=now - CHECK_EVERY)
    )
    # Never checked first, on every database (PostgreSQL sorts nulls last by default).
    return due.order_by(F("checked_at").asc(nulls_first=True), "id")


def check_social_posts_now(*, posts=None):
    """Recheck each post's availability; {availability found (None: could not tell): count}."""
    found = {}
    for post in posts if posts is not None else posts_due_for_check():
        result = publishing.check_social_post(post=post)
        found[result] = found.get(result, 0) + 1
    return found


@task
def check_social_posts():
    """The recurring availability check (a scheduler enqueues it, or runs
    `manage.py check_social_posts`): posts deleted or made private at the source are recorded."""
    return {str(key): count for key, count in check_social_posts_now().items()}
