"""Template helpers that print prepared values: zoned times and JSON-LD."""

import json

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from articles import embeds, times

register = template.Library()

_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def zoned_time(value, tz=None, fmt="datetime", css_class=""):
    """`<time datetime="…+01:00">20 nov. 2023, 07:45 CET</time>` in the story's zone.

    The abbreviation comes from the tz database for that instant, so it reads CET in winter
    and CEST in summer; a date alone carries no abbreviation.
    """
    if value is None:
        return ""
    return format_html(
        '<time datetime="{}" class="{}" data-utc="{}">{}</time>',
        times.isotime(value, tz),
        css_class,
        times.utc_isotime(value),
        times.label(value, tz, fmt),
    )


@register.filter
def epoch_micros(value):
    """Microseconds since the epoch: an exact sort key for the page's script, which orders the
    stream as the server does (a `<time>` says only the second, a JavaScript Date the
    millisecond; microseconds stay exact in a JavaScript number until the year 2255)."""
    return "" if value is None else times.epoch_micros(value)


# Open Graph names a locale, not a language.
OG_LOCALES = {"fr": "fr_FR", "en": "en_GB"}


@register.filter
def og_locale(language):
    return OG_LOCALES.get(language, language)


@register.filter
def isotime(value, tz=None):
    return times.isotime(value, tz)


def json_for_script(data):
    """JSON that cannot close the script element it is printed in: <, > and & escaped."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    # Three replaces: str.translate with a table looks up every character in Python (3 ms for
    # a page of 200 updates, against 0.1 ms).
    for char, escaped in _JSON_ESCAPES.items():
        payload = payload.replace(chr(char), escaped)
    return payload


def ld_script(payload):
    """The JSON-LD block for a `json_for_script` text."""
    # Safe: the JSON escapes <, > and &, so nothing in it can end the script element.
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')  # noqa: S308


@register.filter
def ld_json(data):
    """A JSON-LD block whose content cannot close the script element."""
    return ld_script(json_for_script(data))


@register.simple_tag
def newsroom_name():
    """The newsroom's name from settings, for the error pages: 500.html is rendered with an
    empty context, without the context processor that provides NEWSROOM_NAME elsewhere."""
    return settings.NEWSROOM_NAME


@register.filter
def with_social_posts(html, cards):
    """Sanitised `*_html` with each social post placeholder as its card, from the snapshots the
    page fetched at once (`cards`, an embeds.Cards); without them, as plain link cards."""
    if not isinstance(cards, embeds.Cards):
        cards = embeds.Cards()
    return cards.render(html)
