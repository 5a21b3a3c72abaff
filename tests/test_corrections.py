"""A story's corrections: at the top of the story with their time and who made them, in its
history, announced to open pages by the poll, and in the JSON-LD."""

import json
import re

import pytest

from articles import publishing
from articles.models import Correction, LiveUpdate
from tests import factories
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db


def correct(story, editor, note="Il s’agit de Kara Swisher, et non de Sara Swisher."):
    return publishing.save_correction(correction=Correction(story=story, note=note), by=editor)


def poll(client, story, since="0", **headers):
    return client.get(f"/stories/{story.slug}/updates/", {"since": since}, **headers)


def test_a_story_correction_is_at_the_top_with_its_time_and_who_made_it(client, editor):
    factories.author(name="Claire Dubois", user=editor)
    story = factories.story(body="Le texte.")
    correct(story, editor)
    html = client.get(story.get_absolute_url()).content.decode()
    block = re.search(r'<section class="corrections".*?</section>', html, re.S).group(0)
    assert html.index(block) < html.index("Le texte.")  # above the body
    assert "Kara Swisher, et non de Sara Swisher" in block
    assert "Claire Dubois" in block
    assert "<time datetime=" in block
    assert editor.username not in block  # a login name is never shown


def test_without_a_byline_the_accounts_full_name_and_never_the_login(client):
    editor = factories.user("ed_login", group="Editor", first_name="Ana", last_name="Ruiz")
    story = factories.story()
    correct(story, editor)
    html = client.get(story.get_absolute_url()).content.decode()
    assert "Ana Ruiz" in html
    assert "ed_login" not in html


def test_a_story_without_corrections_has_no_block_but_a_slot_for_the_poll(client):
    story = factories.story()
    html = client.get(story.get_absolute_url()).content.decode()
    assert re.search(r'<section class="corrections"[^>]*data-story-corrections[^>]* hidden', html)


def test_open_pages_learn_of_a_story_correction_through_the_poll(client, editor):
    story = factories.live_story()
    factories.update(story)
    first = poll(client, story)
    assert "Swisher" not in first.json()["corrections_html"]
    correct(story, editor)
    again = poll(client, story, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200  # the answer changed: a new ETag
    assert "Kara Swisher" in again.json()["corrections_html"]


def test_deleting_or_editing_a_story_correction_reaches_open_pages(client, editor):
    story = factories.live_story()
    correction = correct(story, editor)
    seen = poll(client, story)
    correction.note = "Kara Swisher, de The Verge."
    publishing.save_correction(correction=correction, by=editor)
    edited = poll(client, story, HTTP_IF_NONE_MATCH=seen["ETag"])
    assert "de The Verge" in edited.json()["corrections_html"]
    publishing.delete_correction(correction=correction, by=editor)
    gone = poll(client, story, HTTP_IF_NONE_MATCH=edited["ETag"]).json()["corrections_html"]
    assert "Swisher" not in gone
    assert "hidden" in gone


def test_the_poll_costs_the_same_with_1_or_20_story_corrections(client, editor):
    story = factories.live_story()
    updates = [factories.update(story) for _ in range(3)]
    Correction.objects.create(update=updates[0], note="Sur une mise à jour.")
    correct(story, editor)
    few = count_queries(lambda: poll(client, story))
    for n in range(19):
        correct(story, editor, note=f"Correction {n}")
    many = count_queries(lambda: poll(client, story))
    assert few == many


def test_a_story_correction_is_kept_in_history_with_who_and_when(editor):
    story = factories.story()
    correction = correct(story, editor)
    correction.note = "Kara Swisher."
    publishing.save_correction(correction=correction, by=editor)
    publishing.delete_correction(correction=correction, by=editor)
    kinds = list(
        Correction.history.filter(id=correction.pk)
        .order_by("history_date")
        .values_list("history_type", "note")
    )
    assert [kind for kind, _note in kinds] == ["+", "~", "-"]
    assert kinds[0][1].startswith("Il s’agit de Kara Swisher")


def test_the_json_ld_lists_the_story_correction(client, editor):
    story = factories.story()
    correct(story, editor)
    html = client.get(story.get_absolute_url()).content.decode()
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(raw)
    (entry,) = data["correction"]
    assert entry["@type"] == "CorrectionComment"
    assert "Kara Swisher" in entry["text"]
    assert re.search(r"[+-]\d\d:\d\d$", entry["datePublished"])


def test_update_corrections_still_print_under_their_update(client, editor):
    story = factories.live_story()
    update = factories.update(story)
    publishing.save_correction(
        correction=Correction(update=update, note="Heure rectifiée."), by=editor
    )
    html = client.get(story.get_absolute_url()).content.decode()
    article = re.search(
        rf'<article class="update[^"]*" id="{update.anchor}".*?</article>', html, re.S
    )
    assert "Heure rectifiée." in article.group(0)
    assert LiveUpdate.objects.get(pk=update.pk).corrections.count() == 1
