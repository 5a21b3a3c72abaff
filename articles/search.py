"""Search over published stories and the published updates of covered stories.

One interface, three engines:
- PostgreSQL: full-text search on each row's stored vector (kept by the triggers of migration
  0008, weighted headline > standfirst > body, stemmed in the story's language with accents
  folded), `websearch_to_tsquery` for the reader's words (quotes, `or` and `-word` work and
  nothing in a query is a syntax error), `ts_rank`, and `ts_headline` excerpts;
- SQLite with FTS5: an external-content FTS5 index per table (accents folded by the unicode61
  tokenizer, each word matched as a prefix in place of stemming), ranked by bm25 with the same
  column weights;
- SQLite without FTS5: the same words matched with LIKE, headline matches ranked first.

Whatever the engine, `search(text, page)` returns a `Results` page whose hits carry their
title, address, time and an excerpt in which only `<mark>` is markup.
"""

import functools
import html
import operator
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

import nh3
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.paginator import EmptyPage, Paginator
from django.db import connection
from django.db.models import Case, F, FloatField, IntegerField, Q, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _

from articles.models import LiveUpdate, Story
from articles.rendering import without_control_characters

RESULTS_PER_PAGE = 10
# Past these a query is not a reader's search: it is refused with a 400 rather than run.
MAX_QUERY_LENGTH = 200
MAX_TERMS = 16
MAX_PAGE = 100
EXCERPT_WORDS = 30

# The text search configuration of each story language (migration 0008 builds them).
CONFIGS = {"fr": "newsroom_french", "en": "newsroom_english"}
FALLBACK_CONFIG = "newsroom_simple"

# ts_headline marks matches with characters no stored text can hold (CleanTextModel strips
# control characters), so the excerpt can be escaped whole and only these become <mark>.
_START, _STOP = "\x02", "\x03"
_WORD = re.compile(r"\w+")
_PHRASE_OR_WORD = re.compile(r'"([^"]*)"|(\S+)')


class QueryError(ValueError):
    """A query no reader types (too long, too many words): answered with 400, not run."""


@dataclass
class Hit:
    kind: str  # "story" or "update"
    title: str
    url: str
    published_at: datetime
    time_zone: str
    language: str
    excerpt_html: str
    story: Story
    update: LiveUpdate | None = None


@dataclass
class Results:
    query: str
    hits: list = field(default_factory=list)
    total: int = 0
    page_number: int = 1
    num_pages: int = 1

    @property
    def first_position(self):
        return (self.page_number - 1) * RESULTS_PER_PAGE + 1

    @property
    def has_next(self):
        return self.page_number < self.num_pages

    @property
    def has_previous(self):
        return self.page_number > 1


def clean_query(text):
    """The reader's query as it will be run: control characters dropped, spaces collapsed.
    Raises QueryError for what no reader types."""
    text = " ".join(without_control_characters(text or "").split())
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(
            _("A search can be at most %(n)d characters long.") % {"n": MAX_QUERY_LENGTH}
        )
    if len(_WORD.findall(text)) > MAX_TERMS:
        raise QueryError(_("A search can have at most %(n)d words.") % {"n": MAX_TERMS})
    return text


def search(text, page=1):
    """The page `page` of hits for `text`, best first. Raises QueryError (see clean_query)."""
    query = clean_query(text)
    if page > MAX_PAGE:
        raise QueryError(_("There are no results that far."))
    if not _WORD.search(query):
        return Results(query=query)
    engine = _engine()
    paginator = Paginator(engine.ranked(query), RESULTS_PER_PAGE)
    try:
        current = paginator.page(page)
    except EmptyPage:
        return Results(
            query=query, total=paginator.count, page_number=page, num_pages=paginator.num_pages
        )
    return Results(
        query=query,
        hits=engine.hits(query, list(current.object_list)),
        total=paginator.count,
        page_number=page,
        num_pages=paginator.num_pages,
    )


# --- What may be found ------------------------------------------------------------------------


def visible_stories():
    return Story.objects.published()


def visible_updates():
    """Updates readers see: published, of a story whose page shows its stream."""
    return LiveUpdate.objects.published().filter(story__in=Story.objects.covered())


def _engine():
    if connection.vendor == "postgresql":
        return PostgresEngine
    if sqlite_has_fts5():
        return Fts5Engine
    return PlainEngine


def _hits(ranked, stories, updates, excerpt):
    """Hits in rank order from (kind, id) rows and the loaded rows of each kind."""
    stories = {story.pk: story for story in stories}
    updates = {update.pk: update for update in updates}
    hits = []
    for row in ranked:
        if row["kind"] == "story" and row["id"] in stories:
            story = stories[row["id"]]
            hits.append(
                Hit(
                    kind="story",
                    title=story.headline,
                    url=story.get_absolute_url(),
                    published_at=story.published_at,
                    time_zone=story.time_zone,
                    language=story.language,
                    excerpt_html=excerpt(story),
                    story=story,
                )
            )
        elif row["kind"] == "update" and row["id"] in updates:
            update = updates[row["id"]]
            hits.append(
                Hit(
                    kind="update",
                    title=update.label,
                    url=update.get_absolute_url(),
                    published_at=update.published_at,
                    time_zone=update.story.time_zone,
                    language=update.story.language,
                    excerpt_html=excerpt(update),
                    story=update.story,
                    update=update,
                )
            )
    return hits


def _load(ranked, **annotations):
    """The page's stories and updates, one query each, with `annotations` (per kind)."""
    story_ids = [row["id"] for row in ranked if row["kind"] == "story"]
    update_ids = [row["id"] for row in ranked if row["kind"] == "update"]
    stories = Story.objects.filter(pk__in=story_ids) if story_ids else Story.objects.none()
    updates = (
        LiveUpdate.objects.filter(pk__in=update_ids).select_related("story")
        if update_ids
        else LiveUpdate.objects.none()
    )
    if annotations:
        stories = stories.annotate(excerpt=annotations["story"])
        updates = updates.annotate(excerpt=annotations["update"])
    return list(stories), list(updates)


# --- Excerpts ----------------------------------------------------------------------------------


def _searched_text(row):
    return " ".join(filter(None, [getattr(row, "standfirst", ""), row.body_text]))


def with_ellipses(excerpt, text):
    """ "…" where the excerpt starts after the text's start or ends before its end (ts_headline
    says neither)."""
    plain = excerpt.replace(_START, "").replace(_STOP, "").strip()
    if not plain:
        return excerpt
    if not text.startswith(plain[:40]):
        excerpt = "…" + excerpt.lstrip()
    if not text.rstrip().endswith(plain[-40:]):
        excerpt = excerpt.rstrip() + "…"
    return excerpt


def marked_html(text):
    """Text with _START/_STOP around matches as HTML in which `<mark>` is the only markup."""
    escaped = html.escape(text, quote=False)
    marked = escaped.replace(_START, "<mark>").replace(_STOP, "</mark>")
    # Balanced and nothing else, whatever ts_headline or the highlighter cut.
    return nh3.clean(marked, tags={"mark"}, attributes={})


def _folded(word):
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def highlight(text, terms, words=EXCERPT_WORDS):
    """A window of `words` words of `text` around the first match of `terms` (prefixes,
    accents and case folded, as the SQLite index matches them), matches marked."""
    folded_terms = [_folded(term) for term in terms]
    spans = [m.span() for m in _WORD.finditer(text)]
    if not spans:
        return ""
    matching = [
        i
        for i, (start, end) in enumerate(spans)
        if any(_folded(text[start:end]).startswith(term) for term in folded_terms)
    ]
    first = max(0, matching[0] - words // 3) if matching else 0
    last = min(len(spans), first + words)
    wanted = set(matching)
    pieces, at = [], spans[first][0]
    for i in range(first, last):
        start, end = spans[i]
        pieces.append(text[at:start])
        word = text[start:end]
        pieces.append(f"{_START}{word}{_STOP}" if i in wanted else word)
        at = end
    excerpt = "".join(pieces)
    if first > 0:
        excerpt = "…" + excerpt
    if last < len(spans):
        excerpt += "…"
    return marked_html(excerpt)


def _terms(query):
    """The words of the query (inside quotes or not), for SQLite's engines."""
    return _WORD.findall(query)


# --- PostgreSQL -------------------------------------------------------------------------------


def _config_cases(language_field, make):
    """Case(When(language='fr', then=make('newsroom_french')), …, default=make(simple))."""
    return Case(
        *(When(**{language_field: lang}, then=make(config)) for lang, config in CONFIGS.items()),
        default=make(FALLBACK_CONFIG),
    )


def _pg_query(query, config):
    return SearchQuery(query, config=config, search_type="websearch")


class _Counted:
    """A ranked union for Paginator, counted without ranking: the count needs only the
    matches, and ranking every match a second time would double a common word's cost."""

    def __init__(self, ranked, *matching):
        self.ranked, self.matching = ranked, matching

    def count(self):
        return sum(queryset.count() for queryset in self.matching)

    def __getitem__(self, bounds):
        return self.ranked[bounds]


def _pg_matching(queryset, language_field, query):
    """Rows of `queryset` matching `query` in their language's configuration.

    One condition per language, each a constant tsquery, so the GIN index serves them all."""
    condition = Q()
    for lang, config in CONFIGS.items():
        condition |= Q(**{language_field: lang}, search_vector=_pg_query(query, config))
    condition |= ~Q(**{f"{language_field}__in": list(CONFIGS)}) & Q(
        search_vector=_pg_query(query, FALLBACK_CONFIG)
    )
    # The same words in every configuration at once, for the index: one scan of it finds the
    # candidates, which the exact condition above then checks in their own language. (With
    # the language's condition alone, the planner read every story's vector: 60 ms at 10,000.)
    any_language = functools.reduce(
        operator.or_, (_pg_query(query, c) for c in [*CONFIGS.values(), FALLBACK_CONFIG])
    )
    return queryset.filter(Q(search_vector=any_language) & condition)


def _pg_ranked(matching, language_field, query, kind):
    """The matching rows with their rank, as (kind, id, score, published_at)."""
    return (
        matching.annotate(
            kind=Value(kind),
            score=_config_cases(
                language_field,
                lambda config: SearchRank(F("search_vector"), _pg_query(query, config)),
            ),
        )
        .values("kind", "id", "score", "published_at")
        .order_by()
    )


def _pg_headline(expression, language_field, query):
    return _config_cases(
        language_field,
        lambda config: SearchHeadline(
            expression,
            _pg_query(query, config),
            config=config,
            start_sel=_START,
            stop_sel=_STOP,
            max_words=EXCERPT_WORDS,
            min_words=EXCERPT_WORDS // 2,
            max_fragments=2,
            fragment_delimiter=" … ",
        ),
    )


class PostgresEngine:
    @staticmethod
    def ranked(query):
        stories = _pg_matching(visible_stories(), "language", query)
        updates = _pg_matching(visible_updates(), "story__language", query)
        ranked = _pg_ranked(stories, "language", query, "story").union(
            _pg_ranked(updates, "story__language", query, "update"), all=True
        )
        return _Counted(ranked.order_by("-score", "-published_at", "kind", "-id"), stories, updates)

    @staticmethod
    def hits(query, ranked):
        stories, updates = _load(
            ranked,
            story=_pg_headline(
                Concat(F("standfirst"), Value(" "), F("body_text"), output_field=TextField()),
                "language",
                query,
            ),
            update=_pg_headline(F("body_text"), "story__language", query),
        )
        return _hits(
            ranked,
            stories,
            updates,
            lambda row: marked_html(with_ellipses(row.excerpt or "", _searched_text(row))),
        )


# --- SQLite -----------------------------------------------------------------------------------

# Each index follows its table through triggers: every write keeps it current.
_FTS_TABLES = {
    "articles_story_fts": ("articles_story", ["headline", "standfirst", "body_text"]),
    "articles_liveupdate_fts": ("articles_liveupdate", ["title", "body_text"]),
}
# bm25 weights per column, in the order above: headline over standfirst over body.
_FTS_WEIGHTS = {"articles_story_fts": "10.0, 4.0, 1.0", "articles_liveupdate_fts": "10.0, 1.0"}


@functools.cache
def sqlite_has_fts5():
    import sqlite3

    probe = sqlite3.connect(":memory:")
    try:
        probe.execute("CREATE VIRTUAL TABLE probe USING fts5(text)")
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()
    return True


def _fts_statements(index, table, columns):
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    # Names from _FTS_TABLES only.
    remove = f"INSERT INTO {index}({index}, rowid, {names}) VALUES ('delete', old.id, {old});"  # noqa: S608
    add = f"INSERT INTO {index}(rowid, {names}) VALUES (new.id, {new});"  # noqa: S608
    return {
        f"{index}_insert": f"CREATE TRIGGER {index}_insert AFTER INSERT ON {table} BEGIN {add} END",
        f"{index}_delete": (
            f"CREATE TRIGGER {index}_delete AFTER DELETE ON {table} BEGIN {remove} END"
        ),
        f"{index}_update": (
            f"CREATE TRIGGER {index}_update AFTER UPDATE OF {names} ON {table} "
            f"BEGIN {remove} {add} END"
        ),
    }


def ensure_sqlite_index(using="default", **kwargs):
    """Create SQLite's FTS5 indexes and their triggers where they are missing, and rebuild an
    index whose triggers were missing (Django rebuilds a SQLite table to alter it, which drops
    its triggers). Run after every migrate (apps.py); does nothing on other databases."""
    from django.db import connections

    db = connections[using]
    if db.vendor != "sqlite" or not sqlite_has_fts5():
        return
    with db.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        existing = {name for (name,) in cursor.fetchall()}
        for index, (table, columns) in _FTS_TABLES.items():
            if table not in existing:
                continue
            triggers = _fts_statements(index, table, columns)
            if index in existing and existing.issuperset(triggers):
                continue
            if index not in existing:
                cursor.execute(
                    f"CREATE VIRTUAL TABLE {index} USING fts5({', '.join(columns)}, "
                    f"content='{table}', content_rowid='id', "
                    "tokenize='unicode61 remove_diacritics 2')"
                )
            for name, statement in triggers.items():
                if name not in existing:
                    cursor.execute(statement)
            cursor.execute(f"INSERT INTO {index}({index}) VALUES ('rebuild')")  # noqa: S608


def fts5_query(query):
    """The reader's words as an FTS5 query that cannot be a syntax error: each quoted phrase
    a phrase, each other word a prefix, all required."""
    parts = []
    for phrase, word in _PHRASE_OR_WORD.findall(query):
        tokens = _WORD.findall(phrase if phrase else word)
        if not tokens:
            continue
        if phrase:
            parts.append('"' + " ".join(tokens) + '"')
        else:
            parts.extend(f'"{token}"*' for token in tokens)
    return " ".join(parts)


def _fts_matching(queryset, index, match):
    """Rows of `queryset` in the index's matches. Driven from the matches: visibility is
    checked on each matched row, never by listing every visible row (an `IN (visible ids)`
    costs a scan of the table per query: 200 ms at 100,000 updates)."""
    ids = RawSQL(f"SELECT rowid FROM {index} WHERE {index} MATCH %s", [match])  # noqa: S608, S611
    return queryset.filter(pk__in=ids)


def _fts_ranked(matching, index, match, kind):
    """SQL for the `matching` rows with their bm25 score: (kind, id, score, published_at).

    The scores come from one pass over the index (bm25 per row, as a correlated subquery,
    would run the match again for every row: seconds for a common word)."""
    table = matching.model._meta.db_table
    visible, params = matching.order_by().values("id").query.sql_with_params()
    # Names from _FTS_TABLES and Django's compiled query; the words are parameters.
    sql = (
        f"SELECT '{kind}' AS kind, m.id AS id, m.score AS score, t.published_at AS published_at "  # noqa: S608
        f"FROM (SELECT rowid AS id, bm25({index}, {_FTS_WEIGHTS[index]}) AS score "
        f"FROM {index} WHERE {index} MATCH %s) m JOIN {table} t ON t.id = m.id "
        f"WHERE t.id IN ({visible})"
    )
    return sql, [match, *params]


class _RawRanked:
    """Ranked (kind, id) rows from raw SQL, sliced by Paginator as one query."""

    def __init__(self, parts):
        self.sql = " UNION ALL ".join(sql for sql, _params in parts)
        self.params = [param for _sql, params in parts for param in params]

    def __getitem__(self, bounds):
        start, stop = bounds.start or 0, bounds.stop
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT kind, id FROM ({self.sql}) "  # noqa: S608
                "ORDER BY score, published_at DESC, kind, id DESC LIMIT %s OFFSET %s",
                [*self.params, stop - start, start],
            )
            return [{"kind": kind, "id": pk} for kind, pk in cursor.fetchall()]


class Fts5Engine:
    @staticmethod
    def ranked(query):
        match = fts5_query(query)
        stories = _fts_matching(visible_stories(), "articles_story_fts", match)
        updates = _fts_matching(visible_updates(), "articles_liveupdate_fts", match)
        ranked = _RawRanked(
            [
                _fts_ranked(stories, "articles_story_fts", match, "story"),
                _fts_ranked(updates, "articles_liveupdate_fts", match, "update"),
            ]
        )
        return _Counted(ranked, stories, updates)

    @staticmethod
    def hits(query, ranked):
        return _sqlite_hits(query, ranked)


def _sqlite_hits(query, ranked):
    terms = _terms(query)
    stories, updates = _load(ranked)
    return _hits(
        ranked,
        stories,
        updates,
        lambda row: highlight(_searched_text(row), terms),
    )


class PlainEngine:
    """No FTS5 in this SQLite: every word must appear (LIKE, case-insensitive for ASCII)."""

    @staticmethod
    def _ranked(queryset, fields, terms, kind):
        condition = Q()
        for term in terms:
            condition &= functools.reduce(
                Q.__or__, (Q(**{f"{name}__icontains": term}) for name in fields)
            )
        title = fields[0]
        score = Case(
            When(**{f"{title}__icontains": terms[0]}, then=Value(2)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return (
            queryset.filter(condition)
            .annotate(kind=Value(kind), score=Value(0.0, output_field=FloatField()) - score)
            .values("kind", "id", "score", "published_at")
            .order_by()
        )

    @classmethod
    def ranked(cls, query):
        terms = _terms(query)
        stories = cls._ranked(
            visible_stories(), ["headline", "standfirst", "body_text"], terms, "story"
        )
        updates = cls._ranked(visible_updates(), ["title", "body_text"], terms, "update")
        return stories.union(updates, all=True).order_by("score", "-published_at", "kind", "-id")

    @staticmethod
    def hits(query, ranked):
        return _sqlite_hits(query, ranked)
