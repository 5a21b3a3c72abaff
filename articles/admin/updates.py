"""Live updates and corrections in the admin: the desk's rules hold here too."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, Subquery
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from articles import permissions, publishing
from articles.admin.mixins import EditorialAdmin, NewsroomAdmin, UserFormMixin
from articles.admin.trash import TrashAdminMixin
from articles.forms import (
    CONFIRM_TIME,
    CorrectionForm,
    UpdateTimeMixin,
    VersionCheckedForm,
)
from articles.models import Correction, LiveUpdate


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
        visible = super().get_queryset(request).active()
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


@admin.register(LiveUpdate)
class LiveUpdateAdmin(TrashAdminMixin, EditorialAdmin):
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


class CorrectionAdminForm(CorrectionForm):
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
class CorrectionAdmin(UserFormMixin, NewsroomAdmin):
    form = CorrectionAdminForm
    list_display = ["note", "story", "update", "corrected_at", "by"]
    list_select_related = ["story", "update", "by"]
    search_fields = ["note"]
    raw_id_fields = ["story", "update"]
    readonly_fields = ["by"]

    def get_queryset(self, request):
        # A correction of a story in the trash (or of one of its updates) goes with it, and
        # comes back when the story is restored.
        return (
            super()
            .get_queryset(request)
            .filter(
                Q(story__isnull=True) | Q(story__deleted_at__isnull=True),
                Q(update__isnull=True) | Q(update__story__deleted_at__isnull=True),
            )
        )

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
