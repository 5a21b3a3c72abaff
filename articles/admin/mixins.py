"""What every editorial admin shares: the user in the form, lost races, history revert."""

import re

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, transaction
from django.forms.models import model_to_dict
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from markdownx.admin import MarkdownxModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from articles import freshness, history
from articles.forms import (
    STALE_MESSAGE,
    removals_message,
)
from articles.models import StaleEditError, Story

# The Markdown fields of stories and updates, whose rendering the sanitiser may cut.
MARKDOWN_FIELDS = ("body", "summary")

# ASCII digits: str.isdigit() takes "²" and "①", which the database lookup then refuses.
ID_PATTERN = re.compile(r"[0-9]{1,18}")


class CheckedAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete select, whose redisplay of a refused form looks up only values
    that are ids: the stock widget passes whatever was posted to an `__in` lookup ("abc" is a
    ValueError, 40 nines an OverflowError on SQLite and a DataError on PostgreSQL), and the
    form's answer is a server error instead of "Select a valid choice"."""

    def optgroups(self, name, value, attr=None):
        target = self.field.remote_field.model._meta.pk
        low, high = connections[self.db or "default"].ops.integer_field_range(
            target.get_internal_type()
        )
        valid = []
        for item in value:
            try:
                number = target.to_python(item)
            except ValidationError:
                continue
            if isinstance(number, int) and not (
                (low is None or number >= low) and (high is None or number <= high)
            ):
                continue
            valid.append(item)
        return super().optgroups(name, valid, attr)


class CheckedAutocompleteMixin:
    """For every admin and inline with autocomplete_fields: the checked widget above."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CheckedSelectionMixin:
    """An action posted with ids that are not ids ("abc", "²", "1;2") changes nothing and says
    so, instead of a server error from the lookup."""

    def response_action(self, request, queryset, **kwargs):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        select_across = request.POST.get("select_across") == "1"
        if not select_across and not all(ID_PATTERN.fullmatch(pk) for pk in selected):
            self.message_user(request, _("No such items: nothing was changed."), messages.WARNING)
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset, **kwargs)


class UserFormMixin:
    """Hands the form the person using it: its checks are the rules for that person."""

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.user = request.user
        return form


class StaleSaveMixin:
    """A save that lost a race shows the form again with its message; nothing typed is lost.

    The form checks the version it was opened with, but two people can pass that check in the
    same few milliseconds; the save's own claim then refuses the second. Showing the form again
    runs the checks once more, and they now report the conflict, with the posted text kept.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (StaleEditError, ValidationError):
            return super().changeform_view(request, object_id, form_url, extra_context)


class RevertThroughFormMixin:
    """History's "revert" is the change form posted with older values, and nothing more.

    django-simple-history checks only view-or-change permission there, on the historical copy
    (its old status, its old author); a reporter could rewrite a published story that way. Here
    the stored row decides, exactly as the change form would: the same permission, the same
    form checks and the same publishing functions, onto the stored row (fields that the form
    does not hold, such as an update's deletion, stay as stored).
    """

    def history_view(self, request, object_id, extra_context=None):
        if not ID_PATTERN.fullmatch(unquote(object_id)):
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "<path:object_id>/history/<str:version_id>/diff/",
                self.admin_site.admin_view(self.history_diff_view),
                name="{}_{}_history_diff".format(*info),
            ),
            *super().get_urls(),
        ]

    def _history_object(self, request, object_id, version_id):
        """The row whose version is asked for, which the user may see: else 404 or 403."""
        if not (ID_PATTERN.fullmatch(unquote(object_id)) and ID_PATTERN.fullmatch(version_id)):
            raise Http404
        stored = self.get_object(request, unquote(object_id))
        if stored is None:
            raise Http404
        if not self.has_view_or_change_permission(request, stored):
            raise PermissionDenied
        return stored

    def history_diff_view(self, request, object_id, version_id):
        """One version beside the one before it: what changed, word by word in the texts,
        who and when (in the newsroom's zone), and the way to restore it."""
        stored = self._history_object(request, object_id, version_id)
        records = self.model.history.filter(**{self.model._meta.pk.attname: stored.pk})
        record = records.filter(history_id=version_id).first()
        if record is None:
            raise Http404
        previous = (
            records.filter(history_date__lte=record.history_date, history_id__lt=record.pk)
            .order_by("-history_date", "-history_id")
            .first()
        )
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "object": stored,
            "record": record,
            "previous": previous,
            "changes": history.changes(self.model, previous, record),
            "may_restore": self.has_change_permission(request, stored)
            and not self.revert_disabled(request, stored),
            "title": _("What changed in %(object)s") % {"object": stored},
        }
        return TemplateResponse(request, "admin/articles/history_diff.html", context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        stored = self._history_object(request, object_id, version_id)
        if request.method == "POST" and not self.has_change_permission(request, stored):
            raise PermissionDenied
        request.revert_target = stored
        try:
            with transaction.atomic():
                return super().history_form_view(request, object_id, version_id, extra_context)
        except (StaleEditError, ValidationError):
            self.message_user(request, STALE_MESSAGE, messages.ERROR)
            return HttpResponseRedirect(request.path)

    def revert_disabled(self, request, obj=None):
        stored = getattr(request, "revert_target", None) or obj
        return super().revert_disabled(request, obj) or not self.has_change_permission(
            request, stored
        )

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)
        stored = getattr(request, "revert_target", None)
        if stored is None or obj is None or obj is stored:
            return form_class
        old_values = model_to_dict(obj, form_class._meta.fields, form_class._meta.exclude)

        class RevertForm(form_class):
            # Shows the historical values; binds, checks and saves the stored row.
            def __init__(self, *args, instance=None, initial=None, **kwargs):
                super().__init__(
                    *args, instance=stored, initial={**old_values, **(initial or {})}, **kwargs
                )

        return RevertForm


class EditorialAdmin(
    CheckedAutocompleteMixin,
    CheckedSelectionMixin,
    StaleSaveMixin,
    RevertThroughFormMixin,
    UserFormMixin,
    SimpleHistoryAdmin,
    MarkdownxModelAdmin,
):
    """The admin of a model with history and Markdown: stories and live updates."""

    class Media:
        # Leaving the form with text not saved asks first.
        js = ["js/admin/unsaved.js"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The texts just saved, the form's own and its inlines' (a story's updates): tell the
        # editor what the sanitiser dropped from them.
        texts = [form.cleaned_data.get(name) for name in MARKDOWN_FIELDS]
        for formset in formsets:
            for inline in formset.forms:
                if inline.has_changed() and hasattr(inline, "cleaned_data"):
                    texts.extend(inline.cleaned_data.get(name) for name in MARKDOWN_FIELDS)
        if message := removals_message(*(text for text in texts if text)):
            self.message_user(request, message, messages.WARNING)


class HistoryAdmin(RevertThroughFormMixin, SimpleHistoryAdmin):
    """History, its differences and restore (through the change form) for a model without
    Markdown: citations, social posts, images."""


class NewsroomAdmin(CheckedAutocompleteMixin, CheckedSelectionMixin, admin.ModelAdmin):
    """The admin of the other models: sections, authors, corrections."""


# New rows an inline accepts in one save beyond those it has. Django's own ceiling is 1,000 over
# max_num (2,000 forms by default): a post claiming 2,000 citation forms had the refused page
# render them all, each with its 600-zone select, for half a minute of a server process
# (found by tests/test_hostile.py). Fifty new citations or corrections in one save is plenty.
INLINE_NEW_ROWS_MAX = 50


class BoundedInlineMixin:
    """An inline takes at most INLINE_NEW_ROWS_MAX forms beyond its rows; a post claiming
    more gets Django's "Please submit at most N forms" instead of rendering them all."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        existing = 0
        if obj is not None and obj.pk:
            existing = formset.model._default_manager.filter(**{formset.fk.name: obj}).count()
        formset.absolute_max = existing + INLINE_NEW_ROWS_MAX
        formset.max_num = min(formset.max_num, formset.absolute_max)
        return formset


class PartOfTheStoryInline(BoundedInlineMixin, CheckedAutocompleteMixin):
    """Rows that are part of the story, as an M2M row would be (its byline, its citations):
    whoever may edit the story may edit them (a reporter on their own draft), whatever the
    rights on the row's model itself."""

    def _story_admin(self):
        return self.admin_site.get_model_admin(Story)

    def _may_edit_story(self, request, obj):
        story_admin = self._story_admin()
        if obj is None:
            return story_admin.has_add_permission(request) or story_admin.has_change_permission(
                request
            )
        return story_admin.has_change_permission(request, obj)

    def has_view_permission(self, request, obj=None):
        return self._story_admin().has_view_or_change_permission(request, obj)

    def has_add_permission(self, request, obj):
        return self._may_edit_story(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_edit_story(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit_story(request, obj)


class FreshPagesMixin:
    """Rows shown on story pages that the admin saves or deletes itself (a section's name, an
    author's, an outlet's, an image's caption): the pages showing them get new freshness
    generations (articles.freshness), explicitly, in the save's transaction.

    `pages_showing(obj)` gives the ids of the stories whose pages print the row."""

    def pages_showing(self, obj):
        raise NotImplementedError

    def _bump(self, objs):
        ids = set()
        for obj in objs:
            ids |= set(self.pages_showing(obj))
        # An author's name is printed in the stored fragments of the updates they signed.
        freshness.bump_stories(story_ids=ids, lists=True, fragments=True)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._bump([obj])

    def delete_model(self, request, obj):
        self._bump([obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        self._bump(list(queryset))
        super().delete_queryset(request, queryset)
