"""Reader pages: thin views over `published()` querysets and prepared HTML."""

import json
import math
import re

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from articles import (
    caching,
    embeds,
    freshness,
    live,
    pages,
    permissions,
    previews,
    search,
    structured_data,
)
from articles.models import Author, Citation, LiveUpdate, Section, SocialPost, Source, Story

STORIES_PER_PAGE = 20


def _story_list(request, variant, build):
    """A page of story cards, rendered once per generation of the lists (any story change
    readers see on a card moves it, articles.freshness) and served from the cache meanwhile.

    `build()` gives the queryset, the template and its context; it runs only to render, so a
    cached list costs no query (a missing section is a 404 from the render, never stored)."""
    number = _page_param(request) or 1

    def render_page():
        next_change = freshness.next_change_for_lists()
        queryset, template, context = build()
        page_count = max(1, math.ceil(queryset.count() / STORIES_PER_PAGE))
        if number > page_count:
            raise Http404("No such page.")
        page = Paginator(queryset.for_listing(), STORIES_PER_PAGE).get_page(number)
        text = render_to_string(
            template,
            {**context, "page_obj": page, "stories": page.object_list},
            request=request,
        )
        # No Last-Modified: a story leaving the list (withdrawn) would move it backwards.
        return caching.Render(text, next_change=next_change, language=translation.get_language())

    return caching.cached_page(
        request,
        scope=freshness.LISTS,
        variant=f"{variant}:{number}",
        render=render_page,
        max_age=60,
    )


@require_safe
def home(request):
    def build():
        stories = Story.objects.published().order_by("-is_live", "-published_at", "-id")
        return stories, "articles/home.html", {}

    return _story_list(request, "home", build)


def _feeds(title, rss, atom):
    """The feeds a list page announces (`<link rel="alternate">`) and links to."""
    return [
        {"type": "application/rss+xml", "title": f"{title} (RSS)", "url": rss, "label": "RSS"},
        {"type": "application/atom+xml", "title": f"{title} (Atom)", "url": atom, "label": "Atom"},
    ]


@require_safe
def section_detail(request, slug):
    def build():
        section = get_object_or_404(Section, slug=slug)
        stories = Story.objects.published().filter(section=section)
        context = {
            "heading": section.name,
            "intro": section.description,
            "description": section.description
            or _("The latest stories in %(section)s.") % {"section": section.name},
            "list_url": section.get_absolute_url(),
            "feeds": _feeds(
                section.name,
                reverse("articles:section_rss", args=[slug]),
                reverse("articles:section_atom", args=[slug]),
            ),
        }
        return stories, "articles/story_list.html", context

    return _story_list(request, f"section:{slug}", build)


@require_safe
def source_detail(request, slug):
    def build():
        source = get_object_or_404(Source, slug=slug)
        # A join does not pass through Citation's default manager: the trash is excluded here.
        stories = (
            Story.objects.published()
            .filter(citations__source=source, citations__deleted_at__isnull=True)
            .distinct()
        )
        context = {
            "heading": source.name,
            "intro": source.get_kind_display(),
            "description": _("Stories that cite %(source)s (%(kind)s).")
            % {"source": source.name, "kind": source.get_kind_display()},
            "list_url": source.get_absolute_url(),
        }
        return stories, "articles/story_list.html", context

    return _story_list(request, f"source:{slug}", build)


@require_safe
def author_detail(request, slug):
    def build():
        author = get_object_or_404(Author, slug=slug)
        stories = Story.objects.published().filter(bylines__author=author)
        context = {
            "heading": author.name,
            "intro": author.bio,
            "description": Truncator(author.bio).words(30)
            or _("Stories by %(author)s.") % {"author": author.name},
            "list_url": author.get_absolute_url(),
            "feeds": _feeds(
                author.name,
                reverse("articles:author_rss", args=[slug]),
                reverse("articles:author_atom", args=[slug]),
            ),
        }
        return stories, "articles/story_list.html", context

    return _story_list(request, f"author:{slug}", build)


def _published_story(slug, published=None):
    """The story readers may see (from `published`, the published stories as the page needs
    them), or 410 for a withdrawn one (StoryWithdrawn), or 404."""
    if published is None:
        published = Story.objects.published().for_listing().with_featured_image()
    try:
        return published.get(slug=slug)
    except Story.DoesNotExist:
        pass
    withdrawn = Story.objects.withdrawn().filter(slug=slug).first()
    if withdrawn is None:
        raise Http404("No such story.")
    raise StoryWithdrawn(withdrawn)


class StoryWithdrawn(Exception):
    def __init__(self, story):
        self.story = story


def _withdrawn_response(request, story):
    return render(request, "articles/withdrawn.html", {"story": story}, status=410)


# ASCII digits only: str.isdigit() accepts "²" and "①", which int() then refuses.
PAGE_PATTERN = re.compile(r"[1-9][0-9]{0,5}")


def _page_param(request):
    """`?page=N` as a number, None when absent; anything else is a page that does not exist,
    so request values cannot mint new cache entries."""
    raw = request.GET.get("page")
    if raw is None:
        return None
    if not PAGE_PATTERN.fullmatch(raw):
        raise Http404("No such page.")
    return int(raw)


@require_safe
def story_detail(request, slug):
    page = _page_param(request)
    key_events_only = _switch_param(request, "filter", "key-events")
    oldest_first = _switch_param(request, "order", "oldest")

    def render_page():
        view = pages.View(page, key_events_only, oldest_first)
        text, story, last_modified, next_change = pages.story_page(
            request, slug, view, _published_story
        )
        return caching.Render(
            text, last_modified=last_modified, next_change=next_change, language=story.language
        )

    return _story_page(
        request,
        slug,
        variant=f"story:{page}:{key_events_only:d}:{oldest_first:d}",
        render=render_page,
        # A live story's readers want the next update soon; a front cache revalidates after.
        max_age=10,
    )


def _story_page(request, slug, *, variant, render, max_age):
    """A page of a story's scope, cached on its generation; a withdrawn story is a 410."""
    try:
        return caching.cached_page(
            request,
            scope=freshness.story_scope(slug),
            variant=variant,
            render=render,
            max_age=max_age,
        )
    except StoryWithdrawn as gone:
        return _withdrawn_response(request, gone.story)


def _switch_param(request, name, value):
    """Whether a view switch is on: `?filter=key-events` (the stream filtered to key events),
    `?order=oldest` (read from the start). Absent is off; any other value is a page that does
    not exist, so request values mint no cache entries."""
    raw = request.GET.get(name)
    if raw is None:
        return False
    if raw != value:
        raise Http404(f"No such {name}.")
    return True


@require_safe
def update_detail(request, slug, pk):
    def render_page():
        next_change = freshness.next_change_for_story(slug)
        story = _published_story(slug)
        if not story.has_live_coverage:
            # Its page shows no stream: no update of it is public anywhere else either.
            raise Http404("This story has no live coverage.")
        update = get_object_or_404(
            LiveUpdate.objects.published().select_related("author"), story=story, pk=pk
        )
        corrections = live.story_corrections(story, [update])
        live.with_pictures([update])
        position = (
            LiveUpdate.objects.published()
            .filter(story=story)
            .not_after(update.published_at, update.pk)
            .count()
        )
        social = embeds.Cards(SocialPost.objects.for_html(update.body_html), story.time_zone)
        with translation.override(story.language):
            live.with_fragments(story, social, [(update, "permalink")])
            text = render_to_string(
                "articles/update_detail.html",
                {
                    "story": story,
                    "update": update,
                    "page_number": live.page_number_of(position),
                    "social": social,
                    "ld": structured_data.for_update(
                        story, update, settings.NEWSROOM_SITE_URL, standalone=True
                    ),
                },
                request=request,
            )
        times = [update.changed_at, story.updated_at, *(c.corrected_at for c in corrections)]
        return caching.Render(
            text,
            last_modified=max(t for t in times if t),
            next_change=next_change,
            language=story.language,
        )

    return _story_page(request, slug, variant=f"update:{pk}", render=render_page, max_age=60)


@require_safe
def citation_archive(request, slug, pk):
    """The local copy of a cited page: its readable text as captured, with the date, in plain
    paragraphs (nothing of the page's markup or scripts comes through)."""
    try:
        story = _published_story(slug)
    except StoryWithdrawn as gone:
        return _withdrawn_response(request, gone.story)
    citation = get_object_or_404(
        Citation.objects.select_related("source").exclude(readable_text=""),
        story=story,
        pk=pk,
        capture_state=Citation.Capture.DONE,
    )
    paragraphs = [line.strip() for line in citation.readable_text.splitlines() if line.strip()]
    with translation.override(story.language):
        response = render(
            request,
            "articles/citation_archive.html",
            {"story": story, "citation": citation, "paragraphs": paragraphs},
        )
    # Someone else's article, kept as evidence: not for search engines to index as ours.
    response["X-Robots-Tag"] = "noindex"
    response["Content-Language"] = story.language
    return caching.public(response, max_age=300)


@require_safe
def update_changes(request, slug):
    """The polling endpoint: every update created, edited or deleted since the cursor."""
    try:
        since = live.Cursor.parse(request.GET.get("since", "0"))
    except ValueError as error:
        return JsonResponse({"error": str(error)}, status=400)

    def render_answer():
        next_change = freshness.next_change_for_story(slug)
        story = _published_story(
            slug,
            Story.objects.published().only(
                "id",
                "slug",
                "time_zone",
                "language",
                "is_live",
                "live_started_at",
                "live_ended_at",
                "updated_at",
            ),
        )
        now = timezone.now()
        # A story without coverage has no public updates (its page shows no stream); its page
        # still polls, to learn when coverage starts.
        changes, more = live.changes_since(story, since) if story.has_live_coverage else ([], False)
        cursor, more = live.next_cursor(changes, more, since, now)
        coverage_times = [at for at in (story.live_started_at, story.live_ended_at) if at]
        last_modified = max(
            [since.at, story.updated_at, *coverage_times]
            + [update.changed_at for update in changes]
        )
        with translation.override(story.language):
            payload = live.poll_payload(story, live.unseen(changes, since), cursor, more)
        # The answer depends on the clock while its rows are younger than the commit lag (the
        # cursor it gives moves on by itself): it is not kept past that.
        until = min(
            (at for at in (next_change, live.cursor_settles_at(changes, now)) if at),
            default=None,
        )
        return caching.Render(
            json.dumps(payload, cls=DjangoJSONEncoder),
            last_modified=last_modified,
            next_change=until,
            language=story.language,
            content_type="application/json",
        )

    try:
        return caching.cached_page(
            request,
            scope=freshness.story_scope(slug),
            variant=f"poll:{since}",
            render=render_answer,
            max_age=settings.NEWSROOM_POLL_MAX_AGE,
        )
    except StoryWithdrawn:
        # As its page says (and the reader's page stops polling on it).
        return JsonResponse({"error": "This story has been withdrawn."}, status=410)


@require_safe
def story_preview(request, pk):
    """The story page as readers will see it, for staff previewing a draft or a schedule."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    story = get_object_or_404(Story.objects.for_listing().with_featured_image(), pk=pk)
    if not permissions.can_preview(request.user, story):
        raise PermissionDenied
    return _preview_response(request, story)


@require_safe
def shared_preview(request, token):
    """A preview link sent outside the newsroom: the preview while the link is valid; 404 for
    a forged, expired or revoked one (which of the three is nobody's business)."""
    link = previews.link_for(token)
    if link is None:
        raise Http404("No such preview.")
    story = get_object_or_404(Story.objects.for_listing().with_featured_image(), pk=link.story_id)
    return _preview_response(request, story)


def _preview_response(request, story):
    # A draft's preview has no poll to answer it; a published story's preview polls as its
    # page does. Nothing of it is stored.
    polls = story.has_live_coverage
    with translation.override(story.language):
        shell = pages.build_shell(
            request,
            story,
            pages.View(),
            polls=polls,
            base_url=settings.NEWSROOM_SITE_URL,
            is_preview=True,
        )
        text, _last_modified, _next_change = pages.assemble(
            shell, pages.View(), polls=polls, base_url=settings.NEWSROOM_SITE_URL
        )
    response = HttpResponse(text)
    response["Content-Language"] = story.language
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def search_page(request):
    """`/search/?q=`: ranked stories and live updates; 400 for a query no reader types."""
    text = request.GET.get("q", "")
    page = _page_param(request) or 1
    context = {"query": text[: search.MAX_QUERY_LENGTH], "results": None}
    status = 200
    if text.strip():
        try:
            context["results"] = search.search(text, page)
            context["query"] = context["results"].query
        except search.QueryError as error:
            context["error"] = str(error)
            status = 400
    response = render(request, "articles/search.html", context, status=status)
    return caching.public(response, max_age=60)
