"""Live updates of a story and public corrections."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from markdownx.models import MarkdownxField

from articles.models.base import (
    ChangedOnlyHistory,
    CleanTextModel,
    VersionedModel,
    markdown_alt_errors,
    validate_plausible_time,
)
from articles.models.stories import Author, Story, public_name
from articles.rendering import excerpt, plain_text, render_markdown


class LiveUpdateQuerySet(models.QuerySet):
    def trashed(self):
        """Deleted: the trash, from which an update can be restored."""
        return self.filter(deleted_at__isnull=False)

    def active(self):
        """Not deleted: what the desk and the admin list (deletion is soft, and can be undone)."""
        return self.filter(deleted_at__isnull=True)

    def published(self):
        """What readers see of a live story: not deleted, published, and due."""
        return self.active().filter(
            status=LiveUpdate.Status.PUBLISHED, published_at__lte=timezone.now()
        )

    def key_events(self):
        return self.published().filter(is_key_event=True)

    def not_after(self, published_at, pk):
        """Rows at or before (published_at, pk) in stream order: counting them gives a position.

        Takes values or OuterRef() expressions, so it serves one update and a subquery alike.
        """
        return self.filter(
            Q(published_at__lt=published_at) | Q(published_at=published_at, id__lte=pk)
        )

    def newest_first(self):
        return self.order_by("-published_at", "-id")

    def oldest_first(self):
        return self.order_by("published_at", "id")

    def touch(self, now, **values):
        """Update these rows (with `values`) and move their change time, as `LiveUpdate.save`
        does: to now, or to their publication when that is later, so a scheduled one still
        reaches open pages on its minute and not before."""
        return self.update(changed_at=Greatest(Value(now), F("published_at")), **values)

    def changed_since(self, at, after_id=0):
        """Rows changed after (`at`, `after_id`), up to now: what the polling endpoint sends.

        `changed_at` is never earlier than `published_at`, so a scheduled update reaches open
        pages on its minute, and a change that is not due yet stays invisible.
        """
        return self.filter(changed_at__lte=timezone.now()).filter(
            Q(changed_at__gt=at) | Q(changed_at=at, id__gt=after_id)
        )


class LiveUpdateManager(models.Manager.from_queryset(LiveUpdateQuerySet)):
    def get_queryset(self):
        # As Story's: the database writes the search vector; Python never loads it.
        return super().get_queryset().defer("search_vector")


class LiveUpdate(CleanTextModel, VersionedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    story = models.ForeignKey(
        Story, verbose_name=_("story"), on_delete=models.CASCADE, related_name="updates"
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    body = MarkdownxField(_("text"), max_length=20_000, help_text=_("Markdown."))
    body_html = models.TextField(editable=False, blank=True)
    body_text = models.TextField(editable=False, blank=True)
    # See Story.search_vector: the database keeps it current (in the story's language).
    search_vector = SearchVectorField(null=True, editable=False)
    author = models.ForeignKey(
        Author,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="live_updates",
    )
    published_at = models.DateTimeField(
        _("time"),
        validators=[validate_plausible_time],
        help_text=_("The time shown to readers. A time in the future schedules the update."),
    )
    is_key_event = models.BooleanField(_("key event"), default=False)
    is_pinned = models.BooleanField(
        _("pinned"), default=False, help_text=_("Shown above the stream. One per story.")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PUBLISHED
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True, editable=False)
    # An update's trash: soft deletion, which the desk can undo (publishing.delete_update).
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deleted by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The polling cursor: bumped by every save, never before publication time.
    changed_at = models.DateTimeField(editable=False, db_index=True, default=timezone.now)

    history = ChangedOnlyHistory(
        excluded_fields=["body_html", "changed_at", "body_text", "search_vector"]
    )
    objects = LiveUpdateManager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("live update")
        verbose_name_plural = _("live updates")
        indexes = [
            models.Index(fields=["story", "changed_at"]),
            models.Index(fields=["story", "published_at", "id"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["story"], condition=Q(is_pinned=True), name="one_pinned_update_per_story"
            )
        ]

    def __str__(self):
        return self.title or self.body[:60]

    def clean(self):
        if errors := markdown_alt_errors(self, ["body"]):
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        now = timezone.now()
        loaded = getattr(self, "_loaded_content", None)
        edited = loaded is not None and loaded != (self.title, self.body)
        if edited and self.published_at and self.published_at <= now:
            self.edited_at = now
        self.body_html = render_markdown(self.body)
        self.body_text = plain_text(self.body_html)
        self.changed_at = max(now, self.published_at or now)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                "body_html",
                "body_text",
                "changed_at",
                "edited_at",
            }
        super().save(*args, **kwargs)
        self._loaded_content = (self.title, self.body)

    def get_absolute_url(self):
        return reverse("articles:update", args=[self.story.slug, self.pk])

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded_content = (instance.__dict__.get("title"), instance.__dict__.get("body"))
        return instance

    def validate_constraints(self, exclude=None):
        # Pinning an update unpins the story's other one (publishing.set_pinned), so the
        # one-pin rule is kept there and by the database, not reported as a form error.
        super().validate_constraints(exclude={*(exclude or ()), "is_pinned"})

    @property
    def anchor(self):
        return f"update-{self.pk}"

    @property
    def label(self):
        """Its short name in a list, a feed or a card: the title, or the start of the text."""
        return self.title or excerpt(self.body_html, 12)

    @property
    def description(self):
        """Plain text for a card or a meta description (escaped once, where it is printed)."""
        return excerpt(self.body_html, 40)

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    @property
    def is_visible(self):
        """Would readers see it: the rule of `LiveUpdate.objects.published()`, for one row."""
        return (
            self.status == self.Status.PUBLISHED
            and self.deleted_at is None
            and self.published_at <= timezone.now()
        )


class Correction(CleanTextModel):
    """A public correction note on a story or on one live update."""

    story = models.ForeignKey(
        Story,
        verbose_name=_("story"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="corrections",
    )
    update = models.ForeignKey(
        LiveUpdate,
        verbose_name=_("live update"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="corrections",
    )
    note = models.TextField(
        _("public note"),
        max_length=2000,
        help_text=_("What was wrong and what is right now. Shown to readers."),
    )
    corrected_at = models.DateTimeField(
        _("corrected"), default=timezone.now, validators=[validate_plausible_time]
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Who wrote, changed or deleted a correction, and what it said before.
    history = ChangedOnlyHistory()

    class Meta:
        ordering = ["corrected_at", "id"]
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(story__isnull=False, update__isnull=True)
                    | Q(story__isnull=True, update__isnull=False)
                ),
                name="correction_targets_story_or_update",
            )
        ]

    def __str__(self):
        return self.note[:80]

    @property
    def signature(self):
        """Who made it, as readers see it: their byline name, else the account's full name;
        never a login name. Empty when neither is known (the page then says the newsroom)."""
        return public_name(self.by)
