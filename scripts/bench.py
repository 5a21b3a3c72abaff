"""`make bench`: the story page and the poll against the ceiling, served as in production.

Builds a scratch newsroom (the demo, its live story grown to a 1,500-word body and 200 updates
of 80 words, with the demo's citations, social posts and pictures), starts gunicorn with
production settings (DEBUG off, whitenoise) and drives each target with `wrk` on 127.0.0.1
for a bounded time, in one interleaved run beside Django's hello view served by the same
server (the framework's ceiling). Each figure is also given as a ratio of that ceiling.

Worker class: gthread (2 workers x 4 threads). Sync workers close every connection after one
answer (no keep-alive) and a thread waiting on Redis or PostgreSQL would block its whole
worker; threads keep connections open and overlap those waits. On 2 cores, more processes
than cores only add context switches.

SQLite first (locmem cache), then PostgreSQL with Redis when DATABASE_URL and REDIS_URL are
set (the database is emptied and reloaded: give it a scratch one).

    make bench                       # BENCH_ARGS='--seconds 5 --only sqlite'
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.serving import free_port, manage, production_env, start_nginx  # noqa: E402

SLUG = "openai-licencie-sam-altman"
PY = sys.executable

SETUP = """
from datetime import timedelta
from django.utils import timezone
from articles import freshness
from articles.models import LiveUpdate, Story
from articles.rendering import render_markdown
words = ("le conseil d'administration a annoncé vendredi soir le départ du patron "
         "de l'entreprise après un examen qui a conclu qu'il manquait de franchise ").split()
def text(n, seed):
    return " ".join(words[(seed + i) % len(words)] for i in range(n))
story = Story.objects.get(slug="%(slug)s")
paragraphs = [text(100, i) + "." for i in range(15)]
story.body = story.body + "\\n\\n" + "\\n\\n".join(paragraphs)
story.is_live = True
story.live_ended_at = None
story.live_started_at = story.live_started_at or timezone.now() - timedelta(days=1)
story.save()
have = LiveUpdate.objects.filter(story=story).count()
start = timezone.now() - timedelta(hours=20)
rows = []
for i in range(max(0, 200 - have)):
    body = text(80, i) + "."
    at = start + timedelta(minutes=5 * i)
    rows.append(LiveUpdate(story=story, body=body, body_html=render_markdown(body),
                           title="" if i % 3 else f"Point {i}",
                           is_key_event=i % 25 == 0,
                           published_at=at, changed_at=at, version=1))
LiveUpdate.objects.bulk_create(rows)
freshness.bump(slugs=[story.slug], lists=True)
print(LiveUpdate.objects.filter(story=story).count(), len(story.body.split()))
"""


RESET_POSTGRESQL = """
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
"""


def cpu_seconds(pid):
    """User + system CPU of a process and all its descendants (gunicorn's master and
    workers, nginx's), from /proc."""
    total, todo = 0.0, [pid]
    tick = os.sysconf("SC_CLK_TCK")
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                todo.extend(int(c) for c in children)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def wrk(url, seconds, connections, headers=()):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return requests, p50, p99, int(errors.group(1)) if errors else 0


def start_gunicorn(env, *, workers, threads):
    port = free_port()
    server = subprocess.Popen(
        [PY, "-m", "gunicorn", "newsroom.wsgi", "--worker-class", "gthread",
         "--workers", str(workers), "--threads", str(threads), "--bind", f"127.0.0.1:{port}",
         "--no-control-socket", "--log-level", "warning", "--keep-alive", "30"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/_bench/hello/", timeout=2).read()
            break
        except OSError:
            time.sleep(0.2)
    return server, base


def fetch(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as response:
            return response.read(), response.headers
    except urllib.error.HTTPError as error:
        if error.code != 304:
            raise
        return b"", error.headers


def measure(label, url, pid, args, *, headers=(), ceiling=None):
    for _ in range(20):  # warm workers, connections and caches
        fetch(url, dict(h.split(": ", 1) for h in headers))
    before = cpu_seconds(pid)
    requests, p50, p99, errors = wrk(url, args.seconds, args.connections, headers)
    cpu = cpu_seconds(pid) - before
    row = {
        "label": label,
        "rps": requests / args.seconds,
        "p50": p50,
        "p99": p99,
        "cpu_ms": 1000 * cpu / max(requests, 1),
        "errors": errors,
    }
    return row


def print_table(title, rows, hello):
    print(f"\n{title}")
    print(
        f"| {'target':<52} | {'req/s':>8} | {'p50':>8} | {'p99':>8} | {'CPU ms/req':>10} "
        f"| {'req/s ÷ hello':>13} | {'CPU ÷ hello':>11} |"
    )
    print(f"|{'-' * 54}|{'-' * 10}:|{'-' * 10}:|{'-' * 10}:|{'-' * 12}:|{'-' * 15}:|{'-' * 13}:|")
    for row in rows:
        note = f" ({row['errors']} errors)" if row["errors"] else ""
        print(
            f"| {row['label'] + note:<52} | {row['rps']:>8,.0f} | {row['p50']:>8} "
            f"| {row['p99']:>8} | {row['cpu_ms']:>10.3f} | {row['rps'] / hello['rps']:>12.0%} "
            f"| {row['cpu_ms'] / hello['cpu_ms']:>10.1f}x |"
        )


def run(database, args):
    tmp = Path(tempfile.mkdtemp(prefix="newsroom-bench-"))
    extra = {"NEWSROOM_BENCH_HELLO": "1", "DJANGO_LOG_LEVEL": "ERROR"}
    env = production_env(tmp, **extra)
    if database == "sqlite":
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
    else:
        # A scratch database, emptied to the schema: flush would keep no groups (a data
        # migration makes them) and the demo needs them.
        manage(env, "shell", "--no-imports", "-c", RESET_POSTGRESQL)
    manage(env, "migrate", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0", stdout=subprocess.DEVNULL)
    manage(env, "demo", stdout=subprocess.DEVNULL)
    counts = manage(
        env, "shell", "--no-imports", "-c", SETUP.replace("%(slug)s", SLUG), capture_output=True
    ).stdout.split()
    servers = []
    try:
        cached, base = start_gunicorn(env, workers=args.workers, threads=args.threads)
        servers.append(cached)
        uncached_env = {**env, "NEWSROOM_PAGE_CACHE": "0"}
        uncached, uncached_base = start_gunicorn(
            uncached_env, workers=args.workers, threads=args.threads
        )
        servers.append(uncached)
        all_env = {**uncached_env, "NEWSROOM_UPDATES_PER_PAGE": "200"}
        everything, all_base = start_gunicorn(all_env, workers=args.workers, threads=args.threads)
        servers.append(everything)
        story = f"{base}/stories/{SLUG}/"
        page, _headers = fetch(story)
        (tmp / "static").mkdir()
        (tmp / "static" / "page.html").write_bytes(page)
        static_server = (
            f"\n    server {{\n        listen 127.0.0.1:{{static_port}};\n"
            f"        root {tmp / 'static'};\n    }}\n"
        )
        static_port = free_port()
        nginx, front = start_nginx(
            tmp,
            upstream=base.removeprefix("http://"),
            extra_server=static_server.replace("{static_port}", str(static_port)),
        )
        servers.append(nginx)
        cursor = re.search(r'data-cursor="([^"]+)"', page.decode()).group(1)
        poll = f"{story}updates/?since={cursor}"
        _body, poll_headers = fetch(poll)
        etag = poll_headers["ETag"]
        _body, page_headers = fetch(story)
        hello = measure(
            "Django hello view (the ceiling)", f"{base}/_bench/hello/", cached.pid, args
        )
        rows = [hello]
        plan = [
            ("story page, cached", story, cached.pid, ()),
            ("story page, cached, 304", story, cached.pid,
             (f"If-None-Match: {page_headers['ETag']}",)),
            ("story page, no cache (20 of 200 shown)", f"{uncached_base}/stories/{SLUG}/",
             uncached.pid, ()),
            ("story page, no cache (all 200 shown)", f"{all_base}/stories/{SLUG}/",
             everything.pid, ()),
            ("poll, fresh (200 from the cache)", poll, cached.pid, ()),
            ("poll, 304", poll, cached.pid, (f"If-None-Match: {etag}",)),
            ("home page, cached", f"{base}/", cached.pid, ()),
            ("story page through nginx's micro-cache", f"{front}/stories/{SLUG}/", nginx.pid, ()),
            ("nginx serving the page as a static file", f"http://127.0.0.1:{static_port}/page.html",
             nginx.pid, ()),
        ]  # fmt: skip
        for label, url, pid, headers in plan:
            rows.append(measure(label, url, pid, args, headers=headers))
            # Interleaved: the ceiling again after each target, averaged, so a neighbour's
            # load hits both alike.
            again = measure("hello", f"{base}/_bench/hello/", cached.pid, args)
            hello["rps"] = (hello["rps"] + again["rps"]) / 2
            hello["cpu_ms"] = (hello["cpu_ms"] + again["cpu_ms"]) / 2
        title = (
            f"{'SQLite, local-memory cache' if database == 'sqlite' else 'PostgreSQL + Redis'}: "
            f"gunicorn gthread {args.workers} workers x {args.threads} threads, "
            f"wrk -t2 -c{args.connections} -d{args.seconds}s, {os.cpu_count()} cores shared "
            f"with the load generator; {counts[0]} updates, {counts[1]} words of body"
        )
        print_table(title, rows, hello)
        sizes = {}
        for encoding in ("identity", "gzip", "br", "zstd"):
            body, _ = fetch(story, {"Accept-Encoding": encoding})
            sizes[encoding] = len(body)
        print("story page bytes: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
        front_static = rows[-2]["rps"] / rows[-1]["rps"]
        print(f"front cache ÷ nginx static: {front_static:.0%}")
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            sys.exit(f"make bench needs {tool} (apt-get install wrk nginx)")
    if args.only != "postgresql":
        run("sqlite", args)
    if args.only != "sqlite":
        if os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get(
            "REDIS_URL"
        ):
            run("postgresql", args)
        else:
            print(
                "\nPostgreSQL + Redis skipped: set DATABASE_URL (a scratch database) and REDIS_URL."
            )


if __name__ == "__main__":
    main()
