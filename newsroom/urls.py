from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

from articles import editor
from articles.api import api
from newsroom import media, security
from newsroom.middleware import media_location

urlpatterns = [
    path("admin/", admin.site.urls),
    # Staff choose the admin's language (a cookie the staff pages negotiate with).
    path("i18n/", include("django.conf.urls.i18n")),
    # markdownx's own views answer anyone; these are the same URLs behind staff permissions.
    path("markdownx/markdownify/", editor.markdownify, name="markdownx_markdownify"),
    path("markdownx/upload/", editor.upload, name="markdownx_upload"),
    path("api/v1/", api.urls),
    # Where browsers report what the Content-Security-Policy blocked (settings.SECURE_CSP).
    path("csp-report/", security.csp_report, name="csp_report"),
    path("", include("articles.urls")),
]

if settings.NEWSROOM_SERVE_MEDIA:
    # Uploaded pictures, with or without DEBUG: on one machine nothing else serves them.
    # MEDIA_URL's path, whether the media share the site's host or have one of their own
    # (newsroom/middleware.py keeps each host to its part).
    urlpatterns += [
        path(f"{media_location()[1].strip('/')}/<path:path>", media.serve_image, name="media")
    ]

if settings.NEWSROOM_BENCH_HELLO:
    # `make bench`'s ceiling: what the same server, middleware and all, costs to say hello.
    urlpatterns += [path("_bench/hello/", lambda request: HttpResponse("Hello, world"))]
