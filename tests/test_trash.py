"""The trash: deleting a story, an update, a citation or a social post moves it there with who
and when; it leaves every page, feed, sitemap, search result and API answer (and their caches)
at once, can be restored as it was, and is destroyed only by someone who may delete it, after
a confirmation."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from articles import publishing, search
from articles.models import Citation, Correction, LiveUpdate, SocialPost, Source, Story
from tests import factories
from tests.helpers import english_client

pytestmark = pytest.mark.django_db

GDB = "https://x.com/gdb/status/1725736242137182594"


@pytest.fixture
def editor():
    return factories.user(group="Editor")


def _public_texts(client, story):
    """Everything public that could name the story."""
    return {
        "home": client.get("/").content.decode(),
        "rss": client.get("/feeds/rss/").content.decode(),
        "sitemap": client.get("/sitemap.xml").content.decode(),
        "api": client.get("/api/v1/stories").content.decode(),
        "section": client.get(story.section.get_absolute_url()).content.decode(),
    }


def test_a_story_deleted_in_the_admin_goes_to_the_trash_and_leaves_every_public_page(
    client, editor
):
    story = factories.story(headline="Le conseil limoge Altman", slug="conseil-altman")
    first = client.get(story.get_absolute_url())
    assert first.status_code == 200
    assert search.search("limoge").total == 1
    assert all("conseil-altman" in text for text in _public_texts(client, story).values())
    admin = english_client(editor)
    confirm = admin.get(reverse("admin:articles_story_delete", args=[story.pk]))
    assert confirm.status_code == 200
    assert "goes to the trash" in confirm.content.decode()
    assert (
        admin.post(
            reverse("admin:articles_story_delete", args=[story.pk]), {"post": "yes"}
        ).status_code
        == 302
    )
    stored = Story.all_objects.get(pk=story.pk)
    assert stored.deleted_at is not None
    assert stored.deleted_by == editor
    assert stored.history.first().history_user == editor
    assert client.get(story.get_absolute_url()).status_code == 404
    assert client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 404
    for where, text in _public_texts(client, story).items():
        assert "conseil-altman" not in text, where
    assert search.search("limoge").total == 0
    # The trash lists it with who and when; restoring brings everything back.
    trash = admin.get(reverse("admin:articles_story_trash"))
    assert "Le conseil limoge Altman" in trash.content.decode()
    assert (
        admin.post(reverse("admin:articles_story_trash_restore", args=[story.pk])).status_code
        == 302
    )
    assert client.get(story.get_absolute_url()).status_code == 200
    assert all("conseil-altman" in text for text in _public_texts(client, story).values())


def test_a_reporter_cannot_trash_or_restore_a_story(editor):
    owner = factories.user(group="Reporter")
    draft = factories.story(status=Story.Status.DRAFT, published_at=None, created_by=owner)
    client = english_client(owner)
    response = client.post(reverse("admin:articles_story_delete", args=[draft.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Story.objects.filter(pk=draft.pk).exists()
    publishing.trash(obj=draft, by=editor)
    restore = client.post(reverse("admin:articles_story_trash_restore", args=[draft.pk]))
    assert restore.status_code == 403
    with pytest.raises(PermissionDenied):
        publishing.restore(obj=draft, by=owner)
    assert Story.all_objects.get(pk=draft.pk).is_trashed


def test_emptying_the_trash_needs_a_confirmation_and_the_delete_permission(editor):
    story = factories.live_story()
    factories.update(story)
    url = reverse("admin:articles_story_trash_empty", args=[story.pk])
    admin = english_client(editor)
    # Not in the trash: nothing to destroy, published or not, whatever is posted.
    assert admin.post(url, {"confirm": "yes"}).status_code == 404
    publishing.trash(obj=story, by=editor)
    assert not story.is_live  # coverage ended with it
    desk = english_client(factories.user(group="Live desk"))
    assert desk.get(url).status_code == 403
    page = admin.get(url)
    assert page.status_code == 200
    assert b'name="confirm"' in page.content
    admin.post(url, {})  # no confirmation: nothing happens
    assert Story.all_objects.filter(pk=story.pk).exists()
    assert admin.post(url, {"confirm": "yes"}).status_code == 302
    assert not Story.all_objects.filter(pk=story.pk).exists()
    assert not LiveUpdate.objects.filter(story_id=story.pk).exists()
    assert Story.history.filter(id=story.pk, history_type="-").get().history_user == editor


def test_the_bulk_delete_action_moves_to_the_trash_only_what_the_user_may_delete(editor):
    stories = [factories.story() for _ in range(3)]
    admin = english_client(editor)
    response = admin.post(
        reverse("admin:articles_story_changelist"),
        {"action": "delete_selected", "_selected_action": [s.pk for s in stories], "post": "yes"},
    )
    assert response.status_code == 302
    assert Story.all_objects.trashed().count() == 3
    assert Story.objects.count() == 0


def test_a_new_story_cannot_take_the_slug_of_one_in_the_trash(editor):
    story = factories.story(slug="gardee")
    publishing.trash(obj=story, by=editor)
    twin = Story(headline="Autre", slug="gardee", section=story.section)
    with pytest.raises(ValidationError) as raised:
        twin.full_clean()
    assert "trash" in str(raised.value)


def test_a_trashed_update_leaves_the_page_and_its_poll_and_comes_back(client, editor):
    story = factories.live_story()
    update = factories.update(story, body="Mise à jour supprimée puis rétablie")
    first = client.get(story.get_absolute_url())
    assert "supprimée puis rétablie" in first.content.decode()
    publishing.trash(obj=update, by=editor)
    assert LiveUpdate.objects.get(pk=update.pk).deleted_by == editor
    gone = client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert gone.status_code == 200
    assert "supprimée puis rétablie" not in gone.content.decode()
    trash = english_client(editor).get(reverse("admin:articles_liveupdate_trash"))
    assert "supprimée puis rétablie" in trash.content.decode()
    publishing.restore(obj=update, by=editor)
    back = client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=gone["ETag"])
    assert "supprimée puis rétablie" in back.content.decode()


def test_a_trashed_citation_leaves_its_story_and_its_source_page(client, editor):
    story = factories.story()
    source = Source.objects.create(name="WSJ", slug="wsj", homepage_url="https://wsj.com")
    citation = Citation.objects.create(
        story=story, source=source, url="https://wsj.com/board", title="Board fires Altman"
    )
    first = client.get(story.get_absolute_url())
    assert "Board fires Altman" in first.content.decode()
    assert story.slug in client.get("/sources/wsj/").content.decode()
    publishing.trash(obj=citation, by=editor)
    page = client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert page.status_code == 200
    assert "Board fires Altman" not in page.content.decode()
    assert story.slug not in client.get("/sources/wsj/").content.decode()
    assert "Board fires Altman" not in client.get(f"/api/v1/stories/{story.slug}").content.decode()
    publishing.restore(obj=citation, by=editor)
    assert "Board fires Altman" in client.get(story.get_absolute_url()).content.decode()


def test_a_reporter_trashes_a_citation_of_their_draft_but_cannot_destroy_it(editor):
    owner = factories.user(group="Reporter")
    draft = factories.story(status=Story.Status.DRAFT, published_at=None, created_by=owner)
    source = Source.objects.create(name="WSJ", slug="wsj", homepage_url="https://wsj.com")
    citation = Citation.objects.create(
        story=draft, source=source, url="https://wsj.com/a", title="A"
    )
    assert publishing.trash(obj=citation, by=owner)
    with pytest.raises(PermissionDenied):
        publishing.empty_from_trash(obj=citation, by=owner)
    assert publishing.empty_from_trash(obj=citation, by=editor)


def test_a_trashed_social_post_becomes_a_link_card_and_comes_back(client, editor):
    story = factories.story(body=GDB)
    post = SocialPost.objects.create(url=GDB, author_name="Greg Brockman", text="I quit.")
    first = client.get(story.get_absolute_url())
    assert "Greg Brockman" in first.content.decode()
    admin = english_client(editor)
    admin.post(reverse("admin:articles_socialpost_delete", args=[post.pk]), {"post": "yes"})
    assert SocialPost.all_objects.get(pk=post.pk).is_trashed
    page = client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert page.status_code == 200
    assert "Greg Brockman" not in page.content.decode()
    assert "is-link" in page.content.decode()
    admin.post(reverse("admin:articles_socialpost_trash_restore", args=[post.pk]))
    assert "Greg Brockman" in client.get(story.get_absolute_url()).content.decode()


def test_the_desk_delete_and_undo_are_the_updates_trash(editor):
    story = factories.live_story()
    update = factories.update(story)
    desk = english_client(factories.user(group="Live desk"))
    url = reverse("articles:desk_action", args=[update.pk])
    desk.post(url, {"action": "delete"})
    assert LiveUpdate.objects.trashed().filter(pk=update.pk).exists()
    desk.post(url, {"action": "restore"})
    assert not LiveUpdate.objects.trashed().filter(pk=update.pk).exists()


def test_corrections_of_a_story_in_the_trash_leave_the_correction_list_and_come_back(editor):
    story = factories.live_story(headline="Le conseil limoge Altman")
    update = factories.update(story)
    Correction.objects.create(story=story, note="Sur l'article.", by=editor)
    Correction.objects.create(update=update, note="Sur la mise à jour.", by=editor)
    admin = english_client(editor)
    listing = reverse("admin:articles_correction_changelist")
    page = admin.get(listing).content.decode()
    assert "Sur l&#x27;article." in page
    assert "Sur la mise à jour." in page
    publishing.trash(obj=story, by=editor)
    page = admin.get(listing).content.decode()
    assert "Sur l&#x27;article." not in page
    assert "Sur la mise à jour." not in page
    publishing.restore(obj=Story.all_objects.get(pk=story.pk), by=editor)
    assert "Sur la mise à jour." in admin.get(listing).content.decode()
