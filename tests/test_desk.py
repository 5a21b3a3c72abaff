"""The live desk: who may use it, posting, editing, pinning, deleting, and running coverage."""

import re
from datetime import timedelta
from html import escape, unescape

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from articles.forms import STALE_MESSAGE
from articles.models import Correction, LiveUpdate, Story
from articles.rendering import render_markdown
from tests import factories
from tests.helpers import english_client

DESK = "/desk/"


def desk_url(story):
    return f"/desk/stories/{story.pk}/"


def edit_url(update):
    return f"/desk/updates/{update.pk}/edit/"


def action_url(update):
    return f"/desk/updates/{update.pk}/action/"


def coverage_url(story):
    return f"/desk/stories/{story.pk}/coverage/"


def english(message):
    with translation.override("en"):
        return escape(str(message))


@pytest.fixture
def desk(livedesk):
    return english_client(livedesk)


@pytest.fixture
def chief(editor):
    return english_client(editor)


def edit_form(client, update):
    """The edit form as the page renders it: the values and the hidden expected version."""
    response = client.get(edit_url(update))
    assert response.status_code == 200
    html = response.content.decode()
    version = re.search(r'name="expected_version" value="(\d+)"', html)
    assert version, "the edit form carries the version it was opened with"
    title = re.search(r'name="title"[^>]*value="([^"]*)"', html)
    published = re.search(r'name="published_at"[^>]*value="([^"]*)"', html)
    body = re.search(r'<textarea name="body"[^>]*>\n?(.*?)</textarea>', html, re.S)
    return {
        "expected_version": version.group(1),
        "title": unescape(title.group(1)) if title else "",
        "published_at": unescape(published.group(1)) if published else "",
        "body": unescape(body.group(1)),
    }


def public_page(story):
    response = Client().get(story.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def key_events_of(page):
    """The key events list at the top of a story page ("" when there is none)."""
    match = re.search(r'<nav class="key-events".*?</nav>', page, re.S)
    return match.group(0) if match else ""


# --- Who may use the desk ----------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in():
    story = factories.live_story()
    for url in (DESK, desk_url(story)):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_a_reporter_is_refused_the_desk(reporter):
    story = factories.live_story(headline="Floods in the valley")
    client = english_client(reporter)
    for url in (DESK, desk_url(story)):
        response = client.get(url)
        assert response.status_code == 403
        assert b"Floods in the valley" not in response.content
    client.post(desk_url(story), {"body": "Reporter's update"})
    assert not LiveUpdate.objects.exists()


@pytest.mark.django_db
def test_staff_without_a_desk_role_are_refused():
    client = english_client(factories.user("intern"))
    assert client.get(DESK).status_code == 403


@pytest.mark.parametrize("role", ["livedesk", "editor"])
def test_the_live_desk_and_editors_see_the_live_stories(request, role):
    client = english_client(request.getfixturevalue(role))
    live = factories.live_story(headline="Floods in the valley")
    factories.update(live)
    quiet = factories.story(headline="A quiet story")
    response = client.get(DESK)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Floods in the valley" in html
    assert f'href="{desk_url(live)}"' in html
    assert f'href="{desk_url(quiet)}"' not in html
    assert "private" in response["Cache-Control"]
    assert client.get(desk_url(live)).status_code == 200


# --- Posting -----------------------------------------------------------------------------------


def test_posting_creates_a_published_update_by_the_posters_author(desk, livedesk):
    person = factories.author(name="Camille Desk", user=livedesk)
    story = factories.live_story()
    page = desk.get(desk_url(story))
    assert b'name="body"' in page.content
    response = desk.post(desk_url(story), {"title": "Dam holds", "body": "The dam **holds**."})
    assert response.status_code == 302
    assert response["Location"] == desk_url(story)
    update = LiveUpdate.objects.get(story=story)
    assert update.title == "Dam holds"
    assert update.body == "The dam **holds**."
    assert update.body_html == render_markdown("The dam **holds**.")
    assert "<strong>holds</strong>" in update.body_html
    assert update.status == LiveUpdate.Status.PUBLISHED
    assert update.author == person
    assert update.created_by == livedesk
    assert update.published_at <= timezone.now()
    assert LiveUpdate.objects.published().filter(pk=update.pk).exists()
    assert update.body_html in public_page(story)


def test_an_update_by_someone_without_a_byline_has_no_author(desk, livedesk):
    story = factories.live_story()
    desk.post(desk_url(story), {"body": "No byline."})
    update = LiveUpdate.objects.get(story=story)
    assert update.author is None
    assert update.created_by == livedesk


def test_nothing_is_posted_to_a_story_whose_coverage_is_not_live(desk):
    ended = factories.story(
        live_started_at=timezone.now() - timedelta(hours=3),
        live_ended_at=timezone.now() - timedelta(hours=1),
    )
    response = desk.post(desk_url(ended), {"body": "Too late."}, follow=True)
    assert not LiveUpdate.objects.exists()
    assert b"not live" in response.content
    assert b'name="body"' not in response.content


def test_an_update_without_text_is_refused(desk):
    story = factories.live_story()
    response = desk.post(desk_url(story), {"title": "Only a title", "body": ""})
    assert response.status_code == 200
    assert b"has-error" in response.content
    assert not LiveUpdate.objects.exists()


def test_hostile_markdown_is_stored_as_typed_and_rendered_harmless(desk):
    story = factories.live_story()
    typed = (
        "<script>alert('x')</script>\n\n"
        "[click me](javascript:alert('y'))\n\n"
        # With its alt text: an image without one is refused for that alone (test_models).
        '<img src="x" alt="x" onerror="alert(\'z\')">\n\n'
        '<a href="JaVaScRiPt:alert(1)">caps</a>'
    )
    desk.post(desk_url(story), {"body": typed})
    update = LiveUpdate.objects.get(story=story)
    assert update.body == typed
    html = update.body_html.lower()
    for dangerous in ("<script", "javascript:", "onerror", "alert('x')"):
        assert dangerous not in html
    assert "click me" in html
    for page in (public_page(story), desk.get(desk_url(story)).content.decode()):
        lowered = page.lower()
        assert "<script>alert" not in lowered
        assert 'href="javascript:' not in lowered
        assert "onerror=" not in lowered


def test_a_scheduled_update_appears_on_its_minute(desk):
    story = factories.live_story()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        due = timezone.localtime(timezone.now() + timedelta(minutes=10))
        desk.post(
            desk_url(story),
            {"body": "Scheduled statement.", "published_at": due.strftime("%Y-%m-%d %H:%M:%S")},
        )
        update = LiveUpdate.objects.get(story=story)
        assert update.published_at == due.replace(microsecond=0)
        assert "Scheduled statement." not in public_page(story)
        assert b"Scheduled" in desk.get(desk_url(story)).content
        clock.shift(timedelta(minutes=10))
        assert "Scheduled statement." in public_page(story)


def test_two_people_posting_at_the_same_moment_both_land(livedesk, editor):
    story = factories.live_story()
    first, second = english_client(livedesk), english_client(editor)
    with time_machine.travel(timezone.now(), tick=False):
        assert first.get(desk_url(story)).status_code == 200
        assert second.get(desk_url(story)).status_code == 200
        assert first.post(desk_url(story), {"body": "From the desk."}).status_code == 302
        assert second.post(desk_url(story), {"body": "From the editor."}).status_code == 302
    bodies = set(LiveUpdate.objects.filter(story=story).values_list("body", flat=True))
    assert bodies == {"From the desk.", "From the editor."}
    page = public_page(story)
    assert "From the desk." in page
    assert "From the editor." in page


# --- Editing -----------------------------------------------------------------------------------


def test_an_edit_from_a_stale_form_is_refused_and_overwrites_nothing(livedesk, editor):
    story = factories.live_story()
    update = factories.update(story, body="Original figure: 10.")
    first, second = english_client(livedesk), english_client(editor)
    form_one, form_two = edit_form(first, update), edit_form(second, update)
    assert form_one["expected_version"] == form_two["expected_version"]

    form_one["body"] = "Corrected figure: 12."
    assert first.post(edit_url(update), form_one).status_code == 302

    form_two["body"] = "Corrected figure: 15."
    response = second.post(edit_url(update), form_two)
    assert response.status_code == 200
    html = response.content.decode()
    assert english(STALE_MESSAGE) in html
    # The refused text is still in the box, so the editor can copy it.
    assert "Corrected figure: 15." in html
    update.refresh_from_db()
    assert update.body == "Corrected figure: 12."


def test_an_edit_without_the_version_it_was_opened_with_is_refused(desk):
    update = factories.update(factories.live_story(), body="Kept.")
    form = edit_form(desk, update)
    del form["expected_version"]
    form["body"] = "Blind overwrite."
    response = desk.post(edit_url(update), form)
    assert response.status_code == 200
    update.refresh_from_db()
    assert update.body == "Kept."


def test_editing_a_published_update_keeps_the_earlier_version(desk):
    story = factories.live_story()
    update = factories.update(
        story, body="The toll is 3.", published_at=timezone.now() - timedelta(minutes=5)
    )
    assert update.edited_at is None
    form = edit_form(desk, update)
    form["body"] = "The toll is 4."
    response = desk.post(edit_url(update), form)
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.body == "The toll is 4."
    assert update.edited_at is not None
    assert update.history.count() >= 2
    assert update.history.filter(body="The toll is 3.").exists()
    assert update.history.filter(body="The toll is 4.").exists()
    page = public_page(story)
    assert "The toll is 4." in page
    assert "The toll is 3." not in page
    assert "update-edited" in page


def test_an_edit_with_the_time_left_empty_keeps_the_updates_time(desk):
    when = timezone.now().replace(microsecond=0) - timedelta(minutes=5)
    update = factories.update(factories.live_story(), body="Before.", published_at=when)
    form = edit_form(desk, update)
    form.update({"body": "After.", "published_at": ""})
    response = desk.post(edit_url(update), form)
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.body == "After."
    assert update.published_at == when


def test_an_edit_marked_as_a_correction_publishes_its_note(desk, livedesk):
    story = factories.live_story()
    update = factories.update(story, body="Sara Swisher reports.")
    form = edit_form(desk, update)
    form.update(
        {
            "body": "Kara Swisher reports.",
            "is_correction": "on",
            "correction_note": "An earlier version misspelt Kara Swisher's name.",
        }
    )
    assert desk.post(edit_url(update), form).status_code == 302
    correction = Correction.objects.get()
    assert correction.update == update
    assert correction.story is None
    assert correction.by == livedesk
    page = public_page(story)
    assert escape("An earlier version misspelt Kara Swisher's name.") in page
    assert "Kara Swisher reports." in page


def test_a_correction_without_a_note_is_refused(desk):
    update = factories.update(factories.live_story(), body="Sara Swisher reports.")
    form = edit_form(desk, update)
    form.update({"body": "Kara Swisher reports.", "is_correction": "on", "correction_note": " "})
    response = desk.post(edit_url(update), form)
    assert response.status_code == 200
    assert b"has-error" in response.content
    assert not Correction.objects.exists()
    update.refresh_from_db()
    assert update.body == "Sara Swisher reports."


# --- Pin, key event, delete, restore ------------------------------------------------------------


def test_pinning_an_update_unpins_the_other(desk):
    story = factories.live_story()
    first = factories.update(story, body="First pinned.")
    second = factories.update(story, body="Second pinned.")
    desk.post(action_url(first), {"action": "pin"})
    first.refresh_from_db()
    assert first.is_pinned
    response = desk.post(action_url(second), {"action": "pin"})
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.is_pinned
    assert not first.is_pinned
    assert LiveUpdate.objects.filter(story=story, is_pinned=True).count() == 1
    page = public_page(story)
    pinned_slot = page.split("data-pinned-slot", 1)[1].split("data-stream", 1)[0]
    assert "Second pinned." in pinned_slot
    assert "First pinned." not in pinned_slot
    desk.post(action_url(second), {"action": "unpin"})
    assert not LiveUpdate.objects.filter(story=story, is_pinned=True).exists()


def test_the_key_event_flag_toggles(desk):
    story = factories.live_story()
    update = factories.update(story, title="Evacuation ordered", body="Evacuate now.")
    desk.post(action_url(update), {"action": "key"})
    update.refresh_from_db()
    assert update.is_key_event
    assert "Evacuation ordered" in key_events_of(public_page(story))
    desk.post(action_url(update), {"action": "unkey"})
    update.refresh_from_db()
    assert not update.is_key_event
    assert "Evacuation ordered" not in key_events_of(public_page(story))


def test_delete_hides_an_update_from_readers_and_restore_brings_it_back(desk):
    story = factories.live_story()
    update = factories.update(story, body="Unconfirmed rumour.")
    assert "Unconfirmed rumour." in public_page(story)

    response = desk.post(action_url(update), {"action": "delete"}, follow=True)
    update.refresh_from_db()
    assert update.deleted_at is not None
    assert LiveUpdate.objects.filter(pk=update.pk).exists()
    assert "Unconfirmed rumour." not in public_page(story)
    # The desk still lists it, with an undo button.
    assert b'value="restore"' in response.content

    desk.post(action_url(update), {"action": "restore"})
    update.refresh_from_db()
    assert update.deleted_at is None
    assert "Unconfirmed rumour." in public_page(story)


# --- Coverage ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["livedesk", "editor"])
def test_the_live_desk_and_editors_start_and_end_coverage(request, role):
    client = english_client(request.getfixturevalue(role))
    story = factories.story()
    assert not story.is_live
    response = client.post(coverage_url(story), {"action": "start"})
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.is_live
    assert story.live_started_at is not None
    assert story.live_ended_at is None
    started = story.live_started_at

    client.post(coverage_url(story), {"action": "end", "confirm": "yes"})
    story.refresh_from_db()
    assert not story.is_live
    assert story.live_ended_at is not None
    assert story.live_ended_at >= started

    client.post(coverage_url(story), {"action": "start"})
    story.refresh_from_db()
    assert story.is_live
    assert story.live_started_at == started  # coverage resumes; it keeps its start
    assert story.live_ended_at is None


def test_ending_coverage_twice_keeps_the_time_it_ended(desk):
    story = factories.live_story()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        desk.post(coverage_url(story), {"action": "end", "confirm": "yes"})
        story.refresh_from_db()
        ended = story.live_ended_at
        assert ended == timezone.now()
        clock.shift(timedelta(minutes=5))
        desk.post(coverage_url(story), {"action": "end", "confirm": "yes"})
    story.refresh_from_db()
    assert story.live_ended_at == ended


def test_ending_coverage_asks_for_confirmation_first_and_changes_nothing_until_confirmed(desk):
    story = factories.live_story(headline="OpenAI")
    started = story.live_started_at
    response = desk.post(coverage_url(story), {"action": "end"})
    assert response.status_code == 200
    html = response.content.decode()
    story.refresh_from_db()
    assert story.is_live
    assert story.live_ended_at is None
    assert story.live_started_at == started
    assert "<h1>End live coverage?</h1>" in html
    assert "OpenAI" in html
    assert "will see the coverage marked as ended" in html
    form = re.search(r'<form method="post" action="([^"]+)".*?</form>', html, re.S)
    assert form
    assert form.group(1) == coverage_url(story)
    assert 'name="action" value="end"' in form.group(0)
    assert 'name="confirm" value="yes"' in form.group(0)
    assert "csrfmiddlewaretoken" in form.group(0)
    assert re.search(r'<button type="submit">[^<]*End coverage', form.group(0), re.I)
    assert re.search(rf'<a class="button secondary" href="{desk_url(story)}">Cancel</a>', html)
    assert response["Cache-Control"] == "private, no-store"

    response = desk.post(coverage_url(story), {"action": "end", "confirm": "yes"})
    assert response.status_code == 302
    story.refresh_from_db()
    assert not story.is_live
    assert story.live_ended_at is not None


def test_a_reporter_cannot_start_or_end_coverage(reporter):
    client = english_client(reporter)
    quiet, live = factories.story(), factories.live_story()
    assert client.post(coverage_url(quiet), {"action": "start"}).status_code == 403
    assert client.post(coverage_url(live), {"action": "end"}).status_code == 403
    quiet.refresh_from_db()
    live.refresh_from_db()
    assert not quiet.is_live
    assert quiet.live_started_at is None
    assert live.is_live
    assert live.live_ended_at is None


# --- What the live desk may not do --------------------------------------------------------------


def test_the_live_desk_cannot_edit_a_storys_body_in_the_admin(desk, chief):
    story = factories.live_story(body="The editor's text.")
    # A complete, valid change form, as an editor's browser would send it.
    page = chief.get(f"/admin/articles/story/{story.pk}/change/")
    assert page.status_code == 200
    data = {
        "headline": story.headline,
        "slug": story.slug,
        "standfirst": story.standfirst,
        "section": story.section_id,
        "body": "The desk's text.",
        "summary": "",
        "status": "published",
        "language": story.language,
        "time_zone": story.time_zone,
        "expected_version": story.version,
        "is_live": "on",
        "bylines-TOTAL_FORMS": "0",
        "bylines-INITIAL_FORMS": "0",
        "corrections-TOTAL_FORMS": "0",
        "corrections-INITIAL_FORMS": "0",
        "updates-TOTAL_FORMS": "0",
        "updates-INITIAL_FORMS": "0",
    }
    response = desk.post(f"/admin/articles/story/{story.pk}/change/", data)
    assert response.status_code == 403
    story.refresh_from_db()
    assert story.body == "The editor's text."
    view = desk.get(f"/admin/articles/story/{story.pk}/change/")
    assert view.status_code == 200
    assert b'name="body"' not in view.content


def test_the_live_desk_cannot_publish_a_story(desk):
    draft = factories.story(status=Story.Status.IN_REVIEW, published_at=None)
    desk.post(
        "/admin/articles/story/", {"action": "publish_stories", "_selected_action": [draft.pk]}
    )
    response = desk.post(
        f"/admin/articles/story/{draft.pk}/change/",
        {
            "headline": draft.headline,
            "slug": draft.slug,
            "section": draft.section_id,
            "status": "published",
            "language": "fr",
            "time_zone": "Europe/Paris",
        },
    )
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == Story.Status.IN_REVIEW
    assert draft.published_at is None


# --- Refusals ----------------------------------------------------------------------------------


def test_an_unknown_action_changes_nothing(desk):
    update = factories.update(factories.live_story())
    version = update.version
    response = desk.post(action_url(update), {"action": "explode"}, follow=True)
    assert b"Unknown action." in response.content
    response = desk.post(action_url(update), {})
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.version == version
    assert (update.is_pinned, update.is_key_event, update.deleted_at) == (False, False, None)


def test_an_unknown_coverage_action_changes_nothing(desk):
    story = factories.live_story()
    started = story.live_started_at
    for data in ({"action": "explode"}, {}):
        response = desk.post(coverage_url(story), data)
        assert response.status_code == 302  # back to the story's desk, with a message
        story.refresh_from_db()
        assert story.is_live
        assert story.live_started_at == started
        assert story.live_ended_at is None


def test_get_is_refused_on_the_post_only_endpoints(desk):
    story = factories.live_story()
    update = factories.update(story)
    for url in (action_url(update), coverage_url(story)):
        response = desk.get(url, {"action": "delete"})
        assert response.status_code == 405
    for url in (desk_url(story), edit_url(update)):
        assert desk.put(url).status_code == 405
    update.refresh_from_db()
    story.refresh_from_db()
    assert update.deleted_at is None
    assert story.is_live


def test_unknown_stories_and_updates_are_404(desk):
    assert desk.get("/desk/stories/999999/").status_code == 404
    assert desk.get("/desk/updates/999999/edit/").status_code == 404
    assert desk.post("/desk/updates/999999/action/", {"action": "pin"}).status_code == 404


# --- Cost --------------------------------------------------------------------------------------


def test_the_desk_pages_cost_the_same_however_many_updates(desk, django_assert_max_num_queries):
    story = factories.live_story()
    people = [factories.author(), factories.author()]
    factories.update(story, author=people[0])
    with CaptureQueriesContext(connection) as few:
        assert desk.get(desk_url(story)).status_code == 200
    for n in range(25):
        factories.update(story, author=people[n % 2])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = desk.get(desk_url(story))
    assert response.content.count(b"data-update-id=") == 26


def test_the_desk_index_costs_the_same_however_many_live_stories(
    desk, django_assert_max_num_queries
):
    factories.update(factories.live_story())
    with CaptureQueriesContext(connection) as few:
        assert desk.get(DESK).status_code == 200
    for _ in range(8):
        factories.update(factories.live_story())
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = desk.get(DESK)
    assert response.content.decode().count('href="/desk/stories/') == 9


def test_an_oversized_update_is_refused_with_a_clear_error_and_nothing_saved(livedesk):
    story = factories.live_story()
    desk = english_client(livedesk)
    response = desk.post(f"/desk/stories/{story.pk}/", {"title": "Long", "body": "a" * 20_001})
    assert response.status_code == 200
    assert "at most 20000 characters" in response.content.decode()
    assert not LiveUpdate.objects.filter(story=story).exists()


@pytest.mark.django_db(transaction=True)
def test_two_people_posting_in_parallel_threads_both_land():
    """Two requests in flight at once (threads released together): both updates are saved."""
    import threading

    from django.db import connection

    story = factories.live_story()
    people = [factories.user(group="Live desk"), factories.user(group="Editor")]
    barrier = threading.Barrier(len(people), timeout=10)
    statuses = []

    def post(person, n):
        desk = english_client(person)
        barrier.wait()
        response = desk.post(f"/desk/stories/{story.pk}/", {"title": f"T{n}", "body": f"B{n}"})
        statuses.append(response.status_code)
        connection.close()

    threads = [threading.Thread(target=post, args=(p, n)) for n, p in enumerate(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [302, 302]
    assert sorted(LiveUpdate.objects.filter(story=story).values_list("title", flat=True)) == [
        "T0",
        "T1",
    ]


def test_desk_times_are_typed_in_the_story_zone(livedesk):
    """07:45 typed on the desk of a Paris story in November is 06:45 UTC (CET)."""
    from datetime import UTC, datetime

    story = factories.live_story(time_zone="Europe/Paris")
    desk = english_client(livedesk)
    desk.post(
        f"/desk/stories/{story.pk}/",
        # Before the coverage began: the desk confirms it (the time rule, tested on its own).
        {
            "title": "Lundi",
            "body": "Texte",
            "published_at": "2023-11-20T07:45",
            "confirm_time": "on",
        },
    )
    update = LiveUpdate.objects.get(story=story, title="Lundi")
    assert update.published_at == datetime(2023, 11, 20, 6, 45, tzinfo=UTC)
    page = desk.get(f"/desk/updates/{update.pk}/edit/").content.decode()
    assert 'value="2023-11-20T07:45"' in page
    assert "Europe/Paris" in page


# --- The time an update is stamped with ------------------------------------------------------


def test_the_post_form_is_not_prefilled_with_the_time_it_was_opened(livedesk):
    story = factories.live_story()
    page = english_client(livedesk).get(f"/desk/stories/{story.pk}/").content.decode()
    field = re.search(r'<input[^>]*name="published_at"[^>]*>', page)[0]
    assert "value=" not in field


def test_an_update_posted_without_a_time_gets_the_time_of_posting_not_of_opening(livedesk):
    from datetime import UTC, datetime

    import time_machine

    story = factories.live_story(
        published_at=datetime(2023, 11, 17, 21, 5, tzinfo=UTC),
        live_started_at=datetime(2023, 11, 20, 8, 0, tzinfo=UTC),
    )
    desk = english_client(livedesk)
    with time_machine.travel(datetime(2023, 11, 20, 8, 53, tzinfo=UTC), tick=False):
        page = desk.get(f"/desk/stories/{story.pk}/").content.decode()
    # What the browser sends back for the time box: whatever the form was opened with.
    prefilled = re.search(r'name="published_at"(?:[^>]*value="([^"]*)")?', page)[1] or ""
    data = {"title": "Posté à 9 h 56", "body": "Texte", "published_at": prefilled}
    with time_machine.travel(datetime(2023, 11, 20, 8, 56, 5, tzinfo=UTC), tick=False):
        assert desk.post(f"/desk/stories/{story.pk}/", data).status_code == 302
    update = LiveUpdate.objects.get(story=story, title="Posté à 9 h 56")
    assert update.published_at == datetime(2023, 11, 20, 8, 56, 5, tzinfo=UTC)


def test_a_time_before_the_coverage_began_needs_a_confirmation(livedesk):
    story = factories.live_story()
    desk = english_client(livedesk)
    data = {"title": "2019 ?", "body": "Texte", "published_at": "2019-11-20T07:45"}
    response = desk.post(f"/desk/stories/{story.pk}/", data)
    assert response.status_code == 200
    assert "before the coverage began" in response.content.decode()
    assert not LiveUpdate.objects.filter(story=story).exists()
    response = desk.post(f"/desk/stories/{story.pk}/", {**data, "confirm_time": "on"})
    assert response.status_code == 302
    assert LiveUpdate.objects.get(story=story).published_at.year == 2019


@pytest.mark.parametrize("typed", ["0001-01-01T00:00", "9999-12-31T23:59", "2023-13-45T99:99"])
def test_a_time_out_of_range_is_a_form_error_not_a_server_error(livedesk, typed):
    story = factories.live_story(time_zone="America/New_York")
    desk = english_client(livedesk)
    response = desk.post(
        f"/desk/stories/{story.pk}/",
        {"title": "T", "body": "B", "published_at": typed, "confirm_time": "on"},
    )
    assert response.status_code == 200
    assert not LiveUpdate.objects.filter(story=story).exists()
    update = factories.update(story, title="Avant", body="Avant")
    response = desk.post(
        f"/desk/updates/{update.pk}/edit/",
        {"title": "T", "body": "B", "published_at": typed, "expected_version": update.version},
    )
    assert response.status_code == 200
    assert "has-error" in response.content.decode()
    stored = LiveUpdate.objects.get(pk=update.pk)
    assert (stored.title, stored.published_at) == ("Avant", update.published_at)


def test_pasted_control_characters_are_dropped_from_what_the_desk_saves(livedesk):
    story = factories.live_story()
    english_client(livedesk).post(
        f"/desk/stories/{story.pk}/", {"title": "Ligne\x0bcoupée", "body": "Saut\x0cde page\x1f"}
    )
    update = LiveUpdate.objects.get(story=story)
    assert (update.title, update.body) == ("Lignecoupée", "Sautde page")


def test_ending_coverage_that_has_ended_says_so(livedesk):
    story = factories.story(live_started_at=timezone.now(), live_ended_at=timezone.now())
    desk = english_client(livedesk)
    response = desk.post(
        f"/desk/stories/{story.pk}/coverage/", {"action": "end", "confirm": "yes"}, follow=True
    )
    assert "had already ended" in response.content.decode()


def test_a_post_that_loses_the_race_with_the_end_of_coverage_keeps_its_text(livedesk, monkeypatch):
    from django.core.exceptions import PermissionDenied

    from articles import publishing

    story = factories.live_story()

    def coverage_just_ended(**kwargs):
        raise PermissionDenied("ended")

    monkeypatch.setattr(publishing, "post_update", coverage_just_ended)
    response = english_client(livedesk).post(
        f"/desk/stories/{story.pk}/", {"title": "Mon titre", "body": "Mon texte tapé"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mon texte tapé" in html
    assert "not live" in html
