from django.core.management.base import BaseCommand

from articles import worker


class Command(BaseCommand):
    help = (
        "Queue again the tasks a killed worker left RUNNING (after NEWSROOM_TASK_STALLED_SECONDS; "
        "FAILED after NEWSROOM_TASK_MAX_ATTEMPTS) and remove the files no row names. Run it "
        "before starting workers and every few minutes (cron, a systemd timer)."
    )

    def handle(self, *args, **options):
        found = worker.recover()
        self.stdout.write(
            f"{found['requeued']} tasks queued again, {found['failed']} failed for good, "
            f"{found['removed']} orphaned files removed."
        )
