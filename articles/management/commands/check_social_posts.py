"""Ask the platforms again whether the posts Newsroom keeps are still online.

Run it from a scheduler (cron, a systemd timer) once or twice a day. Posts deleted or made
private at the source keep their card, with a note and the date they were last seen."""

from django.core.management.base import BaseCommand

from articles import tasks
from articles.models import SocialPost


class Command(BaseCommand):
    help = "Recheck the availability of kept social posts at their source."

    def add_arguments(self, parser):
        parser.add_argument(
            "--all",
            action="store_true",
            dest="every",
            help="Every checkable post, not only those due.",
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the check as a background task instead of running it here.",
        )

    def handle(self, *args, every=False, enqueue=False, **options):
        if enqueue:
            result = tasks.check_social_posts.enqueue()
            self.stdout.write(f"Queued the check ({result.id}).")
            return
        posts = SocialPost.objects.checkable().order_by("id") if every else None
        found = tasks.check_social_posts_now(posts=posts)
        labels = dict(SocialPost.Availability.choices)
        for value, count in sorted(found.items(), key=lambda item: str(item[0])):
            label = labels.get(value, "could not be checked")
            self.stdout.write(f"{count} {label}")
        if not found:
            self.stdout.write("No post was due for a check.")
