"""Social posts in the admin: paste an address, fill in the snapshot or capture it."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from articles import embeds, permissions, publishing, tasks
from articles.admin.mixins import (
    CheckedSelectionMixin,
    HistoryAdmin,
    StaleSaveMixin,
    UserFormMixin,
)
from articles.admin.trash import TrashAdminMixin
from articles.forms import VersionCheckedForm
from articles.links import validate_public_url
from articles.models import SocialPost
from articles.models.social import MEDIA_KINDS

# Captures made while the editor waits: each is capped at embeds.CAPTURE_TIMEOUT.
MAX_CAPTURES_AT_ONCE = 5


class MediaField(forms.CharField):
    """The post's media, one per line: "address | description | kind" (kind: image, video or
    audio; image when left out). Kept as addresses: readers never load them."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(
                " | ".join([item.get("url", ""), item.get("alt", ""), item.get("kind", "")])
                for item in value
            )
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        media, errors = [], []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            url, alt, kind = ([part.strip() for part in line.split("|", 2)] + ["", ""])[:3]
            kind = kind.lower() or "image"
            try:
                validate_public_url(url)
            except ValidationError as error:
                errors.append(
                    _("Line %(n)s: %(error)s") % {"n": number, "error": error.messages[0]}
                )
                continue
            if kind not in MEDIA_KINDS:
                errors.append(_("Line %(n)s: the kind is image, video or audio.") % {"n": number})
                continue
            media.append({"url": url, "alt": alt, "kind": kind})
        if errors:
            raise ValidationError(errors, code="media")
        return media


class SocialPostForm(VersionCheckedForm):
    media = MediaField(
        label=_("media"),
        required=False,
        help_text=_(
            "One per line: address | description | kind (image, video or audio). Kept for a "
            "later capture: readers never load them from the platform."
        ),
    )

    class Meta:
        model = SocialPost
        fields = [
            "url",
            "author_name",
            "author_handle",
            "author_url",
            "text",
            "posted_at",
            "language",
            "media",
            "is_reconstructed",
        ]

    def clean_url(self):
        url = self.cleaned_data["url"]
        # The address of a kept post cannot become another post's: pages embed it by address.
        if self.instance.pk and embeds.recognise(url).key != self.instance.key:
            raise ValidationError(
                _("The address of a kept post cannot change: add the other post instead."),
                code="url_fixed",
            )
        return url


@admin.register(SocialPost)
class SocialPostAdmin(
    TrashAdminMixin, CheckedSelectionMixin, StaleSaveMixin, UserFormMixin, HistoryAdmin
):
    form = SocialPostForm
    list_display = [
        "__str__",
        "platform",
        "posted_at",
        "capture_state",
        "availability",
        "last_seen_at",
        "original_link",
    ]
    list_filter = ["platform", "capture_state", "availability", "is_reconstructed"]
    search_fields = ["url", "author_name", "author_handle", "text"]
    date_hierarchy = "posted_at"
    actions = ["capture"]
    readonly_fields = [
        "platform",
        "capture_status",
        "captured_at",
        "captured_by",
        "availability",
        "checked_at",
        "last_seen_at",
        "thumbnail_preview",
    ]
    fieldsets = [
        (None, {"fields": ["url", "platform", "expected_version"]}),
        (
            _("Snapshot"),
            {
                "fields": [
                    ("author_name", "author_handle"),
                    "author_url",
                    "text",
                    ("posted_at", "language"),
                    "media",
                    "thumbnail_preview",
                    "is_reconstructed",
                ],
                "description": _(
                    "Filled in by a capture where the platform has a public endpoint "
                    "(Mastodon, Bluesky, YouTube, X); always editable by hand."
                ),
            },
        ),
        (
            _("Capture and availability"),
            {
                "fields": [
                    "capture_status",
                    ("captured_at", "captured_by"),
                    "availability",
                    ("checked_at", "last_seen_at"),
                ]
            },
        ),
    ]

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or permissions.can_edit_social_post(request.user, obj)

    def save_model(self, request, obj, form, change):
        adding = obj.pk is None
        publishing.save_social_post(post=obj, by=request.user, expected_version=form.opened_version)
        if adding and obj.can_capture:
            # Fills the fields left empty; the editor's own entries stay.
            tasks.capture_social_post.enqueue(post_id=obj.pk)

    def response_add(self, request, obj, post_url_continue=None):
        if obj.can_capture:
            self.message_user(
                request,
                _("The snapshot is being captured from %(platform)s.")
                % {"platform": obj.platform_label},
            )
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description=_("Capture from the platform now"), permissions=["change"])
    def capture(self, request, queryset):
        posts = list(queryset[: MAX_CAPTURES_AT_ONCE + 1])
        if len(posts) > MAX_CAPTURES_AT_ONCE:
            self.message_user(
                request,
                _("Select at most %(n)d posts to capture at once.") % {"n": MAX_CAPTURES_AT_ONCE},
                messages.WARNING,
            )
            return
        for post in posts:
            if not post.can_capture:
                error = embeds.CaptureError("no_endpoint", post.platform_label).message
            else:
                error = publishing.capture_social_post(post=post, by=request.user)
            if error:
                self.message_user(request, f"{post}: {error}", messages.ERROR)
            else:
                self.message_user(request, _("%(post)s: captured.") % {"post": post})

    @admin.display(description=_("capture"))
    def capture_status(self, obj):
        if obj.capture_error:
            return format_html(
                '{} — <span class="errornote">{}</span>',
                obj.get_capture_state_display(),
                obj.capture_error,
            )
        return obj.get_capture_state_display()

    @admin.display(description=_("original"))
    def original_link(self, obj):
        return format_html(
            '<a href="{}" rel="noopener noreferrer">{}</a>', obj.url, obj.platform_label
        )

    @admin.display(description=_("thumbnail"))
    def thumbnail_preview(self, obj):
        if not obj.thumbnail:
            return "—"
        return format_html('<img src="{}" alt="" width="160">', obj.thumbnail.url)
