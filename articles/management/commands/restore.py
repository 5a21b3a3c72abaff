from django.core.management.base import BaseCommand, CommandError

from articles import backup


class Command(BaseCommand):
    help = (
        "Replace the database and write back the media from an archive made by `backup`. "
        "Everything written since the archive is lost: stop the server and the worker first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="A newsroom-backup-*.tar.gz file.")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )

    def handle(self, *args, archive, interactive, **options):
        try:
            manifest = backup.read_manifest(archive)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        if interactive:
            answer = input(
                f"Replace this site's database and media with the backup of "
                f"{manifest['created_at']}? Everything written since is lost. Type 'yes': "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            backup.restore(archive)
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest["rows"].values())
        self.stdout.write(
            f"Restored {archive}: {rows} rows, {len(manifest['media'])} media files "
            f"(backup of {manifest['created_at']})."
        )
