from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

from articles import editor
from articles.api import api
from newsroom import media

urlpatterns = [
    path("admin/", admin.site.urls),
    # Staff choose the admin's language (a cookie the staff pages negotiate with).
    path("i18n/", include("django.conf.urls.i18n")),
    # markdownx's own views answer anyone; these are the same URLs behind staff permissions.
    path("markdownx/markdownify/", editor.markdownify, name="markdownx_markdownify"),
    path("markdownx/upload/", editor.upload, name="markdownx_upload"),
    path("api/v1/", api.urls),
    path("", include("articles.urls")),
]

if settings.NEWSROOM_SERVE_MEDIA:
    # Uploaded pictures, with or without DEBUG: on one machine nothing else serves them.
    urlpatterns += [
        path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media.serve_image, name="media")
    ]

if settings.NEWSROOM_BENCH_HELLO:
    # `make bench`'s ceiling: what the same server, middleware and all, costs to say hello.
    urlpatterns += [path("_bench/hello/", lambda request: HttpResponse("Hello, world"))]
