"""Images: only whole still pictures are accepted, stored re-encoded without metadata, upright,
with renditions made once; hostile files are refused with a clear error and leave nothing."""

import os
import struct
import subprocess
import sys
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image as PILImage
from PIL import ImageCms, ImageOps, PngImagePlugin

from articles import images, tasks
from articles.models import DigitalSourceType, Image, ImageRendition
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


@pytest.fixture
def no_worker(settings):
    """Tasks are queued and wait: as on a site whose worker has not got to them yet."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def files_under(path):
    return sorted(p for p in Path(path).rglob("*") if p.is_file())


def check(data, name="upload.bin", content_type="application/octet-stream"):
    return images.check_upload(SimpleUploadedFile(name, data, content_type))


def refusal(data, **kwargs):
    with pytest.raises(ValidationError) as caught:
        check(data, **kwargs)
    return caught.value


# --- The hostile corpus, made here ------------------------------------------------------------


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width, height):
    """A PNG of width × height black RGB pixels, compressed row by row: a few hundred KB on
    disk, never the whole picture in memory here."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + width * 3)  # filter byte, then the row's pixels
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def header_only_png(width, height):
    """A PNG whose header claims width × height over one tiny IDAT: 100 megapixels in 60 bytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def gif_claiming(width, height):
    data = bytearray(factories.picture_bytes((4, 4), "GIF"))
    data[6:10] = struct.pack("<HH", width, height)  # the logical screen
    at = data.index(b"\x2c")  # the image descriptor
    data[at + 5 : at + 9] = struct.pack("<HH", width, height)
    return bytes(data)


def animated_gif():
    frames = [PILImage.new("RGB", (8, 8), color) for color in ((255, 0, 0), (0, 0, 255))]
    buffer = BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100)
    return buffer.getvalue()


JPEG = factories.picture_bytes((64, 48), "JPEG")
PNG = factories.picture_bytes((64, 48), "PNG")
GIF = factories.picture_bytes((64, 48), "GIF")
WEBP = factories.picture_bytes((64, 48), "WEBP")
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9"/></svg>'

HOSTILE = {
    # name: (bytes, the error's code)
    "svg": (SVG, "svg"),
    "svg with an xml prolog": (b'<?xml version="1.0"?>\n<!-- a logo -->\n' + SVG, "svg"),
    "svg with a byte order mark": (b"\xef\xbb\xbf  " + SVG, "svg"),
    "html renamed as an image": (HTML, "not_an_image"),
    "plain text renamed": (b"Just some notes, saved as photo.jpg\n" * 20, "not_an_image"),
    "a pdf": (b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n", "not_an_image"),
    "a zip": (b"PK\x03\x04" + b"\x00" * 60, "not_an_image"),
    "a bmp (a picture, not one we take)": (factories.picture_bytes((8, 8), "BMP"), "not_an_image"),
    "a tiff": (factories.picture_bytes((8, 8), "TIFF"), "not_an_image"),
    "half a jpeg": (JPEG[: len(JPEG) // 2], "damaged"),
    "a jpeg without its end": (JPEG[:-2], "damaged"),
    "half a png": (PNG[: len(PNG) // 2], "damaged"),
    "a png cut before IEND": (PNG[:-12], "damaged"),
    "half a gif": (GIF[: len(GIF) // 2], "damaged"),
    "half a webp": (WEBP[: len(WEBP) // 2], "damaged"),
    "a png with html appended": (PNG + HTML, "trailing_data"),
    "a jpeg with a zip appended": (JPEG + b"PK\x03\x04" + b"\x00" * 40, "trailing_data"),
    "a gif with script appended": (GIF + b"alert(1)//", "trailing_data"),
    "a webp with html appended": (WEBP + HTML, "trailing_data"),
    "a png whose header claims 100 megapixels": (
        header_only_png(10_000, 10_000),
        "too_many_pixels",
    ),
    "a gif whose header claims 4 gigapixels": (gif_claiming(65_535, 65_535), "too_many_pixels"),
    "an animated gif": (animated_gif(), "animated"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_files_are_refused_with_a_coded_error(name):
    data, code = HOSTILE[name]
    error = refusal(data)
    assert error.code == code, (name, error)
    assert error.messages[0]


def test_pillow_alone_would_have_accepted_the_polyglots():
    # What Django's ImageField relies on: the appended page is no obstacle to Pillow.
    with PILImage.open(BytesIO(PNG + HTML)) as image:
        image.load()
        assert image.format == "PNG"


def test_a_header_only_bomb_is_tiny_on_disk_and_refused_before_decoding():
    bomb = header_only_png(10_000, 10_000)
    assert len(bomb) < 200
    assert refusal(bomb).code == "too_many_pixels"


def test_the_pixel_cap_is_a_setting(settings):
    settings.NEWSROOM_IMAGE_MAX_PIXELS = 1000
    error = refusal(factories.png_bytes((50, 50)))  # 2,500 pixels
    assert error.code == "too_many_pixels"
    settings.NEWSROOM_IMAGE_MAX_PIXELS = 10_000
    assert check(factories.png_bytes((50, 50))).format == "PNG"


def test_the_file_size_limit_is_a_setting(settings):
    settings.NEWSROOM_IMAGE_MAX_BYTES = 1000
    noisy = PILImage.effect_noise((200, 200), 90).convert("RGB")
    buffer = BytesIO()
    noisy.save(buffer, "PNG")
    big = buffer.getvalue()
    assert len(big) > 1000
    assert refusal(big).code == "file_too_large"


def test_pillow_s_own_bomb_error_is_a_form_error_too(monkeypatch):
    monkeypatch.setattr(PILImage, "MAX_IMAGE_PIXELS", 100)
    assert refusal(factories.png_bytes((100, 100))).code == "too_many_pixels"


def test_a_png_too_large_to_decode_is_refused_with_a_clear_error():
    # 7,071² = 49,999,041 pixels, under the cap, but 191 MiB once decoded.
    bomb = bomb_png(7071, 7071)
    assert len(bomb) < 400_000
    error = refusal(bomb)
    assert error.code == "too_large_to_decode"
    with translation.override("fr"):
        (message,) = error.messages
    assert "trop grande pour être traitée" in message
    assert "191 Mio" in message


@pytest.mark.parametrize("name", ["svg", "a png with html appended", "half a jpeg"])
def test_a_refused_upload_leaves_nothing_in_storage_or_the_database(
    editor_client, media_root, name
):
    data, _code = HOSTILE[name]
    upload = SimpleUploadedFile("photo.png", data, "image/png")
    response = editor_client.post("/markdownx/upload/", {"image": upload})
    assert response.status_code == 400
    assert response.json()["image"]
    assert files_under(media_root) == []
    assert not Image.objects.exists()


def test_an_image_whose_row_cannot_be_written_leaves_no_file(media_root, monkeypatch):
    checked = check(PNG)

    def fail(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(Image, "save", fail)
    with pytest.raises(RuntimeError):
        images.store_image(checked, alt_text="x", digital_source_type="digitalCapture")
    assert files_under(media_root) == []


# --- What is accepted, and how it is stored ---------------------------------------------------

ACCEPTED = ["JPEG", "PNG", "WEBP", "GIF"] + (["AVIF"] if "AVIF" in images.FORMATS else [])


@pytest.mark.parametrize("image_format", ACCEPTED)
def test_each_accepted_format_is_decided_by_the_content_not_the_name(image_format, media_root):
    data = factories.picture_bytes((64, 48), image_format)
    checked = images.check_upload(SimpleUploadedFile("page.html", data, "text/html"))
    assert checked.format == image_format
    image = images.store_image(checked, alt_text="x", digital_source_type="digitalCapture")
    assert image.file.name.endswith("." + images.FORMATS[image_format][1])
    assert ".html" not in image.file.name
    with PILImage.open(default_storage.open(image.file.name)) as stored:
        assert stored.format == image_format
        assert stored.size == (64, 48)


def test_the_pinned_pillow_reads_and_writes_avif():
    # Pillow 13's wheels carry libavif: AVIF is accepted, and renditions are made in it.
    assert "AVIF" in images.FORMATS


def test_a_phone_jpeg_with_its_preview_appended_is_accepted():
    # MPF: a phone appends further JPEGs (a preview, a depth map) after the photo's own end.
    assert check(JPEG + factories.picture_bytes((16, 12), "JPEG")).format == "JPEG"


def test_a_wide_image_is_stored_at_most_the_configured_width(settings):
    settings.NEWSROOM_IMAGE_MAX_WIDTH = 300
    checked = check(factories.png_bytes((900, 30)))
    assert (checked.width, checked.height) == (300, 10)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_as_exif_transpose_would(orientation):
    exif = PILImage.Exif()
    exif[0x0112] = orientation
    drawn = PILImage.new("RGB", (40, 20), (0, 0, 255))
    drawn.paste((255, 0, 0), (0, 0, 10, 5))  # a red corner, to see where it went
    buffer = BytesIO()
    drawn.save(buffer, "PNG", exif=exif.tobytes())
    expected = ImageOps.exif_transpose(PILImage.open(BytesIO(buffer.getvalue())))
    checked = check(buffer.getvalue())
    with PILImage.open(BytesIO(checked.content)) as stored:
        assert stored.size == expected.size
        assert stored.convert("RGB").tobytes() == expected.convert("RGB").tobytes()
        assert not stored.getexif()


def test_a_rotated_large_jpeg_is_decoded_small_and_stored_upright():
    exif = PILImage.Exif()
    exif[0x0112] = 6  # rotate 90° to display: the stored height becomes the width
    buffer = BytesIO()
    PILImage.new("RGB", (6000, 4000), (30, 60, 90)).save(buffer, "JPEG", exif=exif.tobytes())
    checked = check(buffer.getvalue())
    assert (checked.width, checked.height) == (2400, 3600)


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


SECRETS = (b"SecretCam", b"48.8566", b"reporter-name", b"itxt-note", b"secret-xmp",
           b"shot-at-the-safe-house", b"built-in", b"SN-123456")  # fmt: skip


def gps_exif():
    exif = PILImage.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0xA431] = "SN-123456"  # BodySerialNumber
    exif[0x0112] = 1
    gps = exif.get_ifd(0x8825)
    gps[2] = (48.0, 51.0, 23.0)  # GPSLatitude
    gps[1] = "N"
    exif[0x9286] = "48.8566"  # UserComment: where the source met the reporter
    return exif.tobytes()


def metadata_laden(image_format):
    """A picture carrying every metadata block its format can hold."""
    drawn = PILImage.new("RGB", (1000, 600), (10, 200, 10))
    buffer = BytesIO()
    options = {"exif": gps_exif(), "icc_profile": swapped_primaries_profile()}
    if image_format == "JPEG":
        options |= {
            "comment": b"shot-at-the-safe-house",
            "xmp": b"<x:xmpmeta>secret-xmp</x:xmpmeta>",
        }
    if image_format == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("Author", "reporter-name")
        text.add_itxt("Description", "itxt-note")
        text.add_text("XML:com.adobe.xmp", "<x:xmpmeta>secret-xmp</x:xmpmeta>")
        options["pnginfo"] = text
    if image_format in ("WEBP", "AVIF"):
        options["xmp"] = b"<x:xmpmeta>secret-xmp</x:xmpmeta>"
    drawn.save(buffer, image_format, **options)
    data = buffer.getvalue()
    assert b"SecretCam" in data or image_format == "AVIF"
    return data


@pytest.mark.parametrize("image_format", [f for f in ACCEPTED if f != "GIF"])
def test_no_metadata_survives_in_the_original_or_any_rendition(image_format, settings, media_root):
    settings.NEWSROOM_IMAGE_WIDTHS = (400, 800)
    image = factories.image(metadata_laden(image_format))
    stored = [image.file.name, *image.renditions.values_list("file", flat=True)]
    # The original, and 400 and 800 px in AVIF, WebP and (for JPEG and PNG) its own format.
    # The widths in each format, and the three crops for search engines (16x9, 4x3, 1x1).
    assert len(stored) == (5 if image_format in ("WEBP", "AVIF") else 7) + 3, stored
    for name in stored:
        with default_storage.open(name) as file:
            data = file.read()
        for secret in SECRETS:
            assert secret not in data, (name, secret)
        for marker in (b"Exif\x00\x00", b"http://ns.adobe.com/xap", b"ICC_PROFILE", b"iCCP",
                       b"tEXt", b"iTXt", b"zTXt", b"eXIf"):  # fmt: skip
            assert marker not in data, (name, marker)
        with PILImage.open(BytesIO(data)) as opened:
            assert not opened.getexif()
            assert "icc_profile" not in opened.info
            assert "xmp" not in opened.info
            assert "comment" not in opened.info


def test_a_profiled_image_is_converted_to_srgb_before_its_profile_is_dropped():
    buffer = BytesIO()
    PILImage.new("RGB", (8, 8), (255, 0, 0)).save(
        buffer, "PNG", icc_profile=swapped_primaries_profile()
    )
    with PILImage.open(BytesIO(check(buffer.getvalue()).content)) as stored:
        red, green, blue = stored.convert("RGB").getpixel((4, 4))
    # What the profile meant: blue.
    assert blue > 200, (red, green, blue)
    assert red < 60, (red, green, blue)


def test_palette_transparency_survives_the_metadata_strip():
    palette = PILImage.new("P", (4, 4), 0)
    palette.putpalette([255, 255, 255, 200, 30, 30] + [0, 0, 0] * 254)
    palette.putpixel((1, 1), 1)
    buffer = BytesIO()
    palette.save(buffer, "PNG", transparency=0)
    with PILImage.open(BytesIO(check(buffer.getvalue()).content)) as stored:
        assert stored.convert("RGBA").getpixel((0, 0))[3] == 0
        assert stored.convert("RGBA").getpixel((1, 1))[3] == 255


# --- Renditions -------------------------------------------------------------------------------


def rendition_table(image):
    """The widths made for pages (the crops for search engines are listed apart)."""
    return sorted(image.renditions.filter(crop="").values_list("format", "width", "height"))


@pytest.mark.parametrize(("size", "expected"), [
    ((2000, 1000), [("16x9", 1200, 675), ("4x3", 1200, 900), ("1x1", 1000, 1000)]),
    ((600, 900), [("16x9", 600, 338), ("4x3", 600, 450), ("1x1", 600, 600)]),
])  # fmt: skip
def test_search_engines_get_the_centre_at_16x9_4x3_and_1x1_never_upscaled(size, expected):
    image = factories.image(factories.picture_bytes(size, "JPEG"))
    crops = [(c.crop, c.width, c.height) for c in images.crops(image)]
    assert crops == expected
    for crop in images.crops(image):
        with PILImage.open(default_storage.open(crop.file.name)) as stored:
            assert stored.format == "JPEG"
            assert stored.size == (crop.width, crop.height)
            assert not stored.info.get("exif")
    # Never in the page's <picture>: a crop would cut what the photographer framed.
    assert "-16x9" not in str(images.picture(image))


def test_renditions_at_each_width_in_avif_webp_and_the_original_format(settings):
    settings.NEWSROOM_IMAGE_WIDTHS = (400, 800, 1200, 1600)
    image = factories.image(factories.picture_bytes((2000, 1000), "JPEG"))
    assert (image.width, image.height) == (2000, 1000)
    widths = [(400, 200), (800, 400), (1200, 600), (1600, 800)]
    assert rendition_table(image) == sorted(
        [("AVIF", *w) for w in widths]
        + [("JPEG", *w) for w in widths]
        + [("WEBP", *w) for w in widths]
    )
    for rendition in image.renditions.all():
        with PILImage.open(default_storage.open(rendition.file.name)) as stored:
            assert stored.format == rendition.format
            assert stored.size == (rendition.width, rendition.height)


def test_a_small_image_is_never_upscaled(settings):
    settings.NEWSROOM_IMAGE_WIDTHS = (400, 800, 1200)
    image = factories.image(factories.picture_bytes((500, 250), "PNG"))
    # Its own width in the smaller formats; the PNG at 500 is the original itself.
    assert rendition_table(image) == [
        ("AVIF", 400, 200), ("AVIF", 500, 250), ("PNG", 400, 200), ("WEBP", 400, 200),
        ("WEBP", 500, 250),
    ]  # fmt: skip
    assert max(image.renditions.values_list("width", flat=True)) <= image.width


def test_renditions_are_made_once(media_root):
    image = factories.image()
    before = rendition_table(image)
    files = files_under(media_root)
    assert before
    assert tasks.make_renditions.call(image.pk) == 0
    assert images.make_renditions(image.pk) == 0
    assert rendition_table(image) == before
    assert files_under(media_root) == files


def test_a_rendition_run_that_loses_the_race_leaves_no_files(media_root, monkeypatch, no_worker):
    image = factories.image()
    assert not image.renditions.exists()
    files = files_under(media_root)
    real_exists = ImageRendition.objects.none().exists
    calls = []

    def exists_after_first(self):
        # The first look says "none yet"; by the time this run writes, another run has.
        calls.append(1)
        return len(calls) > 1 or real_exists()

    monkeypatch.setattr(type(image.renditions.all()), "exists", exists_after_first)
    assert images.make_renditions(image.pk) == 0
    assert files_under(media_root) == files
    monkeypatch.undo()
    assert not ImageRendition.objects.exists()


def test_renditions_go_through_the_storage_api(settings, media_root):
    # Any storage backend (S3-compatible through django-storages) is used the same way.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    image = factories.image()
    # 64 px wide: AVIF and WebP at 64, and the three crops for search engines.
    assert image.renditions.filter(crop="").count() == 2
    assert image.renditions.exclude(crop="").count() == 3
    assert files_under(media_root) == []
    for name in [image.file.name, *image.renditions.values_list("file", flat=True)]:
        assert default_storage.exists(name)


def test_until_renditions_exist_the_picture_is_the_original(no_worker):
    image = factories.image(factories.picture_bytes((900, 600), "JPEG"))
    picture = images.picture(image)
    assert picture.src == image.file.url
    assert picture.srcset == ""
    assert picture.sources == ()
    assert (picture.width, picture.height) == (900, 600)


def test_the_picture_lists_every_width_by_format(settings):
    settings.NEWSROOM_IMAGE_WIDTHS = (400, 800)
    image = factories.image(factories.picture_bytes((1000, 500), "JPEG"), alt_text="Une carte")
    picture = images.picture(image)
    (avif_type, avif), (webp_type, webp) = picture.sources
    assert (avif_type, webp_type) == ("image/avif", "image/webp")
    assert [entry.split()[1] for entry in avif.split(", ")] == ["400w", "800w"]
    assert [entry.split()[1] for entry in webp.split(", ")] == ["400w", "800w"]
    assert picture.srcset.endswith(f"{image.file.url} 1000w")
    assert picture.src == image.file.url
    assert picture.alt == "Une carte"
    assert picture.sizes == images.COLUMN_SIZES


# --- Honest labels ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fr", "Image générée par IA (Midjourney)"), ("en", "AI-generated image (Midjourney)")],
)
def test_an_ai_generated_image_says_so_with_its_tool(language, expected):
    image = Image(
        digital_source_type=DigitalSourceType.TRAINED_ALGORITHMIC_MEDIA, ai_tool="Midjourney"
    )
    assert image.is_ai_generated
    with translation.override(language):
        assert image.disclosure == expected
    assert image.digital_source_type_uri == (
        "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    )


def test_a_photograph_carries_no_label_and_is_not_ai_generated():
    photo = Image(digital_source_type=DigitalSourceType.DIGITAL_CAPTURE, ai_tool="")
    assert photo.disclosure == ""
    assert not photo.is_ai_generated


def test_every_ai_source_type_is_labelled_and_needs_its_tool():
    for source_type in DigitalSourceType:
        image = Image(digital_source_type=source_type, ai_tool="", alt_text="x")
        if image.is_ai_generated:
            assert image.disclosure
            with pytest.raises(ValidationError) as caught:
                image.clean()
            assert "ai_tool" in caught.value.error_dict


# --- Cost -------------------------------------------------------------------------------------

MAKE_JPEG = (
    "import sys\n"
    "from PIL import Image\n"
    "Image.new('RGB', (7746, 5164), (90, 120, 200)).save(sys.argv[1], 'JPEG', quality=85)\n"
)
MEASURE = """
import os, resource, sys
import django
django.setup()
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from articles.images import check_upload
path = sys.argv[1]
data = open(path, "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    check_upload(SimpleUploadedFile(os.path.basename(path), data, "image/png"))
    valid = True
except ValidationError:
    valid = False
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(valid, (peak - before) // 1024)  # ru_maxrss is in KiB on Linux
"""
# Linux carries ru_maxrss across exec: a child started by pytest (hundreds of MiB after the
# image tests) would report pytest's size as its own baseline and hide any growth. A small
# Python in between starts the measurement from its ~10 MiB instead.
LAUNCH = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"


def peak_growth_mib(path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "newsroom.settings", "DJANGO_DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "-c", LAUNCH, sys.executable, "-c", MEASURE, str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    valid, growth = result.stdout.split()
    return valid == "True", int(growth)


def test_checking_a_png_bomb_costs_no_decoding(tmp_path):
    # Measured: 470 MiB of peak RSS before the decoded-size budget, 0 MiB after.
    path = tmp_path / "bomb.png"
    path.write_bytes(bomb_png(7071, 7071))
    valid, growth = peak_growth_mib(path)
    assert not valid
    assert growth < 32


def test_a_40_megapixel_jpeg_is_processed_in_bounded_memory(tmp_path):
    # Measured: 369 MiB of peak RSS decoding twice at full size, 78 MiB with draft() at 1/2.
    path = tmp_path / "40mp.jpg"
    subprocess.run([sys.executable, "-c", MAKE_JPEG, str(path)], check=True, timeout=120)
    valid, growth = peak_growth_mib(path)
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
    valid, growth = peak_growth_mib(path)
    assert not valid
    assert growth < 32


def test_an_image_exactly_the_largest_width_gets_that_width_in_every_smaller_format(settings):
    settings.NEWSROOM_IMAGE_WIDTHS = (400, 800)
    image = factories.image(factories.picture_bytes((800, 400), "PNG"))
    assert rendition_table(image) == [
        ("AVIF", 400, 200), ("AVIF", 800, 400), ("PNG", 400, 200), ("WEBP", 400, 200),
        ("WEBP", 800, 400),
    ]  # fmt: skip
