"""Forms shared by the admin and the live desk."""

from django import forms
from django.utils.translation import gettext_lazy as _
from markdownx.widgets import MarkdownxWidget

from articles.models import LiveUpdate

STALE_MESSAGE = _(
    "Someone else saved this since you opened it, so your changes were not saved and nothing "
    "was overwritten. Copy your text, reload the page to see their version, then apply your "
    "changes again."
)


class VersionCheckedForm(forms.ModelForm):
    """Refuses a save made from a form opened before someone else's save (optimistic locking)."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

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
            self.instance.expected_version = expected
        return cleaned


class LiveUpdateForm(VersionCheckedForm):
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
        self.fields["published_at"].required = False
        help_text = self.time_help
        if story is not None:
            # The desk reads and shows times in the story's zone (see desk.story_zone).
            help_text = _("%(help)s Time in the story's zone: %(zone)s.") % {
                "help": help_text,
                "zone": story.time_zone,
            }
        self.fields["published_at"].help_text = help_text


class LiveUpdateEditForm(LiveUpdateForm):
    is_correction = forms.BooleanField(
        label=_("This edit corrects an error"),
        required=False,
        help_text=_("Readers will see the note below, with its time, on this update."),
    )
    correction_note = forms.CharField(
        label=_("Public correction note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta(LiveUpdateForm.Meta):
        fields = ["title", "body", "is_key_event", "published_at"]

    time_help = _(
        "Leave empty to keep the current time. A time in the future schedules the update."
    )

    def clean_published_at(self):
        # An emptied time box keeps the update's time: the column cannot be empty.
        return self.cleaned_data.get("published_at") or self.instance.published_at

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_correction") and not cleaned.get("correction_note", "").strip():
            self.add_error("correction_note", _("A correction needs a public note."))
        return cleaned
