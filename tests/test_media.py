"""Uploaded pictures are served under /media/ in production too, and nothing else is: only
image extensions, only inside MEDIA_ROOT, with nosniff and a CSP that forbids everything."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.utils.http import http_date

from tests.factories import png_bytes

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def media_root(settings, tmp_path):
    root = tmp_path / "media"
    (root / "uploads").mkdir(parents=True)
    settings.MEDIA_ROOT = str(root)
    return root


def test_a_png_is_served_as_a_png_that_browsers_must_not_sniff(media_root):
    data = png_bytes()
    (media_root / "uploads" / "photo.png").write_bytes(data)
    response = Client().get("/media/uploads/photo.png")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert "max-age=31536000" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
    assert response["Last-Modified"]


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("a.jpg", "image/jpeg"),
        ("a.JPEG", "image/jpeg"),
        ("a.png", "image/png"),
        ("a.webp", "image/webp"),
        ("a.avif", "image/avif"),
        ("a.gif", "image/gif"),
    ],
)
def test_each_image_extension_gets_its_own_type(media_root, name, content_type):
    (media_root / name).write_bytes(b"not checked here")
    response = Client().get(f"/media/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type


def test_an_unchanged_file_answers_304(media_root):
    path = media_root / "uploads" / "photo.png"
    path.write_bytes(png_bytes())
    since = http_date(path.stat().st_mtime + 1)
    response = Client().get("/media/uploads/photo.png", HTTP_IF_MODIFIED_SINCE=since)
    assert response.status_code == 304
    assert response["Last-Modified"]


@pytest.mark.parametrize(
    "name", ["page.html", "logo.svg", "app.js", "notes.txt", "README", "photo.png.html"]
)
def test_anything_but_a_picture_is_404_even_when_it_exists(media_root, name):
    (media_root / "uploads" / name).write_bytes(b"<script>alert(1)</script>")
    assert Client().get(f"/media/uploads/{name}").status_code == 404


@pytest.mark.parametrize(
    "path", ["../secret.png", "uploads/../../secret.png", "%2e%2e/secret.png", "..%2fsecret.png"]
)
def test_a_path_out_of_media_root_is_404(media_root, path):
    (media_root.parent / "secret.png").write_bytes(png_bytes())
    assert Client().get(f"/media/{path}").status_code == 404


def test_a_link_out_of_media_root_is_404(media_root):
    (media_root.parent / "secret.png").write_bytes(png_bytes())
    (media_root / "uploads" / "link.png").symlink_to(media_root.parent / "secret.png")
    assert Client().get("/media/uploads/link.png").status_code == 404


def test_a_picture_name_linking_to_another_kind_of_file_is_404(media_root):
    (media_root / "page.html").write_bytes(b"<script>alert(1)</script>")
    (media_root / "uploads" / "innocent.png").symlink_to(media_root / "page.html")
    assert Client().get("/media/uploads/innocent.png").status_code == 404


def test_a_missing_file_is_404(media_root):
    assert Client().get("/media/uploads/nothing.png").status_code == 404


# The 404 page names hashed static files; without collectstatic here, plain names do.
FETCH = (
    "from django.conf import settings\n"
    "from django.test import Client, override_settings\n"
    "storages = {**settings.STORAGES, 'staticfiles': {'BACKEND': "
    "'django.contrib.staticfiles.storage.StaticFilesStorage'}}\n"
    "with override_settings(STORAGES=storages):\n"
    "    r = Client().get('/media/uploads/photo.png', HTTP_HOST='news.example.org')\n"
    "print(r.status_code, r.get('Content-Type'), r.get('X-Content-Type-Options'))\n"
)


def fetch_in_production(media, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "NEWSROOM_"))}
    production = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "k8#Zp!2vQw9@Lr5^Tn7&Yx3*Bc6(Md1)Gh4_Jf0+Ks8=Ua2-Ve5?Wi7",
        "DJANGO_ALLOWED_HOSTS": "news.example.org",
        "NEWSROOM_SSL_REDIRECT": "0",
        "MEDIA_ROOT": str(media),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", FETCH],
        cwd=ROOT,
        env={**base, **production, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_debug_off_still_serves_pictures(tmp_path):
    (tmp_path / "uploads").mkdir()
    (tmp_path / "uploads" / "photo.png").write_bytes(png_bytes())
    assert fetch_in_production(tmp_path) == "200 image/png nosniff"


def test_serving_is_switched_off_for_a_front_server_or_object_storage(tmp_path):
    (tmp_path / "uploads").mkdir()
    (tmp_path / "uploads" / "photo.png").write_bytes(png_bytes())
    assert fetch_in_production(tmp_path, NEWSROOM_SERVE_MEDIA="0").startswith("404 ")


@pytest.mark.django_db
def test_an_uploaded_image_and_its_renditions_are_served_with_their_real_type(settings, tmp_path):
    from tests import factories

    settings.MEDIA_ROOT = str(tmp_path)
    image = factories.image(factories.picture_bytes((900, 600), "JPEG"))
    served = {image.file.url: "image/jpeg"} | {
        r.file.url: {"AVIF": "image/avif", "WEBP": "image/webp", "JPEG": "image/jpeg"}[r.format]
        for r in image.renditions.all()
    }
    assert {"image/avif", "image/webp", "image/jpeg"} == set(served.values())
    for url, content_type in served.items():
        response = Client().get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == content_type
        assert response["X-Content-Type-Options"] == "nosniff"
