"""Forms shared by the admin and the live desk."""

from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from markdownx.widgets import MarkdownxWidget

from articles import images, publishing, rendering
from articles.models import Correction, LiveUpdate, Section, validate_plausible_time

STALE_MESSAGE = _(
    "Someone else saved this since you opened it, so your changes were not saved and nothing "
    "was overwritten. Copy your text, reload the page to see their version, then apply your "
    "changes again."
)


class VersionCheckedForm(forms.ModelForm):
    """Refuses a save made from a form opened before someone else's save (optimistic locking).

    The version the form was opened with travels in a hidden field; the caller passes
    `form.opened_version` to the save, which makes the final, race-free check.
    """

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    @property
    def opened_version(self):
        return self.cleaned_data.get("expected_version") if self.instance.pk else None

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            expected = cleaned.get("expected_version")
            current = (
                type(self.instance)
                ._default_manager.filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )
            if expected is None or current != expected:
                raise forms.ValidationError(STALE_MESSAGE, code="stale")
        return cleaned


class CheckedImageField(forms.FileField):
    """A file field whose cleaned value is the `images.CheckedImage`: the upload's bytes
    checked and re-encoded, or a form error saying what is wrong with them."""

    def __init__(self, *args, check_declared_type=False, **kwargs):
        self.check_declared_type = check_declared_type
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload or upload is initial:
            return upload
        declared = getattr(upload, "content_type", None)
        if self.check_declared_type and declared not in settings.MARKDOWNX_UPLOAD_CONTENT_TYPES:
            # The editor's drop zone: a browser that says "SVG" or "HTML" is taken at its word.
            raise forms.ValidationError(
                _("This file is not an image we accept (%(formats)s)."),
                code="not_an_image",
                params={"formats": images.accepted_names()},
            )
        return images.check_upload(upload)


def add_validation_error(form, error):
    """Show a model or publishing ValidationError on the form's fields (or above them)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class UpdateTimeMixin:
    """An update's time: empty means the time of posting; an odd one must be confirmed.

    The form is never prefilled with the time it was opened: an update posted at 09:56 from a
    form opened at 09:53 was stamped 09:53, and open pages showed it below later ones.
    """

    def _init_time(self):
        if "published_at" not in self.fields:
            return  # shown read-only
        self.fields["published_at"].required = False
        if not self.instance.pk:
            self.initial["published_at"] = None

    def clean_published_at(self):
        value = self.cleaned_data.get("published_at")
        # Checked first: comparing year 1 or 9999 with anything overflows.
        validate_plausible_time(value)
        return value

    def _get_validation_exclusions(self):
        excluded = super()._get_validation_exclusions()
        if self.instance.pk is None and self.cleaned_data.get("published_at") is None:
            # An empty time is stamped when posted (publishing.post_update), not validated now.
            excluded.add("published_at")
        return excluded

    def check_time(self, story, cleaned):
        if story is None or "published_at" not in cleaned:
            return
        error = publishing.update_time_error(
            story=story,
            published_at=cleaned.get("published_at"),
            confirmed=cleaned.get("confirm_time", False),
        )
        if error:
            self.add_error("published_at", error)


CONFIRM_TIME = forms.BooleanField(
    label=_("Post with this time"),
    required=False,
    help_text=_("Needed for a time before the coverage began, or long ago."),
)


class LiveUpdateForm(UpdateTimeMixin, VersionCheckedForm):
    confirm_time = CONFIRM_TIME

    class Meta:
        model = LiveUpdate
        fields = ["title", "body", "is_key_event", "is_pinned", "published_at"]
        widgets = {
            "body": MarkdownxWidget(attrs={"rows": 8}),
            "published_at": forms.DateTimeInput(
                attrs={"type": "datetime-local", "step": 60}, format="%Y-%m-%dT%H:%M"
            ),
        }

    time_help = _("Leave empty to publish now. A time in the future schedules the update.")

    def __init__(self, *args, story=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.story = story
        self._init_time()
        help_text = self.time_help
        if story is not None:
            # The desk reads and shows times in the story's zone (see desk.story_zone).
            help_text = _("%(help)s Time in the story's zone: %(zone)s.") % {
                "help": help_text,
                "zone": story.time_zone,
            }
        self.fields["published_at"].help_text = help_text

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None or "published_at" in self.changed_data:
            self.check_time(self.story, cleaned)
        return cleaned


class LiveUpdateEditForm(LiveUpdateForm):
    is_correction = forms.BooleanField(
        label=_("This edit corrects an error"),
        required=False,
        help_text=_("Readers will see the note below, with its time, on this update."),
    )
    correction_note = forms.CharField(
        label=_("Public correction note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta(LiveUpdateForm.Meta):
        fields = ["title", "body", "is_key_event", "published_at"]

    time_help = _(
        "Leave empty to keep the current time. A time in the future schedules the update."
    )

    def clean_published_at(self):
        # An emptied time box keeps the update's time: the column cannot be empty.
        return super().clean_published_at() or self.instance.published_at

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_correction") and not cleaned.get("correction_note", "").strip():
            self.add_error("correction_note", _("A correction needs a public note."))
        return cleaned


class SectionForm(forms.ModelForm):
    """A section's name in the newsroom's language, and one field per other language of the
    newsroom for the name its stories in that language show (kept in `Section.names`)."""

    class Meta:
        model = Section
        fields = ["name", "slug", "description", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = self.instance.names if isinstance(self.instance.names, dict) else {}
        for code, _language in self.other_languages():
            self.fields[f"name_{code}"].initial = names.get(code, "")

    @staticmethod
    def other_languages():
        return [
            (code, name) for code, name in settings.LANGUAGES if code != settings.NEWSROOM_LANGUAGE
        ]

    def clean(self):
        cleaned = super().clean()
        self.instance.names = {
            code: cleaned.get(f"name_{code}", "")
            for code, _language in self.other_languages()
            if cleaned.get(f"name_{code}")
        }
        return cleaned


# Declared on the class, so that the admin lays them out with the model's own fields.
for _code, _language in SectionForm.other_languages():
    SectionForm.declared_fields[f"name_{_code}"] = SectionForm.base_fields[f"name_{_code}"] = (
        forms.CharField(
            label=format_lazy(_("Name ({language})"), language=_language),
            max_length=Section._meta.get_field("name").max_length,
            required=False,
            help_text=_("Shown on stories in that language; the name above when empty."),
        )
    )


class CorrectionForm(forms.ModelForm):
    """A correction is made, not scheduled: its time is never in the future."""

    class Meta:
        model = Correction
        fields = ["story", "update", "note", "corrected_at"]

    def clean_corrected_at(self):
        at = self.cleaned_data.get("corrected_at")
        validate_plausible_time(at)
        if error := publishing.correction_time_error(at):
            raise error
        return at


def removals_message(*texts):
    """What the sanitiser took out of these Markdown texts, in words, or "": so an editor is
    told at once, not by dead link-styled text on the page."""
    parts = []
    for kind, tag, detail in dict.fromkeys(
        found for text in texts for found in rendering.removed_by_sanitiser(text)
    ):
        if kind == "element":
            parts.append(_("a <%(tag)s> element") % {"tag": tag})
        elif kind == "attribute":
            parts.append(_("the %(name)s attribute of a <%(tag)s>") % {"name": detail, "tag": tag})
        else:
            parts.append(_("a %(scheme)s: address in a <%(tag)s>") % {"scheme": detail, "tag": tag})
    if not parts:
        return ""
    return _(
        "Saved, but readers will not see: %(parts)s. Only Markdown and safe HTML are kept."
    ) % {"parts": "; ".join(str(part) for part in parts)}
