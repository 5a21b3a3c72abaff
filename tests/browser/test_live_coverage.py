"""The live desk posts, edits and deletes; a reader's page opened before picks it all up."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from articles import publishing
from articles.models import LiveUpdate
from tests import factories
from tests.browser.conftest import axe_violations, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The acceptance figure: a change reaches an open page within 20 seconds, at the default
# polling interval.
WITHIN_MS = 20_000


def test_desk_changes_reach_an_open_reader_page_without_reload(
    live_server, open_page, shot, console_errors
):
    story = factories.live_story(headline="OpenAI : le direct", slug="openai-direct")
    earlier = timezone.now() - timedelta(hours=1)
    for i in range(30):
        factories.update(
            story,
            title=f"Ancienne {i}",
            body="Texte.\n\n" * 6,
            published_at=earlier + timedelta(minutes=i),
        )
    factories.user("ines", group="Live desk")

    reader = open_page(viewport={"width": 390, "height": 800})
    reader.goto(f"{live_server.url}{story.get_absolute_url()}")
    first_article = reader.locator("[data-stream] article.update").first
    assert "Ancienne 29" in first_article.inner_text()
    assert axe_violations(reader) == []

    desk = open_page()
    login(desk, live_server, "ines")
    desk.goto(f"{live_server.url}/desk/stories/{story.pk}/")
    assert axe_violations(desk) == []
    desk.fill("#id_title", "Emmett Shear nommé")
    desk.fill("#id_body", "Le **Wall Street Journal** annonce un patron par intérim.")
    desk.locator(".desk-post button[type=submit]").click()
    # Posted in the background: the desk says so in its status line, without a reload.
    expect(desk.locator("[data-desk-status]")).to_contain_text("publiée")
    shot(desk, "live-1-desk-after-post")

    # The reader is at the top: the update is inserted at the top of the stream.
    newest = reader.locator("[data-stream] article.update").first
    expect(newest).to_contain_text("Emmett Shear nommé", timeout=WITHIN_MS)
    expect(newest.locator("strong")).to_have_text("Wall Street Journal")
    shot(reader, "live-2-reader-new-update")

    # The reader scrolls down: the next update waits behind a button.
    reader.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
    scrolled_to = reader.evaluate("window.scrollY")
    desk.fill("#id_title", "Microsoft recrute Sam Altman")
    desk.fill("#id_body", "Satya Nadella confirme.")
    desk.locator(".desk-post button[type=submit]").click()
    button = reader.locator("button.new-updates")
    expect(button).to_be_visible(timeout=WITHIN_MS)
    expect(button).to_contain_text("1 nouvelle mise à jour")
    assert reader.evaluate("window.scrollY") == scrolled_to  # the text did not move
    assert re.match(r"^\(1\) ", reader.title())
    shot(reader, "live-3-reader-button")
    button.click()
    expect(reader.locator("[data-stream] article.update").first).to_contain_text(
        "Microsoft recrute Sam Altman"
    )
    expect(button).to_be_hidden()

    # An edit (marked as a correction) and a delete reach the open page too.
    shear = LiveUpdate.objects.get(title="Emmett Shear nommé")
    desk.goto(f"{live_server.url}/desk/updates/{shear.pk}/edit/")
    desk.fill("#id_title", "Emmett Shear, patron par intérim")
    desk.check("#id_is_correction")
    desk.fill("#id_correction_note", "Le titre précisait mal sa fonction.")
    desk.locator("form button[type=submit]").last.click()
    edited = reader.locator(f"#update-{shear.pk}")
    expect(edited).to_contain_text("Emmett Shear, patron par intérim", timeout=WITHIN_MS)
    expect(edited.locator(".correction")).to_contain_text("précisait mal")

    doomed = LiveUpdate.objects.get(title="Ancienne 29")
    desk.goto(f"{live_server.url}/desk/stories/{story.pk}/")
    desk.locator(f"[data-update-id='{doomed.pk}'] button[data-action=delete]").click()
    expect(reader.locator(f"#update-{doomed.pk}")).to_have_count(0, timeout=WITHIN_MS)
    shot(reader, "live-4-reader-after-edit-and-delete")
    reader.goto(f"{live_server.url}/stories/{story.slug}/updates/{shear.pk}/")
    expect(reader.locator("article.update")).to_contain_text("patron par intérim")
    assert axe_violations(reader) == []
    assert console_errors == []


def poll_now(page):
    """Poll at once instead of waiting for the interval (a minute before coverage starts)."""
    page.evaluate("() => window.newsroomLive.pollNow()")


def test_a_page_left_open_goes_live_when_coverage_starts_and_says_when_it_ends(
    live_server, open_page, shot, console_errors
):
    story = factories.story(headline="Conseil d’OpenAI", slug="conseil-openai")
    factories.user("ines", group="Live desk")

    reader = open_page(viewport={"width": 390, "height": 800})
    reader.goto(f"{live_server.url}{story.get_absolute_url()}")
    live_section = reader.locator("section.live")
    expect(live_section).to_be_hidden()
    expect(reader.locator(".live-badge:visible")).to_have_count(0)
    assert axe_violations(reader) == []
    poll_now(reader)  # nothing to say yet
    expect(live_section).to_be_hidden()

    desk = open_page()
    login(desk, live_server, "ines")
    desk.goto(f"{live_server.url}/desk/stories/{story.pk}/")
    desk.locator("form[action$='/coverage/'] button[type=submit]").click()
    desk.fill("#id_title", "Sam Altman est renvoyé")
    desk.fill("#id_body", "Le conseil d’administration annonce son départ.")
    desk.locator(".desk-post button[type=submit]").click()
    expect(desk.locator("[data-desk-status]")).to_contain_text("publiée")

    poll_now(reader)
    expect(live_section).to_be_visible()
    expect(reader.locator("[data-stream] article.update").first).to_contain_text(
        "Sam Altman est renvoyé"
    )
    expect(reader.locator(".kicker .live-badge")).to_be_visible()
    expect(reader.locator(".live-title .live-badge")).to_be_visible()
    expect(reader.locator(".coverage")).to_contain_text("Direct ouvert le")
    expect(reader.locator("[data-empty]")).to_have_count(0)
    shot(reader, "coverage-1-reader-gone-live")
    assert axe_violations(reader) == []

    # Ending asks first; the reader's page changes only once it is confirmed.
    desk.goto(f"{live_server.url}/desk/stories/{story.pk}/")
    desk.locator("form[action$='/coverage/'] button[type=submit]").click()
    expect(desk.locator("h1")).to_have_text("Clore le direct ?")
    assert axe_violations(desk) == []
    shot(desk, "coverage-2-desk-confirm-end")
    poll_now(reader)
    expect(reader.locator(".live-badge")).to_have_count(2)
    desk.locator("form[action$='/coverage/'] button[type=submit]").click()
    expect(desk.locator(".messages")).to_be_visible()

    poll_now(reader)
    expect(reader.locator(".live-badge")).to_have_count(0)
    expect(reader.locator("article.story")).not_to_have_class(re.compile(r"\bis-live\b"))
    expect(reader.locator(".coverage")).to_contain_text("clos le")
    # A banner says it, beside the words spoken to screen readers.
    expect(reader.locator(".coverage-ended")).to_be_visible()
    expect(reader.locator("[data-live-status]")).to_have_text("Le direct est terminé.")
    expect(reader.locator("[data-stream] article.update")).to_have_count(1)
    shot(reader, "coverage-3-reader-ended")
    assert axe_violations(reader) == []
    assert console_errors == []


def stream_ids(page):
    return page.eval_on_selector_all(
        "[data-stream] > article.update", "els => els.map((el) => Number(el.dataset.updateId))"
    )


def test_updates_take_their_place_in_stream_order_whatever_order_they_arrive_in(
    live_server, open_page, console_errors
):
    story = factories.live_story(slug="ordre")
    now = timezone.now()
    older = [
        factories.update(
            story, body="Texte.\n\n" * 6, published_at=now - timedelta(hours=3, minutes=-i)
        )
        for i in range(12)
    ]
    reader = open_page(viewport={"width": 390, "height": 800})
    reader.goto(f"{live_server.url}{story.get_absolute_url()}")

    # At the top, a tie on the time: the higher id reads first, even when it arrives first.
    same_time = now - timedelta(minutes=30)
    tie_low = factories.update(
        story, title="Égalité (brouillon)", status=LiveUpdate.Status.DRAFT, published_at=same_time
    )
    tie_high = factories.update(story, title="Égalité B", published_at=same_time)
    poll_now(reader)
    tie_low.status = LiveUpdate.Status.PUBLISHED
    tie_low.save()
    poll_now(reader)
    assert stream_ids(reader)[:3] == [tie_high.pk, tie_low.pk, older[-1].pk]

    # Scrolled into the stream: three wait behind the button, arriving 09:40, 09:50, 09:35;
    # revealed, they read 09:50, 09:40, 09:35.
    reader.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
    middle = factories.update(story, title="Milieu", published_at=now - timedelta(minutes=20))
    poll_now(reader)
    newest = factories.update(story, title="Dernière", published_at=now - timedelta(minutes=10))
    poll_now(reader)
    oldest = factories.update(story, title="Première", published_at=now - timedelta(minutes=25))
    poll_now(reader)
    button = reader.locator("button.new-updates")
    expect(button).to_contain_text("3 nouvelles mises à jour")
    button.click()
    assert stream_ids(reader)[:6] == [
        newest.pk,
        middle.pk,
        oldest.pk,
        tie_high.pk,
        tie_low.pk,
        older[-1].pk,
    ]
    expect(reader.locator(f"#update-{newest.pk}")).to_be_focused()
    assert console_errors == []


def test_a_hung_poll_is_abandoned_and_polling_goes_on(live_server, open_page, console_errors):
    story = factories.live_story(slug="requete-bloquee")
    factories.update(story, title="Avant")
    reader = open_page()
    reader.clock.install()
    hung = []

    def answer(route):
        if not hung:
            hung.append(route)  # never answered: the server, or the network, has gone quiet
        else:
            route.continue_()

    reader.route("**/updates/?since=*", answer)
    reader.goto(f"{live_server.url}{story.get_absolute_url()}")
    reader.clock.fast_forward(11_000)  # the first poll starts, and hangs
    for _ in range(50):  # the route handler runs once Playwright has dispatched the request
        if hung:
            break
        reader.wait_for_timeout(100)
    assert hung
    factories.update(story, title="Après la panne")
    reader.clock.fast_forward(15_000)  # abandoned at 15 s, then retried within the backoff
    first = reader.locator("[data-stream] article.update").first
    for _ in range(12):  # 60 s of page time: the backoff is 20 s at most after one failure
        reader.clock.fast_forward(5_000)
        reader.wait_for_timeout(100)
        if "Après la panne" in first.inner_text():
            break
    expect(first).to_contain_text("Après la panne")
    # The abandoned request is the only error the page logs.
    assert [e for e in console_errors if "abort" not in e.lower()] == []


def set_visibility(page, state):
    page.evaluate(
        """(state) => {
            const property = { value: state, configurable: true };
            Object.defineProperty(document, "visibilityState", property);
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        state,
    )


def test_the_minute_tick_rests_in_a_hidden_tab_and_catches_up_when_shown(
    live_server, open_page, console_errors
):
    story = factories.live_story(slug="onglet-cache")
    update = factories.update(story, title="Maintenant")
    reader = open_page()
    reader.clock.install()
    reader.goto(f"{live_server.url}{story.get_absolute_url()}")
    relative = reader.locator(f"#update-{update.pk} .relative-time")
    expect(relative).to_have_text("maintenant")
    set_visibility(reader, "hidden")
    reader.clock.run_for(5 * 60_000)
    expect(relative).to_have_text("maintenant")  # nothing ran in the hidden tab
    set_visibility(reader, "visible")
    expect(relative).to_have_text("il y a 5 minutes")
    reader.clock.run_for(60_000)
    expect(relative).to_have_text("il y a 6 minutes")
    assert console_errors == []


def live_markup(page):
    """The key-events items, the pinned copy and the stream, as the page holds them now."""
    return page.eval_on_selector(
        "section.live",
        """(section) => Object.fromEntries(
            ["li[data-update-id]", "[data-pinned-slot] > article", "[data-stream] > article"]
                .map((css) => [css, [...section.querySelectorAll(css)].map((el) => el.outerHTML)])
        )""",
    )


def test_a_poll_places_the_servers_pinned_copy_and_key_event_item_at_phone_and_desktop_width(
    live_server, open_page, shot, console_errors
):
    story = factories.live_story(headline="OpenAI : le direct", slug="epingle-et-temps-forts")
    desk = factories.user("ines", group="Live desk")
    earlier = timezone.now() - timedelta(hours=1)
    first_key = factories.update(
        story,
        title="Sam Altman renvoyé",
        body="Le conseil d’administration annonce son départ.",
        is_key_event=True,
        published_at=earlier,
    )
    for i in range(4):
        factories.update(story, body=f"Texte {i}.", published_at=earlier + timedelta(minutes=i + 1))
    reader = open_page(viewport={"width": 390, "height": 800})
    reader.goto(f"{live_server.url}{story.get_absolute_url()}")
    expect(reader.locator("[data-pinned-slot]")).to_be_hidden()

    # A key event without a title: its item reads the start of its text, as the page's does.
    key = factories.update(
        story, body="Emmett Shear, ancien patron de **Twitch**, prend la direction par intérim."
    )
    publishing.set_key_event(update=key, by=desk, key_event=True)
    pinned = factories.update(story, title="Ce que l’on sait", body="- Altman part\n- Shear arrive")
    publishing.set_pinned(update=pinned, by=desk, pinned=True)
    plain = factories.update(story, title="Microsoft recrute Sam Altman", body="Satya Nadella.")
    poll_now(reader)

    items = reader.locator(".key-events li")
    expect(items).to_have_count(2)
    # Newest first, like the stream, and the new one, in this page's stream, reached by its
    # anchor.
    expect(items.nth(0)).to_contain_text("Emmett Shear, ancien patron de Twitch, prend la")
    expect(items.nth(1)).to_contain_text("Sam Altman renvoyé")
    expect(items.nth(0).locator("a")).to_have_attribute("href", f"#update-{key.pk}")
    # On a phone the pinned copy is folded under its label, one tap away.
    slot = reader.locator("[data-pinned-slot]")
    expect(reader.locator("details.pinned > summary")).to_be_visible()
    reader.locator("details.pinned > summary").click()
    expect(slot).to_be_visible()
    expect(slot.locator(f"#pinned-update-{pinned.pk}")).to_contain_text("Ce que l’on sait")
    expect(slot.locator(".tag-pinned")).to_be_visible()
    assert stream_ids(reader)[:3] == [plain.pk, pinned.pk, key.pk]
    assert reader.locator(f"[id='update-{pinned.pk}']").count() == 1  # no id twice
    assert axe_violations(reader) == []
    shot(reader, "pinned-key-1-phone")
    reader.set_viewport_size({"width": 1280, "height": 900})
    shot(reader, "pinned-key-2-desktop")
    # Presentation written once: what the poll placed is what a fresh page shows.
    polled = live_markup(reader)
    reader.reload()
    assert live_markup(reader) == polled

    # Unpinned and no longer a key event: the poll's answer lacks the fragment, the page drops it.
    publishing.set_pinned(update=pinned, by=desk, pinned=False)
    publishing.set_key_event(update=key, by=desk, key_event=False)
    poll_now(reader)
    expect(slot).to_be_hidden()
    expect(items).to_have_count(1)
    assert first_key.pk == int(items.first.get_attribute("data-update-id"))
    assert console_errors == []
