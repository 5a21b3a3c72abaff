"""The Markdown editor's endpoints (markdownx preview and upload): staff only, same renderer."""

import json
import os
import struct
import subprocess
import sys
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image, ImageCms, PngImagePlugin

from articles import editor
from articles.rendering import render_markdown
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
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


# --- Metadata and decoding cost ---------------------------------------------------------------


def bomb_png(width, height):
    """A PNG of width x height black RGB pixels, compressed row by row: a few hundred KB on
    disk, never the whole picture in memory here."""

    def chunk(kind, data):
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + width * 3)  # filter byte, then the row's pixels
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def swapped_primaries_profile():
    """An RGB ICC profile whose red and blue primaries are sRGB's blue and red, with a telltale
    description: a pixel tagged (255, 0, 0) with it is blue."""
    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    (count,) = struct.unpack(">I", data[128:132])
    entries = {}
    for index in range(count):
        at = 132 + 12 * index
        entries[bytes(data[at : at + 4])] = at
    red, blue = entries[b"rXYZ"], entries[b"bXYZ"]
    data[red + 4 : red + 12], data[blue + 4 : blue + 12] = (
        data[blue + 4 : blue + 12],
        data[red + 4 : red + 12],
    )
    return bytes(data)


def stored_image(media_root):
    (stored,) = files_under(media_root)
    return stored, Image.open(stored)


def test_a_jpeg_comment_and_xmp_are_not_kept(staff_client, media_root):
    buffer = BytesIO()
    Image.new("RGB", (20, 10), (10, 200, 10)).save(
        buffer, "JPEG", comment=b"shot-at-the-safe-house", xmp=b"<x:xmpmeta>secret-xmp</x:xmpmeta>"
    )
    assert b"shot-at-the-safe-house" in buffer.getvalue()
    photo = SimpleUploadedFile("photo.jpg", buffer.getvalue(), "image/jpeg")
    assert staff_client.post(UPLOAD, {"image": photo}, **XHR).status_code == 200
    stored, image = stored_image(media_root)
    data = stored.read_bytes()
    assert b"shot-at-the-safe-house" not in data
    assert b"secret-xmp" not in data
    assert b"\xff\xfe" not in data.split(b"\xff\xda")[0]  # no COM segment before the scan
    assert "comment" not in image.info
    assert "xmp" not in image.info


def test_a_png_keeps_no_text_chunks_exif_or_profile_text(staff_client, media_root):
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "reporter-name")
    text.add_text("Comment", "compressed-note", zip=True)
    text.add_itxt("Description", "itxt-note")
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    buffer = BytesIO()
    Image.new("RGB", (20, 10), (10, 200, 10)).save(
        buffer, "PNG", pnginfo=text, exif=exif.tobytes(), icc_profile=swapped_primaries_profile()
    )
    upload = SimpleUploadedFile("photo.png", buffer.getvalue(), "image/png")
    assert staff_client.post(UPLOAD, {"image": upload}, **XHR).status_code == 200
    stored, image = stored_image(media_root)
    data = stored.read_bytes()
    for secret in (b"reporter-name", b"itxt-note", b"SecretCam", b"built-in"):
        assert secret not in data
    for chunk_type in (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP"):
        assert chunk_type not in data
    assert "icc_profile" not in image.info
    assert not image.getexif()


def test_a_profiled_image_is_converted_to_srgb_before_its_profile_is_dropped(
    staff_client, media_root
):
    buffer = BytesIO()
    Image.new("RGB", (8, 8), (255, 0, 0)).save(
        buffer, "PNG", icc_profile=swapped_primaries_profile()
    )
    upload = SimpleUploadedFile("photo.png", buffer.getvalue(), "image/png")
    assert staff_client.post(UPLOAD, {"image": upload}, **XHR).status_code == 200
    _, image = stored_image(media_root)
    red, green, blue = image.convert("RGB").getpixel((4, 4))
    # What the profile meant: blue.
    assert blue > 200, (red, green, blue)
    assert red < 60, (red, green, blue)


def test_a_webp_keeps_no_exif_or_profile(staff_client, media_root):
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    buffer = BytesIO()
    Image.new("RGB", (20, 10), (10, 200, 10)).save(
        buffer, "WEBP", exif=exif.tobytes(), icc_profile=swapped_primaries_profile()
    )
    upload = SimpleUploadedFile("photo.webp", buffer.getvalue(), "image/webp")
    assert staff_client.post(UPLOAD, {"image": upload}, **XHR).status_code == 200
    stored, image = stored_image(media_root)
    assert b"SecretCam" not in stored.read_bytes()
    assert b"built-in" not in stored.read_bytes()
    assert "icc_profile" not in image.info
    assert not image.getexif()


def test_palette_transparency_survives_the_metadata_strip(staff_client, media_root):
    palette = Image.new("P", (4, 4), 0)
    palette.putpalette([255, 255, 255, 200, 30, 30] + [0, 0, 0] * 254)
    palette.putpixel((1, 1), 1)
    buffer = BytesIO()
    palette.save(buffer, "PNG", transparency=0)
    upload = SimpleUploadedFile("icon.png", buffer.getvalue(), "image/png")
    assert staff_client.post(UPLOAD, {"image": upload}, **XHR).status_code == 200
    _, image = stored_image(media_root)
    assert image.convert("RGBA").getpixel((0, 0))[3] == 0
    assert image.convert("RGBA").getpixel((1, 1))[3] == 255


def test_a_png_too_large_to_decode_is_refused_with_a_clear_error(staff_client, media_root):
    # 7,071² = 49,999,041 pixels, under MAX_PIXELS, but 191 MiB once decoded.
    bomb = bomb_png(7071, 7071)
    assert len(bomb) < 400_000
    upload = SimpleUploadedFile("small.png", bomb, "image/png")
    response = staff_client.post(UPLOAD, {"image": upload}, **XHR)
    assert response.status_code == 400
    (message,) = json.loads(response.content)["__all__"]
    assert "trop grande pour être traitée" in message  # the newsroom's language
    assert "191 Mio" in message
    assert "160 Mio" in message
    assert files_under(media_root) == []


def test_a_rotated_large_jpeg_is_decoded_small_and_stored_upright(staff_client, media_root):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° to display: the stored height becomes the width
    buffer = BytesIO()
    Image.new("RGB", (6000, 4000), (30, 60, 90)).save(buffer, "JPEG", exif=exif.tobytes())
    photo = SimpleUploadedFile("tall.jpg", buffer.getvalue(), "image/jpeg")
    assert staff_client.post(UPLOAD, {"image": photo}, **XHR).status_code == 200
    _, image = stored_image(media_root)
    assert image.size == (2400, 3600)


MAKE_JPEG = (
    "import sys\n"
    "from PIL import Image\n"
    "Image.new('RGB', (7746, 5164), (90, 120, 200)).save(sys.argv[1], 'JPEG', quality=85)\n"
)
MEASURE = """
import os, resource, sys
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from articles.editor import CheckedImageForm
path, content_type = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
upload = SimpleUploadedFile(os.path.basename(path), data, content_type)
form = CheckedImageForm(files={"image": upload})
if form.is_valid():
    form.save(commit=False)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(form.is_valid(), (peak - before) // 1024)  # ru_maxrss is in KiB on Linux
"""


# Linux carries ru_maxrss across exec: a child started by pytest (hundreds of MiB after the
# image tests) would report pytest's size as its own baseline and hide any growth. A small
# Python in between starts the measurement from its ~10 MiB instead.
LAUNCH = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"


def peak_growth_mib(path, content_type):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "newsroom.settings", "DJANGO_DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "-c", LAUNCH, sys.executable, "-c", MEASURE, str(path), content_type],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    valid, growth = result.stdout.split()
    return valid == "True", int(growth)


def test_processing_a_png_bomb_costs_no_decoding(tmp_path):
    # Measured: 470 MiB of peak RSS before the decoded-size budget, 0 MiB after.
    path = tmp_path / "bomb.png"
    path.write_bytes(bomb_png(7071, 7071))
    valid, growth = peak_growth_mib(path, "image/png")
    assert not valid
    assert growth < 32


def test_a_40_megapixel_jpeg_is_processed_in_bounded_memory(tmp_path):
    # Measured: 369 MiB of peak RSS decoding twice at full size, 78 MiB with draft() at 1/2.
    path = tmp_path / "40mp.jpg"
    subprocess.run([sys.executable, "-c", MAKE_JPEG, str(path)], check=True, timeout=120)
    valid, growth = peak_growth_mib(path, "image/jpeg")
    assert valid
    assert growth < 128


def test_a_webp_is_budgeted_for_the_copies_its_decoder_makes(tmp_path):
    # 6,000 x 6,900 = 41.4 megapixels: 158 MiB as an image, but libwebp's frame and Pillow's
    # copy of it come first; measured 636 MiB of peak RSS before this budget.
    path = tmp_path / "large.webp"
    make = (
        "import sys\nfrom PIL import Image\n"
        "Image.new('RGB', (6000, 6900), (20, 90, 40)).save(sys.argv[1], 'WEBP', quality=80)\n"
    )
    subprocess.run([sys.executable, "-c", make, str(path)], check=True, timeout=120)
    valid, growth = peak_growth_mib(path, "image/webp")
    assert not valid
    assert growth < 32


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
    assert json.loads(response.content)["image_code"].startswith("![](/media/uploads/")
    assert len(files_under(media_root)) == 1


def test_an_invalid_upload_without_the_ajax_header_is_a_json_400(staff_client, media_root):
    fake = png_upload(data=b"not an image")
    response = staff_client.post(UPLOAD, {"image": fake})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "__all__" in json.loads(response.content)
    assert files_under(media_root) == []


@pytest.mark.parametrize("headers", [XHR, {}], ids=["ajax", "plain"])
def test_an_upload_with_no_file_is_a_json_400(staff_client, media_root, headers):
    response = staff_client.post(UPLOAD, {"other": "x"}, **headers)
    assert response.status_code == 400
    assert "image" in json.loads(response.content)
    assert files_under(media_root) == []
