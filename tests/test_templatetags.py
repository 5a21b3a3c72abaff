"""The template helpers print prepared values: a zoned <time>, a JSON-LD block that nothing in
its data can close, and an exact sort key; asked directly and through a template."""

import json
import re
from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.utils import translation

from articles.templatetags import newsroom

NOVEMBER = datetime(2023, 11, 20, 6, 45, 30, 123_456, tzinfo=UTC)


def render(source, **context):
    return Template("{% load newsroom %}" + source).render(Context(context))


def test_zoned_time_is_a_time_element_with_the_offset_the_utc_instant_and_the_label():
    with translation.override("fr"):
        html = newsroom.zoned_time(NOVEMBER, "Europe/Paris", css_class="published")
    assert html == (
        '<time datetime="2023-11-20T07:45:30+01:00" class="published"'
        ' data-utc="2023-11-20T06:45:30+00:00">20 nov. 2023, 07:45 CET</time>'
    )


def test_zoned_time_in_a_template_follows_the_zone_and_format_given():
    with translation.override("en"):
        html = render(
            '{% zoned_time at "America/New_York" "time" %}',
            at=datetime(2023, 7, 14, 10, 0, tzinfo=UTC),
        )
    assert html == (
        '<time datetime="2023-07-14T06:00:00-04:00" class=""'
        ' data-utc="2023-07-14T10:00:00+00:00">06:00 EDT</time>'
    )


def test_zoned_time_escapes_the_class_it_is_given():
    html = newsroom.zoned_time(NOVEMBER, "Europe/Paris", css_class='x" onmouseover="alert(1)')
    assert 'onmouseover="' not in html
    assert 'class="x&quot; onmouseover=&quot;alert(1)"' in html


def test_zoned_time_of_no_time_prints_nothing():
    assert newsroom.zoned_time(None) == ""
    assert render("{% zoned_time at %}", at=None) == ""


HOSTILE = {
    "@type": "NewsArticle",
    "headline": "</script><script>alert(1)</script>",
    "description": "<!-- <script> AT&T </SCRIPT >",
    "author": [{"name": "Kara </script"}],
}


def script_body(html):
    match = re.fullmatch(r'<script type="application/ld\+json">(.*)</script>', html, re.S)
    assert match, html
    return match[1]


@pytest.mark.parametrize("via", ["filter", "template"])
def test_ld_json_cannot_close_its_script_element_whatever_its_data_holds(via):
    html = (
        newsroom.ld_json(HOSTILE) if via == "filter" else render("{{ data|ld_json }}", data=HOSTILE)
    )
    body = script_body(html)
    # The HTML parser ends a script at "</script" in any case, and "<!--" changes its state.
    for closing in ("</script", "<!--", "<script", "<"):
        assert closing not in body.lower()
    assert html.lower().count("</script") == 1
    assert json.loads(body) == HOSTILE  # the data itself is intact


def test_ld_json_keeps_other_text_as_it_is():
    body = script_body(newsroom.ld_json({"headline": "Sam Altman limogé — « surpris »"}))
    assert body == '{"headline":"Sam Altman limogé — « surpris »"}'


def test_the_epoch_micros_filter_prints_the_exact_key_or_nothing():
    assert newsroom.epoch_micros(None) == ""
    assert newsroom.epoch_micros(NOVEMBER) == 1_700_462_730_123_456
    assert render("{{ at|epoch_micros }}", at=None) == ""
    assert render("{{ at|epoch_micros }}", at=NOVEMBER) == "1700462730123456"


def test_the_isotime_filter_uses_the_zone_given():
    assert render('{{ at|isotime:"America/New_York" }}', at=NOVEMBER) == (
        "2023-11-20T01:45:30-05:00"
    )


def test_the_newsroom_name_comes_from_settings(settings):
    settings.NEWSROOM_NAME = "La Gazette"
    assert render("{% newsroom_name %}") == "La Gazette"
