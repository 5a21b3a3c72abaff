"""The forms shared by the admin and the desk, asked directly: the version a form was opened with,
an update's time (never prefilled, checked for plausibility, confirmed when odd), and model or
publishing errors placed on the right field."""

from datetime import timedelta

import pytest
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from articles.forms import (
    LiveUpdateEditForm,
    LiveUpdateForm,
    VersionCheckedForm,
    add_validation_error,
)
from articles.models import LiveUpdate, Story
from tests import factories

pytestmark = pytest.mark.django_db


class HeadlineForm(VersionCheckedForm):
    class Meta:
        model = Story
        fields = ["headline"]


def typed(value):
    """A time as the desk's datetime-local box sends it, on the current zone's wall clock."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


# --- The version a form was opened with ------------------------------------------------------


def test_a_form_opened_on_a_story_carries_its_version():
    story = factories.story()
    assert HeadlineForm(instance=story)["expected_version"].value() == story.version


def test_a_save_from_the_version_still_stored_is_valid_and_names_it():
    story = factories.story()
    form = HeadlineForm({"headline": "Mine", "expected_version": story.version}, instance=story)
    assert form.is_valid(), form.errors
    assert form.opened_version == story.version


def test_a_form_opened_before_someone_elses_save_is_stale():
    story = factories.story()
    opened = story.version
    Story.objects.get(pk=story.pk).save()  # someone else's save
    form = HeadlineForm({"headline": "Mine", "expected_version": opened}, instance=story)
    assert not form.is_valid()
    assert form.has_error(NON_FIELD_ERRORS, code="stale")


@pytest.mark.parametrize("sent", [{}, {"expected_version": ""}], ids=["absent", "empty"])
def test_a_form_without_the_version_it_was_opened_with_is_stale(sent):
    story = factories.story()
    form = HeadlineForm({"headline": "Blind", **sent}, instance=story)
    assert not form.is_valid()
    assert form.has_error(NON_FIELD_ERRORS, code="stale")


def test_a_new_row_has_no_version_to_check():
    form = HeadlineForm({"headline": "New", "expected_version": "7"})
    assert form.is_valid(), form.errors
    assert form.opened_version is None


# --- An update's time ------------------------------------------------------------------------


def test_a_new_update_form_is_not_prefilled_with_the_time_it_was_opened():
    form = LiveUpdateForm(story=factories.live_story())
    assert form["published_at"].value() is None
    assert not form.fields["published_at"].required


def test_an_edit_form_shows_the_updates_own_time():
    update = factories.update(factories.live_story())
    form = LiveUpdateEditForm(instance=update, story=update.story)
    assert f'value="{typed(update.published_at)}"' in str(form["published_at"])


def test_an_empty_time_is_valid_for_a_new_update_and_left_for_posting_to_stamp():
    story = factories.live_story()
    form = LiveUpdateForm({"body": "Texte"}, instance=LiveUpdate(story=story), story=story)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["published_at"] is None


def test_an_emptied_time_on_an_edit_keeps_the_updates_time():
    update = factories.update(factories.live_story())
    data = {"body": "Autre", "published_at": "", "expected_version": update.version}
    form = LiveUpdateEditForm(data, instance=update, story=update.story)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["published_at"] == update.published_at


@pytest.mark.parametrize("year", ["0001", "9999"])
@pytest.mark.parametrize("form_class", [LiveUpdateForm, LiveUpdateEditForm])
def test_a_time_in_year_1_or_9999_is_a_form_error(form_class, year):
    update = factories.update(factories.live_story())
    instance = update if form_class is LiveUpdateEditForm else LiveUpdate(story=update.story)
    data = {
        "body": "Texte",
        "published_at": f"{year}-01-01T00:00",
        "confirm_time": "on",
        "expected_version": update.version,
    }
    form = form_class(data, instance=instance, story=update.story)
    assert not form.is_valid()
    assert "published_at" in form.errors
    assert set(form.errors) == {"published_at"}


def test_a_time_before_the_coverage_began_needs_confirm_time():
    story = factories.live_story(live_started_at=timezone.now() - timedelta(hours=2))
    data = {"body": "Texte", "published_at": typed(story.live_started_at - timedelta(hours=1))}
    refused = LiveUpdateForm(data, instance=LiveUpdate(story=story), story=story)
    assert not refused.is_valid()
    assert refused.has_error("published_at", code="confirm_time")
    confirmed = LiveUpdateForm(
        {**data, "confirm_time": "on"}, instance=LiveUpdate(story=story), story=story
    )
    assert confirmed.is_valid(), confirmed.errors


def test_a_time_during_the_coverage_needs_no_confirmation():
    story = factories.live_story(live_started_at=timezone.now() - timedelta(hours=2))
    data = {"body": "Texte", "published_at": typed(timezone.now() - timedelta(hours=1))}
    form = LiveUpdateForm(data, instance=LiveUpdate(story=story), story=story)
    assert form.is_valid(), form.errors


def test_a_correction_needs_a_public_note():
    update = factories.update(factories.live_story())
    data = {"body": "Kara", "is_correction": "on", "correction_note": "  "}
    data["expected_version"] = update.version
    form = LiveUpdateEditForm(data, instance=update, story=update.story)
    assert not form.is_valid()
    assert set(form.errors) == {"correction_note"}


# --- Errors from the model or from publishing ------------------------------------------------


class TitleForm(forms.Form):
    title = forms.CharField(required=False)


def bound_form():
    form = TitleForm({"title": "T"})
    assert form.is_valid()
    return form


def test_an_error_on_a_field_of_the_form_is_shown_on_that_field():
    form = bound_form()
    add_validation_error(form, ValidationError({"title": ValidationError("Bad", code="bad")}))
    assert form.has_error("title", code="bad")
    assert form.non_field_errors() == []
    assert "title" not in form.cleaned_data


def test_an_error_on_a_field_the_form_lacks_is_shown_above_the_fields():
    form = bound_form()
    add_validation_error(form, ValidationError({"status": ValidationError("No", code="no")}))
    assert form.has_error(NON_FIELD_ERRORS, code="no")
    assert "status" not in form.errors


def test_an_error_without_a_field_is_shown_above_the_fields():
    form = bound_form()
    add_validation_error(form, ValidationError("Stale", code="stale"))
    assert form.has_error(NON_FIELD_ERRORS, code="stale")
    assert not form.has_error("title")


def test_errors_on_several_fields_each_land_in_their_place():
    form = bound_form()
    add_validation_error(form, ValidationError({"title": "Bad", "is_live": "No", "slug": "Taken"}))
    assert form.errors["title"] == ["Bad"]
    assert sorted(form.non_field_errors()) == ["No", "Taken"]
