"""The editors' interface, one module per family of models; importing it registers them."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from articles.admin.images import ImageAdmin
from articles.admin.social import SocialPostAdmin
from articles.admin.sources import CitationAdmin, SourceAdmin
from articles.admin.stories import AuthorAdmin, SectionAdmin, StoryAdmin
from articles.admin.updates import CorrectionAdmin, LiveUpdateAdmin

admin.site.site_header = _("Newsroom")
admin.site.site_title = _("Newsroom")
admin.site.index_title = _("Editorial desk")

__all__ = [
    "AuthorAdmin",
    "CitationAdmin",
    "CorrectionAdmin",
    "ImageAdmin",
    "LiveUpdateAdmin",
    "SectionAdmin",
    "SocialPostAdmin",
    "SourceAdmin",
    "StoryAdmin",
]
