"""The egress helper: only public addresses on ports 80 and 443 over http or https, every redirect
checked again, a deadline and a size cap. The only server these tests reach is one they start on
127.0.0.1, allowed by the test-only setting; names are answered by a stub resolver, and the real
resolver is made to fail so that no test can look a name up on the network."""

import shutil
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler
from ipaddress import ip_address
from urllib.parse import parse_qs, urlsplit

import pytest

from articles import egress
from articles.egress import EgressError, fetch
from tests.origin import LoopbackServer


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output for failures
        pass

    def do_GET(self):
        self.server.seen.append(self.headers)
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path.startswith("/redirect/"):
            left = int(url.path.rsplit("/", 1)[1])
            if left:
                return self.answer(302, b"", location=f"/redirect/{left - 1}")
        elif url.path == "/to":
            return self.answer(302, b"", location=query["location"])
        elif url.path == "/big":
            size = int(query["size"])
            if "stream" in query:  # no Content-Length: the cap must stop the reading
                self.send_response(200)
                self.send_header("Connection", "close")
                self.end_headers()
                for _ in range(size // 1000):
                    self.wfile.write(b"x" * 1000)
                return None
            return self.answer(200, b"x" * size)
        elif url.path == "/slow":
            self.server.release.wait(float(query["seconds"]))
        elif url.path == "/drip":  # every read returns quickly, the whole never ends
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            try:
                while not self.server.release.wait(0.05):
                    self.wfile.write(b"X")
                    self.wfile.flush()
            except BrokenPipeError:  # the client gave up, as it should
                pass
            return None
        elif url.path == "/missing":
            return self.answer(404, b"gone")
        return self.answer(200, b"<p>hello</p>")

    def answer(self, status, body, location=None):
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        if location:
            self.send_header("Location", location)
        self.end_headers()
        self.wfile.write(body)


Server = LoopbackServer


@pytest.fixture(autouse=True)
def no_real_dns(monkeypatch):
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise socket.gaierror(socket.EAI_NONAME, "tests never resolve names for real")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return calls


@pytest.fixture
def allow_loopback(settings):
    settings.NEWSROOM_EGRESS_ALLOW_LOOPBACK_FOR_TESTS = True


@pytest.fixture
def server(allow_loopback):
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.seen, httpd.release = [], threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def tls_server(server, tmp_path):
    """The same server behind TLS, with a self-signed certificate for news.test only."""
    if not shutil.which("openssl"):
        pytest.skip("openssl makes the test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    command = (
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
        " -subj /CN=news.test -addext subjectAltName=DNS:news.test"
    )
    subprocess.run(
        [*command.split(), "-keyout", key, "-out", cert], check=True, capture_output=True
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.names = []
    context.sni_callback = lambda sock, name, ctx: server.names.append(name)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.cert = cert
    return server


def stub(**names):
    """A resolver answering only the names given ("news_test" for news.test)."""

    def resolve(host, port):
        return names[host.replace(".", "_")]

    return resolve


def no_lookup(host, port):
    raise AssertionError(f"{host} should have been refused before any lookup")


def base(server):
    return f"http://news.test:{server.server_port}"


LOCAL = stub(news_test=["127.0.0.1"])


def test_a_page_is_fetched_from_the_checked_address_with_the_name_as_host(server, settings):
    settings.NEWSROOM_EGRESS_USER_AGENT = "Newsroom/1.0 (+https://news.example.org/contact)"
    page = fetch(base(server) + "/page?q=1", resolver=LOCAL)
    assert (page.status, page.body, page.content_type) == (200, b"<p>hello</p>", "text/html")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert (page.ip, page.url, page.redirects) == ("127.0.0.1", base(server) + "/page?q=1", ())
    sent = server.seen[0]
    assert sent["Host"] == f"news.test:{server.server_port}"
    assert sent["User-Agent"] == "Newsroom/1.0 (+https://news.example.org/contact)"
    assert sent["Accept-Encoding"] == "identity"  # no compressed body to inflate past the cap


def test_the_default_user_agent_names_newsroom_and_the_site(server, settings):
    settings.NEWSROOM_SITE_URL = "https://news.example.org"
    fetch(base(server) + "/", resolver=LOCAL, accept="application/json")
    assert server.seen[0]["User-Agent"].startswith("Newsroom/")
    assert "+https://news.example.org" in server.seen[0]["User-Agent"]
    assert server.seen[0]["Accept"] == "application/json"


@pytest.mark.parametrize("stream", [False, True], ids=["content-length", "streamed"])
def test_a_body_past_the_cap_is_refused(server, stream):
    url = base(server) + "/big?size=50000" + ("&stream=1" if stream else "")
    with pytest.raises(EgressError) as error:
        fetch(url, resolver=LOCAL, max_bytes=10_000)
    assert error.value.code == "too_large"
    assert len(fetch(url, resolver=LOCAL, max_bytes=50_000).body) == 50_000


@pytest.mark.parametrize("path", ["/slow?seconds=1.5", "/drip"])
def test_a_slow_server_is_cut_at_the_deadline(server, path):
    started = time.monotonic()
    with pytest.raises(EgressError) as error:
        fetch(base(server) + path, resolver=LOCAL, timeout=0.4)
    assert error.value.code == "timeout"
    assert time.monotonic() - started < 1.0


def test_five_redirects_are_followed_and_a_sixth_is_refused(server):
    page = fetch(base(server) + "/redirect/5", resolver=LOCAL)
    assert page.url == base(server) + "/redirect/0"
    assert page.redirects == tuple(base(server) + f"/redirect/{n}" for n in range(5, 0, -1))
    with pytest.raises(EgressError) as error:
        fetch(base(server) + "/redirect/6", resolver=LOCAL)
    assert error.value.code == "too_many_redirects"


@pytest.mark.parametrize(
    "location",
    ["http://intranet.test/", "http://169.254.169.254/latest/meta-data/", "ftp://x.test/"],
)
def test_a_redirect_is_checked_like_the_first_request(server, location):
    resolver = stub(news_test=["127.0.0.1"], intranet_test=["10.1.2.3"])
    with pytest.raises(EgressError) as error:
        fetch(base(server) + f"/to?location={location}", resolver=resolver)
    assert error.value.code == ("bad_scheme" if location.startswith("ftp") else "blocked_address")
    assert len(server.seen) == 1  # the blocked target was never asked


def test_a_name_resolving_to_a_private_address_is_refused_even_with_loopback_allowed(
    allow_loopback,
):
    for answer in (["10.0.0.7"], ["93.184.215.14", "192.168.1.1"], ["100.64.0.1"], ["fd00::1"]):
        with pytest.raises(EgressError) as error:
            fetch("https://example.test/", resolver=stub(example_test=answer))
        assert error.value.code == "blocked_address", answer


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://0x7f.1/",
        "http://127.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://[2002:7f00:1::]/",  # 6to4 wrapping 127.0.0.1
        "http://[64:ff9b::a00:1]/",  # NAT64 wrapping 10.0.0.1
        "http://224.0.0.1/",
    ],
)
def test_literal_addresses_in_every_spelling_are_refused_without_a_lookup(url):
    with pytest.raises(EgressError) as error:
        fetch(url, resolver=no_lookup)
    assert error.value.code == "blocked_address"


@pytest.mark.parametrize(
    ("address", "blocked"),
    [
        ("93.184.215.14", False),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", False),
        ("127.0.0.1", True),
        ("10.0.0.1", True),
        ("172.16.0.1", True),
        ("192.168.0.1", True),
        ("100.64.0.1", True),
        ("100.127.255.255", True),
        ("169.254.169.254", True),
        ("fe80::1", True),
        ("fd00:ec2::254", True),
        ("::ffff:10.0.0.1", True),
        ("::ffff:93.184.215.14", True),  # a mapped form is never a real answer: refused whole
        ("2002:c0a8:101::", True),  # 6to4 wrapping 192.168.1.1
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", True),  # Teredo
        ("255.255.255.255", True),
        ("240.0.0.1", True),
        ("ff02::1", True),
    ],
)
def test_blocked_reason_refuses_every_non_public_address(address, blocked):
    assert (egress.blocked_reason(ip_address(address)) is not None) is blocked


def test_only_ports_80_and_443_are_allowed():
    with pytest.raises(EgressError) as error:
        fetch("http://example.test:8080/", resolver=no_lookup)
    assert error.value.code == "bad_port"


def test_another_port_is_refused_for_a_public_address_even_with_loopback_allowed(allow_loopback):
    with pytest.raises(EgressError) as error:
        fetch("http://example.test:8080/", resolver=stub(example_test=["93.184.215.14"]))
    assert error.value.code == "bad_port"


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.test/", "gopher://example.test:70/", "example.test/"],
)
def test_only_http_and_https_are_fetched(url):
    with pytest.raises(EgressError) as error:
        fetch(url, resolver=no_lookup)
    assert error.value.code == "bad_scheme"


@pytest.mark.parametrize(
    "url", ["http://user:secret@example.test/", "http://user@example.test/", "http://@127.0.0.1/"]
)
def test_user_info_is_refused(url):
    with pytest.raises(EgressError) as error:
        fetch(url, resolver=no_lookup)
    assert error.value.code == "user_info"


@pytest.mark.parametrize(
    "url", ["http:///path", "http://exa mple.test/", "http://[::1/", "http://1.2.3.4.5/"]
)
def test_malformed_hosts_are_refused(url):
    with pytest.raises(EgressError) as error:
        fetch(url, resolver=no_lookup)
    assert error.value.code == "bad_url"


def test_a_redirect_from_https_to_http_is_refused():
    with pytest.raises(EgressError) as error:
        egress._follow("https://example.test/a", "http://example.test/b")
    assert error.value.code == "bad_scheme"
    assert egress._follow("http://example.test/a", "https://other.test/b") == "https://other.test/b"
    assert egress._follow("https://example.test/a/b", "../c") == "https://example.test/c"


def test_an_error_status_is_an_http_error_with_its_status(server):
    with pytest.raises(EgressError) as error:
        fetch(base(server) + "/missing", resolver=LOCAL)
    assert (error.value.code, error.value.status) == ("http_error", 404)


def test_a_closed_port_is_unreachable(allow_loopback):
    with socket.socket() as probe:  # a port that was just free
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(EgressError) as error:
        fetch(f"http://127.0.0.1:{port}/", resolver=no_lookup)
    assert error.value.code == "unreachable"


def test_the_default_resolver_is_the_system_one_and_its_failure_is_unreachable(no_real_dns):
    with pytest.raises(EgressError) as error:
        fetch("https://example.test/")
    assert error.value.code == "unreachable"
    assert no_real_dns == [("example.test", 443)]


def test_https_checks_the_certificate_for_the_name_though_the_address_is_dialled(
    tls_server, monkeypatch
):
    url = f"https://news.test:{tls_server.server_port}/page"
    with pytest.raises(EgressError) as error:  # self-signed: not trusted by the default context
        fetch(url, resolver=LOCAL)
    assert error.value.code == "tls_error"
    assert tls_server.names == ["news.test"]  # SNI names the host, not 127.0.0.1

    trusting = ssl.create_default_context(cafile=str(tls_server.cert))
    monkeypatch.setattr(egress.ssl, "create_default_context", lambda: trusting)
    page = fetch(url, resolver=LOCAL)
    assert (page.status, page.body, page.ip) == (200, b"<p>hello</p>", "127.0.0.1")
    with pytest.raises(EgressError) as error:  # the same address under another name
        fetch(
            f"https://other.test:{tls_server.server_port}/", resolver=stub(other_test=["127.0.0.1"])
        )
    assert error.value.code == "tls_error"
