from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles import backup


class Command(BaseCommand):
    help = (
        "Write one dated archive (newsroom-backup-<UTC time>.tar.gz) holding a consistent "
        "snapshot of the database and every media file, WARC captures included."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            default=str(settings.BASE_DIR / "backups"),
            help="The folder the archive is written to (default: backups/).",
        )

    def handle(self, *args, output, **options):
        try:
            path, manifest = backup.backup(output)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest["rows"].values())
        self.stdout.write(
            f"{path} ({manifest['database']}, {rows} rows, {len(manifest['media'])} media files)"
        )
