"""Background work, run by the task worker (`manage.py db_worker`); each task is idempotent and
safe to retry: it reads the row as it is when it runs, and skips rows deleted meanwhile."""

from django.tasks import task

from articles import archiving


@task
def archive_citation(citation_id):
    """Fetch a cited page and keep its WARC record and readable text (articles/archiving.py)."""
    citation = archiving.capture(citation_id)
    return citation.capture_state if citation else None
