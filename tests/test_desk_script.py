"""The desk's answers to its own script: a post, an error, an action and the desk's poll, as
JSON carrying the list item the page would print; the same rules as the page's forms."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from articles import publishing
from articles.models import LiveUpdate
from tests import factories
from tests.helpers import count_queries, english_client

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def desk(livedesk):
    return english_client(livedesk)


def post(client, story, **fields):
    data = {"title": "", "body": "", "published_at": "", **fields}
    return client.post(f"/desk/stories/{story.pk}/", data, **JSON)


def test_a_post_answers_with_the_new_list_item_and_the_page_is_not_reloaded(desk):
    story = factories.live_story()
    response = post(desk, story, title="Emmett Shear nommé", body="Le **WSJ** l’annonce.")
    assert response.status_code == 201
    data = response.json()
    update = LiveUpdate.objects.get(story=story)
    assert data["message"] == "Update posted."
    assert data["update"]["id"] == update.pk
    assert data["update"]["version"] == update.version
    assert f'data-update-id="{update.pk}"' in data["update"]["html"]
    assert "<strong>WSJ</strong>" in data["update"]["html"]
    assert 'name="csrfmiddlewaretoken"' in data["update"]["html"]  # its actions work


def test_a_scheduled_post_says_when_in_the_storys_zone(desk):
    story = factories.live_story(time_zone="Europe/Paris")
    at = timezone.localtime(timezone.now() + timedelta(hours=2), timezone.get_fixed_timezone(60))
    response = post(desk, story, body="Plus tard.", published_at=at.strftime("%Y-%m-%dT%H:%M"))
    message = response.json()["message"]
    assert message.startswith("Update scheduled for ")
    assert "CET" in message or "CEST" in message
    assert "posted" not in message


def test_an_invalid_post_answers_its_errors_and_saves_nothing(desk):
    story = factories.live_story()
    response = post(desk, story, title="Sans texte", body="")
    assert response.status_code == 400
    assert "body" in response.json()["errors"]
    assert not LiveUpdate.objects.exists()


def test_a_time_to_confirm_is_a_field_error_in_the_answer(desk):
    story = factories.live_story()
    long_ago = timezone.localtime(timezone.now() - timedelta(days=3))
    response = post(desk, story, body="Ancien.", published_at=long_ago.strftime("%Y-%m-%dT%H:%M"))
    assert response.status_code == 400
    assert "published_at" in response.json()["errors"] or "__all__" in response.json()["errors"]
    assert not LiveUpdate.objects.exists()


def test_posting_to_coverage_that_ended_is_refused_in_json_too(desk):
    story = factories.live_story()
    publishing.end_live(story=story, by=factories.user(group="Editor"))
    response = post(desk, story, body="Trop tard.")
    assert response.status_code in (302, 400)
    assert not LiveUpdate.objects.exists()


@pytest.mark.parametrize(
    ("action", "field", "value"),
    [("pin", "is_pinned", True), ("key", "is_key_event", True), ("delete", "deleted_at", None)],
)
def test_an_action_answers_with_the_item_as_it_now_is(desk, action, field, value):
    story = factories.live_story()
    update = factories.update(story)
    response = desk.post(f"/desk/updates/{update.pk}/action/", {"action": action}, **JSON)
    assert response.status_code == 200
    data = response.json()
    stored = LiveUpdate.objects.get(pk=update.pk)
    if value is None:
        assert stored.deleted_at is not None
        assert 'data-action="restore"' in data["update"]["html"]
    else:
        assert getattr(stored, field) is value
    assert data["update"]["version"] == stored.version
    assert data["message"]


def test_an_action_the_user_may_not_take_is_refused_in_json_too(livedesk):
    story = factories.story()  # no coverage: the desk may not touch its updates
    update = factories.update(story)
    response = english_client(livedesk).post(
        f"/desk/updates/{update.pk}/action/", {"action": "pin"}, **JSON
    )
    assert response.status_code == 403
    assert not LiveUpdate.objects.get(pk=update.pk).is_pinned


def test_the_desk_poll_brings_colleagues_posts_edits_and_deletions(desk):
    story = factories.live_story()
    page = desk.get(f"/desk/stories/{story.pk}/").content.decode()
    cursor = page.split('data-cursor="')[1].split('"')[0]
    colleague = factories.user(group="Live desk")
    posted = publishing.post_update(story=story, by=colleague, body="De ma collègue.")
    gone = factories.update(story, body="À supprimer.")
    publishing.delete_update(update=gone, by=colleague)
    scheduled = factories.update(story, published_at=timezone.now() + timedelta(hours=1))
    assert cursor == "0"  # nothing had changed when the desk was opened
    data = desk.get(f"/desk/stories/{story.pk}/changes/", {"since": cursor}).json()
    found = {item["id"]: item["html"] for item in data["updates"]}
    assert "De ma collègue." in found[posted.pk]
    assert 'data-action="restore"' in found[gone.pk]  # deleted, with its undo
    assert "Scheduled" in found[scheduled.pk]
    assert data["cursor"]


def test_the_desk_poll_is_for_the_desk_only(client, reporter_client, desk):
    story = factories.live_story()
    url = f"/desk/stories/{story.pk}/changes/"
    assert client.get(url).status_code == 302
    assert reporter_client.get(url).status_code == 403
    assert desk.get(url, {"since": "abc"}).status_code == 400
    assert desk.post(url).status_code == 405
    response = desk.get(url)
    assert response["Cache-Control"] == "private, no-store"
    json.loads(response.content)


def test_the_desk_poll_costs_the_same_for_5_or_60_changes(desk):
    few, many = factories.live_story(), factories.live_story()
    for n in range(5):
        factories.update(few, body=f"Texte {n}")
    for n in range(60):
        factories.update(many, body=f"Texte {n}")
    small = count_queries(lambda: desk.get(f"/desk/stories/{few.pk}/changes/"))
    large = count_queries(lambda: desk.get(f"/desk/stories/{many.pk}/changes/"))
    assert large == small
