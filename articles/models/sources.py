"""Sources (the outlets a story cites) and citations (the articles it cites, with their quotes)."""

import contextlib

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.links import (
    display_host,
    matching_site,
    normalise_url,
    site_key,
    validate_public_url,
)
from articles.models.base import (
    ChangedOnlyHistory,
    CleanTextModel,
    KeptManager,
    TrashModel,
    TrashQuerySet,
    validate_plausible_time,
    validate_time_zone,
)
from articles.models.stories import Story

MAX_URL_LENGTH = 2048


class Source(CleanTextModel):
    class Kind(models.TextChoices):
        NEWSPAPER = "newspaper", _("Newspaper or magazine")
        AGENCY = "agency", _("News agency")
        BROADCASTER = "broadcaster", _("Broadcaster")
        BLOG = "blog", _("Blog or newsletter")
        SOCIAL = "social", _("Social network")
        COMPANY = "company", _("Company")
        OFFICIAL = "official", _("Official body")

    name = models.CharField(_("name"), max_length=150, unique=True)
    slug = models.SlugField(_("slug"), max_length=150, unique=True)
    homepage_url = models.URLField(
        _("homepage"), max_length=MAX_URL_LENGTH, blank=True, validators=[validate_public_url]
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.NEWSPAPER)
    reliability_notes = models.TextField(
        _("notes on reliability"),
        blank=True,
        max_length=5000,
        help_text=_("For the newsroom: corrections it has published, who owns it, its record."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self):
        return self.name

    @classmethod
    def proposed_for(cls, url):
        """The source whose homepage the URL's host belongs to, or None: what pasting an
        article's address proposes."""
        host = site_key(url)
        if not host:
            return None
        sites = cls.sites()
        found = matching_site(host, sites)
        return sites[found] if found else None

    @classmethod
    def sites(cls):
        """{site key: source} for every source with a homepage (the first source wins a site
        two share): the one map the server's proposal and the browser's are made from."""
        sites = {}
        for source in cls.objects.exclude(homepage_url="").only("pk", "name", "homepage_url"):
            if site := site_key(source.homepage_url):
                sites.setdefault(site, source)
        return sites

    def save(self, *args, **kwargs):
        if self.homepage_url:
            self.homepage_url = normalise_url(self.homepage_url)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:source", args=[self.slug])


class Citation(TrashModel, CleanTextModel):
    """An article a story cites: where it was published, what it says, and the copy we keep."""

    class Capture(models.TextChoices):
        NONE = "none", _("Not archived")
        PENDING = "pending", _("Archiving")
        DONE = "done", _("Archived")
        FAILED = "failed", _("Archiving failed")

    story = models.ForeignKey(
        Story, verbose_name=_("story"), on_delete=models.CASCADE, related_name="citations"
    )
    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="citations"
    )
    url = models.URLField(
        _("address"),
        max_length=MAX_URL_LENGTH,
        validators=[validate_public_url],
        help_text=_("The cited article. Tracking parameters and fragments are removed."),
    )
    title = models.CharField(_("title"), max_length=300)
    author = models.CharField(_("author"), max_length=200, blank=True)
    published_at = models.DateTimeField(
        _("published"), null=True, blank=True, validators=[validate_plausible_time]
    )
    time_zone = models.CharField(
        _("source's time zone"),
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_("The zone the source reported its time in, e.g. America/New_York."),
    )
    accessed_at = models.DateTimeField(_("accessed"), default=timezone.now)
    quote = models.TextField(
        _("quoted extract"),
        blank=True,
        max_length=5000,
        help_text=_("The passage the story quotes, as the source wrote it."),
    )
    via = models.ForeignKey(
        "self",
        verbose_name=_("via"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="relays",
        help_text=_("The citation of this story through which the article reached us."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    archived_url = models.URLField(
        _("external archive"),
        max_length=MAX_URL_LENGTH,
        blank=True,
        validators=[validate_public_url],
        help_text=_("A copy kept elsewhere, e.g. by the Wayback Machine."),
    )
    # The local capture (articles/archiving.py, run by the archive_citation task).
    warc_file = models.FileField(_("WARC capture"), upload_to="captures/", blank=True)
    readable_text = models.TextField(_("readable text"), blank=True, editable=False)
    http_status = models.PositiveSmallIntegerField(
        _("HTTP status"), null=True, blank=True, editable=False
    )
    captured_title = models.CharField(
        _("captured title"), max_length=300, blank=True, editable=False
    )
    captured_at = models.DateTimeField(_("captured"), null=True, blank=True, editable=False)
    capture_state = models.CharField(
        _("capture"), max_length=10, choices=Capture.choices, default=Capture.NONE, editable=False
    )
    capture_error = models.TextField(_("capture error"), blank=True, editable=False)

    # The page's text as captured is the capture's, not an edit: kept out of the history.
    history = ChangedOnlyHistory(excluded_fields=["readable_text"])
    objects = KeptManager()
    all_objects = TrashQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        constraints = [
            models.UniqueConstraint(fields=["story", "url"], name="one_citation_per_article")
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.url = normalise_url(self.url)
        super().save(*args, **kwargs)

    def clean(self):
        # Normalised before the uniqueness check: two spellings of one article are one citation.
        if self.url:
            with contextlib.suppress(ValueError):  # the field's validator reports it
                self.url = normalise_url(self.url)
        if self.via_id is not None:
            self._check_via()

    def _check_via(self):
        via = Citation.objects.filter(pk=self.via_id).values("story_id").first()
        if via is None or (self.story_id and via["story_id"] != self.story_id):
            raise ValidationError(
                {
                    "via": ValidationError(
                        _("A relay is another citation of the same story."), code="via_story"
                    )
                }
            )
        seen, current = {self.pk}, self.via_id
        for _step in range(100):  # a chain longer than this is itself a mistake
            if current is None:
                return
            if current in seen:
                raise ValidationError(
                    {
                        "via": ValidationError(
                            _("This relay leads back to this citation."), code="via_loop"
                        )
                    }
                )
            seen.add(current)
            current = Citation.objects.filter(pk=current).values_list("via_id", flat=True).first()
        raise ValidationError(
            {"via": ValidationError(_("This chain of relays is too long."), code="via_long")}
        )

    @property
    def has_archived_copy(self):
        """A local copy readers can open: captured, with text to show."""
        return self.capture_state == self.Capture.DONE and bool(self.readable_text)

    def get_archive_url(self):
        return reverse("articles:citation_archive", args=[self.story.slug, self.pk])

    @property
    def host(self):
        """The host as readers see it (punycode when its scripts are mixed)."""
        return display_host(self.url)
