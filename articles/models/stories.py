"""Sections, authors, stories and their bylines."""

import zoneinfo

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from markdownx.models import MarkdownxField

from articles.models.base import (
    ChangedOnlyHistory,
    CleanTextModel,
    TrashModel,
    TrashQuerySet,
    VersionedModel,
    markdown_alt_errors,
    time_zone_choices,
    validate_plausible_time,
    validate_time_zone,
)
from articles.models.images import Image
from articles.rendering import MAX_MARKDOWN_LENGTH, excerpt, plain_text, render_markdown

# What search engines and networks show before they cut a title or a description (Google's
# results page ~60 characters of a title; Facebook and X cards ~70 of a title and ~200 of a
# description). The fields allow a little more: the admin counts against these.
SEARCH_TITLE_SHOWN = 60
SOCIAL_TITLE_SHOWN = 70
SOCIAL_DESCRIPTION_SHOWN = 200
DESCRIPTION_WORDS = 40


class Section(CleanTextModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Sections are listed in this order in the menu.")
    )
    # `name` is in the newsroom's language; a story in another language names its section in
    # that language when one is given here ({"en": "Technology"}).
    names = models.JSONField(_("names in other languages"), default=dict, blank=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        known = {code for code, _name in settings.LANGUAGES}
        if not isinstance(self.names, dict) or any(
            code not in known or not isinstance(name, str) for code, name in self.names.items()
        ):
            raise ValidationError({"names": _("Give a name per language of the newsroom.")})
        self.names = {code: " ".join(name.split()) for code, name in self.names.items() if name}

    def name_in(self, language):
        """The section's name in `language`: its own name there, else its name."""
        return self.names.get(language) or self.name if isinstance(self.names, dict) else self.name

    @property
    def localized_name(self):
        """Its name in the active language (a story's page is rendered in the story's)."""
        return self.name_in(translation.get_language())

    def get_absolute_url(self):
        return reverse("articles:section", args=[self.slug])


def public_name(user):
    """How a staff member is named to others: their byline name, else their account's full
    name; never a login name. "" when neither is known (or no user)."""
    if user is None:
        return ""
    author = getattr(user, "author", None)
    return author.name if author is not None else user.get_full_name()


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


class StoryQuerySet(TrashQuerySet):
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

    def covered(self):
        """Published, with live coverage now or before: the stories whose updates are public."""
        return self.published().filter(Q(is_live=True) | Q(live_started_at__isnull=False))

    def with_featured_image(self):
        """The featured image and its renditions, in two queries whatever the page shows."""
        return self.select_related("featured_image").prefetch_related("featured_image__renditions")

    def for_listing(self):
        """The joins a story card needs, so a list costs the same whatever its length."""
        return self.select_related("section").prefetch_related(
            models.Prefetch(
                "bylines", queryset=Byline.objects.select_related("author").order_by("position")
            )
        )


class AllStoriesManager(models.Manager.from_queryset(StoryQuerySet)):
    """Every story, the trash's included (the trash's own pages, restore, emptying)."""

    def get_queryset(self):
        # The search vector belongs to the database (a trigger writes it): never loaded, so
        # never sent back by a save, and a story page does not carry its index entry around.
        return super().get_queryset().defer("search_vector")


class StoryManager(AllStoriesManager):
    """The default: a story in the trash does not exist for any page, feed, list or form."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class Story(TrashModel, CleanTextModel, VersionedModel):
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
    # The body as readers read it, for search (its index and its excerpts).
    body_text = models.TextField(editable=False, blank=True)
    search_title = models.CharField(
        _("search title"),
        max_length=80,
        blank=True,
        help_text=_(
            "Optional: the title search engines show, when it should differ from the headline."
        ),
    )
    social_title = models.CharField(
        _("social title"),
        max_length=100,
        blank=True,
        help_text=_("Optional: the title of the card a shared link shows on social networks."),
    )
    social_description = models.CharField(
        _("social description"),
        max_length=300,
        blank=True,
        help_text=_("Optional: the text of that card; the standfirst otherwise."),
    )
    # Kept current by the database itself (migration 0008's trigger, on PostgreSQL), whatever
    # writes the row: a save, an update(), a bulk load. SQLite searches an FTS5 table instead.
    search_vector = SearchVectorField(null=True, editable=False)
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
    featured_image = models.ForeignKey(
        Image,
        verbose_name=_("featured image"),
        null=True,
        blank=True,
        # An image a story shows cannot be deleted from under it.
        on_delete=models.PROTECT,
        related_name="featured_in",
        # Shown on its own, it needs its alt text and how it was made (Image.objects.described).
        limit_choices_to=~Q(alt_text="") & ~Q(digital_source_type=""),
        help_text=_(
            "Shown at the top of the story and on social networks' cards. Only images with "
            "their alt text and source type filled in can be chosen."
        ),
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

    history = ChangedOnlyHistory(
        excluded_fields=["body_html", "summary_html", "body_text", "search_vector"]
    )
    objects = StoryManager()
    all_objects = AllStoriesManager()

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
        self.body_text = plain_text(self.body_html)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                "body_html",
                "summary_html",
                "body_text",
            }
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:story", args=[self.slug])

    def clean(self):
        if errors := markdown_alt_errors(self, ["body", "summary"]):
            raise ValidationError(errors)
        if self.pk:
            stored = Story.objects.filter(pk=self.pk).values("slug", "status").first()
            was_out = stored and stored["status"] in PUBLIC_STATUSES
            if was_out and stored["slug"] != self.slug:
                raise ValidationError(
                    {"slug": _("The address of a story that has been published cannot change.")}
                )

    @property
    def description(self):
        """Plain text for a meta description or a card: the standfirst, else the body's start."""
        return self.standfirst or excerpt(self.body_html, DESCRIPTION_WORDS)

    @property
    def card_title(self):
        return self.social_title or self.headline

    @property
    def card_description(self):
        return self.social_description or self.description

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
            self.deleted_at is None
            and self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def has_live_coverage(self):
        """Live now, or was: its page shows a stream of updates."""
        return bool(self.is_live or self.live_started_at)

    @property
    def coverage_spans_days(self):
        """Coverage over more than one calendar day of the story's zone: its times then need
        their dates (a key event at 07:45 is ambiguous across a three-day story)."""
        if not self.live_started_at:
            return False
        zone = zoneinfo.ZoneInfo(self.time_zone)
        end = self.live_ended_at or timezone.now()
        return self.live_started_at.astimezone(zone).date() != end.astimezone(zone).date()

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


class PreviewLinkQuerySet(models.QuerySet):
    def usable(self):
        """Not revoked and not expired: the links that still open their story's preview."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class PreviewLink(models.Model):
    """A draft's preview shared with someone outside the newsroom (a source checking a quote,
    a lawyer): the address carries a signed token naming this row, so the link expires on
    its own (`expires_at`, also bounded by the signature's age) and is revoked by its row."""

    story = models.ForeignKey(
        Story, verbose_name=_("story"), on_delete=models.CASCADE, related_name="preview_links"
    )
    note = models.CharField(
        _("for whom"),
        max_length=200,
        blank=True,
        help_text=_("Who the link was sent to, for the record."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = PreviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("preview link")
        verbose_name_plural = _("preview links")

    def __str__(self):
        return self.note or f"#{self.pk}"

    @property
    def is_usable(self):
        return self.revoked_at is None and self.expires_at > timezone.now()
