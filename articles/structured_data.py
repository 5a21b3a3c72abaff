"""schema.org JSON-LD for story pages: NewsArticle, or LiveBlogPosting for live coverage."""

from django.conf import settings
from django.utils.html import strip_tags

from articles.templatetags.newsroom import isotime


def _people(story):
    return [{"@type": "Person", "name": author.name} for author in story.ordered_authors]


def _corrections(corrections, tz):
    return [
        {
            "@type": "CorrectionComment",
            "text": correction.note,
            "datePublished": isotime(correction.corrected_at, tz),
        }
        for correction in corrections
    ]


def for_update(story, update, base_url=""):
    tz = story.time_zone
    data = {
        "@type": "BlogPosting",
        "headline": update.title or strip_tags(update.body_html)[:110],
        "url": f"{base_url}{story.get_absolute_url()}#{update.anchor}",
        "datePublished": isotime(update.published_at, tz),
        "articleBody": strip_tags(update.body_html).strip(),
    }
    if update.edited_at:
        data["dateModified"] = isotime(update.edited_at, tz)
    if update.author:
        data["author"] = {"@type": "Person", "name": update.author.name}
    corrections = list(update.corrections.all())
    if corrections:
        data["correction"] = _corrections(corrections, tz)
    return data


def for_story(story, stream, corrections, base_url=""):
    tz = story.time_zone
    data = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting" if stream else "NewsArticle",
        "headline": story.headline,
        "description": story.standfirst,
        "inLanguage": story.language,
        "url": f"{base_url}{story.get_absolute_url()}",
        "datePublished": isotime(story.published_at, tz),
        "dateModified": isotime(story.updated_at, tz),
        "author": _people(story),
        "articleSection": story.section.name,
        "publisher": {"@type": "Organization", "name": settings.NEWSROOM_NAME},
    }
    if corrections:
        data["correction"] = _corrections(corrections, tz)
    if stream:
        if story.live_started_at:
            data["coverageStartTime"] = isotime(story.live_started_at, tz)
        if story.live_ended_at:
            data["coverageEndTime"] = isotime(story.live_ended_at, tz)
        data["liveBlogUpdate"] = [for_update(story, update, base_url) for update in stream.updates]
    return data
