"""The newsroom's domain, one module per family; import models from here."""

from articles.models.base import (
    CleanTextModel,
    StaleEditError,
    VersionedModel,
    time_zone_choices,
    time_zone_names,
    validate_plausible_time,
    validate_time_zone,
)
from articles.models.freshness import Freshness
from articles.models.images import (
    AI_GENERATED,
    IPTC_DIGITAL_SOURCE_TYPE,
    DigitalSourceType,
    Image,
    ImageQuerySet,
    ImageRendition,
)
from articles.models.social import SocialPost, SocialPostQuerySet
from articles.models.sources import Citation, Source
from articles.models.stories import (
    PUBLIC_STATUSES,
    Author,
    Byline,
    PreviewLink,
    Section,
    Story,
    StoryQuerySet,
)
from articles.models.updates import Correction, LiveUpdate, LiveUpdateQuerySet

__all__ = [
    "AI_GENERATED",
    "IPTC_DIGITAL_SOURCE_TYPE",
    "PUBLIC_STATUSES",
    "Author",
    "Byline",
    "Citation",
    "CleanTextModel",
    "Correction",
    "DigitalSourceType",
    "Freshness",
    "Image",
    "ImageQuerySet",
    "ImageRendition",
    "LiveUpdate",
    "LiveUpdateQuerySet",
    "PreviewLink",
    "Section",
    "SocialPost",
    "SocialPostQuerySet",
    "Source",
    "StaleEditError",
    "Story",
    "StoryQuerySet",
    "VersionedModel",
    "time_zone_choices",
    "time_zone_names",
    "validate_plausible_time",
    "validate_time_zone",
]
