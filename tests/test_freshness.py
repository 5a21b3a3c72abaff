"""Per-story freshness generations (articles/freshness.py): every change a story's pages show
moves its generation, through the function that makes it, and a cached page follows it; a
scheduled update appears on its minute with no write; stored fragments render once per
version; two servers sharing the database agree on the next request."""

import re
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.admin.sites import site
from django.db import connection, transaction
from django.test import RequestFactory, override_settings
from django.utils import timezone

from articles import archiving, freshness, images, live, publishing
from articles.egress import Fetched
from articles.models import (
    Author,
    Citation,
    Correction,
    ImageRendition,
    LiveUpdate,
    Section,
    SocialPost,
    Source,
    Story,
)
from tests import factories

pytestmark = pytest.mark.django_db

POST = "https://x.com/gdb/status/1726021395012186316"


def editor():
    return factories.user(is_superuser=True)


def generation(story):
    return freshness.generation(freshness.story_scope(story.slug))


def _source():
    return Source.objects.get_or_create(
        slug="wsj", defaults={"name": "WSJ", "homepage_url": "https://www.wsj.com/"}
    )[0]


def _citation(story):
    citation = Citation(story=story, source=_source(), url="https://www.wsj.com/a", title="T")
    citation.save()
    return citation


def _admin_save(model, obj, **changes):
    for name, value in changes.items():
        setattr(obj, name, value)
    request = RequestFactory().post("/admin/")
    request.user = editor()
    site.get_model_admin(model).save_model(request, obj, None, True)


# Each entry: what a reader would see change, made the way the newsroom makes it.
def post_update(story, update):
    publishing.post_update(story=story, by=editor(), body="Un nouveau point.")


def edit_update(story, update):
    update.body = "Texte corrigé."
    publishing.edit_update(update=update, by=editor())


def delete_update(story, update):
    publishing.delete_update(update=update, by=editor())


def pin_update(story, update):
    publishing.set_pinned(update=update, by=editor(), pinned=True)


def key_event(story, update):
    publishing.set_key_event(update=update, by=editor(), key_event=True)


def correct_story(story, update):
    publishing.save_correction(correction=Correction(story=story, note="Kara."), by=editor())


def correct_update(story, update):
    publishing.save_correction(correction=Correction(update=update, note="Kara."), by=editor())


def edit_story(story, update):
    story.headline = "Nouveau titre"
    publishing.save_story(story=story, by=editor())


def end_coverage(story, update):
    publishing.end_live(story=story, by=editor())


def withdraw_story(story, update):
    publishing.withdraw(story=story, by=editor(), note="Retirée.")


def cite_source(story, update):
    archiving.save(Citation(story=story, source=_source(), url="https://www.wsj.com/b", title="T"))


def capture_citation(story, update):
    citation = Citation.objects.get(story=story)
    page = b"<html><title>T</title><body><p>Le texte de l'article cit\xc3\xa9.</p></body></html>"
    fetched = Fetched(citation.url, 200, {}, page, "text/html", "93.184.216.34", ())
    archiving.keep(citation, fetched)  # what the archiving task does once it has the page


def fail_capture(story, update):
    archiving._fail(Citation.objects.get(story=story), "HTTP 500")


def edit_post(story, update):
    post = SocialPost.objects.get(url=POST)
    post.text = "Le texte du message, saisi par la rédaction."
    publishing.save_social_post(post=post, by=editor())


def delete_post(story, update):
    publishing.delete_social_post(post=SocialPost.objects.get(url=POST), by=editor())


def renditions_made(story, update):
    image = story.featured_image
    ImageRendition.objects.filter(image=image).delete()
    images.make_renditions(image.pk)  # the task's work, as the worker runs it


def caption_edited(story, update):
    _admin_save(type(story.featured_image), story.featured_image, caption="Nouvelle légende")


def author_renamed(story, update):
    _admin_save(Author, story.authors.first(), name="Kara Swisher")


def section_renamed(story, update):
    _admin_save(Section, story.section, name="Technologies")


def source_renamed(story, update):
    _admin_save(Source, _source(), name="The Wall Street Journal")


CHANGES = [
    post_update,
    edit_update,
    delete_update,
    pin_update,
    key_event,
    correct_story,
    correct_update,
    edit_story,
    end_coverage,
    withdraw_story,
    cite_source,
    capture_citation,
    fail_capture,
    edit_post,
    delete_post,
    renditions_made,
    caption_edited,
    author_renamed,
    section_renamed,
    source_renamed,
]


@pytest.fixture
def shown_story():
    """A live story showing an update, a cited source, an embedded post, a featured image and
    a byline: something of every kind its page prints."""
    picture = factories.image()
    story = factories.live_story(
        authors=[factories.author()], body=f"Le message :\n\n{POST}\n", featured_image=picture
    )
    update = factories.update(story, body=f"Le point.\n\n{POST}\n")
    _citation(story)
    SocialPost.objects.create(url=POST, author_name="Greg")
    return story, update


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__)
def test_every_change_a_page_shows_moves_its_story_generation(shown_story, change, client):
    story, update = shown_story
    first = client.get(story.get_absolute_url())
    before = generation(story)
    change(Story.objects.get(pk=story.pk), LiveUpdate.objects.get(pk=update.pk))
    assert generation(story) != before
    # The cached page follows: a reader holding the old ETag gets the new page.
    again = client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code in {200, 410}


def test_a_change_elsewhere_leaves_the_generation_alone(shown_story):
    story, _update = shown_story
    before = generation(story)
    other = factories.live_story()
    publishing.post_update(story=other, by=editor(), body="Ailleurs.")
    assert generation(story) == before


def test_a_change_made_in_a_transaction_that_fails_leaves_the_generation(shown_story):
    story, _update = shown_story
    before = generation(story)
    by = editor()

    def post_then_fail():
        with transaction.atomic():
            publishing.post_update(story=story, by=by, body="Annulé.")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        post_then_fail()
    assert generation(story) == before


def test_a_cached_page_shows_a_posted_update_on_the_next_request(client):
    story = factories.live_story()
    client.get(story.get_absolute_url())
    publishing.post_update(story=story, by=editor(), body="Le conseil a parlé.")
    assert "Le conseil a parlé." in client.get(story.get_absolute_url()).content.decode()


def test_a_scheduled_update_appears_on_its_minute_with_no_write(client):
    story = factories.live_story()
    at = timezone.now() + timedelta(minutes=10)
    publishing.post_update(story=story, by=editor(), body="Prévu pour plus tard.", published_at=at)
    first = client.get(story.get_absolute_url())
    assert "Prévu pour plus tard." not in first.content.decode()
    with time_machine.travel(at - timedelta(seconds=30)):
        assert (
            client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"]).status_code
            == 304
        )
    with time_machine.travel(at + timedelta(seconds=1)):
        due = client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
        assert due.status_code == 200
        assert "Prévu pour plus tard." in due.content.decode()
        # ... and the poll of a page opened before it gets it too.
        cursor = re.search(r'data-cursor="([^"]+)"', first.content.decode())[1]
        poll = client.get(f"{story.get_absolute_url()}updates/?since={cursor}").json()
        assert [u["state"] for u in poll["updates"]] == ["published"]


def test_a_scheduled_story_appears_on_the_home_page_on_its_minute(client):
    at = timezone.now() + timedelta(minutes=5)
    scheduled = factories.story(headline="Annonce programmée", published_at=at)
    assert "Annonce programmée" not in client.get("/").content.decode()
    with time_machine.travel(at + timedelta(seconds=1)):
        assert "Annonce programmée" in client.get("/").content.decode()
    assert scheduled.pk


def test_a_freshly_loaded_pages_first_poll_sends_nothing_it_shows(client):
    story = factories.live_story()
    publishing.post_update(story=story, by=editor(), body="Tout juste publié.")
    html = client.get(story.get_absolute_url()).content.decode()
    assert "Tout juste publié." in html
    cursor = re.search(r'data-cursor="([^"]+)"', html)[1]
    answer = client.get(f"{story.get_absolute_url()}updates/?since={cursor}")
    assert answer.json()["updates"] == []
    assert answer["ETag"]
    assert answer["Last-Modified"]
    # An edit after the page was rendered is still sent.
    update = LiveUpdate.objects.get(story=story)
    update.body = "Tout juste publié, puis corrigé."
    publishing.edit_update(update=update, by=editor())
    (sent,) = client.get(f"{story.get_absolute_url()}updates/?since={cursor}").json()["updates"]
    assert "puis corrigé" in sent["html"]


def test_the_first_poll_of_an_older_page_sends_nothing_it_shows(client):
    story = factories.live_story()
    with time_machine.travel(timezone.now() - timedelta(minutes=5)):
        publishing.post_update(story=story, by=editor(), body="Publié il y a cinq minutes.")
    html = client.get(story.get_absolute_url()).content.decode()
    cursor = re.search(r'data-cursor="([^"]+)"', html)[1]
    assert client.get(f"{story.get_absolute_url()}updates/?since={cursor}").json()["updates"] == []


def test_a_304_poll_carries_both_validators(client):
    story = factories.live_story()
    factories.update(story)
    first = client.get(f"{story.get_absolute_url()}updates/?since=0")
    again = client.get(
        f"{story.get_absolute_url()}updates/?since=0", HTTP_IF_NONE_MATCH=first["ETag"]
    )
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert again["Last-Modified"] == first["Last-Modified"]


def test_public_pages_vary_on_accept_encoding_only(client):
    story = factories.live_story()
    factories.update(story)
    for url in [
        "/",
        story.get_absolute_url(),
        f"{story.get_absolute_url()}updates/?since=0",
        story.section.get_absolute_url(),
    ]:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en", HTTP_ACCEPT_ENCODING="gzip")
        assert response["Vary"] == "Accept-Encoding", url
        assert "Set-Cookie" not in response


def test_staff_previews_are_never_cached(client):
    story = factories.story(status=Story.Status.DRAFT, published_at=None)
    client.force_login(editor())
    response = client.get(f"/preview/stories/{story.pk}/")
    assert "no-store" in response["Cache-Control"]


class FragmentCounter:
    def __init__(self, monkeypatch):
        self.calls = []
        real = live._render_fragment
        monkeypatch.setattr(
            live,
            "_render_fragment",
            lambda story, update, social, variant, base_url: (
                self.calls.append((update.pk, variant))
                or real(story, update, social, variant, base_url)
            ),
        )


def test_a_new_post_renders_one_fragment_not_the_whole_stream(client, monkeypatch):
    story = factories.live_story()
    for n in range(5):
        factories.update(story, published_at=timezone.now() - timedelta(minutes=10 - n))
    client.get(story.get_absolute_url())
    counter = FragmentCounter(monkeypatch)
    new = publishing.post_update(story=story, by=editor(), body="Le dernier point.")
    client.get(story.get_absolute_url())
    assert {pk for pk, _variant in counter.calls} == {new.pk}
    # The poll and the permalink reuse what the page stored.
    client.get(f"{story.get_absolute_url()}updates/?since=0")
    assert {(pk, variant) for pk, variant in counter.calls} == {(new.pk, "page")}


def test_a_story_moved_to_another_zone_renders_its_fragments_again(client, monkeypatch):
    story = factories.live_story()
    factories.update(story, published_at=datetime(2023, 11, 20, 6, 45, tzinfo=UTC))
    assert "07:45" in client.get(story.get_absolute_url()).content.decode()
    story.time_zone = "America/New_York"
    publishing.save_story(story=story, by=editor())
    html = client.get(story.get_absolute_url()).content.decode()
    assert "01:45" in html


@pytest.mark.django_db(transaction=True)
def test_a_process_reads_a_generation_once_per_lease(monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(freshness, "LEASE_SECONDS", 60)
    scope = freshness.story_scope("une")
    with django_assert_num_queries(1):
        seen = {freshness.leased_generation(scope) for _ in range(5)}
    assert seen == {0}


def _four_readers_at_once(monkeypatch, scope, *, read_seconds):
    """Four threads ask for the scope's leased generation at once, each read of the database
    taking `read_seconds`: the reads made, and each thread's (answer, seconds it took)."""
    reads = []
    real = freshness.generation

    def slow_read(scope):
        reads.append(scope)
        time.sleep(read_seconds)
        return real(scope)

    monkeypatch.setattr(freshness, "generation", slow_read)
    answers = []

    def serve():
        started = time.monotonic()
        try:
            answers.append((freshness.leased_generation(scope), time.monotonic() - started))
        finally:
            connection.close()  # the thread's own, or PostgreSQL keeps the test database in use

    threads = [threading.Thread(target=serve) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return reads, answers


@pytest.mark.django_db(transaction=True)
def test_a_lease_near_its_end_is_renewed_by_one_reader_while_the_others_serve_on_it(
    monkeypatch,
):
    monkeypatch.setattr(freshness, "LEASE_SECONDS", 60)
    monkeypatch.setattr(freshness, "RENEW_BEFORE_SECONDS", 59.5)
    scope = freshness.story_scope("une")
    freshness.leased_generation(scope)
    time.sleep(0.6)  # the lease is now in its last 59.5 s
    reads, answers = _four_readers_at_once(monkeypatch, scope, read_seconds=1.5)
    assert reads == [scope]
    # The others did not wait for its read: they served on the lease.
    took = sorted(seconds for _answer, seconds in answers)
    assert took[2] < 0.75 <= took[3]


@pytest.mark.django_db(transaction=True)
def test_readers_finding_no_lease_wait_for_the_one_read_under_way(monkeypatch):
    monkeypatch.setattr(freshness, "LEASE_SECONDS", 60)
    scope = freshness.story_scope("une")
    reads, answers = _four_readers_at_once(monkeypatch, scope, read_seconds=0.5)
    assert reads == [scope]
    assert [answer for answer, _seconds in answers] == [0, 0, 0, 0]


@pytest.mark.django_db(transaction=True)
def test_a_change_waits_out_the_leases_taken_before_it(monkeypatch):
    """What made the change goes on only once every lease read before its commit has ended,
    so its next request (or anyone's it tells) reads the new generation."""
    monkeypatch.setattr(freshness, "LEASE_SECONDS", 0.3)
    scope = freshness.story_scope("une")
    before = freshness.leased_generation(scope)
    started = time.monotonic()
    freshness.bump(slugs=["une"])
    assert time.monotonic() - started >= 0.3
    after = freshness.leased_generation(scope)
    assert after != before
    assert after == freshness.generation(scope)


@pytest.mark.django_db(transaction=True)
def test_a_change_rolled_back_costs_no_wait_and_a_transaction_reads_its_own(monkeypatch):
    monkeypatch.setattr(freshness, "LEASE_SECONDS", 60)
    scope = freshness.story_scope("une")
    before = freshness.leased_generation(scope)
    seen_inside = []

    def change_then_fail():
        with transaction.atomic():
            freshness.bump(slugs=["une"])
            # Inside the transaction, its own change (no lease is taken there).
            seen_inside.append(freshness.leased_generation(scope))
            raise RuntimeError

    started = time.monotonic()
    with pytest.raises(RuntimeError):
        change_then_fail()
    assert time.monotonic() - started < 5
    assert seen_inside[0] != before
    assert freshness.leased_generation(scope) == before


def _servers_env(tmp_path):
    """Production settings on this test's own database (SQLite file or PostgreSQL with the
    suite's Redis), for servers started beside the test."""
    from scripts.serving import production_env

    env = production_env(tmp_path, DJANGO_LOG_LEVEL="ERROR")
    env.pop("DJANGO_CONN_MAX_AGE", None)
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        env["SQLITE_PATH"] = settings["NAME"]
    else:
        auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
        env["DATABASE_URL"] = (
            f"postgres://{auth}@{settings['HOST']}:{settings['PORT'] or 5432}/{settings['NAME']}"
        )
    return env


@pytest.mark.django_db(transaction=True)
def test_two_servers_on_one_database_agree_on_the_next_request(tmp_path):
    """Two gunicorn servers (two workers each) on the suite's database (sharing its Redis on
    PostgreSQL), each process holding its leases on generations: every change made here, in a
    third process, is served by every worker of both on the very next request, however
    recently they read the generation. (Without `bump` waiting out the leases, most rounds
    fail: the servers read the generation a few milliseconds before the change.)"""
    import urllib.request

    from scripts.serving import start_gunicorn

    story = factories.live_story(slug="le-direct")
    factories.update(story, body="Premier point.")
    env = _servers_env(tmp_path)
    servers = [start_gunicorn(env, workers=2, threads=2) for _ in range(2)]
    try:

        def page(base):
            url = f"{base}/stories/le-direct/"
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
                return response.read().decode()

        for _ in range(4):  # every worker of both servers has the page cached
            for _server, base in servers:
                assert "Premier point." in page(base)
        # Readers keep every worker's lease fresh while the desk posts.
        stop = threading.Event()

        def read_on():
            while not stop.is_set():
                for _server, base in servers:
                    page(base)

        readers = [threading.Thread(target=read_on) for _ in range(4)]
        for reader in readers:
            reader.start()
        try:
            for n in range(8):
                text = f"Point numéro {n} du bureau."
                publishing.post_update(story=story, by=editor(), body=text)
                for _ in range(2):
                    for _server, base in servers:
                        assert text in page(base)
        finally:
            stop.set()
            for reader in readers:
                reader.join()
    finally:
        for server, _base in servers:
            server.terminate()
        for server, _base in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


# What changes only the stream: the page keeps its stored shell (articles.pages).
STREAM_ONLY = {post_update, edit_update, delete_update, pin_update, key_event, correct_update}


def shell_generation(story):
    return freshness.generation(freshness.shell_scope(story.slug))


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__)
def test_the_page_shell_follows_every_change_but_those_to_updates_alone(shown_story, change):
    story, update = shown_story
    before = shell_generation(story)
    change(Story.objects.get(pk=story.pk), LiveUpdate.objects.get(pk=update.pk))
    assert (shell_generation(story) == before) == (change in STREAM_ONLY)


@override_settings(NEWSROOM_PAGE_CACHE=False)
def test_a_render_after_a_post_keeps_the_shell_and_reads_no_story(client):
    from django.test.utils import CaptureQueriesContext

    story = factories.live_story(headline="Le direct du conseil")
    factories.update(story, body="Le premier point.")
    client.get(story.get_absolute_url())
    publishing.post_update(story=story, by=editor(), body="Le deuxième point.")
    with CaptureQueriesContext(connection) as captured:
        html = client.get(story.get_absolute_url()).content.decode()
    assert "Le deuxième point." in html
    assert "Le premier point." in html
    assert "Le direct du conseil" in html
    tables = " ".join(query["sql"] for query in captured.captured_queries)
    assert 'FROM "articles_story"' not in tables  # the stored shell has the story
    # And a change to the story itself renders it again.
    story.headline = "Le conseil, en direct"
    publishing.save_story(story=story, by=editor())
    assert "Le conseil, en direct" in client.get(story.get_absolute_url()).content.decode()
