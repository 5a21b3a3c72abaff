"""Uploaded images, served by the application on a single machine (NEWSROOM_SERVE_MEDIA).

Only pictures: articles/images.py stores JPEG, PNG, WebP, GIF and AVIF files re-encoded by
Pillow (originals and renditions), and nothing else under MEDIA_ROOT is meant for readers. A
file with any other extension (an .html or .svg that reached the folder some other way would run
script on our origin) answers 404, like a path that leaves MEDIA_ROOT. Behind nginx or with
S3-compatible storage, turn this off (README).
"""

from pathlib import Path, PurePosixPath

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponseNotModified
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django.views.static import was_modified_since

# Extension → Content-Type, decided here rather than by the system's mime.types.
IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".gif": "image/gif",
}
# Upload names are unique (markdownx names each file with a fresh UUID) and a file is never
# rewritten in place: a year, the most RFC 9111 caches keep, and immutable.
CACHE_CONTROL = "public, max-age=31536000, immutable"
FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Opened on its own, a picture needs nothing: no script, no style, no frame.
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; sandbox",
    "Cache-Control": CACHE_CONTROL,
    # Shown by the site's pages from the media host, and by other sites' cards (Open Graph).
    "Cross-Origin-Resource-Policy": "cross-origin",
}


def _image_file(path):
    """The file under MEDIA_ROOT that `path` names, if it is a picture, or 404."""
    if IMAGE_TYPES.get(PurePosixPath(path).suffix.lower()) is None:
        raise Http404("Not an image.")
    root = Path(settings.MEDIA_ROOT).resolve()
    try:
        # resolve() follows "..", and symlinks too: a link out of MEDIA_ROOT is refused below.
        found = (root / path).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        raise Http404("No such file.") from None
    if not found.is_relative_to(root) or not found.is_file():
        raise Http404("No such file.")
    content_type = IMAGE_TYPES.get(found.suffix.lower())
    if content_type is None:  # a link named .png to something else
        raise Http404("Not an image.")
    return found, content_type


@require_safe
def serve_image(request, path):
    found, content_type = _image_file(path)
    stat = found.stat()
    if not was_modified_since(request.META.get("HTTP_IF_MODIFIED_SINCE"), stat.st_mtime):
        response = HttpResponseNotModified()
    else:
        response = FileResponse(found.open("rb"), content_type=content_type)
        response["Content-Length"] = str(stat.st_size)
    response["Last-Modified"] = http_date(stat.st_mtime)
    for header, value in FILE_HEADERS.items():
        response[header] = value
    return response
