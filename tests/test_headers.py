"""Headers that tell the browser what a page may do: a strict Content-Security-Policy with the
request's nonce and nothing inline without it, HSTS by setting, nosniff, a referrer policy,
COOP, CORP and a Permissions-Policy; uploads on an origin of their own by configuration."""

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client

from tests import factories

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


def policy(response):
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


class Inline(HTMLParser):
    """Every inline script and style of a page, and every style attribute."""

    def __init__(self):
        super().__init__()
        self.scripts, self.styles, self.style_attributes, self.handlers = [], [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and "src" not in attrs and attrs.get("type") != "application/ld+json":
            self.scripts.append(attrs.get("nonce"))
        if tag == "style":
            self.styles.append(attrs.get("nonce"))
        if "style" in attrs:
            self.style_attributes.append(f"<{tag} style={attrs['style']!r}>")
        self.handlers += [f"<{tag} {name}>" for name in attrs if name.startswith("on")]


@pytest.fixture
def pages(editor, livedesk):
    """A live story with an update and a citation, and who can open the staff pages."""
    story = factories.live_story(body="Texte avec **gras**.")
    update = factories.update(story)
    superuser = factories.user("root", is_superuser=True)
    staff = Client()
    staff.force_login(superuser)
    return {
        "reader": [
            "/",
            story.get_absolute_url(),
            f"/stories/{story.slug}/updates/{update.pk}/",
            f"/stories/{story.slug}/updates/?since=0",
            "/search/?q=texte",
            f"/sections/{story.section.slug}/",
            "/stories/nothing-here/",  # the 404 page
        ],
        "staff": [
            "/admin/",
            "/admin/login/",
            "/admin/articles/story/",
            "/admin/articles/story/add/",
            f"/admin/articles/story/{story.pk}/change/",
            f"/admin/articles/story/{story.pk}/history/",
            f"/admin/articles/liveupdate/{update.pk}/change/",
            f"/admin/articles/liveupdate/{update.pk}/history/",
            "/desk/",
            f"/desk/stories/{story.pk}/",
            f"/preview/stories/{story.pk}/",
        ],
        "staff_client": staff,
    }


def _every_page(client, pages):
    for path in pages["reader"]:
        yield path, client.get(path)
    for path in pages["staff"]:
        yield path, pages["staff_client"].get(path)


def nonce_of(response):
    """The request's nonce, in the header only when the page used it (Django adds it lazily)."""
    found = [v for v in policy(response)["script-src"] if v.startswith("'nonce-")]
    assert len(found) <= 1
    return found[0].removeprefix("'nonce-")[:-1] if found else None


def test_every_page_has_the_strict_policy_and_a_nonce_per_request(client, pages):
    nonces = []
    for path, response in _every_page(client, pages):
        directives = policy(response)
        script = directives["script-src"]
        assert script[0] == "'self'", path
        nonces += [nonce_of(response)] if nonce_of(response) else []
        assert "'unsafe-inline'" not in script + directives["style-src"], path
        assert "'unsafe-eval'" not in script, path
        assert directives["default-src"] == ["'self'"], path
        assert directives["object-src"] == ["'none'"], path
        assert directives["base-uri"] == ["'none'"], path
        assert directives["frame-ancestors"] == ["'none'"], path
        assert directives["form-action"] == ["'self'"], path
        assert directives["report-uri"] == ["/csp-report/"], path
    assert len(set(nonces)) == len(nonces), "a nonce is never reused"


def test_no_inline_script_or_style_without_the_nonce_anywhere(client, pages):
    for path, response in _every_page(client, pages):
        if "html" not in response.get("Content-Type", ""):
            continue
        nonce = nonce_of(response)
        found = Inline()
        found.feed(response.content.decode())
        assert all(n is not None and n == nonce for n in found.scripts), (path, found.scripts)
        # style-src has no nonce: no <style> element, no style attribute at all.
        assert found.styles == [], path
        assert found.style_attributes == [], (path, found.style_attributes)
        assert found.handlers == [], (path, found.handlers)


def test_the_other_headers_on_every_page(client, pages):
    for path, response in _every_page(client, pages):
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin", path
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", path
        assert response["Cross-Origin-Resource-Policy"] == "same-origin", path
        assert response["X-Frame-Options"] == "DENY", path
        permissions = response["Permissions-Policy"]
        for denied in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
            assert denied in permissions, path
        # What the Share button uses stays allowed for the page itself.
        assert "web-share=(self)" in permissions
        assert "clipboard-write=(self)" in permissions


def test_hsts_is_sent_over_https_when_set(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "Strict-Transport-Security" not in client.get("/")  # never over plain http


def test_the_report_endpoint_logs_what_was_blocked_and_nothing_else(client, caplog):
    report = {
        "csp-report": {
            "document-uri": "https://news.example.org/stories/x/",
            "effective-directive": "script-src-elem",
            "blocked-uri": "inline",
            "script-sample": "alert(1)",
        }
    }
    response = client.post("/csp-report/", json.dumps(report), "application/csp-report")
    assert response.status_code == 204
    (record,) = [r for r in caplog.records if r.name == "newsroom.csp"]
    assert "script-src-elem blocked inline on https://news.example.org/stories/x/" in (
        record.getMessage()
    )
    assert client.post("/csp-report/", "not json", "application/csp-report").status_code == 400
    assert client.post("/csp-report/", "[1, 2]", "application/json").status_code == 400
    assert client.get("/csp-report/").status_code == 405
    # A huge body is cut, never read whole: the log line stays small.
    huge = {"csp-report": {"blocked-uri": "x" * 100_000}}
    assert client.post("/csp-report/", json.dumps(huge), "application/json").status_code == 400


MEDIA_HOST = """
import json
from django.test import Client, override_settings
from django.conf import settings
from pathlib import Path
root = Path(settings.MEDIA_ROOT); (root / "uploads").mkdir(parents=True, exist_ok=True)
(root / "uploads" / "p.png").write_bytes(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"))
storages = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
override_settings(STORAGES=storages).enable()
c = Client()
out = {
  "media_on_media_host": c.get("/media/uploads/p.png", HTTP_HOST="media.example.net").status_code,
  "page_on_media_host": c.get("/", HTTP_HOST="media.example.net").status_code,
  "media_on_site_host": c.get("/media/uploads/p.png", HTTP_HOST="news.example.org").status_code,
  "img_src": c.get("/", HTTP_HOST="news.example.org")["Content-Security-Policy"],
  "url": settings.MEDIA_URL,
}
print(json.dumps(out))
"""


def production(**env):
    # On a scratch SQLite file of its own: never the database or cache the suite was given.
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "NEWSROOM_")) and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    return {
        **base,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "k8#Zp!2vQw9@Lr5^Tn7&Yx3*Bc6(Md1)Gh4_Jf0+Ks8=Ua2-Ve5?Wi7",
        "DJANGO_ALLOWED_HOSTS": "news.example.org,media.example.net",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://news.example.org",
        "NEWSROOM_MEDIA_URL": "https://media.example.net/media/",
        **env,
    }


def test_uploads_can_live_on_an_origin_of_their_own(tmp_path):
    env = production(NEWSROOM_SSL_REDIRECT="0", MEDIA_ROOT=str(tmp_path), SQLITE_PATH=str(
        tmp_path / "db.sqlite3"))  # fmt: skip
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", MEDIA_HOST],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["media_on_media_host"] == 200
    # The media host is nothing but media; the site's host serves no upload.
    assert found["page_on_media_host"] == 404
    assert found["media_on_site_host"] == 404
    assert re.search(r"img-src 'self' data: https://media\.example\.net;", found["img_src"])


def test_deploy_check_is_clean_with_uploads_on_their_own_origin():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_media_address_that_is_not_a_folder_is_refused_at_start():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT, env=production(NEWSROOM_MEDIA_URL="https://media.example.net/x?y"),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0
    assert "NEWSROOM_MEDIA_URL" in result.stderr
