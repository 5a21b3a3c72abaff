"""The newsroom's domain: sections, authors, stories, live updates and corrections."""

import functools
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from markdownx.models import MarkdownxField
from simple_history.models import HistoricalRecords

from articles.rendering import (
    MAX_MARKDOWN_LENGTH,
    excerpt,
    render_markdown,
    without_control_characters,
)


class StaleEditError(Exception):
    """Someone else saved the row after the editor loaded it: saving would overwrite their work."""


class VersionedModel(models.Model):
    """Optimistic locking: each save bumps `version`; a save that expects an older one fails.

    A form remembers the version it was opened with and passes it as
    `save(expected_version=...)`; the conditional UPDATE below makes the check and the claim one
    statement, so two saves can never both win. A save without it still bumps the stored
    version (never an in-memory copy of it), so caches keyed on the version always move.
    """

    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, expected_version=None, **kwargs):
        with transaction.atomic():
            if self.pk and not self._state.adding:
                row = type(self)._default_manager.filter(pk=self.pk)
                claim = row if expected_version is None else row.filter(version=expected_version)
                if claim.update(version=F("version") + 1):
                    self.version = row.values_list("version", flat=True).get()
                elif expected_version is not None:
                    raise StaleEditError(self)
            else:
                self.version = (self.version or 0) + 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
            super().save(*args, **kwargs)


class CleanTextModel(models.Model):
    """Text fields never hold control characters, whatever wrote them (admin, desk, API, task),
    and a text field's `max_length` holds in model validation too, not only in forms."""

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        errors = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self._meta.concrete_fields:
            if not isinstance(field, models.TextField) or not field.max_length:
                continue
            if field.name in (exclude or ()) or field.name in errors:
                continue
            try:
                MaxLengthValidator(field.max_length)(getattr(self, field.attname) or "")
            except ValidationError as error:
                errors[field.name] = error.error_list
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        for field in self._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                value = getattr(self, field.attname)
                cleaned = without_control_characters(value)
                if cleaned != value:
                    setattr(self, field.attname, cleaned)
        super().save(*args, **kwargs)


def validate_plausible_time(value):
    """News happens between 1900 and 2100; outside, a typo (year 1 would also overflow UTC)."""
    # Compares the year alone: arithmetic on year 1 or 9999 with an offset overflows.
    if value is not None and not (1900 <= value.year <= 2100):
        raise ValidationError(
            _("Enter a time between the years 1900 and 2100."), code="implausible_time"
        )


# Names in the tz database that are not places: the machine's own zone, a placeholder, aliases
# kept for old POSIX systems.
_NOT_PLACES = {"localtime", "Factory", "posixrules"}


@functools.cache
def time_zone_names():
    """The IANA zones an editor may pick, read once per process (the walk costs ~20 ms)."""
    return frozenset(
        name
        for name in zoneinfo.available_timezones()
        if name not in _NOT_PLACES and not name.startswith(("posix/", "right/", "SystemV/"))
    )


def time_zone_choices():
    # A callable: the list comes from the machine's tzdata and must not be frozen in migrations.
    return sorted((name, name) for name in time_zone_names())


def validate_time_zone(value):
    if value not in time_zone_names():
        raise ValidationError(_("Unknown time zone."), code="unknown_time_zone")


class Section(CleanTextModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Sections are listed in this order in the menu.")
    )

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:section", args=[self.slug])


class Author(CleanTextModel):
    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=150, unique=True)
    bio = models.TextField(_("biography"), blank=True, max_length=5000)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author",
        help_text=_("Optional: bylines can name people who have no account."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("author")
        verbose_name_plural = _("authors")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:author", args=[self.slug])


class StoryQuerySet(models.QuerySet):
    def due(self):
        """Its publication time has come (a future `published_at` is a schedule)."""
        return self.filter(published_at__lte=timezone.now())

    def published(self):
        """What readers see: published, and due."""
        return self.due().filter(status=Story.Status.PUBLISHED)

    def withdrawn(self):
        """Was in front of readers, then withdrawn: its address answers 410 with a notice."""
        return self.due().filter(status=Story.Status.WITHDRAWN)

    def live(self):
        return self.published().filter(is_live=True)

    def for_listing(self):
        """The joins a story card needs, so a list costs the same whatever its length."""
        return self.select_related("section").prefetch_related(
            models.Prefetch(
                "bylines", queryset=Byline.objects.select_related("author").order_by("position")
            )
        )


class Story(CleanTextModel, VersionedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    headline = models.CharField(_("headline"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=200,
        unique=True,
        help_text=_("The story's address. It cannot change once the story is published."),
    )
    standfirst = models.TextField(
        _("standfirst"),
        blank=True,
        max_length=600,
        help_text=_("One or two sentences under the headline."),
    )
    body = MarkdownxField(
        _("body"), blank=True, max_length=MAX_MARKDOWN_LENGTH, help_text=_("Markdown.")
    )
    body_html = models.TextField(editable=False, blank=True)
    summary = MarkdownxField(
        _("what you need to know"),
        blank=True,
        max_length=5000,
        help_text=_("Markdown. A short list of the key facts, shown in a box above the story."),
    )
    summary_html = models.TextField(editable=False, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        choices=time_zone_choices,
        validators=[validate_time_zone],
        default=settings.NEWSROOM_TIME_ZONE,
        help_text=_("Times in the story are shown in this zone, with its abbreviation."),
    )
    section = models.ForeignKey(
        Section, verbose_name=_("section"), on_delete=models.PROTECT, related_name="stories"
    )
    authors = models.ManyToManyField(
        Author, verbose_name=_("authors"), through="Byline", related_name="stories", blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(
        _("publication time"),
        null=True,
        blank=True,
        db_index=True,
        validators=[validate_plausible_time],
        help_text=_("A time in the future schedules the story: it appears on that minute."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
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
    is_live = models.BooleanField(_("live coverage"), default=False, db_index=True)
    live_started_at = models.DateTimeField(
        _("coverage started"), null=True, blank=True, validators=[validate_plausible_time]
    )
    live_ended_at = models.DateTimeField(
        _("coverage ended"), null=True, blank=True, validators=[validate_plausible_time]
    )
    withdrawal_note = models.TextField(
        _("withdrawal notice"),
        blank=True,
        max_length=2000,
        help_text=_("Shown to readers in place of a withdrawn story."),
    )

    history = HistoricalRecords(excluded_fields=["body_html", "summary_html"])
    objects = StoryQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        permissions = [
            ("publish_story", _("Can publish, schedule and withdraw stories")),
            ("run_live_coverage", _("Can start and end live coverage")),
        ]
        indexes = [models.Index(fields=["status", "-published_at"])]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        self.summary_html = render_markdown(self.summary)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "body_html", "summary_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:story", args=[self.slug])

    def clean(self):
        if self.pk:
            stored = Story.objects.filter(pk=self.pk).values("slug", "status").first()
            was_out = stored and stored["status"] in PUBLIC_STATUSES
            if was_out and stored["slug"] != self.slug:
                raise ValidationError(
                    {"slug": _("The address of a story that has been published cannot change.")}
                )

    @property
    def zone(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def is_scheduled(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @property
    def is_visible(self):
        """Would readers see it: the rule of `Story.objects.published()`, for one row."""
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def has_live_coverage(self):
        """Live now, or was: its page shows a stream of updates."""
        return bool(self.is_live or self.live_started_at)

    @property
    def ordered_authors(self):
        """Authors in byline order; uses the `bylines` prefetch of `for_listing()`."""
        return [byline.author for byline in self.bylines.all()]


# Statuses in which a story has been in front of readers: its address is then fixed.
PUBLIC_STATUSES = frozenset({Story.Status.PUBLISHED, Story.Status.WITHDRAWN})


class Byline(models.Model):
    """An author on a story, in the order the byline names them."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(
        Author, verbose_name=_("author"), on_delete=models.PROTECT, related_name="bylines"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("byline")
        verbose_name_plural = _("byline")
        constraints = [
            models.UniqueConstraint(fields=["story", "author"], name="unique_author_per_story")
        ]

    def __str__(self):
        return str(self.author)


class LiveUpdateQuerySet(models.QuerySet):
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

    def changed_since(self, at, after_id=0):
        """Rows changed after (`at`, `after_id`), up to now: what the polling endpoint sends.

        `changed_at` is never earlier than `published_at`, so a scheduled update reaches open
        pages on its minute, and a change that is not due yet stays invisible.
        """
        return self.filter(changed_at__lte=timezone.now()).filter(
            Q(changed_at__gt=at) | Q(changed_at=at, id__gt=after_id)
        )


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
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True, editable=False)
    # The polling cursor: bumped by every save, never before publication time.
    changed_at = models.DateTimeField(editable=False, db_index=True, default=timezone.now)

    history = HistoricalRecords(excluded_fields=["body_html", "changed_at"])
    objects = LiveUpdateQuerySet.as_manager()

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

    def save(self, *args, **kwargs):
        now = timezone.now()
        loaded = getattr(self, "_loaded_content", None)
        edited = loaded is not None and loaded != (self.title, self.body)
        if edited and self.published_at and self.published_at <= now:
            self.edited_at = now
        self.body_html = render_markdown(self.body)
        self.changed_at = max(now, self.published_at or now)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                "body_html",
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
