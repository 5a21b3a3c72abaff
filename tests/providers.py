"""Fake social platforms on 127.0.0.1: the public endpoints captures ask, with answers in the
shapes each platform documents (Mastodon's status entity, Bluesky's PostView, oEmbed).

One server answers for every provider, by the Host header and the path and query. The
`providers` fixture (tests/conftest.py) points captures at it: egress's loopback test setting,
the capture's test port, and a resolver that knows the providers' names and nothing else, so
nothing reaches the internet."""

import io
import json
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

from PIL import Image

from tests.origin import LoopbackServer

GDB_STATUS = "1725736242137182594"
MASTODON_URL = "https://mastodon.social/@Gargron/111432178273563232"
BLUESKY_URL = "https://bsky.app/profile/karaswisher.bsky.social/post/3kebz4cxnnl2x"
KARA_DID = "did:plc:3jpt2mvvsumj2r7eqk4gzzjz"
YOUTUBE_ID = "U9mJuUkhUzk"

MASTODON_STATUS = {
    "id": "111432178273563232",
    "created_at": "2023-11-18T09:15:02.000Z",
    "in_reply_to_id": None,
    "sensitive": False,
    "spoiler_text": "",
    "visibility": "public",
    "language": "en",
    "uri": "https://mastodon.social/users/Gargron/statuses/111432178273563232",
    "url": "https://mastodon.social/@Gargron/111432178273563232",
    "content": (
        '<p>Whatever happens at OpenAI, the <a href="https://mastodon.social/tags/fediverse" '
        'class="mention hashtag" rel="tag">#<span>fediverse</span></a> keeps your posts. '
        'Read <a href="https://joinmastodon.org/about/long/path" target="_blank" '
        'rel="nofollow noopener noreferrer"><span class="invisible">https://</span>'
        '<span class="ellipsis">joinmastodon.org/about/lo</span><span class="invisible">ng/path'
        '</span></a></p><p>Thanks <span class="h-card"><a href="https://mastodon.social/@sama" '
        'class="u-url mention">@<span>sama</span></a></span> &amp; co.<br>'
        "<script>alert(1)</script>Bye</p>"
    ),
    "reblog": None,
    "account": {
        "id": "1",
        "username": "Gargron",
        "acct": "Gargron",
        "display_name": "Eugen Rochko",
        "url": "https://mastodon.social/@Gargron",
        "avatar": "https://files.mastodon.social/accounts/avatars/000/000/001/original/a.png",
    },
    "media_attachments": [
        {
            "id": "22345792",
            "type": "image",
            "url": "https://files.mastodon.social/media_attachments/files/022/345/792/original/a.jpg",
            "preview_url": "https://files.mastodon.social/media_attachments/files/small/a.jpg",
            "description": "A screenshot of the OpenAI board's announcement",
        }
    ],
    "mentions": [],
    "tags": [],
    "emojis": [],
}

BLUESKY_TEXT = "Many more departures coming at OpenAI, I am told. More: nytimes.com/2023/11/1..."
BLUESKY_POSTS = {
    "posts": [
        {
            "uri": f"at://{KARA_DID}/app.bsky.feed.post/3kebz4cxnnl2x",
            "cid": "bafyreidemo",
            "author": {
                "did": KARA_DID,
                "handle": "karaswisher.bsky.social",
                "displayName": "Kara Swisher",
                "avatar": "https://cdn.bsky.app/img/avatar/plain/did:plc:x/a@jpeg",
            },
            "record": {
                "$type": "app.bsky.feed.post",
                "text": BLUESKY_TEXT,
                "createdAt": "2023-11-18T17:41:07.512Z",
                "langs": ["en"],
                "facets": [
                    {
                        "index": {
                            # "nytimes.com/2023/11/1..." in UTF-8 bytes
                            "byteStart": len(BLUESKY_TEXT.encode()) - 24,
                            "byteEnd": len(BLUESKY_TEXT.encode()),
                        },
                        "features": [
                            {
                                "$type": "app.bsky.richtext.facet#link",
                                "uri": "https://www.nytimes.com/2023/11/18/technology/openai.html",
                            }
                        ],
                    }
                ],
            },
            "embed": {
                "$type": "app.bsky.embed.images#view",
                "images": [
                    {
                        "thumb": "https://cdn.bsky.app/img/feed_thumbnail/plain/x/a@jpeg",
                        "fullsize": "https://cdn.bsky.app/img/feed_fullsize/plain/x/a@jpeg",
                        "alt": "Sam Altman on stage",
                    }
                ],
            },
            "indexedAt": "2023-11-18T17:41:08.000Z",
        }
    ]
}

YOUTUBE_OEMBED = {
    "title": "OpenAI DevDay, Opening Keynote",
    "author_name": "OpenAI",
    "author_url": "https://www.youtube.com/@OpenAI",
    "type": "video",
    "height": 113,
    "width": 200,
    "version": "1.0",
    "provider_name": "YouTube",
    "provider_url": "https://www.youtube.com/",
    "thumbnail_height": 360,
    "thumbnail_width": 480,
    "thumbnail_url": f"https://i.ytimg.com/vi/{YOUTUBE_ID}/hqdefault.jpg",
    "html": f'<iframe width="200" height="113" src="https://www.youtube.com/embed/{YOUTUBE_ID}'
    '?feature=oembed" frameborder="0" allowfullscreen></iframe>',
}

X_OEMBED = {
    "url": f"https://twitter.com/gdb/status/{GDB_STATUS}",
    "author_name": "Greg Brockman",
    "author_url": "https://twitter.com/gdb",
    "html": (
        '<blockquote class="twitter-tweet" data-dnt="true"><p lang="en" dir="ltr">Sam and I '
        'are shocked and saddened by what the board did today. <a href="https://twitter.com/'
        'sama">@sama</a> <a href="https://t.co/KzZ4sRtW3u">pic.twitter.com/KzZ4sRtW3u</a></p>'
        '&mdash; Greg Brockman (@gdb) <a href="https://twitter.com/gdb/status/'
        f'{GDB_STATUS}?ref_src=twsrc%5Etfw">November 18, 2023</a></blockquote>\n'
        '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>'
    ),
    "width": 550,
    "height": None,
    "type": "rich",
    "cache_age": "3153600000",
    "provider_name": "Twitter",
    "provider_url": "https://twitter.com",
    "version": "1.0",
}


def jpeg(width=480, height=360):
    """A real JPEG, with an EXIF comment a re-encoding must drop."""
    output = io.BytesIO()
    exif = Image.Exif()
    exif[0x010E] = "secret camera note"  # ImageDescription
    Image.new("RGB", (width, height), (200, 30, 30)).save(output, "JPEG", exif=exif)
    return output.getvalue()


def _json(data, status=200):
    return status, "application/json; charset=utf-8", json.dumps(data).encode()


def recorded_answers():
    """{(host, path, sorted query): (status, content type, body)}: each test gets a fresh copy
    to change (a post deleted: its answer becomes a 404)."""
    x_query = {
        "url": f"https://twitter.com/gdb/status/{GDB_STATUS}",
        "omit_script": "1",
        "dnt": "true",
    }
    youtube = {"url": f"https://www.youtube.com/watch?v={YOUTUBE_ID}", "format": "json"}
    return {
        key("mastodon.social", "/api/v1/statuses/111432178273563232"): _json(MASTODON_STATUS),
        key(
            "public.api.bsky.app",
            "/xrpc/com.atproto.identity.resolveHandle",
            {"handle": "karaswisher.bsky.social"},
        ): _json({"did": KARA_DID}),
        key(
            "public.api.bsky.app",
            "/xrpc/app.bsky.feed.getPosts",
            {"uris": f"at://{KARA_DID}/app.bsky.feed.post/3kebz4cxnnl2x"},
        ): _json(BLUESKY_POSTS),
        key("www.youtube.com", "/oembed", youtube): _json(YOUTUBE_OEMBED),
        key("i.ytimg.com", f"/vi/{YOUTUBE_ID}/hqdefault.jpg"): (200, "image/jpeg", jpeg()),
        key("publish.twitter.com", "/oembed", x_query): _json(X_OEMBED),
    }


def key(host, path, query=None):
    return host, path, tuple(sorted((query or {}).items()))


NAMES = frozenset(
    {"mastodon.social", "public.api.bsky.app", "www.youtube.com", "i.ytimg.com"}
    | {"publish.twitter.com", "mastodon.example"}
)


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        host = self.headers["Host"].rsplit(":", 1)[0]
        url = urlsplit(self.path)
        asked = key(host, url.path, dict(parse_qsl(url.query)))
        self.server.asked.append(asked)
        status, content_type, body = self.server.answers.get(
            asked, _json({"error": "NotFound"}, 404)
        )
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class ProviderServer(LoopbackServer):
    def start(self):
        self.answers, self.asked = recorded_answers(), []
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05})
        self.thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()
        self.thread.join()

    def set(self, host, path, query=None, *, status=200, data=None):
        self.answers[key(host, path, query)] = _json(data or {}, status)

    def hosts_asked(self):
        return [host for host, _path, _query in self.asked]


def serve():
    return ProviderServer(("127.0.0.1", 0), _Handler).start()
