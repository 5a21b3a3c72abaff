"""Sources and citations: one citation per article, relays that cannot loop, the Sources
section readers see, its cost, and the outlet's page."""

import json
import re
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from articles.models import Citation, Source
from tests import factories
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db


def source(name="The Wall Street Journal", **fields):
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return Source.objects.create(
        name=name, slug=slug, homepage_url="https://www.wsj.com/", **fields
    )


def cite(story, outlet, url, **fields):
    citation = Citation(
        story=story, source=outlet, url=url, title=fields.pop("title", "T"), **fields
    )
    citation.full_clean()
    citation.save()
    return citation


def test_one_article_is_one_citation_per_story_whatever_its_spelling():
    story, outlet = factories.story(), source()
    cite(story, outlet, "https://www.wsj.com/tech/altman?utm_source=x#top")
    duplicate = Citation(
        story=story, source=outlet, url="HTTPS://WWW.WSJ.COM:443/tech/altman?fbclid=1", title="T"
    )
    with pytest.raises(ValidationError) as caught:
        duplicate.full_clean()
    assert caught.value.error_dict  # a form error, not a database error
    assert Citation.objects.get().url == "https://www.wsj.com/tech/altman"
    # Another story may cite the same article.
    cite(factories.story(), outlet, "https://www.wsj.com/tech/altman")


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "http://127.0.0.1/", "http://localhost/x", "ftp://x.org/"]
)
def test_a_hostile_address_is_a_field_error_and_nothing_is_saved(url):
    with pytest.raises(ValidationError) as caught:
        cite(factories.story(), source(), url)
    assert "url" in caught.value.error_dict
    assert not Citation.objects.exists()


def test_a_relay_chain_cannot_loop_or_leave_the_story():
    story = factories.story()
    engadget = cite(story, source("Engadget"), "https://www.engadget.com/a")
    yahoo = cite(story, source("Yahoo!"), "https://www.yahoo.com/a", via=engadget)
    engadget.via = yahoo
    with pytest.raises(ValidationError) as caught:
        engadget.full_clean()
    assert caught.value.error_dict["via"][0].code == "via_loop"
    elsewhere = cite(factories.story(), source("Other"), "https://other.example/a")
    yahoo.via = elsewhere
    with pytest.raises(ValidationError) as caught:
        yahoo.full_clean()
    assert caught.value.error_dict["via"][0].code == "via_story"


def test_the_sources_section_names_outlet_title_time_and_relay(client):
    story = factories.story(time_zone="Europe/Paris")
    engadget = cite(story, source("Engadget"), "https://www.engadget.com/a", title="Ousted")
    cite(
        story,
        source("Yahoo!"),
        "https://www.yahoo.com/a",
        title="Ousted (relay)",
        via=engadget,
        published_at=datetime(2023, 11, 20, 5, 42, tzinfo=UTC),
        time_zone="America/New_York",
        author="A. Writer",
    )
    html = client.get(story.get_absolute_url()).content.decode()
    section = html[html.index('class="sources"') :]
    assert (
        '<a href="https://www.yahoo.com/a" rel="noopener noreferrer">Ousted (relay)</a>' in section
    )
    assert "00:42 EST" in section  # the source's own zone: 05:42 UTC in New York
    assert "via" in section
    assert '<a href="https://www.engadget.com/a" rel="noopener noreferrer">Engadget</a>' in section
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html)[1])
    works = {work["url"]: work for work in data["citation"]}
    assert works["https://www.yahoo.com/a"]["publisher"]["name"] == "Yahoo!"
    assert works["https://www.yahoo.com/a"]["datePublished"] == "2023-11-20T00:42:00-05:00"


def test_the_story_page_costs_the_same_with_2_or_40_citations(client):
    few, many = factories.story(), factories.story()
    outlet = source()
    for n in range(2):
        cite(few, outlet, f"https://www.wsj.com/{n}")
    previous = None
    for n in range(40):
        # Each relayed by the one before, each with an archived copy and an external one.
        previous = cite(
            many,
            outlet,
            f"https://www.wsj.com/{n}",
            via=previous,
            archived_url=f"https://web.archive.org/web/2023/https://www.wsj.com/{n}",
        )
    Citation.objects.filter(story=many).update(
        capture_state=Citation.Capture.DONE,
        readable_text="Le texte.",
        captured_at=datetime(2023, 11, 20, tzinfo=UTC),
    )
    small = count_queries(lambda: client.get(few.get_absolute_url()))
    large = count_queries(lambda: client.get(many.get_absolute_url()))
    # with the generation, the next scheduled change and the shell's generation
    assert large <= small <= 7
    assert client.get(many.get_absolute_url()).content.decode().count("/sources/") >= 80


def test_an_outlets_page_lists_the_published_stories_that_cite_it(client):
    outlet = source()
    shown = factories.story(headline="Publiée")
    hidden = factories.story(headline="Brouillon", status="draft", published_at=None)
    for story in (shown, hidden):
        cite(story, outlet, "https://www.wsj.com/a")
    html = client.get(outlet.get_absolute_url()).content.decode()
    assert "Publiée" in html
    assert "Brouillon" not in html
    assert client.get("/sources/nope/").status_code == 404


def test_a_host_in_mixed_scripts_is_shown_to_readers_in_punycode(client):
    story = factories.story()
    cite(story, source("Fake"), "https://аpple.com/news")  # a Cyrillic а
    html = client.get(story.get_absolute_url()).content.decode()
    assert "xn--pple-43d.com" in html
