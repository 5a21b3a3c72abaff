"""Sections, authors and stories: the workflow, bylines, story corrections."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from articles import archiving, freshness, permissions, previews, publishing, times
from articles.admin.mixins import (
    ID_PATTERN,
    BoundedInlineMixin,
    EditorialAdmin,
    FreshPagesMixin,
    NewsroomAdmin,
    PartOfTheStoryInline,
)
from articles.admin.sources import CitationInline
from articles.admin.trash import TrashAdminMixin
from articles.admin.updates import LiveUpdateInline
from articles.forms import (
    CorrectionForm,
    SectionForm,
    VersionCheckedForm,
)
from articles.models import (
    Author,
    Byline,
    Citation,
    Correction,
    LiveUpdate,
    PreviewLink,
    Section,
    Story,
)
from articles.models.stories import (
    SEARCH_TITLE_SHOWN,
    SOCIAL_DESCRIPTION_SHOWN,
    SOCIAL_TITLE_SHOWN,
)


@admin.register(Section)
class SectionAdmin(FreshPagesMixin, NewsroomAdmin):
    form = SectionForm
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]

    def pages_showing(self, obj):
        return Story.objects.filter(section=obj.pk).values_list("pk", flat=True)


@admin.register(Author)
class AuthorAdmin(FreshPagesMixin, NewsroomAdmin):
    list_display = ["name", "slug", "user"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "bio"]

    def pages_showing(self, obj):
        # Bylines, and the updates they signed.
        return {
            *Story.objects.filter(bylines__author=obj.pk).values_list("pk", flat=True),
            *LiveUpdate.objects.filter(author=obj.pk).values_list("story_id", flat=True),
        }

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Bylines link to newsroom accounts: a list of active staff, which an editor may pick
        # from without the right to browse user accounts (an autocomplete would need it).
        if db_field.name == "user":
            kwargs["queryset"] = (
                get_user_model().objects.filter(is_staff=True, is_active=True).order_by("username")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class BylineInline(PartOfTheStoryInline, admin.StackedInline):
    """Stacked, with no empty form shown: a tabular inline's fields have no labels of their
    own, and an empty autocomplete has no accessible name (axe-core, tests/browser/test_axe.py)."""

    model = Byline
    extra = 0
    autocomplete_fields = ["author"]
    verbose_name = _("author")
    verbose_name_plural = _("byline (in order)")


class CorrectionInline(BoundedInlineMixin, admin.StackedInline):
    model = Correction
    form = CorrectionForm
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


class _NotPost(Exception):
    pass


# Fields that search engines and networks cut, with the length they show.
SHOWN_LENGTHS = {
    "search_title": SEARCH_TITLE_SHOWN,
    "social_title": SOCIAL_TITLE_SHOWN,
    "social_description": SOCIAL_DESCRIPTION_SHOWN,
}


class StoryAdminForm(VersionCheckedForm):
    class Meta:
        model = Story
        fields = "__all__"
        widgets = {"social_description": forms.Textarea(attrs={"rows": 3})}

    user = None  # set per request by StoryAdmin.get_form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, shown in SHOWN_LENGTHS.items():
            if name in self.fields:
                self.fields[name].widget.attrs.update(
                    {
                        "data-shown-length": shown,
                        # {n} and {shown} are filled in by static/js/admin/char_count.js.
                        "data-count-label": _("{n} characters; {shown} are shown"),
                        "data-count-over": _("{n} characters: past {shown}, the end is cut"),
                    }
                )

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
class StoryAdmin(TrashAdminMixin, EditorialAdmin):
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
        "shared_previews",
        "created_by",
        "updated_at",
        "live_started_at",
        "live_ended_at",
    ]
    inlines = [BylineInline, CitationInline, CorrectionInline, LiveUpdateInline]
    autocomplete_fields = ["featured_image"]
    actions = ["submit_for_review", "publish_stories", "withdraw_stories"]
    fieldsets = [
        (None, {"fields": ["headline", "slug", "standfirst", "section", "expected_version"]}),
        (_("Text"), {"fields": ["featured_image", "body", "summary"]}),
        (
            _("Publication"),
            {
                "fields": [
                    "status",
                    "published_at",
                    "preview_link",
                    "shared_previews",
                    "language",
                    "time_zone",
                    "withdrawal_note",
                    "created_by",
                    "updated_at",
                ]
            },
        ),
        (
            _("Search and social networks"),
            {
                "fields": ["search_title", "social_title", "social_description"],
                "description": _(
                    "Optional. Empty, the headline and the standfirst are used. The counts "
                    "say how much search engines and networks show."
                ),
            },
        ),
        (
            _("Live coverage"),
            {"fields": ["is_live", "live_started_at", "live_ended_at"], "classes": ["collapse"]},
        ),
    ]

    class Media:
        js = ["js/admin/char_count.js"]

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
            elif isinstance(obj, Citation):
                publishing.trash(obj=obj, by=request.user)
            else:
                obj.delete()  # a byline or a citation: the story's pages change below
                freshness.bump_stories(story_ids=[obj.story_id], lists=True)
        for obj in instances:
            if isinstance(obj, Citation):
                archiving.save(obj)
            elif isinstance(obj, Correction):
                publishing.save_correction(correction=obj, by=request.user)
            elif isinstance(obj, LiveUpdate) and obj.pk is None:
                # The form has checked the time, with its confirmation box.
                publishing.post_new_update(update=obj, by=request.user, confirm_time=True)
            else:
                obj.save()
                freshness.bump_stories(story_ids=[obj.story_id], lists=True)
        formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        story = form.instance
        # Say what happened, not only "changed successfully".
        if story.is_scheduled:
            self.message_user(
                request,
                _("Scheduled: readers will see it from %(time)s.")
                % {"time": times.label(story.published_at, story.time_zone)},
                messages.INFO,
            )
        elif story.status == Story.Status.IN_REVIEW and not permissions.can_publish(request.user):
            self.message_user(
                request,
                _("Sent for review: it is read-only for you until an editor decides."),
                messages.INFO,
            )

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

    @admin.display(description=_("preview links for outside the newsroom"))
    def shared_previews(self, obj):
        """The links sent out, each with its expiry and a revoke button, and a button for a
        new one. The buttons post the page's form to their own address (formaction), so they
        need no form of their own inside the change form."""
        if not obj or not obj.pk:
            return "—"
        links = list(obj.preview_links.select_related("created_by")[:20])
        rows = format_html_join(
            "",
            "<li>{}</li>",
            ((self._preview_row(obj, link),) for link in links),
        )
        create = reverse("admin:articles_story_preview_link_create", args=[obj.pk])
        return format_html(
            '<ul class="preview-links">{}</ul><button type="submit" formaction="{}" '
            'formmethod="post" formnovalidate>{}</button> <span class="help">{}</span>',
            rows,
            create,
            _("Create a preview link"),
            _(
                "Anyone with the link sees this page as readers will, for %(days)d days or until "
                "revoked."
            )
            % {"days": previews.max_days()},
        )

    def _preview_row(self, story, link):
        when = times.label(link.expires_at)
        if not link.is_usable:
            state = _("revoked") if link.revoked_at else _("expired")
            return format_html("<s>{}</s> ({})", link, state)
        revoke = reverse("admin:articles_story_preview_link_revoke", args=[story.pk, link.pk])
        return format_html(
            '<input type="text" readonly value="{}" size="60" aria-label="{}"> {} '
            '<button type="submit" formaction="{}" formmethod="post" formnovalidate>{}</button>',
            settings.NEWSROOM_SITE_URL + previews.url(link),
            _("Preview link"),
            _("valid until %(time)s") % {"time": when},
            revoke,
            _("Revoke"),
        )

    def get_urls(self):
        return [
            path(
                "<str:object_id>/preview-links/",
                self.admin_site.admin_view(self.preview_link_create_view),
                name="articles_story_preview_link_create",
            ),
            path(
                "<str:object_id>/preview-links/<str:link_id>/revoke/",
                self.admin_site.admin_view(self.preview_link_revoke_view),
                name="articles_story_preview_link_revoke",
            ),
            *super().get_urls(),
        ]

    def _story_for_link(self, request, object_id):
        if request.method != "POST":
            raise _NotPost
        if not ID_PATTERN.fullmatch(object_id):
            raise Http404
        story = self.get_object(request, object_id)
        if story is None:
            raise Http404
        return story

    def preview_link_create_view(self, request, object_id):
        try:
            story = self._story_for_link(request, object_id)
        except _NotPost:
            return HttpResponseNotAllowed(["POST"])
        if not permissions.can_share_preview(request.user, story):
            raise PermissionDenied
        previews.create_link(story=story, by=request.user)
        self.message_user(
            request,
            _("A preview link was made: copy it from the Publication section."),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:articles_story_change", args=[story.pk]))

    def preview_link_revoke_view(self, request, object_id, link_id):
        try:
            story = self._story_for_link(request, object_id)
        except _NotPost:
            return HttpResponseNotAllowed(["POST"])
        if not ID_PATTERN.fullmatch(link_id):
            raise Http404
        link = PreviewLink.objects.filter(story=story, pk=link_id).first()
        if link is None:
            raise Http404
        if not permissions.can_revoke_preview(request.user, link):
            raise PermissionDenied
        previews.revoke(link=link, by=request.user)
        self.message_user(request, _("The preview link no longer opens the story."))
        return HttpResponseRedirect(reverse("admin:articles_story_change", args=[story.pk]))

    @admin.action(description=_("Submit for review"), permissions=["change"])
    def submit_for_review(self, request, queryset):
        # The action is offered to anyone who may change some story; each story is checked,
        # so a reporter cannot send someone else's draft to review.
        done = sum(
            publishing.submit_for_review(story=s, by=request.user)
            for s in queryset
            if self.has_change_permission(request, s)
        )
        self.message_user(
            request,
            ngettext(
                "%(n)d story submitted for review: read-only for its author until an editor "
                "decides.",
                "%(n)d stories submitted for review: read-only for their authors until an "
                "editor decides.",
                done,
            )
            % {"n": done},
        )

    @admin.action(description=_("Publish"), permissions=["publish"])
    def publish_stories(self, request, queryset):
        done = sum(publishing.publish(story=story, by=request.user) for story in queryset)
        self.message_user(request, _("%(n)d stories published.") % {"n": done})

    @admin.action(description=_("Withdraw"), permissions=["publish"])
    def withdraw_stories(self, request, queryset):
        done = sum(publishing.withdraw(story=story, by=request.user) for story in queryset)
        self.message_user(request, _("%(n)d stories withdrawn.") % {"n": done}, messages.WARNING)
