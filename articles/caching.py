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

# Page caches are keyed on what the page shows changing; the timeout bounds how long a change to
# a related row (an author renamed) takes to show.
PAGE_CACHE_SECONDS = 300


def digest(text):
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


def public(response, *, max_age):
    patch_cache_control(response, public=True, max_age=max_age)
    return response


def cached_page(request, *, tag, render_html, max_age, last_modified=None):
    """Conditional GET and a render shared by all readers, both keyed on `tag`: what the page
    shows, so a change to it makes a new key. Public pages print nothing of the user."""
    etag = quote_etag(digest(f"{tag}:{translation.get_language()}"))
    response = get_conditional_response(
        request,
        etag=etag,
        last_modified=last_modified and int(last_modified.timestamp()),
    )
    if response is None:
        key = f"page:{etag}"
        html = cache.get(key)
        if html is None:
            html = render_html()
            cache.set(key, html, PAGE_CACHE_SECONDS)
        response = HttpResponse(html)
    response["ETag"] = etag
    if last_modified:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    return public(response, max_age=max_age)
