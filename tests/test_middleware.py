"""Readers never see a stack trace or Django's bare English error pages: our 404 and 500 pages in
the newsroom's language, and 503 with Retry-After while the database is unreachable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import InterfaceError, OperationalError
from django.db.models.sql.compiler import SQLCompiler
from django.template.loader import render_to_string
from django.test import Client

from tests import factories

ROOT = Path(__file__).resolve().parent.parent
UNAVAILABLE_FR = "Indisponible un instant"


@pytest.fixture
def story(db):
    story = factories.live_story()
    factories.update(story)
    return story


@pytest.fixture
def database_down(monkeypatch):
    def refuse(error_class):
        def execute_sql(*args, **kwargs):
            raise error_class("connection to server at 127.0.0.1, port 5999 failed")

        monkeypatch.setattr(SQLCompiler, "execute_sql", execute_sql)

    return refuse


def pages(story):
    return {
        "home": "/",
        "story": story.get_absolute_url(),
        "feed": f"/feeds/stories/{story.slug}/updates/",
        "section": f"/sections/{story.section.slug}/",
    }


@pytest.mark.parametrize("error_class", [OperationalError, InterfaceError])
@pytest.mark.parametrize("page", ["home", "story", "feed", "section"])
def test_pages_answer_503_with_retry_after_in_french_when_the_database_is_down(
    story, database_down, error_class, page
):
    url = pages(story)[page]
    database_down(error_class)
    response = Client().get(url)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert UNAVAILABLE_FR in html
    assert '<html lang="fr">' in html
    assert "Traceback" not in html


def test_the_poll_answers_503_in_json_when_it_asks_for_json(story, database_down):
    database_down(OperationalError)
    response = Client().get(
        f"{story.get_absolute_url()}updates/?since=0", HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"] == "application/json"
    assert "indisponible" in response.json()["error"]


def test_the_database_outage_is_logged(story, database_down, caplog):
    database_down(OperationalError)
    Client().get("/")
    (record,) = [r for r in caplog.records if r.name == "newsroom.database"]
    assert "port 5999" in record.getMessage()


def test_other_errors_are_not_dressed_as_an_outage(story, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr(SQLCompiler, "execute_sql", broken)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Une erreur est survenue" in html
    assert '<html lang="fr">' in html
    assert "Server Error (500)" not in html


@pytest.mark.django_db
def test_404_is_our_page_in_french():
    response = Client().get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page introuvable" in html
    assert '<html lang="fr">' in html
    assert "Retour à la une" in html


@pytest.mark.parametrize("template", ["404.html", "500.html", "503.html"])
def test_error_pages_render_with_no_request_and_no_context(template, settings):
    settings.NEWSROOM_NAME = "La Gazette"
    html = render_to_string(template)  # how Django renders 500.html: no context processors
    assert "<title>" in html
    assert "La Gazette" in html
    assert "css/site.css" in html


PROBE = (
    "from django.test import Client\n"
    "from django.conf import settings\n"
    "from django.test import override_settings\n"
    "storages = {**settings.STORAGES, 'staticfiles': {'BACKEND': "
    "'django.contrib.staticfiles.storage.StaticFilesStorage'}}\n"
    "with override_settings(STORAGES=storages):\n"
    "    r = Client().get('/', HTTP_HOST='news.example.org')\n"
    "print(r.status_code, r.get('Retry-After'))\n"
    "print(r.content.decode())\n"
)


def test_an_unopenable_sqlite_file_answers_503_not_a_stack_trace(tmp_path):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "NEWSROOM_"))}
    base.pop("DATABASE_URL", None)
    env = {
        **base,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "k8#Zp!2vQw9@Lr5^Tn7&Yx3*Bc6(Md1)Gh4_Jf0+Ks8=Ua2-Ve5?Wi7",
        "DJANGO_ALLOWED_HOSTS": "news.example.org",
        "NEWSROOM_SSL_REDIRECT": "0",
        # A directory that does not exist: SQLite cannot open (or create) the file.
        "SQLITE_PATH": str(tmp_path / "missing" / "db.sqlite3"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "503 30" in result.stdout
    assert UNAVAILABLE_FR in result.stdout
    assert "unable to open database file" in result.stderr  # logged for the operator
