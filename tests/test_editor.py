"""The Markdown editor's endpoints (markdownx preview and upload): staff only, same renderer."""

import json
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from articles import editor
from articles.rendering import render_markdown
from tests import factories

MARKDOWNIFY = "/markdownx/markdownify/"
UPLOAD = "/markdownx/upload/"
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}

HOSTILE = (
    "## Titre\n\nDu **texte**.\n\n<script>alert('x')</script>\n\n[lien](javascript:alert('y'))\n"
)


def png_bytes(size=(8, 6), color=(200, 30, 30)):
    buffer = BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def png_upload(name="photo.png", content_type="image/png", data=None):
    return SimpleUploadedFile(name, png_bytes() if data is None else data, content_type)


def files_under(path):
    return sorted(p for p in path.rglob("*") if p.is_file())


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def staff_client(editor):
    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture
def member_client(db):
    """Logged in, but not staff: a reader's account."""
    client = Client()
    client.force_login(factories.user("reader", staff=False))
    return client


# --- Preview -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_visitors_get_no_preview():
    response = Client().post(MARKDOWNIFY, {"content": HOSTILE})
    assert response.status_code == 403
    assert b"<h2" not in response.content
    assert b"<strong>" not in response.content


def test_members_who_are_not_staff_get_no_preview(member_client):
    response = member_client.post(MARKDOWNIFY, {"content": HOSTILE})
    assert response.status_code == 403
    assert b"<h2" not in response.content
    assert b"<strong>" not in response.content


def test_an_inactive_staff_account_gets_no_preview(db):
    client = Client()
    client.force_login(factories.user("gone", is_active=False))
    assert client.post(MARKDOWNIFY, {"content": HOSTILE}).status_code == 403


def test_staff_preview_is_the_readers_sanitised_render(staff_client):
    response = staff_client.post(MARKDOWNIFY, {"content": HOSTILE})
    assert response.status_code == 200
    html = response.content.decode()
    assert html == render_markdown(HOSTILE)
    assert '<h2 id="titre">Titre</h2>' in html
    assert "<strong>texte</strong>" in html
    assert "<script" not in html.lower()
    assert "javascript:" not in html.lower()
    assert "lien" in html


def test_the_preview_needs_post(staff_client):
    assert staff_client.get(MARKDOWNIFY, {"content": "x"}).status_code == 405


# --- Upload ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_uploads_are_refused_and_write_nothing(media_root):
    response = Client().post(UPLOAD, {"image": png_upload()}, **XHR)
    assert response.status_code == 403
    assert b"image_code" not in response.content
    assert files_under(media_root) == []


def test_uploads_by_members_who_are_not_staff_are_refused(member_client, media_root):
    response = member_client.post(UPLOAD, {"image": png_upload()}, **XHR)
    assert response.status_code == 403
    assert files_under(media_root) == []


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "staff"])
def test_upload_answers_405_to_get(request, who, media_root):
    client = Client() if who == "anonymous" else request.getfixturevalue("staff_client")
    assert client.get(UPLOAD).status_code == 405
    assert files_under(media_root) == []


def test_staff_upload_a_png_and_get_its_markdown(staff_client, media_root):
    response = staff_client.post(UPLOAD, {"image": png_upload()}, **XHR)
    assert response.status_code == 200
    code = json.loads(response.content)["image_code"]
    assert code.startswith("![](/media/uploads/")
    assert code.endswith(".png)")
    (stored,) = files_under(media_root)
    assert stored.suffix == ".png"
    with Image.open(stored) as image:
        assert image.format == "PNG"
        assert image.size == (8, 6)


def test_a_file_that_is_not_an_image_is_refused_whatever_its_declared_type(
    staff_client, media_root
):
    fake = png_upload(name="notes.png", data=b"<html><script>alert(1)</script></html>")
    response = staff_client.post(UPLOAD, {"image": fake}, **XHR)
    assert response.status_code == 400
    assert files_under(media_root) == []


def test_an_image_is_stored_under_its_real_format_not_the_name_it_came_with(
    staff_client, media_root
):
    response = staff_client.post(UPLOAD, {"image": png_upload(name="page.html")}, **XHR)
    assert response.status_code == 200
    (stored,) = files_under(media_root)
    assert stored.suffix == ".png"
    assert ".html" not in json.loads(response.content)["image_code"]


def test_a_declared_type_outside_the_allowed_list_is_refused(staff_client, media_root):
    svg = SimpleUploadedFile(
        "logo.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        "image/svg+xml",
    )
    response = staff_client.post(UPLOAD, {"image": svg}, **XHR)
    assert response.status_code == 400
    assert files_under(media_root) == []


def test_an_image_with_too_many_pixels_is_refused(staff_client, media_root, monkeypatch):
    monkeypatch.setattr(editor, "MAX_PIXELS", 1000)
    big = png_bytes(size=(50, 50))  # 2,500 pixels
    response = staff_client.post(UPLOAD, {"image": png_upload(data=big)}, **XHR)
    assert response.status_code == 400
    assert files_under(media_root) == []


def test_a_decompression_bomb_is_refused_not_a_server_error(staff_client, media_root, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    bomb = png_bytes(size=(100, 100))  # ten times Pillow's (patched) limit
    response = staff_client.post(UPLOAD, {"image": png_upload(data=bomb)}, **XHR)
    assert response.status_code == 400
    assert files_under(media_root) == []


def test_a_photo_is_stored_upright_without_its_camera_metadata(staff_client, media_root):
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° to display
    buffer = BytesIO()
    Image.new("RGB", (20, 10), (10, 200, 10)).save(buffer, "JPEG", exif=exif.tobytes())
    assert b"SecretCam" in buffer.getvalue()
    photo = SimpleUploadedFile("phone.jpg", buffer.getvalue(), "image/jpeg")
    response = staff_client.post(UPLOAD, {"image": photo}, **XHR)
    assert response.status_code == 200
    (stored,) = files_under(media_root)
    assert stored.suffix == ".jpg"
    assert b"SecretCam" not in stored.read_bytes()
    with Image.open(stored) as image:
        assert image.format == "JPEG"
        assert image.size == (10, 20)
        assert not image.getexif()


def test_a_wide_image_is_scaled_down_to_the_configured_width(staff_client, media_root):
    wide = png_upload(data=png_bytes(size=(3000, 30)))
    assert staff_client.post(UPLOAD, {"image": wide}, **XHR).status_code == 200
    (stored,) = files_under(media_root)
    with Image.open(stored) as image:
        assert image.size == (2400, 24)
