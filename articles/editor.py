"""The editor's endpoints: markdownx's preview and upload, for staff only.

As shipped, markdownx's views answer anyone; a preview endpoint open to the world is a free
Markdown renderer, and an open upload endpoint is free file hosting. Both answer 403 to anyone
who is not active staff, before any work is done.
"""

from functools import wraps

from django.http import HttpResponseForbidden
from django.views.decorators.http import require_POST
from markdownx.views import ImageUploadView, MarkdownifyView


def staff_only(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return HttpResponseForbidden("Staff only.")
        return view(request, *args, **kwargs)

    return wrapped


markdownify = require_POST(staff_only(MarkdownifyView.as_view()))
upload = require_POST(staff_only(ImageUploadView.as_view()))
