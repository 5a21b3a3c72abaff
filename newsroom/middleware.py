"""Project middleware: security headers Django does not set, the media host kept to media, a
503 while the database is unreachable, and the language of each page."""

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseNotFound, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger("newsroom.database")


def permissions_policy(features):
    """{"camera": [], "web-share": ["self"]} → 'camera=(), web-share=(self)'."""
    return ", ".join(f"{name}=({' '.join(allowed)})" for name, allowed in features.items())


def media_location():
    """(host or None, path prefix) of MEDIA_URL: a host when uploads have an origin of their own."""
    parts = urlsplit(settings.MEDIA_URL)
    path = parts.path if parts.path.startswith("/") else "/" + parts.path
    return (parts.netloc.lower() or None), path


class SecurityHeadersMiddleware:
    """Permissions-Policy (NEWSROOM_PERMISSIONS_POLICY) and Cross-Origin-Resource-Policy on every
    answer. With uploads on an origin of their own (NEWSROOM_MEDIA_URL on another host), that
    host answers nothing but the media and the site's own host no media: an uploaded file that
    turned out to be HTML or script never runs on the site's origin, with its cookies."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy(settings.NEWSROOM_PERMISSIONS_POLICY)
        self.media_host, self.media_path = media_location()

    def __call__(self, request):
        if self.media_host:
            on_media_host = request.get_host().lower() == self.media_host
            if on_media_host != request.path_info.startswith(self.media_path):
                return HttpResponseNotFound(b"", content_type="text/plain")
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.header)
        # Pages and the poll are for this site's own pages; pictures (newsroom/media.py) say
        # cross-origin themselves, for the media host and for cards shown elsewhere.
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


# A database restart or failover takes seconds to a minute; 30 s keeps well-behaved clients
# (crawlers, the poll's back-off, CDNs) from piling on while it comes back.
RETRY_AFTER_SECONDS = 30


class DatabaseUnavailableMiddleware:
    """Turns OperationalError and InterfaceError raised by a view (pages, the poll, the feeds,
    the admin) into 503 with Retry-After. Nothing to undo afterwards: Django drops a connection
    that failed at the end of the request and its health checks reconnect on the next one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.error(
            "Database unavailable on %s %s: %s: %s",
            request.method,
            request.path,
            type(exception).__name__,
            str(exception).strip(),
        )
        if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
            response = JsonResponse(
                {"error": _("The newsroom's database is briefly unavailable. Try again soon.")},
                status=503,
            )
        else:
            response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        # Not for a CDN to keep: the page is back as soon as the database is.
        response["Cache-Control"] = "no-store"
        return response


# Where staff work: the admin, the desk, the editor's endpoints and previews follow the
# language each person's browser asks for. Everything else is a public page.
STAFF_PATHS = ("/admin/", "/desk/", "/markdownx/", "/preview/")


class NewsroomLocaleMiddleware(LocaleMiddleware):
    """Public pages are in the newsroom's language whatever the browser prefers, so they do not
    vary on Accept-Language and one cached copy serves every reader (a story's page switches to
    the story's language itself). Staff pages negotiate as Django's LocaleMiddleware does."""

    @staticmethod
    def _is_staff_path(request):
        return request.path_info.startswith(STAFF_PATHS)

    def process_request(self, request):
        if self._is_staff_path(request):
            return super().process_request(request)
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
        return None

    def process_response(self, request, response):
        if self._is_staff_path(request):
            return super().process_response(request, response)
        # What the page was written in: a story's page sets its story's language itself.
        response.setdefault("Content-Language", settings.LANGUAGE_CODE)
        return response
