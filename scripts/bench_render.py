"""`make bench-render`: the story page's in-process render cost, with no server and no cache.

Stories of 10, 200 and 1,000 updates (80 words each, a 1,500-word body), rendered by the view
with the page cache off, production settings (DEBUG off), on a scratch SQLite file: the median
of several renders, first with the stored fragments warm (the cost of a page after one post),
then with them cold (after a change that touches every update), and the cost per update shown.

    make bench-render                      # BENCH_ARGS='--repeat 30 --profile'
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TMP = Path(tempfile.mkdtemp(prefix="newsroom-render-"))
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "render-measurement-only-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "NEWSROOM_SSL_REDIRECT": "0",
        "SQLITE_PATH": str(TMP / "render.sqlite3"),
        "NEWSROOM_PAGE_CACHE": "0",
    }
)
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)

import django  # noqa: E402

django.setup()

from datetime import timedelta  # noqa: E402

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.utils import timezone  # noqa: E402

from articles import freshness, live, views  # noqa: E402
from articles.models import LiveUpdate, Section, Story  # noqa: E402
from articles.rendering import render_markdown  # noqa: E402

WORDS = [
    "le",
    "conseil",
    "d'administration",
    "a",
    "annoncé",
    "vendredi",
    "soir",
    "le",
    "départ",
    "du",
    "patron",
    "de",
    "l'entreprise",
    "après",
    "un",
    "examen",
    "qui",
    "a",
    "conclu",
    "qu'il",
    "manquait",
    "de",
    "franchise",
    "dans",
    "ses",
    "échanges",
]


def text(n, seed):
    return " ".join(WORDS[(seed + i) % len(WORDS)] for i in range(n))


def build(count, section):
    body = "\n\n".join(text(100, i) + "." for i in range(15))
    story = Story.objects.create(
        headline=f"Direct de {count} mises à jour",
        slug=f"direct-{count}",
        standfirst="Un chapeau.",
        body=body,
        section=section,
        status=Story.Status.PUBLISHED,
        published_at=timezone.now() - timedelta(days=2),
        is_live=True,
        live_started_at=timezone.now() - timedelta(days=2),
    )
    start = timezone.now() - timedelta(days=1)
    rows = []
    for i in range(count):
        body = text(80, i) + "."
        at = start + timedelta(seconds=30 * i)
        rows.append(
            LiveUpdate(
                story=story,
                title="" if i % 3 else f"Point {i}",
                body=body,
                body_html=render_markdown(body),
                is_key_event=i % 50 == 0,
                published_at=at,
                changed_at=at,
                version=1,
            )
        )
    LiveUpdate.objects.bulk_create(rows)
    freshness.bump(slugs=[story.slug])
    return story


def render_ms(slug, repeat, *, cold):
    request = RequestFactory().get(f"/stories/{slug}/")
    times = []
    for _ in range(repeat):
        if cold:
            cache.clear()
            live.FRAGMENT_MEMO.clear()
        started = time.perf_counter()
        response = views.story_detail(request, slug)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--profile", action="store_true", help="cProfile warm renders of 200")
    parser.add_argument("--profile-shown", type=int, default=20)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    # Production settings name static files by their hashes: the manifest must exist.
    call_command("collectstatic", interactive=False, verbosity=0)
    section = Section.objects.create(name="Tech", slug="tech")
    stories = {count: build(count, section) for count in (10, 200, 1000)}
    print(f"story page render, in process, median of {args.repeat} (production settings)")
    print(f"| {'updates':>7} | {'shown':>5} | {'warm ms':>8} | {'cold ms':>8} |")
    print(f"|{'-' * 8}:|{'-' * 6}:|{'-' * 9}:|{'-' * 9}:|")
    results = {}
    for shown in (20, 200):
        settings.NEWSROOM_UPDATES_PER_PAGE = shown
        for count, story in stories.items():
            if shown == 200 and count == 10:
                continue
            render_ms(story.slug, 2, cold=False)  # templates and connections warm
            warm = render_ms(story.slug, args.repeat, cold=False)
            cold = render_ms(story.slug, max(3, args.repeat // 3), cold=True)
            results[(count, shown)] = warm
            print(f"| {count:>7} | {min(shown, count):>5} | {warm:>8.2f} | {cold:>8.2f} |")
    per_update = (results[(200, 200)] - results[(200, 20)]) / 180
    print(f"cost per update shown (200 vs 20 shown, warm): {per_update:.3f} ms")
    print(f"1,000 vs 10 updates, 20 shown: {results[(1000, 20)] / results[(10, 20)]:.2f}x")
    # The story of 10 shows 10; 200 and 1,000 both show 20 (and 4 and 20 key events).
    print(f"1,000 vs 200 updates, 20 shown: {results[(1000, 20)] / results[(200, 20)]:.2f}x")
    if args.profile:
        import cProfile
        import pstats

        settings.NEWSROOM_UPDATES_PER_PAGE = args.profile_shown
        render_ms(stories[200].slug, 2, cold=False)  # its fragments stored: a warm render
        profile = cProfile.Profile()
        profile.enable()
        render_ms(stories[200].slug, 10, cold=False)
        profile.disable()
        stats = pstats.Stats(profile)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
