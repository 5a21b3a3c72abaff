"""Markdown to safe HTML: the only place in the project where Markdown becomes HTML.

Pipeline: ``render_markdown`` = Markdown -> HTML (``_markdown_to_html``), then
``sanitize_html``. Uploaded images become responsive pictures from a map of ``Picture`` values
that the caller resolved beforehand (``articles/images.py``): rendering itself looks nothing
up. Post-processing hooks (embeds, responsive images, attributed quotes) belong between those
two steps, so their output is sanitised too.

Why sanitise *after* rendering rather than escaping the input: Markdown lets authors
write raw HTML, and it also builds HTML itself from link and image syntax
(``[x](javascript:...)``, reference links, autolinks). Cleaning the input cannot
see what Markdown will generate, so the only reliable check is on the final
HTML, with an allowlist: any tag, attribute, URL scheme or class not listed below
is removed, whatever way it was spelt (entities, mixed case, control characters).
``md_in_html`` and ``attr_list`` are deliberately not enabled: they let authors put
arbitrary attributes on elements.

Both public functions are pure (no database, network or Django settings), so
this module can be used as django-markdownx's ``MARKDOWNX_MARKDOWNIFY_FUNCTION``
and from model ``save()`` methods.
"""

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from xml.etree.ElementTree import Element, SubElement

import markdown
import nh3
from django.core.exceptions import ValidationError
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from articles import embeds, links

__all__ = ["Picture", "image_sources", "render_markdown", "render_post_text", "sanitize_html"]

# --- Markdown -------------------------------------------------------------

MARKDOWN_EXTENSIONS = (
    "tables",
    "fenced_code",
    "footnotes",
    "sane_lists",
    "abbr",
    "toc",
)


# The dashes an attribution line starts with: em dash, en dash, or two hyphens typed for one.
_ATTRIBUTION_DASHES = ("\u2014", "\u2013", "--")


class _AttributedQuotes(Treeprocessor):
    """A blockquote whose last paragraph is an attribution ("— [Yahoo!](https://…)") becomes
    `<figure><blockquote cite="…">…</blockquote><figcaption><cite>…</cite></figcaption></figure>`,
    `cite` taken from the attribution's last web link. Pure: the citation it matches is found
    by its address, on the page, not here."""

    def run(self, root):
        parents = {child: parent for parent in root.iter() for child in parent}
        for quote in list(root.iter("blockquote")):
            paragraphs = [child for child in quote if child.tag == "p"]
            if len(paragraphs) < 2 or quote[-1] is not paragraphs[-1]:
                continue
            attribution = paragraphs[-1]
            text = (attribution.text or "").lstrip()
            dash = next((d for d in _ATTRIBUTION_DASHES if text.startswith(d)), None)
            links = [
                a
                for a in attribution.iter("a")
                if a.get("href", "").startswith(("https://", "http://"))
            ]
            if dash is None or not links:
                continue
            parent = parents.get(quote)
            if parent is None:
                continue
            quote.remove(attribution)
            quote.set("cite", links[-1].get("href"))
            figure = Element("figure")
            parent.insert(list(parent).index(quote), figure)
            parent.remove(quote)
            figure.append(quote)
            caption = SubElement(figure, "figcaption")
            cite = SubElement(caption, "cite")
            cite.text = text[len(dash) :].lstrip()
            cite.extend(list(attribution))
            figure.tail = quote.tail
            quote.tail = None


class _AttributedQuotesExtension(Extension):
    def extendMarkdown(self, md):
        # After the inline patterns (priority 20), so the attribution's links are elements.
        md.treeprocessors.register(_AttributedQuotes(md), "attributed_quotes", 5)


@dataclass(frozen=True)
class Picture:
    """What a responsive `<picture>` prints, resolved before rendering (articles/images.py).

    `sources` are (MIME type, srcset) pairs, best format first; `srcset` is the fallback
    image's, in the original's format; the same values fill templates/articles/_picture.html.
    """

    src: str
    width: int
    height: int
    alt: str = ""
    srcset: str = ""
    sizes: str = ""
    sources: tuple[tuple[str, str], ...] = ()
    caption: str = ""
    credit: str = ""
    disclosure: str = ""
    featured: bool = False


def picture_element(picture: Picture, alt: str | None = None) -> Element:
    """`<figure><picture>…<img></picture><figcaption>…</figcaption></figure>` for `picture`.

    Lazy unless featured: the featured image is what the reader sees first, so it is fetched
    first (fetchpriority) rather than after layout.
    """
    figure = Element("figure", {"class": "picture"})
    element = SubElement(figure, "picture")
    for content_type, srcset in picture.sources:
        attributes = {"type": content_type, "srcset": srcset}
        if picture.sizes:
            attributes["sizes"] = picture.sizes
        SubElement(element, "source", attributes)
    img = {"src": picture.src}
    if picture.srcset:
        img["srcset"] = picture.srcset
        if picture.sizes:
            img["sizes"] = picture.sizes
    img |= {
        "width": str(picture.width),
        "height": str(picture.height),
        "alt": picture.alt if alt is None else alt,
        "decoding": "async",
    }
    img |= {"fetchpriority": "high"} if picture.featured else {"loading": "lazy"}
    SubElement(element, "img", img)
    if picture.caption or picture.credit or picture.disclosure:
        caption = SubElement(figure, "figcaption")
        for kind in ("caption", "credit", "disclosure"):
            if text := getattr(picture, kind):
                if len(caption):
                    caption[-1].tail = " "
                SubElement(caption, "span", {"class": f"picture-{kind}"}).text = text
    return figure


class _Pictures(Treeprocessor):
    """A paragraph holding nothing but an uploaded image (`![alt](/media/images/…)`, as the
    editor inserts it) becomes its `<figure>` with the responsive `<picture>`, caption, credit
    and disclosure. The alt text written in the brackets wins over the image's own."""

    def __init__(self, md, pictures):
        super().__init__(md)
        self.pictures = pictures

    def run(self, root):
        for parent in list(root.iter()):
            for index, child in enumerate(list(parent)):
                if child.tag != "p" or len(child) != 1 or (child.text or "").strip():
                    continue
                img = child[0]
                if img.tag != "img" or (img.tail or "").strip():
                    continue
                found = self.pictures.get(img.get("src", ""))
                if found is None:
                    continue
                figure = picture_element(found, alt=img.get("alt") or None)
                figure.tail = child.tail
                parent.remove(child)
                parent.insert(index, figure)


class _PicturesExtension(Extension):
    def __init__(self, pictures):
        super().__init__()
        self.pictures = pictures

    def extendMarkdown(self, md):
        md.treeprocessors.register(_Pictures(md, self.pictures), "pictures", 4)


class _ImageSources(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.sources = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            attributes = dict(attrs)
            if attributes.get("src"):
                self.sources.append((attributes["src"], (attributes.get("alt") or "").strip()))


def image_sources(html_text: str | None) -> list[str]:
    """The `src` of every `<img>` in `html_text`, in order: what a page must resolve to show
    them as pictures."""
    return [src for src, _alt in _images(html_text)]


def images_without_alt(html_text: str | None) -> list[str]:
    """The `src` of every `<img>` in `html_text` with no alt text: readers who cannot see it
    would get nothing."""
    return [src for src, alt in _images(html_text) if not alt]


def _images(html_text):
    if not html_text or "<img" not in html_text:
        return []
    parser = _ImageSources()
    parser.feed(html_text)
    parser.close()
    return parser.sources


# A line that is an address and nothing else (at most wrapped in <>, as an autolink).
_URL_LINE = re.compile(r"<?(https?://[^\s<>]{1,2048})>?[ \t]*")


def _is_public(url):
    try:
        links.validate_public_url(url)
    except ValidationError:
        return False
    return True


class _UrlLines(Preprocessor):
    """An address alone on its line becomes a link; a social post's address a paragraph of its
    own, which `_SocialPosts` turns into a placeholder for its card. Runs after fenced code and
    raw HTML are set aside, so their lines are left alone; an indented line may be code."""

    def run(self, lines):
        out = []
        for line in lines:
            match = _URL_LINE.fullmatch(line)
            if match is None or not _is_public(match.group(1)):
                out.append(line)
            elif embeds.recognise(match.group(1)) is not None:
                out.extend(["", f"<{match.group(1)}>", ""])
            else:
                out.append(f"<{match.group(1)}>")
        return out


class _SocialPosts(Treeprocessor):
    """A paragraph holding a social post's address alone becomes
    `<figure class="social-embed" data-social-url="…"><a href="…">…</a></figure>`: a plain link
    wherever the HTML is shown as is (a feed, the desk's list), a native card on pages, which
    fill in the snapshot at render time (`embeds.Cards`). Pure: the snapshot is not looked up
    here, so body_html stays derived from the text alone."""

    def run(self, root):
        for paragraph in list(root.iter("p")):
            if len(paragraph) != 1 or (paragraph.text or "").strip():
                continue
            link = paragraph[0]
            if link.tag != "a" or (link.tail or "").strip() or len(link):
                continue
            href = link.get("href", "")
            post = embeds.recognise(href) if (link.text or "").strip() == href else None
            if post is None:
                continue
            paragraph.clear()
            paragraph.tag = "figure"
            paragraph.set("class", embeds.PLACEHOLDER_CLASS)
            paragraph.set("data-social-url", post.url)
            fallback = SubElement(paragraph, "a", {"href": post.url})
            fallback.text = post.url.removeprefix("https://")


class _SocialPostsExtension(Extension):
    def extendMarkdown(self, md):
        # Below fenced code (25) and raw HTML blocks (20); after the inline patterns (20).
        md.preprocessors.register(_UrlLines(md), "url_lines", 15)
        md.treeprocessors.register(_SocialPosts(md), "social_posts", 6)


def _extension_configs() -> dict[str, dict[str, object]]:
    return {
        # Heading ids that keep French words readable: "élection-présidentielle".
        "toc": {"slugify": slugify_unicode},
        # align="left" instead of style="text-align: left" (style is never allowed).
        "tables": {"use_align_attribute": True},
    }


# --- Sanitiser allowlist ----------------------------------------------------

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
    "strong", "em", "b", "i", "s", "del", "ins", "mark", "sub", "sup", "small",
    "abbr", "code", "pre", "kbd", "blockquote", "q", "cite",
    "ul", "ol", "li", "dl", "dt", "dd",
    "a",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
    "figure", "figcaption", "span", "div",
    "img", "picture", "source",
})  # fmt: skip

# Removed together with their content (the other unknown tags are removed but
# their text is kept). Must not overlap ALLOWED_TAGS.
CLEAN_CONTENT_TAGS = frozenset({
    "script", "style", "template", "noscript", "noembed", "noframes", "xmp",
    "iframe", "frame", "frameset", "object", "applet", "textarea", "select",
    "svg", "math", "title",
})  # fmt: skip

_HEADING_ATTRIBUTES = frozenset({"id"})
_CELL_ATTRIBUTES = frozenset({"align", "colspan", "rowspan", "scope"})

ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title", "class"}),  # class: footnote links only
    "img": frozenset(
        {
            "src",
            "srcset",
            "sizes",
            "alt",
            "title",
            "width",
            "height",
            "loading",
            "decoding",
            "fetchpriority",
        }
    ),
    "abbr": frozenset({"title"}),
    "th": _CELL_ATTRIBUTES,
    "td": _CELL_ATTRIBUTES,
    **{f"h{level}": _HEADING_ATTRIBUTES for level in range(1, 7)},
    "ol": frozenset({"start"}),
    "li": frozenset({"id"}),  # footnote targets
    "sup": frozenset({"id"}),  # footnote references
    "div": frozenset({"class"}),  # "footnote" and "toc" only
    "figure": frozenset({"class", "data-social-url"}),  # pictures, social post placeholders
    "span": frozenset({"class"}),  # a picture's caption, credit and disclosure
    "code": frozenset({"class"}),  # "language-*" only
    "blockquote": frozenset({"cite"}),
    "q": frozenset({"cite"}),
    "source": frozenset({"srcset", "sizes", "type", "media"}),
}

# Applied by nh3 to href/src. Relative URLs ("/stories/x/", "#note") have no
# scheme and are kept.
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Stricter subset for resources the browser fetches or that are not links.
ALLOWED_RESOURCE_SCHEMES = frozenset({"http", "https"})

LINK_REL = "noopener noreferrer"

# Classes kept per tag; every other class is dropped.
ALLOWED_CLASSES = {
    "div": frozenset({"footnote", "toc"}),
    "a": frozenset({"footnote-ref", "footnote-backref"}),
    "figure": frozenset({"picture", "social-embed"}),
    "span": frozenset({"picture-caption", "picture-credit", "picture-disclosure"}),
}
_CODE_LANGUAGE_CLASS = re.compile(r"language-[A-Za-z0-9_+#.-]{1,40}")

# Attribute values restricted to a fixed set or shape.
_ENUM_VALUES = {
    "align": frozenset({"left", "right", "center"}),
    "scope": frozenset({"row", "col", "rowgroup", "colgroup"}),
    "loading": frozenset({"lazy", "eager"}),
    "decoding": frozenset({"async", "sync", "auto"}),
    "fetchpriority": frozenset({"high", "low", "auto"}),
}
_INTEGER_ATTRIBUTES = {
    "width": re.compile(r"\d{1,5}"),
    "height": re.compile(r"\d{1,5}"),
    "colspan": re.compile(r"\d{1,3}"),
    "rowspan": re.compile(r"\d{1,3}"),
    "start": re.compile(r"-?\d{1,9}"),
}

# Browsers ignore ASCII whitespace and control characters inside a scheme
# ("java\tscript:"), so they are removed before reading the scheme.
_IGNORED_URL_CHARACTERS = re.compile(r"[\x00-\x20\x7f-\x9f]+")
_URL_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")


def _url_is_allowed(url: str, schemes: frozenset[str]) -> bool:
    """True if ``url`` is relative (no scheme) or uses one of ``schemes``."""
    match = _URL_SCHEME.match(_IGNORED_URL_CHARACTERS.sub("", url).lower())
    return match is None or match.group(1) in schemes


def _srcset_is_allowed(srcset: str) -> bool:
    candidates = [part.split()[0] for part in srcset.split(",") if part.strip()]
    return bool(candidates) and all(
        _url_is_allowed(url, ALLOWED_RESOURCE_SCHEMES) for url in candidates
    )


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """nh3 ``attribute_filter``: return the value to keep, or None to drop it.

    Runs on attributes already allowed by ALLOWED_ATTRIBUTES; it checks URLs a
    second time (and the ones nh3 does not check: srcset, cite), and narrows
    classes and value formats.
    """
    if attribute == "href":
        return value if _url_is_allowed(value, ALLOWED_URL_SCHEMES) else None
    if attribute in {"src", "cite"}:
        return value if _url_is_allowed(value, ALLOWED_RESOURCE_SCHEMES) else None
    if attribute == "srcset":
        return value if _srcset_is_allowed(value) else None
    if attribute == "data-social-url":
        # Only a post's own address, as the platform table spells it.
        post = embeds.recognise(value)
        return value if post is not None and post.url == value else None
    if attribute == "class":
        if tag == "code":
            kept = [c for c in value.split() if _CODE_LANGUAGE_CLASS.fullmatch(c)]
        else:
            allowed = ALLOWED_CLASSES.get(tag, frozenset())
            kept = [c for c in value.split() if c in allowed]
        return " ".join(kept) or None
    if attribute in _ENUM_VALUES:
        normalised = value.strip().lower()
        return normalised if normalised in _ENUM_VALUES[attribute] else None
    if attribute in _INTEGER_ATTRIBUTES:
        stripped = value.strip()
        return stripped if _INTEGER_ATTRIBUTES[attribute].fullmatch(stripped) else None
    return value


# --- Public API -------------------------------------------------------------


def _new_markdown(pictures: Mapping[str, Picture] | None = None) -> markdown.Markdown:
    """A fresh converter: ``markdown.Markdown`` instances keep state and are not
    thread-safe, so none is shared between calls."""
    extras = [_PicturesExtension(pictures)] if pictures else []
    return markdown.Markdown(
        extensions=[
            *MARKDOWN_EXTENSIONS,
            _AttributedQuotesExtension(),
            _SocialPostsExtension(),
            *extras,
        ],
        extension_configs=_extension_configs(),
        output_format="html",
    )


# Hostile input that is valid Markdown can still be costly. Python-Markdown's inline patterns
# rescan the rest of the text for each opening "[" or "<", so a text of a few thousand of them
# takes seconds (20,000 "[" took 52 s here): past these counts they are escaped, and render as
# the characters they are. Real stories use a few dozen.
MAX_OPENERS = {"[": 1000, "<": 2000}
_OPENER_ENTITIES = {"[": "&#91;", "<": "&lt;"}
# Longest text an editor may save in one Markdown field (forms validate it with a clear error).
MAX_MARKDOWN_LENGTH = 100_000


def _defuse(text: str) -> str:
    # Forms refuse longer texts; this bounds what a preview request can make the server do.
    text = text[:MAX_MARKDOWN_LENGTH]
    for opener, limit in MAX_OPENERS.items():
        if text.count(opener) > limit:
            text = text.replace(opener, _OPENER_ENTITIES[opener])
    return text


def _markdown_to_html(text: str, pictures: Mapping[str, Picture] | None = None) -> str:
    """Unsanitised HTML straight from Markdown. Never output this as is."""
    try:
        return _new_markdown(pictures).convert(_defuse(text))
    except RecursionError:
        # Some nestings recurse once per level; such a text is shown as plain paragraphs.
        return "".join(f"<p>{html.escape(part)}</p>" for part in text.split("\n\n") if part.strip())


def sanitize_html(html: str | None) -> str:
    """Reduce ``html`` to the allowlist above. Returns "" for None or empty input."""
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(CLEAN_CONTENT_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_filter_attribute,
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markdown(text: str | None, *, pictures: Mapping[str, Picture] | None = None) -> str:
    """Render author Markdown to sanitised HTML. Returns "" for None or empty input.

    `pictures` maps an image's URL to its `Picture`: such an image alone in its paragraph
    renders as a responsive figure. Without it, images are plain `<img>` (feeds, stored HTML).
    """
    if not text:
        return ""
    return sanitize_html(_markdown_to_html(without_control_characters(text), pictures))


class _Removals(HTMLParser):
    """What sanitize_html will take out of Markdown's raw HTML, asked with the same rules."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []
        self._skipping = 0  # inside a tag removed with its content

    def handle_starttag(self, tag, attrs):
        if tag in CLEAN_CONTENT_TAGS:
            self.found.append(("element", tag, ""))
            self._skipping += 1
            return
        if self._skipping:
            return
        if tag not in ALLOWED_TAGS:
            self.found.append(("element", tag, ""))
            return
        allowed = ALLOWED_ATTRIBUTES.get(tag, frozenset())
        for name, value in attrs:
            value = value or ""
            if name not in allowed:
                if name != "rel":  # links get their rel from us
                    self.found.append(("attribute", tag, name))
            elif name in {"href", "src", "cite", "srcset"} and (
                _filter_attribute(tag, name, value) is None
            ):
                scheme = _URL_SCHEME.match(_IGNORED_URL_CHARACTERS.sub("", value).lower())
                self.found.append(("link", tag, scheme.group(1) if scheme else value[:40]))

    def handle_endtag(self, tag):
        if tag in CLEAN_CONTENT_TAGS and self._skipping:
            self._skipping -= 1


def removed_by_sanitiser(text: str | None) -> list[tuple[str, str, str]]:
    """What rendering `text` drops, for telling its author: ("element", "script", ""),
    ("attribute", "a", "onclick"), ("link", "a", "javascript"), each once, in order."""
    if not text:
        return []
    parser = _Removals()
    parser.feed(_markdown_to_html(without_control_characters(text)))
    parser.close()
    return list(dict.fromkeys(parser.found))


_POST_URL = re.compile(r"https?://[^\s<>\"]{1,2048}")
# Punctuation that ends a sentence rather than an address ("see https://a.example/x.").
_TRAILING = ".,;:!?)]}»”’'"


def _linked(text):
    out, at = [], 0
    for match in _POST_URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        out.append(html.escape(text[at : match.start()], quote=False))
        if _is_public(url):
            href = html.escape(links.normalise_url(url))
            out.append(f'<a href="{href}">{html.escape(url, quote=False)}</a>')
        else:
            out.append(html.escape(url, quote=False))
        at = match.start() + len(url)
    out.append(html.escape(text[at:], quote=False))
    return "".join(out)


def render_post_text(text: str | None) -> str:
    """A social post's plain text as sanitised HTML: paragraphs, line breaks, and its public
    web addresses as links. Nothing the platform sent is markup here."""
    if not text:
        return ""
    text = without_control_characters(text).replace("\r\n", "\n")
    paragraphs = [part.strip("\n") for part in re.split(r"\n\s*\n", text) if part.strip()]
    markup = "".join(
        "<p>" + "<br>".join(_linked(line) for line in part.split("\n")) + "</p>"
        for part in paragraphs
    )
    return sanitize_html(markup)


# Characters a word processor pastes (vertical tab, form feed, unit separator...) and the others
# XML 1.0, and so every feed, refuses (U+FFFE, U+FFFF, lone surrogates). Tab, newline and
# carriage return stay.
_CONTROL_CHARACTERS = dict.fromkeys(
    [
        *range(0x00, 0x09),
        0x0B,
        0x0C,
        *range(0x0E, 0x20),
        0x7F,
        *range(0xD800, 0xE000),
        0xFFFE,
        0xFFFF,
    ]
)


def without_control_characters(text):
    return text.translate(_CONTROL_CHARACTERS) if isinstance(text, str) else text


# Block boundaries become a space ("<p>a</p><p>b</p>" reads "a b"); inline tags vanish.
_BLOCK_TAG = re.compile(
    r"<(?:br|hr|/?(?:p|div|li|ul|ol|h[1-6]|blockquote|figure|figcaption|table|tr|td|th|pre))\b[^>]*>",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^>]*>")
# ASCII whitespace only: a French non-breaking space before ":" stays where it is.
_SPACES = re.compile(r"[ \t\n\r\f\v]+")


def plain_text(html_text: str | None) -> str:
    """The text a reader sees in sanitised HTML, unescaped once: "AT&amp;T" becomes "AT&T".

    Callers escape it for where it goes (a template, JSON, XML); a non-breaking space stays
    the character, never the entity.
    """
    if not html_text:
        return ""
    text = _TAG.sub("", _BLOCK_TAG.sub(" ", html_text))
    return _SPACES.sub(" ", html.unescape(text)).strip(" ")


def excerpt(html_text: str | None, words: int) -> str:
    """The first `words` words of `plain_text`, with an ellipsis when it was cut."""
    parts = plain_text(html_text).split(" ")
    if len(parts) <= words:
        return " ".join(parts)
    return " ".join(parts[:words]) + "…"
