"""Reader pages: who sees what, at what cost, with which times."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from articles import publishing
from articles.models import Story
from tests import factories
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db


def test_home_lists_live_stories_first_then_the_latest(client):
    # Older than the newest, so only the live-first rule puts it on top.
    factories.live_story(headline="Live one", published_at=timezone.now() - timedelta(days=2))
    factories.story(headline="Newest")
    factories.story(headline="Hidden draft", status=Story.Status.DRAFT)
    html = client.get("/").content.decode()
    assert html.index("Live one") < html.index("Newest")
    assert "Hidden draft" not in html


def test_section_and_author_pages_list_their_published_stories(client):
    writer = factories.author(name="Kara")
    story = factories.story(authors=[writer], headline="By Kara")
    factories.story(headline="Other")
    factories.story(authors=[writer], headline="Kara draft", status=Story.Status.DRAFT)
    author_page = client.get(writer.get_absolute_url()).content.decode()
    assert "By Kara" in author_page
    assert "Other" not in author_page
    assert "Kara draft" not in author_page
    section_page = client.get(story.section.get_absolute_url()).content.decode()
    assert "By Kara" in section_page
    assert "Other" not in section_page
    assert client.get("/sections/nope/").status_code == 404


def test_story_page_is_a_semantic_article_with_zoned_times(client):
    story = factories.story(
        headline="OpenAI",
        standfirst="Le board",
        published_at=datetime(2023, 11, 20, 6, 45, tzinfo=UTC),
        authors=[factories.author(name="Claire")],
    )
    html = client.get(story.get_absolute_url()).content.decode()
    assert re.search(r"<article class=\"story[^\"]*\">", html)
    assert "<h1>OpenAI</h1>" in html
    assert "Le board" in html
    assert "Claire" in html
    assert 'datetime="2023-11-20T07:45:00+01:00"' in html
    assert "20 nov. 2023, 07:45 CET" in html
    assert '<html lang="fr">' in html


def test_summer_times_read_cest():
    from articles.templatetags.newsroom import zoned_time

    summer = zoned_time(datetime(2023, 7, 14, 10, 0, tzinfo=UTC), "Europe/Paris")
    assert "12:00 CEST" in summer
    assert "+02:00" in summer
    new_york = zoned_time(datetime(2023, 11, 20, 5, 42, tzinfo=UTC), "America/New_York")
    assert "00:42 EST" in new_york
    assert "-05:00" in new_york


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Story.Status.DRAFT},
        {"status": Story.Status.IN_REVIEW},
        {"published_at": timezone.now() + timedelta(days=1)},
    ],
    ids=["draft", "in-review", "scheduled"],
)
def test_unpublished_stories_are_404_to_readers(client, fields):
    story = factories.story(**fields)
    assert client.get(story.get_absolute_url()).status_code == 404


def test_unknown_story_is_404(client):
    assert client.get("/stories/no-such-story/").status_code == 404


def test_withdrawn_story_answers_410_with_a_notice(client):
    story = factories.story(status=Story.Status.WITHDRAWN, withdrawal_note="Retiré pour erreur.")
    response = client.get(story.get_absolute_url())
    assert response.status_code == 410
    assert "Retiré pour erreur." in response.content.decode()
    assert story.body_html not in response.content.decode()


def test_a_story_withdrawn_while_readers_poll_it_answers_their_next_poll_410(client):
    story = factories.live_story()
    factories.update(story, body="Premier point.")
    poll = f"{story.get_absolute_url()}updates/?since=0"
    assert client.get(poll).status_code == 200
    publishing.withdraw(story=story, by=factories.user(is_superuser=True), note="Retiré.")
    response = client.get(poll)
    assert response.status_code == 410
    assert response.json() == {"error": "This story has been withdrawn."}
    assert client.get("/stories/no-such-story/updates/?since=0").status_code == 404


def test_story_page_query_count_does_not_grow_with_authors(client):
    one = factories.story(authors=[factories.author()])
    many = factories.story(authors=[factories.author() for _ in range(12)])
    few = count_queries(lambda: client.get(one.get_absolute_url()))
    # generation, next scheduled change, the shell's generation (articles.pages), story,
    # bylines, corrections, citations
    assert count_queries(lambda: client.get(many.get_absolute_url())) <= few <= 7


def test_story_page_answers_304_to_a_conditional_get(client):
    story = factories.story()
    first = client.get(story.get_absolute_url())
    assert first.status_code == 200
    assert first["ETag"]
    again = client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    story.headline = "Changed"
    publishing.save_story(story=story, by=factories.user(is_superuser=True))
    changed = client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert "Changed" in changed.content.decode()


def test_english_readers_get_the_english_interface(client):
    story = factories.story(language="en")
    html = client.get(story.get_absolute_url()).content.decode()
    assert '<html lang="en">' in html


def test_public_pages_are_in_the_newsrooms_language_whatever_the_browser(client):
    story = factories.story(language="fr")
    for url in ["/", story.section.get_absolute_url(), story.get_absolute_url(), "/nope/"]:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert "Aller au contenu" in response.content.decode(), url
        assert "Accept-Language" not in response.get("Vary", ""), url


def test_staff_pages_follow_the_browsers_language(editor_client):
    page = editor_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Editorial desk" in page
    page = editor_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Editorial desk" not in page


def test_story_interface_follows_the_story_language(client):
    story = factories.live_story(language="fr", summary="- un fait")
    html = client.get(story.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "L’essentiel" in html
    assert '<html lang="fr">' in html


@pytest.mark.parametrize("url", ["/", "section", "author"])
def test_list_pages_cost_the_same_for_2_or_25_stories(client, url):
    section, writer = factories.section(), factories.author()

    def make(n):
        for _ in range(n):
            factories.story(section=section, authors=[writer, factories.author()])

    path = {"/": "/", "section": section.get_absolute_url(), "author": writer.get_absolute_url()}[
        url
    ]
    lookups = 0 if url == "/" else 1  # the section or author itself
    make(2)
    few = count_queries(lambda: client.get(path))
    # generation, next scheduled story, count, page, bylines, featured images
    assert few <= lookups + 6
    make(23)
    assert count_queries(lambda: client.get(path)) <= few
    response = client.get(path)
    assert response.content.decode().count('class="story-card') == 20  # one page
    assert count_queries(lambda: client.get(path)) <= lookups + 1  # the shared render
    again = client.get(path)
    assert again.content == response.content
    assert client.get(path, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_home_changes_when_a_scheduled_story_comes_due(client):
    import time_machine

    start = timezone.now()
    factories.story(headline="Déjà là", published_at=start - timedelta(hours=1))
    factories.story(headline="Programmé", published_at=start + timedelta(minutes=5))
    with time_machine.travel(start, tick=False):
        first = client.get("/")
        assert "Programmé" not in first.content.decode()
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        later = client.get("/", HTTP_IF_NONE_MATCH=first["ETag"])
        assert later.status_code == 200
        assert "Programmé" in later.content.decode()


@pytest.mark.parametrize("url", ["/", "section", "author"])
def test_a_page_number_that_is_not_a_page_is_404_so_requests_cannot_mint_cache_entries(client, url):
    person = factories.author()
    story = factories.story(headline="Seule", authors=[person])
    url = {"section": story.section.get_absolute_url(), "author": person.get_absolute_url()}.get(
        url, url
    )
    assert client.get(url, {"page": "1"}).status_code == 200
    for junk in ["0", "-1", "abc", "99999999999", "2", "²", "①", "１", " 1"]:
        assert client.get(url, {"page": junk}).status_code == 404, junk


def test_a_story_without_live_coverage_has_no_pages_of_updates(client):
    story = factories.story()
    assert client.get(story.get_absolute_url(), {"page": "1"}).status_code == 404
    assert client.get(story.get_absolute_url(), {"page": "7"}).status_code == 404


def test_absolute_addresses_come_from_the_configured_site_not_the_host_header(client, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.NEWSROOM_SITE_URL = "https://news.example.org"
    factories.story(slug="openai")
    html = client.get("/stories/openai/", HTTP_HOST="127.0.0.1:6666").content.decode()
    assert '<link rel="canonical" href="https://news.example.org/stories/openai/">' in html
    assert '<meta property="og:url" content="https://news.example.org/stories/openai/">' in html
    assert "6666" not in html
    other = client.get("/stories/openai/", HTTP_HOST="127.0.0.1:7777")
    assert other.content.decode() == html  # one shared render, whatever the port


# --- Pictures -------------------------------------------------------------------


def _story_with_images(count, **fields):
    pictures = [
        factories.image(factories.picture_bytes((500, 300), "JPEG"), caption=f"Légende {n}")
        for n in range(count)
    ]
    body = "\n\n".join(
        f"Paragraphe {n}.\n\n![Image {n}]({p.file.url})" for n, p in enumerate(pictures)
    )
    return factories.story(body=body, featured_image=pictures[0], **fields), pictures


def test_the_featured_image_is_a_picture_fetched_first_and_inline_images_load_lazily(client):
    story, (first, *_) = _story_with_images(2)
    html = client.get(story.get_absolute_url()).content.decode()
    featured = html[html.index('<figure class="picture featured-image">') :]
    featured = featured[: featured.index("</figure>")]
    assert 'type="image/avif"' in featured
    assert 'type="image/webp"' in featured
    assert 'fetchpriority="high"' in featured
    assert 'loading="lazy"' not in featured
    assert 'width="500" height="300"' in featured
    assert f'alt="{first.alt_text}"' in featured
    body = html[html.index('class="prose story-body"') :]
    assert body.count("<picture>") == 2
    assert body.count('loading="lazy"') == 2
    assert 'alt="Image 1"' in body
    assert "Légende 1" in body
    assert "Drawing: the tests" in body


def test_an_ai_image_is_labelled_for_readers_in_the_story_s_language(client):
    image = factories.image(
        digital_source_type="trainedAlgorithmicMedia", ai_tool="Midjourney", credit=""
    )
    french = factories.story(featured_image=image, language="fr")
    english = factories.story(featured_image=image, language="en")
    assert (
        "Image générée par IA (Midjourney)"
        in client.get(french.get_absolute_url()).content.decode()
    )
    assert (
        "AI-generated image (Midjourney)" in client.get(english.get_absolute_url()).content.decode()
    )


def test_the_story_page_costs_the_same_with_1_image_as_with_20(client):
    one, _ = _story_with_images(1)
    twenty, _ = _story_with_images(20)
    assert count_queries(lambda: client.get(one.get_absolute_url())) == count_queries(
        lambda: client.get(twenty.get_absolute_url())
    )
    assert client.get(twenty.get_absolute_url()).content.decode().count("<picture>") == 21


def test_renditions_that_come_in_later_reach_the_cached_page(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    story, (image,) = _story_with_images(1)
    before = client.get(story.get_absolute_url()).content.decode()
    assert "image/avif" not in before
    assert f'src="{image.file.url}"' in before  # the original, until renditions exist
    from articles import images

    images.make_renditions(image.pk)
    after = client.get(story.get_absolute_url()).content.decode()
    assert "image/avif" in after


# --- Social posts in the text ---------------------------------------------------------------

GDB = "https://x.com/gdb/status/1725736242137182594"


def _no_third_party(html):
    """Every resource the page loads is its own: no src, srcset or frame from another host."""
    loaded = re.findall(r'\s(?:src|srcset|poster|data)="([^"]+)"', html)
    assert all(url.startswith("/") for url in loaded), loaded
    assert "<iframe" not in html
    assert "platform.twitter.com" not in html


def test_a_post_alone_on_its_line_renders_its_snapshot_as_a_native_card(client):
    from articles.models import SocialPost

    SocialPost.objects.create(
        url=GDB,
        author_name="Greg Brockman",
        author_handle="@gdb",
        text="Sam and I are shocked. More: https://openai.com/blog",
        posted_at=datetime(2023, 11, 18, 4, 42, tzinfo=UTC),
        language="en",
        media=[{"url": "https://pbs.twimg.com/media/a.jpg", "alt": "A note", "kind": "image"}],
    )
    story = factories.story(body=f"Avant.\n\n{GDB}?s=20\n\nAprès.", time_zone="America/New_York")
    html = client.get(story.get_absolute_url()).content.decode()
    card = html[html.index('<figure class="social-post') : html.index("</figure>")]
    assert "Greg Brockman" in card
    assert "@gdb" in card
    assert '<blockquote class="social-post-quote" cite="https://x.com/gdb/' in card
    assert 'lang="en"' in card
    assert '<a href="https://openai.com/blog" rel="noopener noreferrer">' in card
    # The story's zone: 04:42 UTC is 23:42 the day before in New York.
    assert '<time datetime="2023-11-17T23:42:00-05:00"' in card
    assert "Image : A note" in card  # described, not loaded
    assert f'href="{GDB}"' in card
    _no_third_party(html)


def test_a_post_without_a_snapshot_yet_is_a_plain_link_card(client):
    story = factories.story(body=GDB)
    html = client.get(story.get_absolute_url()).content.decode()
    assert "social-post-x is-link" in html
    assert f'<a href="{GDB}" rel="noopener noreferrer">Un message sur X</a>' in html


def test_a_captured_post_shows_on_the_cached_page_without_saving_the_story(client):
    from articles.models import SocialPost

    story = factories.story(body=GDB)
    first = client.get(story.get_absolute_url())
    assert "is-link" in first.content.decode()
    assert client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    editor = factories.user(is_superuser=True)
    post = publishing.save_social_post(
        post=SocialPost(url=GDB, author_name="Greg Brockman"), by=editor
    )
    second = client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert "Greg Brockman" in second.content.decode()
    post.author_name = "Greg Brockman (corrigé)"
    publishing.save_social_post(post=post, by=editor)
    assert "(corrigé)" in client.get(story.get_absolute_url()).content.decode()
    # Still one render per change: the next reader gets the cached one, for one lookup.
    assert count_queries(lambda: client.get(story.get_absolute_url())) <= 1


def test_a_post_deleted_at_the_source_keeps_its_card_with_a_note_and_the_last_seen_date(client):
    from articles.models import SocialPost

    SocialPost.objects.create(
        url=GDB,
        author_name="Greg Brockman",
        text="Le texte gardé.",
        availability=SocialPost.Availability.DELETED,
        last_seen_at=datetime(2024, 3, 2, 12, 0, tzinfo=UTC),
    )
    story = factories.story(body=GDB)
    html = client.get(story.get_absolute_url()).content.decode()
    assert "Le texte gardé." in html
    assert "is-gone" in html
    assert "n’est plus disponible" in html
    assert "2 mars 2024" in html


def test_a_video_card_has_a_local_poster_and_a_button_for_the_privacy_enhanced_player(client):
    from articles.models import SocialPost

    SocialPost.objects.create(
        url="https://youtu.be/U9mJuUkhUzk", author_name="OpenAI", text="OpenAI DevDay"
    )
    story = factories.story(body="https://www.youtube.com/watch?v=U9mJuUkhUzk&t=1")
    html = client.get(story.get_absolute_url()).content.decode()
    assert 'data-video-src="https://www.youtube-nocookie.com/embed/U9mJuUkhUzk"' in html
    assert "social-video-poster is-neutral" in html
    assert '<script type="module" src="/static/js/embeds.js"></script>' in html
    _no_third_party(html)


def _story_embedding(count, first):
    from articles.models import SocialPost

    urls = [f"https://mastodon.example/@desk/{first + n}" for n in range(count)]
    for n, url in enumerate(urls):
        SocialPost.objects.create(url=url, author_name=f"Auteur {n}", text=f"Texte {n}")
    story = factories.live_story(body="\n\n".join(urls[: count // 2 or 1]))
    for url in urls[count // 2 :]:
        factories.update(story, body=url)
    return story


def test_the_story_page_costs_the_same_with_1_embedded_post_as_with_30(client):
    one, thirty = _story_embedding(1, 1000), _story_embedding(30, 2000)
    few = count_queries(lambda: client.get(one.get_absolute_url()))
    response = None

    def get_thirty():
        nonlocal response
        response = client.get(thirty.get_absolute_url())

    many = count_queries(get_thirty)
    assert many <= few
    assert response.content.decode().count('class="social-post social-post-mastodon"') == 30


@time_machine.travel(datetime(2023, 11, 20, 11, 0, tzinfo=UTC), tick=False)
def test_key_events_show_their_dates_when_coverage_spans_days(client):
    from datetime import timedelta

    from django.utils import timezone

    long = factories.live_story(live_started_at=timezone.now() - timedelta(days=2))
    factories.update(long, is_key_event=True, title="Moment long")
    short = factories.live_story(live_started_at=timezone.now() - timedelta(minutes=5))
    factories.update(short, is_key_event=True, title="Moment court")
    for story, dated in ((long, True), (short, False)):
        html = client.get(story.get_absolute_url()).content.decode()
        item = html.split('class="key-events"')[1].split("</li>")[0]
        assert (", " in item.split("<time")[1].split("</time>")[0]) is dated, item


def _live_story_with_image_updates(count):
    story = factories.live_story()
    for n in range(count):
        picture = factories.image(factories.picture_bytes((500, 300), "JPEG"))
        factories.update(story, body=f"Mise à jour {n}.\n\n![Photo {n}]({picture.file.url})")
    return story


def test_an_image_in_a_live_update_is_a_responsive_picture_on_the_page_poll_and_permalink(
    client,
):
    story = _live_story_with_image_updates(1)
    update = story.updates.get()
    page = client.get(story.get_absolute_url()).content.decode()
    stream = page[page.index("data-stream") :]
    assert stream.count("<picture>") == 1
    assert 'type="image/avif"' in stream
    assert 'alt="Photo 0"' in stream
    entry = client.get(f"/stories/{story.slug}/updates/", {"since": "0"}).json()["updates"][0]
    assert "<picture>" in entry["html"]
    assert "<picture>" in client.get(update.get_absolute_url()).content.decode()


def test_the_live_page_costs_the_same_with_1_or_5_updates_showing_images(client):
    one = _live_story_with_image_updates(1)
    five = _live_story_with_image_updates(5)
    assert count_queries(lambda: client.get(one.get_absolute_url())) == count_queries(
        lambda: client.get(five.get_absolute_url())
    )
    assert client.get(five.get_absolute_url()).content.decode().count("<picture>") == 5


def _minute_by_minute(updates):
    """A live story with (title, is_key_event) updates a minute apart, oldest first."""
    story = factories.live_story()
    start = timezone.now() - timedelta(hours=3)
    for n, (title, key) in enumerate(updates):
        factories.update(
            story, title=title, is_key_event=key, published_at=start + timedelta(minutes=n)
        )
    return story


def test_a_reader_can_show_only_key_events_with_a_link_that_works_without_javascript(
    client, settings
):
    settings.NEWSROOM_UPDATES_PER_PAGE = 2
    story = _minute_by_minute(
        [(f"{'Clé' if n % 2 else 'Simple'} {n}", bool(n % 2)) for n in range(6)]
    )
    html = client.get(story.get_absolute_url(), {"filter": "key-events"}).content.decode()
    stream = html[html.index("data-stream") :]
    assert "Clé 5" in stream
    assert "Clé 3" in stream
    assert "Simple" not in stream.split('class="pager"')[0]
    assert 'data-filter="key-events"' in html
    # Its pages keep the filter; it names the story's page as canonical.
    assert "?filter=key-events&amp;page=1" in html
    assert f'<link rel="canonical" href="http://127.0.0.1:8000{story.get_absolute_url()}">' in html
    older = client.get(story.get_absolute_url(), {"filter": "key-events", "page": "1"})
    assert "Clé 1" in older.content.decode()
    assert 'aria-current="page">' in html
    # The unfiltered page is another page, with its own cache entry.
    full = client.get(story.get_absolute_url()).content.decode()
    assert "Simple 4" in full
    assert 'data-filter="key-events"' not in full


@pytest.mark.parametrize("junk", ["key", "KEY-EVENTS", "key-events ", "²", ""])
def test_any_other_filter_is_a_page_that_does_not_exist(client, junk):
    story = factories.live_story()
    assert client.get(story.get_absolute_url(), {"filter": junk}).status_code == 404


def test_a_reader_can_read_the_stream_from_the_start_with_a_link_that_works_without_javascript(
    client, settings
):
    settings.NEWSROOM_UPDATES_PER_PAGE = 2
    story = _minute_by_minute([(f"Point {n}", n in (1, 3)) for n in range(5)])
    html = client.get(story.get_absolute_url(), {"order": "oldest"}).content.decode()
    stream = html[html.index("data-stream") : html.index('class="pager"')]
    # The first page, in reading order; the key events run the same way.
    assert stream.index("Point 0") < stream.index("Point 1")
    assert "Point 2" not in stream
    keys = html[html.index('class="key-events"') : html.index("data-pinned-slot")]
    assert keys.index("Point 1") < keys.index("Point 3")
    assert 'data-order="oldest"' in html
    # It polls (new updates join it once it reaches the last page), its pages keep the order,
    # and it names the story's page as canonical.
    assert "data-poll-url" in html
    assert '?order=oldest&amp;page=2" rel="next" data-pages="after"' in html
    assert f'<link rel="canonical" href="http://127.0.0.1:8000{story.get_absolute_url()}">' in html
    last = client.get(story.get_absolute_url(), {"order": "oldest", "page": "3"}).content.decode()
    assert "Point 4" in last
    assert '?order=oldest&amp;page=2" rel="prev" data-pages="before"' in last
    assert f'href="http://127.0.0.1:8000{story.get_absolute_url()}?page=3"' in last
    # Filter and order combine, and each link keeps the other.
    both = client.get(story.get_absolute_url(), {"order": "oldest", "filter": "key-events"})
    both = both.content.decode()
    shown = both[both.index("data-stream") :]
    assert shown.index("Point 1") < shown.index("Point 3")
    assert "Point 2" not in shown
    assert "?filter=key-events&amp;order=oldest" in html
    assert 'href="/stories/' + story.slug + '/?filter=key-events"' in both  # latest first
    # Newest first is the story's own page.
    newest = client.get(story.get_absolute_url()).content.decode()
    keys = newest[newest.index('class="key-events"') : newest.index("data-pinned-slot")]
    assert keys.index("Point 3") < keys.index("Point 1")
    assert 'data-order="oldest"' not in newest


@pytest.mark.parametrize("junk", ["old", "OLDEST", "newest", "oldest ", ""])
def test_any_other_order_is_a_page_that_does_not_exist(client, junk):
    story = factories.live_story()
    assert client.get(story.get_absolute_url(), {"order": junk}).status_code == 404


def test_a_story_without_coverage_has_no_filtered_stream(client):
    story = factories.story()
    assert client.get(story.get_absolute_url(), {"filter": "key-events"}).status_code == 404
    assert client.get(story.get_absolute_url(), {"order": "oldest"}).status_code == 404
