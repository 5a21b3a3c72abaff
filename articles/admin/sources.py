"""Sources and citations: the outlets, the articles a story cites, their archived copies."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from articles import archiving, links, permissions
from articles.admin.mixins import (
    ID_PATTERN,
    FreshPagesMixin,
    HistoryAdmin,
    NewsroomAdmin,
    PartOfTheStoryInline,
)
from articles.admin.trash import TrashAdminMixin
from articles.models import Citation, Source

STORIES_LISTED = 50


@admin.register(Source)
class SourceAdmin(FreshPagesMixin, NewsroomAdmin):
    def pages_showing(self, obj):
        return obj.citations.values_list("story_id", flat=True) if obj.pk else []

    list_display = ["name", "kind", "homepage_url", "citation_count"]
    list_filter = ["kind"]
    search_fields = ["name", "homepage_url", "reliability_notes"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["citing_stories"]
    fields = ["name", "slug", "homepage_url", "kind", "reliability_notes", "citing_stories"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                citation_count=Count("citations", filter=Q(citations__deleted_at__isnull=True))
            )
        )

    @admin.display(description=_("citations"), ordering="citation_count")
    def citation_count(self, obj):
        return obj.citation_count

    @admin.display(description=_("stories that cite it"))
    def citing_stories(self, obj):
        if obj.pk is None:
            return "—"
        stories = (
            obj.citations.values("story_id", "story__headline")
            .annotate(n=Count("id"))
            .order_by("-story_id")[:STORIES_LISTED]
        )
        return format_html_join(
            "",
            '<a href="{}">{}</a><br>',
            (
                (
                    reverse("admin:articles_story_change", args=[row["story_id"]]),
                    row["story__headline"],
                )
                for row in stories
            ),
        ) or _("No story cites it yet.")


class CitationForm(forms.ModelForm):
    """Source optional in the form: left empty, the source whose homepage the address belongs
    to is chosen (and the editor told when none is)."""

    class Meta:
        model = Citation
        fields = [
            "source", "url", "title", "author", "published_at", "time_zone", "accessed_at",
            "quote", "via", "position", "archived_url",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "source" in self.fields:
            self.fields["source"].required = False
            self.fields["source"].help_text = _(
                "Left empty, the source whose homepage the address belongs to is chosen."
            )

    def clean(self):
        data = super().clean()
        if "source" in self.fields and not data.get("source") and data.get("url"):
            proposed = Source.proposed_for(data["url"])
            if proposed is None:
                self.add_error(
                    "source",
                    _("No source has a homepage on %(host)s: choose one, or add it first.")
                    % {"host": links.display_host(data["url"])},
                )
            else:
                data["source"] = proposed
                self.instance.source = proposed
        elif "source" in self.fields and not data.get("source") and "url" not in self.errors:
            self.add_error("source", _("Choose the source of this article."))
        return data


class CitationInline(PartOfTheStoryInline, admin.StackedInline):
    model = Citation
    form = CitationForm
    extra = 0
    autocomplete_fields = ["source"]
    fields = [
        ("url", "source"),
        ("title", "author"),
        ("published_at", "time_zone"),
        "quote",
        ("via", "position"),
        "archived_url",
        "capture",
    ]
    readonly_fields = ["capture"]
    verbose_name_plural = _("sources cited")

    class Media:
        js = ["js/admin/propose_source.js"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        url = formset.form.base_fields.get("url")
        if url is not None:  # a fresh form class per request: the map is this request's
            url.widget.attrs["data-source-hosts"] = json.dumps(source_hosts())
            url.widget.attrs["data-proposed-label"] = _("Source proposed: ")
        return formset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "via":
            # A relay is another citation of this story.
            story_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Citation.objects.filter(story_id=story_id or 0).select_related(
                "source"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("archived copy"))
    def capture(self, obj):
        return capture_summary(obj)


def source_hosts():
    """Which site belongs to which source, for the browser to propose one as an address is
    pasted (the form proposes it again on the server: the same rule, links.matching_site)."""
    return {site: [source.pk, source.name] for site, source in Source.sites().items()}


def capture_summary(citation):
    """The capture's state as an editor needs it: when, what it answered, why it failed."""
    if citation is None or citation.pk is None:
        return _("Archived automatically once saved.")
    state = citation.get_capture_state_display()
    change = reverse("admin:articles_citation_change", args=[citation.pk])
    if citation.capture_state == Citation.Capture.DONE:
        return format_html(
            '{} · <a href="{}">{}</a> · <a href="{}">{}</a>',
            state,
            citation.get_archive_url(),
            _("readable copy"),
            reverse("admin:articles_citation_warc", args=[citation.pk]),
            _("WARC file"),
        )
    if citation.capture_state == Citation.Capture.FAILED:
        return format_html(
            '{}: {} · <a href="{}">{}</a>', state, citation.capture_error, change, _("retry")
        )
    return state


@admin.register(Citation)
class CitationAdmin(TrashAdminMixin, NewsroomAdmin, HistoryAdmin):
    """Every citation with its archived copy: the place to archive again, or retry."""

    form = CitationForm
    list_display = ["title", "source", "story", "capture_state", "captured_at", "http_status"]
    list_filter = ["capture_state", "source"]
    search_fields = ["title", "url", "author", "story__headline"]
    list_select_related = ["source", "story"]
    autocomplete_fields = ["source"]
    actions = ["archive"]
    readonly_fields = [
        "story",
        "capture",
        "captured_title",
        "captured_at",
        "http_status",
        "capture_state",
        "capture_error",
    ]
    fieldsets = [
        (None, {"fields": ["story", "url", "source", "title", "author"]}),
        (None, {"fields": ["published_at", "time_zone", "accessed_at", "quote", "position"]}),
        (
            _("Archived copy"),
            {
                "fields": [
                    "archived_url",
                    "capture",
                    "capture_state",
                    "captured_at",
                    "captured_title",
                    "http_status",
                    "capture_error",
                ]
            },
        ),
    ]
    exclude = ["via"]

    def has_add_permission(self, request):
        return False  # a citation is added on its story, where its relay can be chosen

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or permissions.can_edit_story(request.user, obj.story)

    def has_delete_permission(self, request, obj=None):
        # A citation is part of its story: removing one (to the trash) is the story's rule, as
        # on the story's form (a reporter on their own draft), not the model permission.
        if obj is None:
            return super().has_delete_permission(request, obj)
        return permissions.can_trash_citation(request.user, obj)

    @admin.display(description=_("archived copy"))
    def capture(self, obj):
        return capture_summary(obj)

    def save_model(self, request, obj, form, change):
        archiving.save(obj)

    @admin.action(description=_("Archive the cited pages now"))
    def archive(self, request, queryset):
        queued = refused = 0
        for citation in queryset.select_related("story"):
            if permissions.can_archive(request.user, citation):
                archiving.queue(citation)
                queued += 1
            else:
                refused += 1
        if queued:
            self.message_user(
                request,
                ngettext(
                    "%(n)d page queued for archiving: its copy appears here when made.",
                    "%(n)d pages queued for archiving: the copies appear here when made.",
                    queued,
                )
                % {"n": queued},
                messages.SUCCESS,
            )
        if refused:
            self.message_user(
                request,
                ngettext(
                    "%(n)d citation skipped: you may not edit the story that cites it.",
                    "%(n)d citations skipped: you may not edit the stories that cite them.",
                    refused,
                )
                % {"n": refused},
                messages.WARNING,
            )

    def get_urls(self):
        return [
            path(
                "<str:object_id>/warc/",
                self.admin_site.admin_view(self.warc_view),
                name="articles_citation_warc",
            ),
            *super().get_urls(),
        ]

    def warc_view(self, request, object_id):
        """The capture as fetched, for staff: a download, never shown inline."""
        if not ID_PATTERN.fullmatch(object_id):
            raise Http404
        citation = get_object_or_404(Citation.objects.select_related("story"), pk=object_id)
        if not permissions.can_download_capture(request.user, citation):
            raise PermissionDenied
        if not citation.warc_file:
            raise Http404("No capture yet.")
        try:
            handle = citation.warc_file.open("rb")
        except FileNotFoundError:
            raise Http404("The capture's file is missing.") from None
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=f"citation-{citation.pk}.warc.gz",
            content_type="application/warc",
        )
        response["Cache-Control"] = "private, no-store"
        return response
