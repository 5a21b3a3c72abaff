"""What readers see is decided by published(); versions, pins and change times behave."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from articles.models import LiveUpdate, StaleEditError, Story
from tests import factories

pytestmark = pytest.mark.django_db


def test_published_excludes_drafts_reviews_withdrawn_and_future():
    visible = factories.story()
    factories.story(status=Story.Status.DRAFT)
    factories.story(status=Story.Status.IN_REVIEW)
    factories.story(status=Story.Status.WITHDRAWN)
    factories.story(published_at=timezone.now() + timedelta(hours=1))
    assert list(Story.objects.published()) == [visible]


def test_scheduled_story_appears_on_its_minute_without_a_job():
    with time_machine.travel(datetime(2023, 11, 17, 20, 0, tzinfo=UTC), tick=False) as clock:
        story = factories.story(published_at=datetime(2023, 11, 17, 21, 0, tzinfo=UTC))
        assert not Story.objects.published().filter(pk=story.pk).exists()
        clock.move_to(datetime(2023, 11, 17, 20, 59, 59, tzinfo=UTC))
        assert not Story.objects.published().filter(pk=story.pk).exists()
        clock.move_to(datetime(2023, 11, 17, 21, 0, tzinfo=UTC))
        assert Story.objects.published().filter(pk=story.pk).exists()


def test_body_html_is_rendered_and_sanitised_on_save():
    story = factories.story(body="## Titre\n\n<script>alert(1)</script>[x](javascript:alert(1))")
    assert '<h2 id="titre">Titre</h2>' in story.body_html
    assert "<script" not in story.body_html
    assert "javascript:" not in story.body_html


def test_str_and_absolute_url():
    story = factories.story(headline="Une", slug="une")
    assert str(story) == "Une"
    assert story.get_absolute_url() == "/stories/une/"
    assert str(story.section) == story.section.name
    assert story.section.get_absolute_url() == f"/sections/{story.section.slug}/"


def test_slug_cannot_change_once_published():
    from django.core.exceptions import ValidationError

    story = factories.story(slug="stable")
    story.slug = "other"
    with pytest.raises(ValidationError):
        story.full_clean()


def test_save_with_stale_expected_version_overwrites_nothing():
    story = factories.story(headline="First")
    mine = Story.objects.get(pk=story.pk)
    theirs = Story.objects.get(pk=story.pk)
    theirs.headline = "Theirs"
    theirs.save(expected_version=theirs.version)
    mine.headline = "Mine"
    with pytest.raises(StaleEditError):
        mine.save(expected_version=mine.version)
    assert Story.objects.get(pk=story.pk).headline == "Theirs"


def test_live_update_published_rule():
    story = factories.live_story()
    visible = factories.update(story)
    factories.update(story, status=LiveUpdate.Status.DRAFT)
    factories.update(story, published_at=timezone.now() + timedelta(minutes=5))
    factories.update(story, deleted_at=timezone.now())
    assert list(LiveUpdate.objects.published()) == [visible]


def test_scheduled_update_appears_on_its_minute():
    with time_machine.travel(datetime(2023, 11, 20, 6, 0, tzinfo=UTC), tick=False) as clock:
        story = factories.live_story()
        update = factories.update(story, published_at=datetime(2023, 11, 20, 6, 45, tzinfo=UTC))
        assert not LiveUpdate.objects.published().filter(pk=update.pk).exists()
        clock.move_to(datetime(2023, 11, 20, 6, 45, tzinfo=UTC))
        assert LiveUpdate.objects.published().filter(pk=update.pk).exists()


def test_change_time_never_precedes_publication_time():
    story = factories.live_story()
    later = timezone.now() + timedelta(hours=1)
    update = factories.update(story, published_at=later)
    assert update.changed_at == later


def test_a_save_without_an_expected_version_bumps_the_stored_version_not_a_copy():
    """Caches are keyed on the version: a save from a stale copy must still move it."""
    story = factories.story()
    stale = Story.objects.get(pk=story.pk)
    story.save()
    story.save()
    stale.save()
    assert Story.objects.get(pk=story.pk).version == stale.version == 4


def test_editing_a_published_update_keeps_history_and_stamps_edited_at():
    story = factories.live_story()
    update = factories.update(story, body="Sara Swisher", published_at=timezone.now())
    assert update.edited_at is None
    update = LiveUpdate.objects.get(pk=update.pk)
    update.body = "Kara Swisher"
    update.save()
    assert update.edited_at is not None
    bodies = [h.body for h in update.history.order_by("history_date")]
    assert bodies == ["Sara Swisher", "Kara Swisher"]


def test_update_str_and_url():
    story = factories.live_story(slug="live")
    update = factories.update(story, title="Titre")
    assert str(update) == "Titre"
    assert update.get_absolute_url() == f"/stories/live/updates/{update.pk}/"


STORY_CASES = {
    "published": {},
    "published, no time": {"published_at": None},
    "scheduled": {"published_at": timedelta(hours=1)},
    "draft": {"status": Story.Status.DRAFT},
    "in review": {"status": Story.Status.IN_REVIEW},
    "withdrawn": {"status": Story.Status.WITHDRAWN},
}


def test_story_is_visible_agrees_with_published_in_every_case():
    made = {}
    for name, fields in STORY_CASES.items():
        when = fields.get("published_at", -timedelta(hours=1))
        values = {**fields, "published_at": None if when is None else timezone.now() + when}
        made[name] = factories.story(**values)
    published = set(Story.objects.published().values_list("pk", flat=True))
    for name, story in made.items():
        assert story.is_visible == (story.pk in published), name
    assert published == {made["published"].pk}


def test_live_update_is_visible_agrees_with_published_in_every_case():
    story = factories.live_story()
    cases = [
        factories.update(story),
        factories.update(story, status=LiveUpdate.Status.DRAFT),
        factories.update(story, published_at=timezone.now() + timedelta(minutes=5)),
        factories.update(story, deleted_at=timezone.now()),
    ]
    published = set(LiveUpdate.objects.published().values_list("pk", flat=True))
    for update in cases:
        assert update.is_visible == (update.pk in published)
    assert set(LiveUpdate.objects.active().values_list("pk", flat=True)) == {
        u.pk for u in cases[:3]
    }


def test_the_time_zone_list_holds_places_only_and_is_not_frozen_in_migrations():
    from articles.models import time_zone_choices

    names = {name for name, _ in time_zone_choices()}
    assert "Europe/Paris" in names
    assert "America/New_York" in names
    assert not names & {"localtime", "Factory", "posixrules"}
    assert not any(name.startswith(("posix/", "right/")) for name in names)
    assert callable(Story._meta.get_field("time_zone").choices) is False  # Django resolves it
    assert Story._meta.get_field("time_zone").deconstruct()[3]["choices"] is time_zone_choices


@pytest.mark.parametrize(
    ("field", "limit"), [("standfirst", 600), ("withdrawal_note", 2000), ("headline", 200)]
)
def test_long_text_is_refused_with_a_clear_error(field, limit):
    from django.core.exceptions import ValidationError

    story = factories.story()
    setattr(story, field, "a" * (limit + 1))
    with pytest.raises(ValidationError) as caught:
        story.full_clean()
    assert field in caught.value.error_dict


def test_control_characters_are_dropped_from_every_text_field_on_save():
    story = factories.story(headline="Titre\x0bcoupé", standfirst="Chapô\x1f", body="Corps\x0c")
    story.refresh_from_db()
    assert (story.headline, story.standfirst, story.body) == ("Titrecoupé", "Chapô", "Corps")


def test_a_text_showing_an_image_without_alt_text_is_refused():
    from django.core.exceptions import ValidationError

    story = factories.story(body="![](/media/images/a.png)", summary="![Une carte](/m/b.png)")
    with pytest.raises(ValidationError) as caught:
        story.full_clean()
    assert set(caught.value.error_dict) == {"body"}
    assert caught.value.error_dict["body"][0].code == "image_without_alt"
    update = factories.update(factories.live_story(), body="Voici.\n\n![ ](/media/images/c.png)")
    with pytest.raises(ValidationError) as caught:
        update.full_clean()
    assert "body" in caught.value.error_dict
    story.body = "![Le siège d'OpenAI](/media/images/a.png)"
    story.full_clean()


def test_described_images_are_those_with_alt_text_and_a_source_type():
    from articles.models import Image

    described = factories.image()
    no_alt = factories.image(alt_text="")
    no_type = factories.image(digital_source_type="", ai_tool="")
    assert list(Image.objects.described()) == [described]
    assert set(Image.objects.undescribed()) == {no_alt, no_type}
