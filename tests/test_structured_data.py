"""JSON-LD and the metadata of story and update pages."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from pyld import jsonld

from articles import publishing, structured_data
from articles.models import Citation, Correction, Source, Story
from tests import factories

pytestmark = pytest.mark.django_db


def json_ld(html):
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html)[1])


def test_plain_text_is_unescaped_once_everywhere_it_is_taken_from_html(client):
    story = factories.live_story()
    update = factories.update(
        story, title="", body="AT&T 1 < 2 et « oui » : non", is_key_event=True
    )
    html = client.get(story.get_absolute_url()).content.decode()
    data = json_ld(html)
    assert data["liveBlogUpdate"][0]["articleBody"] == "AT&T 1 < 2 et « oui » : non"
    assert data["liveBlogUpdate"][0]["headline"] == "AT&T 1 < 2 et « oui » : non"
    # The key-events list prints it escaped once, as HTML must.
    assert "AT&amp;T 1 &lt; 2 et « oui » : non</a>" in html
    assert "&amp;amp;" not in html
    assert "&amp;nbsp;" not in html
    assert "&amp;lt;" not in html
    permalink = client.get(update.get_absolute_url()).content.decode()
    assert 'og:description" content="AT&amp;T 1 &lt; 2 et « oui » : non"' in permalink
    assert json_ld(permalink)["articleBody"] == "AT&T 1 < 2 et « oui » : non"


def test_a_live_storys_updated_time_follows_its_latest_update_and_correction(client, editor):
    long_ago = timezone.now() - timedelta(days=2)
    story = factories.live_story(published_at=long_ago)
    story.__class__.objects.filter(pk=story.pk).update(updated_at=long_ago)
    posted = publishing.post_update(story=story, by=editor, body="Nouvelle")
    html = client.get(story.get_absolute_url()).content.decode()
    iso = posted.published_at.astimezone(story.zone).isoformat(timespec="seconds")
    assert json_ld(html)["dateModified"] == iso
    assert f'<meta property="article:modified_time" content="{iso}">' in html
    assert 'class="updated"' in html
    assert f'datetime="{iso}"' in html
    later = timezone.now() + timedelta(seconds=3)
    publishing.save_correction(
        correction=Correction(update=posted, note="Kara", corrected_at=later), by=editor
    )
    html = client.get(story.get_absolute_url()).content.decode()
    assert json_ld(html)["dateModified"] == later.astimezone(story.zone).isoformat(
        timespec="seconds"
    )


def test_the_featured_image_tells_search_engines_how_it_was_made(client):
    image = factories.image(
        factories.picture_bytes((1600, 900), "JPEG"),
        digital_source_type="trainedAlgorithmicMedia",
        ai_tool="Midjourney",
        caption="Le conseil d'administration, vu par Midjourney",
        credit="Illustration : Midjourney pour Newsroom",
    )
    story = factories.story(featured_image=image)
    data = json_ld(client.get(story.get_absolute_url()).content.decode())
    full, *crops = data["image"]
    assert full == {
        "@type": "ImageObject",
        "contentUrl": f"http://127.0.0.1:8000{image.file.url}",
        "url": f"http://127.0.0.1:8000{image.file.url}",
        "width": 1600,
        "height": 900,
        "caption": "Le conseil d'administration, vu par Midjourney",
        "creditText": "Illustration : Midjourney pour Newsroom",
        "digitalSourceType": (
            "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
        ),
    }
    # The three aspect ratios Google asks for, each saying how the picture was made.
    assert [(c["width"], c["height"]) for c in crops] == [(1200, 675), (1200, 900), (900, 900)]
    for crop in crops:
        assert crop["url"].startswith("http://127.0.0.1:8000/media/")
        assert crop["digitalSourceType"] == full["digitalSourceType"]
        assert crop["width"] * crop["height"] >= 50_000


def test_a_story_without_a_featured_image_has_no_image_in_its_json_ld(client):
    story = factories.story()
    assert "image" not in json_ld(client.get(story.get_absolute_url()).content.decode())


# --- Read back with a JSON-LD processor, against Google's documented properties ----------------

SCHEMA = "http://schema.org/"


def _local_schema_org(url, options=None):
    """schema.org's context, as the processor would fetch it: tests never reach the internet,
    and the vocabulary is all the checks need."""
    assert url.rstrip("/") in {"https://schema.org", "http://schema.org"}, url
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": {"@context": {"@vocab": SCHEMA}},
    }


def expanded(data):
    [node] = jsonld.expand(data, {"documentLoader": _local_schema_org})
    return node


def value(node, name):
    [entry] = node[SCHEMA + name]
    return entry.get("@value", entry.get("@id", entry))


def values(node, name):
    return node.get(SCHEMA + name, [])


ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def check_article(node, story):
    """Google's Article properties (all recommended), schema.org's NewsArticle."""
    assert value(node, "headline") == story.headline
    assert ISO_WITH_OFFSET.match(value(node, "datePublished"))
    assert ISO_WITH_OFFSET.match(value(node, "dateModified"))
    assert value(node, "inLanguage") == story.language
    assert value(node, "description")
    for person in values(node, "author"):
        assert person["@type"] == [SCHEMA + "Person"]
        assert value(person, "name")
        assert value(person, "url").startswith("http")
    [publisher] = values(node, "publisher")
    assert value(publisher, "name") == "Newsroom"
    [logo] = values(publisher, "logo")
    assert value(logo, "url").endswith(".png")


def test_a_story_is_a_news_article_with_what_google_asks_for(client, editor):
    author = factories.author(name="Claire Dubreuil")
    story = factories.story(headline="OpenAI licencie Sam Altman", authors=[author])
    source = Source.objects.create(name="WSJ", slug="wsj")
    Citation.objects.create(story=story, source=source, url="https://wsj.com/a", title="Board")
    publishing.save_correction(correction=Correction(story=story, note="Kara."), by=editor)
    node = expanded(json_ld(client.get(story.get_absolute_url()).content.decode()))
    assert node["@type"] == [SCHEMA + "NewsArticle"]
    check_article(node, story)
    assert value(values(node, "author")[0], "url").endswith(author.get_absolute_url())
    [citation] = values(node, "citation")
    assert value(citation, "url") == "https://wsj.com/a"
    [correction] = values(node, "correction")
    assert correction["@type"] == [SCHEMA + "CorrectionComment"]
    assert value(correction, "text") == "Kara."


def test_a_live_story_is_a_live_blog_posting_whose_updates_have_their_own_urls(client):
    story = factories.live_story(headline="En direct")
    update = factories.update(story, title="Brockman part")
    node = expanded(json_ld(client.get(story.get_absolute_url()).content.decode()))
    assert node["@type"] == [SCHEMA + "LiveBlogPosting"]
    check_article(node, story)
    assert ISO_WITH_OFFSET.match(value(node, "coverageStartTime"))
    [posting] = values(node, "liveBlogUpdate")
    assert posting["@type"] == [SCHEMA + "BlogPosting"]
    assert value(posting, "headline") == "Brockman part"
    assert value(posting, "articleBody")
    assert ISO_WITH_OFFSET.match(value(posting, "datePublished"))
    assert value(posting, "url").endswith(update.get_absolute_url())
    assert posting["@id"].endswith(update.get_absolute_url())


def test_an_image_and_its_digital_source_type_are_carried_when_given():
    story = factories.story()
    image = structured_data.image_object(
        "https://news.example.org/media/a.jpg",
        width=1200,
        height=675,
        caption="Illustration",
        digital_source_type="http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
    )
    data = structured_data.for_story(
        Story.objects.for_listing().get(pk=story.pk), None, [], "https://n.example", images=[image]
    )
    node = expanded(data)
    [picture] = values(node, "image")
    assert value(picture, "digitalSourceType").endswith("trainedAlgorithmicMedia")
    assert value(picture, "width") == 1200


@pytest.mark.parametrize(
    "field", ["headline", "standfirst", "update_title", "update_body", "author", "section"]
)
def test_no_field_can_close_the_script_element(client, field):
    hostile = "</script><script>alert(1)</script><!--"
    section = factories.section(name=hostile if field == "section" else "Tech")
    author = factories.author(name=hostile if field == "author" else "Claire")
    story = factories.live_story(
        headline=hostile if field == "headline" else "Titre",
        standfirst=hostile if field == "standfirst" else "Chapô",
        section=section,
        authors=[author],
    )
    factories.update(
        story,
        title=hostile if field == "update_title" else "Point",
        body=hostile if field == "update_body" else "Texte",
    )
    html = client.get(story.get_absolute_url()).content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)[1]
    assert "<" not in block
    data = json.dumps(json.loads(block), ensure_ascii=False)
    if field != "update_body":  # Markdown is sanitised before it is anything else
        assert hostile in data  # the same text, once parsed
    assert html.count("<script>alert(1)") == 0


# --- Social cards, canonical links, descriptions -------------------------------------------------


def meta(html, attribute, name):
    found = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)"', html)
    return found and found[1]


def test_a_story_page_has_its_card_canonical_and_description(client, settings):
    settings.NEWSROOM_SITE_URL = "https://news.example.org"
    author = factories.author()
    story = factories.story(headline="Le titre", standfirst="Le chapô.", authors=[author])
    html = client.get(story.get_absolute_url()).content.decode()
    assert (
        f'<link rel="canonical" href="https://news.example.org{story.get_absolute_url()}">' in html
    )
    assert meta(html, "name", "description") == "Le chapô."
    assert meta(html, "property", "og:title") == "Le titre"
    assert meta(html, "property", "og:description") == "Le chapô."
    assert meta(html, "property", "og:image").startswith("https://news.example.org/static/")
    assert meta(html, "property", "og:locale") == "fr_FR"
    assert meta(html, "property", "article:section") == story.section.name
    assert meta(html, "property", "article:author").endswith(author.get_absolute_url())
    assert ISO_WITH_OFFSET.match(meta(html, "property", "article:published_time"))
    assert meta(html, "name", "twitter:card") == "summary_large_image"
    assert '<html lang="fr">' in html


def test_editors_search_and_social_titles_are_used_where_each_is_shown(client):
    story = factories.story(
        headline="Le titre",
        language="en",
        search_title="Search engines see this",
        social_title="Networks see this",
        social_description="And this text.",
    )
    html = client.get(story.get_absolute_url()).content.decode()
    assert "<title>Search engines see this</title>" in html
    assert meta(html, "property", "og:title") == "Networks see this"
    assert meta(html, "name", "twitter:title") == "Networks see this"
    assert meta(html, "property", "og:description") == "And this text."
    assert meta(html, "name", "description") == "A standfirst."
    assert '<html lang="en">' in html
    assert "<h1>Le titre</h1>" in html


def test_an_update_permalink_has_its_own_card(client):
    story = factories.live_story(headline="Direct")
    update = factories.update(story, title="Point", body="Le texte du point.")
    html = client.get(update.get_absolute_url()).content.decode()
    assert meta(html, "property", "og:title") == "Point"
    assert meta(html, "property", "og:description") == "Le texte du point."
    assert meta(html, "name", "description") == "Le texte du point."
    assert meta(html, "name", "twitter:card") == "summary_large_image"
    assert 'rel="canonical"' in html


def test_every_public_page_has_a_description_and_a_canonical_link(client):
    author = factories.author(bio="Journaliste tech.")
    story = factories.live_story(authors=[author])
    update = factories.update(story)
    source = Source.objects.create(name="WSJ", slug="wsj")
    pages = [
        "/",
        story.section.get_absolute_url(),
        author.get_absolute_url(),
        source.get_absolute_url(),
        story.get_absolute_url(),
        update.get_absolute_url(),
        "/search/",
        "/search/?q=licorne",
    ]
    for page in pages:
        html = client.get(page).content.decode()
        assert meta(html, "name", "description"), page
        assert re.search(r'<link rel="canonical" href="http[^"]+">', html), page
    assert meta(client.get(author.get_absolute_url()).content.decode(), "name", "description") == (
        "Journaliste tech."
    )
    listed = client.get("/?page=1").content.decode()
    assert '<link rel="canonical" href="http://127.0.0.1:8000/">' in listed
