"""The editors' dashboard on the admin's front page: review queue with who sent each story and
when, live stories with their last update, schedules, the user's drafts; constant cost."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles import publishing
from tests import factories
from tests.helpers import count_queries, english_client

pytestmark = pytest.mark.django_db


def test_the_front_page_lists_what_waits_what_is_live_scheduled_and_my_drafts(editor, reporter):
    factories.author(name="Julien Marchetti", user=reporter)
    sent = factories.story(
        headline="À relire", status="draft", published_at=None, created_by=reporter
    )
    publishing.submit_for_review(story=sent, by=reporter)
    live = factories.live_story(headline="En direct")
    desk = factories.author(name="Inès Haddad")
    factories.update(live, title="Dernier point", author=desk)
    later = factories.story(headline="Programmé", published_at=timezone.now() + timedelta(hours=3))
    factories.update(live, title="Plus tard", published_at=timezone.now() + timedelta(hours=1))
    factories.story(headline="Mon brouillon", status="draft", published_at=None, created_by=editor)
    factories.story(headline="Celui d’un autre", status="draft", published_at=None)

    html = english_client(editor).get("/admin/").content.decode()
    board = html.split('class="dashboard-board"')[1].split('id="content-related"')[0]
    review = board.split('id="board-review"')[1].split("</section>")[0]
    assert "À relire" in review
    assert "sent by Julien Marchetti" in review
    assert "<time datetime=" in review
    live_part = board.split('id="board-live"')[1].split("</section>")[0]
    assert "En direct" in live_part
    assert "Dernier point" in live_part
    assert "Inès Haddad" in live_part
    assert f"/desk/stories/{live.pk}/" in live_part
    scheduled = board.split('id="board-scheduled"')[1].split("</section>")[0]
    assert "Programmé" in scheduled
    assert "Plus tard" in scheduled
    assert f"/admin/articles/story/{later.pk}/change/" in scheduled
    drafts = board.split('id="board-drafts"')[1].split("</section>")[0]
    assert "Mon brouillon" in drafts
    assert "Celui d’un autre" not in drafts


def test_the_dashboard_costs_the_same_with_2_or_12_stories_in_each_list(editor):
    client = english_client(editor)

    def fill(n):
        for i in range(n):
            story = factories.story(status="in_review", published_at=None, headline=f"R{n}-{i}")
            story.history.update(history_user=editor)
            live = factories.live_story(headline=f"L{n}-{i}")
            factories.update(live)
            factories.story(published_at=timezone.now() + timedelta(hours=i + 1))
            factories.story(status="draft", published_at=None, created_by=editor)

    fill(2)
    few = count_queries(lambda: client.get("/admin/"))
    fill(10)
    many = count_queries(lambda: client.get("/admin/"))
    assert many == few


def test_someone_without_the_right_to_see_stories_gets_no_dashboard(db):
    member = factories.user(staff=True)  # staff, no editorial group
    html = english_client(member).get("/admin/").content.decode()
    assert "dashboard-board" not in html
