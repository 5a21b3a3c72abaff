"""Background work: the capture queued when a post is added, and the recurring availability
check (`check_social_posts`, as a command and as a task), run at once in tests."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.tasks import TaskResultStatus, task_backends
from django.utils import timezone

from articles import tasks
from articles.models import SocialPost
from tests import providers as recorded

pytestmark = pytest.mark.django_db


def test_tests_run_tasks_at_once_whatever_was_built_at_import():
    assert type(task_backends["default"]).__name__ == "ImmediateBackend"


def test_the_capture_task_fills_a_new_post_and_can_run_twice(providers):
    post = SocialPost.objects.create(url=recorded.MASTODON_URL)
    for _ in range(2):
        result = tasks.capture_social_post.enqueue(post_id=post.pk)
        assert result.status == TaskResultStatus.SUCCESSFUL
        assert result.return_value is None
    post.refresh_from_db()
    assert post.author_name == "Eugen Rochko"


def test_the_capture_task_returns_the_editors_message_when_it_fails(providers):
    post = SocialPost.objects.create(url=recorded.MASTODON_URL)
    providers.set("mastodon.social", "/api/v1/statuses/111432178273563232", status=500)
    result = tasks.capture_social_post.enqueue(post_id=post.pk)
    assert "Mastodon" in result.return_value
    assert tasks.capture_social_post.enqueue(post_id=10**9).return_value is None  # gone since


def test_the_check_asks_only_posts_due_and_with_a_public_endpoint(providers):
    now = timezone.now()
    due = SocialPost.objects.create(url=recorded.MASTODON_URL)
    SocialPost.objects.create(url="https://www.instagram.com/p/CzXyZ12345/")  # no endpoint
    fresh = SocialPost.objects.create(url=recorded.BLUESKY_URL, checked_at=now)
    old = SocialPost.objects.create(
        url="https://youtu.be/U9mJuUkhUzk", checked_at=now - timedelta(days=2)
    )
    assert list(tasks.posts_due_for_check(now)) == [due, old]
    assert fresh not in tasks.posts_due_for_check(now)


def test_the_command_records_posts_deleted_at_the_source(providers, capsys):
    gone = SocialPost.objects.create(url=recorded.MASTODON_URL, text="Kept text")
    there = SocialPost.objects.create(url="https://youtu.be/U9mJuUkhUzk")
    providers.set("mastodon.social", "/api/v1/statuses/111432178273563232", status=404)
    call_command("check_social_posts")
    out = capsys.readouterr().out
    assert "1 Supprimé ou rendu privé à la source" in out  # the newsroom's language
    assert "1 Disponible" in out
    gone.refresh_from_db()
    there.refresh_from_db()
    assert (gone.availability, gone.text) == ("deleted", "Kept text")
    assert there.availability == "available"
    assert there.last_seen_at is not None
    call_command("check_social_posts")  # nothing is due any more
    assert "No post was due" in capsys.readouterr().out


def test_the_recurring_task_is_the_same_check(providers, capsys):
    SocialPost.objects.create(url="https://youtu.be/U9mJuUkhUzk")
    call_command("check_social_posts", "--enqueue")
    assert "Queued" in capsys.readouterr().out
    assert SocialPost.objects.get().availability == "available"
    result = tasks.check_social_posts.enqueue()
    assert result.return_value == {}  # checked a moment ago: not due
