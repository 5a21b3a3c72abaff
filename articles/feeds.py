"""RSS 2.0 and Atom feeds (Django's syndication framework): the site's stories, a section's,
an author's, and a live story's updates.

Every feed lists what `published()` lets readers see, newest first, costs the same few queries
whatever its length, builds its addresses from the configured site (never the request's Host)
and gives times in the story's zone, with its offset. An edited update or a corrected story
carries its updated time (Atom's `<updated>`) and prints its corrections.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext as _

from articles import caching
from articles.models import Author, Correction, LiveUpdate, Section, Story
from articles.times import in_zone


def absolute(path):
    """An address on the configured site: never the request's Host (a port would pass
    ALLOWED_HOSTS and end up in every entry's id and link)."""
    return f"{settings.NEWSROOM_SITE_URL}{path}"


FEED_SIZE = 50


def feed_time(value, tz):
    """On the story's wall clock with its offset, to the second, as pages and JSON-LD say it."""
    return in_zone(value, tz).replace(microsecond=0)


class NewsroomFeed(Feed):
    """What every feed shares: public caching, and the language it is written in."""

    feed_type = Rss201rev2Feed

    def __call__(self, request, *args, **kwargs):
        return caching.public(super().__call__(request, *args, **kwargs), max_age=60)

    def language_of(self, obj):
        return settings.NEWSROOM_LANGUAGE

    def get_feed(self, obj, request):
        # In the feed's language (a story's, or the newsroom's), whatever the reader's browser
        # prefers: its xml:lang and the corrections' labels follow it.
        with translation.override(self.language_of(obj)):
            return super().get_feed(obj, request)

    def feed_url(self, obj):
        return absolute(self.feed_path(obj))


class StoryFeed(NewsroomFeed):
    """Published stories, newest first: the site's, or those of a section or an author."""

    def items(self, obj):
        # Corrections come with their stories: one query for them all.
        return (
            self.stories(obj)
            .for_listing()
            .prefetch_related(Prefetch("corrections", queryset=Correction.objects.order_by("id")))
            .order_by("-published_at", "-id")[:FEED_SIZE]
        )

    def item_title(self, story):
        return story.headline

    def item_link(self, story):
        return absolute(story.get_absolute_url())

    def item_guid(self, story):
        return absolute(story.get_absolute_url())

    def item_description(self, story):
        return render_to_string("articles/feeds/story.html", {"story": story})

    def item_pubdate(self, story):
        return feed_time(story.published_at, story.time_zone)

    def item_updateddate(self, story):
        corrected = [c.corrected_at for c in story.corrections.all()]
        return feed_time(max([story.updated_at, story.published_at, *corrected]), story.time_zone)

    def item_author_name(self, story):
        return ", ".join(author.name for author in story.ordered_authors) or None

    def item_categories(self, story):
        return [story.section.name_in(story.language)]


class SiteFeed(StoryFeed):
    def get_object(self, request):
        return None

    def title(self):
        return settings.NEWSROOM_NAME

    def subtitle(self):
        return _("Independent news, with its sources.")

    description = subtitle

    def link(self):
        return absolute(reverse("articles:home"))

    def stories(self, obj):
        return Story.objects.published()


class SiteAtomFeed(SiteFeed):
    feed_type = Atom1Feed

    def feed_path(self, obj):
        return reverse("articles:site_atom")


class SiteRssFeed(SiteFeed):
    def feed_path(self, obj):
        return reverse("articles:site_rss")


class SectionFeed(StoryFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Section, slug=slug)

    def title(self, section):
        return f"{section.name} — {settings.NEWSROOM_NAME}"

    def subtitle(self, section):
        return section.description

    description = subtitle

    def link(self, section):
        return absolute(section.get_absolute_url())

    def stories(self, section):
        return Story.objects.published().filter(section=section)


class SectionAtomFeed(SectionFeed):
    feed_type = Atom1Feed

    def feed_path(self, section):
        return reverse("articles:section_atom", args=[section.slug])


class SectionRssFeed(SectionFeed):
    def feed_path(self, section):
        return reverse("articles:section_rss", args=[section.slug])


class AuthorFeed(StoryFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Author, slug=slug)

    def title(self, author):
        return f"{author.name} — {settings.NEWSROOM_NAME}"

    def subtitle(self, author):
        return author.bio

    description = subtitle

    def link(self, author):
        return absolute(author.get_absolute_url())

    def stories(self, author):
        return Story.objects.published().filter(bylines__author=author)


class AuthorAtomFeed(AuthorFeed):
    feed_type = Atom1Feed

    def feed_path(self, author):
        return reverse("articles:author_atom", args=[author.slug])


class AuthorRssFeed(AuthorFeed):
    def feed_path(self, author):
        return reverse("articles:author_rss", args=[author.slug])


class LiveUpdatesFeed(NewsroomFeed):
    """A live story's published updates, newest first; Atom by default, RSS below."""

    feed_type = Atom1Feed

    def language_of(self, story):
        return story.language

    def feed_path(self, story):
        return reverse("articles:update_feed", args=[story.slug])

    def get_object(self, request, slug):
        return get_object_or_404(Story.objects.covered(), slug=slug)

    def title(self, story):
        return story.headline

    def subtitle(self, story):
        return story.standfirst

    description = subtitle

    def link(self, story):
        return absolute(story.get_absolute_url())

    def items(self, story):
        return (
            LiveUpdate.objects.published()
            .filter(story=story)
            .select_related("author", "story")
            .prefetch_related(Prefetch("corrections", queryset=Correction.objects.order_by("id")))
            .newest_first()[:FEED_SIZE]
        )

    def item_title(self, update):
        return update.label

    def item_description(self, update):
        return render_to_string(
            "articles/feeds/update.html", {"update": update, "story": update.story}
        )

    def item_link(self, update):
        return absolute(update.get_absolute_url())

    def item_guid(self, update):
        # Absolute, as Atom requires of an id.
        return absolute(f"{update.story.get_absolute_url()}#{update.anchor}")

    item_guid_is_permalink = False

    def item_pubdate(self, update):
        return feed_time(update.published_at, update.story.time_zone)

    def item_updateddate(self, update):
        """The last time its readers had something new: posted, edited, or corrected."""
        times = [update.published_at, update.edited_at]
        times += [c.corrected_at for c in update.corrections.all()]
        return feed_time(max(t for t in times if t), update.story.time_zone)

    def item_author_name(self, update):
        return update.author.name if update.author else None


class LiveUpdatesRssFeed(LiveUpdatesFeed):
    feed_type = Rss201rev2Feed

    def feed_path(self, story):
        return reverse("articles:update_rss", args=[story.slug])
