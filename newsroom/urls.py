from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from articles import editor

urlpatterns = [
    path("admin/", admin.site.urls),
    # markdownx's own views answer anyone; these are the same URLs behind staff permissions.
    path("markdownx/markdownify/", editor.markdownify, name="markdownx_markdownify"),
    path("markdownx/upload/", editor.upload, name="markdownx_upload"),
    path("", include("articles.urls")),
]

if settings.DEBUG:
    urlpatterns += [path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]
