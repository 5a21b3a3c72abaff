"""Social posts in the text: the platform table, and what each platform's posts become.

One table (`PLATFORMS`) says, for every platform, which addresses are its posts (`routes`: a
pattern on "host/path"), the one address each post is kept under (`normalise`), how a snapshot
is captured from a public endpoint (`capture`, None where every endpoint needs a token) and the
player a video loads after the reader's click (`player`). Anything the table does not recognise
is a plain link.

Recognising is pure: the address is first read by `articles.links` as the egress helper and a
browser read it (user info, ports, punycode, percent-encoding), then its ASCII host must be the
platform's own, whole: `x.com.evil.example`, `evil.example/x.com/…`, `x.com@evil.example` and a
Cyrillic `х.com` are not X. Capturing goes out through `articles.egress` only, to the endpoint
the table names, and keeps plain text: the provider's HTML is parsed here and never stored.

This module does not import the models (they import it, to normalise addresses); the rows a page
shows are handed in, and the workflows that write them are in `articles.publishing`.
"""

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape, unescape
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from articles import egress, links

# --- Recognising and normalising ------------------------------------------------------------


@dataclass(frozen=True)
class PostAddress:
    """A recognised post: its platform, the one address it is kept under, and a key that is
    the same for every spelling of it (the platform's own id)."""

    platform: "Platform"
    url: str
    key: str
    parts: dict = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Platform:
    key: str
    label: str  # the brand, not translated
    routes: tuple  # compiled patterns, full-matched against "host/path"
    normalise: Callable  # (match groups, query dict) -> (url, key) or None
    capture: Callable | None = None  # (PostAddress, fetcher) -> Snapshot
    player: Callable | None = None  # (PostAddress) -> the player's address
    hosts: frozenset = frozenset()  # the names it owns: never another platform's server

    def __str__(self):
        return self.label


def _routes(*patterns):
    return tuple(re.compile(pattern) for pattern in patterns)


def _x(groups, query):
    handle = (groups.get("handle") or "i").lower()
    status = groups["id"]
    path = f"/{handle}/status/{status}" if handle != "i" else f"/i/status/{status}"
    return f"https://x.com{path}", f"x:{status}"


def _mastodon(groups, query):
    host, user = groups["host"], groups["user"].lower()
    return f"https://{host}/@{user}/{groups['id']}", f"mastodon:{host}:{groups['id']}"


def _bluesky(groups, query):
    actor = groups["actor"]
    actor = actor if actor.startswith("did:") else actor.lower()
    rkey = groups["rkey"]
    return f"https://bsky.app/profile/{actor}/post/{rkey}", f"bluesky:{actor}:{rkey}"


def _threads(groups, query):
    user, code = groups["user"].lower(), groups["code"]
    return f"https://www.threads.com/@{user}/post/{code}", f"threads:{code}"


YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")


def _youtube(groups, query):
    video = groups.get("id") or query.get("v", "")
    if not YOUTUBE_ID.fullmatch(video):
        return None
    return f"https://www.youtube.com/watch?v={video}", f"youtube:{video}"


def _instagram(groups, query):
    kind = "reel" if groups["kind"] in ("reel", "reels") else "p"
    code = groups["code"]
    return f"https://www.instagram.com/{kind}/{code}/", f"instagram:{code}"


def _tiktok(groups, query):
    user, video = groups["user"].lower(), groups["id"]
    return f"https://www.tiktok.com/@{user}/video/{video}", f"tiktok:{video}"


def _linkedin(groups, query):
    kind, number = groups["kind"], groups["id"]
    return (
        f"https://www.linkedin.com/feed/update/urn:li:{kind}:{number}/",
        f"linkedin:{kind}:{number}",
    )


FACEBOOK_ID = re.compile(r"\d{5,25}|pfbid[A-Za-z0-9]{10,80}")


def _facebook(groups, query):
    if groups.get("permalink"):
        story, page = query.get("story_fbid", ""), query.get("id", "")
        if not (FACEBOOK_ID.fullmatch(story) and page.isdigit() and page.isascii()):
            return None
        return (
            f"https://www.facebook.com/permalink.php?story_fbid={story}&id={page}",
            f"facebook:{story}",
        )
    if groups.get("watch"):
        video = query.get("v", "")
        if not (video.isascii() and video.isdigit()):
            return None
        return f"https://www.facebook.com/watch/?v={video}", f"facebook:{video}"
    if groups.get("share"):
        return (
            f"https://www.facebook.com/share/{groups['share']}/{groups['code']}/",
            f"facebook:share:{groups['code']}",
        )
    if groups.get("reel"):
        return f"https://www.facebook.com/reel/{groups['reel']}", f"facebook:{groups['reel']}"
    page, kind, number = groups["page"].lower(), groups["kind"], groups["id"]
    return f"https://www.facebook.com/{page}/{kind}/{number}", f"facebook:{number}"


X_HOSTS = r"(?:www\.|mobile\.)?(?:twitter|x)\.com"
FACEBOOK_HOSTS = r"(?:www\.|m\.|web\.|mbasic\.)?facebook\.com"

# Services that re-serve another platform's posts ("fixed" previews, alternative front ends):
# their address is not the post's, and a snapshot keyed on it would duplicate the original's.
MIRRORS = {
    "fxtwitter.com": "x",
    "vxtwitter.com": "x",
    "fixupx.com": "x",
    "fixvx.com": "x",
    "twittpr.com": "x",
    "xcancel.com": "x",
    "nitter.net": "x",
    "nitter.poast.org": "x",
    "ddinstagram.com": "instagram",
    "kkinstagram.com": "instagram",
    "instagramez.com": "instagram",
    "vxtiktok.com": "tiktok",
    "tnktok.com": "tiktok",
    "fxbsky.app": "bluesky",
    "bskx.app": "bluesky",
    "bsyy.app": "bluesky",
    "yewtu.be": "youtube",
    "piped.video": "youtube",
}


def _host_and_path(url):
    """(ASCII host, path, query dict) as links normalises them, or None for an address that is
    not a public web address at all."""
    try:
        links.validate_public_url(url)
        normalised = links.normalise_url(url)
    except (ValidationError, ValueError):
        return None
    parts = urlsplit(normalised)
    query = {}
    for name, values in parse_qs(parts.query, keep_blank_values=True).items():
        query[name] = values[0]
    return parts.hostname or "", parts.path or "/", query


def _mirror(host):
    for name, platform in MIRRORS.items():
        if host == name or host.endswith("." + name):
            return platform
    return None


def recognise(url):
    """The post an address names, or None: a plain link (or not a public address at all)."""
    if not isinstance(url, str):
        return None
    read = _host_and_path(url.strip())
    if read is None:
        return None
    host, path, query = read
    if _mirror(host):
        return None
    for platform in PLATFORMS:
        if platform.key == "mastodon" and host in OWNED_HOSTS:
            continue  # any server, but not one of the big platforms'
        for route in platform.routes:
            match = route.fullmatch(f"{host}{path}")
            if match is None:
                continue
            groups = {name: value for name, value in match.groupdict().items() if value}
            made = platform.normalise({**groups, "host": host}, query)
            if made is not None:
                return PostAddress(platform, made[0], made[1], {**groups, "host": host})
    return None


POST_MESSAGES = {
    "mirror": _(
        "This address is a copy of a post on %(platform)s served by another site. Paste the "
        "post’s own address on %(platform)s."
    ),
    "not_a_post": _(
        "This address is not a post on a platform Newsroom knows (X, Mastodon, Bluesky, "
        "Threads, YouTube, Instagram, TikTok, LinkedIn, Facebook). Link to it in the text "
        "instead."
    ),
}


def validate_post_url(url):
    """A model and form validator: a public address (links' rules) that is a post we know."""
    links.validate_public_url(url)
    read = _host_and_path(url.strip())
    mirrored = read and _mirror(read[0])
    if mirrored:
        raise ValidationError(
            POST_MESSAGES["mirror"], code="mirror", params={"platform": by_key(mirrored).label}
        )
    if recognise(url) is None:
        raise ValidationError(POST_MESSAGES["not_a_post"], code="not_a_post")


def by_key(key):
    return next(platform for platform in PLATFORMS if platform.key == key)


def platform_choices():
    return [(platform.key, platform.label) for platform in PLATFORMS]


# --- Snapshots ------------------------------------------------------------------------------

AVAILABLE = "available"
DELETED = "deleted"
# Answers that say the post is gone or no longer public (Mastodon answers 404 for a private
# status too; YouTube's oEmbed 401 for a private video; X's 403 for a protected account).
GONE_STATUSES = frozenset({401, 403, 404, 410})
MAX_ANSWER_BYTES = 1024 * 1024  # a status or an oEmbed answer is a few kilobytes
CAPTURE_TIMEOUT = 10.0
MAX_TEXT = 5000
MAX_MEDIA = 10


@dataclass
class Snapshot:
    """What a platform's public endpoint says of a post, as plain text and our own fields."""

    availability: str = AVAILABLE
    author_name: str = ""
    author_handle: str = ""
    author_url: str = ""
    text: str = ""
    posted_at: datetime | None = None
    language: str = ""
    media: list = field(default_factory=list)
    thumbnail_url: str = ""


CAPTURE_MESSAGES = {
    "no_endpoint": _(
        "%(platform)s has no public endpoint Newsroom may use: fill in the snapshot by hand."
    ),
    "unreachable": _(
        "%(platform)s could not be reached (%(reason)s). Try again later, or fill in the "
        "snapshot by hand."
    ),
    "refused": _("%(platform)s refused the request (%(reason)s). Fill in the snapshot by hand."),
    "unreadable": _(
        "%(platform)s answered something Newsroom cannot read. Fill in the snapshot by hand."
    ),
}


class CaptureError(Exception):
    """Why a capture failed, for the editor; `code` is stable for tests and callers."""

    def __init__(self, code, platform, reason=""):
        self.code = code
        self.message = CAPTURE_MESSAGES[code] % {"platform": platform, "reason": reason}
        super().__init__(str(self.message))


def _provider_url(url):
    # The tests serve every provider from one server of theirs on 127.0.0.1 (see
    # tests/test_embeds.py): this test-only setting sends each request there over plain http,
    # the provider's name kept in the Host header. It works only with egress's loopback test
    # setting on, which no deployment can turn on.
    port = getattr(settings, "NEWSROOM_SOCIAL_PROVIDER_PORT_FOR_TESTS", None)
    if port and getattr(settings, "NEWSROOM_EGRESS_ALLOW_LOOPBACK_FOR_TESTS", False):
        parts = urlsplit(url)
        return urlunsplit(("http", f"{parts.hostname}:{port}", parts.path, parts.query, ""))
    return url


class Fetcher:
    """The egress helper, for one capture: JSON or bytes from an endpoint the table names."""

    def __init__(self, platform, resolver=None):
        self.platform = platform
        self.resolver = resolver

    def get(self, url, *, accept="application/json", max_bytes=MAX_ANSWER_BYTES):
        try:
            return egress.fetch(
                _provider_url(url),
                accept=accept,
                max_bytes=max_bytes,
                timeout=CAPTURE_TIMEOUT,
                resolver=self.resolver,
            )
        except egress.EgressError as error:
            if error.code == "http_error" and error.status in GONE_STATUSES:
                raise Gone from error
            code = "refused" if error.code == "http_error" else "unreachable"
            reason = f"HTTP {error.status}" if error.status else error.code.replace("_", " ")
            raise CaptureError(code, self.platform, reason) from error

    def json(self, url):
        answer = self.get(url)
        try:
            data = json.loads(answer.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise CaptureError("unreadable", self.platform) from error
        if not isinstance(data, dict):
            raise CaptureError("unreadable", self.platform)
        return data


class Gone(Exception):
    """The endpoint says the post does not exist (any more) or is not public."""


def capture(url, *, resolver=None):
    """The snapshot of the post at `url` from its platform's public endpoint. Raises
    CaptureError for an address we cannot capture, a network failure or an unreadable answer;
    a post the platform says is gone is a Snapshot whose availability is DELETED."""
    post = recognise(url)
    if post is None:
        raise CaptureError("no_endpoint", _("This address"))
    if post.platform.capture is None:
        raise CaptureError("no_endpoint", post.platform.label)
    fetcher = Fetcher(post.platform.label, resolver)
    try:
        snapshot = post.platform.capture(post, fetcher)
    except Gone:
        return Snapshot(availability=DELETED)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        # A field missing or of another type than documented: the answer is not what we read.
        raise CaptureError("unreadable", post.platform.label) from error
    snapshot.text = snapshot.text[:MAX_TEXT]
    snapshot.media = snapshot.media[:MAX_MEDIA]
    return snapshot


def can_capture(url):
    post = recognise(url)
    return bool(post and post.platform.capture)


# --- Provider HTML to plain text --------------------------------------------------------------

_BLOCKS = {"p", "div", "li", "blockquote"}
_URLISH = re.compile(r"(?:https?://|[a-z0-9-]+(?:\.[a-z0-9-]+)+/)", re.IGNORECASE)


class _PlainText(HTMLParser):
    """Text of a provider's HTML, paragraphs kept; a link whose text is an address (full or
    shortened by the platform) becomes its real address, others ("@sama", "#ai") their text.
    Nothing else of the markup survives: no attribute, no element."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = []
        self.link = None  # [href, collected text] inside <a>
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "br":
            self._write("\n")
        elif tag in _BLOCKS:
            self._write("\n\n")
        elif tag == "a":
            self.link = [dict(attrs).get("href") or "", []]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCKS:
            self._write("\n\n")
        elif tag == "a" and self.link is not None:
            href, parts = self.link
            self.link = None
            text = "".join(parts)
            if _URLISH.match(text.strip()) and href.startswith(("https://", "http://")):
                text = href
            self._write(text)

    def handle_data(self, data):
        if self.skip:
            return
        if self.link is not None:
            self.link[1].append(data)
        else:
            self._write(data)

    def _write(self, text):
        self.out.append(text)

    def text(self):
        raw = "".join(self.out).replace("\r", "")
        lines = [" ".join(line.split()) for line in raw.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(markup):
    parser = _PlainText()
    parser.feed(markup or "")
    parser.close()
    return parser.text()


def _first_paragraph(markup):
    """The inner HTML of the first <p> (X's oEmbed puts the post there) and its lang."""
    match = re.search(r"<p\b([^>]*)>(.*?)</p>", markup or "", re.DOTALL | re.IGNORECASE)
    if not match:
        return markup or "", ""
    lang = re.search(r'\blang="([A-Za-z-]{2,12})"', match.group(1))
    return match.group(2), (lang.group(1) if lang else "")


def _public_url(url):
    """`url` when it is a public http(s) address, else "" (a provider's field is not trusted)."""
    if not isinstance(url, str) or not url:
        return ""
    try:
        links.validate_public_url(url)
    except ValidationError:
        return ""
    return links.normalise_url(url)


def _time(text):
    if not isinstance(text, str) or not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _language(value):
    value = value if isinstance(value, str) else ""
    return value if re.fullmatch(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?", value) else ""


def _medium(url, alt, kind):
    url = _public_url(url)
    alt = alt if isinstance(alt, str) else ""
    return {"url": url, "alt": " ".join(alt.split())[:1500], "kind": kind} if url else None


# --- Capture methods, one per platform with a public endpoint ----------------------------------

MASTODON_MEDIA = {"image": "image", "gifv": "video", "video": "video", "audio": "audio"}


def _capture_mastodon(post, fetcher):
    """Mastodon's public status API, on the server the post's address names."""
    host, number = post.parts["host"], post.parts["id"]
    data = fetcher.json(f"https://{host}/api/v1/statuses/{number}")
    data = data.get("reblog") or data
    account = data["account"]
    acct = account.get("acct") or account["username"]
    handle = f"@{acct}" if "@" in acct else f"@{acct}@{host}"
    text = html_to_text(data.get("content", ""))
    if warning := (data.get("spoiler_text") or "").strip():
        text = f"{warning}\n\n{text}"
    media = [
        _medium(item.get("url"), item.get("description"), MASTODON_MEDIA.get(item.get("type")))
        for item in data.get("media_attachments") or []
        if item.get("type") in MASTODON_MEDIA
    ]
    return Snapshot(
        author_name=account.get("display_name") or account["username"],
        author_handle=handle,
        author_url=_public_url(account.get("url")),
        text=text,
        posted_at=_time(data.get("created_at")),
        language=_language(data.get("language")),
        media=[m for m in media if m],
    )


BLUESKY_APPVIEW = "https://public.api.bsky.app/xrpc"


def _bluesky_text(record):
    """The post's text with each link facet's full address in place of its shortened label
    (facets count UTF-8 bytes)."""
    text = record.get("text") or ""
    raw = text.encode("utf-8")
    links_at = []
    for facet in record.get("facets") or []:
        for feature in facet.get("features") or []:
            if feature.get("$type") == "app.bsky.richtext.facet#link" and feature.get("uri"):
                index = facet["index"]
                links_at.append((int(index["byteStart"]), int(index["byteEnd"]), feature["uri"]))
    out, at = [], 0
    for start, end, uri in sorted(links_at):
        if start < at or end > len(raw) or start > end:
            continue
        out.append(raw[at:start].decode("utf-8", "replace"))
        out.append(uri if _public_url(uri) else raw[start:end].decode("utf-8", "replace"))
        at = end
    out.append(raw[at:].decode("utf-8", "replace"))
    return "".join(out)


def _bluesky_media(embed):
    kind = (embed or {}).get("$type", "")
    if kind == "app.bsky.embed.recordWithMedia#view":
        return _bluesky_media(embed.get("media"))
    if kind == "app.bsky.embed.images#view":
        return [
            _medium(image.get("fullsize"), image.get("alt"), "image")
            for image in embed.get("images") or []
        ]
    if kind == "app.bsky.embed.video#view":
        return [_medium(embed.get("playlist"), embed.get("alt"), "video")]
    return []


def _capture_bluesky(post, fetcher):
    """Bluesky's public AppView: the handle resolved to its DID, then the post by its AT URI."""
    actor = post.parts["actor"]
    if not actor.startswith("did:"):
        answer = fetcher.json(
            f"{BLUESKY_APPVIEW}/com.atproto.identity.resolveHandle?{urlencode({'handle': actor})}"
        )
        actor = answer["did"]
    uri = f"at://{actor}/app.bsky.feed.post/{post.parts['rkey']}"
    found = fetcher.json(f"{BLUESKY_APPVIEW}/app.bsky.feed.getPosts?{urlencode({'uris': uri})}")
    if not found.get("posts"):
        raise Gone
    view = found["posts"][0]
    author, record = view["author"], view["record"]
    return Snapshot(
        author_name=author.get("displayName") or author["handle"],
        author_handle=f"@{author['handle']}",
        author_url=f"https://bsky.app/profile/{author['handle']}",
        text=_bluesky_text(record),
        posted_at=_time(record.get("createdAt")),
        language=_language((record.get("langs") or [""])[0]),
        media=[m for m in _bluesky_media(view.get("embed")) if m],
    )


def _capture_youtube(post, fetcher):
    """YouTube's oEmbed: title, channel and thumbnail (YouTube gives no time there)."""
    query = urlencode({"url": post.url, "format": "json"})
    data = fetcher.json(f"https://www.youtube.com/oembed?{query}")
    channel_url = _public_url(data.get("author_url"))
    handle = urlsplit(channel_url).path.strip("/") if channel_url else ""
    return Snapshot(
        author_name=str(data.get("author_name") or ""),
        author_handle=handle if handle.startswith("@") else "",
        author_url=channel_url,
        text=" ".join(str(data["title"]).split()),
        thumbnail_url=_public_url(data.get("thumbnail_url")),
    )


# X's ids are snowflakes: milliseconds since this epoch, shifted left by 22 bits.
X_EPOCH_MS = 1288834974657


def x_posted_at(status_id):
    return datetime.fromtimestamp(((int(status_id) >> 22) + X_EPOCH_MS) / 1000, tz=UTC)


def _capture_x(post, fetcher):
    """X's oEmbed (publish.twitter.com): the text is read out of its blockquote; the time is in
    the post's id."""
    handle = post.parts.get("handle") or "i"
    query = urlencode(
        {
            "url": f"https://twitter.com/{handle}/status/{post.parts['id']}",
            "omit_script": "1",
            "dnt": "true",
        }
    )
    data = fetcher.json(f"https://publish.twitter.com/oembed?{query}")
    paragraph, language = _first_paragraph(data["html"])
    author_url = _public_url(data.get("author_url"))
    screen_name = urlsplit(author_url).path.strip("/") if author_url else ""
    return Snapshot(
        author_name=str(data.get("author_name") or ""),
        author_handle=f"@{screen_name}" if screen_name else "",
        author_url=author_url.replace("https://twitter.com/", "https://x.com/"),
        text=html_to_text(paragraph),
        posted_at=x_posted_at(post.parts["id"]),
        language=_language(language),
    )


# The only frame a page may load (SECURE_CSP's frame-src), and only after the reader's click.
PLAYER_ORIGIN = "https://www.youtube-nocookie.com"


def _youtube_player(post):
    return f"{PLAYER_ORIGIN}/embed/{post.key.removeprefix('youtube:')}"


# The platform table, read top to bottom (Mastodon, which may be on any server, last).
PLATFORMS = (
    Platform(
        "x",
        "X",
        _routes(
            rf"{X_HOSTS}/(?P<handle>[A-Za-z0-9_]{{1,15}})/status(?:es)?/(?P<id>\d{{1,25}})"
            r"(?:/(?:photo|video)/\d)?/?",
            rf"{X_HOSTS}/i/(?:web/)?status/(?P<id>\d{{1,25}})/?",
        ),
        _x,
        capture=_capture_x,
        hosts=frozenset(
            {"x.com", "www.x.com", "mobile.x.com", "twitter.com", "www.twitter.com"}
            | {"mobile.twitter.com"}
        ),
    ),
    Platform(
        "bluesky",
        "Bluesky",
        _routes(
            r"(?:www\.)?bsky\.app/profile/(?P<actor>did:(?:plc:[a-z2-7]{24}|web:[a-z0-9.-]+)"
            r"|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)/post/(?P<rkey>[A-Za-z0-9._~-]{1,64})/?"
        ),
        _bluesky,
        capture=_capture_bluesky,
        hosts=frozenset({"bsky.app", "www.bsky.app"}),
    ),
    Platform(
        "threads",
        "Threads",
        _routes(
            r"(?:www\.)?threads\.(?:net|com)/@(?P<user>[A-Za-z0-9._]{1,30})"
            r"/post/(?P<code>[A-Za-z0-9_-]{5,20})/?"
        ),
        _threads,
        hosts=frozenset({"threads.net", "www.threads.net", "threads.com", "www.threads.com"}),
    ),
    Platform(
        "youtube",
        "YouTube",
        _routes(
            r"(?:www\.|m\.|music\.)?youtube\.com/watch/?",
            r"(?:www\.|m\.)?youtube\.com/(?:shorts|live|embed|v)/(?P<id>[A-Za-z0-9_-]{11})/?",
            r"(?:www\.)?youtube-nocookie\.com/embed/(?P<id>[A-Za-z0-9_-]{11})/?",
            r"youtu\.be/(?P<id>[A-Za-z0-9_-]{11})/?",
        ),
        _youtube,
        capture=_capture_youtube,
        player=_youtube_player,
        hosts=frozenset(
            {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "youtu.be"}
            | {"youtube-nocookie.com", "www.youtube-nocookie.com"}
        ),
    ),
    Platform(
        "instagram",
        "Instagram",
        _routes(
            r"(?:www\.)?instagram\.com/(?:[A-Za-z0-9._]{1,30}/)?(?P<kind>p|reels?|tv)"
            r"/(?P<code>[A-Za-z0-9_-]{5,40})/?"
        ),
        _instagram,
        hosts=frozenset({"instagram.com", "www.instagram.com"}),
    ),
    Platform(
        "tiktok",
        "TikTok",
        _routes(
            r"(?:www\.|m\.)?tiktok\.com/@(?P<user>[A-Za-z0-9._]{1,24})"
            r"/(?:video|photo)/(?P<id>\d{10,25})/?"
        ),
        _tiktok,
        hosts=frozenset({"tiktok.com", "www.tiktok.com", "m.tiktok.com"}),
    ),
    Platform(
        "linkedin",
        "LinkedIn",
        _routes(
            r"(?:www\.)?linkedin\.com/feed/update/urn:li:(?P<kind>activity|share|ugcPost)"
            r":(?P<id>\d{10,25})/?",
            r"(?:www\.)?linkedin\.com/posts/[A-Za-z0-9_%-]{1,200}?[-_]"
            r"(?P<kind>activity|share|ugcPost)-(?P<id>\d{10,25})-[A-Za-z0-9_-]{1,8}/?",
        ),
        _linkedin,
        hosts=frozenset({"linkedin.com", "www.linkedin.com"}),
    ),
    Platform(
        "facebook",
        "Facebook",
        _routes(
            rf"{FACEBOOK_HOSTS}/(?P<permalink>permalink\.php|story\.php)",
            rf"{FACEBOOK_HOSTS}/(?P<watch>watch)/?",
            rf"{FACEBOOK_HOSTS}/share/(?P<share>[pvr])/(?P<code>[A-Za-z0-9]{{6,20}})/?",
            rf"{FACEBOOK_HOSTS}/reel/(?P<reel>\d{{5,25}})/?",
            rf"{FACEBOOK_HOSTS}/(?P<page>[A-Za-z0-9.-]{{1,80}})/(?P<kind>posts|videos)"
            r"/(?P<id>\d{5,25}|pfbid[A-Za-z0-9]{10,80})/?",
        ),
        _facebook,
        hosts=frozenset(
            {"facebook.com", "www.facebook.com", "m.facebook.com", "web.facebook.com"}
            | {"mbasic.facebook.com"}
        ),
    ),
    # Last: any other server whose path reads as a Mastodon status.
    Platform(
        "mastodon",
        "Mastodon",
        _routes(
            r"(?P<host>[a-z0-9-]+(?:\.[a-z0-9-]+)+)/@(?P<user>[A-Za-z0-9_]{1,30}"
            r"(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)/(?P<id>\d{1,20})/?",
            r"(?P<host>[a-z0-9-]+(?:\.[a-z0-9-]+)+)/users/(?P<user>[A-Za-z0-9_]{1,30})"
            r"/statuses/(?P<id>\d{1,20})/?",
        ),
        _mastodon,
        capture=_capture_mastodon,
    ),
)
OWNED_HOSTS = frozenset().union(*(platform.hosts for platform in PLATFORMS))


# --- A video's thumbnail ---------------------------------------------------------------------

# Where a thumbnail may come from: YouTube's image host only, whatever the oEmbed answer says.
THUMBNAIL_HOSTS = frozenset({"i.ytimg.com"})
THUMBNAIL_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_THUMBNAIL_BYTES = 2 * 1024 * 1024
MAX_THUMBNAIL_PIXELS = 4_000_000  # YouTube's largest (maxresdefault) is 1280 x 720
THUMBNAIL_WIDTH = 640


def fetch_thumbnail(url, *, resolver=None):
    """A video's thumbnail as JPEG bytes (read by Pillow as one of THUMBNAIL_FORMATS, at most
    THUMBNAIL_WIDTH wide, re-encoded without metadata) with its width and height; None when
    the address is not on an allowed host or the file is not such an image."""
    parts = urlsplit(url or "")
    if parts.scheme != "https" or parts.hostname not in THUMBNAIL_HOSTS:
        return None
    fetcher = Fetcher("YouTube", resolver)
    try:
        answer = fetcher.get(url, accept="image/*", max_bytes=MAX_THUMBNAIL_BYTES)
    except (CaptureError, Gone):
        return None
    try:
        with Image.open(io.BytesIO(answer.body), formats=list(THUMBNAIL_FORMATS)) as image:
            if image.width * image.height > MAX_THUMBNAIL_PIXELS:
                return None
            image.load()
            pixels = image.convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
        return None
    if pixels.width > THUMBNAIL_WIDTH:
        height = round(pixels.height * THUMBNAIL_WIDTH / pixels.width)
        pixels = pixels.resize((THUMBNAIL_WIDTH, height), Image.Resampling.LANCZOS)
    output = io.BytesIO()
    pixels.save(output, "JPEG", quality=85)  # a fresh image: no EXIF, comment or profile
    return output.getvalue(), pixels.width, pixels.height


# --- In the text: placeholders in body_html, cards at page time -----------------------------

PLACEHOLDER_CLASS = "social-embed"
# What rendering writes (and nh3 keeps, attributes in this order) for a post alone on its line;
# outside a page (feeds, the desk's list) it reads as the link it contains.
_PLACEHOLDER = re.compile(
    r'<figure class="social-embed" data-social-url="(?P<url>[^"<>]{1,2100})">'
    r'<a href="[^"<>]{1,2100}" rel="noopener noreferrer">[^<>]{0,2100}</a></figure>'
)
_SHOWN = re.compile(r'data-social-url="([^"<>]{1,2100})" data-social-version="(\d{1,10})"')


def placeholder_attribute(url):
    """The attribute a placeholder for `url` carries in body_html, as nh3 writes it: what a
    search of the stored HTML for the texts embedding a post looks for."""
    return f'data-social-url="{escape(url, quote=True)}"'


def urls_in(*fragments):
    """The post addresses the placeholders of these HTML fragments name, normalised."""
    found = set()
    for fragment in fragments:
        for match in _PLACEHOLDER.finditer(fragment or ""):
            post = recognise(unescape(match["url"]))
            if post is not None:
                found.add(post.url)
    return found


def shown_posts(html):
    """(address, version) of each card in a rendered page (version 0: a link card, no
    snapshot): what the page's cache entry depends on."""
    return {(unescape(url), int(version)) for url, version in _SHOWN.findall(html or "")}


@dataclass
class Card:
    """What `templates/partials/_social_post.html` prints for one embedded post."""

    url: str
    platform: Platform
    post: object = None  # the SocialPost, or None: a plain link card
    time_zone: str = ""
    player: str = ""

    @property
    def version(self):
        return self.post.version if self.post is not None else 0

    @property
    def host(self):
        return links.display_host(self.url)

    @property
    def is_video(self):
        return bool(self.player)


class Cards:
    """The snapshots a page shows, fetched once for the whole page, and the story's zone."""

    def __init__(self, posts=(), time_zone=None):
        self.posts = {post.url: post for post in posts}
        self.time_zone = time_zone or settings.NEWSROOM_TIME_ZONE

    def card(self, url):
        post = recognise(url)
        if post is None:
            return None
        player = post.platform.player(post) if post.platform.player else ""
        return Card(post.url, post.platform, self.posts.get(post.url), self.time_zone, player)

    def render(self, html):
        """`html` (a sanitised body_html) with each placeholder replaced by its card."""

        def replace(match):
            card = self.card(unescape(match["url"]))
            if card is None:
                return match.group(0)
            return render_to_string("partials/_social_post.html", {"card": card})

        # Safe: every piece is sanitised body_html or our own template's escaped output.
        return mark_safe(_PLACEHOLDER.sub(replace, html or ""))  # noqa: S308
