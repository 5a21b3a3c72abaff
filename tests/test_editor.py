"""The Markdown editor's endpoints (markdownx preview and upload): staff only, same renderer."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from articles.models import Image
from articles.rendering import render_markdown
from tests import factories
from tests.factories import png_bytes

ROOT = Path(__file__).resolve().parent.parent
MARKDOWNIFY = "/markdownx/markdownify/"
UPLOAD = "/markdownx/upload/"
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}

HOSTILE = (
    "## Titre\n\nDu **texte**.\n\n<script>alert('x')</script>\n\n[lien](javascript:alert('y'))\n"
)


def png_upload(name="photo.png", content_type="image/png", data=None):
    return SimpleUploadedFile(name, png_bytes() if data is None else data, content_type)


def files_under(path):
    return sorted(p for p in path.rglob("*") if p.is_file())


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
    assert not Image.objects.exists()


def test_uploads_by_members_who_are_not_staff_are_refused(member_client, media_root):
    response = member_client.post(UPLOAD, {"image": png_upload()}, **XHR)
    assert response.status_code == 403
    assert files_under(media_root) == []


def test_staff_without_the_right_to_add_images_cannot_upload(db, media_root):
    client = Client()
    client.force_login(factories.user("intern"))  # staff, in no group
    response = client.post(UPLOAD, {"image": png_upload()}, **XHR)
    assert response.status_code == 403
    assert files_under(media_root) == []


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "staff"])
def test_upload_answers_405_to_get(request, who, media_root):
    client = Client() if who == "anonymous" else request.getfixturevalue("staff_client")
    assert client.get(UPLOAD).status_code == 405
    assert files_under(media_root) == []


@pytest.mark.parametrize("group", ["Reporter", "Live desk", "Editor"])
def test_a_dropped_image_becomes_an_image_and_its_markdown(db, group, media_root):
    person = factories.user(group=group)
    client = Client()
    client.force_login(person)
    response = client.post(UPLOAD, {"image": png_upload()}, **XHR)
    assert response.status_code == 200
    image = Image.objects.get()
    assert image.uploaded_by == person
    assert image.format == "PNG"
    assert (image.width, image.height) == (8, 6)
    code = response.json()["image_code"]
    assert code == f"![]({image.file.url})"
    assert code.startswith("![](/media/images/")
    # Stored, and its renditions made by the task (at once in tests).
    assert image.renditions.exists()
    assert (media_root / image.file.name).is_file()
    # Not described yet: the Image admin lists it as such, and it cannot be featured.
    assert Image.objects.undescribed().get() == image


def test_an_image_is_stored_under_its_real_format_not_the_name_it_came_with(
    staff_client, media_root
):
    response = staff_client.post(UPLOAD, {"image": png_upload(name="page.html")}, **XHR)
    assert response.status_code == 200
    assert Image.objects.get().file.name.endswith(".png")
    assert ".html" not in response.json()["image_code"]
    assert not [p for p in files_under(media_root) if p.suffix == ".html"]


def test_a_file_that_is_not_an_image_is_refused_whatever_its_declared_type(
    staff_client, media_root
):
    fake = png_upload(name="notes.png", data=b"<html><script>alert(1)</script></html>")
    response = staff_client.post(UPLOAD, {"image": fake}, **XHR)
    assert response.status_code == 400
    assert files_under(media_root) == []
    assert not Image.objects.exists()


def test_a_declared_type_outside_the_allowed_list_is_refused(staff_client, media_root):
    # A real PNG, declared as SVG: the narrowed list refuses it before it is read.
    svg = SimpleUploadedFile("logo.svg", png_bytes(), "image/svg+xml")
    response = staff_client.post(UPLOAD, {"image": svg}, **XHR)
    assert response.status_code == 400
    assert files_under(media_root) == []


def test_the_preview_shows_an_uploaded_image_as_the_page_will(staff_client, media_root):
    image = factories.image(caption="Le siège d'OpenAI", credit="Dessin : Newsroom")
    response = staff_client.post(MARKDOWNIFY, {"content": f"![Le siège]({image.file.url})"})
    html = response.content.decode()
    assert "<picture>" in html
    assert 'type="image/avif"' in html
    assert "Le siège d&#x27;OpenAI" in html or "Le siège d'OpenAI" in html
    assert "Dessin : Newsroom" in html
    assert 'alt="Le siège"' in html


# --- Odd input: a clear 4xx or the usual JSON, never a server error ----------------------------


def test_a_preview_without_content_is_a_400_not_a_server_error(staff_client):
    response = staff_client.post(MARKDOWNIFY, {"text": "wrong field"})
    assert response.status_code == 400
    assert b"content" in response.content


def test_an_empty_preview_renders_as_nothing(staff_client):
    response = staff_client.post(MARKDOWNIFY, {"content": ""})
    assert response.status_code == 200
    assert response.content == render_markdown("").encode()


def test_an_upload_without_the_ajax_header_is_saved_and_answered_in_json(staff_client, media_root):
    response = staff_client.post(UPLOAD, {"image": png_upload()})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["image_code"].startswith("![](/media/images/")
    assert Image.objects.count() == 1


def test_an_invalid_upload_without_the_ajax_header_is_a_json_400(staff_client, media_root):
    fake = png_upload(data=b"not an image")
    response = staff_client.post(UPLOAD, {"image": fake})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["image"]
    assert files_under(media_root) == []


@pytest.mark.parametrize("headers", [XHR, {}], ids=["ajax", "plain"])
def test_an_upload_with_no_file_is_a_json_400(staff_client, media_root, headers):
    response = staff_client.post(UPLOAD, {"other": "x"}, **headers)
    assert response.status_code == 400
    assert "image" in json.loads(response.content)
    assert files_under(media_root) == []
