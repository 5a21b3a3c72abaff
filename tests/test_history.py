"""History editors can read: every change keeps the earlier version with who and when, a save
that changes nothing records nothing, the side-by-side difference is word by word and never
runs what it shows, and a restore is a normal, checked save that makes a new version."""

import re

import pytest
from django.urls import reverse

from articles import history, publishing
from articles.models import Citation, Image, LiveUpdate, SocialPost, Source, Story
from tests import factories
from tests.helpers import english_client, form_data

pytestmark = pytest.mark.django_db


def test_every_editorial_model_keeps_its_history():
    """Story, update, citation, social post and image: each has its historical model."""
    for model in (Story, LiveUpdate, Citation, SocialPost, Image):
        assert hasattr(model, "history"), model


def test_a_save_that_changes_nothing_records_nothing():
    story = factories.story()
    assert story.history.count() == 1
    story.save()
    story.save(update_fields=["updated_at"])  # what a correction does to move the page's key
    assert story.history.count() == 1
    story.headline = "A new headline"
    story.save()
    assert story.history.count() == 2


def test_an_update_edit_is_recorded_with_who_did_it():
    editor = factories.user(group="Editor")
    update = factories.update(factories.live_story(), body="First text.")
    update.body = "Second text."
    publishing.edit_update(update=update, by=editor, expected_version=update.version)
    latest = update.history.first()
    assert latest.history_user == editor
    assert latest.body == "Second text."
    assert update.history.last().body == "First text."


def test_social_post_and_citation_edits_keep_the_earlier_version():
    post = SocialPost.objects.create(url="https://mastodon.social/@gdb/111111", text="before")
    post.text = "after"
    post.save()
    assert [r.text for r in post.history.all()] == ["after", "before"]
    source = Source.objects.create(name="Yahoo!", slug="yahoo", homepage_url="https://yahoo.com")
    citation = Citation.objects.create(
        story=factories.story(), source=source, url="https://yahoo.com/a", title="Old"
    )
    citation.title = "New"
    citation.save()
    assert [r.title for r in citation.history.all()] == ["New", "Old"]


def test_the_text_difference_is_word_by_word():
    old, new = history.text_diff(
        "Sara Swisher reports.\nSame line.", "Kara Swisher reports.\nSame line."
    )
    assert "<del>Sara</del>" in old
    assert "<ins>Kara</ins>" in new
    assert "Swisher" in old
    assert "<del>Swisher" not in old
    assert "Same line." in new
    assert "<ins>Same" not in new


def test_the_difference_of_hostile_markdown_is_text():
    hostile = '<script>alert(1)</script> <img src=x onerror="alert(2)"> [a](javascript:alert(3))'
    old, new = history.text_diff("Plain.", hostile)
    assert "<script" not in new
    assert "<img" not in new
    assert "&lt;script&gt;" in new
    assert "onerror=&quot;" in new
    # Only our own markup remains: <ins> and <del>.
    assert set(re.findall(r"<(/?[a-z]+)", old + new)) <= {"ins", "/ins", "del", "/del"}


def test_a_huge_changed_block_is_shown_replaced_without_the_quadratic_match():
    old = " ".join(f"w{i}" for i in range(5000))
    new = " ".join(f"v{i}" for i in range(5000))
    left, right = history.text_diff(old, new)
    assert left.startswith("<del>")
    assert right.startswith("<ins>")


def test_the_history_page_shows_times_in_the_newsrooms_zone_and_links_each_difference(
    settings,
):
    editor = factories.user(group="Editor")
    story = factories.story(headline="Before")
    story.headline = "After"
    story.save()
    client = english_client(editor)
    page = client.get(reverse("admin:articles_story_history", args=[story.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r'<time datetime="[^"]+\+0[12]:00"', html)  # Europe/Paris
    record = story.history.first()
    diff_url = reverse("admin:articles_story_history_diff", args=[story.pk, record.pk])
    assert diff_url in html
    diff = client.get(diff_url)
    assert diff.status_code == 200
    assert "<del>Before</del>" in diff.content.decode()
    assert "<ins>After</ins>" in diff.content.decode()


def test_the_difference_page_escapes_a_hostile_body():
    editor = factories.user(group="Editor")
    story = factories.story(body="Fine.")
    story.body = "<script>alert('x')</script>"
    story.save()
    record = story.history.first()
    page = english_client(editor).get(
        reverse("admin:articles_story_history_diff", args=[story.pk, record.pk])
    )
    assert "<script>alert(" not in page.content.decode()
    assert "&lt;script&gt;" in page.content.decode()


def test_the_difference_page_follows_the_view_rule():
    story = factories.story(status=Story.Status.DRAFT, published_at=None)
    record = story.history.first()
    url = reverse("admin:articles_story_history_diff", args=[story.pk, record.pk])
    assert english_client().get(url).status_code == 302  # to the login
    member = factories.user(staff=True)  # staff, no role
    assert english_client(member).get(url).status_code in (403, 404)
    assert english_client(factories.user(group="Reporter")).get(url).status_code == 200


def _restore_with(client, story, record, **changes):
    url = reverse("admin:articles_story_simple_history", args=[story.pk, record.pk])
    data = form_data(client.get(url), form_id="historicalstory_form")
    return client.post(url, {**data, **changes, "_save": "Save"})


def _restore(client, story, record):
    url = reverse("admin:articles_story_simple_history", args=[story.pk, record.pk])
    data = form_data(client.get(url), form_id="historicalstory_form")
    return client.post(url, {**data, "_save": "Save"})


def test_a_restore_is_a_new_version_through_the_normal_save():
    editor = factories.user(group="Editor")
    story = factories.story(headline="First")
    first = story.history.first()
    story.headline = "Second"
    story.save()
    client = english_client(editor)
    response = _restore(client, story, first)
    assert response.status_code == 302, response.content.decode()[:2000]
    story.refresh_from_db()
    assert story.headline == "First"
    assert story.history.count() == 3  # the restore is itself a version
    assert story.history.first().history_user == editor


def test_a_reporter_cannot_publish_by_restoring_a_published_version():
    owner = factories.user(group="Reporter")
    story = factories.story(created_by=owner)  # published once
    published = story.history.first()
    Story.objects.filter(pk=story.pk).update(status=Story.Status.DRAFT)
    story.refresh_from_db()
    story.headline = "Draft again"
    story.save()
    client = english_client(owner)
    response = _restore(client, story, published)
    story.refresh_from_db()
    # The words may come back; the publication may not: the status offered is the reporter's.
    assert story.status == Story.Status.DRAFT
    assert story.published_at is None or not story.is_visible
    assert response.status_code in (200, 302, 403)
    tampered = _restore_with(client, story, published, status="published")
    story.refresh_from_db()
    assert story.status == Story.Status.DRAFT
    assert tampered.status_code in (200, 403)


def test_a_restore_from_a_stale_page_overwrites_nothing():
    editor = factories.user(group="Editor")
    story = factories.story(headline="First")
    first = story.history.first()
    client = english_client(editor)
    url = reverse("admin:articles_story_simple_history", args=[story.pk, first.pk])
    data = {**form_data(client.get(url), form_id="historicalstory_form"), "_save": "Save"}
    story.headline = "A colleague's save"
    story.save()
    client.post(url, data)
    story.refresh_from_db()
    assert story.headline == "A colleague's save"


def _revert(client, obj, record):
    url = reverse(f"admin:articles_{obj._meta.model_name}_simple_history", args=[obj.pk, record.pk])
    data = form_data(client.get(url), form_id=f"historical{obj._meta.model_name}_form")
    return client.post(url, {**data, "_save": "Save"})


def test_a_social_post_is_restored_by_its_editors_only():
    added_by = factories.user(group="Reporter")
    post = SocialPost.objects.create(
        url="https://mastodon.social/@gdb/333", text="As posted", created_by=added_by
    )
    first = post.history.first()
    post.text = "Typed over"
    post.save()
    other = english_client(factories.user(group="Reporter"))
    assert _revert(other, post, first).status_code == 403
    post.refresh_from_db()
    assert post.text == "Typed over"
    assert _revert(english_client(added_by), post, first).status_code == 302
    post.refresh_from_db()
    assert post.text == "As posted"
    assert post.history.count() == 3


def test_an_image_description_is_restored_through_its_form():
    editor = factories.user(group="Editor")
    image = factories.image(by=editor, alt_text="The board room")
    first = image.history.earliest("history_date")
    image.alt_text = "Wrong description"
    image.save()
    assert _revert(english_client(editor), image, first).status_code == 302
    image.refresh_from_db()
    assert image.alt_text == "The board room"
