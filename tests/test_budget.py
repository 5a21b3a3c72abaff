"""The story page's weight for a reader on a phone: the page with 20 updates, its stylesheet and
its scripts (every module the live client imports) transfer at most 25 KB compressed, without
images; no web font, and nothing from another host before the reader's consent."""

import random
import re
from datetime import timedelta
from pathlib import Path

import brotli
import pytest
from django.conf import settings
from django.utils import timezone

from articles import publishing
from tests import factories

pytestmark = pytest.mark.django_db

BUDGET = 25 * 1024
STATIC = Path(settings.BASE_DIR) / "static"
IMPORT = re.compile(r'^import\b[^;]*?["\']\./([^"\']+)["\']', re.M)
# Varied text: a repeated phrase would compress far better than a newsroom's prose does.
VOCABULARY = [
    "le",
    "conseil",
    "d'administration",
    "annonce",
    "vendredi",
    "soir",
    "départ",
    "patron",
    "entreprise",
    "après",
    "examen",
    "délibératif",
    "conclu",
    "manquait",
    "franchise",
    "échanges",
    "empêchant",
    "exercer",
    "responsabilités",
    "directeur",
    "technologie",
    "intérim",
    "président",
    "quitte",
    "également",
    "fonctions",
    "investisseurs",
    "surpris",
    "microsoft",
    "partenaire",
    "principal",
    "milliards",
    "salariés",
    "lettre",
    "menacent",
    "démissionner",
    "rejoindre",
    "nouvelle",
    "équipe",
    "recherche",
    "avancée",
    "négociations",
    "retour",
    "dimanche",
    "lundi",
    "matin",
    "heure",
    "locale",
    "selon",
    "plusieurs",
    "sources",
    "proches",
    "dossier",
    "journal",
    "confirme",
    "information",
    "publiée",
]


def words(n, seed):
    pick = random.Random(seed)
    return " ".join(pick.choice(VOCABULARY) for _ in range(n))


def assets(html):
    """The static files the page loads, and the modules they import, by their source path."""
    found = re.findall(r'<link rel="stylesheet" href="/static/([^"]+)"', html)
    found += re.findall(r'<script[^>]+src="/static/([^"]+)"', html)
    todo, seen = list(found), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name.endswith(".js"):
            folder = name.rsplit("/", 1)[0]
            todo += [f"{folder}/{m}" for m in IMPORT.findall((STATIC / name).read_text())]
    return sorted(seen)


def test_the_story_page_with_20_updates_its_css_and_js_weigh_at_most_25_kb(client):
    story = factories.live_story(body="\n\n".join(words(100, i) + "." for i in range(15)))
    editor = factories.user(is_superuser=True)
    for n in range(25):
        publishing.post_update(
            story=story,
            by=editor,
            body=words(80, n) + ".",
            title="" if n % 3 else f"Point {n}",
            published_at=timezone.now() - timedelta(minutes=60 - n),
            confirm_time=True,
        )
    page = client.get(story.get_absolute_url(), HTTP_ACCEPT_ENCODING="br")
    assert page["Content-Encoding"] == "br"
    html = brotli.decompress(page.content).decode()
    assert html.count('class="update') >= 20
    loaded = assets(html)
    assert "css/site.css" in loaded
    assert "js/live/main.js" in loaded
    sizes = {name: len(brotli.compress((STATIC / name).read_bytes())) for name in loaded}
    total = len(page.content) + sum(sizes.values())
    print(f"story page budget: {total:,} bytes ({len(page.content):,} page, {sizes})")
    assert total <= BUDGET, f"{total:,} bytes: page {len(page.content):,}, {sizes}"


def test_no_web_font_and_nothing_from_another_host(client):
    story = factories.live_story()
    factories.update(story)
    html = client.get(story.get_absolute_url()).content.decode()
    css = (STATIC / "css" / "site.css").read_text()
    assert "@font-face" not in css
    assert "@import" not in css
    # Links are for the reader to follow; what loads by itself is src= and <link href>.
    local = html.replace(settings.NEWSROOM_SITE_URL, "")
    assert not re.search(r'\bsrc="(?:https?:)?//', local)
    assert not re.search(r'<link\b[^>]*href="(?:https?:)?//', local)
    assert not re.search(r"url\((['\"]?)(?:https?:)?//", css)
