"""The publishing functions: each checks who may, on the stored row, whatever called it."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from articles import permissions, publishing
from articles.models import Correction, LiveUpdate, Story
from tests import factories
from tests.helpers import english_client

pytestmark = pytest.mark.django_db


def scheduled():
    return {"published_at": timezone.now() + timedelta(hours=2)}


UNCOVERABLE = {
    "draft": {"status": Story.Status.DRAFT, "published_at": None},
    "in review": {"status": Story.Status.IN_REVIEW, "published_at": None},
    "withdrawn": {"status": Story.Status.WITHDRAWN},
    "scheduled": None,  # built per test: a time in the future
}


def uncoverable_story(kind):
    return factories.story(**(UNCOVERABLE[kind] or scheduled()))


@pytest.mark.parametrize("kind", list(UNCOVERABLE))
def test_coverage_starts_only_on_a_story_readers_can_see(livedesk, kind):
    story = uncoverable_story(kind)
    with pytest.raises(PermissionDenied):
        publishing.start_live(story=story, by=livedesk)
    story.refresh_from_db()
    assert not story.is_live
    assert story.live_started_at is None


@pytest.mark.parametrize("kind", list(UNCOVERABLE))
def test_a_crafted_desk_post_cannot_start_coverage_on_a_hidden_story(livedesk, kind):
    story = uncoverable_story(kind)
    response = english_client(livedesk).post(
        f"/desk/stories/{story.pk}/coverage/", {"action": "start"}
    )
    assert response.status_code == 403
    story.refresh_from_db()
    assert not story.is_live


@pytest.mark.parametrize("kind", ["not live", *UNCOVERABLE])
def test_the_live_desk_posts_only_to_running_coverage(livedesk, kind):
    story = factories.story() if kind == "not live" else uncoverable_story(kind)
    with pytest.raises(PermissionDenied):
        publishing.post_update(story=story, by=livedesk, body="Texte")
    assert not LiveUpdate.objects.filter(story=story).exists()


def test_editors_may_add_to_coverage_that_has_ended_but_not_to_a_story_without_any(editor):
    ended = factories.story(live_started_at=timezone.now() - timedelta(days=1))
    assert publishing.post_update(story=ended, by=editor, body="Ajout").pk
    with pytest.raises(PermissionDenied):
        publishing.post_update(story=factories.story(), by=editor, body="Texte")


@pytest.mark.parametrize(
    ("run", "arguments", "start", "changed"),
    [
        (publishing.set_pinned, {"pinned": True}, {}, lambda u: u.is_pinned),
        (publishing.set_key_event, {"key_event": True}, {}, lambda u: u.is_key_event),
        (publishing.delete_update, {}, {}, lambda u: u.deleted_at is not None),
        (
            publishing.restore_update,
            {},
            {"deleted_at": timezone.now()},
            lambda u: u.deleted_at is None,
        ),
    ],
    ids=["pin", "key event", "delete", "restore"],
)
def test_the_live_desk_changes_updates_of_covered_stories_only(
    livedesk, run, arguments, start, changed
):
    stray = factories.update(factories.story(), body="Hors couverture", **start)
    with pytest.raises(PermissionDenied):
        run(update=stray, by=livedesk, **arguments)
    assert not changed(LiveUpdate.objects.get(pk=stray.pk))
    covered = factories.update(factories.live_story(), **start)
    run(update=covered, by=livedesk, **arguments)
    assert changed(LiveUpdate.objects.get(pk=covered.pk))


def test_only_an_editor_corrects_a_story(livedesk, editor):
    story = factories.live_story()
    with pytest.raises(PermissionDenied):
        publishing.save_correction(correction=Correction(story=story, note="Faux"), by=livedesk)
    assert not story.corrections.exists()
    publishing.save_correction(correction=Correction(story=story, note="Kara"), by=editor)
    assert story.corrections.get().by == editor


def test_a_correction_cannot_be_moved_off_a_story_by_someone_who_may_not_correct_it(livedesk):
    story = factories.live_story()
    correction = Correction.objects.create(story=story, note="Note d’un éditeur")
    correction.story, correction.update = None, factories.update(story)
    with pytest.raises(PermissionDenied):
        publishing.save_correction(correction=correction, by=livedesk)
    assert Correction.objects.get(pk=correction.pk).story_id == story.pk


@pytest.mark.parametrize(
    "call",
    [
        lambda story, user: publishing.publish(story=story, by=user),
        lambda story, user: publishing.withdraw(story=story, by=user),
        lambda story, user: publishing.start_live(story=story, by=user),
        lambda story, user: publishing.end_live(story=story, by=user),
        lambda story, user: publishing.post_update(story=story, by=user, body="x"),
    ],
    ids=["publish", "withdraw", "start_live", "end_live", "post_update"],
)
def test_a_reporter_and_an_anonymous_caller_are_refused_by_every_function(reporter, call):
    from django.contrib.auth.models import AnonymousUser

    story = factories.live_story()
    for user in (reporter, AnonymousUser(), None):
        with pytest.raises(PermissionDenied):
            call(story, user)
    story.refresh_from_db()
    assert story.status == Story.Status.PUBLISHED
    assert story.is_live


def test_save_story_refuses_a_state_the_form_would_refuse(reporter):
    draft = factories.story(status=Story.Status.DRAFT, published_at=None, created_by=reporter)
    draft.status = Story.Status.PUBLISHED
    with pytest.raises(ValidationError) as caught:
        publishing.save_story(story=draft, by=reporter)
    assert "status" in caught.value.error_dict
    assert Story.objects.get(pk=draft.pk).status == Story.Status.DRAFT


def test_ticking_live_in_a_saved_story_stamps_the_start_as_the_desk_does(editor):
    story = factories.story()
    story.is_live = True
    publishing.save_story(story=story, by=editor)
    story.refresh_from_db()
    assert story.is_live
    assert story.live_started_at is not None


def test_withdrawing_a_live_story_ends_its_coverage(editor):
    story = factories.live_story()
    publishing.withdraw(story=story, by=editor)
    story.refresh_from_db()
    assert story.status == Story.Status.WITHDRAWN
    assert not story.is_live
    assert story.live_ended_at


def test_an_update_without_a_chosen_time_takes_the_time_of_posting(livedesk):
    story = factories.live_story()
    update = publishing.post_update(story=story, by=livedesk, body="Texte")
    assert abs((timezone.now() - update.published_at).total_seconds()) < 2


@pytest.mark.parametrize(
    ("started_ago", "at_ago"),
    [
        (timedelta(hours=2), timedelta(hours=2, minutes=1)),
        (timedelta(days=500), timedelta(days=400)),
    ],
    ids=["before coverage began", "long ago"],
)
def test_an_odd_update_time_needs_the_desks_confirmation(livedesk, started_ago, at_ago):
    story = factories.live_story(live_started_at=timezone.now() - started_ago)
    at = timezone.now() - at_ago
    with pytest.raises(ValidationError) as caught:
        publishing.post_update(story=story, by=livedesk, body="Texte", published_at=at)
    assert caught.value.error_dict["published_at"][0].code == "confirm_time"
    update = publishing.post_update(
        story=story, by=livedesk, body="Texte", published_at=at, confirm_time=True
    )
    assert update.published_at == at


def test_pinning_an_update_unpins_the_other_and_moves_its_change_time(livedesk):
    story = factories.live_story()
    first = publishing.post_update(story=story, by=livedesk, body="Un", is_pinned=True)
    before = LiveUpdate.objects.get(pk=first.pk).changed_at
    second = publishing.post_update(story=story, by=livedesk, body="Deux", is_pinned=True)
    first.refresh_from_db()
    assert not first.is_pinned
    assert second.is_pinned
    assert first.changed_at >= before
    third = factories.update(story)
    publishing.set_pinned(update=third, by=livedesk, pinned=True)
    assert list(LiveUpdate.objects.filter(story=story, is_pinned=True)) == [third]


def test_the_rules_module_names_the_groups_the_migrations_made():
    """Migrations keep the tables they were written with; changing ROLES needs a new one."""
    from importlib import import_module

    made = {name: set(codes) for name, codes in permissions.ROLES.items()}
    tables = [
        import_module("articles.migrations.0002_editorial_groups").ROLES,
        import_module("articles.migrations.0006_source_permissions").ADDED,
        import_module("articles.migrations.0008_image_permissions").ADDED,
        import_module("articles.migrations.0008_social_post_permissions").ADDED,
    ]
    granted = {name: set() for name in made}
    for table in tables:
        for name, codes in table.items():
            granted[name] |= set(codes)
    assert granted == made


# --- Two people at once: nothing lost, no server error (run on PostgreSQL in CI too) --------


def _at_once(count, work):
    """Run `work(n)` in `count` threads released together; returns what each returned."""
    barrier = threading.Barrier(count, timeout=10)
    results = [None] * count

    def run(n):
        try:
            barrier.wait()
            results[n] = work(n)
        except Exception as error:
            results[n] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_four_desks_pinning_four_updates_at_once_leave_one_pinned_and_no_error():
    story = factories.live_story()
    updates = [factories.update(story) for _ in range(4)]
    people = [factories.user(group="Live desk") for _ in updates]
    clients = [english_client(person) for person in people]

    def pin(n):
        return clients[n].post(f"/desk/updates/{updates[n].pk}/action/", {"action": "pin"})

    statuses = [response.status_code for response in _at_once(4, pin)]
    assert statuses == [302] * 4
    assert LiveUpdate.objects.filter(story=story, is_pinned=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_four_desks_posting_pinned_updates_at_once_lose_no_post():
    story = factories.live_story()
    people = [factories.user(group="Live desk") for _ in range(4)]
    clients = [english_client(person) for person in people]

    def post(n):
        return clients[n].post(
            f"/desk/stories/{story.pk}/", {"title": f"T{n}", "body": "B", "is_pinned": "on"}
        )

    statuses = [response.status_code for response in _at_once(4, post)]
    assert statuses == [302] * 4
    titles = sorted(LiveUpdate.objects.filter(story=story).values_list("title", flat=True))
    assert titles == ["T0", "T1", "T2", "T3"]
    assert LiveUpdate.objects.filter(story=story, is_pinned=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_editors_pressing_save_at_once_get_one_save_and_one_message():
    from tests.helpers import form_data

    story = factories.story(headline="Avant")
    editors = [english_client(factories.user(group="Editor")) for _ in range(2)]
    url = f"/admin/articles/story/{story.pk}/change/"
    forms = [form_data(client.get(url)) for client in editors]
    for n, data in enumerate(forms):
        data["headline"] = f"Titre {n}"

    responses = _at_once(2, lambda n: editors[n].post(url, forms[n]))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200, 302]
    refused = next(response for response in responses if response.status_code == 200)
    assert "Someone else saved this" in refused.content.decode()
    story.refresh_from_db()
    assert story.headline in ("Titre 0", "Titre 1")


def test_the_history_names_who_made_each_change_without_a_request(editor, livedesk):
    story = factories.story()
    publishing.start_live(story=story, by=livedesk)
    update = publishing.post_update(story=story, by=livedesk, body="Texte")
    publishing.set_pinned(update=update, by=editor, pinned=True)
    assert story.history.latest("history_date").history_user == livedesk
    assert update.history.latest("history_date").history_user == editor
