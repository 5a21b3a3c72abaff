"""A story's page, assembled from its stored shell and its stream's stored fragments.

A story page prints two kinds of things. What the story itself says: its header, summary,
background, byline, section, pictures, citations and own corrections, its coverage line and the
stream's view links. And what its stream shows: the updates, the key events, the pinned update,
the pager, with when the story last changed, its JSON-LD and the poll's cursor.

The first is the page's shell: rendered once per shell generation (`freshness.shell_scope`,
moved by every change but those to updates alone) and view of the stream, and stored with
slots. Each render reads the stream (a few indexed queries whatever its length), takes its
updates' stored fragments (`live.with_fragments`), renders the stream's small parts and fills
the slots: a post renders one update and those parts, not the page. A preview goes the same
way with nothing stored, so a preview and the page cannot differ.
"""

import re
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from articles import caching, embeds, freshness, images, live, structured_data
from articles.models import SocialPost, Story
from articles.rendering import render_markdown
from articles.templatetags.newsroom import json_for_script, ld_script
from articles.times import isotime

TEMPLATE = "articles/story_detail.html"

# What each render sets into the shell. NUL never reaches a stored text (Django's forms refuse
# it), so no story can print a slot of its own.
SLOTS = ("live_html", "ld_html", "updated_html", "modified_meta", "poll_cursor")


def _slot(name):
    return f"\x00{name}\x00"


SLOT_PATTERN = re.compile("\x00(" + "|".join(SLOTS) + ")\x00")


# A shell is keyed on its generation: its lifetime only bounds the memory old ones hold.
SHELL_SECONDS = 24 * 3600
# And on the story's fields: a shell holds a pickled story, which a deploy that changes the
# model must not find in a shared cache.
SHELL_FORMAT = caching.digest(",".join(field.attname for field in Story._meta.concrete_fields))


class Shell(NamedTuple):
    """A story page's stored shell: its text split at its slots, the story it was rendered for (the
    render's queries start from it), the story's JSON-LD without its stream, and the story's
    own last change (its save, its corrections) and what the page's Last-Modified starts from
    (that, and the pictures it shows)."""

    parts: tuple  # its text split at its slots: text, slot name, text, ..., text
    story: object
    ld: dict
    modified_at: object
    last_modified: object


class View(NamedTuple):
    """Which page of the stream, filtered and ordered how (`?page`, `?filter`, `?order`)."""

    page: int | None = None
    key_events_only: bool = False
    oldest_first: bool = False

    def stream(self, story, *, load, generation=None):
        return live.LiveStream(
            story,
            self.page,
            key_events_only=self.key_events_only,
            oldest_first=self.oldest_first,
            load=load,
            generation=generation,
        )


def story_page(request, slug, view, load_story, *, base_url=None):
    """The text of the public page of `view` of the story, its story, Last-Modified and next
    change by itself (`assemble`):
    the shell stored for its generation (`load_story(slug)` is read only to make one, and may
    raise for a story readers may not see), the stream read for this render."""
    base_url = settings.NEWSROOM_SITE_URL if base_url is None else base_url
    shell_generation, fragment_generation, story_generation = freshness.generations(
        freshness.shell_scope(slug), freshness.fragment_scope(slug), freshness.story_scope(slug)
    )
    key = f"shell2:{SHELL_FORMAT}:{caching.digest(f'{slug}|{view}|{base_url}')}:{shell_generation}"
    shell = cache.get(key)
    if shell is None:
        story = load_story(slug)
        check_view(story, view)
        with translation.override(story.language):
            shell = build_shell(request, story, view, polls=True, base_url=base_url)
        cache.set(key, shell, SHELL_SECONDS)
    # (A stored shell passed `check_view`: whether the story has coverage moves its generation.)
    story = shell.story
    # In the story's language, whatever the reader's browser prefers.
    with translation.override(story.language):
        text, last_modified, next_change = assemble(
            shell,
            view,
            polls=True,
            base_url=base_url,
            generations=(fragment_generation, story_generation),
        )
    return text, story, last_modified, next_change


def check_view(story, view):
    """A story without coverage has no pages, filters or orders of updates."""
    if view != View() and not story.has_live_coverage:
        raise Http404("This story has no pages of updates.")


def build_shell(request, story, view, *, polls, base_url, is_preview=False):
    """Render what the story itself prints on the page of `view`, with slots for the rest."""
    inline = images.images_in(story.body_html, story.summary_html)
    stream = view.stream(story, load=False) if story.has_live_coverage else None
    body_html, summary_html = _story_texts(story, inline)
    featured = story.featured_image
    featured_picture = (
        # Fetched first at the top of a story; on a live page it is folded with the
        # background, fetched when the reader opens it.
        images.picture(featured, featured=stream is None, sizes=images.FEATURED_SIZES)
        if featured
        else None
    )
    social = embeds.Cards(
        SocialPost.objects.for_html(story.body_html, story.summary_html), story.time_zone
    )
    corrections = live.story_corrections(story)
    # One query whatever their number: each with its outlet and the relay it came through.
    citations = list(story.citations.select_related("source", "via__source"))
    polling = polls and view.page is None
    context = {
        "story": story,
        "body_html": body_html,
        "summary_html": summary_html,
        "featured": featured_picture,
        "og_image": featured
        and {
            "url": structured_data.absolute_url(featured.file.url, base_url),
            "width": featured.width,
            "height": featured.height,
            "alt": featured.alt_text,
        },
        "stream": stream,
        "social": social,
        "corrections": corrections,
        "citations": citations,
        "poll_interval": settings.NEWSROOM_POLL_INTERVAL,
        "idle_poll_interval": live.IDLE_POLL_SECONDS,
        "is_preview": is_preview,
        **{name: _slot(name) for name in SLOTS},
    }
    if not polling:
        context["poll_cursor"] = None
    html = render_to_string(TEMPLATE, context, request=request)
    modified_at = max([story.updated_at, *(c.corrected_at for c in corrections)])
    shown = [image for image in [featured, *inline.values()] if image]
    return Shell(
        parts=tuple(SLOT_PATTERN.split(html)),
        story=story,
        # Without its stream (`liveBlogUpdate`), which each render joins.
        ld={
            key: value
            for key, value in structured_data.for_story(
                story,
                stream,
                corrections,
                base_url,
                citations=citations,
                images=structured_data.picture_objects(featured, base_url) if featured else [],
            ).items()
            if key != "liveBlogUpdate"
        },
        modified_at=modified_at,
        last_modified=max([story.updated_at, *(image.updated_at for image in shown)]),
    )


def assemble(shell, view, *, polls, base_url, generations=(None, None)):
    """The page's text from its shell and the stream as it stands, its Last-Modified, and
    when it next changes by itself (a scheduled update coming due; None: never).
    `generations`: the story's fragment and page generations, when the caller has read them."""
    story = shell.story
    fragment_generation, story_generation = generations
    stream = (
        view.stream(story, load=True, generation=story_generation)
        if story.has_live_coverage
        else None
    )
    changed = stream.changed if stream is not None else None
    if stream is not None:
        live.with_fragments(
            story,
            None,
            [
                *((update, "page") for update in stream.updates),
                *([(stream.pinned, "pinned")] if stream.pinned else []),
                *((event, live.key_event_variant(event, story)) for event in stream.key_events),
            ],
            base_url=base_url,
            generation=fragment_generation,
        )
    modified_at = max(t for t in (shell.modified_at, stream and stream.latest_at) if t)
    cursor = (
        str(live.shown_page_cursor(story, changed, timezone.now()))
        if polls and view.page is None
        else None
    )
    ld = {**shell.ld, "dateModified": isotime(modified_at, story.time_zone)}
    ld_text = json_for_script(ld)
    if stream is not None:
        # The stream's entries last, joined as stored: `liveBlogUpdate` closes the object.
        entries = ",".join(update.ld_entry for update in stream.updates if update.ld_entry)
        ld_text = f'{ld_text[:-1]},"liveBlogUpdate":[{entries}]}}'
    context = {
        "story": story,
        "stream": stream,
        # Printed as stored (`with_fragments`): joined here, not looped over by the template.
        "stream_html": mark_safe(  # noqa: S308 (stored fragments of the escaping partial)
            "".join(update.fragment_html for update in stream.updates) if stream else ""
        ),
        "poll_cursor": cursor,
        "modified_at": modified_at,
        "was_updated": bool(story.published_at and modified_at > story.published_at),
    }
    filled = {
        "live_html": (
            render_to_string(f"{TEMPLATE}#live_stream", context) if stream or cursor else ""
        ),
        "ld_html": ld_script(ld_text),
        "updated_html": render_to_string(f"{TEMPLATE}#byline_updated", context),
        "modified_meta": render_to_string(f"{TEMPLATE}#modified_meta", context),
        "poll_cursor": cursor or "",
    }
    # One join of the page's pieces: the shell's odd parts name its slots.
    parts = list(shell.parts)
    parts[1::2] = [filled[name] for name in parts[1::2]]
    text = "".join(parts)
    last_modified = max(t for t in (shell.last_modified, changed) if t)
    # When the page next changes with no write: read with the stream, at the same instant.
    next_change = (
        stream.next_change if stream is not None else freshness.next_change_for_story(story.slug)
    )
    return text, last_modified, next_change


def _story_texts(story, inline):
    """The story's body and summary with their uploaded images as responsive pictures (the
    stored HTML when they show none: rendering again is only for pictures)."""
    if not inline:
        return story.body_html, story.summary_html
    pictures = {url: images.picture(image) for url, image in inline.items()}
    return (
        render_markdown(story.body, pictures=pictures),
        render_markdown(story.summary, pictures=pictures),
    )
