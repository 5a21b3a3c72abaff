"""Load with writes: readers poll a live story and load its page while five staff post, edit,
pin and delete updates through the desk, for a bounded time, against gunicorn with production
settings on 127.0.0.1. Then it checks:

- no answer was a server error (5xx);
- every update posted is in the database exactly once (none lost, none doubled);
- every reader's view (its last page load, then its polls) converged to the server's state:
  the same visible updates, in the same order, at the same versions;

and prints request rates and p50/p99 latencies of readers' page loads, readers' polls and the
staff's writes. PostgreSQL when DATABASE_URL is set (a scratch database `<name>_load`, made and
dropped), SQLite otherwise; Redis when REDIS_URL is set. Not in CI:

    make loadtest                        # LOADTEST_ARGS="--seconds 60 --readers 30"
"""

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.race import Session  # noqa: E402
from scripts.serving import manage, production_env, start_gunicorn  # noqa: E402

WRITERS = 5
SETUP = """
from datetime import timedelta
from django.contrib.auth.models import Group, User
from django.utils import timezone
from articles.models import LiveUpdate, Section, Story
section, _ = Section.objects.get_or_create(slug="load", defaults={"name": "Load"})
story = Story.objects.create(
    headline="Charge", slug="charge", section=section, status="published",
    published_at=timezone.now() - timedelta(hours=1), is_live=True,
    live_started_at=timezone.now() - timedelta(hours=1),
)
for n in range(10):
    LiveUpdate.objects.create(
        story=story, body=f"Avant la charge {n}",
        published_at=timezone.now() - timedelta(minutes=30 - n),
    )
for n in range(WRITERS_COUNT):
    desk = User.objects.create_user(f"desk{n}", password="race-password-1", is_staff=True)
    desk.groups.add(Group.objects.get(name="Live desk"))
print("story", story.pk)
""".replace("WRITERS_COUNT", str(WRITERS))
STATE = """
import json
from articles.models import LiveUpdate
rows = LiveUpdate.objects.filter(story__slug="charge")
visible = rows.published().newest_first()
print(json.dumps({
    "visible": [[u.pk, u.version, int(u.published_at.timestamp() * 1_000_000)] for u in visible],
    "bodies": list(rows.values_list("body", flat=True)),
    "pinned": list(visible.filter(is_pinned=True).values_list("pk", flat=True)),
}))
"""


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)
        self.statuses = defaultdict(lambda: defaultdict(int))

    def record(self, kind, status, seconds):
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[kind][status] += 1

    def server_errors(self):
        return {
            kind: {s: n for s, n in statuses.items() if s >= 500}
            for kind, statuses in self.statuses.items()
            if any(s >= 500 for s in statuses)
        }


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


class Stream(HTMLParser):
    """The updates of a story page's stream (not the pinned copy above it) and its cursor."""

    def __init__(self):
        super().__init__()
        self.updates, self.cursor = {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-cursor" in attrs and attrs.get("data-poll-url"):
            self.cursor = attrs["data-cursor"]
        pinned_copy = (attrs.get("id") or "").startswith("pinned-")
        if tag == "article" and "data-update-id" in attrs and not pinned_copy:
            self.updates[int(attrs["data-update-id"])] = (
                int(attrs["data-version"]),
                int(attrs["data-published"]),
            )


PUBLISHED = re.compile(r'data-published="(\d+)"')


def fetch(base, path, headers=None):
    request = urllib.request.Request(base + path, headers=headers or {})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, headers_, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers_, body = error.code, error.headers, error.read()
    return status, headers_, body.decode(errors="replace"), time.perf_counter() - started


class Reader:
    """A reader's open page: loaded, then kept up to date by polling (as static/js/live does)."""

    def __init__(self, base, slug, stats):
        self.base, self.slug, self.stats = base, slug, stats
        self.updates, self.window, self.cursor, self.etag = {}, 0, None, None

    def load(self):
        status, _, body, seconds = fetch(self.base, f"/stories/{self.slug}/")
        self.stats.record("reader page", status, seconds)
        if status != 200:
            return
        stream = Stream()
        stream.feed(body)
        self.updates, self.cursor, self.etag = stream.updates, stream.cursor, None
        # What this page can know about: its first page, from its oldest update on.
        self.window = min((published for _, published in self.updates.values()), default=0)

    def poll(self):
        """One poll; True when the answer changed something."""
        headers = {"If-None-Match": self.etag} if self.etag else {}
        path = f"/stories/{self.slug}/updates/?since={urllib.parse.quote(self.cursor)}"
        status, answer_headers, body, seconds = fetch(self.base, path, headers)
        self.stats.record("reader poll", status, seconds)
        if status != 200:
            return False
        self.etag = answer_headers.get("ETag")
        payload = json.loads(body)
        for change in payload["updates"]:
            if change["state"] == "removed":
                self.updates.pop(change["id"], None)
            else:
                published = int(PUBLISHED.search(change["html"])[1])
                self.updates[change["id"]] = (change["version"], published)
        self.cursor = payload["cursor"]
        return bool(payload["updates"]) or payload["more"]

    def view(self):
        """(id, version) newest first, as the page orders them."""
        rows = [(pk, v, p) for pk, (v, p) in self.updates.items() if p >= self.window]
        return [(pk, v) for pk, v, p in sorted(rows, key=lambda r: (-r[2], -r[0]))]


class Desk(Session):
    def post_json(self, path, data):
        body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(
            self.base + path,
            data=body,
            headers={"Referer": self.base + path, "Accept": "application/json"},
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")


def writer(n, base, story_id, stats, stop, posted, lock):
    from tests.helpers import form_data_plain

    class Page:
        def __init__(self, html):
            self.status_code, self.content = 200, html.encode()

    desk = Desk(base, f"desk{n}")
    desk_page = f"/desk/stories/{story_id}/"
    token = Session.token(desk.get(desk_page))
    mine, count = [], 0
    rng = random.Random(n)
    while not stop.is_set():
        started = time.perf_counter()
        choice = rng.random()
        if choice < 0.45 or not mine:
            count += 1
            tag = f"LT-{n}-{count}"
            status, body = desk.post_json(desk_page, {"title": "", "body": tag, **token})
            if status == 201:
                mine.append(json.loads(body)["update"]["id"])
                with lock:
                    posted.append(tag)
            stats.record("staff post", status, time.perf_counter() - started)
        elif choice < 0.75:
            pk = rng.choice(mine)
            url = f"/desk/updates/{pk}/edit/"
            data = form_data_plain(Page(desk.get(url)))
            data["body"] = data["body"].split(" ·")[0] + f" · édité {time.time():.3f}"
            status, _ = desk.post(url, data)
            stats.record("staff edit", status, time.perf_counter() - started)
        elif choice < 0.9:
            pk = rng.choice(mine)
            action = rng.choice(["pin", "unpin"])
            status, _ = desk.post_json(f"/desk/updates/{pk}/action/", {"action": action, **token})
            stats.record("staff pin", status, time.perf_counter() - started)
        else:
            pk = mine.pop(rng.randrange(len(mine)))
            status, _ = desk.post_json(f"/desk/updates/{pk}/action/", {"action": "delete", **token})
            stats.record("staff delete", status, time.perf_counter() - started)
        # A person at a desk: a post every second or two, not a flood.
        stop.wait(rng.uniform(0.2, 0.6))


def reader_loop(reader, stop, interval):
    reader.load()
    polls = 0
    while not stop.is_set():
        if reader.cursor:
            reader.poll()
        polls += 1
        if polls % 15 == 0:  # a reload now and then, as people do
            reader.load()
        stop.wait(interval)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--readers", type=int, default=30)
    parser.add_argument("--poll-interval", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="newsroom-load-"))
    env = production_env(tmp, NEWSROOM_LOGIN_FAILURE_LIMIT="1000")
    database = os.environ.get("DATABASE_URL", "")
    if database:
        base_url, name = database.rsplit("/", 1)
        scratch = f"{name}_load"
        env["DATABASE_URL"] = f"{base_url}/{scratch}"
        subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", scratch],
                       check=True)  # fmt: skip
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", scratch], check=True)
    manage(env, "migrate", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    story_id = manage(env, "shell", "--no-imports", "-c", SETUP, capture_output=True).stdout
    story_id = story_id.split()[-1]
    server, base = start_gunicorn(env, workers=args.workers, threads=8)
    kind = "PostgreSQL" if database else "SQLite"
    kind += " + Redis" if os.environ.get("REDIS_URL") else " + local-memory cache"
    print(f"{kind}, gunicorn {args.workers} workers × 8 threads, {args.readers} readers, "
          f"{WRITERS} staff, {args.seconds:g} s")  # fmt: skip

    stats, stop, lock, posted = Stats(), threading.Event(), threading.Lock(), []
    broken = []
    try:
        readers = [Reader(base, "charge", stats) for _ in range(args.readers)]
        threads = [
            threading.Thread(target=writer, args=(n, base, story_id, stats, stop, posted, lock))
            for n in range(WRITERS)
        ] + [
            threading.Thread(target=reader_loop, args=(r, stop, args.poll_interval))
            for r in readers
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        stop.wait(args.seconds)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        elapsed = time.perf_counter() - started

        # Readers catch up: past the poll's commit lag, poll until two answers change nothing.
        time.sleep(3)
        for reader in readers:
            quiet = 0
            for _ in range(50):
                quiet = 0 if reader.poll() else quiet + 1
                if quiet >= 2:
                    break
        state = json.loads(
            manage(env, "shell", "--no-imports", "-c", STATE, capture_output=True).stdout
        )

        errors = stats.server_errors()
        bodies = defaultdict(int)
        for body in state["bodies"]:
            bodies[body.split(" ·")[0]] += 1
        lost = [tag for tag in posted if bodies.get(tag, 0) == 0]
        doubled = [tag for tag in posted if bodies.get(tag, 0) > 1]
        server_view = [(pk, version, published) for pk, version, published in state["visible"]]
        diverged = 0
        for reader in readers:
            expected = [(pk, v) for pk, v, p in server_view if p >= reader.window]
            if reader.view() != expected:
                diverged += 1
        print(f"\nrequests over {elapsed:.0f} s:")
        for kind_, latencies in sorted(stats.latencies.items()):
            statuses = dict(sorted(stats.statuses[kind_].items()))
            print(f"  {kind_:<13} {len(latencies) / elapsed:7.1f}/s  "
                  f"p50 {percentile(latencies, 0.5) * 1000:6.1f} ms  "
                  f"p99 {percentile(latencies, 0.99) * 1000:6.1f} ms  {statuses}")  # fmt: skip
        reads = sum(len(v) for k, v in stats.latencies.items() if k.startswith("reader"))
        writes = sum(len(v) for k, v in stats.latencies.items() if k.startswith("staff"))
        print(f"  readers {reads / elapsed:.1f} req/s, staff {writes / elapsed:.1f} req/s")
        print(f"\nposted {len(posted)} updates: {len(lost)} lost, {len(doubled)} doubled; "
              f"{len(state['visible'])} visible, {len(state['pinned'])} pinned")  # fmt: skip
        print(f"server errors: {errors or 'none'}")
        print(f"readers converged: {len(readers) - diverged} of {len(readers)}")
        if errors:
            broken.append("server errors")
        if lost or doubled:
            broken.append("lost or doubled updates")
        if diverged:
            broken.append("readers diverged")
        if len(state["pinned"]) > 1:
            broken.append("more than one pin")
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=15)
        shutil.rmtree(tmp, ignore_errors=True)
        if database:
            subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", scratch],
                           check=False)  # fmt: skip
    if broken:
        sys.exit(f"broken: {', '.join(broken)}")


if __name__ == "__main__":
    main()
