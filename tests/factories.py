"""Small builders for test data: each makes a valid row with what the test does not care about."""

import itertools
from datetime import timedelta
from io import BytesIO

from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image as PILImage

from articles import freshness
from articles.models import Author, Byline, DigitalSourceType, LiveUpdate, Section, Story

_seq = itertools.count(1)


def section(**fields):
    n = next(_seq)
    return Section.objects.create(**{"name": f"Section {n}", "slug": f"section-{n}", **fields})


def author(**fields):
    n = next(_seq)
    return Author.objects.create(**{"name": f"Author {n}", "slug": f"author-{n}", **fields})


def story(*, authors=(), **fields):
    n = next(_seq)
    values = {
        "headline": f"Story {n}",
        "slug": f"story-{n}",
        "standfirst": "A standfirst.",
        "body": "Some **body** text.",
        "status": Story.Status.PUBLISHED,
        "published_at": timezone.now() - timedelta(hours=1),
        **fields,
    }
    if "section" not in values:
        values["section"] = section()
    created = Story.objects.create(**values)
    for position, person in enumerate(authors):
        Byline.objects.create(story=created, author=person, position=position)
    # Rows written here skip articles.publishing: move the pages' generation as it would.
    freshness.bump(slugs=[created.slug], lists=True)
    return created


def live_story(**fields):
    values = {"live_started_at": timezone.now() - timedelta(hours=2), **fields}
    return story(is_live=True, **values)


def update(story, **fields):
    values = {"body": f"Update {next(_seq)} text.", "published_at": timezone.now(), **fields}
    created = LiveUpdate.objects.create(story=story, **values)
    freshness.bump(slugs=[story.slug])
    return created


def user(username=None, *, group=None, staff=True, **fields):
    created = User.objects.create_user(
        username=username or f"user{next(_seq)}",
        password="pw-for-tests-123",
        is_staff=staff,
        **fields,
    )
    if group:
        created.groups.add(role(group))
    return created


def role(name):
    """The editorial group; a transactional test's flush removes the migration-made rows."""
    from django.contrib.auth.models import Permission

    group, made = Group.objects.get_or_create(name=name)
    if made:
        from articles.permissions import ROLES as roles

        group.permissions.set(
            Permission.objects.filter(content_type__app_label="articles", codename__in=roles[name])
        )
    return group


def picture_bytes(size=(8, 6), image_format="PNG", color=(200, 30, 30), **options):
    """A picture drawn here: a colour with a darker corner, so orientation shows."""
    drawn = PILImage.new("RGB", size, color)
    drawn.paste((10, 10, 10), (0, 0, max(1, size[0] // 4), max(1, size[1] // 4)))
    buffer = BytesIO()
    drawn.save(buffer, image_format, **options)
    return buffer.getvalue()


def png_bytes(size=(8, 6), color=(200, 30, 30)):
    return picture_bytes(size, "PNG", color)


def upload(data=None, name="photo.png", content_type="image/png"):
    return SimpleUploadedFile(name, png_bytes() if data is None else data, content_type)


def image(data=None, *, by=None, **fields):
    """A stored Image (checked, re-encoded, renditions made at once by the test task backend)."""
    from articles import images

    values = {
        "alt_text": "A red square",
        "caption": "",
        "credit": "Drawing: the tests",
        "digital_source_type": DigitalSourceType.ALGORITHMIC_MEDIA,
        "ai_tool": "Pillow",
        **fields,
    }
    checked = images.check_upload(upload(data if data is not None else png_bytes((64, 48))))
    return images.store_image(checked, by=by, **values)
