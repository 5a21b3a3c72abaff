"""SocialPost snapshots: one row per post, filled in by hand or captured (publishing's capture
workflow, the admin and its action), and what happens to pages when a snapshot changes."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from articles import publishing
from articles.models import LiveUpdate, SocialPost
from tests import factories
from tests import providers as recorded
from tests.helpers import english_client, form_data

pytestmark = pytest.mark.django_db

GDB = "https://x.com/gdb/status/1725736242137182594"


def post(url=GDB, **fields):
    return SocialPost.objects.create(url=url, **fields)


def test_the_address_is_normalised_and_the_platform_recognised_on_save():
    made = post(
        "https://twitter.com/GDB/status/1725736242137182594?s=20", text="Hi https://a.example/"
    )
    assert (made.url, made.platform, made.key) == (GDB, "x", "x:1725736242137182594")
    assert made.text_html == (
        '<p>Hi <a href="https://a.example/" rel="noopener noreferrer">https://a.example/</a></p>'
    )


def test_two_spellings_of_one_post_are_refused_as_a_duplicate_with_a_clear_error():
    post()
    other = SocialPost(url="https://twitter.com/i/web/status/1725736242137182594")
    with pytest.raises(ValidationError) as error:
        other.full_clean()
    assert error.value.error_dict["url"][0].code == "duplicate_post"


def test_the_snapshots_text_is_plain_text_whatever_was_typed():
    made = post(text='<script>alert(1)</script><a href="javascript:x">y</a>')
    assert "<script" not in made.text_html
    assert "&lt;script&gt;" in made.text_html
    assert "<a " not in made.text_html


@pytest.mark.parametrize(
    "media",
    [
        [{"url": "http://127.0.0.1/a.jpg", "alt": "", "kind": "image"}],
        [{"url": "https://a.example/a.jpg", "alt": "", "kind": "pdf"}],
        [{"url": "https://a.example/a.jpg", "onload": "x", "kind": "image"}],
        "not a list",
    ],
)
def test_media_are_public_addresses_of_known_kinds(media):
    with pytest.raises(ValidationError):
        SocialPost(url=GDB, media=media).full_clean()


def test_capture_fills_the_snapshot_and_records_who_and_when(providers, editor):
    made = post(recorded.MASTODON_URL, created_by=editor)
    assert publishing.capture_social_post(post=made, by=editor) is None
    made.refresh_from_db()
    assert made.author_name == "Eugen Rochko"
    assert made.capture_state == SocialPost.Capture.DONE
    assert made.availability == SocialPost.Availability.AVAILABLE
    assert made.captured_by == editor
    assert made.captured_at == made.last_seen_at
    assert "joinmastodon.org/about/long/path</a>" in made.text_html


def test_the_background_capture_keeps_what_the_editor_typed(providers):
    made = post(recorded.MASTODON_URL, author_name="Eugen (typed)", text="")
    publishing.capture_social_post(post=made, overwrite=False)
    made.refresh_from_db()
    assert made.author_name == "Eugen (typed)"
    assert made.text.startswith("Whatever happens at OpenAI")


def test_a_capture_or_check_landing_after_the_post_went_to_the_trash_changes_nothing(
    providers, editor
):
    made = post(recorded.MASTODON_URL, created_by=editor)
    publishing.trash(obj=made, by=editor)
    assert publishing.capture_social_post(post=made, overwrite=False) is None
    assert publishing.check_social_post(post=made) is None
    kept = SocialPost.all_objects.get(pk=made.pk)
    assert kept.author_name == ""
    assert kept.deleted_at is not None


def test_a_failed_capture_leaves_the_fields_and_says_why(providers, editor):
    made = post(recorded.MASTODON_URL, author_name="Typed", text="Typed text")
    providers.set("mastodon.social", "/api/v1/statuses/111432178273563232", status=503)
    message = publishing.capture_social_post(post=made, by=editor)
    assert "Mastodon" in str(message)
    made.refresh_from_db()
    assert (made.author_name, made.text) == ("Typed", "Typed text")
    assert made.capture_state == SocialPost.Capture.FAILED
    assert made.capture_error == str(message)


def test_a_youtube_capture_keeps_a_local_re_encoded_thumbnail(providers, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    made = post("https://youtu.be/U9mJuUkhUzk")
    publishing.capture_social_post(post=made)
    made.refresh_from_db()
    assert made.thumbnail.name.startswith("social/youtube-U9mJuUkhUzk")
    assert (made.thumbnail_width, made.thumbnail_height) == (480, 360)
    assert (tmp_path / made.thumbnail.name).read_bytes()[:2] == b"\xff\xd8"


def test_whoever_may_not_change_snapshots_may_not_capture(providers, db):
    member = factories.user(staff=True)
    with pytest.raises(PermissionDenied):
        publishing.capture_social_post(post=post(recorded.MASTODON_URL), by=member)
    assert providers.asked == []


def test_a_reporter_edits_the_snapshots_they_added_not_others(reporter, editor):
    theirs = post(created_by=reporter)
    publishing.save_social_post(post=theirs, by=reporter)
    someone_elses = post("https://youtu.be/U9mJuUkhUzk", created_by=editor)
    with pytest.raises(PermissionDenied):
        publishing.save_social_post(post=someone_elses, by=reporter)
    publishing.save_social_post(post=someone_elses, by=editor)


def test_a_snapshot_change_sends_the_updates_that_embed_it_to_open_pages(editor):
    story = factories.live_story()
    embedding = factories.update(story, body=f"Le message :\n\n{GDB}\n")
    other = factories.update(story, body="Sans message.")
    before = {u.pk: u.changed_at for u in LiveUpdate.objects.all()}
    made = post(created_by=editor)
    publishing.save_social_post(post=made, by=editor)
    after = {u.pk: u for u in LiveUpdate.objects.all()}
    assert after[embedding.pk].changed_at > before[embedding.pk]
    assert after[other.pk].changed_at == before[other.pk]
    # Not an edit of the update: its version (an open form's stale check) stays.
    assert after[embedding.pk].version == embedding.version


def test_checking_again_records_a_post_deleted_at_the_source_and_keeps_the_snapshot(providers):
    made = post(recorded.MASTODON_URL)
    publishing.capture_social_post(post=made)
    made.refresh_from_db()
    seen, version = made.last_seen_at, made.version
    assert publishing.check_social_post(post=made) == "available"
    made.refresh_from_db()
    assert made.version == version  # nothing readers see changed: cached pages stay
    assert made.last_seen_at > seen
    providers.set("mastodon.social", "/api/v1/statuses/111432178273563232", status=404)
    assert publishing.check_social_post(post=made) == "deleted"
    made.refresh_from_db()
    assert made.availability == SocialPost.Availability.DELETED
    assert made.version > version
    assert made.text.startswith("Whatever happens")


def test_a_check_that_cannot_reach_the_platform_changes_nothing_readers_see(providers):
    made = post(recorded.MASTODON_URL, availability=SocialPost.Availability.AVAILABLE)
    providers.set("mastodon.social", "/api/v1/statuses/111432178273563232", status=500)
    assert publishing.check_social_post(post=made) is None
    made.refresh_from_db()
    assert made.availability == SocialPost.Availability.AVAILABLE
    assert made.checked_at is not None


# --- The admin --------------------------------------------------------------------------------


def test_an_editor_pastes_an_address_and_fills_in_the_snapshot_by_hand(editor):
    client = english_client(editor)
    page = client.get(reverse("admin:articles_socialpost_add"))
    data = form_data(page, "socialpost_form")
    data.update(
        url="https://www.instagram.com/p/CzXyZ12345/?igsh=abc",
        author_name="OpenAI",
        author_handle="@openai",
        text="Posted by hand.",
        posted_at_0="2023-11-18",
        posted_at_1="09:00:00",
        media="https://a.example/p.jpg | A photo of the office | image",
    )
    response = client.post(reverse("admin:articles_socialpost_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    made = SocialPost.objects.get()
    assert (made.url, made.platform) == ("https://www.instagram.com/p/CzXyZ12345/", "instagram")
    assert made.media == [
        {"url": "https://a.example/p.jpg", "alt": "A photo of the office", "kind": "image"}
    ]
    assert made.posted_at == datetime(2023, 11, 18, 8, 0, tzinfo=UTC)  # Paris time typed
    assert made.created_by == editor


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://fxtwitter.com/gdb/status/1725736242137182594", "copy of a post on X"),
        ("https://example.com/article", "not a post on a platform"),
        ("http://127.0.0.1/@a/1", "private, local or reserved"),
    ],
)
def test_an_address_that_is_not_a_post_gets_a_form_error_and_saves_nothing(editor, url, message):
    client = english_client(editor)
    data = form_data(client.get(reverse("admin:articles_socialpost_add")), "socialpost_form")
    data["url"] = url
    response = client.post(reverse("admin:articles_socialpost_add"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SocialPost.objects.exists()


def test_a_new_capturable_post_shows_its_capture_under_way(reporter):
    made = publishing.save_social_post(post=SocialPost(url=GDB), by=reporter)
    assert made.capture_state == SocialPost.Capture.PENDING
    manual = SocialPost(url="https://www.instagram.com/p/CzXyZ12345/")
    assert publishing.save_social_post(post=manual, by=reporter).capture_state == "none"


def test_adding_a_capturable_post_captures_it_in_the_background(providers, livedesk):
    client = english_client(livedesk)
    data = form_data(client.get(reverse("admin:articles_socialpost_add")), "socialpost_form")
    data["url"] = recorded.BLUESKY_URL
    response = client.post(reverse("admin:articles_socialpost_add"), data, follow=True)
    assert "being captured from Bluesky" in response.content.decode()
    made = SocialPost.objects.get()
    assert made.author_name == "Kara Swisher"
    assert made.capture_state == SocialPost.Capture.DONE


def test_the_capture_action_reports_each_post(providers, editor):
    good = post(recorded.MASTODON_URL)
    manual = post("https://www.instagram.com/p/CzXyZ12345/")
    client = english_client(editor)
    response = client.post(
        reverse("admin:articles_socialpost_changelist"),
        {"action": "capture", "_selected_action": [good.pk, manual.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert "captured." in html
    assert "fill in the snapshot by hand" in html
    good.refresh_from_db()
    assert good.capture_state == SocialPost.Capture.DONE


def test_the_address_of_a_kept_post_cannot_become_another_post(editor):
    made = post(created_by=editor)
    client = english_client(editor)
    url = reverse("admin:articles_socialpost_change", args=[made.pk])
    data = form_data(client.get(url), "socialpost_form")
    data["url"] = "https://x.com/sama/status/1725000000000000000"
    response = client.post(url, data)
    assert "cannot change" in response.content.decode()
    data["url"] = "https://twitter.com/GDB/status/1725736242137182594?s=1"  # the same post
    assert client.post(url, data).status_code == 302


def test_a_reporter_sees_someone_elses_snapshot_read_only(reporter, editor):
    made = post(created_by=editor)
    client = english_client(reporter)
    url = reverse("admin:articles_socialpost_change", args=[made.pk])
    page = client.get(url).content.decode()
    assert 'name="author_name"' not in page
    assert client.post(url, {"url": GDB, "author_name": "x"}).status_code == 403


def test_deleting_a_snapshot_is_an_editors_and_leaves_a_link_card(editor, reporter, client):
    made = post(created_by=reporter, author_name="Greg Brockman")
    story = factories.story(body=GDB)
    assert "Greg Brockman" in client.get(story.get_absolute_url()).content.decode()
    with pytest.raises(PermissionDenied):
        publishing.delete_social_post(post=made, by=reporter)
    publishing.delete_social_post(post=made, by=editor)
    html = client.get(story.get_absolute_url()).content.decode()
    assert "Greg Brockman" not in html
    assert "is-link" in html
