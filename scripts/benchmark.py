"""Requests per second of the story page and the polling endpoint, served as in production.

Starts gunicorn (threaded workers, DEBUG off) on a scratch SQLite database holding the demo
newsroom plus a live story with 1,000 updates, then loads each URL with wrk (Debian's `wrk`;
a small Python load generator is used when wrk is missing). Loopback only, bounded in time.

    make benchmark                 # or: .venv/bin/python scripts/benchmark.py --seconds 10
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.serving import manage, production_env, start_gunicorn  # noqa: E402

SETUP = """
from datetime import timedelta
from django.utils import timezone
from articles.models import LiveUpdate, Story
story = Story.objects.get(slug="openai-licencie-sam-altman")
story.is_live = True
story.live_ended_at = None
story.save()
start = timezone.now() - timedelta(days=1)
LiveUpdate.objects.bulk_create([
    LiveUpdate(story=story, body=f"Update {i}", body_html=f"<p>Update {i}</p>",
               published_at=start + timedelta(seconds=60 * i),
               changed_at=start + timedelta(seconds=60 * i), version=1)
    for i in range(1000)
])
"""


def python_load(url, seconds, connections):
    """Fallback load generator: keep-alive connections in threads, counting 2xx/304 answers."""
    host, port = re.match(r"http://([^:/]+):(\d+)", url).groups()
    path = url.split(port, 1)[1]
    deadline = time.monotonic() + seconds
    counts = []

    def worker():
        conn, done = HTTPConnection(host, int(port), timeout=10), 0
        while time.monotonic() < deadline:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            done += response.status in (200, 304)
        counts.append(done)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / seconds


def wrk_load(url, seconds, connections):
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p50, p99, int(errors.group(1)) if errors else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="newsroom-bench-"))
    env = production_env(tmp)
    env.pop("DATABASE_URL", None)  # a scratch SQLite database, never the configured one
    manage(env, "migrate", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    manage(env, "demo", stdout=subprocess.DEVNULL)
    manage(env, "shell", "--no-imports", "-c", SETUP)
    server, base = start_gunicorn(env, workers=args.workers)
    try:
        story = f"{base}/stories/openai-licencie-sam-altman/"
        body = urllib.request.urlopen(story).read().decode()
        cursor = re.search(r'data-cursor="([\d.]+)"', body).group(1)
        poll = f"{story}updates/?since="
        targets = {
            "story page (1,000 updates)": story,
            "polling endpoint (nothing new)": poll + cursor,
            "polling endpoint (since=0, first 100)": poll + "0",
            "home page": f"{base}/",
        }
        print(
            f"gunicorn gthread, {args.workers} workers x 8 threads, SQLite, "
            f"{args.connections} connections, {args.seconds}s each, {os.cpu_count()} cores "
            "shared by server and load generator"
        )
        for label, url in targets.items():
            for _ in range(20):  # warm the workers, their connections and the page cache
                urllib.request.urlopen(url).read()
            if shutil.which("wrk"):
                rps, p50, p99, errors = wrk_load(url, args.seconds, args.connections)
                print(f"{label:40} {rps:9.1f} req/s   p50 {p50:>8}  p99 {p99:>8}  errors {errors}")
            else:
                rps = python_load(url, args.seconds, args.connections)
                print(f"{label:40} {rps:9.1f} req/s   (python load generator)")
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
