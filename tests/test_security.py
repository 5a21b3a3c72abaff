"""Logins are throttled per username and address (django-axes): five wrong passwords lock that
pair out for a cool-off, with our page in the site's language, until a superuser unlocks it."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests import factories

LOGIN = "/admin/login/"
PASSWORD = "pw-for-tests-123"  # the factories' password


def attempt(client, username, password, **extra):
    return client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/"}, **extra
    )


def fail(client, username, times, **extra):
    for _ in range(times):
        response = attempt(client, username, "wrong-password", **extra)
        assert response.status_code in (200, 429)


def logged_in(client):
    return "_auth_user_id" in client.session


@pytest.fixture
def editor_user(db):
    return factories.user("editor", group="Editor")


def test_five_wrong_passwords_lock_the_right_one_out_with_our_message(editor_user):
    client = Client()
    fail(client, "editor", 5)
    response = attempt(client, "editor", PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)
    html = response.content.decode()
    assert "Trop de tentatives de connexion" in html
    assert "15 minutes" in html
    assert 'id="site-name"' in html  # the admin's look
    assert response["Retry-After"] == str(15 * 60)


def test_four_wrong_passwords_still_let_the_right_one_in(editor_user):
    client = Client()
    fail(client, "editor", 4)
    assert attempt(client, "editor", PASSWORD).status_code == 302
    assert logged_in(client)


def test_a_success_resets_the_count(editor_user):
    client = Client()
    fail(client, "editor", 4)
    assert attempt(client, "editor", PASSWORD).status_code == 302
    client.logout()
    fail(client, "editor", 4)
    assert attempt(client, "editor", PASSWORD).status_code == 302


def test_another_username_from_the_same_address_is_not_locked(editor_user):
    factories.user("colleague")
    client = Client()
    fail(client, "editor", 5)
    assert attempt(client, "colleague", PASSWORD).status_code == 302
    assert logged_in(client)


def test_the_same_username_from_another_address_is_not_locked(editor_user):
    fail(Client(), "editor", 5, REMOTE_ADDR="203.0.113.9")
    client = Client()
    assert attempt(client, "editor", PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_the_lock_lifts_after_the_cool_off(editor_user):
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        fail(client, "editor", 5)
        clock.shift(timedelta(minutes=14))
        assert attempt(client, "editor", PASSWORD).status_code == 429
        # A try during the lock restarts its clock: wait the whole cool-off after the last one.
        clock.shift(timedelta(minutes=15, seconds=1))
        assert attempt(client, "editor", PASSWORD).status_code == 302


def test_x_forwarded_for_does_not_give_an_attacker_fresh_addresses_by_default(editor_user):
    client = Client()
    for n in range(5):
        attempt(client, "editor", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    response = attempt(client, "editor", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert response.status_code == 429


def test_behind_our_proxy_the_address_it_appended_counts_not_the_clients_own(editor_user, settings):
    settings.NEWSROOM_PROXY_COUNT = 1
    client = Client()
    # The attacker varies the left of the header; our proxy appends the address it saw.
    for n in range(5):
        attempt(client, "editor", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.9")
    locked = attempt(client, "editor", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert locked.status_code == 429
    # Someone else behind the same proxy is a different address.
    other = attempt(Client(), "editor", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert other.status_code == 302


def test_a_superuser_unlocks_from_the_admin(editor_user):
    fail(Client(), "editor", 5)
    (locked,) = AccessAttempt.objects.filter(username="editor")
    admin = Client()
    admin.force_login(factories.user("root", is_superuser=True))
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "editor" in listing.content.decode()
    response = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [locked.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert attempt(Client(), "editor", PASSWORD).status_code == 302


def test_the_reset_command_unlocks(editor_user):
    fail(Client(), "editor", 5)
    call_command("axes_reset_username", "editor")
    assert attempt(Client(), "editor", PASSWORD).status_code == 302


def test_the_desk_login_is_the_throttled_one(editor_user):
    response = Client().get("/desk/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
