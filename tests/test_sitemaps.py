"""sitemap.xml, the news sitemap and robots.txt."""

import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.contrib.sitemaps import Sitemap
from django.utils import timezone

from articles.models import Citation, Source, Story
from articles.times import isotime
from tests import factories
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db

NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}
OFFSET = re.compile(r"T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


def xml(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response, ElementTree.fromstring(response.content)  # noqa: S314 (our own output)


def locations(root):
    return [loc.text for loc in root.findall(".//s:loc", NS)]


@pytest.fixture
def site(settings):
    settings.NEWSROOM_SITE_URL = "https://news.example.org"
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1"]


def test_the_sitemap_lists_stories_sections_authors_and_sources_on_the_site(client, site):
    author = factories.author()
    story = factories.story(authors=[author])
    source = Source.objects.create(name="Le Monde", slug="le-monde")
    Citation.objects.create(
        story=story, source=source, url="https://www.lemonde.fr/a", title="Un article"
    )
    _response, root = xml(client, "/sitemap.xml")
    found = locations(root)
    base = "https://news.example.org"
    for obj in (story, story.section, author, source):
        assert f"{base}{obj.get_absolute_url()}" in found
    assert all(loc.startswith(base) for loc in found)
    story_entry = next(
        url
        for url in root.findall("s:url", NS)
        if url.find("s:loc", NS).text == f"{base}{story.get_absolute_url()}"
    )
    assert OFFSET.search(story_entry.find("s:lastmod", NS).text)


def test_the_sitemap_never_uses_the_requests_host(client, site):
    factories.story()
    response = client.get("/sitemap.xml", HTTP_HOST="127.0.0.1:6666")
    assert b"6666" not in response.content


def test_only_what_readers_see_is_listed(client):
    shown = factories.story(headline="Visible")
    hidden = [
        factories.story(status=Story.Status.DRAFT),
        factories.story(published_at=timezone.now() + timedelta(hours=2)),
        factories.story(status=Story.Status.WITHDRAWN),
    ]
    for path in ("/sitemap.xml", "/sitemap-news.xml"):
        text = client.get(path).content.decode()
        assert shown.get_absolute_url() in text
        for story in hidden:
            assert story.get_absolute_url() not in text, path


def test_a_live_storys_lastmod_follows_its_latest_update(client):
    story = factories.live_story(published_at=timezone.now() - timedelta(days=3))
    Story.objects.filter(pk=story.pk).update(updated_at=timezone.now() - timedelta(days=3))
    update = factories.update(story)
    _response, root = xml(client, "/sitemap-stories.xml")
    [lastmod] = [u.find("s:lastmod", NS).text for u in root.findall("s:url", NS)]
    assert lastmod == isotime(update.changed_at)


def test_past_the_protocols_limit_the_sitemap_becomes_an_index(client, site, monkeypatch):
    monkeypatch.setattr(Sitemap, "limit", 2)
    for _ in range(3):
        factories.story()
    _response, root = xml(client, "/sitemap.xml")
    assert root.tag == f"{{{NS['s']}}}sitemapindex"
    pages = locations(root)
    assert "https://news.example.org/sitemap-stories.xml" in pages
    assert "https://news.example.org/sitemap-stories.xml?p=2" in pages
    for page in pages:
        path = page.removeprefix("https://news.example.org")
        _r, part = xml(client, path)
        assert len(part.findall("s:url", NS)) <= 2
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_the_news_sitemap_has_the_last_two_days_with_name_language_title_and_date(client):
    recent = factories.story(headline="Récent & « frais »", language="fr")
    english = factories.story(headline="Fresh", language="en")
    factories.story(headline="Ancien", published_at=timezone.now() - timedelta(days=3))
    _response, root = xml(client, "/sitemap-news.xml")
    entries = {url.find("news:news/news:title", NS).text: url for url in root.findall("s:url", NS)}
    assert set(entries) == {"Récent & « frais »", "Fresh"}
    news = entries["Récent & « frais »"].find("news:news", NS)
    assert news.find("news:publication/news:name", NS).text == "Newsroom"
    assert news.find("news:publication/news:language", NS).text == "fr"
    assert OFFSET.search(news.find("news:publication_date", NS).text)
    assert entries["Fresh"].find("news:news/news:publication/news:language", NS).text == "en"
    assert recent.get_absolute_url() in entries["Récent & « frais »"].find("s:loc", NS).text
    assert english


def test_robots_txt_names_both_sitemaps(client, site):
    text = client.get("/robots.txt").content.decode()
    assert "Sitemap: https://news.example.org/sitemap.xml" in text
    assert "Sitemap: https://news.example.org/sitemap-news.xml" in text
    assert "Disallow: /admin/" in text


@pytest.mark.parametrize("path", ["/sitemap.xml", "/sitemap-news.xml", "/sitemap-stories.xml"])
def test_each_sitemap_costs_the_same_whatever_its_length(client, path):
    def add(n):
        for i in range(n):
            author = factories.author()
            story = factories.story(authors=[author])
            factories.update(story)
            source = Source.objects.create(name=f"Source {story.pk}-{i}", slug=f"s-{story.pk}")
            Citation.objects.create(
                story=story, source=source, url=f"https://example.org/{story.pk}", title="T"
            )

    add(5)
    few = count_queries(lambda: client.get(path))
    add(195)
    many = count_queries(lambda: client.get(path))
    assert many == few
