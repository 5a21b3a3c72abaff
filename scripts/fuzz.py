"""Coverage-guided fuzzing (atheris, libFuzzer) of the two functions every hostile text and
address goes through: the Markdown renderer and the public-URL validator. Not in CI:

    make fuzz                        # each target for FUZZ_SECONDS (default 60)
    .venv/bin/python scripts/fuzz.py render -max_total_time=600

What is checked, beyond "no exception":
- render: the sanitised HTML has no element, attribute or address a browser would run
  (script, on* handlers, javascript:/data:/vbscript: addresses, style, iframe...), and
  rendering it takes under MAX_SECONDS;
- url: validate_public_url raises nothing but ValidationError; an address it accepts
  normalises without error to one it also accepts, normalisation is idempotent, and a host
  written as an address (in any notation urlsplit and ipaddress read) is a global one.
"""

import ipaddress
import os
import re
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import atheris  # noqa: E402
import django  # noqa: E402

django.setup()

from articles import links, rendering  # noqa: E402

# django.setup() imported the app already: instrument what is loaded (the renderer, the URL
# validator, Python-Markdown, the standard library's parsers) rather than at import.
atheris.instrument_all()

from django.core.exceptions import ValidationError  # noqa: E402

MAX_SECONDS = 2.0
RUNNABLE_TAGS = {"script", "style", "iframe", "object", "embed", "base", "meta", "link", "form",
                 "svg", "math", "frame", "frameset", "applet", "template"}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "cite", "poster", "data"}
BAD_SCHEME = re.compile(r"^(javascript|vbscript|data|file|blob):", re.IGNORECASE)


class Runnable(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in RUNNABLE_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f"<{tag} {name}>")
            if name in URL_ATTRIBUTES and value:
                squashed = re.sub(r"[\x00-\x20]", "", value)
                if BAD_SCHEME.match(squashed):
                    self.found.append(f"<{tag} {name}={value[:60]!r}>")


def fuzz_render(data):
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))
    started = time.perf_counter()
    html = rendering.render_markdown(text)
    elapsed = time.perf_counter() - started
    if elapsed > MAX_SECONDS:
        raise AssertionError(f"rendering {len(text)} characters took {elapsed:.1f} s: {text!r}")
    found = Runnable()
    found.feed(html)
    if found.found:
        raise AssertionError(f"runnable output {found.found} from {text!r}: {html!r}")


def fuzz_url(data):
    url = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))
    try:
        links.validate_public_url(url)
    except ValidationError:
        return
    normalised = links.normalise_url(url)
    try:
        links.validate_public_url(normalised)
    except ValidationError as error:
        raise AssertionError(
            f"{url!r} is valid, its normalised {normalised!r} not: {error}"
        ) from None
    host = urlsplit(normalised).hostname or ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None and not address.is_global:
        raise AssertionError(f"{url!r} is valid but names {address}")
    again = links.normalise_url(normalised)
    if again != normalised:
        raise AssertionError(f"normalising is not idempotent: {url!r} → {normalised!r} → {again!r}")


TARGETS = {"render": fuzz_render, "url": fuzz_url}
SEEDS = {
    "render": ["<script>alert(1)</script>", "[a](javascript:alert(1))", "![x](data:,y)",
               "> quote\n> — [Yahoo!](https://finance.yahoo.com/x)", "https://x.com/a/status/1",
               "<img src=x onerror=alert(1)>", "[" * 50, "*a **b** _c_*", "| a |\n|---|\n| b |"],
    "url": ["https://news.example/a?utm_source=x#f", "http://127.0.0.1/", "http://[::1]/",
            "http://0x7f.1/", "https://xn--80ak6aa92e.com/", "http://169.254.169.254/",
            "https://exemple.fr:443/%7Ea", "http://a@b.c/", "https://[::ffff:10.0.0.1]/"],
}  # fmt: skip


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(TARGETS)}}} [libFuzzer options]")
    name = sys.argv.pop(1)
    corpus = ROOT / ".fuzz-corpus" / name
    corpus.mkdir(parents=True, exist_ok=True)
    for n, seed in enumerate(SEEDS[name]):
        (corpus / f"seed-{n}").write_text(seed)
    atheris.Setup([sys.argv[0], *sys.argv[1:], str(corpus)], TARGETS[name])
    atheris.Fuzz()


if __name__ == "__main__":
    main()
