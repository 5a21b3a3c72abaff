"""Atom feed of a live story's updates (Django's syndication framework)."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed

from articles.models import LiveUpdate, Story

FEED_SIZE = 50


class LiveUpdatesFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, slug):
        return get_object_or_404(Story.objects.covered(), slug=slug)

    def title(self, story):
        return story.headline

    def subtitle(self, story):
        return story.standfirst

    def link(self, story):
        return story.get_absolute_url()

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
        return update.get_absolute_url()

    def item_guid(self, update):
        return f"{update.story.get_absolute_url()}#{update.anchor}"

    item_guid_is_permalink = False

    def item_pubdate(self, update):
        return update.published_at

    def item_updateddate(self, update):
        return update.edited_at or update.published_at

    def item_author_name(self, update):
        return update.author.name if update.author else None
