"""schema.org JSON-LD for story pages: NewsArticle, or LiveBlogPosting for live coverage.

What Google documents for Article rich results (headline, image, datePublished and
dateModified with their offset, author with name and url, publisher) and for live blogs
(coverageStartTime/EndTime, liveBlogUpdate entries with headline, articleBody, datePublished
and their own url) is here; tests/test_structured_data.py reads it back with a JSON-LD
processor. Images are an input: `images` takes `image_object(...)` dicts (the Image model
passes its renditions and its IPTC digital source type).
"""

from django.conf import settings
from django.templatetags.static import static

from articles import images
from articles.rendering import plain_text
from articles.times import isotime

LOGO = {"path": "img/logo.png", "width": 512, "height": 512}
# The card a shared link shows when a story has no picture of its own (og:image, twitter).
CARD = {"path": "img/card.png", "width": 1200, "height": 630}


def static_url(asset, base_url=None):
    return f"{settings.NEWSROOM_SITE_URL if base_url is None else base_url}{static(asset)}"


def publisher(base_url=""):
    return {
        "@type": "NewsMediaOrganization",
        "@id": f"{base_url}/#publisher",
        "name": settings.NEWSROOM_NAME,
        "url": f"{base_url}/",
        "logo": {
            "@type": "ImageObject",
            "url": static_url(LOGO["path"], base_url),
            "width": LOGO["width"],
            "height": LOGO["height"],
        },
    }


def image_object(url, *, width=None, height=None, caption="", credit="", digital_source_type=""):
    """An ImageObject; `digital_source_type` is an IPTC term's URL (e.g.
    http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia for a picture made
    by a generative model)."""
    data = {"@type": "ImageObject", "url": url, "contentUrl": url}
    if width and height:
        data["width"], data["height"] = width, height
    if caption:
        data["caption"] = caption
    if credit:
        data["creditText"] = credit
    if digital_source_type:
        data["digitalSourceType"] = digital_source_type
    return data


def _person(author, base_url):
    return {
        "@type": "Person",
        "name": author.name,
        "url": f"{base_url}{author.get_absolute_url()}",
    }


def _people(story, base_url):
    return [_person(author, base_url) for author in story.ordered_authors]


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
    url = f"{base_url}{update.get_absolute_url()}"
    data = {
        "@type": "BlogPosting",
        "@id": url,
        "headline": update.label,
        "url": url,
        "datePublished": isotime(update.published_at, tz),
        "dateModified": isotime(update.edited_at or update.published_at, tz),
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
            "publisher": publisher(base_url),
        }
    if update.author:
        data["author"] = _person(update.author, base_url)
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


def picture_object(image, base_url=""):
    """An uploaded Image as an ImageObject, saying how it was made (the IPTC digital source
    type's URI, which search engines read for AI-generated pictures)."""
    return image_object(
        absolute_url(image.file.url, base_url),
        width=image.width,
        height=image.height,
        caption=image.caption,
        credit=image.credit,
        digital_source_type=image.digital_source_type_uri if image.digital_source_type else "",
    )


def picture_objects(image, base_url=""):
    """The picture and, once made, its 16x9, 4x3 and 1x1 crops: what Google asks an article's
    `image` to list (each with how it was made)."""
    full = picture_object(image, base_url)
    listed = [full]
    for crop in images.crops(image):
        listed.append(
            {
                **full,
                "url": absolute_url(crop.file.url, base_url),
                "contentUrl": absolute_url(crop.file.url, base_url),
                "width": crop.width,
                "height": crop.height,
            }
        )
    return listed


def for_story(
    story, stream, corrections, base_url="", modified_at=None, *, citations=(), images=()
):
    """`images`: ImageObject dicts (`image_object`, `picture_object`), largest first; without
    one the story carries none (the site's card is for social networks, not a picture of it)."""
    tz = story.time_zone
    url = f"{base_url}{story.get_absolute_url()}"
    data = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting" if stream else "NewsArticle",
        "@id": url,
        "mainEntityOfPage": url,
        "headline": story.headline,
        "description": story.description,
        "inLanguage": story.language,
        "url": url,
        "datePublished": isotime(story.published_at, tz),
        "dateModified": isotime(modified_at or story.updated_at, tz),
        "author": _people(story, base_url),
        "articleSection": story.section.name_in(story.language),
        "publisher": publisher(base_url),
    }
    if images:
        data["image"] = list(images)
    if corrections:
        data["correction"] = _corrections(corrections, tz)
    if citations:
        data["citation"] = _citations(citations, tz)
    if stream:
        if story.live_started_at:
            data["coverageStartTime"] = isotime(story.live_started_at, tz)
        if story.live_ended_at:
            data["coverageEndTime"] = isotime(story.live_ended_at, tz)
        # The page joins its stored entries instead (articles.pages).
        data["liveBlogUpdate"] = [for_update(story, update, base_url) for update in stream.updates]
    return data
