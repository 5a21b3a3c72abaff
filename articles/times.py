"""Times in a zone, for templates, JSON-LD, feeds, the poll and the API.

Stored times are UTC; readers see them on the wall clock of the story's zone, with the
abbreviation the tz database gives for that instant (CET in winter, CEST in summer).
"""

import zoneinfo
from datetime import UTC, datetime

from django.conf import settings
from django.utils import formats

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FORMATS = {"datetime": "j N Y, H:i", "time": "H:i", "date": "j N Y"}


def zone(tz=None):
    """A ZoneInfo from a zone or its name; the newsroom's zone by default."""
    if isinstance(tz, zoneinfo.ZoneInfo):
        return tz
    return zoneinfo.ZoneInfo(tz or settings.NEWSROOM_TIME_ZONE)


def in_zone(value, tz=None):
    """The instant `value` on the wall clock of zone `tz` (DST rules from the tz database)."""
    return value.astimezone(zone(tz))


def isotime(value, tz=None):
    """ISO 8601 to the second, with the zone's offset: "2023-11-20T07:45:00+01:00"."""
    if value is None:
        return ""
    return in_zone(value, tz).isoformat(timespec="seconds")


def utc_isotime(value):
    return value.astimezone(UTC).isoformat(timespec="seconds")


def label(value, tz=None, fmt="datetime"):
    """ "20 nov. 2023, 07:45 CET" in the active language; a date alone has no abbreviation."""
    local = in_zone(value, tz)
    text = formats.date_format(local, FORMATS[fmt])
    return text if fmt == "date" else f"{text} {local.tzname()}"


def epoch_micros(value):
    """Microseconds since the epoch, exact (a float of seconds would round them)."""
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
