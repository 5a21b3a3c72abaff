"""Local copies of cited pages: what the server fetched, as a WARC record (the web-archive
standard pywb and ReplayWeb.page read), and the page's readable text for readers.

A capture is idempotent: running it again replaces the previous copy. It writes only the
capture fields of the citation (with an UPDATE, never a save), so an editor changing the
citation's title or quote meanwhile loses nothing.
"""

import io
import logging
import re
from http import HTTPStatus
from urllib.parse import urlsplit

import trafilatura
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from articles import egress, freshness
from articles.models import Citation
from articles.rendering import without_control_characters

logger = logging.getLogger(__name__)

HTML_TYPES = {"text/html", "application/xhtml+xml"}
TEXT_TYPES = {"text/plain"}
# Headers that describe the transfer, not the page: the stored payload is the decoded body.
TRANSFER_HEADERS = {"transfer-encoding", "content-encoding", "content-length", "connection"}
MAX_TEXT_CHARACTERS = 200_000
MAX_TITLE_CHARACTERS = 300
CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.IGNORECASE)
TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)


class CaptureFailed(Exception):
    """The page could not be kept; the message says why, for the editor."""


def max_bytes():
    return getattr(settings, "NEWSROOM_ARCHIVE_MAX_BYTES", egress.DEFAULT_MAX_BYTES)


def save(citation):
    """Save a citation from a form; a new article, or an address that changed, is archived in
    the background (the same rule for the story's inline and the Citation admin)."""
    stored_url = Citation.objects.filter(pk=citation.pk).values_list("url", flat=True).first()
    citation.save()
    freshness.bump_stories(story_ids=[citation.story_id], lists=True)
    if citation.url != stored_url:
        queue(citation)


def queue(citation):
    """Mark the citation as being archived and leave the capture to the task worker."""
    from articles import tasks  # tasks imports this module

    Citation.objects.filter(pk=citation.pk).update(
        capture_state=Citation.Capture.PENDING, capture_error=""
    )
    citation.capture_state, citation.capture_error = Citation.Capture.PENDING, ""
    tasks.archive_citation.enqueue(citation.pk)


def fetch_page(url):
    """The cited page, through the one way out (its checks, caps and redirects)."""
    return egress.fetch(url, max_bytes=max_bytes())


def capture(citation_id):
    """Fetch the cited page through the egress helper and keep it; record why when it fails.
    Returns the citation as stored afterwards (None if it was deleted meanwhile)."""
    citation = Citation.objects.filter(pk=citation_id).first()
    if citation is None:
        return None  # deleted while queued: nothing to keep
    try:
        fetched = fetch_page(citation.url)
        if not 200 <= fetched.status < 300:
            _fail(
                citation,
                _("The page answered HTTP %(status)s.") % {"status": fetched.status},
                status=fetched.status,
            )
            return _reload(citation)
        keep(citation, fetched)
    except egress.EgressError as error:
        _fail(
            citation,
            _("The page could not be fetched: %(reason)s.") % {"reason": error.reason},
            status=error.status,
        )
    except CaptureFailed as error:
        _fail(citation, str(error))
    except Exception:
        # Anything else (storage down, a bug) must not leave the citation "archiving" forever:
        # the editor sees it failed and can retry; the task's own record keeps the traceback.
        _fail(citation, _("The capture failed unexpectedly; try again later."))
        raise
    return _reload(citation)


def keep(citation, fetched, *, captured_at=None):
    """Store `fetched` (an egress.Fetched, from the network or a fixture) as the citation's
    capture: its WARC file, readable text, title and status."""
    captured_at = captured_at or timezone.now()
    text, title = readable(fetched)
    warc = warc_bytes(citation, fetched, captured_at)
    stamp = captured_at.strftime("%Y%m%dT%H%M%SZ")
    name = default_storage.save(
        f"captures/{citation.pk}/{stamp}.warc.gz", ContentFile(warc, name="capture.warc.gz")
    )
    previous = Citation.objects.filter(pk=citation.pk).values_list("warc_file", flat=True).first()
    updated = Citation.objects.filter(pk=citation.pk).update(
        warc_file=name,
        readable_text=text,
        captured_title=title,
        http_status=fetched.status,
        captured_at=captured_at,
        capture_state=Citation.Capture.DONE,
        capture_error="",
    )
    if not updated:  # deleted while it was being fetched: keep nothing of it
        default_storage.delete(name)
        return
    # The story's Sources list links the archived copy now.
    freshness.bump_stories(story_ids=[citation.story_id])
    if previous and previous != name:
        default_storage.delete(previous)


def _fail(citation, message, *, status=None):
    logger.info("archiving citation %s failed: %s", citation.pk, message)
    Citation.objects.filter(pk=citation.pk).update(
        capture_state=Citation.Capture.FAILED,
        capture_error=message[:1000],
        http_status=status,
    )
    freshness.bump_stories(story_ids=[citation.story_id])


def _reload(citation):
    return Citation.objects.filter(pk=citation.pk).first()


def _decoded(fetched):
    match = CHARSET.search(fetched.headers.get("content-type", ""))
    for encoding in (match and match.group(1), "utf-8", "cp1252"):
        if not encoding:
            continue
        try:
            return fetched.body.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return fetched.body.decode("utf-8", "replace")


def readable(fetched):
    """The page's readable text and title: trafilatura's main-text extraction for HTML, the
    text itself for plain text; anything else (a PDF, an image) is kept in the WARC only."""
    if fetched.content_type in TEXT_TYPES:
        return _clean(_decoded(fetched), MAX_TEXT_CHARACTERS), ""
    if fetched.content_type not in HTML_TYPES:
        return "", ""
    html = _decoded(fetched)
    try:
        text = (
            trafilatura.extract(
                html,
                output_format="txt",
                include_comments=False,
                include_tables=True,
                favor_recall=True,
                url=fetched.url,
            )
            or ""
        )
        metadata = trafilatura.extract_metadata(html)
    except Exception as error:  # a parser's failure on hostile markup is a failed capture
        raise CaptureFailed(_("The page's text could not be read.")) from error
    title = (metadata.title if metadata else "") or ""
    if not title and (found := TITLE.search(fetched.body[:200_000])):
        title = found.group(1).decode("utf-8", "replace")
    return _clean(text, MAX_TEXT_CHARACTERS), _clean(" ".join(title.split()), MAX_TITLE_CHARACTERS)


def _clean(text, limit):
    return without_control_characters(text).strip()[:limit]


def warc_bytes(citation, fetched, captured_at):
    """A gzipped WARC file: a warcinfo record, the request we sent and the response we got
    (the decoded body, with the headers that describe it), dated when it was captured."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    date = captured_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    writer.write_record(
        writer.create_warcinfo_record(
            f"newsroom-citation-{citation.pk}.warc.gz",
            {
                "software": "Newsroom archiver (warcio)",
                "format": "WARC File Format 1.0",
                "http-header-user-agent": egress.user_agent(),
                "description": f"Cited by story {citation.story_id}: {citation.url}",
                "redirects": " ".join(fetched.redirects) or "none",
            },
        )
    )
    common = {"WARC-Date": date}
    if fetched.ip:
        common["WARC-IP-Address"] = fetched.ip
    request = StatusAndHeaders(
        f"GET {_path(fetched.url)} HTTP/1.1",
        [("Host", _host(fetched.url)), ("User-Agent", egress.user_agent())],
        is_http_request=True,
    )
    writer.write_record(
        writer.create_warc_record(
            fetched.url, "request", http_headers=request, warc_headers_dict=dict(common)
        )
    )
    headers = [
        (name.title(), value)
        for name, value in fetched.headers.items()
        if name not in TRANSFER_HEADERS
    ]
    headers.append(("Content-Length", str(len(fetched.body))))
    response = StatusAndHeaders(_status_line(fetched.status), headers, protocol="HTTP/1.1")
    writer.write_record(
        writer.create_warc_record(
            fetched.url,
            "response",
            payload=io.BytesIO(fetched.body),
            http_headers=response,
            warc_headers_dict=dict(common),
        )
    )
    return buffer.getvalue()


def _path(url):
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _host(url):
    return urlsplit(url).netloc


def _status_line(status):
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)
