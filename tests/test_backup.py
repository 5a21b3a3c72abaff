"""Backups: `manage.py backup` then `manage.py restore` bring back stories, updates, images and
captures, on whichever database the suite runs (PostgreSQL: the suite's own test database)."""

import io
import json
import tarfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from articles import backup
from articles.models import Citation, Image, ImageRendition, LiveUpdate, Source, Story
from tests import factories

# pg_dump reads what is committed: the rows must be, so these tests are transactional.
pytestmark = pytest.mark.django_db(transaction=True)

WARC = b"WARC/1.1\r\nWARC-Type: warcinfo\r\n\r\nA capture of the cited page.\r\n\r\n"


@pytest.fixture
def newsroom():
    """A story with updates, a featured picture and its renditions, and a captured citation."""
    picture = factories.image()
    story = factories.live_story(headline="Sam Altman écarté", featured_image=picture)
    for n in range(3):
        factories.update(story, body=f"Mise à jour {n}")
    outlet = Source.objects.create(
        name="Le Journal", slug="le-journal", homepage_url="https://journal.example/"
    )
    name = default_storage.save("captures/altman.warc.gz", ContentFile(WARC))
    Citation.objects.create(
        story=story,
        source=outlet,
        url="https://journal.example/altman",
        title="Altman out",
        warc_file=name,
        capture_state=Citation.Capture.DONE,
        captured_at=timezone.now(),
        readable_text="The board fired Sam Altman.",
    )
    return story


def _wipe():
    for model in (Citation, LiveUpdate, Story, ImageRendition, Image, Source):
        model.objects.all().delete()
    for name in backup._media_names(default_storage):
        default_storage.delete(name)


def _read(name):
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def test_backup_wipe_restore_brings_back_stories_updates_images_and_captures(newsroom, tmp_path):
    picture = newsroom.featured_image
    renditions = {r.file.name: _read(r.file.name) for r in picture.renditions.all()}
    assert renditions, "the test needs renditions to check"
    original = _read(picture.file.name)

    out = io.StringIO()
    call_command("backup", output=str(tmp_path), stdout=out)
    (archive,) = tmp_path.glob("newsroom-backup-*.tar.gz")
    assert str(archive) in out.getvalue()

    _wipe()
    assert not Story.objects.exists()
    assert not default_storage.exists(picture.file.name)

    call_command("restore", str(archive), interactive=False, stdout=io.StringIO())

    story = Story.objects.get(slug=newsroom.slug)
    assert story.headline == "Sam Altman écarté"
    assert sorted(story.updates.values_list("body", flat=True)) == [
        "Mise à jour 0",
        "Mise à jour 1",
        "Mise à jour 2",
    ]
    assert _read(story.featured_image.file.name) == original
    for name, data in renditions.items():
        assert _read(name) == data
    assert story.featured_image.renditions.count() == len(renditions)
    citation = story.citations.get()
    assert citation.capture_state == Citation.Capture.DONE
    assert _read(citation.warc_file.name) == WARC
    # The site works on the restored database: new rows get fresh ids (sequences came back).
    added = factories.update(story, body="Après la restauration")
    assert added.pk > max(story.updates.exclude(pk=added.pk).values_list("pk", flat=True))


def test_the_archive_is_dated_and_lists_what_it_holds(newsroom, tmp_path):
    path, manifest = backup.backup(tmp_path)
    assert path.name.startswith("newsroom-backup-")
    assert path.name.endswith("Z.tar.gz")
    assert manifest["rows"]["articles.LiveUpdate"] == 3
    assert "captures/altman.warc.gz" in manifest["media"]
    with tarfile.open(path) as archive:
        names = archive.getnames()
    assert manifest["database_file"] in names
    assert all(f"media/{name}" in names for name in manifest["media"])


def test_a_tampered_archive_is_refused_before_anything_is_replaced(newsroom, tmp_path):
    path, _ = backup.backup(tmp_path)
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(path) as source, tarfile.open(tampered, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "media/captures/altman.warc.gz":
                data = b"<script>alert(1)</script>"
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    factories.update(newsroom, body="Written after the backup")

    with pytest.raises(CommandError, match="does not match its hash"):
        call_command("restore", str(tampered), interactive=False)
    assert LiveUpdate.objects.filter(body="Written after the backup").exists()
    assert _read("captures/altman.warc.gz") == WARC


def test_an_archive_naming_a_file_out_of_the_media_folder_is_refused(newsroom, tmp_path):
    manifest = {
        "format": 1,
        "database": "sqlite",
        "database_file": "database.sqlite3",
        "created_at": "now",
        "rows": {},
        "media": {"../../etc/cron.d/x": {"sha256": ""}},
    }
    hostile = tmp_path / "hostile.tar.gz"
    with tarfile.open(hostile, "w:gz") as archive:
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    with pytest.raises(CommandError, match="out of the media folder"):
        call_command("restore", str(hostile), interactive=False)
    assert Story.objects.filter(pk=newsroom.pk).exists()


def test_restore_asks_first(newsroom, tmp_path, monkeypatch):
    path, _ = backup.backup(tmp_path)
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="cancelled"):
        call_command("restore", str(path))
    assert Story.objects.filter(pk=newsroom.pk).exists()


def test_something_that_is_not_a_backup_is_refused(tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tar file")
    with pytest.raises(CommandError, match="not a Newsroom backup"):
        call_command("restore", str(junk), interactive=False)
