"""Atom feed of a live story's updates (Django's syndication framework)."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed

from articles import caching
from articles.models import LiveUpdate, Story


def absolute(path):
    """An address on the configured site: never the request's Host (a port would pass
    ALLOWED_HOSTS and end up in every entry's id and link)."""
    return f"{settings.NEWSROOM_SITE_URL}{path}"


FEED_SIZE = 50


class LiveUpdatesFeed(Feed):
    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        return caching.public(super().__call__(request, *args, **kwargs), max_age=60)

    def get_feed(self, obj, request):
        # In the story's language, like its page, whatever the reader's browser prefers.
        with translation.override(obj.language):
            return super().get_feed(obj, request)

    def feed_url(self, story):
        return absolute(reverse("articles:update_feed", args=[story.slug]))

    def get_object(self, request, slug):
        return get_object_or_404(Story.objects.covered(), slug=slug)

    def title(self, story):
        return story.headline

    def subtitle(self, story):
        return story.standfirst

    def link(self, story):
        return absolute(story.get_absolute_url())

    def items(self, story):
        return (
            LiveUpdate.objects.published()
            .filter(story=story)
            .select_related("author", "story")
            .newest_first()[:FEED_SIZE]
        )

    def item_title(self, update):
        return update.label

    def item_description(self, update):
        return update.body_html

    def item_link(self, update):
        return absolute(update.get_absolute_url())

    def item_guid(self, update):
        # Absolute, as Atom requires of an id.
        return absolute(f"{update.story.get_absolute_url()}#{update.anchor}")

    item_guid_is_permalink = False

    def item_pubdate(self, update):
        return update.published_at

    def item_updateddate(self, update):
        return update.edited_at or update.published_at

    def item_author_name(self, update):
        return update.author.name if update.author else None
