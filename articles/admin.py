"""The editors' interface: the workflow of stories, their bylines, live updates and corrections."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Subquery
from django.forms.models import model_to_dict
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from markdownx.admin import MarkdownxModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from articles import permissions, publishing
from articles.forms import (
    CONFIRM_TIME,
    STALE_MESSAGE,
    UpdateTimeMixin,
    VersionCheckedForm,
)
from articles.models import Author, Byline, Correction, LiveUpdate, Section, StaleEditError, Story

admin.site.site_header = _("Newsroom")
admin.site.site_title = _("Newsroom")
admin.site.index_title = _("Editorial desk")


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "user"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "bio"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Bylines link to newsroom accounts: a list of active staff, which an editor may pick
        # from without the right to browse user accounts (an autocomplete would need it).
        if db_field.name == "user":
            kwargs["queryset"] = (
                get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not str(version_id).isdigit():
            raise Http404
        stored = self.get_object(request, unquote(object_id))
        if stored is None:
            raise Http404
        if not self.has_view_or_change_permission(request, stored):
            raise PermissionDenied
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


class BylineInline(admin.TabularInline):
    model = Byline
    extra = 1
    autocomplete_fields = ["author"]
    verbose_name = _("author")
    verbose_name_plural = _("byline (in order)")

    # The byline is part of the story, as an M2M row would be: whoever may edit the story may
    # edit its byline (a reporter names the authors of their own draft), whatever the rights on
    # the Byline model itself.
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


class CorrectionInline(admin.StackedInline):
    model = Correction
    fk_name = "story"
    extra = 0
    fields = ["note", "corrected_at", "by"]
    readonly_fields = ["by"]

    # A correction of the story itself is an editor's (permissions.can_correct).
    def _may_correct(self, request, obj):
        return obj is not None and permissions.can_correct(request.user, story=obj)

    def has_add_permission(self, request, obj):
        return super().has_add_permission(request, obj) and self._may_correct(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_correct(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_correct(request, obj)


class LiveUpdateAdminForm(UpdateTimeMixin, VersionCheckedForm):
    confirm_time = CONFIRM_TIME

    class Meta:
        model = LiveUpdate
        fields = "__all__"

    user = None  # set per request by UserFormMixin

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_time()
        if "published_at" in self.fields:
            self.fields["published_at"].help_text = _(
                "Leave empty to publish at the time of saving. A time in the future schedules it."
            )

    def clean(self):
        cleaned = super().clean()
        story = cleaned.get("story") or getattr(self.instance, "story", None)
        new = self.instance.pk is None and story is not None and self.user is not None
        if new and not permissions.can_post_update(self.user, story):
            self.add_error(
                "story" if "story" in self.fields else None,
                _("Updates are posted to a published story while its coverage is live."),
            )
        if self.instance.pk is None or "published_at" in self.changed_data:
            self.check_time(story, cleaned)
        return cleaned


INLINE_UPDATES = 20


class LiveUpdateInline(admin.StackedInline):
    model = LiveUpdate
    form = LiveUpdateAdminForm
    extra = 0
    fields = [
        "title",
        "body",
        "published_at",
        "author",
        "is_key_event",
        "is_pinned",
        "status",
        "expected_version",
    ]
    show_change_link = True
    ordering = ["-published_at", "-id"]

    verbose_name_plural = format_lazy(_("live updates (the latest {n})"), n=INLINE_UPDATES)

    def get_queryset(self, request):
        # A live story can hold thousands of updates: the story's page shows the latest ones,
        # the live update list (filtered by story) has them all.
        visible = super().get_queryset(request).filter(deleted_at__isnull=True)
        latest = visible.order_by("-published_at", "-id").values("pk")[:INLINE_UPDATES]
        return visible.filter(pk__in=Subquery(latest))

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.user = request.user
        return formset

    def has_add_permission(self, request, obj):
        # Only to a story whose coverage takes updates (permissions.can_post_update).
        return obj is not None and permissions.can_post_update(request.user, obj)

    def has_change_permission(self, request, obj=None):
        # Existing updates are edited on the desk or on their own admin page (the change link),
        # each with its own version check. Editable here, every update would travel with the
        # story's form, and any desk edit or pin during coverage would make an editor's
        # unrelated save of the story stale. Updates can still be added and deleted here.
        return False


class StoryAdminForm(VersionCheckedForm):
    class Meta:
        model = Story
        fields = "__all__"

    user = None  # set per request by StoryAdmin.get_form

    def clean(self):
        cleaned = super().clean()
        if self.user is None:
            return cleaned
        # The rules of publishing, on the stored row (never on what the page was opened with,
        # nor on a historical copy being reverted to).
        stored = Story.objects.filter(pk=self.instance.pk).first() if self.instance.pk else None
        errors = publishing.story_state_errors(
            stored=stored,
            by=self.user,
            status=cleaned.get("status", stored.status if stored else Story.Status.DRAFT),
            published_at=cleaned.get("published_at"),
            is_live=cleaned.get("is_live", stored.is_live if stored else False),
        )
        for field, message in errors.items():
            self.add_error(field if field in self.fields else None, message)
        return cleaned


@admin.register(Story)
class StoryAdmin(
    StaleSaveMixin, RevertThroughFormMixin, UserFormMixin, SimpleHistoryAdmin, MarkdownxModelAdmin
):
    form = StoryAdminForm
    list_display = [
        "headline",
        "section",
        "status_label",
        "published_at",
        "is_live",
        "byline",
        "preview_link",
    ]
    list_filter = [
        "status",
        "is_live",
        "section",
        "language",
        ("published_at", admin.DateFieldListFilter),
    ]
    search_fields = ["headline", "standfirst", "body", "slug"]
    prepopulated_fields = {"slug": ["headline"]}
    date_hierarchy = "published_at"
    list_select_related = ["section"]
    readonly_fields = [
        "preview_link",
        "created_by",
        "updated_at",
        "live_started_at",
        "live_ended_at",
    ]
    inlines = [BylineInline, CorrectionInline, LiveUpdateInline]
    actions = ["submit_for_review", "publish_stories", "withdraw_stories"]
    fieldsets = [
        (None, {"fields": ["headline", "slug", "standfirst", "section", "expected_version"]}),
        (_("Text"), {"fields": ["body", "summary"]}),
        (
            _("Publication"),
            {
                "fields": [
                    "status",
                    "published_at",
                    "preview_link",
                    "language",
                    "time_zone",
                    "withdrawal_note",
                    "created_by",
                    "updated_at",
                ]
            },
        ),
        (
            _("Live coverage"),
            {"fields": ["is_live", "live_started_at", "live_ended_at"], "classes": ["collapse"]},
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("bylines__author")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        stored = getattr(request, "revert_target", None) or obj
        if "status" in form.base_fields:
            allowed = permissions.allowed_statuses(request.user, stored)
            form.base_fields["status"].choices = [
                choice for choice in form.base_fields["status"].choices if choice[0] in allowed
            ]
        if "is_live" in form.base_fields and not permissions.can_run_live(request.user):
            form.base_fields["is_live"].disabled = True
        return form

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or permissions.can_edit_story(request.user, obj)

    def has_publish_permission(self, request):
        return permissions.can_publish(request.user)

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        publishing.save_story(story=obj, by=request.user, expected_version=form.opened_version)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            if isinstance(obj, LiveUpdate):
                publishing.delete_update(update=obj, by=request.user)
            elif isinstance(obj, Correction):
                publishing.delete_correction(correction=obj, by=request.user)
            else:
                obj.delete()
        for obj in instances:
            if isinstance(obj, Correction):
                publishing.save_correction(correction=obj, by=request.user)
            elif isinstance(obj, LiveUpdate) and obj.pk is None:
                # The form has checked the time, with its confirmation box.
                publishing.post_new_update(update=obj, by=request.user, confirm_time=True)
            else:
                obj.save()
        formset.save_m2m()

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj):
        if obj.is_scheduled:
            return _("Scheduled")
        return obj.get_status_display()

    @admin.display(description=_("byline"))
    def byline(self, obj):
        return ", ".join(b.author.name for b in obj.bylines.all())

    @admin.display(description=_("preview"))
    def preview_link(self, obj):
        if not obj or not obj.pk:
            return "—"
        if obj.is_visible:
            return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), _("View on site"))
        url = reverse("articles:story_preview", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Preview"))

    @admin.action(description=_("Submit for review"), permissions=["change"])
    def submit_for_review(self, request, queryset):
        # The action is offered to anyone who may change some story; each story is checked,
        # so a reporter cannot send someone else's draft to review.
        done = sum(
            publishing.submit_for_review(story=s, by=request.user)
            for s in queryset
            if self.has_change_permission(request, s)
        )
        self.message_user(request, _("%(n)d stories submitted for review.") % {"n": done})

    @admin.action(description=_("Publish"), permissions=["publish"])
    def publish_stories(self, request, queryset):
        done = sum(publishing.publish(story=story, by=request.user) for story in queryset)
        self.message_user(request, _("%(n)d stories published.") % {"n": done})

    @admin.action(description=_("Withdraw"), permissions=["publish"])
    def withdraw_stories(self, request, queryset):
        done = sum(publishing.withdraw(story=story, by=request.user) for story in queryset)
        self.message_user(request, _("%(n)d stories withdrawn.") % {"n": done}, messages.WARNING)


@admin.register(LiveUpdate)
class LiveUpdateAdmin(
    StaleSaveMixin, RevertThroughFormMixin, UserFormMixin, SimpleHistoryAdmin, MarkdownxModelAdmin
):
    form = LiveUpdateAdminForm
    list_display = [
        "__str__",
        "story",
        "published_at",
        "is_key_event",
        "is_pinned",
        "status",
        "deleted_at",
    ]
    list_filter = [
        "is_key_event",
        "is_pinned",
        "status",
        ("deleted_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["title", "body", "story__headline"]
    list_select_related = ["story"]
    autocomplete_fields = ["story"]
    actions = ["restore"]

    def get_readonly_fields(self, request, obj=None):
        # An update belongs to its story's stream; moving it would break both streams' cursors.
        return ["story"] if obj else []

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or permissions.can_change_update(request.user, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or permissions.can_delete_update(request.user, obj)
        )

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        if change:
            publishing.edit_update(
                update=obj, by=request.user, expected_version=form.opened_version
            )
        else:
            confirmed = form.cleaned_data.get("confirm_time", False)
            publishing.post_new_update(update=obj, by=request.user, confirm_time=confirmed)

    def delete_model(self, request, obj):
        publishing.delete_update(update=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        self._each(request, queryset, publishing.delete_update)

    @admin.action(description=_("Restore deleted updates"), permissions=["delete"])
    def restore(self, request, queryset):
        self._each(request, queryset, publishing.restore_update)

    def _each(self, request, queryset, run):
        refused = 0
        for update in queryset.select_related("story"):
            try:
                run(update=update, by=request.user)
            except PermissionDenied:
                refused += 1
        if refused:
            self.message_user(
                request,
                _("%(n)d updates were left as they were: you may not change them.")
                % {"n": refused},
                messages.WARNING,
            )


class CorrectionAdminForm(forms.ModelForm):
    class Meta:
        model = Correction
        fields = ["story", "update", "note", "corrected_at"]

    user = None  # set per request by UserFormMixin

    def clean(self):
        cleaned = super().clean()
        if self.user is not None:
            error = publishing.correction_error(
                by=self.user,
                story=cleaned.get("story"),
                update=cleaned.get("update"),
                previous=self.instance if self.instance.pk else None,
            )
            if error:
                self.add_error(None, error)
        return cleaned


@admin.register(Correction)
class CorrectionAdmin(UserFormMixin, admin.ModelAdmin):
    form = CorrectionAdminForm
    list_display = ["note", "story", "update", "corrected_at", "by"]
    list_select_related = ["story", "update", "by"]
    search_fields = ["note"]
    raw_id_fields = ["story", "update"]
    readonly_fields = ["by"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or permissions.can_change_correction(request.user, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or permissions.can_delete_correction(request.user, obj)
        )

    def save_model(self, request, obj, form, change):
        publishing.save_correction(correction=obj, by=request.user)

    def delete_model(self, request, obj):
        publishing.delete_correction(correction=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for correction in queryset:
            publishing.delete_correction(correction=correction, by=request.user)
