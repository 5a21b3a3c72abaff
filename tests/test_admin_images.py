"""The Image admin: upload once through the checks, describe, credit and label; find by
thumbnail, text and source type; only described images can be a story's featured image."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from articles.models import Image, Story
from tests import factories
from tests.helpers import english_client, form_data

pytestmark = pytest.mark.django_db

IMAGE_ADD = "/admin/articles/image/add/"
IMAGE_LIST = "/admin/articles/image/"


def files_under(path):
    return sorted(p for p in path.rglob("*") if p.is_file())


def described(**fields):
    return {
        "alt_text": "Le siège d'OpenAI à San Francisco, une façade de brique",
        "caption": "Le siège de l'entreprise.",
        "credit": "Dessin : Newsroom",
        "digital_source_type": "algorithmicMedia",
        "ai_tool": "Pillow",
        **fields,
    }


def jpeg(name="photo.jpg"):
    return SimpleUploadedFile(name, factories.picture_bytes((900, 600), "JPEG"), "image/jpeg")


@pytest.mark.parametrize("group", ["Reporter", "Live desk", "Editor"])
def test_writers_upload_and_describe_an_image(group, media_root):
    person = factories.user(group=group)
    client = english_client(person)
    page = client.get(IMAGE_ADD)
    assert page.status_code == 200
    assert "What the image shows, for readers who cannot see it" in page.content.decode()
    response = client.post(IMAGE_ADD, {**described(), "upload": jpeg()})
    assert response.status_code == 302, response.content.decode()[:2000]
    image = Image.objects.get()
    assert image.uploaded_by == person
    assert (image.width, image.height, image.format) == (900, 600, "JPEG")
    assert image.alt_text.startswith("Le siège")
    assert image.renditions.filter(format="AVIF").exists()
    assert (media_root / image.file.name).is_file()


def test_alt_text_is_required(editor, media_root):
    response = english_client(editor).post(IMAGE_ADD, {**described(alt_text=""), "upload": jpeg()})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Image.objects.exists()
    assert files_under(media_root) == []


def test_an_ai_generated_image_needs_its_tool(editor, media_root):
    data = described(digital_source_type="trainedAlgorithmicMedia", ai_tool="")
    response = english_client(editor).post(IMAGE_ADD, {**data, "upload": jpeg()})
    assert response.status_code == 200
    assert "Name the program that made this image" in response.content.decode()
    assert not Image.objects.exists()
    assert files_under(media_root) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "SVG files are not accepted"),
        (factories.png_bytes() + b"<html><script>alert(1)</script>", "something else after"),
        (b"GIF89a not really", "damaged or incomplete"),
        (b"hello, I am text", "not an image we accept"),
    ],
)
def test_a_hostile_file_is_a_form_error_that_leaves_nothing(editor, media_root, data, message):
    upload = SimpleUploadedFile("photo.png", data, "image/png")
    response = english_client(editor).post(IMAGE_ADD, {**described(), "upload": upload})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Image.objects.exists()
    assert files_under(media_root) == []


def test_the_file_cannot_be_replaced_once_the_image_exists(editor):
    image = factories.image()
    client = english_client(editor)
    url = f"/admin/articles/image/{image.pk}/change/"
    page = client.get(url)
    assert 'name="upload"' not in page.content.decode()
    data = form_data(page, "image_form")
    data["caption"] = "Une nouvelle légende"
    assert client.post(url, data).status_code == 302
    image.refresh_from_db()
    assert image.caption == "Une nouvelle légende"


def test_the_list_shows_thumbnails_and_finds_by_text_and_source_type(editor):
    ai = factories.image(
        alt_text="Un conseil d'administration imaginé",
        digital_source_type="trainedAlgorithmicMedia",
        ai_tool="Midjourney",
    )
    photo = factories.image(alt_text="Une photo du siège", digital_source_type="digitalCapture")
    undescribed = factories.image(alt_text="", digital_source_type="", ai_tool="")
    client = english_client(editor)
    page = client.get(IMAGE_LIST).content.decode()
    assert page.count('class="image-thumbnail"') == 3
    assert ai.renditions.get(format="WEBP").file.url in page
    assert "(no alt text yet: describe it)" in page
    found = client.get(IMAGE_LIST, {"q": "Midjourney"}).content.decode()
    assert "Un conseil" in found
    assert "Une photo du siège" not in found
    only_ai = client.get(IMAGE_LIST, {"source": "ai"}).content.decode()
    assert "Un conseil" in only_ai
    assert "Une photo du siège" not in only_ai
    todo = client.get(IMAGE_LIST, {"source": "undescribed"}).context["cl"].result_list
    assert list(todo) == [undescribed]
    photos = client.get(IMAGE_LIST, {"source": "digitalCapture"}).context["cl"].result_list
    assert list(photos) == [photo]


def test_only_editors_delete_images_and_their_files_go_with_them(
    reporter, editor, media_root, django_capture_on_commit_callbacks
):
    image = factories.image()
    url = f"/admin/articles/image/{image.pk}/delete/"
    assert english_client(reporter).post(url, {"post": "yes"}).status_code == 403
    names = [image.file.name, *image.renditions.values_list("file", flat=True)]
    with django_capture_on_commit_callbacks(execute=True):
        response = english_client(editor).post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Image.objects.exists()
    for name in names:
        assert not (media_root / name).exists()


def test_a_featured_image_cannot_be_deleted_from_under_its_story(editor):
    image = factories.image()
    factories.story(featured_image=image)
    response = english_client(editor).post(
        f"/admin/articles/image/{image.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code in (200, 403)
    assert Image.objects.filter(pk=image.pk).exists()


def test_only_described_images_can_be_featured(editor):
    ready = factories.image(alt_text="Une carte des bureaux")
    not_ready = factories.image(alt_text="", digital_source_type="", ai_tool="")
    story = factories.story()
    client = english_client(editor)
    url = f"/admin/articles/story/{story.pk}/change/"
    data = form_data(client.get(url))
    data["featured_image"] = str(not_ready.pk)
    page = client.post(url, data)
    assert page.status_code == 200
    assert "Select a valid choice" in page.content.decode()
    data = form_data(client.get(url))
    data["featured_image"] = str(ready.pk)
    assert client.post(url, data).status_code == 302
    assert Story.objects.get(pk=story.pk).featured_image == ready
    search = client.get(
        "/admin/autocomplete/",
        {
            "app_label": "articles",
            "model_name": "story",
            "field_name": "featured_image",
            "term": "",
        },
    ).json()
    assert [r["id"] for r in search["results"]] == [str(ready.pk)]
