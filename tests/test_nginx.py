"""deploy/nginx.conf in front of gunicorn (production settings): it micro-caches public pages
and polls by Newsroom's own headers, revalidates with the ETag, serves a stale copy while the
application is down, and never keeps staff pages. `make nginx-test`; skipped without nginx,
except in CI (.ci/run installs it)."""

import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from scripts.serving import manage, production_env, start_gunicorn, start_nginx

pytestmark = [
    pytest.mark.skipif(
        not shutil.which("nginx") and os.environ.get("CI") != "true",
        reason="nginx is not installed (apt-get install nginx)",
    ),
    pytest.mark.nginx,
]

SETUP = """
from django.utils import timezone
from articles import freshness
from articles.models import LiveUpdate, Section, Story
section = Section.objects.create(name="Tech", slug="tech")
story = Story.objects.create(headline="Le direct", slug="le-direct", body="Texte.", section=section,
    status="published", published_at=timezone.now(), is_live=True,
    live_started_at=timezone.now())
LiveUpdate.objects.create(story=story, body="Premier point.", published_at=timezone.now())
freshness.bump(slugs=[story.slug], lists=True)
"""

EDIT = """
from articles import publishing
from articles.models import LiveUpdate, Story
from django.contrib.auth.models import User
editor = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser("ed")
publishing.post_update(story=Story.objects.get(slug="le-direct"), by=editor,
    body="Second point, publié par le bureau.")
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nginx")
    env = production_env(tmp, DJANGO_LOG_LEVEL="ERROR")
    for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_CONN_MAX_AGE"):
        env.pop(name, None)
    manage(env, "migrate", "-v0")
    manage(env, "shell", "--no-imports", "-c", SETUP)
    app, base = start_gunicorn(env, workers=1, threads=2)
    front, front_base = start_nginx(tmp, upstream=base.removeprefix("http://"))
    yield {"env": env, "app": app, "base": base, "front": front_base}
    front.terminate()
    app.terminate()
    front.wait(timeout=10)
    app.wait(timeout=10)


def get(url, **headers):
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (loopback)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_public_pages_are_kept_and_served_by_nginx(stack):
    url = stack["front"] + "/stories/le-direct/"
    status, first, _ = get(url)
    assert status == 200
    assert first["X-Cache-Status"] in {"MISS", "EXPIRED"}
    _, second, body = get(url)
    assert second["X-Cache-Status"] == "HIT"
    assert "Premier point." in body.decode()


def test_each_encoding_is_kept_once_and_sent_to_whoever_accepts_it(stack):
    url = stack["front"] + "/stories/le-direct/updates/?since=0"
    for accept in ["gzip, deflate, br", "br"]:  # two spellings, one copy
        _, headers, _ = get(url, **{"Accept-Encoding": accept})
        assert headers["Content-Encoding"] == "br"
    assert headers["X-Cache-Status"] == "HIT"
    _, plain, body = get(url)
    assert plain.get("Content-Encoding") is None
    assert body.startswith(b"{")


def test_staff_pages_and_signed_in_staff_go_to_the_application(stack):
    for _ in range(2):
        _, headers, _ = get(stack["front"] + "/admin/login/")
    assert headers["X-Cache-Status"] != "HIT"
    get(stack["front"] + "/")
    _, headers, _ = get(stack["front"] + "/", Cookie="sessionid=abc")
    assert headers["X-Cache-Status"] == "BYPASS"


def test_an_expired_copy_is_revalidated_with_its_etag_then_updated(stack):
    url = stack["front"] + "/stories/le-direct/"
    get(url)
    _, kept, _ = get(url)
    assert kept["X-Cache-Status"] == "HIT"
    time.sleep(11)  # the page's max-age is 10 s: now stale, the application unchanged
    get(url)  # stale-while-revalidate: served stale while nginx revalidates in the background
    time.sleep(0.5)
    _, revalidated, _ = get(url)
    assert revalidated["X-Cache-Status"] in {"HIT", "REVALIDATED"}
    manage(stack["env"], "shell", "--no-imports", "-c", EDIT)
    time.sleep(11)
    _, stale, body = get(url)
    assert stale["X-Cache-Status"] == "STALE"  # the old copy, once, while it fetches the new
    time.sleep(0.5)
    _, fresh, body = get(url)
    assert "Second point" in body.decode()
    assert fresh["ETag"] != kept["ETag"]


def test_a_stale_copy_is_served_while_the_application_is_down(stack):
    url = stack["front"] + "/"
    get(url)
    stack["app"].terminate()
    stack["app"].wait(timeout=10)
    time.sleep(1)
    status, headers, _ = get(url)
    assert status == 200
    assert headers["X-Cache-Status"] in {"HIT", "STALE", "UPDATING"}
    subprocess.run(["true"], check=True)
