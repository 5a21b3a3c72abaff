from django.urls import path

from articles import desk, feeds, views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("sections/<slug:slug>/", views.section_detail, name="section"),
    path("authors/<slug:slug>/", views.author_detail, name="author"),
    path("sources/<slug:slug>/", views.source_detail, name="source"),
    path("stories/<slug:slug>/", views.story_detail, name="story"),
    path("stories/<slug:slug>/updates/", views.update_changes, name="update_changes"),
    path("stories/<slug:slug>/updates/<int:pk>/", views.update_detail, name="update"),
    path("stories/<slug:slug>/sources/<int:pk>/", views.citation_archive, name="citation_archive"),
    path("preview/stories/<int:pk>/", views.story_preview, name="story_preview"),
    path("feeds/stories/<slug:slug>/updates/", feeds.LiveUpdatesFeed(), name="update_feed"),
    path("desk/", desk.index, name="desk"),
    path("desk/stories/<int:pk>/", desk.story_desk, name="desk_story"),
    path("desk/stories/<int:pk>/coverage/", desk.coverage, name="desk_coverage"),
    path("desk/stories/<int:pk>/changes/", desk.changes, name="desk_changes"),
    path("desk/updates/<int:pk>/edit/", desk.edit_update, name="desk_edit"),
    path("desk/updates/<int:pk>/action/", desk.update_action, name="desk_action"),
]
