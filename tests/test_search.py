"""Search: the same rules on PostgreSQL (full text) and SQLite (FTS5, or plain LIKE)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from articles import publishing, search
from articles.models import LiveUpdate, Story
from tests import factories
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db

ON_POSTGRESQL = connection.vendor == "postgresql"


@pytest.fixture(params=["native", "plain"] if not ON_POSTGRESQL else ["native"])
def engine(request, monkeypatch):
    """Each test runs on this database's engine; on SQLite also on the LIKE fallback used
    where SQLite lacks FTS5."""
    if request.param == "plain":
        monkeypatch.setattr(search, "sqlite_has_fts5", lambda: False)
    return request.param


def titles(results):
    return [hit.title for hit in results.hits]


def test_electeurs_finds_electeurs_with_its_accent(engine):
    factories.story(headline="Les électeurs ont tranché", language="fr")
    factories.story(headline="Rien à voir", language="fr")
    if engine == "plain":
        # LIKE folds ASCII case only: the fallback finds the word as written.
        assert titles(search.search("électeurs")) == ["Les électeurs ont tranché"]
    else:
        assert titles(search.search("electeurs")) == ["Les électeurs ont tranché"]
        assert titles(search.search("ÉLECTEURS")) == ["Les électeurs ont tranché"]


def test_french_and_english_stories_match_in_their_own_language(engine):
    factories.story(headline="Conseil d’administration", body="Les administrateurs votent.")
    factories.story(headline="Board fires its chief", body="The directors voted.", language="en")
    assert titles(search.search("directors")) == ["Board fires its chief"]
    assert titles(search.search("administrateurs")) == ["Conseil d’administration"]
    if ON_POSTGRESQL:
        # Stemmed: the singular finds the plural, in each language.
        assert titles(search.search("director")) == ["Board fires its chief"]
        assert titles(search.search("administrateur")) == ["Conseil d’administration"]


def test_a_headline_match_ranks_above_a_standfirst_match_above_a_body_match(engine):
    body = factories.story(headline="Un", standfirst="Deux", body="Il y a une licorne.")
    head = factories.story(headline="La licorne", standfirst="Deux", body="Rien.")
    stand = factories.story(headline="Trois", standfirst="Une licorne passe", body="Rien.")
    ranked = [hit.story.pk for hit in search.search("licorne").hits]
    if engine == "plain":
        assert ranked[0] == head.pk
        assert set(ranked) == {head.pk, stand.pk, body.pk}
    else:
        assert ranked == [head.pk, stand.pk, body.pk]


def test_live_updates_are_found_and_lead_to_their_own_page(engine):
    story = factories.live_story(headline="Le direct")
    update = factories.update(story, title="", body="Brockman quitte OpenAI.")
    results = search.search("Brockman")
    assert [(hit.kind, hit.url) for hit in results.hits] == [("update", update.get_absolute_url())]
    assert results.hits[0].story.pk == story.pk


def test_nothing_readers_cannot_see_is_found(engine):
    factories.story(headline="Licorne brouillon", status=Story.Status.DRAFT)
    factories.story(headline="Licorne programmée", published_at=timezone.now() + timedelta(hours=1))
    factories.story(headline="Licorne retirée", status=Story.Status.WITHDRAWN)
    live = factories.live_story(headline="Direct")
    factories.update(live, body="Licorne brouillon", status=LiveUpdate.Status.DRAFT)
    factories.update(live, body="Licorne future", published_at=timezone.now() + timedelta(hours=1))
    deleted = factories.update(live, body="Licorne supprimée")
    publishing.delete_update(update=deleted, by=factories.user(group="Live desk"))
    # An update of a story whose coverage never started is on no public page.
    quiet = factories.story(headline="Sans direct")
    factories.update(quiet, body="Licorne cachée")
    assert search.search("licorne").hits == []
    assert search.search("licorne").total == 0


def test_the_index_follows_edits_of_stories_and_updates(engine, editor):
    story = factories.live_story(headline="Avant")
    update = factories.update(story, body="Texte initial")
    story.headline = "Ornithorynque"
    story.save()
    update.body = "Un tamanoir"
    update.save()
    assert titles(search.search("ornithorynque")) == ["Ornithorynque"]
    assert [hit.update.pk for hit in search.search("tamanoir").hits] == [update.pk]
    assert search.search("initial").hits == []
    assert search.search("avant").hits == []
    # A write that is not a save (a bulk update) keeps the index current too.
    Story.objects.filter(pk=story.pk).update(body_text="Un pangolin")
    if engine != "plain":
        assert titles(search.search("pangolin")) == ["Ornithorynque"]


def test_excerpts_mark_the_words_and_nothing_else_is_markup(engine):
    factories.story(
        headline="Balises",
        standfirst="",
        body="Un texte <b>gras</b> avec &lt;script&gt;alert(1)&lt;/script&gt; et licorne ici.",
    )
    [hit] = search.search("licorne").hits
    assert "<mark>licorne</mark>" in hit.excerpt_html
    without_marks = hit.excerpt_html.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in without_marks
    # Text that reads as a tag is escaped (SQLite) or left out by ts_headline (PostgreSQL).
    assert "script" not in without_marks.replace("&lt;script&gt;", "").replace(
        "&lt;/script&gt;", ""
    )


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        "'",
        "!!! & | ( ) :* <->",
        "licorne OR",
        "-licorne",
        '"licorne',
        "NEAR(a b)",
        "a* AND NOT",
        "\x00licorne",
        "\\",
        "😀",
        "l'électeur",
    ],
)
def test_queries_full_of_operators_and_quotes_answer_calmly(engine, query):
    factories.story(headline="Licorne")
    results = search.search(query)
    assert results.total >= 0


def test_absurd_queries_are_refused_not_run():
    with pytest.raises(search.QueryError):
        search.search("a" * (search.MAX_QUERY_LENGTH + 1))
    with pytest.raises(search.QueryError):
        search.search(" ".join(["mot"] * (search.MAX_TERMS + 1)))
    with pytest.raises(search.QueryError):
        search.search("licorne", page=search.MAX_PAGE + 1)


def test_results_are_paginated(engine):
    for n in range(search.RESULTS_PER_PAGE + 3):
        factories.story(headline=f"Licorne {n}")
    first = search.search("licorne")
    second = search.search("licorne", page=2)
    assert first.total == search.RESULTS_PER_PAGE + 3
    assert first.num_pages == 2
    assert first.has_next
    assert not first.has_previous
    assert len(first.hits) == search.RESULTS_PER_PAGE
    assert len(second.hits) == 3
    assert not {h.story.pk for h in first.hits} & {h.story.pk for h in second.hits}
    assert search.search("licorne", page=5).hits == []


def test_a_page_of_results_costs_the_same_whatever_the_number_of_matches(engine):
    live = factories.live_story(headline="Direct licorne")
    for n in range(3):
        factories.story(headline=f"Licorne {n}")
        factories.update(live, body=f"Licorne {n}")
    few = count_queries(lambda: search.search("licorne"))
    for n in range(40):
        factories.story(headline=f"Licorne bis {n}")
        factories.update(live, body=f"Licorne bis {n}")
    many = count_queries(lambda: search.search("licorne"))
    assert many <= few


# --- The page ----------------------------------------------------------------------------------


def test_the_search_page_lists_results_with_their_excerpts(client):
    story = factories.story(headline="Les électeurs", standfirst="Ils votent pour la licorne.")
    response = client.get("/search/", {"q": "licorne"})
    assert response.status_code == 200
    html = response.content.decode()
    assert story.get_absolute_url() in html
    assert "<mark>licorne</mark>" in html
    assert '<meta name="robots" content="noindex, follow">' in html
    assert '<link rel="canonical" href="http://testserver/search/">' not in html


def test_the_empty_search_page_shows_the_form(client):
    response = client.get("/search/")
    assert response.status_code == 200
    assert 'name="q"' in response.content.decode()


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"q": "x" * 5000}, 400),
        ({"q": " ".join(["mot"] * 100)}, 400),
        ({"q": "licorne", "page": "abc"}, 404),
        ({"q": "licorne", "page": "999"}, 400),
        ({"q": '"" OR -- ;DROP TABLE'}, 200),
        ({"q": "\x00"}, 200),
    ],
)
def test_the_search_page_never_fails(client, params, status):
    factories.story(headline="Licorne")
    assert client.get("/search/", params).status_code == status


@pytest.mark.skipif(ON_POSTGRESQL, reason="SQLite's FTS5 index")
def test_a_sqlite_index_whose_triggers_were_dropped_is_restored_and_rebuilt():
    # Django rebuilds a SQLite table to alter it, which drops the table's triggers.
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER articles_story_fts_insert")
    factories.story(headline="Ornithorynque")
    assert search.search("ornithorynque").hits == []
    search.ensure_sqlite_index()
    assert titles(search.search("ornithorynque")) == ["Ornithorynque"]
    factories.story(headline="Ornithorynque bis")
    assert search.search("ornithorynque").total == 2
