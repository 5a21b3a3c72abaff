"""Template helpers that print prepared values: zoned times and JSON-LD."""

import json
import zoneinfo

from django import template
from django.conf import settings
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def _zone(tz):
    if isinstance(tz, zoneinfo.ZoneInfo):
        return tz
    return zoneinfo.ZoneInfo(tz or settings.NEWSROOM_TIME_ZONE)


def in_zone(value, tz):
    """The instant `value` on the wall clock of zone `tz` (DST rules from the tz database)."""
    return value.astimezone(_zone(tz))


FORMATS = {"datetime": "j N Y, H:i", "time": "H:i", "date": "j N Y"}


@register.simple_tag
def zoned_time(value, tz=None, fmt="datetime", css_class=""):
    """`<time datetime="…+01:00">20 nov. 2023, 07:45 CET</time>` in the story's zone.

    The abbreviation comes from the tz database for that instant, so it reads CET in winter
    and CEST in summer; a date alone carries no abbreviation.
    """
    if value is None:
        return ""
    local = in_zone(value, tz)
    label = formats.date_format(local, FORMATS[fmt])
    if fmt != "date":
        label = f"{label} {local.tzname()}"
    return format_html(
        '<time datetime="{}" class="{}" data-utc="{}">{}</time>',
        local.isoformat(timespec="seconds"),
        css_class,
        value.astimezone(zoneinfo.ZoneInfo("UTC")).isoformat(timespec="seconds"),
        label,
    )


@register.filter
def isotime(value, tz=None):
    if value is None:
        return ""
    return in_zone(value, tz).isoformat(timespec="seconds")


@register.filter
def ld_json(data):
    """A JSON-LD block whose content cannot close the script element."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')  # noqa: S308 escaped


@register.simple_tag
def newsroom_name():
    """The newsroom's name from settings, for the error pages: 500.html is rendered with an
    empty context, without the context processor that provides NEWSROOM_NAME elsewhere."""
    return settings.NEWSROOM_NAME
