"""The one way the server fetches anything from outside: cited pages to archive, social posts to
capture. A URL an editor pastes is chosen by someone else, so every hop is checked the same way:
http or https only, ports 80 and 443, no user info, the name resolved here and every address it
gives checked (no loopback, private, link-local, CGNAT, metadata or other non-global address, nor
those hidden inside IPv6 forms), the checked address connected to itself (never re-resolved, so a
DNS answer cannot change between the check and the connection), the peer checked again, at most
five redirects, a total deadline and a size cap. Nothing else in the project opens a connection."""

import contextlib
import http.client
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address
from urllib.parse import quote, urljoin, urlsplit

from django.conf import settings

from articles import links

DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # a cited article page with inline assets is well under this
DEFAULT_TIMEOUT = 20.0  # seconds for the whole fetch, every redirect included
CONNECT_TIMEOUT = 5.0  # a server that takes longer to accept a connection is not worth waiting on
MAX_REDIRECTS = 5
DEFAULT_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SCHEME_PORTS = {"http": 80, "https": 443}
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
HOST_NAME = re.compile(r"[a-z0-9_.-]+")

Address = IPv4Address | IPv6Address
Resolver = Callable[[str, int], Iterable[str]]


class EgressError(Exception):
    """Why a fetch was refused or failed; `code` is stable for callers and the capture state."""

    def __init__(self, reason, code, *, status=None):
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.status = status


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int
    headers: dict  # lower-cased names; repeated headers joined with ", "
    body: bytes
    content_type: str  # the media type alone, lower-cased: "text/html"
    ip: str  # the address actually connected to for the final response
    redirects: tuple  # the URLs that redirected, in order


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str  # IDNA-encoded name or the address itself
    port: int
    host_header: str
    path: str
    literal: Address | None


def user_agent():
    # Site owners who see our requests in their logs should know who asks and how to reach us.
    return getattr(settings, "NEWSROOM_EGRESS_USER_AGENT", "") or (
        f"Newsroom/1.0 (+{settings.NEWSROOM_SITE_URL}; {settings.NEWSROOM_NAME} archiver)"
    )


def system_resolver(host, port):
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise EgressError(f"cannot resolve {host}: {exc}", "unreachable") from exc
    return [info[4][0] for info in infos]


def blocked_reason(ip):
    """Why connecting to this address is refused, or None when it is a public one (the rule is
    articles.links', shared with the validation of cited addresses)."""
    return None if links.is_public_address(ip) else "not a public address"


def _check_address(ip, port, allow_loopback):
    # In tests only, the server the test starts on 127.0.0.1 is reachable on its own port.
    if allow_loopback and ip.is_loopback:
        return
    if reason := blocked_reason(ip):
        raise EgressError(f"{ip} is {reason}", "blocked_address")
    if port not in SCHEME_PORTS.values():
        raise EgressError(f"port {port} is not 80 or 443", "bad_port")


def _literal(host):
    if ":" in host:
        try:
            return ip_address(host)
        except ValueError:
            raise EgressError(f"{host!r} is not an IPv6 address", "bad_url") from None
    if links.looks_numeric(host.rstrip(".").rsplit(".", 1)[-1]):
        # WHATWG, as browsers and glibc read it: 2130706433, 0177.0.0.1, 0x7f.1 are addresses.
        address = links.parse_ipv4(host)
        if address is None:
            raise EgressError(f"{host!r} is not an IPv4 address", "bad_url")
        return address
    return None


def _parse(url, allow_loopback):
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise EgressError(f"malformed URL: {exc}", "bad_url") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEME_PORTS:
        raise EgressError(f"scheme {scheme or 'none'!r} is not http or https", "bad_scheme")
    if "@" in parts.netloc:
        raise EgressError("user info in URLs is refused", "user_info")
    port = port or SCHEME_PORTS[scheme]
    if not allow_loopback and port not in SCHEME_PORTS.values():
        raise EgressError(f"port {port} is not 80 or 443", "bad_port")
    host = parts.hostname or ""
    literal = _literal(host) if host else None
    if literal is None:
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            host = ""
        if not HOST_NAME.fullmatch(host):
            raise EgressError(f"no valid host in {url!r}", "bad_url")
    else:
        host = str(literal)
    name = f"[{host}]" if ":" in host else host
    host_header = name if port == SCHEME_PORTS[scheme] else f"{name}:{port}"
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        path += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    return _Target(scheme, host, port, host_header, path, literal)


def _addresses(target, resolver, allow_loopback):
    if target.literal is not None:
        found = [target.literal]
    else:
        try:
            found = [ip_address(a.split("%")[0]) for a in resolver(target.host, target.port)]
        except (OSError, ValueError) as exc:  # an EgressError from the resolver passes as is
            raise EgressError(f"cannot resolve {target.host}: {exc}", "unreachable") from exc
    if not found:
        raise EgressError(f"{target.host} has no address", "unreachable")
    # Every address, not just the first: a name that also answers a private address is a trap.
    for ip in found:
        _check_address(ip, target.port, allow_loopback)
    return found


class _Deadline:
    """The whole fetch's time limit. Socket timeouts bound each read, but a server dripping a
    byte at a time would reset them forever: a timer shuts the socket at the deadline."""

    def __init__(self, seconds):
        self.at = time.monotonic() + seconds
        self.sock = None
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self):
        left = self.at - time.monotonic()
        if left <= 0 or self.expired:
            raise EgressError("the fetch took longer than its deadline", "timeout")
        return left

    def _expire(self):
        self.expired = True
        if self.sock is not None:
            # The plain socket's shutdown, under TLS too: it wakes any blocked read.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(self.sock, socket.SHUT_RDWR)

    def cancel(self):
        self._timer.cancel()


def _connect(target, ip, deadline, allow_loopback):
    sock = socket.socket(socket.AF_INET6 if ip.version == 6 else socket.AF_INET)
    deadline.sock = sock
    try:
        sock.settimeout(min(CONNECT_TIMEOUT, deadline.remaining()))
        sock.connect((str(ip), target.port))
        peer = ip_address(sock.getpeername()[0].split("%")[0])
        if peer != ip:
            raise EgressError(f"connected to {peer}, not {ip}", "blocked_address")
        _check_address(peer, target.port, allow_loopback)
        if target.scheme == "https":
            # The certificate is checked against the name, though the address was dialled.
            context = ssl.create_default_context()
            sock = context.wrap_socket(sock, server_hostname=target.host)
            deadline.sock = sock
    except BaseException:
        sock.close()
        raise
    return sock, str(peer)


def _get(target, ips, deadline, max_bytes, accept, allow_loopback):
    for number, ip in enumerate(ips, 1):
        try:
            sock, peer = _connect(target, ip, deadline, allow_loopback)
            break
        except OSError:
            if number == len(ips) or deadline.expired:
                raise
    conn = http.client.HTTPConnection(str(ip), target.port)
    conn.sock = sock  # already connected to the checked address: http.client never dials
    try:
        sock.settimeout(deadline.remaining())
        headers = {"Host": target.host_header, "User-Agent": user_agent(), "Accept": accept}
        conn.request("GET", target.path, headers=headers)
        response = conn.getresponse()
        received = {}
        for name, value in response.getheaders():
            name = name.lower()
            received[name] = f"{received[name]}, {value}" if name in received else value
        if response.status in REDIRECT_STATUSES and "location" in received:
            return response.status, received, b"", peer
        length = received.get("content-length", "")
        if length.isdigit() and int(length) > max_bytes:
            raise EgressError(f"{length} bytes is more than {max_bytes}", "too_large")
        body = bytearray()
        while chunk := response.read1(min(65536, max_bytes + 1 - len(body))):
            body += chunk
            if len(body) > max_bytes:
                raise EgressError(f"the body passed {max_bytes} bytes", "too_large")
            sock.settimeout(deadline.remaining())
        return response.status, received, bytes(body), peer
    finally:
        conn.close()


def _follow(current, location):
    url = urljoin(current, location.strip())
    if urlsplit(current).scheme == "https" and urlsplit(url).scheme.lower() == "http":
        raise EgressError(f"redirect from https to {url} refused", "bad_scheme")
    return url


def fetch(
    url,
    *,
    max_bytes=DEFAULT_MAX_BYTES,
    timeout=DEFAULT_TIMEOUT,
    accept=DEFAULT_ACCEPT,
    resolver: Resolver | None = None,
) -> Fetched:
    """GET `url` from outside, every hop checked; raises EgressError for anything refused or
    failed (an HTTP status of 400 or more included, with `status` set)."""
    resolver = resolver or system_resolver
    allow_loopback = getattr(settings, "NEWSROOM_EGRESS_ALLOW_LOOPBACK_FOR_TESTS", False)
    deadline = _Deadline(timeout)
    redirects = []
    try:
        while True:
            target = _parse(url, allow_loopback)
            ips = _addresses(target, resolver, allow_loopback)
            deadline.remaining()  # name resolution cannot be interrupted: check after it
            try:
                status, headers, body, peer = _get(
                    target, ips, deadline, max_bytes, accept, allow_loopback
                )
            except EgressError:
                raise
            except Exception as exc:
                raise _failure(exc, deadline) from exc
            if deadline.expired:  # the timer cut the socket: what was read may be truncated
                raise EgressError("the fetch took longer than its deadline", "timeout")
            if status in REDIRECT_STATUSES and "location" in headers:
                if len(redirects) == MAX_REDIRECTS:
                    raise EgressError(f"more than {MAX_REDIRECTS} redirects", "too_many_redirects")
                redirects.append(url)
                url = _follow(url, headers["location"])
                continue
            if status >= 400:
                raise EgressError(f"{url} answered {status}", "http_error", status=status)
            content_type = headers.get("content-type", "").split(";")[0].strip().lower()
            return Fetched(url, status, headers, body, content_type, peer, tuple(redirects))
    finally:
        deadline.cancel()


def _failure(exc, deadline):
    if deadline.expired or isinstance(exc, TimeoutError):
        return EgressError("the fetch took longer than its deadline", "timeout")
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return EgressError(f"TLS failed: {exc}", "tls_error")
    if isinstance(exc, http.client.HTTPException):
        return EgressError(f"not a valid HTTP response: {exc!r}", "bad_response")
    return EgressError(f"cannot reach the server: {exc}", "unreachable")
