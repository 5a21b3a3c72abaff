"""Social posts embedded in stories and updates: the snapshot Newsroom keeps of each one."""

import contextlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from articles import embeds
from articles.links import validate_public_url
from articles.models.base import (
    ChangedOnlyHistory,
    CleanTextModel,
    TrashModel,
    TrashQuerySet,
    VersionedModel,
    validate_plausible_time,
)
from articles.rendering import render_post_text

MAX_URL_LENGTH = 2048
MEDIA_KINDS = ("image", "video", "audio")
MAX_ALT_LENGTH = 1500


def validate_media(value):
    """A list of at most embeds.MAX_MEDIA {url, alt, kind}: public addresses, known kinds."""
    if not isinstance(value, list) or len(value) > embeds.MAX_MEDIA:
        raise ValidationError(
            _("At most %(limit)s media, each with an address."),
            code="media",
            params={"limit": embeds.MAX_MEDIA},
        )
    for item in value:
        if not isinstance(item, dict) or set(item) - {"url", "alt", "kind"}:
            raise ValidationError(_("Each medium has an address, a description and a kind."))
        validate_public_url(item.get("url"))
        if item.get("kind") not in MEDIA_KINDS:
            raise ValidationError(_("A medium is an image, a video or a sound."), code="media")
        if not isinstance(item.get("alt", ""), str) or len(item.get("alt", "")) > MAX_ALT_LENGTH:
            raise ValidationError(
                _("A description has at most %(limit)s characters."),
                code="media",
                params={"limit": MAX_ALT_LENGTH},
            )


class SocialPostQuerySet(TrashQuerySet):
    def for_html(self, *fragments):
        """The snapshots the placeholders of these HTML fragments name, in one query (none
        when there is no placeholder): what a page's cards are rendered from."""
        urls = embeds.urls_in(*fragments)
        return list(self.filter(url__in=urls)) if urls else []

    def versions(self, urls):
        """(url, version) for each address, 0 for one without a snapshot: one query."""
        stored = dict(self.filter(url__in=urls).values_list("url", "version"))
        return {(url, stored.get(url, 0)) for url in urls}

    def checkable(self):
        """The snapshots whose platform has a public endpoint to ask again."""
        return self.filter(platform__in=[p.key for p in embeds.PLATFORMS if p.capture])


class SocialPostManager(models.Manager.from_queryset(SocialPostQuerySet)):
    """A snapshot in the trash is not shown: pages that embed it show a plain link card."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class SocialPost(TrashModel, CleanTextModel, VersionedModel):
    """A post from a social network as it was when Newsroom kept it: the card readers see
    renders from here, never from the platform, and survives the post's deletion."""

    class Availability(models.TextChoices):
        AVAILABLE = embeds.AVAILABLE, _("Available")
        DELETED = embeds.DELETED, _("Deleted or made private at the source")
        UNKNOWN = "unknown", _("Unknown")

    class Capture(models.TextChoices):
        NONE = "none", _("Entered by hand")
        PENDING = "pending", _("Capturing")
        DONE = "done", _("Captured")
        FAILED = "failed", _("Capture failed")

    url = models.URLField(
        _("address"),
        max_length=MAX_URL_LENGTH,
        unique=True,
        validators=[embeds.validate_post_url],
        help_text=_(
            "Paste the post’s address: the platform is recognised, tracking parameters are "
            "removed, and each post is kept once."
        ),
    )
    key = models.CharField(max_length=200, unique=True, editable=False)
    platform = models.CharField(
        _("platform"), max_length=20, choices=embeds.platform_choices, editable=False
    )
    author_name = models.CharField(_("author"), max_length=200, blank=True)
    author_handle = models.CharField(
        _("handle"), max_length=200, blank=True, help_text=_("e.g. @gdb or @user@mastodon.social")
    )
    author_url = models.URLField(
        _("author’s page"), max_length=MAX_URL_LENGTH, blank=True, validators=[validate_public_url]
    )
    text = models.TextField(
        _("text"),
        blank=True,
        max_length=embeds.MAX_TEXT,
        help_text=_("Plain text, as posted. Web addresses become links; nothing else is markup."),
    )
    text_html = models.TextField(editable=False, blank=True)
    posted_at = models.DateTimeField(
        _("posted"), null=True, blank=True, validators=[validate_plausible_time]
    )
    language = models.CharField(
        _("language"), max_length=12, blank=True, help_text=_("e.g. en, fr.")
    )
    media = models.JSONField(
        _("media"),
        default=list,
        blank=True,
        validators=[validate_media],
        help_text=_(
            "Pictures and videos of the post, kept as addresses for a later capture: readers "
            "never load them from the platform."
        ),
    )
    thumbnail = models.ImageField(
        _("thumbnail"),
        upload_to="social/",
        blank=True,
        editable=False,
        width_field="thumbnail_width",
        height_field="thumbnail_height",
    )
    thumbnail_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    thumbnail_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    is_reconstructed = models.BooleanField(
        _("reconstructed"),
        default=False,
        help_text=_(
            "The text was written from reports, not copied from the post: readers are told."
        ),
    )
    captured_at = models.DateTimeField(_("captured"), null=True, blank=True, editable=False)
    captured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("captured by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    capture_state = models.CharField(
        _("capture"), max_length=10, choices=Capture.choices, default=Capture.NONE, editable=False
    )
    capture_error = models.TextField(_("capture error"), blank=True, editable=False)
    availability = models.CharField(
        _("at the source"),
        max_length=10,
        choices=Availability.choices,
        default=Availability.UNKNOWN,
        editable=False,
    )
    checked_at = models.DateTimeField(_("last checked"), null=True, blank=True, editable=False)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = ChangedOnlyHistory(excluded_fields=["text_html"])
    objects = SocialPostManager()
    all_objects = SocialPostQuerySet.as_manager()

    class Meta:
        ordering = ["-posted_at", "-id"]
        verbose_name = _("social post")
        verbose_name_plural = _("social posts")

    def __str__(self):
        who = self.author_handle or self.author_name
        return f"{self.get_platform_display()} · {who}" if who else self.url

    def save(self, *args, **kwargs):
        self._normalise()
        self.text_html = render_post_text(self.text)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "text_html", "url", "key"}
        super().save(*args, **kwargs)

    def _normalise(self):
        post = embeds.recognise(self.url)
        if post is None:
            raise ValueError(f"{self.url!r} is not a social post's address")
        self.url, self.key, self.platform = post.url, post.key, post.platform.key

    def clean(self):
        # Normalised before the uniqueness checks: two spellings of one post are one row.
        if self.url:
            with contextlib.suppress(ValueError):  # the field's validator reports it
                self._normalise()
        duplicate = (
            # The trash too: restoring a trashed snapshot must stay possible.
            SocialPost.all_objects.filter(key=self.key).exclude(pk=self.pk).first()
            if self.key
            else None
        )
        if duplicate is not None:
            raise ValidationError(
                {
                    "url": ValidationError(
                        _("This post is already kept: %(post)s."),
                        code="duplicate_post",
                        params={"post": duplicate},
                    )
                }
            )

    @property
    def platform_label(self):
        return embeds.by_key(self.platform).label if self.platform else ""

    @property
    def is_gone(self):
        return self.availability == self.Availability.DELETED

    @property
    def seen_at(self):
        """When the post was last known to be online: the last check that found it, or else
        its capture."""
        return self.last_seen_at or self.captured_at

    @property
    def has_snapshot(self):
        return bool(self.text or self.author_name)

    @property
    def can_capture(self):
        return embeds.can_capture(self.url)
