"""Search latency on a newsroom of 10,000 stories and 100,000 live updates.

Builds the data in a scratch database of its own (a temporary SQLite file, or, with
DATABASE_URL set, a PostgreSQL database named after it with `_search_benchmark`, dropped at the
end), migrated as in production, then times `articles.search.search()` for 100 varied queries
(common and rare words, phrases, accents left out, two-word and no-match queries) and prints
the median and the worst. Not part of CI.

    make search-benchmark                                   # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom make search-benchmark
    .venv/bin/python scripts/search_benchmark.py --stories 1000 --updates 10000
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Words of the newsroom's beat, with and without accents, frequent and rare.
VOCABULARY = [
    "conseil",
    "administration",
    "directeur",
    "général",
    "président",
    "société",
    "entreprise",
    "électeurs",
    "élection",
    "gouvernement",
    "ministre",
    "député",
    "sénat",
    "réforme",
    "budget",
    "économie",
    "marché",
    "bourse",
    "intelligence",
    "artificielle",
    "modèle",
    "données",
    "sécurité",
    "réseau",
    "plateforme",
    "licenciement",
    "démission",
    "annonce",
    "communiqué",
    "enquête",
    "témoignage",
    "tribunal",
    "procès",
    "accusation",
    "défense",
    "régulation",
    "européenne",
    "commission",
    "décision",
    "vote",
    "majorité",
    "opposition",
    "grève",
    "syndicat",
    "salaires",
    "énergie",
    "nucléaire",
    "climat",
    "sécheresse",
    "inondation",
    "santé",
    "hôpital",
    "vaccin",
    "école",
    "université",
    "recherche",
    "découverte",
    "satellite",
    "fusée",
    "lancement",
    "téléphone",
    "application",
]
ENGLISH = [
    "board",
    "chief",
    "executive",
    "president",
    "company",
    "election",
    "government",
    "minister",
    "parliament",
    "reform",
    "budget",
    "economy",
    "market",
    "stocks",
    "artificial",
    "intelligence",
    "model",
    "data",
    "security",
]
# Real text follows Zipf's law: a few words are everywhere, most are rare. The beat's words are
# spread through 4,000 ranks of made-up ones, so queries hit a few or many documents, as in a
# newsroom's archive. --dense draws every word from the beat's 70 instead: each query then
# matches nearly every document (the worst case).
FILLER = 4000


def lexicon(rng, dense):
    if dense:
        return VOCABULARY, None
    made = [f"{rng.choice('bcdfglmnprstv')}{rng.choice('aeiouéè')}{n:x}" for n in range(FILLER)]
    step = FILLER // len(VOCABULARY)
    for i, word in enumerate(VOCABULARY):
        made.insert(i * step, word)
    weights = [1 / (rank + 1) for rank in range(len(made))]
    return made, weights


def sentence(rng, words, n, weights=None):
    return " ".join(rng.choices(words, weights=weights, k=n)).capitalize() + "."


def scratch_database():
    """Point Django at a database of our own; returns a cleanup function."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        path = Path(tempfile.mkdtemp()) / "search-benchmark.sqlite3"
        os.environ["SQLITE_PATH"] = str(path)
        return "SQLite", lambda: path.unlink(missing_ok=True)
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_search_benchmark"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))

    def drop():
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')

    return "PostgreSQL", drop


def build(stories, updates, rng, dense=False):
    from datetime import timedelta

    from django.utils import timezone

    from articles.models import LiveUpdate, Section, Story
    from articles.rendering import plain_text, render_markdown

    french, weights = lexicon(rng, dense)
    section = Section.objects.create(name="Benchmark", slug="benchmark")
    now = timezone.now()
    batch = []
    for i in range(stories):
        english = i % 10 == 0
        words, w = (ENGLISH, None) if english else (french, weights)
        body = "\n\n".join(sentence(rng, words, 25, w) for _ in range(8))
        body_html = render_markdown(body)
        at = now - timedelta(minutes=i)
        batch.append(
            Story(
                headline=sentence(rng, words, 8, w)[:200],
                slug=f"story-{i}",
                standfirst=sentence(rng, words, 20, w),
                body=body,
                body_html=body_html,
                body_text=plain_text(body_html),
                language="en" if english else "fr",
                section=section,
                status=Story.Status.PUBLISHED,
                published_at=at,
                # One story in ten has live coverage: the updates go to them.
                is_live=i % 10 == 1,
                live_started_at=at if i % 10 == 1 else None,
                version=1,
            )
        )
    Story.objects.bulk_create(batch, batch_size=500)
    live_ids = list(Story.objects.filter(is_live=True).values_list("id", flat=True))
    batch = []
    for i in range(updates):
        text = sentence(rng, french, 40, weights)
        at = now - timedelta(seconds=i)
        batch.append(
            LiveUpdate(
                story_id=live_ids[i % len(live_ids)],
                title=sentence(rng, french, 5, weights) if i % 3 == 0 else "",
                body=text,
                body_html=f"<p>{text}</p>",
                body_text=text,
                published_at=at,
                changed_at=at,
                version=1,
            )
        )
        if len(batch) == 5000:
            LiveUpdate.objects.bulk_create(batch)
            batch = []
    LiveUpdate.objects.bulk_create(batch)


def strip_accents(word):
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def queries(rng, count):
    made = []
    for i in range(count):
        kind = i % 5
        if kind == 0:
            made.append(rng.choice(VOCABULARY))
        elif kind == 1:
            made.append(strip_accents(rng.choice(VOCABULARY)))
        elif kind == 2:
            made.append(f"{rng.choice(VOCABULARY)} {rng.choice(VOCABULARY)}")
        elif kind == 3:
            made.append(f'"{rng.choice(VOCABULARY)} {rng.choice(VOCABULARY)}"')
        else:
            made.append(rng.choice(ENGLISH) if i % 2 else f"introuvable{i}")
    return made


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stories", type=int, default=10_000)
    parser.add_argument("--updates", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--dense", action="store_true", help="every word from 70 (worst case)")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    engine, cleanup = scratch_database()
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from articles import search

        call_command("migrate", verbosity=0)
        rng = random.Random(2023)
        started = time.perf_counter()
        build(args.stories, args.updates, rng, dense=args.dense)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        vocabulary = "dense vocabulary" if args.dense else "Zipf vocabulary"
        print(
            f"{engine} ({vocabulary}): built {args.stories:,} stories and {args.updates:,} updates "
            f"in {time.perf_counter() - started:.0f} s"
        )
        timings, totals = [], []
        for query in queries(rng, args.queries):
            start = time.perf_counter()
            results = search.search(query)
            timings.append((time.perf_counter() - start) * 1000)
            totals.append(results.total)
        timings.sort()
        matched = statistics.median(totals)
        print(
            f"{engine}: {len(timings)} queries, median {statistics.median(timings):.1f} ms, "
            f"worst {timings[-1]:.1f} ms (p90 {timings[int(len(timings) * 0.9)]:.1f} ms); "
            f"median matches {matched:,.0f}, most {max(totals):,}"
        )
    finally:
        cleanup()


if __name__ == "__main__":
    main()
