"""The editor's endpoints: markdownx's preview and upload, for staff only.

As shipped, markdownx's views answer anyone; a preview endpoint open to the world is a free
Markdown renderer, and an open upload endpoint is free file hosting. Both answer 403 to anyone
who is not active staff (and, to upload, may not add images), before any work is done.

markdownx's upload form also trusts what the browser says: the declared type decides the
checks and the uploaded name decides the stored extension ("photo.html" stays ".html"), and a
file Pillow cannot read, or a decompression bomb, ends in a server error. Uploads here go through
the checks of `articles/images.py`, which trust the bytes instead, and become `Image` rows.
"""

from functools import wraps

from django import forms
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.views.decorators.http import require_POST

from articles import images, permissions
from articles.forms import CheckedImageField
from articles.rendering import render_markdown


class ImageUploadForm(forms.Form):
    image = CheckedImageField(check_declared_type=True)


def preview_pictures(text):
    """The pictures a Markdown text shows, so the preview is the page readers will get."""
    return {
        url: images.picture(image) for url, image in images.images_in(render_markdown(text)).items()
    }


def staff_only(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return HttpResponseForbidden("Staff only.")
        return view(request, *args, **kwargs)

    return wrapped


@require_POST
@staff_only
def markdownify(request):
    if "content" not in request.POST:
        # Stock markdownx reads request.POST["content"]: a KeyError, so a 500.
        return HttpResponseBadRequest("The preview needs the Markdown in 'content'.")
    text = request.POST["content"]
    return HttpResponse(render_markdown(text, pictures=preview_pictures(text)))


@require_POST
@staff_only
def upload(request):
    """An image dropped into the editor: checked, stored as an `Image` (to be described in the
    Image admin), its renditions queued; markdownx inserts the Markdown answered. Always JSON,
    as markdownx's editor expects."""
    if not permissions.can_upload_image(request.user):
        return HttpResponseForbidden("You may not upload images.")
    form = ImageUploadForm(files=request.FILES)
    if not form.is_valid():
        return JsonResponse(form.errors, status=400)
    image = images.store_image(form.cleaned_data["image"], by=request.user)
    # The alt text goes between the brackets: a story's form refuses an image without one.
    return JsonResponse({"image_code": f"![]({image.file.url})"})
