"""The editors' interface: the workflow of stories, their bylines, live updates and corrections."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Subquery
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from markdownx.admin import MarkdownxModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from articles import publishing
from articles.forms import VersionCheckedForm
from articles.models import Author, Byline, Correction, LiveUpdate, Section, Story
from articles.views import story_preview_context

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
    autocomplete_fields = ["user"]


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


class LiveUpdateAdminForm(VersionCheckedForm):
    class Meta:
        model = LiveUpdate
        fields = "__all__"


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
        user = self.user
        if user is None:
            return cleaned
        status = cleaned.get("status")
        was = self.initial.get("status") if self.instance.pk else Story.Status.DRAFT
        out_states = {Story.Status.PUBLISHED, Story.Status.WITHDRAWN}
        changes_publication = (status in out_states or was in out_states) and status != was
        if changes_publication and not publishing.can_publish(user):
            self.add_error("status", _("Only an editor can publish or withdraw a story."))
        if status == Story.Status.PUBLISHED and not cleaned.get("published_at"):
            cleaned["published_at"] = timezone.now()
            self.instance.published_at = cleaned["published_at"]
        live_fields = ("is_live", "live_started_at", "live_ended_at")
        if any(f in self.changed_data for f in live_fields) and not publishing.can_run_live(user):
            self.add_error("is_live", _("You may not start or end live coverage."))
        return cleaned


class CreatorStampMixin:
    """Stamps who created a row: the admin is one of the places stories and updates are made."""

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Story)
class StoryAdmin(CreatorStampMixin, SimpleHistoryAdmin, MarkdownxModelAdmin):
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
    readonly_fields = ["preview_link", "created_by", "updated_at"]
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
        form.user = request.user
        if not publishing.can_publish(request.user) and "status" in form.base_fields:
            form.base_fields["status"].choices = [
                choice
                for choice in form.base_fields["status"].choices
                if choice[0] in (Story.Status.DRAFT, Story.Status.IN_REVIEW)
                or (obj is not None and choice[0] == obj.status)
            ]
        return form

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or publishing.can_publish(request.user):
            return True
        # Reporters edit their own drafts only.
        return obj.created_by_id == request.user.pk and obj.status == Story.Status.DRAFT

    def has_publish_permission(self, request):
        return publishing.can_publish(request.user)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            if isinstance(obj, LiveUpdate):
                publishing.delete_update(update=obj, by=request.user)
            else:
                obj.delete()
        for obj in instances:
            if isinstance(obj, Correction) and obj.by_id is None:
                obj.by = request.user
            if isinstance(obj, LiveUpdate) and obj.pk is None:
                obj.created_by = request.user
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
        url = reverse("admin:articles_story_preview", args=[obj.pk])
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
        for story in queryset:
            publishing.publish(story=story, by=request.user)
        self.message_user(request, _("%(n)d stories published.") % {"n": len(queryset)})

    @admin.action(description=_("Withdraw"), permissions=["publish"])
    def withdraw_stories(self, request, queryset):
        for story in queryset:
            publishing.withdraw(story=story, by=request.user)
        self.message_user(
            request, _("%(n)d stories withdrawn.") % {"n": len(queryset)}, messages.WARNING
        )

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [
            path("<int:pk>/preview/", preview, name="articles_story_preview"),
        ] + super().get_urls()

    def preview_view(self, request, pk):
        story = get_object_or_404(Story.objects.for_listing(), pk=pk)
        if not self.has_view_or_change_permission(request, story):
            raise PermissionDenied
        response = TemplateResponse(
            request, "articles/story_detail.html", story_preview_context(request, story)
        )
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Cache-Control"] = "private, no-store"
        return response


@admin.register(LiveUpdate)
class LiveUpdateAdmin(CreatorStampMixin, SimpleHistoryAdmin, MarkdownxModelAdmin):
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

    def delete_model(self, request, obj):
        publishing.delete_update(update=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for update in queryset:
            publishing.delete_update(update=update, by=request.user)

    @admin.action(description=_("Restore deleted updates"), permissions=["delete"])
    def restore(self, request, queryset):
        for update in queryset:
            publishing.restore_update(update=update, by=request.user)


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ["note", "story", "update", "corrected_at", "by"]
    list_select_related = ["story", "update", "by"]
    search_fields = ["note"]
    raw_id_fields = ["story", "update"]
    readonly_fields = ["by"]

    def save_model(self, request, obj, form, change):
        publishing.save_correction(correction=obj, by=request.user)

    def delete_model(self, request, obj):
        publishing.delete_correction(correction=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for correction in queryset:
            publishing.delete_correction(correction=correction, by=request.user)
