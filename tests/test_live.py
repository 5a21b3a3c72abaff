"""Live coverage for readers: the stream, its pages, the polling endpoint and its costs."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import freshness, live, publishing
from articles.models import Correction, LiveUpdate
from tests import factories
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db


def bulk_updates(story, count, start=None):
    start = start or timezone.now() - timedelta(days=1)
    rows = []
    for i in range(count):
        at = start + timedelta(seconds=i * 10)
        rows.append(
            LiveUpdate(
                story=story,
                body=f"Update {i}",
                body_html=f"<p>Update {i}</p>",
                published_at=at,
                changed_at=at,
                version=1,
            )
        )
    made = LiveUpdate.objects.bulk_create(rows)
    freshness.bump(slugs=[story.slug])  # rows written without articles.publishing
    return made


def update_ids(html):
    return [int(n) for n in re.findall(r'<article class="update[^"]*" id="update-(\d+)"', html)]


def poll(client, story, since="0", **headers):
    return client.get(f"/stories/{story.slug}/updates/", {"since": since}, **headers)


def test_updates_are_newest_first_with_anchors(client):
    story = factories.live_story()
    first = factories.update(story, published_at=timezone.now() - timedelta(minutes=5))
    second = factories.update(story)
    html = client.get(story.get_absolute_url()).content.decode()
    assert update_ids(html) == [second.pk, first.pk]
    assert f'id="update-{first.pk}"' in html


def test_story_page_with_1000_updates_costs_what_10_do_and_holds_one_page(client):
    small = factories.live_story()
    bulk_updates(small, 10)
    big = factories.live_story()
    bulk_updates(big, 1000)
    for story in (small, big):  # the same kinds of rows; only their number differs
        factories.update(story, is_key_event=True, published_at=timezone.now() - timedelta(days=2))
    few = count_queries(lambda: client.get(small.get_absolute_url()))
    response = None

    def get_big():
        nonlocal response
        response = client.get(big.get_absolute_url())

    many = count_queries(get_big)
    # A first render, shell included: generation, next scheduled change, the shell's and the
    # fragments' generations, story, bylines, corrections, citations, stream (count, page),
    # positions of the key events and the pin, their rows, last change, the page's cursor.
    assert many <= few <= 14
    assert len(update_ids(response.content.decode())) == 20
    # A second reader gets the cached render: the story's generation only.
    assert count_queries(lambda: client.get(big.get_absolute_url())) <= 1


@override_settings(NEWSROOM_PAGE_CACHE=False)
def test_the_reads_that_grow_with_the_stream_run_once_per_change_of_it(client, livedesk):
    """The stream's count and the flag of each update are read once after each change,
    whatever the views and renders that follow (`live.stream_index`); what each render reads
    is found by index lookups and the updates it shows."""
    story = factories.live_story()
    bulk_updates(story, 300)
    freshness.bump(slugs=[story.slug])

    def grown_reads(**params):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(story.get_absolute_url(), params)
        assert response.status_code == 200
        sql = [query["sql"] for query in captured.captured_queries]
        return sum(1 for text in sql if "COUNT(*)" in text or "CASE WHEN" in text)

    assert grown_reads() == 2  # the first render after the change: the count, the flags
    assert grown_reads() == 0
    assert grown_reads(filter="key-events") == 0  # another view of the same stream
    assert grown_reads(page=3) == 0
    with time_machine.travel(timezone.now() + timedelta(seconds=1)):
        publishing.post_update(story=story, by=livedesk, body="Une de plus.", is_key_event=True)
        assert grown_reads() == 2
        html = client.get(story.get_absolute_url(), {"filter": "key-events"}).content.decode()
    assert "Une de plus." in html


@override_settings(NEWSROOM_UPDATES_PER_PAGE=5)
def test_older_pages_are_stable_and_key_event_links_land_on_their_page(client):
    story = factories.live_story()
    made = bulk_updates(story, 12)  # pages from the start: 1-5, 6-10, 11-12
    key = made[2]
    key.is_key_event = True
    key.save()
    latest = client.get(story.get_absolute_url()).content.decode()
    assert update_ids(latest) == [u.pk for u in made[::-1][:5]]
    assert f'href="?page=1#update-{key.pk}"' in latest
    page_one = client.get(story.get_absolute_url(), {"page": 1}).content.decode()
    assert update_ids(page_one) == [u.pk for u in made[:5]][::-1]
    assert f'id="update-{key.pk}"' in page_one
    factories.update(story)  # a new update does not move older pages
    assert (
        update_ids(client.get(story.get_absolute_url(), {"page": 1}).content.decode())
        == [u.pk for u in made[:5]][::-1]
    )
    assert client.get(story.get_absolute_url(), {"page": 9}).status_code == 404
    assert client.get(story.get_absolute_url(), {"page": "x"}).status_code == 404


def test_pinned_update_and_summary_sit_above_the_stream(client):
    story = factories.live_story(summary="- Fait **un**")
    pinned = factories.update(story, is_pinned=True, title="Épinglé")
    factories.update(story)
    html = client.get(story.get_absolute_url()).content.decode()
    assert html.index("Fait <strong>un</strong>") < html.index(f'id="pinned-update-{pinned.pk}"')
    assert html.index(f'id="pinned-update-{pinned.pk}"') < html.index("data-stream")


def test_update_permalink_is_a_page_of_its_own_that_is_part_of_the_story(client, settings):
    settings.NEWSROOM_SITE_URL = "https://news.example.org"
    story = factories.live_story(slug="openai", headline="OpenAI")
    update = factories.update(story, title="Shear nommé", body="Emmett Shear")
    html = client.get(f"/stories/openai/updates/{update.pk}/").content.decode()
    own = f"https://news.example.org/stories/openai/updates/{update.pk}/"
    assert f'<link rel="canonical" href="{own}">' in html
    assert f'<meta property="og:url" content="{own}">' in html
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1)
    data = json.loads(block)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "BlogPosting"
    assert data["url"] == own
    assert data["isPartOf"]["url"] == "https://news.example.org/stories/openai/"
    assert data["isPartOf"]["@type"] == "LiveBlogPosting"
    assert '<meta property="og:title" content="Shear nommé">' in html
    assert "Emmett Shear" in html
    hidden = factories.update(story, deleted_at=timezone.now())
    assert client.get(f"/stories/openai/updates/{hidden.pk}/").status_code == 404


def test_poll_from_zero_returns_every_update_as_page_fragments(client):
    story = factories.live_story()
    one = factories.update(story, body="**Un**")
    response = poll(client, story)
    data = response.json()
    assert [u["id"] for u in data["updates"]] == [one.pk]
    assert f'id="update-{one.pk}"' in data["updates"][0]["html"]
    assert "<strong>Un</strong>" in data["updates"][0]["html"]
    assert response["ETag"]
    assert response["Last-Modified"]
    assert "public" in response["Cache-Control"]
    assert "max-age=5" in response["Cache-Control"]


def test_poll_reports_edits_and_deletions_since_the_cursor(client, editor):
    story = factories.live_story()
    with time_machine.travel(timezone.now() - timedelta(minutes=10), tick=False):
        kept = factories.update(story, body="Sara")
        gone = factories.update(story, body="Faux")
    cursor = poll(client, story).json()["cursor"]
    assert poll(client, story, cursor).json()["updates"] == []
    kept.body = "Kara"
    publishing.edit_update(update=kept, by=editor, correction_note="Kara, pas Sara.")
    publishing.delete_update(update=gone, by=editor)
    changes = {u["id"]: u for u in poll(client, story, cursor).json()["updates"]}
    assert changes[kept.pk]["state"] == "published"
    assert "Kara" in changes[kept.pk]["html"]
    assert "Kara, pas Sara." in changes[kept.pk]["html"]
    assert changes[gone.pk] == {"id": gone.pk, "state": "removed"}


def test_scheduled_update_reaches_the_poll_on_its_minute(client):
    start = datetime(2023, 11, 20, 6, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        story = factories.live_story()
        factories.update(story, published_at=start - timedelta(minutes=1))
        scheduled = factories.update(story, published_at=start + timedelta(minutes=45))
        clock.move_to(start + timedelta(minutes=1))
        cursor = poll(client, story).json()["cursor"]
        clock.move_to(start + timedelta(minutes=44))
        assert poll(client, story, cursor).json()["updates"] == []
        clock.move_to(start + timedelta(minutes=45))
        ids = [u["id"] for u in poll(client, story, cursor).json()["updates"]]
        assert ids == [scheduled.pk]


def test_poll_costs_three_queries_and_its_304_two(client, django_assert_max_num_queries):
    story = factories.live_story()
    bulk_updates(story, 300)
    # Pinned and a key event: its pinned copy and its list item print what is already loaded.
    update = factories.update(story, is_pinned=True, is_key_event=True)
    Correction.objects.create(update=update, note="Corrigé.")
    # Rendered: generation, next scheduled change, story, changes, corrections, posts.
    with django_assert_max_num_queries(6):
        response = poll(client, story)
    since = str(live.Cursor(update.changed_at - timedelta(seconds=1)))
    with django_assert_max_num_queries(6):
        (entry,) = poll(client, story, since).json()["updates"]
    assert "Corrigé." in entry["pinned_html"]
    assert entry["key_event_html"]
    with django_assert_max_num_queries(1):  # the generation, then the stored headers
        again = poll(client, story, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_poll_cost_does_not_grow_with_the_story(client, django_assert_max_num_queries):
    story = factories.live_story()
    with time_machine.travel(timezone.now() - timedelta(minutes=5), tick=False):
        bulk_updates(story, 1000, start=timezone.now() - timedelta(days=1))
    cursor = str(live.Cursor(timezone.now() - timedelta(minutes=1)))
    factories.update(story)
    with django_assert_max_num_queries(6):
        data = poll(client, story, cursor).json()
    assert len(data["updates"]) == 1


@pytest.mark.parametrize(
    "cursor", ["abc", "-5", "1e9", "99999999999999999999", "12.", "1.2.3", " 12", "12\x00"]
)
def test_poll_rejects_bad_cursors_clearly(client, cursor):
    story = factories.live_story()
    response = poll(client, story, cursor)
    assert response.status_code == 400
    assert "since" in response.json()["error"]


def test_poll_pages_through_a_long_backlog_without_losing_ties(client):
    story = factories.live_story()
    with time_machine.travel(timezone.now() - timedelta(minutes=5), tick=False):
        made = bulk_updates(story, 250)
    LiveUpdate.objects.filter(story=story).update(changed_at=made[0].changed_at)  # all equal
    seen, cursor, rounds = [], "0", 0
    while True:
        data = poll(client, story, cursor).json()
        seen += [u["id"] for u in data["updates"]]
        cursor, rounds = data["cursor"], rounds + 1
        if not data["more"]:
            break
    assert sorted(seen) == sorted(u.pk for u in made)
    assert len(seen) == 250
    assert rounds == 3


def test_poll_is_404_for_unpublished_stories(client):
    from articles.models import Story

    story = factories.live_story(status=Story.Status.DRAFT)
    assert poll(client, story).status_code == 404


def test_live_story_carries_liveblogposting_json_ld(client):
    story = factories.live_story(time_zone="Europe/Paris")
    story.live_started_at = datetime(2023, 11, 17, 20, 40, tzinfo=UTC)
    story.live_ended_at = datetime(2023, 11, 20, 18, 0, tzinfo=UTC)
    story.save()
    update = factories.update(story, title="Shear", published_at=timezone.now())
    html = client.get(story.get_absolute_url()).content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1)
    data = json.loads(block)
    assert data["@type"] == "LiveBlogPosting"
    assert data["coverageStartTime"] == "2023-11-17T21:40:00+01:00"
    assert data["coverageEndTime"] == "2023-11-20T19:00:00+01:00"
    entry = data["liveBlogUpdate"][0]
    assert entry["headline"] == "Shear"
    assert entry["url"].endswith(update.get_absolute_url())
    assert entry["datePublished"]
    assert entry["articleBody"]


def test_json_ld_cannot_break_out_of_its_script(client):
    story = factories.live_story(headline="</script><script>alert(1)</script>")
    html = client.get(story.get_absolute_url()).content.decode()
    assert "</script><script>alert(1)" not in html


def test_atom_feed_of_updates_parses(client):
    import feedparser

    story = factories.live_story()
    factories.update(story, title="Première", body="Texte *un*")
    factories.update(story, title="Supprimée", deleted_at=timezone.now())
    feed = feedparser.parse(client.get(f"/feeds/stories/{story.slug}/updates/").content)
    assert not feed.bozo
    assert [e.title for e in feed.entries] == ["Première"]
    assert "<em>un</em>" in feed.entries[0].summary


def test_a_change_committed_late_is_still_delivered(client):
    """A save stamped before a later one but committed after a poll reaches the next poll."""
    story = factories.live_story()
    start = timezone.now()
    with time_machine.travel(start + timedelta(seconds=1), tick=False) as clock:
        factories.update(story, title="A")  # stamped and committed at start + 1 s
        clock.move_to(start + timedelta(seconds=1.2))
        cursor = poll(client, story).json()["cursor"]
        # B's transaction took its change time at start + 0.5 s but commits only now.
        late = factories.update(story, title="B")
        LiveUpdate.objects.filter(pk=late.pk).update(changed_at=start + timedelta(seconds=0.5))
        clock.move_to(start + timedelta(seconds=4))
        titles = [u["title"] for u in poll(client, story, cursor).json()["updates"]]
    assert "B" in titles


def test_a_removal_in_the_poll_carries_its_id_and_state_alone(client, editor):
    """Nothing of a row readers may not see (a draft, a deleted or a not-yet-due update) leaves
    the server: not its title, its flags, its version, nor its text."""
    story = factories.live_story()
    start = timezone.now()
    with time_machine.travel(start - timedelta(minutes=10), tick=False):
        gone = factories.update(story, title="Secret supprimé", is_key_event=True)
    with time_machine.travel(start, tick=False):
        draft = factories.update(
            story, title="Secret brouillon", status=LiveUpdate.Status.DRAFT, is_key_event=True
        )
        publishing.delete_update(update=gone, by=editor)
        # Pinning another one unpins a scheduled update: its change is still its minute.
        scheduled = factories.update(
            story,
            title="Secret programmé",
            is_pinned=True,
            is_key_event=True,
            published_at=start + timedelta(hours=1),
        )
        public = factories.update(story, title="Public")
        publishing.set_pinned(update=public, by=editor, pinned=True)
    with time_machine.travel(start + timedelta(seconds=5), tick=False):
        response = poll(client, story)
    changes = {u["id"]: u for u in response.json()["updates"]}
    for hidden in (draft, gone):
        assert changes[hidden.pk] == {"id": hidden.pk, "state": "removed"}
    assert scheduled.pk not in changes
    assert "Secret" not in response.content.decode()
    with time_machine.travel(start + timedelta(hours=1, seconds=5), tick=False):
        due = poll(client, story, response.json()["cursor"]).json()["updates"]
    assert [(u["id"], u["state"], u["title"]) for u in due] == [
        (scheduled.pk, "published", "Secret programmé")
    ]


def test_the_poll_carries_the_key_event_and_the_pinned_copy_as_the_page_renders_them(client):
    """An open page places the server's fragments; it builds no markup of its own. The pinned
    copy is the page's own; the key event links to the update's page, since the poll cannot
    know which page of updates the reader has open."""
    story = factories.live_story()
    plain = factories.update(story, title="Ordinaire")
    key = factories.update(story, body="Sam Altman rejoint **Microsoft**", is_key_event=True)
    pinned = factories.update(story, title="Épinglée", is_pinned=True)
    changes = {u["id"]: u for u in poll(client, story).json()["updates"]}
    page = client.get(story.get_absolute_url()).content.decode()

    assert "key_event_html" not in changes[plain.pk]
    assert "pinned_html" not in changes[plain.pk]
    item = changes[key.pk]["key_event_html"]
    assert item.startswith(f'<li data-update-id="{key.pk}" data-published="')
    assert f'<a href="{key.get_absolute_url()}">' in item
    assert "Sam Altman rejoint Microsoft</a></li>" in item  # the label: the start of the text
    on_page = re.search(rf'<li data-update-id="{key.pk}".*?</li>', page, re.S).group(0)
    assert on_page == item.replace(key.get_absolute_url(), f"#update-{key.pk}")
    assert "pinned_html" not in changes[key.pk]

    slot = re.search(r"<div data-pinned-slot>\s*(<article.*?</article>)", page, re.S)
    assert changes[pinned.pk]["pinned_html"].strip() == slot.group(1)
    assert "key_event_html" not in changes[pinned.pk]


class Reader:
    """What the live client does with the endpoint: keep the cursor, fetch again at once while
    `more`, and revalidate with the browser's cache (a 304 hands back the cached answer)."""

    def __init__(self, client, story, cursor="0"):
        self.client, self.story, self.cursor = client, story, cursor
        self.cached = {}  # since -> (etag, payload)
        self.seen = []

    def poll_until_caught_up(self, max_rounds=5):
        for _ in range(max_rounds):
            since = self.cursor
            etag, cached = self.cached.get(since, (None, None))
            headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
            response = poll(self.client, self.story, since, **headers)
            if response.status_code == 304:
                data = cached
            else:
                data = response.json()
                self.cached[since] = (response["ETag"], data)
            ceiling = live.Cursor(timezone.now() - timedelta(seconds=live.COMMIT_LAG_SECONDS))
            assert live.Cursor.parse(data["cursor"]) <= max(ceiling, live.Cursor.parse(since))
            self.seen += [u["id"] for u in data["updates"]]
            self.cursor = data["cursor"]
            if not data["more"]:
                return
            assert data["cursor"] != since, "a full answer must move the cursor on"
        pytest.fail("the reader never caught up: the same answer keeps coming")


def burst(story, count, at):
    """`count` changes stamped 5 ms apart from `at`."""
    made = bulk_updates(story, count, start=at - timedelta(hours=1))
    for i, row in enumerate(made):
        row.changed_at = at + timedelta(milliseconds=5 * i)
    LiveUpdate.objects.bulk_update(made, ["changed_at"])
    return made


def test_a_full_answer_keeps_the_commit_lag_so_a_late_commit_is_still_delivered(client):
    """More changes than one answer holds, all inside the lag window: the cursor still stays
    behind now minus the lag, so a change stamped earlier but committed after this poll
    reaches the next one."""
    story = factories.live_story()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        made = burst(story, 150, at=start - timedelta(seconds=1.5))
        reader = Reader(client, story)
        reader.poll_until_caught_up()
        assert len(reader.seen) >= live.MAX_CHANGES
        # Its transaction stamped it before the rows already delivered; it commits only now.
        late = factories.update(story, title="En retard")
        LiveUpdate.objects.filter(pk=late.pk).update(changed_at=start - timedelta(seconds=1.4))
        clock.move_to(start + timedelta(seconds=live.COMMIT_LAG_SECONDS + 1))
        reader.poll_until_caught_up()
    assert late.pk in reader.seen
    assert set(reader.seen) == {u.pk for u in made} | {late.pk}


def test_a_full_answer_held_at_the_lag_moves_on_once_the_lag_has_passed(client):
    """An answer held back by the lag is not revalidated as unchanged once the lag has passed:
    its cursor and `more` are part of what the ETag names."""
    story = factories.live_story()
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        made = burst(story, 150, at=start - timedelta(seconds=1.5))
        reader = Reader(client, story)
        reader.poll_until_caught_up()
        reader.poll_until_caught_up()  # the next interval, nothing new: revalidated
        clock.move_to(start + timedelta(seconds=live.COMMIT_LAG_SECONDS + 1))
        reader.poll_until_caught_up()
    assert set(reader.seen) == {u.pk for u in made}


def test_the_cursor_never_passes_now_minus_the_commit_lag():
    now = timezone.now()
    ceiling = live.Cursor(now - timedelta(seconds=live.COMMIT_LAG_SECONDS))
    rows = [LiveUpdate(pk=i, changed_at=now - timedelta(seconds=1)) for i in (1, 2)]
    for more in (False, True):
        cursor, more_now = live.next_cursor(rows, more, live.Cursor(live.EPOCH), now)
        assert cursor == ceiling
        assert more_now is False  # fetching again at once would only repeat this answer
    cursor, more_now = live.next_cursor(rows, True, live.Cursor(live.EPOCH), now + timedelta(1))
    assert cursor == live.Cursor(rows[-1].changed_at, 2)
    assert more_now is True


def coverage_line(html):
    return re.search(r'<p class="coverage" data-coverage[^>]*>.*?</p>', html, re.S).group(0)


def live_section_tag(html):
    return re.search(r'<section class="live"[^>]*>', html).group(0)


def test_a_story_without_coverage_polls_slowly_behind_a_hidden_live_section(client):
    """A page opened before coverage starts can still go live: it polls, at the idle interval,
    and carries the live section and badges hidden, so without JavaScript it shows none of it."""
    story = factories.story()
    html = client.get(story.get_absolute_url()).content.decode()
    section = live_section_tag(html)
    assert " hidden" in section
    assert f'data-poll-url="/stories/{story.slug}/updates/"' in section
    assert f'data-idle-interval="{live.IDLE_POLL_SECONDS}"' in section
    assert 'data-live="false"' in section
    assert 'data-cursor="0"' in section
    assert "js/live" in html
    badges = re.findall(r'<span class="live-badge"[^>]*>', html)
    assert badges
    assert all(" hidden" in badge for badge in badges)
    assert coverage_line(html).startswith('<p class="coverage" data-coverage hidden>')
    # An older page never changes, so it does not poll.
    assert "data-poll-url" not in client.get(story.get_absolute_url(), {"page": 2}).content.decode()


def test_a_live_story_page_shows_its_section_and_badges_and_polls_at_the_live_interval(client):
    story = factories.live_story()
    html = client.get(story.get_absolute_url()).content.decode()
    section = live_section_tag(html)
    assert " hidden" not in section
    assert 'data-live="true"' in section
    badges = re.findall(r'<span class="live-badge"[^>]*>', html)
    assert len(badges) == 2
    assert not any(" hidden" in badge for badge in badges)


def test_the_poll_says_when_coverage_starts_and_ends_with_the_pages_own_coverage_line(
    client, livedesk
):
    story = factories.story()
    quiet = poll(client, story)
    assert quiet.json()["is_live"] is False
    assert poll(client, story, HTTP_IF_NONE_MATCH=quiet["ETag"]).status_code == 304

    publishing.start_live(story=story, by=livedesk)
    started = poll(client, story, HTTP_IF_NONE_MATCH=quiet["ETag"])
    assert started.status_code == 200, "starting coverage changes the ETag"
    assert started.json()["is_live"] is True
    page = client.get(story.get_absolute_url()).content.decode()
    assert started.json()["coverage_html"] == coverage_line(page)
    assert "Direct ouvert le" in coverage_line(page)
    assert "clos le" not in coverage_line(page)

    publishing.end_live(story=story, by=livedesk)
    ended = poll(client, story, HTTP_IF_NONE_MATCH=started["ETag"])
    assert ended.status_code == 200, "ending coverage changes the ETag"
    assert ended.json()["is_live"] is False
    page = client.get(story.get_absolute_url()).content.decode()
    assert ended.json()["coverage_html"] == coverage_line(page)
    assert "clos le" in coverage_line(page)


def test_updates_of_a_story_without_coverage_are_public_nowhere(client):
    """Its page shows no stream, so neither its permalink nor its feed shows its updates."""
    story = factories.story()
    stray = LiveUpdate.objects.create(story=story, body="Égarée", published_at=timezone.now())
    assert client.get(f"/stories/{story.slug}/updates/{stray.pk}/").status_code == 404
    assert client.get(f"/feeds/stories/{story.slug}/updates/").status_code == 404


def test_the_poll_of_a_story_without_coverage_sends_no_update(client):
    story = factories.story()
    LiveUpdate.objects.create(story=story, body="Égarée", published_at=timezone.now())
    answer = poll(client, story).json()
    assert answer["updates"] == []
    assert answer["is_live"] is False


def test_the_poll_renders_cards_and_sends_an_update_again_when_its_post_is_captured(client):
    from articles.models import SocialPost

    url = "https://mastodon.example/@desk/123"
    story = factories.live_story()
    update = factories.update(story, body=f"Le message :\n\n{url}")
    with time_machine.travel(timezone.now() + timedelta(seconds=10)):
        first = poll(client, story).json()
        assert "is-link" in first["updates"][0]["html"]
        assert poll(client, story, first["cursor"]).json()["updates"] == []
    with time_machine.travel(timezone.now() + timedelta(seconds=20)):
        post = SocialPost(url=url, author_name="Le desk", text="Capturé.")
        publishing.save_social_post(post=post, by=factories.user(group="Editor"))
        again = poll(client, story, first["cursor"]).json()["updates"]
    assert [entry["id"] for entry in again] == [update.pk]
    assert again[0]["version"] == update.version  # the same update, a new card
    assert "Capturé." in again[0]["html"]
    assert 'data-social-version="1"' in again[0]["html"]


def test_the_streams_plain_sql_sees_what_published_sees():
    """live.py reads the stream with plain SQL (articles.pages' render): the same rows as
    `LiveUpdate.objects.published()`, counted, ordered and marked the same."""
    story = factories.live_story()
    now = timezone.now()
    shown = [
        factories.update(story, published_at=now - timedelta(minutes=n), is_key_event=n % 2 == 0)
        for n in range(1, 6)
    ]
    factories.update(story, status=LiveUpdate.Status.DRAFT, is_key_event=True)
    factories.update(story, published_at=now + timedelta(hours=1), is_key_event=True)
    gone = factories.update(story, published_at=now - timedelta(minutes=30), is_key_event=True)
    gone.deleted_at = now
    gone.save()
    pinned = shown[3]
    pinned.is_pinned = True
    pinned.save()
    factories.update(factories.live_story(), is_key_event=True)  # another story's
    published = LiveUpdate.objects.published().filter(story=story)
    index = live._read_index(story, timezone.now())
    assert index.total == published.count() == 5
    assert live.stream_marks(story, timezone.now())[1] is not None  # the scheduled one
    newest = live._shown(story, False, newest_first=True, offset=0)
    assert [row.pk for row in newest] == [u.pk for u in published.newest_first()]
    marked = {row.pk: row for row in live._read_index(story, timezone.now()).stubs()}
    order = [u.pk for u in published.oldest_first()]
    expected = {u.pk for u in published if u.is_key_event or u.is_pinned}
    assert set(marked) == expected
    for pk, row in marked.items():
        assert row.position == order.index(pk) + 1
    assert marked[pinned.pk].is_pinned
