"""Images: upload checks, re-encoding without metadata, renditions, and what `<picture>` prints.

An upload is trusted for nothing: its name and declared type are ignored, its bytes decide.
`check_upload` accepts a JPEG, PNG, WebP, GIF or (where Pillow reads it) AVIF still image whose
header and container are whole, with nothing appended, under our pixel cap and decoding budget;
it decodes it completely and re-encodes it from its pixels, upright, in sRGB, with no metadata
at all. Anything else is a `ValidationError` with a code and a message for the form, raised
before anything is written. `store_image` then writes the file through Django's storage API
(local files or S3-compatible storage, by configuration) and the row, and queues the renditions;
`make_renditions` (run by the task) writes each width in AVIF, WebP and the original's format.
"""

import logging
import re
import struct
import uuid
import warnings
from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from PIL import Image as PILImage
from PIL import ImageCms, UnidentifiedImageError, features

from articles import freshness
from articles.models import Image, ImageRendition
from articles.rendering import Picture, image_sources

logger = logging.getLogger(__name__)

# Pillow's name for each accepted format: its MIME type and the extension it is stored under.
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "GIF": ("image/gif", "gif"),
}
if features.check("avif"):  # Pillow's wheels carry libavif; a build without it refuses AVIF
    FORMATS["AVIF"] = ("image/avif", "avif")
# The formats every picture gets renditions in, besides its own: the smallest first.
RENDITION_FORMATS = ("AVIF", "WEBP")
# Encoder settings. AVIF at speed 8 rather than libavif's 6: measured on a 1,600 px photo here,
# 0.23 s instead of 0.6 s for a file 3 % larger.
ENCODER_OPTIONS = {
    "JPEG": {"quality": 85, "optimize": True, "progressive": True},
    "WEBP": {"quality": 80, "method": 4},
    "AVIF": {"quality": 60, "speed": 8},
    "PNG": {"optimize": False, "compress_level": 6},
    "GIF": {"optimize": False},
}

# What decoding may cost, whatever the file weighs: a 7,071 × 7,071 PNG is 190 KB on disk, yet
# decodes to 7,071² × 4 B = 191 MiB, and processing it peaked at 471 MiB per worker. 160 MiB
# admits any PNG or WebP up to 41.9 megapixels of colour (× 4 B); a JPEG is decoded at a
# reduced scale anyway (draft), a 24-megapixel one at half size, 23 MiB.
MAX_DECODED_BYTES = 160 * 1024 * 1024
# Pillow decodes a WebP through libwebp's own frame buffer, then a bytes copy of it, then the
# image: three copies (measured: 144 MiB to decode a 12-megapixel WebP of 46 MiB). libavif
# likewise decodes to its own YUV planes, then RGB, then Pillow's copy.
DECODING_COPIES = {"WEBP": 3, "AVIF": 3}
EXIF_ORIENTATION = 0x0112
# What each EXIF orientation asks for to display upright: ImageOps.exif_transpose's table
# (a test checks they agree), applied here after resizing so that only the small image turns.
ORIENTATION_FIXES = {
    2: PILImage.Transpose.FLIP_LEFT_RIGHT,
    3: PILImage.Transpose.ROTATE_180,
    4: PILImage.Transpose.FLIP_TOP_BOTTOM,
    5: PILImage.Transpose.TRANSPOSE,
    6: PILImage.Transpose.ROTATE_270,
    7: PILImage.Transpose.TRANSVERSE,
    8: PILImage.Transpose.ROTATE_90,
}
SRGB = ImageCms.createProfile("sRGB")
# A file whose first bytes, past any BOM, blanks and XML prolog, open an SVG document.
_SVG = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]{0,200}>\s*)?(?:<!--.{0,500}?-->\s*)*"
    rb"(?:<!doctype\s+svg[^>]{0,500}>\s*)?<svg[\s>]",
    re.IGNORECASE | re.DOTALL,
)
# How each accepted format's files begin.
_SIGNATURE = re.compile(
    rb"\xff\xd8\xff|\x89PNG\r\n\x1a\n|GIF8[79]a|RIFF....WEBP|....ftypavi[fs]", re.DOTALL
)
# The sizes attribute of a picture in the story's column (static/css/site.css: --measure, 42rem,
# and the gutters on each side: 1rem on a phone).
COLUMN_SIZES = "(min-width: 45rem) 42rem, calc(100vw - 2rem)"
FEATURED_SIZES = COLUMN_SIZES


@dataclass(frozen=True)
class CheckedImage:
    """An upload that passed every check, re-encoded: the bytes to store and what they are."""

    content: bytes
    format: str
    width: int
    height: int

    @property
    def extension(self):
        return FORMATS[self.format][1]


def _refuse(message, code, **params):
    raise ValidationError(message, code=code, params=params)


def accepted_names():
    names = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF", "AVIF": "AVIF"}
    return ", ".join(names[name] for name in FORMATS)


# --- Where each container ends: nothing may follow the picture ---------------------------------


class _Malformed(Exception):
    """The container's structure is broken or cut short."""


def _png_end(data):
    at = 8
    while True:
        if at + 8 > len(data):
            raise _Malformed("PNG cut short")
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        at += 12 + length
        if at > len(data):
            raise _Malformed("PNG chunk cut short")
        if kind == b"IEND":
            return at


def _jpeg_end(data, start=0):
    """The offset just past the EOI marker of the JPEG at `start`: segments by their lengths,
    entropy-coded data up to the next marker (0xFF followed by neither 0 nor a restart)."""
    if data[start : start + 2] != b"\xff\xd8":
        raise _Malformed("no SOI")
    at = start + 2
    while True:
        at = data.find(b"\xff", at)
        if at < 0 or at + 1 >= len(data):
            raise _Malformed("JPEG cut short")
        marker = data[at + 1]
        if marker == 0xD9:
            return at + 2
        if marker in (0x00, 0xFF) or 0xD0 <= marker <= 0xD7:
            at += 1  # stuffed byte, fill byte or restart marker inside the scan
            continue
        if at + 4 > len(data):
            raise _Malformed("JPEG segment cut short")
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        at += 2 + length
        if at > len(data):
            raise _Malformed("JPEG segment cut short")


def _gif_end(data):
    flags = data[10]
    at = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)

    def skip_sub_blocks(at):
        while True:
            if at >= len(data):
                raise _Malformed("GIF cut short")
            size = data[at]
            at += 1 + size
            if size == 0:
                return at

    while at < len(data):
        block = data[at]
        if block == 0x3B:
            return at + 1
        if block == 0x21:  # extension: label, then sub-blocks
            at = skip_sub_blocks(at + 2)
        elif block == 0x2C:  # image descriptor, local colour table, LZW code size, sub-blocks
            if at + 10 > len(data):
                raise _Malformed("GIF cut short")
            local = data[at + 9]
            at += 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0)
            at = skip_sub_blocks(at + 1)
        else:
            raise _Malformed("unknown GIF block")
    raise _Malformed("GIF without trailer")


def _riff_end(data):
    (size,) = struct.unpack("<I", data[4:8])
    end = 8 + size + (size & 1)
    if end > len(data):
        raise _Malformed("WebP cut short")
    return end


def _isobmff_end(data):
    at = 0
    while at < len(data):
        if at + 8 > len(data):
            raise _Malformed("box cut short")
        (size,) = struct.unpack(">I", data[at : at + 4])
        if size == 1:
            if at + 16 > len(data):
                raise _Malformed("box cut short")
            (size,) = struct.unpack(">Q", data[at + 8 : at + 16])
        elif size == 0:
            return len(data)  # the last box runs to the end of the file
        if size < 8 or at + size > len(data):
            raise _Malformed("box size out of the file")
        if not all(32 <= byte < 127 for byte in data[at + 4 : at + 8]):
            raise _Malformed("not a box type")
        at += size
    return at


def _end_of_picture(data, image_format):
    """Where the picture's container ends; a JPEG may be followed by further JPEGs (the preview
    and depth map a phone appends, MPF), and by zero padding."""
    if image_format == "PNG":
        return _png_end(data)
    if image_format == "GIF":
        return _gif_end(data)
    if image_format == "WEBP":
        return _riff_end(data)
    if image_format == "AVIF":
        return _isobmff_end(data)
    end = _jpeg_end(data)
    while True:
        rest = data[end:].lstrip(b"\x00")
        if not rest.startswith(b"\xff\xd8\xff"):
            return len(data) - len(rest)
        end = _jpeg_end(data, len(data) - len(rest))


# --- Decoding and re-encoding ------------------------------------------------------------------


def decoded_bytes(mode, size):
    """Bytes Pillow holds for an image of `mode` and `size`: one per pixel for bilevel, grey and
    palette images, two for 16-bit grey, four for every other mode (RGB is padded to four)."""
    width, height = size
    if mode in ("1", "L", "P"):
        per_pixel = 1
    elif mode.startswith("I;16"):
        per_pixel = 2
    else:
        per_pixel = 4
    return width * height * per_pixel


def _upright_size(size, orientation):
    width, height = size
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _target_size(size, orientation):
    """The stored (not yet rotated) size whose upright width is at most NEWSROOM_IMAGE_MAX_WIDTH."""
    max_width = settings.NEWSROOM_IMAGE_MAX_WIDTH
    width, height = _upright_size(size, orientation)
    if width <= max_width:
        return size
    upright = (max_width, max(1, round(height * max_width / width)))
    return _upright_size(upright, orientation)


def _to_srgb(pixels, icc_profile):
    """The pixels as sRGB, so that dropping their profile does not shift their colours."""
    try:
        source = ImageCms.ImageCmsProfile(BytesIO(icc_profile))
        if pixels.mode not in ("RGB", "RGBA", "CMYK", "L"):
            pixels = pixels.convert("RGBA" if pixels.has_transparency_data else "RGB")
        output_mode = "RGBA" if pixels.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(pixels, source, SRGB, outputMode=output_mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return pixels  # an unreadable profile: keep the pixels as they are, drop it anyway


def _for_format(pixels, image_format):
    """Pixels in a mode `image_format` stores, keeping transparency where it has any."""
    if image_format == "JPEG":
        if pixels.mode == "CMYK":
            return pixels.convert("RGB")
        return pixels if pixels.mode in ("RGB", "L") else pixels.convert("RGB")
    if image_format == "GIF":
        return (
            pixels
            if pixels.mode in ("P", "L")
            else pixels.convert("RGBA" if pixels.has_transparency_data else "RGB")
        )
    if pixels.mode in ("RGB", "RGBA", "L", "LA") or (image_format == "PNG" and pixels.mode == "P"):
        return pixels
    return pixels.convert("RGBA" if pixels.has_transparency_data else "RGB")


def encode(pixels, image_format):
    """The pixels in `image_format`, and nothing else: Pillow writes back what `info` holds (a
    JPEG comment, EXIF with GPS and camera serials, XMP, the ICC profile and its description,
    PNG text chunks), so `info` is emptied first; only transparency is picture."""
    pixels = _for_format(pixels, image_format)
    transparency = pixels.info.get("transparency")
    pixels.info = {} if transparency is None else {"transparency": transparency}
    output = BytesIO()
    pixels.save(output, image_format, **ENCODER_OPTIONS[image_format])
    return output.getvalue()


def check_upload(upload):
    """The uploaded file as a `CheckedImage`, or a ValidationError saying what is wrong with it.

    Nothing is written: the caller stores what this returns.
    """
    max_bytes = settings.NEWSROOM_IMAGE_MAX_BYTES
    if upload.size is not None and upload.size > max_bytes:
        _refuse(
            _("This file is too large (%(size)s MB): at most %(max)s MB."),
            "file_too_large",
            size=round(upload.size / 1e6, 1),
            max=round(max_bytes / 1e6),
        )
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        _refuse(
            _("This file is too large: at most %(max)s MB."),
            "file_too_large",
            max=round(max_bytes / 1e6),
        )
    if _SVG.match(data[:4096]):
        _refuse(
            _(
                "SVG files are not accepted: they can carry scripts. Export the drawing as "
                "PNG and upload that."
            ),
            "svg",
        )
    damaged = ValidationError(
        _("This image is damaged or incomplete: save it again and upload the copy."),
        code="damaged",
    )
    not_an_image = ValidationError(
        _("This file is not an image we accept (%(formats)s)."),
        code="not_an_image",
        params={"formats": accepted_names()},
    )
    try:
        with warnings.catch_warnings():
            # Pillow warns past ~89 megapixels; our own, lower cap refuses them just below.
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            image = PILImage.open(BytesIO(data), formats=list(FORMATS))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error) as error:
        # Starts as one of our formats, yet cannot be opened: cut short or corrupt.
        raise (damaged if _SIGNATURE.match(data) else not_an_image) from error
    except PILImage.DecompressionBombError as error:
        raise _too_many_pixels(None) from error
    with image:
        try:
            return _check_and_reencode(image, data)
        except ValidationError:
            raise
        except PILImage.DecompressionBombError as error:
            raise _too_many_pixels(None) from error
        except (OSError, SyntaxError, ValueError, struct.error, IndexError, EOFError) as error:
            raise damaged from error


def _too_many_pixels(pixels):
    cap = settings.NEWSROOM_IMAGE_MAX_PIXELS
    return ValidationError(
        _(
            "This image has too many pixels (%(pixels)s megapixels): at most %(max)s. "
            "Upload a smaller version."
        ),
        code="too_many_pixels",
        params={
            "pixels": "?" if pixels is None else round(pixels / 1e6, 1),
            "max": round(cap / 1e6),
        },
    )


def _check_and_reencode(image, data):
    # A phone's JPEG with its preview and depth map appended (MPF) opens as "MPO": the first
    # frame is the photo.
    image_format = "JPEG" if image.format == "MPO" else image.format
    width, height = image.size
    # The header alone says how big the picture is: checked before a pixel is decoded. (Pillow's
    # own bomb check only warns between ~89 and ~179 megapixels.)
    if width * height > settings.NEWSROOM_IMAGE_MAX_PIXELS:
        raise _too_many_pixels(width * height)
    if image_format != "JPEG" and getattr(image, "n_frames", 1) > 1:
        _refuse(
            _("Animated images are not accepted: upload a still image."),
            "animated",
        )
    try:
        end = _end_of_picture(data, image_format)
    except (_Malformed, IndexError, struct.error) as error:
        raise ValidationError(
            _("This image is damaged or incomplete: save it again and upload the copy."),
            code="damaged",
        ) from error
    if end != len(data):
        # A polyglot: a picture with a page or an archive after it, which a browser or another
        # program may read as such. The picture itself would be fine; the file is not.
        _refuse(
            _(
                "This file holds something else after the image (%(extra)s bytes): it is "
                "refused. Save the image again and upload the copy."
            ),
            "trailing_data",
            extra=len(data) - end,
        )
    orientation = 1
    if image_format == "JPEG":
        # A JPEG's EXIF is in its header. libjpeg decodes at 1/2, 1/4 or 1/8 scale, still at
        # least the target size, and still reads every byte of the scan.
        orientation = image.getexif().get(EXIF_ORIENTATION, 1)
        image.draft(None, _target_size(image.size, orientation))
    needed = decoded_bytes(image.mode, image.size) * DECODING_COPIES.get(image_format, 1)
    if needed > MAX_DECODED_BYTES:
        _refuse(
            _(
                "This image is too large to process: %(needed)s MiB once decoded, at most "
                "%(budget)s MiB. Upload a smaller version."
            ),
            "too_large_to_decode",
            needed=round(needed / 2**20),
            budget=MAX_DECODED_BYTES // 2**20,
        )
    image.load()  # decodes the whole picture: a truncated or corrupt file fails here
    if image_format != "JPEG":
        # A PNG's eXIf chunk may follow the pixels: it is read once they are decoded.
        orientation = image.getexif().get(EXIF_ORIENTATION, 1)
    pixels = image
    target = _target_size(image.size, orientation)
    if target != image.size:
        # Resized before rotating: the rotation then copies the small image, not the large one.
        pixels = pixels.resize(target, PILImage.Resampling.LANCZOS, reducing_gap=3.0)
    if orientation in ORIENTATION_FIXES:
        pixels = pixels.transpose(ORIENTATION_FIXES[orientation])
    if icc_profile := image.info.get("icc_profile"):
        pixels = _to_srgb(pixels, icc_profile)
    content = encode(pixels, image_format)
    return CheckedImage(content, image_format, *pixels.size)


# --- Storage ------------------------------------------------------------------------------------


def _storage_name(stem, extension):
    return f"images/{stem}.{extension}"


def store_image(checked, *, by=None, **fields):
    """Write the checked image through the storage API and its row, and queue its renditions.

    If the row cannot be written, the file is removed: a refused upload leaves nothing behind.
    """
    from articles import tasks  # tasks.py runs this module's make_renditions

    name = default_storage.save(
        _storage_name(uuid.uuid4().hex, checked.extension), ContentFile(checked.content)
    )
    try:
        with transaction.atomic():
            image = Image(
                file=name,
                format=checked.format,
                width=checked.width,
                height=checked.height,
                uploaded_by=by,
                **fields,
            )
            image.save()
            # The database queue stores the task in this transaction: no image without it.
            tasks.make_renditions.enqueue(image.pk)
    except BaseException:
        default_storage.delete(name)
        raise
    return image


def delete_files(names):
    """Remove stored files once the rows that named them are gone for good."""

    def remove():
        for name in names:
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("Could not delete %s from storage", name)

    transaction.on_commit(remove)


def delete_image(image):
    names = [image.file.name, *image.renditions.values_list("file", flat=True)]
    freshness.image_changed(image)
    image.delete()
    delete_files(names)


# --- Renditions ---------------------------------------------------------------------------------


# The aspect ratios search engines ask a story's picture in (Google: 16x9, 4x3 and 1x1, each at
# least 50,000 pixels), cut from the centre, at most this wide, in the original's format.
CROPS = {"16x9": (16, 9), "4x3": (4, 3), "1x1": (1, 1)}
CROP_WIDTH = 1200


def centre_box(width, height, ratio_w, ratio_h):
    """The largest box of that ratio in the middle of a width × height picture."""
    if width * ratio_h > height * ratio_w:  # wider than the ratio: cut the sides
        cut = round(height * ratio_w / ratio_h)
        left = (width - cut) // 2
        return (left, 0, left + cut, height)
    cut = round(width * ratio_h / ratio_w)
    top = (height - cut) // 2
    return (0, top, width, top + cut)


def rendition_widths(width):
    """The widths an image of `width` pixels gets: the configured ones up to its own, and its
    own when it is narrower than the largest (never upscaled)."""
    widths = [w for w in settings.NEWSROOM_IMAGE_WIDTHS if w <= width]
    if width < max(settings.NEWSROOM_IMAGE_WIDTHS):
        widths.append(width)
    return sorted(set(widths))


def make_renditions(image_id):
    """Every width of the image in AVIF, WebP and its own format, made once: a second run, or
    a run racing another, writes no second set. Returns how many renditions it made."""
    image = Image.objects.filter(pk=image_id).first()
    if image is None or image.renditions.exists():
        return 0
    with image.file.open("rb") as stored:
        data = stored.read()
    with PILImage.open(BytesIO(data), formats=[image.format]) as source:
        if source.width * source.height > settings.NEWSROOM_IMAGE_MAX_PIXELS:
            raise ValueError("stored image over the pixel cap")
        source.load()
        pixels = source.copy()
    stem = image.file.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    made = []
    try:
        # Largest first, each width resized from the one above it: sharp, and cheaper than
        # resizing the full image every time.
        current = pixels
        for width in reversed(rendition_widths(image.width)):
            height = max(1, round(image.height * width / image.width))
            if current.width != width:
                current = current.resize(
                    (width, height), PILImage.Resampling.LANCZOS, reducing_gap=3.0
                )
            for image_format in _rendition_formats(image):
                if image_format == image.format and width == image.width:
                    continue  # the original itself
                extension = FORMATS[image_format][1]
                name = default_storage.save(
                    _storage_name(f"{stem}-{width}w", extension),
                    ContentFile(encode(current, image_format)),
                )
                made.append(
                    ImageRendition(
                        image=image, format=image_format, width=width, height=height, file=name
                    )
                )
        for crop, (ratio_w, ratio_h) in CROPS.items():
            cropped = pixels.crop(centre_box(pixels.width, pixels.height, ratio_w, ratio_h))
            width = min(CROP_WIDTH, cropped.width)
            height = max(1, round(cropped.height * width / cropped.width))
            if cropped.width != width:
                cropped = cropped.resize(
                    (width, height), PILImage.Resampling.LANCZOS, reducing_gap=3.0
                )
            name = default_storage.save(
                _storage_name(f"{stem}-{crop}", FORMATS[image.format][1]),
                ContentFile(encode(cropped, image.format)),
            )
            made.append(
                ImageRendition(
                    image=image,
                    format=image.format,
                    width=width,
                    height=height,
                    crop=crop,
                    file=name,
                )
            )
        with transaction.atomic():
            locked = Image.objects.select_for_update().filter(pk=image.pk).first()
            if locked is None or locked.renditions.exists():
                raise _AlreadyMade
            ImageRendition.objects.bulk_create(made)
            locked.save(update_fields=["updated_at"])
            freshness.image_changed(locked)  # pages showing it render anew
    except BaseException as error:
        for rendition in made:
            default_storage.delete(rendition.file.name)
        if isinstance(error, _AlreadyMade):
            return 0
        raise
    return len(made)


class _AlreadyMade(Exception):
    pass


def _rendition_formats(image):
    return [f for f in RENDITION_FORMATS if f in FORMATS] + (
        [image.format] if image.format not in RENDITION_FORMATS else []
    )


# --- What readers get ---------------------------------------------------------------------------


def _srcset(entries):
    return ", ".join(f"{url} {width}w" for url, width in entries)


def picture(image, *, alt=None, featured=False, sizes=COLUMN_SIZES):
    """The `<picture>` of `image` for a page: AVIF and WebP sources and a fallback in its own
    format, each at every width made; until the renditions exist, the original alone.

    Uses `image.renditions.all()`: prefetch it (see `images_in`) for lists.
    """
    by_format = {}
    for rendition in image.renditions.all():
        if rendition.crop:
            continue  # cut for search engines, never shown
        by_format.setdefault(rendition.format, []).append((rendition.file.url, rendition.width))
    original = (image.file.url, image.width)
    fallback_format = image.format
    if image.format == "AVIF" and "WEBP" in by_format:
        fallback_format = "WEBP"  # a browser without AVIF gets the WebP
    fallback = sorted(by_format.get(fallback_format, []), key=lambda entry: entry[1])
    if fallback_format == image.format:
        fallback.append(original)
    src = fallback[-1][0] if fallback else original[0]
    sources = []
    for image_format in RENDITION_FORMATS:
        if image_format == fallback_format or image_format not in by_format:
            continue
        entries = sorted(by_format[image_format], key=lambda entry: entry[1])
        if image_format == image.format:
            entries.append(original)
        sources.append((FORMATS[image_format][0], _srcset(entries)))
    return Picture(
        src=src,
        srcset=_srcset(fallback) if len(fallback) > 1 else "",
        sizes=sizes,
        sources=tuple(sources),
        width=image.width,
        height=image.height,
        alt=image.alt_text if alt is None else alt,
        caption=image.caption,
        credit=image.credit,
        disclosure=image.disclosure,
        featured=featured,
    )


def name_from_url(url):
    """The storage name an uploaded file's URL stands for, or None for any other address."""
    prefix = default_storage.url("")
    if not url.startswith(prefix):
        return None
    name = url[len(prefix) :]
    return name if name.startswith("images/") and "/" not in name[len("images/") :] else None


def crops(image):
    """The image's centre crops (16x9, 4x3, 1x1) once made, for its structured data."""
    return sorted(
        (rendition for rendition in image.renditions.all() if rendition.crop),
        key=lambda rendition: list(CROPS).index(rendition.crop),
    )


def images_in(*html_texts):
    """The uploaded images the sanitised `html_texts` show, by their URL: one query for the
    images and one for their renditions, whatever their number (none without images)."""
    names = {}
    for text in html_texts:
        for url in image_sources(text):
            if (name := name_from_url(url)) is not None:
                names[name] = url
    if not names:
        return {}
    found = Image.objects.filter(file__in=list(names)).prefetch_related("renditions")
    return {names[image.file.name]: image for image in found}


def marker(images):
    """What the page shows of these images, for its cache key: which, and when last changed."""
    shown = [image for image in images if image is not None]
    return ",".join(
        f"{image.pk}@{image.updated_at.timestamp()}" for image in sorted(shown, key=lambda i: i.pk)
    )
