"""Draft previews shared outside the newsroom: signed, expiring, revocable links.

The address carries `django.core.signing`'s signature of the link's row id and its creation
time (so the same link always has the same address): a forged or altered token fails the
signature, one older than the configured maximum fails whatever its row says, and the row
itself (`PreviewLink`) says whether the link was revoked or has passed its own expiry.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from articles import permissions
from articles.models import PreviewLink, Story

SALT = "articles.preview-link"


def max_days():
    return settings.NEWSROOM_PREVIEW_LINK_MAX_DAYS


def _signer():
    return signing.Signer(salt=SALT)


def token(link):
    return _signer().sign(f"{link.pk}.{int(link.created_at.timestamp())}")


def url(link):
    return reverse("articles:shared_preview", args=[token(link)])


@transaction.atomic
def create_link(*, story, by, days=None, note=""):
    """A new link to the story's preview, valid `days` (at most the configured maximum)."""
    stored = Story.objects.get(pk=story.pk)
    if not permissions.can_share_preview(by, stored):
        raise PermissionDenied("You may not share this story's preview.")
    days = max(1, min(int(days or max_days()), max_days()))
    return PreviewLink.objects.create(
        story=stored,
        note=note,
        created_by=by,
        expires_at=timezone.now() + timedelta(days=days),
    )


@transaction.atomic
def revoke(*, link, by):
    """The link stops opening the preview at once. Returns False if it was already revoked."""
    stored = PreviewLink.objects.select_for_update().select_related("story").get(pk=link.pk)
    if not permissions.can_revoke_preview(by, stored):
        raise PermissionDenied("You may not revoke this link.")
    if stored.revoked_at is not None:
        return False
    stored.revoked_at, stored.revoked_by = timezone.now(), by
    stored.save(update_fields=["revoked_at", "revoked_by"])
    link.revoked_at, link.revoked_by = stored.revoked_at, by
    return True


def link_for(value):
    """The usable link a token names, or None (forged, too old, revoked, expired, or its
    story is in the trash)."""
    try:
        pk, created = (int(part) for part in _signer().unsign(value).split("."))
    except (signing.BadSignature, ValueError):
        return None
    if timezone.now().timestamp() - created > timedelta(days=max_days()).total_seconds():
        return None
    link = PreviewLink.objects.usable().filter(pk=pk).select_related("story").first()
    if link is None or int(link.created_at.timestamp()) != created:
        return None
    if link.story.deleted_at is not None:
        return None
    return link
