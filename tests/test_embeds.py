"""The platform table: which addresses are posts, the one address each is kept under, what a
capture reads from each platform's public endpoint (fake providers on 127.0.0.1), and the cards
that replace the placeholders at page time."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from articles import embeds
from articles.rendering import render_markdown
from tests import providers as recorded

GDB = "https://x.com/gdb/status/1725736242137182594"


@pytest.mark.parametrize(
    ("pasted", "platform", "url"),
    [
        # X and Twitter: every host, handle case, query and photo suffix to one address
        (GDB, "x", GDB),
        ("https://twitter.com/GDB/status/1725736242137182594?s=20&t=abc", "x", GDB),
        ("https://mobile.twitter.com/gdb/status/1725736242137182594", "x", GDB),
        ("https://www.x.com/gdb/status/1725736242137182594/photo/1", "x", GDB),
        ("http://x.com/gdb/statuses/1725736242137182594/", "x", GDB),
        ("https://X.COM:443/gdb/status/1725736242137182594#frag", "x", GDB),
        ("https://ｘ.com/gdb/status/1725736242137182594", "x", GDB),  # fullwidth: browsers too
        (
            "https://twitter.com/i/web/status/1725736242137182594",
            "x",
            "https://x.com/i/status/1725736242137182594",
        ),
        # Mastodon on any server, both forms
        (
            "https://mastodon.social/@Gargron/111432178273563232",
            "mastodon",
            "https://mastodon.social/@gargron/111432178273563232",
        ),
        (
            "https://fosstodon.org/users/someone/statuses/110000000000000001?utm_source=x",
            "mastodon",
            "https://fosstodon.org/@someone/110000000000000001",
        ),
        (
            "https://mastodon.social/@user@other.example/109999",
            "mastodon",
            "https://mastodon.social/@user@other.example/109999",
        ),
        # Bluesky: a handle or a DID
        (
            "https://bsky.app/profile/KaraSwisher.bsky.social/post/3kebz4cxnnl2x",
            "bluesky",
            "https://bsky.app/profile/karaswisher.bsky.social/post/3kebz4cxnnl2x",
        ),
        (
            "https://bsky.app/profile/did:plc:3jpt2mvvsumj2r7eqk4gzzjz/post/3kebz4cxnnl2x",
            "bluesky",
            "https://bsky.app/profile/did:plc:3jpt2mvvsumj2r7eqk4gzzjz/post/3kebz4cxnnl2x",
        ),
        # Threads, old and new host
        (
            "https://www.threads.net/@KaraSwisher/post/Cz1DemoKara?igshid=1",
            "threads",
            "https://www.threads.com/@karaswisher/post/Cz1DemoKara",
        ),
        # YouTube: watch, youtu.be, shorts, live, embed
        (
            "https://www.youtube.com/watch?v=U9mJuUkhUzk&t=42s&list=x",
            "youtube",
            "https://www.youtube.com/watch?v=U9mJuUkhUzk",
        ),
        ("https://youtu.be/U9mJuUkhUzk?si=abc", "youtube", "https://www.youtube.com/watch?v=U9mJuUkhUzk"),
        ("https://m.youtube.com/shorts/U9mJuUkhUzk", "youtube", "https://www.youtube.com/watch?v=U9mJuUkhUzk"),
        ("https://www.youtube.com/live/U9mJuUkhUzk?feature=share", "youtube", "https://www.youtube.com/watch?v=U9mJuUkhUzk"),
        ("https://www.youtube-nocookie.com/embed/U9mJuUkhUzk", "youtube", "https://www.youtube.com/watch?v=U9mJuUkhUzk"),
        # Instagram, TikTok, LinkedIn, Facebook
        ("https://www.instagram.com/p/CzXyZ12345/?igsh=1", "instagram", "https://www.instagram.com/p/CzXyZ12345/"),
        ("https://instagram.com/reels/CzXyZ12345", "instagram", "https://www.instagram.com/reel/CzXyZ12345/"),
        (
            "https://www.tiktok.com/@OpenAI/video/7302456789012345678?lang=fr",
            "tiktok",
            "https://www.tiktok.com/@openai/video/7302456789012345678",
        ),
        (
            "https://www.linkedin.com/posts/satyanadella_we-remain-committed-activity-7132123456789012345-AbCd/",
            "linkedin",
            "https://www.linkedin.com/feed/update/urn:li:activity:7132123456789012345/",
        ),
        (
            "https://www.linkedin.com/feed/update/urn:li:activity:7132123456789012345",
            "linkedin",
            "https://www.linkedin.com/feed/update/urn:li:activity:7132123456789012345/",
        ),
        (
            "https://m.facebook.com/Microsoft/posts/pfbid0abcDEF1234567890?ref=x",
            "facebook",
            "https://www.facebook.com/microsoft/posts/pfbid0abcDEF1234567890",
        ),
        (
            "https://www.facebook.com/permalink.php?story_fbid=123456789&id=987654&ref=x",
            "facebook",
            "https://www.facebook.com/permalink.php?story_fbid=123456789&id=987654",
        ),
        ("https://www.facebook.com/watch/?v=1234567890", "facebook", "https://www.facebook.com/watch/?v=1234567890"),
    ],
)  # fmt: skip
def test_each_platform_recognises_its_posts_and_keeps_one_address(pasted, platform, url):
    post = embeds.recognise(pasted)
    assert post is not None, pasted
    assert (post.platform.key, post.url) == (platform, url)
    assert embeds.recognise(post.url) == post  # the kept address reads the same


def test_one_post_has_one_key_whatever_its_spelling():
    spellings = [
        GDB,
        "https://twitter.com/someone_else/status/1725736242137182594",
        "https://x.com/i/status/1725736242137182594",
    ]
    assert {embeds.recognise(url).key for url in spellings} == {"x:1725736242137182594"}


@pytest.mark.parametrize(
    "hostile",
    [
        "https://x.com.evil.example/gdb/status/1725736242137182594",
        "https://evil.example/x.com/gdb/status/1725736242137182594",
        "https://x.com@evil.example/gdb/status/1725736242137182594",
        "https://evil.example/?u=https://x.com/gdb/status/1725736242137182594",
        "https://х.com/gdb/status/1725736242137182594",  # Cyrillic х
        "https://twіtter.com/gdb/status/1725736242137182594",  # Ukrainian і
        "https://xn--80ak6aa92e.com/gdb/status/1725736242137182594",
        "https://youtube.com.evil.example/watch?v=U9mJuUkhUzk",
        "https://evilyoutu.be/U9mJuUkhUzk",
        "https://bsky.app.evil.example/profile/a.bsky.social/post/3kebz4cxnnl2x",
        "https://x.com:8080/gdb/status/1725736242137182594",
        "https://127.0.0.1/@user/123",  # a Mastodon path on a private address
        "https://intranet/@user/123",
        "javascript://x.com/gdb/status/1",
        "https://x.com/gdb/status/1725736242137182594\u200b",
        "https://x.com/gdb/likes",
        "https://www.youtube.com/watch?v=short",
    ],
)
def test_hostile_look_alikes_are_plain_links(hostile):
    assert embeds.recognise(hostile) is None
    with pytest.raises(ValidationError):
        embeds.validate_post_url(hostile)


@pytest.mark.parametrize(
    ("mirror", "platform"),
    [
        ("https://fxtwitter.com/gdb/status/1725736242137182594", "X"),
        ("https://d.fxtwitter.com/gdb/status/1725736242137182594", "X"),
        ("https://vxtwitter.com/gdb/status/1725736242137182594", "X"),
        ("https://fixupx.com/gdb/status/1725736242137182594", "X"),
        ("https://nitter.net/gdb/status/1725736242137182594", "X"),
        ("https://ddinstagram.com/p/CzXyZ12345/", "Instagram"),
        ("https://fxbsky.app/profile/a.bsky.social/post/3kebz4cxnnl2x", "Bluesky"),
    ],
)
def test_mirrors_are_refused_with_a_message_naming_the_platform(mirror, platform):
    assert embeds.recognise(mirror) is None
    with pytest.raises(ValidationError) as error:
        embeds.validate_post_url(mirror)
    assert error.value.code == "mirror"
    assert platform in str(error.value.messages[0])


def test_a_big_platforms_host_is_never_taken_for_a_mastodon_server():
    assert embeds.recognise("https://x.com/@gdb/1725736242137182594") is None
    assert embeds.recognise("https://www.youtube.com/@OpenAI/12345") is None


def test_only_the_video_platform_has_a_player_and_it_is_the_privacy_enhanced_one():
    players = {p.key: p.player for p in embeds.PLATFORMS if p.player}
    assert set(players) == {"youtube"}
    post = embeds.recognise("https://youtu.be/U9mJuUkhUzk")
    assert post.platform.player(post) == "https://www.youtube-nocookie.com/embed/U9mJuUkhUzk"


def test_only_platforms_with_a_public_endpoint_capture():
    capturing = {p.key for p in embeds.PLATFORMS if p.capture}
    assert capturing == {"x", "mastodon", "bluesky", "youtube"}


# --- Captures, against the fake providers ----------------------------------------------------


def test_mastodon_is_asked_on_the_posts_own_server_and_its_html_becomes_plain_text(providers):
    snapshot = embeds.capture(recorded.MASTODON_URL)
    assert providers.asked == [("mastodon.social", "/api/v1/statuses/111432178273563232", ())]
    assert snapshot.author_name == "Eugen Rochko"
    assert snapshot.author_handle == "@Gargron@mastodon.social"
    assert snapshot.author_url == "https://mastodon.social/@Gargron"
    assert snapshot.language == "en"
    assert snapshot.posted_at.isoformat() == "2023-11-18T09:15:02+00:00"
    # The shortened link is its real address; mentions and tags their text; no markup left.
    assert snapshot.text == (
        "Whatever happens at OpenAI, the #fediverse keeps your posts. Read "
        "https://joinmastodon.org/about/long/path\n\nThanks @sama & co.\nBye"
    )
    assert "<" not in snapshot.text
    assert "alert" not in snapshot.text
    assert snapshot.media == [
        {
            "url": "https://files.mastodon.social/media_attachments/files/022/345/792/original/a.jpg",
            "alt": "A screenshot of the OpenAI board's announcement",
            "kind": "image",
        }
    ]


def test_bluesky_resolves_the_handle_then_reads_the_post_with_its_full_links(providers):
    snapshot = embeds.capture(recorded.BLUESKY_URL)
    assert [path for _host, path, _query in providers.asked] == [
        "/xrpc/com.atproto.identity.resolveHandle",
        "/xrpc/app.bsky.feed.getPosts",
    ]
    assert set(providers.hosts_asked()) == {"public.api.bsky.app"}
    assert (snapshot.author_name, snapshot.author_handle) == (
        "Kara Swisher",
        "@karaswisher.bsky.social",
    )
    assert snapshot.text == (
        "Many more departures coming at OpenAI, I am told. More: "
        "https://www.nytimes.com/2023/11/18/technology/openai.html"
    )
    assert snapshot.posted_at.isoformat() == "2023-11-18T17:41:07.512000+00:00"
    assert snapshot.media[0]["alt"] == "Sam Altman on stage"


def test_youtube_oembed_gives_title_channel_and_thumbnail(providers):
    snapshot = embeds.capture("https://youtu.be/U9mJuUkhUzk")
    assert snapshot.text == "OpenAI DevDay, Opening Keynote"
    assert (snapshot.author_name, snapshot.author_handle) == ("OpenAI", "@OpenAI")
    assert snapshot.thumbnail_url == "https://i.ytimg.com/vi/U9mJuUkhUzk/hqdefault.jpg"
    assert providers.hosts_asked() == ["www.youtube.com"]


def test_x_oembed_text_is_read_from_its_blockquote_and_the_time_from_the_id(providers):
    snapshot = embeds.capture(GDB)
    assert providers.hosts_asked() == ["publish.twitter.com"]
    assert snapshot.text == (
        "Sam and I are shocked and saddened by what the board did today. @sama "
        "https://t.co/KzZ4sRtW3u"
    )
    assert "widgets.js" not in snapshot.text
    assert (snapshot.author_handle, snapshot.author_url) == ("@gdb", "https://x.com/gdb")
    assert snapshot.language == "en"
    assert snapshot.posted_at.isoformat() == "2023-11-18T04:42:37.411000+00:00"


@pytest.mark.parametrize("status", [401, 403, 404, 410])
def test_a_post_the_platform_says_is_gone_is_a_deleted_snapshot(providers, status):
    providers.set("mastodon.social", "/api/v1/statuses/111432178273563232", status=status)
    assert embeds.capture(recorded.MASTODON_URL).availability == embeds.DELETED


def test_an_empty_bluesky_answer_is_a_deleted_post(providers):
    providers.set(
        "public.api.bsky.app",
        "/xrpc/app.bsky.feed.getPosts",
        {"uris": f"at://{recorded.KARA_DID}/app.bsky.feed.post/3kebz4cxnnl2x"},
        data={"posts": []},
    )
    assert embeds.capture(recorded.BLUESKY_URL).availability == embeds.DELETED


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ({"status": 500, "data": {}}, "refused"),
        ({"status": 200, "data": {"account": "not an object"}}, "unreadable"),
    ],
)
def test_a_failed_capture_says_why_in_words_for_the_editor(providers, answer, code):
    providers.set("mastodon.social", "/api/v1/statuses/111432178273563232", **answer)
    with pytest.raises(embeds.CaptureError) as error:
        embeds.capture(recorded.MASTODON_URL)
    assert error.value.code == code
    assert "Mastodon" in str(error.value.message)
    assert "by hand" in str(error.value.message)


def test_an_unreachable_server_is_a_capture_error_not_a_crash(providers):
    with pytest.raises(embeds.CaptureError) as error:
        embeds.capture("https://unknown.example/@someone/123")
    assert error.value.code == "unreachable"


def test_platforms_without_a_public_endpoint_are_filled_in_by_hand(providers):
    with pytest.raises(embeds.CaptureError) as error:
        embeds.capture("https://www.instagram.com/p/CzXyZ12345/")
    assert error.value.code == "no_endpoint"
    assert providers.asked == []


def test_without_the_fake_providers_nothing_is_reached():
    # tests/conftest.py resolves no name but this machine's: a capture fails as offline.
    with pytest.raises(embeds.CaptureError) as error:
        embeds.capture(GDB)
    assert error.value.code == "unreachable"


def test_the_thumbnail_is_fetched_from_youtubes_image_host_only_and_re_encoded(providers):
    body, width, height = embeds.fetch_thumbnail("https://i.ytimg.com/vi/U9mJuUkhUzk/hqdefault.jpg")
    with Image.open(io.BytesIO(body)) as image:
        assert (image.format, image.size) == ("JPEG", (480, 360))
        assert not image.getexif()  # the camera note is gone
    assert (width, height) == (480, 360)
    assert embeds.fetch_thumbnail("https://evil.example/vi/x/hqdefault.jpg") is None
    assert embeds.fetch_thumbnail("http://i.ytimg.com/vi/x/hqdefault.jpg") is None


def test_a_thumbnail_that_is_not_an_image_is_dropped(providers):
    providers.answers[recorded.key("i.ytimg.com", "/vi/bad/hqdefault.jpg")] = (
        200,
        "image/jpeg",
        b"<html>not a picture</html>",
    )
    assert embeds.fetch_thumbnail("https://i.ytimg.com/vi/bad/hqdefault.jpg") is None


# --- Placeholders and cards --------------------------------------------------------------------


def test_the_placeholder_attribute_is_what_rendering_writes():
    url = "https://www.facebook.com/permalink.php?story_fbid=123456789&id=987654"
    html = render_markdown(url)
    assert embeds.placeholder_attribute(url) in html
    assert embeds.urls_in(html) == {url}


def test_a_placeholder_an_author_forges_for_another_site_is_no_card():
    forged = (
        '<figure class="social-embed" data-social-url="https://evil.example/@a/1.x">'
        '<a href="https://evil.example/">x</a></figure>'
    )
    assert embeds.urls_in(render_markdown(forged)) == set()


def test_cards_without_a_snapshot_are_plain_link_cards():
    html = embeds.Cards().render(render_markdown(GDB))
    assert 'class="social-post social-post-x is-link"' in html
    assert 'data-social-version="0"' in html
    assert f'href="{GDB}"' in html
    assert embeds.shown_posts(html) == {(GDB, 0)}
