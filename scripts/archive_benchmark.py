"""Archiving a 2 MB cited page: time and peak memory of one capture (fetch through the egress
helper from a server on 127.0.0.1, WARC record, readable text, storage), five runs, median.

    make archive-benchmark

A scratch SQLite database and media folder in a temporary directory; production settings."""

import os
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.serving import production_env  # noqa: E402

TARGET_BYTES = 2 * 1024 * 1024
RUNS = 5
WORDS = [
    "board",
    "chief",
    "executive",
    "candid",
    "communications",
    "investors",
    "company",
    "research",
    "safety",
    "weekend",
    "negotiations",
    "employees",
    "letter",
    "partnership",
    "interim",
    "founder",
    "announcement",
    "statement",
]


def page(size):
    """An article page of `size` bytes: prose, with the scripts and styles real pages carry."""
    rng = random.Random(17)
    head = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>A long report</title>"
        + "<style>"
        + ".c{color:#111}" * 2000
        + "</style>"
        + "<script>"
        + "var t=1;" * 5000
        + "</script></head><body><nav>Home Tech</nav><article>"
    )
    parts, total = [head], len(head)
    while total < size - 100:
        sentence = " ".join(rng.choice(WORDS) for _ in range(18)).capitalize() + ". "
        paragraph = f"<p>{sentence * 6}</p>\n"
        parts.append(paragraph)
        total += len(paragraph)
    parts.append("</article></body></html>")
    return "".join(parts).encode()


def main():
    tmp = tempfile.mkdtemp(prefix="newsroom-archive-")
    os.environ.update(production_env(tmp, MEDIA_ROOT=str(Path(tmp) / "media")))
    os.environ["DJANGO_SETTINGS_MODULE"] = "newsroom.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from articles import archiving, egress
    from articles.models import Citation, Section, Source, Story
    from tests.origin import serving, to_loopback

    call_command("migrate", verbosity=0)
    # The one place outside the tests that lets egress reach this machine: a measurement.
    settings.NEWSROOM_EGRESS_ALLOW_LOOPBACK_FOR_TESTS = True
    body = page(TARGET_BYTES)
    section = Section.objects.create(name="Bench", slug="bench")
    story = Story.objects.create(headline="Benchmark", slug="benchmark", section=section)
    source = Source.objects.create(
        name="Origin", slug="origin", homepage_url="https://news.example/"
    )
    with serving() as origin:
        for run in range(RUNS):
            origin.page(f"/report/{run}", body)
        port = origin.server_port

        def fetch_locally(url):
            local = url.replace("news.example/", f"news.example:{port}/", 1)
            return egress.fetch(local, resolver=to_loopback, max_bytes=archiving.max_bytes())

        archiving.fetch_page = fetch_locally
        times, peaks = [], []
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        for run in range(RUNS):
            citation = Citation.objects.create(
                story=story, source=source, url=f"http://news.example/report/{run}", title="R"
            )
            tracemalloc.start()
            started = time.perf_counter()
            done = archiving.capture(citation.pk)
            elapsed = time.perf_counter() - started
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
            assert done.capture_state == Citation.Capture.DONE, done.capture_error
            times.append(elapsed)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"page: {len(body) / 1e6:.2f} MB HTML; text kept: {len(done.readable_text):,} characters")
    print(f"WARC file: {done.warc_file.size / 1e6:.2f} MB (gzipped)")
    print(
        f"capture time: median {statistics.median(times) * 1000:.0f} ms "
        f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}) over {RUNS} runs"
    )
    print(f"peak Python allocations during a capture: {max(peaks) / 1e6:.1f} MB (tracemalloc)")
    grew = (rss_after - rss_before) / 1024
    print(f"process peak RSS: {rss_after / 1024:.0f} MB (grew {grew:.0f} MB over the runs)")


if __name__ == "__main__":
    main()
