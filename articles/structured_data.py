"""schema.org JSON-LD for story pages: NewsArticle, or LiveBlogPosting for live coverage."""

from django.conf import settings

from articles.rendering import plain_text
from articles.times import isotime


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


def for_update(story, update, base_url="", *, standalone=False):
    """A BlogPosting for one update: inside the story's LiveBlogPosting, or, on the update's
    own page (`standalone`), a document of its own that is part of the story."""
    tz = story.time_zone
    data = {
        "@type": "BlogPosting",
        "headline": update.label,
        "url": f"{base_url}{update.get_absolute_url()}",
        "datePublished": isotime(update.published_at, tz),
        "articleBody": plain_text(update.body_html),
    }
    if standalone:
        data = {
            "@context": "https://schema.org",
            **data,
            "inLanguage": story.language,
            "isPartOf": {
                "@type": "LiveBlogPosting",
                "@id": f"{base_url}{story.get_absolute_url()}",
                "url": f"{base_url}{story.get_absolute_url()}",
                "headline": story.headline,
            },
            "publisher": {"@type": "Organization", "name": settings.NEWSROOM_NAME},
        }
    if update.edited_at:
        data["dateModified"] = isotime(update.edited_at, tz)
    if update.author:
        data["author"] = {"@type": "Person", "name": update.author.name}
    corrections = list(update.corrections.all())
    if corrections:
        data["correction"] = _corrections(corrections, tz)
    return data


def _citations(citations, tz):
    """What the story cites, as schema.org CreativeWorks."""
    works = []
    for citation in citations:
        work = {
            "@type": "CreativeWork",
            "url": citation.url,
            "name": citation.title,
            "publisher": {"@type": "Organization", "name": citation.source.name},
        }
        if citation.author:
            work["author"] = {"@type": "Person", "name": citation.author}
        if citation.published_at:
            work["datePublished"] = isotime(citation.published_at, citation.time_zone or tz)
        works.append(work)
    return works


def absolute_url(url, base_url):
    """An uploaded file's address for other sites: the site's, unless storage gave a full one."""
    return url if url.startswith(("https://", "http://")) else f"{base_url}{url}"


def image_object(image, base_url=""):
    """The picture as a schema.org ImageObject, saying how it was made (IPTC digital source
    type, the URI search engines read for AI-generated images)."""
    data = {
        "@type": "ImageObject",
        "contentUrl": absolute_url(image.file.url, base_url),
        "url": absolute_url(image.file.url, base_url),
        "width": image.width,
        "height": image.height,
    }
    if image.caption:
        data["caption"] = image.caption
    if image.credit:
        data["creditText"] = image.credit
    if image.digital_source_type:
        data["digitalSourceType"] = image.digital_source_type_uri
    return data


def for_story(
    story, stream, corrections, base_url="", modified_at=None, *, citations=(), image=None
):
    tz = story.time_zone
    data = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting" if stream else "NewsArticle",
        "@id": f"{base_url}{story.get_absolute_url()}",
        "headline": story.headline,
        "description": story.standfirst,
        "inLanguage": story.language,
        "url": f"{base_url}{story.get_absolute_url()}",
        "datePublished": isotime(story.published_at, tz),
        "dateModified": isotime(modified_at or story.updated_at, tz),
        "author": _people(story),
        "articleSection": story.section.name,
        "publisher": {"@type": "Organization", "name": settings.NEWSROOM_NAME},
    }
    if image is not None:
        data["image"] = image_object(image, base_url)
    if corrections:
        data["correction"] = _corrections(corrections, tz)
    if citations:
        data["citation"] = _citations(citations, tz)
    if stream:
        if story.live_started_at:
            data["coverageStartTime"] = isotime(story.live_started_at, tz)
        if story.live_ended_at:
            data["coverageEndTime"] = isotime(story.live_ended_at, tz)
        data["liveBlogUpdate"] = [for_update(story, update, base_url) for update in stream.updates]
    return data
