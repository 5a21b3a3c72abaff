"""The editors' interface, one module per family of models; importing it registers them."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from articles.admin.social import SocialPostAdmin
from articles.admin.stories import AuthorAdmin, SectionAdmin, SourceAdmin, StoryAdmin
from articles.admin.updates import CorrectionAdmin, LiveUpdateAdmin

admin.site.site_header = _("Newsroom")
admin.site.site_title = _("Newsroom")
admin.site.index_title = _("Editorial desk")

__all__ = [
    "AuthorAdmin",
    "CorrectionAdmin",
    "LiveUpdateAdmin",
    "SectionAdmin",
    "SocialPostAdmin",
    "SourceAdmin",
    "StoryAdmin",
]
