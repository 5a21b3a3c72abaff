"""Tests for articles.rendering: Markdown -> sanitised HTML.

Hostile inputs are checked by property (what may appear in the output), not by
exact output strings, so that harmless changes in the Markdown or nh3 output
do not break them and a real hole always does.
"""

import re
from html.parser import HTMLParser

import pytest

from articles import rendering
from articles.rendering import MAX_MARKDOWN_LENGTH, render_markdown, sanitize_html

# The policy pinned by these tests, written out independently of the module's
# constants so that widening the module's allowlist makes a test fail.
SAFE_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
    "strong", "em", "b", "i", "s", "del", "ins", "mark", "sub", "sup", "small",
    "abbr", "code", "pre", "kbd", "blockquote", "q", "cite",
    "ul", "ol", "li", "dl", "dt", "dd", "a",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
    "figure", "figcaption", "span", "div", "img", "picture", "source",
}  # fmt: skip
_CELL = {"align", "colspan", "rowspan", "scope"}
SAFE_ATTRIBUTES = {
    "a": {"href", "title", "rel", "class"},
    "img": {
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
    },
    "abbr": {"title"},
    "th": _CELL,
    "td": _CELL,
    **{f"h{n}": {"id"} for n in range(1, 7)},
    "ol": {"start"},
    "li": {"id"},
    "sup": {"id"},
    "div": {"class"},
    "figure": {"class", "data-social-url"},  # pictures; a social post's placeholder
    "span": {"class"},
    "code": {"class"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "source": {"srcset", "sizes", "type", "media"},
}
URL_ATTRIBUTES = {
    "href", "src", "srcset", "cite", "action", "formaction", "xlink:href",
    "data", "poster", "background", "ping", "codebase", "to", "values", "from",
}  # fmt: skip
SAFE_SCHEMES = {"http", "https", "mailto"}
# "<!--": comments are always stripped (html.parser and browsers disagree on
# malformed ones such as "<!-->", so their presence alone is a failure).
FORBIDDEN_SUBSTRINGS = ("<script", "javascript:", "vbscript:", "data:text", "<!--")

_IGNORED_URL_CHARS = re.compile(r"[\x00-\x20\x7f-\x9f]+")
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")


class _Collector(HTMLParser):
    """Records every start tag with its (entity-decoded) attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag


def parse_elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.elements


def url_scheme(url: str) -> str | None:
    """The scheme a browser would see: whitespace/control chars removed, lowercased."""
    match = _SCHEME.match(_IGNORED_URL_CHARS.sub("", url).lower())
    return match.group(1) if match else None


def url_values(attribute: str, value: str) -> list[str]:
    if attribute == "srcset":
        return [part.split()[0] for part in value.split(",") if part.strip()]
    return [value]


def assert_safe_html(html: str, *, markdown_was_rendered: bool = True) -> None:
    """The sanitiser's contract, as properties of the output.

    With ``markdown_was_rendered=False`` (sanitize_html fed Markdown source), the
    substring check is limited to "<script": unrendered Markdown such as
    ``[x](javascript:...)`` legitimately stays as inert escaped text.
    """
    lowered = html.lower()
    needles = FORBIDDEN_SUBSTRINGS if markdown_was_rendered else ("<script", "<!--")
    for needle in needles:
        assert needle not in lowered, f"{needle!r} in output: {html!r}"
    for tag, attrs in parse_elements(html):
        assert tag in SAFE_TAGS, f"<{tag}> not allowed: {html!r}"
        for name, value in attrs:
            assert not name.startswith("on"), f"event handler {name} kept: {html!r}"
            assert name != "style", f"style attribute kept: {html!r}"
            assert name in SAFE_ATTRIBUTES.get(tag, set()), f"{tag}[{name}] kept: {html!r}"
            if name in URL_ATTRIBUTES:
                for url in url_values(name, value or ""):
                    scheme = url_scheme(url)
                    assert scheme is None or scheme in SAFE_SCHEMES, (
                        f"{tag}[{name}]={url!r} has scheme {scheme!r}: {html!r}"
                    )
                    if tag in {"img", "source"}:
                        assert scheme in {None, "http", "https"}, f"image URL {url!r}"


HOSTILE_INPUTS = [
    # <script> and <style>
    pytest.param("<script>alert(1)</script>", id="script-plain"),
    pytest.param("<ScRiPt>alert(1)</sCrIpT>", id="script-mixed-case"),
    pytest.param("<scr<script>ipt>alert(1)</script>", id="script-nested-broken"),
    pytest.param("<script src=https://evil.example/x.js></script>", id="script-src"),
    pytest.param("Texte\n\n<script>\nalert(1)\n</script>\n\nfin", id="script-html-block"),
    pytest.param("<style>body{background:url(javascript:alert(1))}</style>", id="style-tag"),
    pytest.param("<p>a</p><script/x>alert(1)</script>", id="script-slash-attr"),
    # Event handler attributes
    pytest.param("<img src=x onerror=alert(1)>", id="img-onerror"),
    pytest.param("<a href='/x' onclick='alert(1)'>x</a>", id="a-onclick"),
    pytest.param("<svg onload=alert(1)>", id="svg-onload"),
    pytest.param("<body onload=alert(1)>", id="body-onload"),
    pytest.param("<p ONMOUSEOVER=alert(1)>x</p>", id="p-onmouseover-upper"),
    pytest.param("<div/onpointerenter=alert(1)>x</div>", id="div-slash-handler"),
    # javascript: in every spelling
    pytest.param("[x](javascript:alert(1))", id="js-md-link"),
    pytest.param('<a href="javascript:alert(1)">x</a>', id="js-html-link"),
    pytest.param('<a href="&#106;avascript:alert(1)">x</a>', id="js-decimal-entity"),
    pytest.param('<a href="&#x6A;avascript&#x3A;alert(1)">x</a>', id="js-hex-entity"),
    pytest.param('<a href="&#0000106&#0000097vascript:alert(1)">x</a>', id="js-padded-entity"),
    pytest.param('<a href="javascript&colon;alert(1)">x</a>', id="js-colon-entity"),
    pytest.param("[x](javascript&colon;alert(1))", id="js-md-colon-entity"),
    pytest.param('<a href="JaVaScRiPt:alert(1)">x</a>', id="js-mixed-case"),
    pytest.param("[x](JAVASCRIPT:alert(1))", id="js-md-upper"),
    pytest.param('<a href="  javascript:alert(1)">x</a>', id="js-leading-spaces"),
    pytest.param('<a href="\tjavascript:alert(1)">x</a>', id="js-leading-tab"),
    pytest.param('<a href="java\tscript:alert(1)">x</a>', id="js-tab-inside"),
    pytest.param('<a href="java\nscript:alert(1)">x</a>', id="js-newline-inside"),
    pytest.param('<a href="java&#9;scr&#10;ipt:alert(1)">x</a>', id="js-entity-whitespace"),
    pytest.param('<a href="\x01javascript:alert(1)">x</a>', id="js-control-char"),
    pytest.param("[x][1]\n\n[1]: javascript:alert(1)", id="js-reference-link"),
    pytest.param('[x][evil]\n\n[evil]: <javascript:alert(1)> "t"', id="js-reference-angle"),
    pytest.param("<javascript:alert(1)>", id="js-autolink"),
    pytest.param("![x](javascript:alert(1))", id="js-md-image"),
    pytest.param("![x][img]\n\n[img]: javascript:alert(1)", id="js-reference-image"),
    pytest.param("[x](<javascript:alert(1)>)", id="js-md-angle-destination"),
    # vbscript:
    pytest.param("[x](vbscript:msgbox(1))", id="vbs-md-link"),
    pytest.param('<a href="VbScRiPt:msgbox(1)">x</a>', id="vbs-mixed-case"),
    pytest.param('<a href="&#118;bscript:msgbox(1)">x</a>', id="vbs-entity"),
    pytest.param("[x][v]\n\n[v]: vbscript:msgbox(1)", id="vbs-reference"),
    pytest.param("![x](vbscript:msgbox(1))", id="vbs-image"),
    # data:
    pytest.param("[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", id="data-md"),
    pytest.param(
        '<a href="DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
        id="data-html-upper",
    ),
    pytest.param(
        '<a href="&#100;ata:text/html,<script>alert(1)</script>">x</a>',
        id="data-entity",
    ),
    pytest.param("[x][d]\n\n[d]: data:text/html;base64,PHNjcmlwdD4=", id="data-reference"),
    pytest.param("![x](data:text/html;base64,PHNjcmlwdD4=)", id="data-image"),
    pytest.param('<img src="data:text/html;base64,PHNjcmlwdD4=">', id="data-img-src"),
    # Embedding and form elements
    pytest.param('<iframe src="https://evil.example/"></iframe>', id="iframe"),
    pytest.param('<iframe srcdoc="<script>alert(1)</script>"></iframe>', id="iframe-srcdoc"),
    pytest.param('<object data="data:text/html;base64,PHNjcmlwdD4="></object>', id="object"),
    pytest.param('<embed src="javascript:alert(1)">', id="embed"),
    pytest.param(
        '<form action="javascript:alert(1)"><input type=submit></form>',
        id="form-action",
    ),
    pytest.param(
        '<form><button formaction="javascript:alert(1)">x</button></form>',
        id="button-formaction",
    ),
    pytest.param("<input autofocus onfocus=alert(1)>", id="input-onfocus"),
    pytest.param(
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
        id="meta-refresh",
    ),
    pytest.param('<base href="javascript:alert(1)//">', id="base-href"),
    pytest.param('<link rel="stylesheet" href="https://evil.example/x.css">', id="link-tag"),
    pytest.param("<textarea><script>alert(1)</script></textarea>", id="textarea-rawtext"),
    pytest.param(
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
        id="noscript-mxss",
    ),
    pytest.param("<template><script>alert(1)</script></template>", id="template"),
    # SVG
    pytest.param("<svg><script>alert(1)</script></svg>", id="svg-script"),
    pytest.param(
        '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
        id="svg-xlink-href",
    ),
    pytest.param(
        '<svg><animate onbegin="alert(1)" attributeName="x" dur="1s"/></svg>',
        id="svg-animate-onbegin",
    ),
    pytest.param(
        '<svg><a><set attributeName="href" to="javascript:alert(1)"/><text>x</text></a></svg>',
        id="svg-set-href",
    ),
    pytest.param(
        '<svg><use href="data:image/svg+xml,<svg onload=alert(1)>"/></svg>',
        id="svg-use-data",
    ),
    # MathML
    pytest.param(
        '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">'
        "x</maction></math>",
        id="math-maction",
    ),
    pytest.param(
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        id="math-mxss-mglyph",
    ),
    pytest.param("<math><mi><a href=javascript:alert(1)>x</a></mi></math>", id="math-link"),
    # Comments
    pytest.param("<!-- <script>alert(1)</script> -->", id="comment-script"),
    pytest.param("<!--[if IE]><script>alert(1)</script><![endif]-->", id="conditional-comment"),
    pytest.param("a <!--> <img src=x onerror=alert(1)> -->", id="comment-abrupt"),
    pytest.param("<p><!-- x --!><img src=x onerror=alert(1)></p>", id="comment-bang-close"),
    # style attributes and CSS
    pytest.param('<p style="background:url(javascript:alert(1))">x</p>', id="style-attr-url"),
    pytest.param('<span style="position:fixed;top:0;left:0">x</span>', id="style-attr-overlay"),
    # srcset / odd schemes / attribute injection
    pytest.param('<img src="/ok.png" srcset="javascript:alert(1) 1x">', id="img-srcset-js"),
    pytest.param(
        '<picture><source srcset="/a.png 1x, javascript:alert(1) 2x"><img src="/a.png"></picture>',
        id="source-srcset-js",
    ),
    pytest.param("<img src=x:alert(1)>", id="img-src-odd-scheme"),
    pytest.param('<img src="mailto:a@b.example">', id="img-src-mailto"),
    pytest.param('<blockquote cite="javascript:alert(1)">q</blockquote>', id="blockquote-cite"),
    pytest.param('<q cite="vbscript:msgbox(1)">q</q>', id="q-cite"),
    pytest.param('## Titre {: onclick="alert(1)" style="x" }', id="attr-list-syntax"),
    pytest.param("```{ .python onclick=alert(1) #x style=y }\ncode\n```", id="fenced-attrs"),
    pytest.param('<div markdown="1" onclick="alert(1)">*x*</div>', id="md-in-html-syntax"),
    pytest.param('<a href="/x" target="_blank" rel="opener">x</a>', id="a-rel-opener"),
    pytest.param('<h2 id="x" class="evil" onmouseover="alert(1)">t</h2>', id="heading-attrs"),
    pytest.param('<img src="/x.png" width="100%;x" height="javascript:1">', id="img-dims"),
]


def test_there_are_at_least_30_hostile_inputs():
    assert len(HOSTILE_INPUTS) >= 30


@pytest.mark.parametrize("source", HOSTILE_INPUTS)
def test_hostile_markdown_renders_to_safe_html(source):
    """Only allowlisted tags/attributes, no handlers/style, no dangerous URL schemes."""
    assert_safe_html(render_markdown(source))


@pytest.mark.parametrize("source", HOSTILE_INPUTS)
def test_hostile_html_is_safe_through_sanitize_html_alone(source):
    """sanitize_html is safe by itself, without Markdown's help."""
    assert_safe_html(sanitize_html(source), markdown_was_rendered=False)


@pytest.mark.parametrize("source", HOSTILE_INPUTS)
def test_rendered_output_is_stable_when_sanitised_again(source):
    """Output is a fixed point of the sanitiser (no mutation on re-parse)."""
    html = render_markdown(source)
    assert sanitize_html(html) == html


def test_assert_safe_html_helper_catches_known_bad_output():
    """The property checker itself must reject the things it is meant to catch."""
    bad_outputs = [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<p style="color:red">x</p>',
        '<a href="java&#9;script:alert(1)">x</a>',
        '<a href="data:text/html,x">x</a>',
        "<iframe></iframe>",
        '<img src="mailto:a@b.example">',
        '<source srcset="/a.png 1x, vbscript:x 2x">',
        "<p>a <!--> <img src=x onerror=alert(1)> --></p>",
    ]
    for html in bad_outputs:
        with pytest.raises(AssertionError):
            assert_safe_html(html)


# --- Safe Markdown survives ------------------------------------------------

FRENCH = "« Ça n’a rien d’évident », a-t-elle déclaré — à l’Assemblée ; c’est sûr !"

# (what, renderer, source, fragments the output holds, fragments it must not hold); a string
# instead of a list of fragments is the whole expected output.
SURVIVES = [
    (
        "heading id",
        "md",
        "## Sans but lucratif ?",
        '<h2 id="sans-but-lucratif">Sans but lucratif ?</h2>',
        [],
    ),
    (
        "accented heading id",
        "md",
        "### Élection présidentielle à Besançon",
        ['<h3 id="élection-présidentielle-à-besançon">'],
        [],
    ),
    (
        "duplicate headings",
        "md",
        "## Contexte\n\n## Contexte",
        ['id="contexte"', 'id="contexte_1"'],
        [],
    ),
    ("unordered list", "md", "- un\n- deux", ["<ul>", "<li>un</li>", "<li>deux</li>"], []),
    ("ordered list start", "md", "3. trois\n4. quatre", ['<ol start="3">', "<li>quatre</li>"], []),
    (
        "external link",
        "md",
        "[WSJ](https://www.wsj.com/)",
        ['<a href="https://www.wsj.com/" rel="noopener noreferrer">WSJ</a>'],
        [],
    ),
    (
        "author rel replaced",
        "md",
        '<a href="https://x.example/" rel="opener">x</a>',
        ['rel="noopener noreferrer"'],
        ['rel="opener"'],
    ),
    ("relative link", "md", "[Lire aussi](/stories/x/)", ['href="/stories/x/"'], []),
    ("anchor link", "md", "[Plus bas](#contexte)", ['href="#contexte"'], []),
    (
        "mailto link",
        "md",
        "[Écrire](mailto:redaction@example.org)",
        ['href="mailto:redaction@example.org"'],
        [],
    ),
    ("link title", "md", '[x](https://example.org/ "Le titre")', ['title="Le titre"'], []),
    ("emphasis", "md", "*penché* et **gras**", ["<em>penché</em>", "<strong>gras</strong>"], []),
    (
        "table alignment",
        "md",
        "| Ville | Votes |\n|:--|--:|\n| Lyon | 12 |",
        ["<table>", '<th align="left">Ville</th>', '<td align="right">12</td>'],
        ["style"],
    ),
    (
        "code language",
        "md",
        "```python\nprint('x')\n```",
        ['<pre><code class="language-python">'],
        [],
    ),
    (
        "code attribute block",
        "md",
        "``` { .python .evil #hijack }\nx = 1\n```",
        ['<code class="language-python">'],
        ["evil", "hijack"],
    ),
    (
        "code class allowlist",
        "html",
        '<code class="evil language-js other">x</code>',
        '<code class="language-js">x</code>',
        [],
    ),
    (
        "inline code script",
        "md",
        "Ne tapez pas `<script>alert(1)</script>` ici.",
        ["<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>"],
        ["<script"],
    ),
    (
        "code block script",
        "md",
        "```html\n<script>alert(1)</script>\n```",
        ["&lt;script&gt;"],
        ["<script"],
    ),
    ("blockquote", "md", "> Une citation.", ["<blockquote>", "<p>Une citation.</p>"], []),
    (
        "footnotes",
        "md",
        "Affirmation[^1].\n\n[^1]: Source : AFP.",
        [
            '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1"',
            '<div class="footnote">',
            '<li id="fn:1">',
            'class="footnote-backref" href="#fnref:1"',
            "Source : AFP.",
        ],
        [],
    ),
    (
        "abbreviation",
        "md",
        "L'ONU siège.\n\n*[ONU]: Organisation des Nations unies",
        ['<abbr title="Organisation des Nations unies">ONU</abbr>'],
        [],
    ),
    (
        "table of contents",
        "md",
        "[TOC]\n\n## Un\n\n## Deux",
        ['<div class="toc">', 'href="#deux"'],
        [],
    ),
    ("French typography", "md", FRENCH, f"<p>{FRENCH}</p>", []),
    (
        "responsive picture",
        "html",
        '<picture><source srcset="/a.webp 1x, https://cdn.example.org/a2.webp 2x" '
        'type="image/webp"><img src="/a.png" alt="A" width="640" height="480" '
        'loading="lazy"></picture>',
        [
            'srcset="/a.webp 1x, https://cdn.example.org/a2.webp 2x"',
            'width="640"',
            'loading="lazy"',
        ],
        [],
    ),
    (
        "figure caption",
        "html",
        '<figure><img src="/a.png" alt="A"><figcaption>Légende</figcaption></figure>',
        ["<figure>", "<figcaption>Légende</figcaption>"],
        [],
    ),
    (
        "blockquote cite",
        "html",
        '<blockquote cite="https://example.org/source">q</blockquote>',
        ['cite="https://example.org/source"'],
        [],
    ),
    (
        "colons in paths",
        "html",
        '<a href="/stories/a:b/">x</a><img src="//cdn.example.org/x.png">',
        ['href="/stories/a:b/"', 'src="//cdn.example.org/x.png"'],
        [],
    ),
]


@pytest.mark.parametrize(
    ("renderer", "source", "expected", "absent"),
    [case[1:] for case in SURVIVES],
    ids=[case[0] for case in SURVIVES],
)
def test_safe_markup_survives_as_written(renderer, source, expected, absent):
    html = (render_markdown if renderer == "md" else sanitize_html)(source)
    if isinstance(expected, str):
        assert html == expected
    for fragment in [] if isinstance(expected, str) else expected:
        assert fragment in html
    for fragment in absent:
        assert fragment not in html


def test_definition_lists_are_not_an_extension_since_they_recurse_per_line():
    """def_list parsed "a\n: b\n" x 4000 by recursion and crashed: it is not enabled."""
    html = render_markdown("a\n: b\n" * 4000)
    assert "<dl>" not in html
    assert html.count("a") >= 4000


@pytest.mark.parametrize(
    "text",
    [
        "[" * 20000 + "x" + "]" * 20000,  # 52 s before the opener limit
        "[a](" * 10000,  # 17 s
        "![" * 4000,
        "[a][" * 4000,
        "*[A]: b\n" * 4000 + "A " * 4000,
        "<http://" * 4000,
    ],
    ids=["nested-brackets", "open-links", "images", "references", "abbreviations", "autolinks"],
)
def test_thousands_of_openers_are_escaped_not_parsed(text):
    """Past MAX_OPENERS, "[" and "<" render as themselves: each would rescan the text."""
    html = render_markdown(text)
    assert "<a " not in html
    assert "<img" not in html
    assert "<abbr" not in html
    if "[" in text:
        assert html.count("[") == text.count("[")
    else:
        assert html.count("&lt;") == text.count("<")


def test_below_the_opener_limit_links_still_render():
    html = render_markdown("[lien](https://example.org/) " * 900)
    assert html.count('<a href="https://example.org/"') == 900


def test_recursion_in_the_markdown_parser_falls_back_to_plain_paragraphs(monkeypatch):
    """A nesting that exhausts the stack renders as escaped text instead of a server error."""

    class Exploding:
        def __init__(self, *pictures):
            pass

        def convert(self, text):
            raise RecursionError

    monkeypatch.setattr(rendering, "_new_markdown", Exploding)
    html = render_markdown("Un <b>texte</b>\n\nSuite")
    assert html == "<p>Un &lt;b&gt;texte&lt;/b&gt;</p><p>Suite</p>"


def test_text_past_the_length_limit_is_cut_in_previews():
    html = render_markdown("a" * (MAX_MARKDOWN_LENGTH + 500))
    assert html.count("a") == MAX_MARKDOWN_LENGTH


def test_https_and_relative_images_are_kept():
    html = render_markdown("![Carte](https://cdn.example.org/carte.png)\n\n![Logo](/static/l.png)")
    images = [dict(attrs) for tag, attrs in parse_elements(html) if tag == "img"]
    assert images == [
        {"src": "https://cdn.example.org/carte.png", "alt": "Carte"},
        {"src": "/static/l.png", "alt": "Logo"},
    ]


# --- Empty input, purity, sanitize_html on its own ---------------------------


@pytest.mark.parametrize("empty", [None, ""])
def test_render_markdown_empty_or_none_gives_empty_string(empty):
    assert render_markdown(empty) == ""


@pytest.mark.parametrize("empty", [None, ""])
def test_sanitize_html_empty_or_none_gives_empty_string(empty):
    assert sanitize_html(empty) == ""


def test_sanitize_html_strips_script_with_its_content():
    assert sanitize_html("<p>avant<script>alert(1)</script>après</p>") == "<p>avantaprès</p>"


def test_sanitize_html_strips_comments():
    assert sanitize_html("<p>a<!-- secret -->b</p>") == "<p>ab</p>"


def test_no_state_leaks_between_calls():
    """A fresh Markdown instance per call: footnotes/abbreviations don't carry over."""
    first = render_markdown("A[^1] ONU\n\n[^1]: Note.\n\n*[ONU]: Organisation")
    second = render_markdown("B ONU")
    assert "footnote" in first
    assert "<abbr" in first
    assert second == "<p>B ONU</p>"


def test_markdown_extensions_exclude_attribute_injecting_ones():
    """md_in_html and attr_list let authors set attributes: never enabled."""
    names = {name.rsplit(".", 1)[-1] for name in rendering.MARKDOWN_EXTENSIONS}
    assert not names & {"md_in_html", "attr_list", "extra"}


def test_allowlist_constants_contain_nothing_dangerous():
    dangerous_tags = {
        "script", "style", "iframe", "object", "embed", "form", "input", "button",
        "meta", "base", "link", "svg", "math", "textarea", "template", "frame",
    }  # fmt: skip
    assert not rendering.ALLOWED_TAGS & dangerous_tags
    assert rendering.ALLOWED_TAGS <= SAFE_TAGS
    for tag, attributes in rendering.ALLOWED_ATTRIBUTES.items():
        assert attributes <= SAFE_ATTRIBUTES[tag], tag
        assert "style" not in attributes
        assert not any(name.startswith("on") for name in attributes)
    assert set(rendering.ALLOWED_URL_SCHEMES) == SAFE_SCHEMES


# --- Attributed quotes ---------------------------------------------------------


@pytest.mark.parametrize("dash", ["—", "–", "--"])
def test_a_quote_whose_last_line_is_an_attribution_becomes_a_figure_citing_it(dash):
    html = render_markdown(
        "> La direction lucrative de l’entreprise.\n>\n"
        f"> {dash} Kara Swisher, [Yahoo!](https://www.yahoo.com/a?x=1)\n\nSuite."
    )
    assert html.startswith('<figure><blockquote cite="https://www.yahoo.com/a?x=1">')
    assert "<p>La direction lucrative de l’entreprise.</p>" in html
    assert (
        "<figcaption><cite>Kara Swisher, "
        '<a href="https://www.yahoo.com/a?x=1" rel="noopener noreferrer">Yahoo!</a>'
        "</cite></figcaption></figure>"
    ) in html
    assert_safe_html(html)


@pytest.mark.parametrize(
    "source",
    [
        "> Une seule ligne.",
        "> Texte\n>\n> — sans lien",
        "> Texte\n>\n> Pas de tiret [x](https://example.org/)",
        "> Texte\n>\n> — [x](javascript:alert(1))",
        "> Texte\n>\n> — [x](/relative/)",
    ],
    ids=["one line", "no link", "no dash", "hostile link", "relative link"],
)
def test_other_quotes_stay_plain_blockquotes(source):
    html = render_markdown(source)
    assert "<figure>" not in html
    assert "cite=" not in html
    assert_safe_html(html)


# --- Responsive pictures ---------------------------------------------------------


PICTURE = rendering.Picture(
    src="/media/images/a.jpg",
    srcset="/media/images/a-400w.jpg 400w, /media/images/a.jpg 1200w",
    sizes="(min-width: 45rem) 42rem, calc(100vw - 2rem)",
    sources=(
        ("image/avif", "/media/images/a-400w.avif 400w, /media/images/a-1200w.avif 1200w"),
        ("image/webp", "/media/images/a-400w.webp 400w, /media/images/a-1200w.webp 1200w"),
    ),
    width=1200,
    height=800,
    alt="Its own alt text",
    caption="Le siège <script>alert(1)</script>",
    credit="Dessin : Newsroom",
    disclosure="Image générée par IA (Midjourney)",
)


def test_an_uploaded_image_alone_in_its_paragraph_becomes_a_responsive_figure():
    html = render_markdown(
        "Avant.\n\n![Le conseil](/media/images/a.jpg)\n\nAprès.",
        pictures={"/media/images/a.jpg": PICTURE},
    )
    assert "<p><img" not in html
    elements = parse_elements(html)
    tags = [tag for tag, _ in elements]
    assert tags == [
        "p", "figure", "picture", "source", "source", "img", "figcaption", "span", "span", "span",
        "p",
    ]  # fmt: skip
    sources = [dict(attrs) for tag, attrs in elements if tag == "source"]
    assert [s["type"] for s in sources] == ["image/avif", "image/webp"]
    assert all(s["sizes"] == PICTURE.sizes for s in sources)
    (img,) = [dict(attrs) for tag, attrs in elements if tag == "img"]
    assert img == {
        "src": "/media/images/a.jpg",
        "srcset": PICTURE.srcset,
        "sizes": PICTURE.sizes,
        "width": "1200",
        "height": "800",
        "alt": "Le conseil",  # the brackets' alt text, written for this place
        "decoding": "async",
        "loading": "lazy",
    }
    assert "Image générée par IA (Midjourney)" in html
    assert "Dessin : Newsroom" in html
    assert "&lt;script&gt;" in html  # a caption is text
    assert_safe_html(html)


def test_without_its_picture_an_image_stays_a_plain_img():
    html = render_markdown(
        "![Carte](/media/images/b.jpg)", pictures={"/media/images/a.jpg": PICTURE}
    )
    assert html == '<p><img alt="Carte" src="/media/images/b.jpg"></p>'


def test_an_image_inside_a_sentence_is_not_turned_into_a_figure():
    html = render_markdown(
        "Voir ![carte](/media/images/a.jpg) ici.", pictures={"/media/images/a.jpg": PICTURE}
    )
    assert "<figure" not in html
    assert "<img" in html


def test_the_images_of_a_text_and_those_without_alt_text_are_found():
    html = render_markdown("![](/media/images/a.jpg)\n\n![Carte](/media/images/b.jpg)")
    assert rendering.image_sources(html) == ["/media/images/a.jpg", "/media/images/b.jpg"]
    assert rendering.images_without_alt(html) == ["/media/images/a.jpg"]
    assert rendering.image_sources("") == []


# --- Social posts alone on their line --------------------------------------------------------

POST = "https://x.com/gdb/status/1725736242137182594"
PLACEHOLDER = (
    f'<figure class="social-embed" data-social-url="{POST}"><a href="{POST}" '
    f'rel="noopener noreferrer">x.com/gdb/status/1725736242137182594</a></figure>'
)


@pytest.mark.parametrize(
    "text",
    [
        POST,
        f"<{POST}>",
        f"{POST}?s=20",
        f"Avant.\n\n{POST}\n\nAprès.",
        f"Avant.\n{POST}\nAprès.",  # alone on its line inside a paragraph
        "https://twitter.com/GDB/status/1725736242137182594   ",
    ],
)
def test_a_post_address_alone_on_its_line_becomes_its_placeholder(text):
    assert PLACEHOLDER in render_markdown(text)


@pytest.mark.parametrize(
    "text",
    [
        f"Le message {POST} de Greg Brockman.",  # inside a sentence
        f"- {POST}",  # a list item
        f"> {POST}",  # a quotation
        f"```\n{POST}\n```",  # code
        f"    {POST}",  # indented code
        f"[Le message]({POST})",  # a link with its own words
    ],
)
def test_a_post_address_that_is_not_alone_stays_what_it_was(text):
    assert "social-embed" not in render_markdown(text)


def test_another_address_alone_on_its_line_is_a_plain_link():
    assert render_markdown("https://example.com/a_b_c") == (
        '<p><a href="https://example.com/a_b_c" rel="noopener noreferrer">'
        "https://example.com/a_b_c</a></p>"
    )
    assert "<a" not in render_markdown("http://127.0.0.1/admin")  # not a public address


def test_an_authors_placeholder_for_a_look_alike_loses_its_address():
    forged = (
        '<figure class="social-embed" data-social-url="https://x.com.evil.example/a/status/1">'
        '<a href="https://x.com.evil.example/">x</a></figure>'
    )
    assert "data-social-url" not in render_markdown(forged)


def test_a_posts_text_becomes_paragraphs_and_links_and_nothing_else():
    from articles.rendering import render_post_text

    html = render_post_text("Un <b>mot</b> https://a.example/x.\n\nhttp://10.0.0.1/ et fin")
    assert html == (
        '<p>Un &lt;b&gt;mot&lt;/b&gt; <a href="https://a.example/x" rel="noopener noreferrer">'
        "https://a.example/x</a>.</p><p>http://10.0.0.1/ et fin</p>"
    )
