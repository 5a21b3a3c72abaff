"""Archived copies of cited pages: a WARC record and the readable text, made by the task when a
citation is added or when an editor asks, failures recorded and retried, the reader's text
view and the staff's WARC download. The cited site is a local server on 127.0.0.1."""

import gzip
import io
from datetime import UTC, datetime

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from warcio.archiveiterator import ArchiveIterator

from articles import archiving, egress
from articles.models import Citation, Source
from tests import factories
from tests.helpers import form_data, inline_management
from tests.origin import serving, to_loopback

pytestmark = pytest.mark.django_db

ARTICLE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>OpenAI's board ousts Sam Altman | The Example Journal</title>
<script>window.tracker = "analytics-secret";</script></head>
<body><nav><a href="/">Home</a> <a href="/tech">Tech</a> Subscribe now</nav>
<article><h1>OpenAI's board ousts Sam Altman</h1>
<p>The board of OpenAI said on Friday that it had removed Sam Altman as chief executive,
saying he had not been consistently candid in his communications with the board.</p>
<p>Greg Brockman, the company's president, was removed as chairman and later said he quit.
Mira Murati, the chief technology officer, was named interim chief executive.</p>
<p>The decision surprised investors, including Microsoft, which has committed billions of
dollars to the company and learned of it minutes before the announcement.</p>
<img src="x" onerror="alert(1)"><p>&lt;script&gt;alert("typed as text")&lt;/script&gt; is how the
page shows a tag in its own prose.</p>
</article><footer>© Example Journal. All rights reserved.</footer></body></html>"""


@pytest.fixture
def origin(settings, monkeypatch):
    """A cited site on this machine: its pages answer at news.example (and any name), on the
    server's port, through the real egress helper."""
    settings.NEWSROOM_EGRESS_ALLOW_LOOPBACK_FOR_TESTS = True
    with serving() as httpd:
        real = archiving.fetch_page

        def fetch_locally(url):
            port = f":{httpd.server_port}"
            local = url.replace("news.example/", f"news.example{port}/", 1).replace(
                "elsewhere.example/", f"elsewhere.example{port}/", 1
            )
            return egress.fetch(local, resolver=to_loopback, max_bytes=archiving.max_bytes())

        monkeypatch.setattr(archiving, "fetch_page", fetch_locally)
        httpd.real_fetch = real
        yield httpd


@pytest.fixture
def outlet():
    return Source.objects.create(
        name="The Example Journal", slug="example-journal", homepage_url="https://news.example/"
    )


def cite(story, outlet, path="/tech/altman", **fields):
    return Citation.objects.create(
        story=story, source=outlet, url=f"http://news.example{path}", title="Altman out", **fields
    )


def records(citation):
    with default_storage.open(citation.warc_file.name, "rb") as handle:
        data = handle.read()
    return [
        (r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read())
        for r in ArchiveIterator(io.BytesIO(data))
    ], data


def test_a_capture_keeps_the_page_as_a_warc_record_and_its_readable_text(origin, outlet):
    origin.page("/tech/altman", ARTICLE)
    citation = archiving.capture(cite(factories.story(), outlet).pk)
    assert citation.capture_state == Citation.Capture.DONE, citation.capture_error
    assert citation.http_status == 200
    assert citation.captured_at is not None
    assert citation.captured_title == "OpenAI's board ousts Sam Altman"

    found, data = records(citation)
    assert data[:2] == b"\x1f\x8b"  # gzipped, record by record, as WARC tools expect
    assert [kind for kind, *_ in found] == ["warcinfo", "request", "response"]
    _kind, headers, http, payload = found[2]
    assert headers.get_header("WARC-Target-URI").endswith("/tech/altman")
    assert headers.get_header("WARC-IP-Address") == "127.0.0.1"
    assert headers.get_header("WARC-Date").startswith(citation.captured_at.strftime("%Y-%m-%d"))
    assert http.get_statuscode() == "200"
    assert http.get_header("Content-Type") == "text/html; charset=utf-8"
    assert payload == ARTICLE.encode()  # exactly what the server sent
    request_headers = found[1][2]
    assert request_headers.get_header("User-Agent").startswith("Newsroom/")
    assert origin.requests[0][1]["User-Agent"] == request_headers.get_header("User-Agent")

    text = citation.readable_text
    assert "not been consistently candid" in text
    assert "Mira Murati" in text
    assert "analytics-secret" not in text  # the page's script is not its text
    assert "Subscribe now" not in text  # nor is its navigation
    assert "<" not in text.replace('<script>alert("typed as text")</script>', "")


def test_a_page_that_answers_an_error_is_a_failed_capture_that_can_be_retried(origin, outlet):
    citation = archiving.capture(cite(factories.story(), outlet, "/gone").pk)
    assert citation.capture_state == Citation.Capture.FAILED
    assert citation.http_status == 404
    assert "404" in citation.capture_error
    assert not citation.warc_file
    assert not citation.has_archived_copy

    origin.page("/gone", ARTICLE)
    retried = archiving.capture(citation.pk)
    assert retried.capture_state == Citation.Capture.DONE
    assert retried.capture_error == ""
    assert retried.http_status == 200


def test_an_address_egress_refuses_is_a_failed_capture_with_its_reason(outlet, monkeypatch):
    # The name resolves to a private address: egress refuses before connecting.
    monkeypatch.setattr(egress, "system_resolver", lambda host, port: ["10.0.0.7"])
    citation = archiving.capture(cite(factories.story(), outlet).pk)
    assert citation.capture_state == Citation.Capture.FAILED
    assert "10.0.0.7" in citation.capture_error
    assert not citation.warc_file
    assert not default_storage.exists(f"captures/{citation.pk}")


def test_offline_the_capture_fails_cleanly(outlet):
    # The suite resolves no name but this machine's: as a server without network would.
    citation = archiving.capture(cite(factories.story(), outlet).pk)
    assert citation.capture_state == Citation.Capture.FAILED
    assert "news.example" in citation.capture_error


def test_capturing_again_replaces_the_copy_and_removes_the_old_file(origin, outlet):
    origin.page("/tech/altman", ARTICLE)
    first = archiving.capture(cite(factories.story(), outlet).pk)
    old_name = first.warc_file.name
    origin.page("/tech/altman", ARTICLE.replace("on Friday", "on Friday evening"))
    Citation.objects.filter(pk=first.pk).update(captured_at=datetime(2023, 11, 18, tzinfo=UTC))
    again = archiving.capture(first.pk)
    assert "Friday evening" in again.readable_text
    assert again.warc_file.name != old_name
    assert not default_storage.exists(old_name)
    assert default_storage.exists(again.warc_file.name)


def test_a_capture_writes_only_its_own_fields(origin, outlet):
    origin.page("/tech/altman", ARTICLE)
    citation = cite(factories.story(), outlet, quote="« Pas toujours franc »")
    # An editor changed the title after the task was queued, before it ran.
    Citation.objects.filter(pk=citation.pk).update(title="Corrected title")
    archiving.capture(citation.pk)
    stored = Citation.objects.get(pk=citation.pk)
    assert stored.title == "Corrected title"
    assert stored.quote == "« Pas toujours franc »"


def test_a_citation_deleted_while_queued_is_skipped(origin, outlet):
    citation = cite(factories.story(), outlet)
    pk = citation.pk
    citation.delete()
    assert archiving.capture(pk) is None


def test_a_page_larger_than_the_cap_is_refused(origin, outlet, settings):
    settings.NEWSROOM_ARCHIVE_MAX_BYTES = 1000
    origin.page("/tech/altman", ARTICLE)
    citation = archiving.capture(cite(factories.story(), outlet).pk)
    assert citation.capture_state == Citation.Capture.FAILED
    assert "1000" in citation.capture_error


def test_text_in_another_charset_is_read_in_it(origin, outlet):
    page = ARTICLE.replace("utf-8", "iso-8859-1").replace("Friday", "vendredi, à l'aube,")
    origin.page("/tech/altman", page.encode("latin-1"), content_type="text/html; charset=latin-1")
    citation = archiving.capture(cite(factories.story(), outlet).pk)
    assert "vendredi, à l'aube," in citation.readable_text


def test_a_document_that_is_not_html_is_kept_in_the_warc_without_a_text_copy(origin, outlet):
    origin.page("/report.pdf", b"%PDF-1.7\n%binary", content_type="application/pdf")
    citation = archiving.capture(cite(factories.story(), outlet, "/report.pdf").pk)
    assert citation.capture_state == Citation.Capture.DONE
    assert citation.readable_text == ""
    assert not citation.has_archived_copy  # readers get no empty text page
    found, _data = records(citation)
    assert found[2][3] == b"%PDF-1.7\n%binary"


def test_a_redirect_is_followed_and_recorded(origin, outlet):
    origin.page("/short", b"", status=301, Location="/tech/altman")
    origin.page("/tech/altman", ARTICLE)
    citation = archiving.capture(cite(factories.story(), outlet, "/short").pk)
    assert citation.capture_state == Citation.Capture.DONE
    found, _data = records(citation)
    assert b"/short" in found[0][3]  # the warcinfo names the redirect
    assert found[2][1].get_header("WARC-Target-URI").endswith("/tech/altman")


# The reader's copy and the staff download


def _archived(origin, outlet, **story_fields):
    origin.page("/tech/altman", ARTICLE)
    story = factories.story(**story_fields)
    return story, archiving.capture(cite(story, outlet).pk)


def test_readers_get_an_archived_copy_link_and_a_plain_text_page(client, origin, outlet):
    story, citation = _archived(origin, outlet)
    page = client.get(story.get_absolute_url()).content.decode()
    assert f'href="{citation.get_archive_url()}"' in page

    response = client.get(citation.get_archive_url())
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex"
    html = response.content.decode()
    assert "OpenAI&#x27;s board ousts Sam Altman" in html
    assert "not been consistently candid" in html
    assert "<script>window.tracker" not in html
    assert "onerror" not in html
    # Text that looked like a tag on the page is text here too.
    assert "&lt;script&gt;alert(&quot;typed as text&quot;)&lt;/script&gt;" in html
    assert f'datetime="{citation.captured_at.astimezone(UTC).year}' in html


@pytest.mark.parametrize("state", ["draft", "failed", "other story"])
def test_there_is_no_archived_copy_page_where_readers_may_not_see_one(
    client, origin, outlet, state
):
    story, citation = _archived(origin, outlet)
    url = citation.get_archive_url()
    if state == "draft":
        story.status = story.Status.DRAFT
        story.save()
    elif state == "failed":
        Citation.objects.filter(pk=citation.pk).update(capture_state=Citation.Capture.FAILED)
    else:
        url = url.replace(story.slug, factories.story().slug)
    assert client.get(url).status_code == 404


def test_staff_download_the_warc_file_and_no_one_else(origin, outlet, editor_client, client):
    _story, citation = _archived(origin, outlet)
    url = f"/admin/articles/citation/{citation.pk}/warc/"
    response = editor_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/warc"
    assert response["Content-Disposition"].startswith("attachment")
    assert gzip.decompress(b"".join(response.streaming_content)).startswith(b"WARC/")
    assert client.get(url).status_code == 302  # to the login
    member = Client()
    member.force_login(factories.user(staff=False))
    assert member.get(url).status_code == 302
    for junk in ("abc", "²", "9999"):
        assert editor_client.get(f"/admin/articles/citation/{junk}/warc/").status_code == 404


# Editors: archived when added, archived again on demand


def _story_form(client, story):
    return form_data(client.get(f"/admin/articles/story/{story.pk}/change/"))


def test_a_citation_added_on_the_story_is_archived_in_the_background(editor_client, origin, outlet):
    origin.page("/tech/altman", ARTICLE)
    story = factories.story()
    data = _story_form(editor_client, story)
    data.update(inline_management("citations", total=1))
    data.update(
        {
            "citations-0-url": "http://news.example/tech/altman?utm_source=feed",
            "citations-0-title": "Altman out",
            "citations-0-source": "",  # proposed from the address
            "citations-0-accessed_at_0": "2023-11-18",
            "citations-0-accessed_at_1": "10:00:00",
            "citations-0-position": "0",
        }
    )
    response = editor_client.post(f"/admin/articles/story/{story.pk}/change/", data)
    assert response.status_code == 302, response.context and response.context["errors"]
    citation = Citation.objects.get(story=story)
    assert citation.source == outlet
    assert citation.url == "http://news.example/tech/altman"
    assert citation.capture_state == Citation.Capture.DONE  # the task ran (at once, in tests)
    assert [path for path, _headers in origin.requests] == ["/tech/altman"]


def test_no_source_on_the_address_is_a_clear_form_error(editor_client, outlet):
    story = factories.story()
    data = _story_form(editor_client, story)
    data.update(inline_management("citations", total=1))
    data.update(
        {
            "citations-0-url": "https://unknown.example/a",
            "citations-0-title": "T",
            "citations-0-accessed_at_0": "2023-11-18",
            "citations-0-accessed_at_1": "10:00:00",
            "citations-0-position": "0",
        }
    )
    response = editor_client.post(f"/admin/articles/story/{story.pk}/change/", data)
    assert response.status_code == 200
    assert "unknown.example" in response.content.decode()
    assert not Citation.objects.exists()


def test_an_article_on_a_subdomain_proposes_the_outlet():
    yahoo = Source.objects.create(
        name="Yahoo!", slug="yahoo", homepage_url="https://www.yahoo.com/"
    )
    Source.objects.create(
        name="Yahoo Finance", slug="yf", homepage_url="https://finance.yahoo.com/"
    )
    assert Source.proposed_for("https://news.yahoo.com/openai-1") == yahoo
    assert Source.proposed_for("https://finance.yahoo.com/x").slug == "yf"  # the closest site
    assert Source.proposed_for("https://notyahoo.com/x") is None
    assert Source.proposed_for("https://yahoo.com.evil.example/x") is None


def test_the_story_form_carries_the_sites_for_the_browser_to_propose(editor_client, outlet):
    story = factories.story()
    html = editor_client.get(f"/admin/articles/story/{story.pk}/change/").content.decode()
    assert "data-source-hosts=" in html
    assert "news.example" in html
    assert "js/admin/propose_source" in html


def test_the_archive_action_captures_again_and_skips_what_the_user_may_not_edit(
    editor_client, reporter_client, origin, outlet
):
    origin.page("/tech/altman", ARTICLE)
    citation = cite(factories.story(), outlet)
    Citation.objects.filter(pk=citation.pk).update(capture_state=Citation.Capture.FAILED)
    post = {"action": "archive", "_selected_action": [str(citation.pk)]}
    response = editor_client.post("/admin/articles/citation/", post, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    assert Citation.objects.get(pk=citation.pk).capture_state == Citation.Capture.DONE

    # A reporter may see the citation list but not archive for a story they may not edit.
    Citation.objects.filter(pk=citation.pk).update(capture_state=Citation.Capture.FAILED)
    response = reporter_client.post("/admin/articles/citation/", post, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["warning"]
    assert Citation.objects.get(pk=citation.pk).capture_state == Citation.Capture.FAILED


def test_the_citation_admin_shows_why_a_capture_failed(editor_client, outlet):
    citation = archiving.capture(cite(factories.story(), outlet).pk)
    html = editor_client.get(f"/admin/articles/citation/{citation.pk}/change/").content.decode()
    assert citation.capture_error.split(":")[0] in html
    assert editor_client.get("/admin/articles/citation/?capture_state=failed").status_code == 200


def test_an_unexpected_failure_is_recorded_not_left_pending(origin, outlet, monkeypatch):
    origin.page("/tech/altman", ARTICLE)
    citation = cite(factories.story(), outlet)

    def storage_down(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(default_storage, "save", storage_down)
    with pytest.raises(OSError, match="disk full"):
        archiving.capture(citation.pk)
    stored = Citation.objects.get(pk=citation.pk)
    assert stored.capture_state == Citation.Capture.FAILED
    assert stored.capture_error
