"""Backups: one dated archive holding a consistent snapshot of the database and every media file
(uploaded pictures, their renditions, WARC captures), and the way back from it.

The archive is a gzipped tar:

    manifest.json       format, database vendor, time, row counts, every media file's size and hash
    database.sqlite3    SQLite: a copy made with SQLite's online backup API (readers and writers
                        keep going; the copy is one consistent state of the database)
    database.dump       PostgreSQL: `pg_dump --format=custom`, one snapshot of one transaction
    media/<name>        every file of the default storage, by its storage name

The database is copied first, then the media: files are never rewritten in place (every upload
and capture gets a fresh name), so every file a row of the snapshot names is still there when the
media are read. A file uploaded meanwhile may come along without its row, which is harmless.

Restoring replaces the database as a whole (SQLite: the backup API the other way; PostgreSQL: the
schema is dropped and the dump restored into it) and writes the media back under their names. The
manifest's hashes are checked before anything is replaced, so a truncated or altered archive
changes nothing.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
# Read and hashed in chunks: a WARC capture may weigh tens of megabytes.
CHUNK = 1024 * 1024


class BackupError(Exception):
    """What went wrong, said for the person running the command."""


def archive_name(now=None):
    """newsroom-backup-20261201T151500Z.tar.gz: sorts by time, says the zone."""
    now = now or datetime.now(UTC)
    return f"newsroom-backup-{now:%Y%m%dT%H%M%SZ}.tar.gz"


def row_counts():
    """{app_label.Model: rows} of the project's own models: what a restore must bring back."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_app_config("articles").get_models()
    }


def _media_names(storage, folder=""):
    directories, files = storage.listdir(folder)
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for directory in sorted(directories):
        yield from _media_names(storage, f"{folder}/{directory}" if folder else directory)


def _sha256(handle):
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _pg_env(settings_dict):
    """The pg_dump/pg_restore/psql environment for one Django database (no password on argv)."""
    env = {**os.environ}
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    return env


def _run(command, env, **kwargs):
    try:
        # Fixed commands of PostgreSQL's client tools; the arguments come from settings.
        return subprocess.run(command, env=env, check=True, capture_output=True, **kwargs)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client tools).") from None
    except subprocess.CalledProcessError as error:
        raise BackupError(f"{command[0]} failed: {error.stderr.decode(errors='replace')}") from None


def _dump_database(folder):
    """The database into `folder`; returns the member's name."""
    if connection.vendor == "sqlite":
        target_path = Path(folder) / "database.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(target_path)
        try:
            # Page by page while others keep writing: SQLite restarts the copy if a writer
            # changes a page already copied, so what lands is one state of the database.
            connection.connection.backup(target)
        finally:
            target.close()
        return target_path.name
    if connection.vendor == "postgresql":
        target_path = Path(folder) / "database.dump"
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-acl", "--file", str(target_path)],
            _pg_env(connection.settings_dict),
        )
        return target_path.name
    raise BackupError(f"Backups know SQLite and PostgreSQL, not {connection.vendor}.")


def backup(directory, *, now=None, storage=None):
    """Write one archive into `directory`; returns its path and the manifest."""
    storage = storage or default_storage
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / archive_name(now)
    manifest = {
        "format": FORMAT,
        "created_at": (now or datetime.now(UTC)).isoformat(),
        "database": connection.vendor,
        "rows": row_counts(),
        "media": {},
    }
    partial = path.with_suffix(".partial")
    with tempfile.TemporaryDirectory() as scratch:
        database_member = _dump_database(scratch)
        manifest["database_file"] = database_member
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(Path(scratch) / database_member, arcname=database_member)
            for name in _media_names(storage):
                with storage.open(name, "rb") as handle:
                    digest = _sha256(handle)
                    size = handle.tell()
                    handle.seek(0)
                    info = tarfile.TarInfo(MEDIA_PREFIX + name)
                    info.size = size
                    archive.addfile(info, handle)
                manifest["media"][name] = {"size": size, "sha256": digest}
            encoded = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(encoded)
            archive.addfile(info, io.BytesIO(encoded))
    # Only a finished archive carries the final name: a crash mid-way leaves a .partial file.
    partial.rename(path)
    return path, manifest


def _safe_media_name(name):
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or not name:
        raise BackupError(f"The archive names a media file out of the media folder: {name!r}.")
    return name


def read_manifest(path):
    try:
        with tarfile.open(path, "r:gz") as archive:
            manifest = json.load(archive.extractfile(MANIFEST))
    except (OSError, tarfile.TarError, KeyError, ValueError) as error:
        raise BackupError(f"{path} is not a Newsroom backup ({error}).") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path} has backup format {manifest.get('format')}, not {FORMAT}.")
    return manifest


def _extract_and_verify(path, scratch, manifest):
    """Every member into `scratch`, hashes checked: nothing is replaced before this passes."""
    with tarfile.open(path, "r:gz") as archive:
        # The "data" filter refuses absolute names, "..", links out and device files.
        archive.extractall(scratch, filter="data")
    for name, expected in manifest["media"].items():
        local = Path(scratch) / MEDIA_PREFIX / _safe_media_name(name)
        try:
            with local.open("rb") as handle:
                digest = _sha256(handle)
        except OSError:
            raise BackupError(f"The archive lacks the media file {name}.") from None
        if digest != expected["sha256"]:
            raise BackupError(f"The media file {name} does not match its hash in the manifest.")
    database = Path(scratch) / manifest["database_file"]
    if not database.is_file():
        raise BackupError("The archive lacks its database.")
    return database


def _restore_database(database, manifest):
    vendor = manifest["database"]
    if vendor != connection.vendor:
        raise BackupError(
            f"The archive holds a {vendor} database; this site runs on {connection.vendor}."
        )
    if vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(database)
        try:
            # Overwrites the live database page by page, in one step other connections see as
            # a whole (they wait on the lock meanwhile).
            source.backup(connection.connection)
        finally:
            source.close()
        connection.close()
        return
    env = _pg_env(connection.settings_dict)
    connection.close()
    # The schema as a whole: tables a later migration added must go too, or the restored
    # django_migrations would disagree with them.
    _run(
        [
            "psql",
            "--quiet",
            "--no-psqlrc",
            "--set=ON_ERROR_STOP=1",
            "--command=DROP SCHEMA public CASCADE; CREATE SCHEMA public;",
        ],
        env,
    )
    _run(["pg_restore", "--no-owner", "--no-acl", "--exit-on-error", "--dbname", env["PGDATABASE"],
          str(database)], env)  # fmt: skip


def _restore_media(scratch, manifest, storage):
    for name in manifest["media"]:
        local = Path(scratch) / MEDIA_PREFIX / name
        if storage.exists(name):
            storage.delete(name)
        with local.open("rb") as handle:
            saved = storage.save(name, File(handle))
        if saved != name:  # the storage renamed it: rows would name a missing file
            raise BackupError(f"The storage stored {name} as {saved}.")


def restore(path, *, storage=None):
    """Bring back the database and the media of one archive; returns its manifest."""
    storage = storage or default_storage
    manifest = read_manifest(path)
    scratch = tempfile.mkdtemp(prefix="newsroom-restore-")
    try:
        database = _extract_and_verify(path, scratch, manifest)
        _restore_database(database, manifest)
        _restore_media(scratch, manifest, storage)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return manifest
