"""Settings are read from the environment and are safe in production."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k8#Zp!2vQw9@Lr5^Tn7&Yx3*Bc6(Md1)Gh4_Jf0+Ks8=Ua2-Ve5?Wi7",
    "DJANGO_ALLOWED_HOSTS": "news.example.org",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://news.example.org",
}


def manage(*args, env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_reports_nothing_with_production_values():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_refuses_to_start_without_a_secret_key_when_debug_is_off():
    env = {**PRODUCTION, "DJANGO_SECRET_KEY": ""}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite tuning only applies to SQLite")
    options = connection.settings_dict["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]


HSTS_HEADER = (
    "from django.http import HttpResponse\n"
    "from django.middleware.security import SecurityMiddleware\n"
    "from django.test import RequestFactory\n"
    "request = RequestFactory().get('/', secure=True, HTTP_HOST='news.example.org')\n"
    "print(SecurityMiddleware(lambda r: HttpResponse())(request)['Strict-Transport-Security'])\n"
)


def test_hsts_preload_is_opt_in_because_leaving_the_preload_list_takes_months():
    default = manage("shell", "-c", HSTS_HEADER, env=PRODUCTION)
    assert default.returncode == 0, default.stderr
    assert "max-age=31536000; includeSubDomains" in default.stdout
    assert "preload" not in default.stdout
    opted_in = manage("shell", "-c", HSTS_HEADER, env={**PRODUCTION, "NEWSROOM_HSTS_PRELOAD": "1"})
    assert opted_in.returncode == 0, opted_in.stderr
    assert "preload" in opted_in.stdout


def test_deploy_check_reports_nothing_with_preload_opted_in_either():
    env = {**PRODUCTION, "NEWSROOM_HSTS_PRELOAD": "1"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_only_frame_a_page_may_load_is_the_privacy_enhanced_video_player(client, db):
    from tests import factories

    story = factories.story()
    policy = client.get(story.get_absolute_url())["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["frame-src"] == "https://www.youtube-nocookie.com"
    # Nothing else of any platform: images, scripts, fonts and connections are our own.
    for name in ("img-src", "script-src", "font-src", "connect-src", "style-src"):
        assert "youtube" not in directives[name]
        assert "twitter" not in directives[name]
