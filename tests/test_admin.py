"""The editors' admin: roles, the story workflow, previews, optimistic locking, soft deletes.

Every test goes through the admin with the test client, as a person in the role would.
"""

import re
from html import escape

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from articles import publishing
from articles.forms import STALE_MESSAGE
from articles.models import Byline, LiveUpdate, Story
from articles.rendering import render_markdown
from tests import factories
from tests.helpers import english_client, form_data, form_data_plain, inline_management

STORY_ADD = "/admin/articles/story/add/"
STORY_LIST = "/admin/articles/story/"


def change_url(story):
    return f"/admin/articles/story/{story.pk}/change/"


@pytest.fixture
def editor_c(editor):
    return english_client(editor)


@pytest.fixture
def reporter_c(reporter):
    return english_client(reporter)


@pytest.fixture
def livedesk_c(livedesk):
    return english_client(livedesk)


def english(message):
    with translation.override("en"):
        return escape(str(message))


def add_correction(client, *, note, at, story=None, update=None):
    """POST the correction admin's add form, on a story or an update, dated `at` (day, time)."""
    target = {"story": story.pk} if story is not None else {"update": update.pk}
    data = {**target, "note": note, "corrected_at_0": at[0], "corrected_at_1": at[1]}
    return client.post("/admin/articles/correction/add/", data)


def errors_in(response):
    return response.context["adminform"].form.errors if response.context else None


# --- Roles -------------------------------------------------------------------------------------


def _perms(name):
    return set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))


@pytest.mark.django_db
def test_the_three_roles_exist_with_the_permissions_the_design_gives_them():
    reporter, editor, live = _perms("Reporter"), _perms("Editor"), _perms("Live desk")
    assert {"add_story", "change_story", "view_story"} <= reporter
    assert "publish_story" not in reporter
    assert "run_live_coverage" not in reporter
    assert {"publish_story", "run_live_coverage", "change_story", "add_story"} <= editor
    assert {"add_liveupdate", "change_liveupdate", "delete_liveupdate"} <= live
    assert "change_story" not in live
    assert "publish_story" not in live
    assert "add_story" not in live


@pytest.mark.django_db
def test_a_reporters_account_has_the_reporter_rights_and_nothing_more(reporter, editor, livedesk):
    assert reporter.has_perm("articles.add_story")
    assert not reporter.has_perm("articles.publish_story")
    assert not livedesk.has_perm("articles.change_story")
    assert not livedesk.has_perm("articles.publish_story")
    assert editor.has_perm("articles.publish_story")
    assert editor.has_perm("articles.run_live_coverage")


# --- Reporter: create drafts, never publish ------------------------------------------------------


def _add_story_post(response, **fields):
    """The add form as rendered, filled in; inline management forms come from the page."""
    data = form_data(response)
    section = factories.section()
    data.update(
        {
            "headline": "Council votes on the budget",
            "slug": "council-votes-on-the-budget",
            "standfirst": "The vote is expected tonight.",
            "section": str(section.pk),
            "body": "## Background\n\nThe council meets at 18:00.",
            "summary": "- a vote\n- tonight",
            "status": "draft",
            "language": "en",
            "time_zone": "Europe/Paris",
        }
    )
    data.update(fields)
    return data


def test_a_reporter_adds_a_draft_and_is_stamped_as_its_creator(reporter_c, reporter):
    page = reporter_c.get(STORY_ADD)
    data = _add_story_post(page)
    # All three inlines' management forms are part of the page and the POST.
    for prefix in ("bylines", "corrections", "updates"):
        assert f"{prefix}-TOTAL_FORMS" in data, prefix
    response = reporter_c.post(STORY_ADD, data)
    assert response.status_code == 302, errors_in(response)
    story = Story.objects.get(slug="council-votes-on-the-budget")
    assert story.status == Story.Status.DRAFT
    assert story.published_at is None
    assert story.created_by == reporter
    assert story.body_html == render_markdown(data["body"])
    assert "Background</h2>" in story.body_html
    assert not Story.objects.published().filter(pk=story.pk).exists()


def test_a_reporter_can_name_the_authors_of_their_own_draft(reporter_c):
    page = reporter_c.get(STORY_ADD)
    first, second = factories.author(name="Ada"), factories.author(name="Grace")
    data = _add_story_post(page)
    data.update(inline_management("bylines", total=2))
    data.update(
        {
            "bylines-0-author": str(first.pk),
            "bylines-0-position": "0",
            "bylines-1-author": str(second.pk),
            "bylines-1-position": "1",
        }
    )
    response = reporter_c.post(STORY_ADD, data)
    assert response.status_code == 302, errors_in(response)
    story = Story.objects.get(slug="council-votes-on-the-budget")
    assert [b.author.name for b in Byline.objects.filter(story=story)] == ["Ada", "Grace"]


def test_a_reporter_cannot_create_a_story_already_published(reporter_c):
    page = reporter_c.get(STORY_ADD)
    assert 'value="published"' not in page.content.decode()
    response = reporter_c.post(STORY_ADD, _add_story_post(page, status="published"))
    assert response.status_code == 200
    assert "status" in errors_in(response)
    assert not Story.objects.filter(slug="council-votes-on-the-budget").exists()


def test_a_reporter_cannot_publish_their_draft_from_the_change_form(reporter_c, reporter):
    story = factories.story(status=Story.Status.DRAFT, published_at=None, created_by=reporter)
    data = form_data(reporter_c.get(change_url(story)))
    data["status"] = "published"
    response = reporter_c.post(change_url(story), data)
    assert response.status_code == 200
    assert "status" in errors_in(response)
    assert b"errornote" in response.content
    story.refresh_from_db()
    assert story.status == Story.Status.DRAFT
    assert story.published_at is None
    assert not Story.objects.published().filter(pk=story.pk).exists()


def test_a_reporter_submits_their_draft_for_review_from_the_change_form(reporter_c, reporter):
    story = factories.story(status=Story.Status.DRAFT, published_at=None, created_by=reporter)
    data = form_data(reporter_c.get(change_url(story)))
    data.update({"status": "in_review", "standfirst": "Checked and ready."})
    response = reporter_c.post(change_url(story), data)
    assert response.status_code == 302, errors_in(response)
    story.refresh_from_db()
    assert (story.status, story.standfirst) == (Story.Status.IN_REVIEW, "Checked and ready.")


def test_the_publish_action_is_not_offered_to_a_reporter_and_posting_it_changes_nothing(
    reporter_c, reporter
):
    story = factories.story(status=Story.Status.DRAFT, published_at=None, created_by=reporter)
    listing = reporter_c.get(STORY_LIST)
    assert listing.status_code == 200
    html = listing.content.decode()
    assert 'value="submit_for_review"' in html
    assert 'value="publish_stories"' not in html
    assert 'value="withdraw_stories"' not in html
    for action in ("publish_stories", "withdraw_stories"):
        reporter_c.post(STORY_LIST, {"action": action, "_selected_action": [story.pk]})
        story.refresh_from_db()
        assert story.status == Story.Status.DRAFT
        assert story.published_at is None


def test_a_reporter_cannot_edit_someone_elses_draft(reporter_c):
    other = factories.user("other-reporter", group="Reporter")
    story = factories.story(
        headline="Theirs", status=Story.Status.DRAFT, published_at=None, created_by=other
    )
    page = reporter_c.get(change_url(story))
    # Reporters may read every story (view_story), so the page is there, read-only.
    assert page.status_code == 200
    assert b'name="headline"' not in page.content
    assert b'name="_save"' not in page.content
    response = reporter_c.post(
        change_url(story), {"headline": "Mine now", "slug": story.slug, "status": "draft"}
    )
    assert response.status_code == 403
    story.refresh_from_db()
    assert story.headline == "Theirs"


def test_a_reporter_cannot_submit_someone_elses_draft_for_review_with_the_action(reporter_c):
    other = factories.user("other-reporter", group="Reporter")
    story = factories.story(status=Story.Status.DRAFT, published_at=None, created_by=other)
    reporter_c.post(STORY_LIST, {"action": "submit_for_review", "_selected_action": [story.pk]})
    story.refresh_from_db()
    assert story.status == Story.Status.DRAFT


@pytest.mark.parametrize("status", [Story.Status.IN_REVIEW, Story.Status.PUBLISHED])
def test_a_reporter_cannot_edit_their_own_story_once_it_left_draft(reporter_c, reporter, status):
    story = factories.story(headline="Filed", status=status, created_by=reporter)
    page = reporter_c.get(change_url(story))
    assert page.status_code == 200  # read-only
    assert b'name="_save"' not in page.content
    response = reporter_c.post(
        change_url(story), {"headline": "Rewritten", "slug": story.slug, "status": "draft"}
    )
    assert response.status_code == 403
    story.refresh_from_db()
    assert (story.headline, story.status) == ("Filed", status)


# --- Editor: publish and withdraw --------------------------------------------------------------


def test_an_editor_publishes_with_the_action(editor_c):
    story = factories.story(status=Story.Status.IN_REVIEW, published_at=None)
    assert b'value="publish_stories"' in editor_c.get(STORY_LIST).content
    before = timezone.now()
    response = editor_c.post(
        STORY_LIST, {"action": "publish_stories", "_selected_action": [story.pk]}
    )
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.status == Story.Status.PUBLISHED
    assert before <= story.published_at <= timezone.now()
    public = editor_c.get(story.get_absolute_url())
    assert public.status_code == 200
    assert story.headline.encode() in public.content


def test_an_editor_publishes_from_the_change_form(editor_c):
    story = factories.story(
        headline="Ready to go", status=Story.Status.IN_REVIEW, published_at=None
    )
    data = form_data(editor_c.get(change_url(story)))
    data["status"] = "published"
    response = editor_c.post(change_url(story), data)
    assert response.status_code == 302, errors_in(response)
    story.refresh_from_db()
    assert story.status == Story.Status.PUBLISHED
    assert story.published_at is not None
    assert story.published_at <= timezone.now()
    assert Story.objects.published().filter(pk=story.pk).exists()
    assert Client().get(story.get_absolute_url()).status_code == 200


def test_withdrawing_a_story_makes_its_public_page_answer_410(editor_c):
    story = factories.story(headline="Retracted claim")
    assert Client().get(story.get_absolute_url()).status_code == 200
    response = editor_c.post(
        STORY_LIST, {"action": "withdraw_stories", "_selected_action": [story.pk]}
    )
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.status == Story.Status.WITHDRAWN
    gone = Client().get(story.get_absolute_url())
    assert gone.status_code == 410
    assert not Story.objects.published().filter(pk=story.pk).exists()


# --- Draft preview -----------------------------------------------------------------------------


def test_staff_preview_a_draft_that_readers_cannot_reach(editor_c):
    story = factories.story(
        headline="Embargoed scoop",
        body="Secret **body**",
        status=Story.Status.DRAFT,
        published_at=None,
    )
    preview_url = f"/preview/stories/{story.pk}/"
    response = editor_c.get(preview_url)
    assert response.status_code == 200
    assert b"Embargoed scoop" in response.content
    assert b"<strong>body</strong>" in response.content
    assert "noindex" in response["X-Robots-Tag"]
    assert "no-store" in response["Cache-Control"]

    anonymous = Client().get(preview_url)
    assert anonymous.status_code == 302
    assert "/admin/login/" in anonymous["Location"]
    assert b"Embargoed scoop" not in anonymous.content

    public = Client().get(story.get_absolute_url())
    assert public.status_code == 404
    assert b"Embargoed scoop" not in public.content


def test_the_change_form_links_a_draft_to_its_preview(editor_c):
    story = factories.story(status=Story.Status.DRAFT, published_at=None)
    page = editor_c.get(change_url(story))
    assert f"/preview/stories/{story.pk}/".encode() in page.content


# --- Two people, one story ---------------------------------------------------------------------


def test_a_save_from_a_stale_form_is_refused_and_keeps_the_first_save(editor):
    story = factories.story(headline="Original")
    first, second = english_client(editor), english_client(editor)
    data_one = form_data(first.get(change_url(story)))
    data_two = form_data(second.get(change_url(story)))
    assert data_one["expected_version"] == data_two["expected_version"] == str(story.version)

    data_one["headline"] = "First editor's headline"
    response = first.post(change_url(story), data_one)
    assert response.status_code == 302, errors_in(response)

    data_two["headline"] = "Second editor's headline"
    response = second.post(change_url(story), data_two)
    assert response.status_code == 200
    assert english(STALE_MESSAGE) in response.content.decode()
    story.refresh_from_db()
    assert story.headline == "First editor's headline"


def test_a_desk_edit_to_an_update_does_not_block_an_editor_saving_the_story(editor_c, livedesk):
    """Optimistic locking refuses overwrites, not unrelated work during live coverage."""
    story = factories.live_story(standfirst="Old standfirst")
    update = factories.update(story, body="First version")
    data = form_data(editor_c.get(change_url(story)))
    # Meanwhile the live desk corrects and pins the update the editor has on screen.
    desk = english_client(livedesk)
    edit = form_data_plain(desk.get(f"/desk/updates/{update.pk}/edit/"))
    edit["body"] = "Second version"
    assert desk.post(f"/desk/updates/{update.pk}/edit/", edit).status_code == 302
    assert desk.post(f"/desk/updates/{update.pk}/action/", {"action": "pin"}).status_code == 302

    data["standfirst"] = "New standfirst"
    data["updates-0-body"] = "Stale text from the story form"  # even if forged: never saved
    response = editor_c.post(change_url(story), data)
    assert response.status_code == 302, errors_in(response)
    story.refresh_from_db()
    update.refresh_from_db()
    assert story.standfirst == "New standfirst"
    assert (update.body, update.is_pinned) == ("Second version", True)


def test_an_editor_adds_and_deletes_updates_from_the_story_form(editor_c, editor):
    story = factories.live_story()
    old = factories.update(story, body="Retracted line.")
    data = form_data(editor_c.get(change_url(story)))
    assert data["updates-TOTAL_FORMS"] == "1"
    data.update(inline_management("updates", total=2, initial=1))
    data["updates-0-DELETE"] = "on"
    now = timezone.localtime()
    data.update(
        {
            "updates-1-body": "Added from the admin.",
            "updates-1-status": "published",
            "updates-1-published_at_0": now.strftime("%Y-%m-%d"),
            "updates-1-published_at_1": now.strftime("%H:%M:%S"),
        }
    )
    response = editor_c.post(change_url(story), data)
    assert response.status_code == 302, errors_in(response)
    old.refresh_from_db()
    assert old.deleted_at is not None  # a soft delete, as everywhere
    added = LiveUpdate.objects.get(story=story, body="Added from the admin.")
    assert added.created_by == editor
    assert LiveUpdate.objects.published().filter(pk=added.pk).exists()


# --- Live desk in the admin --------------------------------------------------------------------


def test_the_live_desk_may_view_but_not_change_a_story_in_the_admin(livedesk_c):
    story = factories.live_story(headline="Storm hits the coast", body="Original body")
    page = livedesk_c.get(change_url(story))
    assert page.status_code == 200
    assert b"Storm hits the coast" in page.content
    assert b'name="body"' not in page.content
    assert b'name="_save"' not in page.content
    response = livedesk_c.post(
        change_url(story),
        {
            "headline": story.headline,
            "slug": story.slug,
            "body": "Rewritten by the desk",
            "section": story.section_id,
            "status": "published",
        },
    )
    assert response.status_code == 403
    story.refresh_from_db()
    assert story.body == "Original body"


def test_the_live_desk_cannot_publish_or_withdraw_with_the_actions(livedesk_c):
    draft = factories.story(status=Story.Status.IN_REVIEW, published_at=None)
    out = factories.story()
    listing = livedesk_c.get(STORY_LIST)
    assert listing.status_code == 200
    assert b'value="publish_stories"' not in listing.content
    livedesk_c.post(STORY_LIST, {"action": "publish_stories", "_selected_action": [draft.pk]})
    livedesk_c.post(STORY_LIST, {"action": "withdraw_stories", "_selected_action": [out.pk]})
    draft.refresh_from_db()
    out.refresh_from_db()
    assert draft.status == Story.Status.IN_REVIEW
    assert draft.published_at is None
    assert out.status == Story.Status.PUBLISHED


def test_the_live_desk_cannot_add_a_story(livedesk_c):
    assert livedesk_c.get(STORY_ADD).status_code == 403


# --- Live updates in the admin -----------------------------------------------------------------


def test_deleting_a_live_update_in_the_admin_is_a_soft_delete(editor_c):
    story = factories.live_story()
    update = factories.update(story, body="Wrong figures")
    delete_url = f"/admin/articles/liveupdate/{update.pk}/delete/"
    assert editor_c.get(delete_url).status_code == 200
    response = editor_c.post(delete_url, {"post": "yes"})
    assert response.status_code == 302
    update.refresh_from_db()  # the row is still there
    assert update.deleted_at is not None
    assert update.body == "Wrong figures"
    assert not LiveUpdate.objects.published().filter(pk=update.pk).exists()
    page = Client().get(story.get_absolute_url())
    assert b"Wrong figures" not in page.content


def test_the_delete_selected_action_soft_deletes_updates_too(editor_c):
    story = factories.live_story()
    updates = [factories.update(story), factories.update(story)]
    response = editor_c.post(
        "/admin/articles/liveupdate/",
        {"action": "delete_selected", "_selected_action": [u.pk for u in updates], "post": "yes"},
    )
    assert response.status_code == 302
    assert LiveUpdate.objects.filter(story=story).count() == 2
    assert not LiveUpdate.objects.filter(story=story, deleted_at__isnull=True).exists()


def test_the_restore_action_brings_a_deleted_update_back(editor_c):
    story = factories.live_story()
    update = factories.update(story, body="Back again", deleted_at=timezone.now())
    editor_c.post(
        "/admin/articles/liveupdate/", {"action": "restore", "_selected_action": [update.pk]}
    )
    update.refresh_from_db()
    assert update.deleted_at is None
    assert b"Back again" in Client().get(story.get_absolute_url()).content


# --- Cost --------------------------------------------------------------------------------------


def test_the_story_list_costs_the_same_however_many_stories(
    editor_c, django_assert_max_num_queries
):
    section = factories.section()
    people = [factories.author(), factories.author()]
    factories.story(section=section, authors=people)
    with CaptureQueriesContext(connection) as few:
        assert editor_c.get(STORY_LIST).status_code == 200
    for _ in range(15):
        factories.story(section=section, authors=people)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = editor_c.get(STORY_LIST)
    assert response.status_code == 200
    assert response.content.count(people[0].name.encode()) >= 16


# --- Corrections -------------------------------------------------------------------------------


def test_a_correction_added_in_the_correction_admin_reaches_the_story_page(editor_c):
    story = factories.story(headline="Board fires chief")
    reader = Client()
    assert reader.get(story.get_absolute_url()).status_code == 200  # the page is now cached
    page = editor_c.get("/admin/articles/correction/add/")
    data = form_data(page, form_id="correction_form")
    data.update({"story": str(story.pk), "note": "An earlier version misnamed the chair."})
    response = editor_c.post("/admin/articles/correction/add/", data)
    assert response.status_code == 302, errors_in(response)
    assert b"An earlier version misnamed the chair." in reader.get(story.get_absolute_url()).content


def test_a_correction_on_an_update_and_its_removal_reach_the_story_page(editor_c):
    story = factories.live_story()
    update = factories.update(story, body="Sara Swisher reports.")
    reader = Client()
    assert reader.get(story.get_absolute_url()).status_code == 200
    data = form_data(editor_c.get("/admin/articles/correction/add/"), form_id="correction_form")
    data.update({"update": str(update.pk), "note": "Kara, not Sara."})
    assert editor_c.post("/admin/articles/correction/add/", data).status_code == 302
    assert b"Kara, not Sara." in reader.get(story.get_absolute_url()).content

    correction = update.corrections.get()
    delete_url = f"/admin/articles/correction/{correction.pk}/delete/"
    assert editor_c.post(delete_url, {"post": "yes"}).status_code == 302
    assert not update.corrections.exists()
    assert b"Kara, not Sara." not in reader.get(story.get_absolute_url()).content


def test_the_address_of_a_published_story_cannot_change_in_the_admin(editor_c):
    story = factories.story(slug="board-fires-chief")
    data = form_data(editor_c.get(change_url(story)))
    data["slug"] = "a-new-address"
    response = editor_c.post(change_url(story), data)
    assert response.status_code == 200
    assert "slug" in errors_in(response)
    story.refresh_from_db()
    assert story.slug == "board-fires-chief"


def test_a_stale_edit_in_the_live_update_admin_is_refused(editor):
    update = factories.update(factories.live_story(), body="Original.")
    url = f"/admin/articles/liveupdate/{update.pk}/change/"
    first, second = english_client(editor), english_client(editor)
    data_one = form_data(first.get(url), form_id="liveupdate_form")
    data_two = form_data(second.get(url), form_id="liveupdate_form")
    data_one["body"] = "First edit."
    assert first.post(url, data_one).status_code == 302
    data_two["body"] = "Second edit."
    response = second.post(url, data_two)
    assert response.status_code == 200
    assert english(STALE_MESSAGE) in response.content.decode()
    update.refresh_from_db()
    assert update.body == "First edit."


def test_story_change_page_lists_only_the_latest_updates(editor_c):
    """A story with hundreds of updates still opens quickly: its page holds the latest 20."""
    story = factories.live_story()
    for n in range(45):
        factories.update(story, title=f"Mise à jour {n:02d}")
    html = editor_c.get(change_url(story)).content.decode()
    assert "Mise à jour 44" in html
    assert "Mise à jour 25" in html
    assert "Mise à jour 24" not in html


# --- History and revert: the stored row decides, as on the change form ------------------------


def history_url(obj, record=None):
    model = obj._meta.model_name
    record = record or obj.history.earliest("history_date")
    return f"/admin/articles/{model}/{obj.pk}/history/{record.history_id}/"


def revert_post(client, obj, record=None, **changes):
    """POST the revert form of `record` (the oldest by default), as a browser would send it."""
    url = history_url(obj, record)
    page = client.get(url)
    data = form_data(page, form_id=f"historical{obj._meta.model_name}_form")
    data.update(changes)
    data["_save"] = "Save"
    return client.post(url, data)


def test_a_reporter_cannot_rewrite_a_published_story_through_its_history(reporter, editor):
    story = factories.story(headline="Vrai titre", body="Vrai texte", created_by=reporter)
    story.save()  # a second record
    attacker = english_client(reporter)
    url = history_url(story)
    data = form_data(english_client(editor).get(url), form_id="historicalstory_form")
    data.update(headline="Piraté", body="Faux", _save="Save")
    assert attacker.post(url, data).status_code == 403
    story.refresh_from_db()
    assert (story.headline, story.body, story.status) == ("Vrai titre", "Vrai texte", "published")


def test_a_reporter_cannot_unpublish_a_story_by_reverting_to_its_draft(reporter, editor):
    story = factories.story(status=Story.Status.DRAFT, published_at=None, created_by=reporter)
    draft_record = story.history.earliest("history_date")
    story.status, story.published_at = Story.Status.PUBLISHED, timezone.now()
    story.save()
    url = history_url(story, draft_record)
    data = form_data(english_client(editor).get(url), form_id="historicalstory_form")
    data["_save"] = "Save"
    assert english_client(reporter).post(url, data).status_code == 403
    story.refresh_from_db()
    assert story.status == Story.Status.PUBLISHED


def test_a_reporter_cannot_publish_someone_elses_draft_through_history(reporter, editor):
    other = factories.user(group="Reporter")
    story = factories.story(status=Story.Status.DRAFT, published_at=None, created_by=other)
    story.save()
    url = history_url(story)
    data = form_data(english_client(editor).get(url), form_id="historicalstory_form")
    data.update(status="published", _save="Save")
    assert english_client(reporter).post(url, data).status_code == 403
    story.refresh_from_db()
    assert story.status == Story.Status.DRAFT


def test_a_reporter_reverting_their_own_draft_cannot_publish_it(reporter):
    story = factories.story(status=Story.Status.DRAFT, published_at=None, created_by=reporter)
    story.save()
    response = revert_post(english_client(reporter), story, status="published")
    assert response.status_code == 200
    assert "status" in errors_in(response)
    story.refresh_from_db()
    assert story.status == Story.Status.DRAFT


def test_the_live_desk_cannot_rewrite_a_story_or_an_uncovered_update_through_history(
    livedesk, editor
):
    story = factories.story(body="Vrai texte")
    story.save()
    url = history_url(story)
    data = form_data(english_client(editor).get(url), form_id="historicalstory_form")
    data.update(body="Faux", _save="Save")
    desk = english_client(livedesk)
    assert desk.post(url, data).status_code == 403
    # An update on a story whose coverage never started: the desk does not work there.
    uncovered = factories.update(factories.story(), body="Vrai")
    uncovered.save()
    url = history_url(uncovered)
    data = form_data(english_client(editor).get(url), form_id="historicalliveupdate_form")
    data.update(body="Faux", _save="Save")
    assert desk.post(url, data).status_code == 403
    story.refresh_from_db()
    uncovered.refresh_from_db()
    assert (story.body, uncovered.body) == ("Vrai texte", "Vrai")


def test_an_editor_reverts_a_story_and_the_revert_goes_through_the_form_rules(editor):
    story = factories.story(headline="Sara Swisher")
    first = story.history.earliest("history_date")
    story.headline = "Kara Swisher"
    story.save()
    response = revert_post(english_client(editor), story, first)
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.headline == "Sara Swisher"
    assert story.status == Story.Status.PUBLISHED


def test_reverting_an_update_keeps_it_deleted_and_unpinned_as_stored(editor):
    story = factories.live_story()
    update = factories.update(story, body="Première version")
    first = update.history.earliest("history_date")
    publishing.delete_update(update=update, by=editor)
    response = revert_post(english_client(editor), update, first)
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.is_deleted  # deletion is undone by "restore", never by a revert


def test_a_history_address_that_is_not_a_record_is_404(editor_c):
    story = factories.story()
    assert editor_c.get(f"/admin/articles/story/{story.pk}/history/abc/").status_code == 404
    assert editor_c.get(f"/admin/articles/story/{story.pk}/history/999999/").status_code == 404
    assert editor_c.get("/admin/articles/story/999999/history/1/").status_code == 404


def test_the_history_list_has_no_inline_style_for_the_csp_to_block(editor_c):
    story = factories.story()
    page = editor_c.get(f"/admin/articles/story/{story.pk}/history/").content.decode()
    assert "style=" not in page


# --- Updates and corrections in the admin: the desk's limits hold here too ----------------------


def add_update_data(story, **fields):
    return {
        "story": story.pk,
        "title": "",
        "body": "Texte",
        "published_at_0": "",
        "published_at_1": "",
        "status": "published",
        **fields,
    }


@pytest.mark.parametrize(
    "story_fields",
    [
        {"status": Story.Status.DRAFT, "published_at": None},
        {"is_live": False},
        {"status": Story.Status.WITHDRAWN},
    ],
    ids=["draft", "published-not-live", "withdrawn"],
)
def test_the_live_desk_cannot_add_an_update_to_a_story_without_running_coverage(
    livedesk_c, story_fields
):
    story = factories.story(**story_fields)
    response = livedesk_c.post("/admin/articles/liveupdate/add/", add_update_data(story))
    assert response.status_code == 200
    assert "story" in errors_in(response)
    assert not LiveUpdate.objects.filter(story=story).exists()


def test_an_update_added_in_the_admin_without_a_time_takes_the_time_of_saving(livedesk_c):
    story = factories.live_story()
    response = livedesk_c.post("/admin/articles/liveupdate/add/", add_update_data(story))
    assert response.status_code == 302
    update = LiveUpdate.objects.get(story=story)
    assert abs((timezone.now() - update.published_at).total_seconds()) < 5


def test_the_add_form_is_not_prefilled_with_the_time_it_was_opened(livedesk_c):
    page = livedesk_c.get("/admin/articles/liveupdate/add/").content.decode()
    for name in ("published_at_0", "published_at_1"):  # the date box and the time box
        (box,) = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
        assert not re.search(r'value="[^"]', box), box


def test_the_live_desk_cannot_add_a_correction_to_a_story(livedesk_c):
    story = factories.story()
    response = add_correction(livedesk_c, story=story, note="Faux", at=("2026-01-01", "10:00"))
    assert response.status_code == 200
    # Refused for the rule, not for some other error in the form.
    assert "Only an editor can correct a story." in response.content.decode()
    assert not story.corrections.exists()


def test_the_live_desk_corrects_an_update_of_covered_story_in_the_admin(livedesk_c):
    update = factories.update(factories.live_story())
    response = add_correction(livedesk_c, update=update, note="Kara", at=("2026-01-01", "10:00"))
    assert response.status_code == 302
    assert update.corrections.get().note == "Kara"


def test_the_live_desk_cannot_edit_an_update_of_a_story_without_coverage(livedesk_c):
    update = factories.update(factories.story())
    url = f"/admin/articles/liveupdate/{update.pk}/change/"
    page = livedesk_c.get(url)
    assert page.status_code == 200
    assert 'name="body"' not in page.content.decode()
    assert livedesk_c.post(url, {"body": "Faux"}).status_code == 403


def test_a_year_out_of_range_is_a_form_error_not_a_server_error(editor_c):
    story = factories.story()
    data = form_data(editor_c.get(change_url(story)))
    for date in ("0001-01-01", "9999-12-31"):
        data.update(published_at_0=date, published_at_1="23:59:00")
        response = editor_c.post(change_url(story), data)
        assert response.status_code == 200
        assert "published_at" in errors_in(response)


def test_authors_are_linked_to_staff_accounts_from_a_list_an_editor_can_use(editor_c, editor):
    author = factories.author()
    page = editor_c.get(f"/admin/articles/author/{author.pk}/change/").content.decode()
    assert f'<option value="{editor.pk}">{editor.username}</option>' in page


@pytest.mark.parametrize("role", ["Reporter", "Live desk"])
def test_no_role_below_editor_rewrites_an_update_of_an_ended_or_uncovered_story_by_revert(
    editor, role
):
    person = factories.user(group=role)
    ended = factories.story(live_started_at=timezone.now(), status=Story.Status.WITHDRAWN)
    update = factories.update(ended, body="Vrai")
    update.save()
    url = history_url(update)
    data = form_data(english_client(editor).get(url), form_id="historicalliveupdate_form")
    data.update(body="Faux", _save="Save")
    assert english_client(person).post(url, data).status_code == 403
    update.refresh_from_db()
    assert update.body == "Vrai"


@pytest.mark.parametrize("junk", ["%C2%B2", "%E2%91%A0", "abc", "1.0"])
def test_history_addresses_with_ids_that_are_not_ids_are_404(editor_c, junk):
    story = factories.story()
    assert editor_c.get(f"/admin/articles/story/{story.pk}/history/{junk}/").status_code == 404
    assert editor_c.get(f"/admin/articles/story/{junk}/history/").status_code == 404
    assert editor_c.get(f"/admin/articles/liveupdate/{junk}/history/").status_code == 404


@pytest.mark.parametrize("junk", ["abc", "²", "", "1;2"])
def test_an_action_on_ids_that_are_not_ids_changes_nothing_and_says_so(editor_c, junk):
    story = factories.story(status=Story.Status.DRAFT, published_at=None)
    for url, action in [
        (STORY_LIST, "publish_stories"),
        ("/admin/articles/liveupdate/", "restore"),
        ("/admin/articles/correction/", "delete_selected"),
    ]:
        response = editor_c.post(url, {"action": action, "index": 0, "_selected_action": junk})
        assert response.status_code == 302, (url, response.status_code)
    story.refresh_from_db()
    assert story.status == Story.Status.DRAFT


def test_a_correction_cannot_be_dated_in_the_future(editor_c):
    update = factories.update(factories.live_story())
    response = add_correction(editor_c, update=update, note="x", at=("2099-01-01", "00:00"))
    assert response.status_code == 200
    assert "corrected_at" in errors_in(response)
    assert not update.corrections.exists()


def test_the_desks_corrections_are_stamped_when_made(livedesk_c):
    update = factories.update(factories.live_story())
    response = add_correction(livedesk_c, update=update, note="x", at=("2020-01-01", "00:00"))
    assert response.status_code == 302
    assert abs((timezone.now() - update.corrections.get().corrected_at).total_seconds()) < 5


# --- Search and social titles ----------------------------------------------------------------


def test_an_editor_sets_the_search_and_social_titles_with_their_counts(editor_c):
    story = factories.story(headline="Le titre")
    page = editor_c.get(change_url(story))
    html = page.content.decode()
    assert "js/admin/char_count.js" in html
    assert 'data-shown-length="60"' in html
    assert 'data-shown-length="200"' in html
    data = form_data(page)
    data.update(
        search_title="Pour les moteurs",
        social_title="Pour les réseaux",
        social_description="Le texte de la carte.",
    )
    response = editor_c.post(change_url(story), data)
    assert response.status_code == 302, errors_in(response)
    story.refresh_from_db()
    assert (story.search_title, story.social_title) == ("Pour les moteurs", "Pour les réseaux")
    assert story.social_description == "Le texte de la carte."


@pytest.mark.parametrize(
    ("field", "limit"), [("search_title", 80), ("social_title", 100), ("social_description", 300)]
)
def test_the_server_refuses_a_title_longer_than_its_field(editor_c, field, limit):
    story = factories.story()
    data = form_data(editor_c.get(change_url(story)))
    data[field] = "x" * (limit + 1)
    response = editor_c.post(change_url(story), data)
    assert response.status_code == 200
    assert field in errors_in(response)
    story.refresh_from_db()
    assert getattr(story, field) == ""


def test_the_admin_reads_as_french_around_the_models_names(editor):
    """Django's French builds "Ajout de article" and "L'objet article …" around our models'
    names; the project's catalogue gives its own sentences (articles/admin/wording.py)."""
    editor_c = Client(HTTP_ACCEPT_LANGUAGE="fr")
    editor_c.force_login(editor)
    add = editor_c.get("/admin/articles/story/add/").content.decode()
    assert "Ajouter : article" in add
    assert "Ajout de article" not in add
    factories.story()
    listing = editor_c.get("/admin/articles/story/").content.decode()
    assert "Choisir l’élément à modifier (article)" in listing
    assert "Sélectionnez l’objet" not in listing
    assert "Supprimer la sélection (articles)" in listing
    section = factories.section(name="Monde", slug="monde")
    response = editor_c.post(
        f"/admin/articles/section/{section.pk}/change/",
        {"name": "Monde", "slug": "monde", "description": "", "position": "0", "name_en": ""},
        follow=True,
    )
    page = response.content.decode()
    assert "Modification enregistrée : rubrique" in page
    assert "L’objet" not in page
    assert "L'objet" not in page


def test_a_section_is_named_in_each_story_s_language(editor, client):
    editor_c = Client(HTTP_ACCEPT_LANGUAGE="fr")
    editor_c.force_login(editor)
    section = factories.section(name="Monde", slug="monde")
    url = f"/admin/articles/section/{section.pk}/change/"
    form = editor_c.get(url).content.decode()
    assert 'name="name_en"' in form
    assert "Nom (Anglais)" in form
    response = editor_c.post(
        url,
        {
            "name": "Monde",
            "slug": "monde",
            "description": "",
            "position": "0",
            "name_en": "  World  news ",
        },
    )
    assert response.status_code == 302
    section.refresh_from_db()
    assert section.names == {"en": "World news"}
    english = factories.story(section=section, language="en")
    french = factories.story(section=section, language="fr")
    assert ">World news</a>" in client.get(english.get_absolute_url()).content.decode()
    assert ">Monde</a>" in client.get(french.get_absolute_url()).content.decode()
    # The section's own page is in the newsroom's language.
    assert "<h1>Monde</h1>" in client.get(section.get_absolute_url()).content.decode()
    # An English story's structured data names its section in English too.
    assert (
        '"articleSection":"World news"' in client.get(english.get_absolute_url()).content.decode()
    )


@pytest.mark.parametrize(
    "names", [{"de": "Welt"}, {"en": ["World"]}, ["World"], "World", {"en": 3}]
)
def test_a_section_s_other_names_must_be_names_in_the_newsroom_s_languages(db, names):
    from django.core.exceptions import ValidationError

    section = factories.section()
    section.names = names
    with pytest.raises(ValidationError):
        section.full_clean()
