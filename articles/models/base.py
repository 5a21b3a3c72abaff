"""Shared by every model: optimistic locking, clean text, plausible times, time zones."""

import functools
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

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
