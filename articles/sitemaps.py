"""sitemap.xml (stories, sections, authors, sources), the news sitemap, and robots.txt.

Django's sitemaps framework, on `published()`. Addresses come from the configured site, never
the request's Host. `lastmod` is the time readers last had something new, with its offset.
Past `Sitemap.limit` (50,000) addresses in all, /sitemap.xml becomes an index of paged
sitemaps, as the protocol asks.
"""

from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.db.models import Max, Q
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from articles import caching, live
from articles.models import Author, Section, Source, Story

TEMPLATE = "articles/sitemap.xml"
NEWS_WINDOW = timedelta(days=2)
# Google reads at most 1,000 stories from a news sitemap.
NEWS_LIMIT = 1000


def _site():
    parts = urlsplit(settings.NEWSROOM_SITE_URL)
    return SimpleNamespace(domain=parts.netloc, name=settings.NEWSROOM_NAME), parts.scheme


class SiteSitemap(Sitemap):
    """Addresses on the configured site, whatever Host the request named."""

    def get_urls(self, page=1, site=None, protocol=None):
        site, scheme = _site()
        return super().get_urls(page=page, site=site, protocol=scheme)


class StorySitemap(SiteSitemap):
    def items(self):
        return (
            Story.objects.published()
            .only("slug", "updated_at", "published_at", "time_zone")
            .annotate(updates_changed=live.visible_updates_changed())
            .order_by("-published_at", "-id")
        )

    def lastmod(self, story):
        return max(t for t in (story.updated_at, story.updates_changed) if t)


def _latest_story(prefix, **more):
    # Joins do not pass through the default managers: a story in the trash is excluded here.
    now = timezone.now()
    return Max(
        f"{prefix}published_at",
        filter=Q(
            **{
                f"{prefix}status": Story.Status.PUBLISHED,
                f"{prefix}published_at__lte": now,
                f"{prefix}deleted_at__isnull": True,
            },
            **more,
        ),
    )


class SectionSitemap(SiteSitemap):
    def items(self):
        return Section.objects.annotate(latest=_latest_story("stories__")).order_by("pk")

    def lastmod(self, section):
        return section.latest


class AuthorSitemap(SiteSitemap):
    def items(self):
        return Author.objects.annotate(latest=_latest_story("stories__")).order_by("pk")

    def lastmod(self, author):
        return author.latest


class SourceSitemap(SiteSitemap):
    def items(self):
        return Source.objects.annotate(
            latest=_latest_story("citations__story__", citations__deleted_at__isnull=True)
        ).order_by("pk")

    def lastmod(self, source):
        return source.latest


SITEMAPS = {
    "stories": StorySitemap,
    "sections": SectionSitemap,
    "authors": AuthorSitemap,
    "sources": SourceSitemap,
}


class NewsSitemap(SiteSitemap):
    """Stories published in the last two days (Google News' window), with their language."""

    limit = NEWS_LIMIT

    def items(self):
        return (
            Story.objects.published()
            .filter(published_at__gte=timezone.now() - NEWS_WINDOW)
            .only("slug", "headline", "language", "published_at", "time_zone")
            .order_by("-published_at", "-id")[:NEWS_LIMIT]
        )


def _public(response):
    if hasattr(response, "render"):
        response.render()
    return caching.public(response, max_age=300)


@require_safe
def sitemap(request):
    """One urlset while it fits in a sitemap; past that, an index of paged sitemaps."""
    sitemaps = {name: cls() for name, cls in SITEMAPS.items()}
    total = sum(s.paginator.count for s in sitemaps.values())
    if total <= Sitemap.limit:
        return _public(sitemap_views.sitemap(request, sitemaps, template_name=TEMPLATE))
    items = []
    for name, site in sitemaps.items():
        path = reverse("articles:sitemap_section", args=[name])
        for page in site.paginator.page_range:
            location = f"{settings.NEWSROOM_SITE_URL}{path}" + (f"?p={page}" if page > 1 else "")
            items.append(sitemap_views.SitemapIndexItem(location, None))
    return _public(
        TemplateResponse(
            request, "sitemap_index.xml", {"sitemaps": items}, content_type="application/xml"
        )
    )


@require_safe
def sitemap_section(request, section):
    """One family's sitemap, `?p=N` for its pages (what the index lists)."""
    if section not in SITEMAPS:
        raise Http404("No such sitemap.")
    return _public(
        sitemap_views.sitemap(
            request, {section: SITEMAPS[section]()}, section=section, template_name=TEMPLATE
        )
    )


@require_safe
def news_sitemap(request):
    return _public(
        sitemap_views.sitemap(
            request, {"news": NewsSitemap()}, template_name="articles/sitemap_news.xml"
        )
    )


@require_safe
def robots_txt(request):
    site = settings.NEWSROOM_SITE_URL
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /desk/",
        "Disallow: /preview/",
        "Disallow: /markdownx/",
        "Disallow: /search/",
        "",
        f"Sitemap: {site}{reverse('articles:sitemap')}",
        f"Sitemap: {site}{reverse('articles:news_sitemap')}",
        "",
    ]
    return caching.public(
        HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8"), max_age=3600
    )
