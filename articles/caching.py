"""Conditional GET and the shared render, keyed on what a page shows.

A public page prints nothing of the user, so one render serves every reader until what it
shows changes; the same key makes its ETag, so a reader who has it gets a 304.
"""

import hashlib

from django.core.cache import cache
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag

from articles import embeds

# Page caches are keyed on what the page shows changing; the timeout bounds how long a change to
# a related row (an author renamed) takes to show.
PAGE_CACHE_SECONDS = 300


def digest(text):
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


def _page_key(tag, marker):
    return f"page:{quote_etag(digest(f'{tag}:{marker}:{translation.get_language()}'))}"


def public(response, *, max_age):
    patch_cache_control(response, public=True, max_age=max_age)
    return response


def _posts_marker(shown):
    return digest(";".join(f"{url}={version}" for url, version in sorted(shown)))


def cached_page(request, *, tag, render_html, max_age, last_modified=None, post_versions=None):
    """Conditional GET and a render shared by all readers, both keyed on `tag`: what the page
    shows, so a change to it makes a new key. Public pages print nothing of the user.

    `post_versions`: for a page whose text embeds social posts, rendered as cards at page time
    from rows of their own, a function giving {(url, version)} for addresses (one query).
    The key then also holds the versions of the posts the page shows, so a capture shows on
    the cached page without the story being saved. Which addresses a render shows is kept
    beside it (the same `tag` always shows the same addresses): the next request reads their
    versions before looking for the render. A render is stored under the versions it was made
    with, read from its own cards, so a capture landing during a render cannot be lost."""
    rendered = None
    if post_versions is not None:
        urls_key = f"embeds:{digest(tag)}"
        urls = cache.get(urls_key)
        if urls is None:
            html = render_html()
            shown = embeds.shown_posts(html)
            urls = sorted({url for url, _version in shown})
            cache.set(urls_key, urls, PAGE_CACHE_SECONDS)
            rendered = (html, _posts_marker(shown))
            cache.set(_page_key(tag, rendered[1]), html, PAGE_CACHE_SECONDS)
        marker = _posts_marker(post_versions(urls)) if urls else _posts_marker(())
        if rendered is not None and rendered[1] != marker:
            rendered = None  # a post changed while the page was rendered: render again
        tag = f"{tag}:{marker}"
    etag = quote_etag(digest(f"{tag}:{translation.get_language()}"))
    response = get_conditional_response(
        request,
        etag=etag,
        last_modified=last_modified and int(last_modified.timestamp()),
    )
    if response is None:
        key = f"page:{etag}"
        html = rendered[0] if rendered is not None else cache.get(key)
        if html is None:
            html = render_html()
            cache.set(key, html, PAGE_CACHE_SECONDS)
        response = HttpResponse(html)
    response["ETag"] = etag
    response["Content-Language"] = translation.get_language()
    if last_modified:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    return public(response, max_age=max_age)
