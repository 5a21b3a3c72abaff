from django.urls import path

from articles import desk, feeds, sitemaps, views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("sections/<slug:slug>/", views.section_detail, name="section"),
    path("authors/<slug:slug>/", views.author_detail, name="author"),
    path("sources/<slug:slug>/", views.source_detail, name="source"),
    path("search/", views.search_page, name="search"),
    path("stories/<slug:slug>/", views.story_detail, name="story"),
    path("stories/<slug:slug>/updates/", views.update_changes, name="update_changes"),
    path("stories/<slug:slug>/updates/<int:pk>/", views.update_detail, name="update"),
    path("stories/<slug:slug>/sources/<int:pk>/", views.citation_archive, name="citation_archive"),
    path("preview/stories/<int:pk>/", views.story_preview, name="story_preview"),
    path("preview/shared/<str:token>/", views.shared_preview, name="shared_preview"),
    path("feeds/rss/", feeds.SiteRssFeed(), name="site_rss"),
    path("feeds/atom/", feeds.SiteAtomFeed(), name="site_atom"),
    path("feeds/sections/<slug:slug>/rss/", feeds.SectionRssFeed(), name="section_rss"),
    path("feeds/sections/<slug:slug>/atom/", feeds.SectionAtomFeed(), name="section_atom"),
    path("feeds/authors/<slug:slug>/rss/", feeds.AuthorRssFeed(), name="author_rss"),
    path("feeds/authors/<slug:slug>/atom/", feeds.AuthorAtomFeed(), name="author_atom"),
    path("feeds/stories/<slug:slug>/updates/", feeds.LiveUpdatesFeed(), name="update_feed"),
    path("feeds/stories/<slug:slug>/updates/rss/", feeds.LiveUpdatesRssFeed(), name="update_rss"),
    path("sitemap.xml", sitemaps.sitemap, name="sitemap"),
    path("sitemap-news.xml", sitemaps.news_sitemap, name="news_sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.sitemap_section, name="sitemap_section"),
    path("robots.txt", sitemaps.robots_txt, name="robots"),
    path("desk/", desk.index, name="desk"),
    path("desk/stories/<int:pk>/", desk.story_desk, name="desk_story"),
    path("desk/stories/<int:pk>/coverage/", desk.coverage, name="desk_coverage"),
    path("desk/stories/<int:pk>/changes/", desk.changes, name="desk_changes"),
    path("desk/updates/<int:pk>/edit/", desk.edit_update, name="desk_edit"),
    path("desk/updates/<int:pk>/action/", desk.update_action, name="desk_action"),
]
