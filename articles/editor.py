"""The editor's endpoints: markdownx's preview and upload, for staff only.

As shipped, markdownx's views answer anyone; a preview endpoint open to the world is a free
Markdown renderer, and an open upload endpoint is free file hosting. Both answer 403 to anyone
who is not active staff, before any work is done.

markdownx's upload form also trusts what the browser says: the declared type decides the
checks and the uploaded name decides the stored extension ("photo.html" stays ".html"), and a
file Pillow cannot read, or a decompression bomb, ends in a server error. Uploads here go through
`CheckedImageForm`, which trusts the bytes instead.
"""

from functools import wraps
from io import BytesIO
from os import SEEK_END

from django import forms
from django.http import HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from markdownx.forms import ImageForm
from markdownx.settings import MARKDOWNX_IMAGE_MAX_SIZE
from markdownx.views import ImageUploadView, MarkdownifyView
from PIL import Image, ImageCms, UnidentifiedImageError

# Pillow's name for each accepted format: its MIME type and the extension it is stored under.
UPLOAD_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
# Enough for any camera; a larger picture is a mistake or an attack on the server's memory.
MAX_PIXELS = 50_000_000
# What decoding may cost, whatever the file weighs: a 7,071 x 7,071 PNG is 190 KB on disk and
# under MAX_PIXELS, yet decodes to 7,071² x 4 B = 191 MiB, and processing it peaked at 471 MiB
# per worker. 160 MiB admits any PNG or WebP up to 41.9 megapixels of colour (x 4 B) and a
# 40-megapixel photo in full (153 MiB); a JPEG is decoded at a reduced scale anyway (draft),
# a 40-megapixel one at half size, 38 MiB.
MAX_DECODED_BYTES = 160 * 1024 * 1024
# Pillow decodes a WebP through libwebp's own frame buffer, then a bytes copy of it, then the
# image: three copies (measured: 144 MiB to decode a 12-megapixel WebP of 46 MiB), so a WebP
# may have at most 160 MiB / 3 / 4 B = 14 megapixels.
DECODING_COPIES = {"WEBP": 3}
EXIF_ORIENTATION = 0x0112
# What each EXIF orientation asks for to display upright (as ImageOps.exif_transpose applies).
ORIENTATION_FIXES = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
SRGB = ImageCms.createProfile("sRGB")


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
    """The stored (not yet rotated) size whose upright width is at most the configured one."""
    max_width = MARKDOWNX_IMAGE_MAX_SIZE.get("size", (0, 0))[0]
    width, height = _upright_size(size, orientation)
    if not max_width or width <= max_width:
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


def reencode(image, image_format, orientation):
    """The decoded `image` upright, at most the configured width, in sRGB, with no metadata."""
    pixels = image
    target = _target_size(image.size, orientation)
    if target != image.size:
        # Resized before rotating: the rotation then copies the small image, not the large one.
        pixels = image.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if orientation in ORIENTATION_FIXES:
        pixels = pixels.transpose(ORIENTATION_FIXES[orientation])
    if icc_profile := image.info.get("icc_profile"):
        pixels = _to_srgb(pixels, icc_profile)
    if image_format == "JPEG" and pixels.mode not in ("RGB", "L", "CMYK"):
        pixels = pixels.convert("RGB")
    # Pillow writes back what `info` holds: a JPEG comment, EXIF (GPS, camera serials), XMP,
    # the ICC profile and its description, PNG text chunks. Only transparency is picture.
    transparency = pixels.info.get("transparency")
    pixels.info = {} if transparency is None else {"transparency": transparency}
    options = (
        {"quality": MARKDOWNX_IMAGE_MAX_SIZE["quality"]}
        if (image_format in ("JPEG", "WEBP") and MARKDOWNX_IMAGE_MAX_SIZE.get("quality"))
        else {}
    )
    output = BytesIO()
    pixels.save(output, image_format, **options)
    output.seek(0, SEEK_END)
    return output


class CheckedImageForm(ImageForm):
    """markdownx's upload form, deciding from the file's content what it is and how it is named.

    The image is decoded once, by Pillow restricted to JPEG, PNG and WebP, after its pixel count
    and its decoded size are checked; it is stored re-encoded (upright, at most the configured
    width, in sRGB) with no metadata: no camera GPS position, comment or profile text.
    """

    def clean(self):
        upload = super().clean()
        try:
            # Opening reads only the header: size and mode are checked before decoding.
            # (MAX_PIXELS is below Pillow's own bomb limit, which raises beyond twice its value.)
            with Image.open(upload, formats=list(UPLOAD_FORMATS)) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise forms.ValidationError(
                        _("This image is too large (%(pixels)s pixels)."),
                        code="too_many_pixels",
                        params={"pixels": width * height},
                    )
                image_format = image.format
                if image_format == "JPEG":
                    # A JPEG's EXIF is in its header. libjpeg decodes at 1/2, 1/4 or 1/8
                    # scale, still at least the target size.
                    orientation = image.getexif().get(EXIF_ORIENTATION, 1)
                    image.draft(None, _target_size(image.size, orientation))
                copies = DECODING_COPIES.get(image_format, 1)
                needed = decoded_bytes(image.mode, image.size) * copies
                if needed > MAX_DECODED_BYTES:
                    raise forms.ValidationError(
                        _(
                            "This image is too large to process: %(needed)s MiB once decoded, "
                            "at most %(budget)s MiB. Upload a smaller version."
                        ),
                        code="too_large_to_decode",
                        params={
                            "needed": round(needed / 2**20),
                            "budget": MAX_DECODED_BYTES // 2**20,
                        },
                    )
                image.load()  # a truncated or corrupt file fails here, not when saving
                if image_format != "JPEG":
                    # A PNG's eXIf chunk may follow the pixels: Pillow decodes to find it.
                    orientation = image.getexif().get(EXIF_ORIENTATION, 1)
                self._reencoded = reencode(image, image_format, orientation)
        except (
            UnidentifiedImageError,
            Image.DecompressionBombError,
            OSError,
            SyntaxError,
            ValueError,
        ) as error:
            raise forms.ValidationError(
                _("This file is not a JPEG, PNG or WebP image."), code="not_an_image"
            ) from error
        upload.seek(0)
        content_type, extension = UPLOAD_FORMATS[image_format]
        # ImageForm.save() takes the encoder from the type and the extension from the name.
        upload.content_type = content_type
        upload.name = f"image.{extension}"
        return upload

    def _process_raster(self, image, extension):
        # ImageForm.save() asks for the processed file: it was made in clean(), decoding once.
        return self._reencoded


class CheckedImageUploadView(ImageUploadView):
    """Always JSON, as markdownx's editor expects: without the X-Requested-With header, stock
    markdownx renders a template it has none of (500) or redirects without saving."""

    form_class = CheckedImageForm

    def form_invalid(self, form):
        return JsonResponse(form.errors, status=400)

    def form_valid(self, form):
        return JsonResponse({"image_code": f"![]({form.save(commit=True)})"})


class CheckedMarkdownifyView(MarkdownifyView):
    def post(self, request, *args, **kwargs):
        if "content" not in request.POST:
            # Stock markdownx reads request.POST["content"]: a KeyError, so a 500.
            return HttpResponseBadRequest("The preview needs the Markdown in 'content'.")
        return super().post(request, *args, **kwargs)


def staff_only(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return HttpResponseForbidden("Staff only.")
        return view(request, *args, **kwargs)

    return wrapped


markdownify = require_POST(staff_only(CheckedMarkdownifyView.as_view()))
upload = require_POST(staff_only(CheckedImageUploadView.as_view()))
