"""Draft preview links for people outside the newsroom: signed, expiring, revocable."""

from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from articles import previews, publishing
from articles.models import PreviewLink, Story
from tests import factories
from tests.helpers import english_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    owner = factories.user(group="Reporter")
    return factories.story(
        headline="Brouillon secret", status=Story.Status.DRAFT, published_at=None, created_by=owner
    )


def test_a_link_opens_the_draft_for_anyone_and_is_not_indexed_or_cached(client, draft):
    link = previews.create_link(story=draft, by=draft.created_by)
    response = client.get(previews.url(link))
    assert response.status_code == 200
    assert "Brouillon secret" in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]
    # The draft itself stays hidden everywhere else.
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(reverse("articles:story_preview", args=[draft.pk])).status_code == 302


def test_a_forged_or_altered_token_opens_nothing(client, draft):
    link = previews.create_link(story=draft, by=draft.created_by)
    good = previews.token(link)
    forged = signing.Signer(salt="another-salt").sign(
        f"{link.pk}.{int(link.created_at.timestamp())}"
    )
    other = PreviewLink.objects.create(
        story=factories.story(status=Story.Status.DRAFT, published_at=None),
        expires_at=timezone.now() + timedelta(days=1),
    )
    tampered = f"{other.pk}" + good[len(str(link.pk)) :]
    for token in (forged, tampered, good[:-2] + "xx", "1", "abc:def"):
        response = client.get(reverse("articles:shared_preview", args=[token]))
        assert response.status_code == 404, token


def test_a_link_expires_on_its_own(client, draft):
    link = previews.create_link(story=draft, by=draft.created_by, days=2)
    url = previews.url(link)
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert client.get(url).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=2, minutes=1)):
        assert client.get(url).status_code == 404


def test_a_link_never_lives_past_the_configured_maximum(client, draft, settings):
    settings.NEWSROOM_PREVIEW_LINK_MAX_DAYS = 3
    link = previews.create_link(story=draft, by=draft.created_by, days=365)
    assert link.expires_at <= timezone.now() + timedelta(days=3)
    # Even a row changed by hand: the signature's own age is bounded.
    PreviewLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() + timedelta(days=99))
    url = previews.url(link)
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        assert client.get(url).status_code == 404


def test_a_revoked_link_stops_at_once(client, draft):
    link = previews.create_link(story=draft, by=draft.created_by)
    assert client.get(previews.url(link)).status_code == 200
    assert previews.revoke(link=link, by=draft.created_by)
    assert client.get(previews.url(link)).status_code == 404


def test_who_may_make_and_revoke_links(draft):
    editor = factories.user(group="Editor")
    stranger = factories.user(group="Reporter")
    with pytest.raises(PermissionDenied):
        previews.create_link(story=draft, by=stranger)
    with pytest.raises(PermissionDenied):
        previews.create_link(story=draft, by=factories.user(group="Live desk"))
    link = previews.create_link(story=draft, by=draft.created_by)
    with pytest.raises(PermissionDenied):
        previews.revoke(link=link, by=stranger)
    assert previews.revoke(link=link, by=editor)


def test_a_story_in_the_trash_is_not_previewed(client, draft):
    link = previews.create_link(story=draft, by=draft.created_by)
    publishing.trash(obj=draft, by=factories.user(group="Editor"))
    assert client.get(previews.url(link)).status_code == 404


def test_the_story_form_makes_and_revokes_links(draft):
    client = english_client(draft.created_by)
    change = reverse("admin:articles_story_change", args=[draft.pk])
    create = reverse("admin:articles_story_preview_link_create", args=[draft.pk])
    assert client.get(create).status_code == 405
    assert client.post(create).status_code == 302
    link = PreviewLink.objects.get(story=draft)
    page = client.get(change).content.decode()
    assert previews.url(link) in page
    revoke = reverse("admin:articles_story_preview_link_revoke", args=[draft.pk, link.pk])
    assert english_client(factories.user(group="Reporter")).post(revoke).status_code in (403, 404)
    assert client.post(revoke).status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert link.revoked_by == draft.created_by
