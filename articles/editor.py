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
from django.http import HttpResponseForbidden
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from markdownx.forms import ImageForm
from markdownx.settings import MARKDOWNX_IMAGE_MAX_SIZE
from markdownx.views import ImageUploadView, MarkdownifyView
from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow's name for each accepted format: its MIME type and the extension it is stored under.
UPLOAD_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
# Enough for any camera; a larger picture is a mistake or an attack on the server's memory.
MAX_PIXELS = 50_000_000


class CheckedImageForm(ImageForm):
    """markdownx's upload form, deciding from the file's content what it is and how it is named.

    The image is decoded by Pillow restricted to JPEG, PNG and WebP, its pixel count is capped,
    and it is stored re-encoded (upright, at most the configured width): metadata such as a
    camera's GPS position is not copied.
    """

    def clean(self):
        upload = super().clean()
        try:
            # Opening reads only the header; the pixel count is checked before decoding.
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
                image.load()  # a truncated or corrupt file fails here, not when saving
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

    @staticmethod
    def _process_raster(image, extension):
        image.seek(0)
        max_width = MARKDOWNX_IMAGE_MAX_SIZE.get("size", (0, 0))[0]
        with Image.open(image, formats=[extension]) as opened:
            # Phones store the camera's orientation as metadata; apply it before dropping it.
            upright = ImageOps.exif_transpose(opened)
            if max_width and upright.width > max_width:
                height = max(1, round(upright.height * max_width / upright.width))
                upright = upright.resize((max_width, height), Image.Resampling.LANCZOS)
            output = BytesIO()
            options = (
                {"quality": MARKDOWNX_IMAGE_MAX_SIZE["quality"]}
                if (extension in ("JPEG", "WEBP") and MARKDOWNX_IMAGE_MAX_SIZE.get("quality"))
                else {}
            )
            upright.save(output, extension, **options)
        output.seek(0, SEEK_END)
        return output


class CheckedImageUploadView(ImageUploadView):
    form_class = CheckedImageForm


def staff_only(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return HttpResponseForbidden("Staff only.")
        return view(request, *args, **kwargs)

    return wrapped


markdownify = require_POST(staff_only(MarkdownifyView.as_view()))
upload = require_POST(staff_only(CheckedImageUploadView.as_view()))
