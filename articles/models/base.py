"""Shared by every model: optimistic locking, clean text, plausible times, time zones."""

import functools
import zoneinfo

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.db.models import F
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from articles.rendering import images_without_alt, render_markdown, without_control_characters


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
                # The base manager: a row in the trash is still claimed (restoring it must move
                # every cache keyed on its version).
                row = type(self)._base_manager.filter(pk=self.pk)
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

    def save(self, *args, **kwargs):
        for field in self._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                value = getattr(self, field.attname)
                cleaned = without_control_characters(value)
                if cleaned != value:
                    setattr(self, field.attname, cleaned)
        super().save(*args, **kwargs)

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


# Fields that move on every save without saying anything about the content: a save that changes
# only these records no history (simple-history would record every save).
UNRECORDED_CHANGES = frozenset(
    {"version", "updated_at", "changed_at", "edited_at", "checked_at", "last_seen_at"}
)


def _comparable(value):
    return value.name if isinstance(value, FieldFile) else value


class ChangedOnlyHistory(HistoricalRecords):
    """django-simple-history, less the records of saves that change nothing.

    Each record says who changed what and when; a save from a form submitted unchanged, a
    cache-touching `save(update_fields=["updated_at"])` or a capture that found the same text
    would otherwise bury the real changes in identical rows. The comparison is with the
    latest record (one indexed query per save), field by field.
    """

    def create_historical_record(self, instance, history_type, using=None):
        if history_type == "~":
            names = [
                field.attname
                for field in self.fields_included(instance)
                if field.attname not in UNRECORDED_CHANGES
            ]
            last = getattr(instance, self.manager_name).values(*names).first()
            if last is not None and all(
                last[name] == _comparable(getattr(instance, name)) for name in names
            ):
                return
        super().create_historical_record(instance, history_type, using=using)


class TrashQuerySet(models.QuerySet):
    def trashed(self):
        return self.filter(deleted_at__isnull=False)


class KeptManager(models.Manager.from_queryset(TrashQuerySet)):
    """The default manager of a model with a trash: rows in the trash do not exist for it.

    Being the default, it is what every queryset starts from (readers' pages, feeds, search,
    sitemaps, the API, related managers such as `story.citations`, the admin's lists and
    forms), so none of them has to remember the trash. `all_objects` sees everything.
    """

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class TrashModel(models.Model):
    """A row deleted by an editor goes to the trash, from which it can be restored.

    Only `articles.publishing` moves rows in and out of the trash (and empties it): readers'
    pages and caches must follow. The uniqueness checks look into the trash too, so a new row
    can never take a trashed one's slug or address and make its restore impossible.
    """

    deleted_at = models.DateTimeField(
        _("moved to the trash"), null=True, blank=True, editable=False
    )
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moved to the trash by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def is_trashed(self):
        return self.deleted_at is not None

    def _perform_unique_checks(self, unique_checks):
        errors = super()._perform_unique_checks(unique_checks)
        for model_class, unique_check in unique_checks:
            key = unique_check[0] if len(unique_check) == 1 else NON_FIELD_ERRORS
            if key in errors:
                continue
            lookup = {}
            for name in unique_check:
                value = getattr(self, self._meta.get_field(name).attname)
                if value is None or value == "":
                    break
                lookup[name] = value
            else:
                if self._in_trash(model_class, lookup):
                    errors.setdefault(key, []).append(TRASHED_DUPLICATE)
        return errors

    def validate_constraints(self, exclude=None):
        errors = {}
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for constraint in self._meta.constraints:
            fields = getattr(constraint, "fields", ())
            if not isinstance(constraint, models.UniqueConstraint) or constraint.condition:
                continue
            if not fields or set(fields) & set(exclude or ()) or NON_FIELD_ERRORS in errors:
                continue
            lookup = {name: getattr(self, self._meta.get_field(name).attname) for name in fields}
            if None not in lookup.values() and self._in_trash(type(self), lookup):
                errors.setdefault(NON_FIELD_ERRORS, []).append(TRASHED_DUPLICATE)
        if errors:
            raise ValidationError(errors)

    def _in_trash(self, model_class, lookup):
        rows = model_class.all_objects.trashed().filter(**lookup)
        if self.pk is not None:
            rows = rows.exclude(pk=self.pk)
        return rows.exists()


TRASHED_DUPLICATE = ValidationError(
    _(
        "An item in the trash already has this value: restore it from the trash, or ask an "
        "editor to empty it from the trash first."
    ),
    code="unique_in_trash",
)


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


def markdown_alt_errors(instance, field_names):
    """An error for each Markdown field of `instance` showing an image without alt text
    (`![](…)`, as the editor inserts a dropped image): it is written between the brackets."""
    errors = {}
    for name in field_names:
        if images_without_alt(render_markdown(getattr(instance, name))):
            errors[name] = ValidationError(
                _(
                    "Describe each image for readers who cannot see it, between the "
                    "brackets: ![what the image shows](…)."
                ),
                code="image_without_alt",
            )
    return errors
