"""The URLs stories cite: one spelling per article, and a refusal of anything that is not a public
web address. Pure: no database, no network, no DNS. The address check reads the host as a browser
(and the egress helper) would, so a spelling the resolver turns into 127.0.0.1 is caught here
without asking the resolver."""

import ipaddress
import re
import unicodedata
from urllib.parse import unquote, urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_LENGTH = 2048
SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443}
ALLOWED_PORTS = frozenset({80, 443})

# Parameters that say who shared a link, not which article it is. Compared lower-cased.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "_ga",
        "yclid",
        "ref_src",
    }
)
TRACKING_PREFIXES = ("utm_",)

# Names that only mean something on a private network, and single-label names (search domains
# make "intranet" whatever the server's resolver says it is).
PRIVATE_NAMES = frozenset({"localhost", "metadata.google.internal"})
PRIVATE_SUFFIXES = (
    "localhost",
    "local",
    "internal",
    "localdomain",
    "home.arpa",
    "lan",
    "intranet",
    "corp",
    "test",
    "invalid",
)
# Cloud metadata services, named even though the ranges below already cover them: the reason
# this check exists.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)

# Full stops browsers read as "." in a host (UTS #46), so "127。0。0。1" is 127.0.0.1.
DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})

UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters a URL may carry unencoded: unreserved, reserved and the percent sign itself.
LITERAL = UNRESERVED | frozenset(":/?#[]@!$&'()*+,;=%")
PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")

MESSAGES = {
    "too_long": _("This address is too long: at most %(limit)s characters."),
    "characters": _("This address contains spaces, control or invisible characters."),
    "scheme": _("Only web addresses starting with http:// or https:// can be cited."),
    "userinfo": _("This address contains a user name or password before the site's name."),
    "host": _("This address does not name a valid site."),
    "port": _("This address names a port other than the web's usual ones (80 and 443)."),
    "address": _(
        "This address points to a private, local or reserved network, not to a public site."
    ),
}


def _error(code, **params):
    return ValidationError(MESSAGES[code], code=code, params=params or None)


# Percent-encoding


def _normalise_percent(text):
    """Upper-case hex, unreserved characters decoded, everything else a URL cannot carry
    literally (spaces, non-ASCII, a stray "%") encoded as UTF-8."""
    out = []
    i = 0
    while i < len(text):
        char = text[i]
        match = PERCENT.match(text, i) if char == "%" else None
        if match:
            decoded = chr(int(match.group(1), 16))
            out.append(decoded if decoded in UNRESERVED else "%" + match.group(1).upper())
            i += 3
            continue
        if char == "%" or char not in LITERAL:
            out.append("".join(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass")))
        else:
            out.append(char)
        i += 1
    return "".join(out)


# Hosts


def _split_netloc(netloc):
    """(userinfo or None, host, port text or None) of an authority, IPv6 brackets kept."""
    userinfo, at, hostport = netloc.rpartition("@")
    if not at:
        userinfo = None
    if hostport.startswith("["):
        end = hostport.find("]")
        if end == -1:
            return userinfo, hostport, None
        host, rest = hostport[: end + 1], hostport[end + 1 :]
        return userinfo, host, (rest[1:] if rest.startswith(":") else (rest or None))
    host, colon, port = hostport.partition(":")
    return userinfo, host, (port if colon else None)


def _to_ascii_label(label):
    if label.isascii():
        return label
    return "xn--" + label.encode("punycode").decode("ascii")


def _to_unicode_label(label):
    if label.startswith("xn--"):
        try:
            return label[4:].encode("ascii").decode("punycode")
        except UnicodeError:
            return label
    return label


def _ascii_host(host):
    """The host as the resolver would be asked for it: percent-decoded, mapped as browsers map
    it (NFKC, lower case, ideographic full stops), each non-ASCII label in punycode. Raises
    UnicodeError for a host no encoding can give."""
    host = unquote(host, errors="strict")
    host = unicodedata.normalize("NFKC", host).translate(DOTS).lower()
    return ".".join(_to_ascii_label(label) for label in host.split("."))


def _parse_ipv4_number(part):
    if re.fullmatch(r"0[xX][0-9a-fA-F]*", part):
        return int(part[2:] or "0", 16)
    if re.fullmatch(r"0[0-7]+", part):
        return int(part, 8)
    if re.fullmatch(r"0|[1-9][0-9]*", part):
        return int(part)
    return None


def looks_numeric(label):
    """A host label that makes the host an IPv4 address (WHATWG): digits, or 0x and hex."""
    return bool(re.fullmatch(r"[0-9]+|0[xX][0-9a-fA-F]*", label))


def parse_ipv4(host):
    """The IPv4 address a host spells in any notation inet_aton accepts (decimal, octal, hex, one
    to four parts: 127.1, 0x7f000001, 0177.0.0.1), or None when it is not one."""
    parts = host.removesuffix(".").split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers = [_parse_ipv4_number(part) for part in parts]
    if None in numbers:
        return None
    *leading, last = numbers
    if any(number > 255 for number in leading) or last >= 256 ** (5 - len(parts)):
        return None
    value = last
    for index, number in enumerate(leading):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _parse_host(host):
    """(ASCII host, IP address or None) of a host as written, or raise ValidationError("host")."""
    if host.startswith("["):
        if not host.endswith("]"):
            raise _error("host")
        try:
            address = ipaddress.IPv6Address(unquote(host[1:-1]))
        except ValueError:
            raise _error("host") from None
        return f"[{address.compressed}]", address
    try:
        ascii_host = _ascii_host(host)
    except UnicodeError:
        raise _error("host") from None
    bare = ascii_host.removesuffix(".")
    labels = bare.split(".")
    if not bare or "" in labels or not all(re.fullmatch(r"[a-z0-9_-]+", x) for x in labels):
        raise _error("host")
    if looks_numeric(labels[-1]):
        # WHATWG: a host ending in a number is an IPv4 address or nothing.
        address = parse_ipv4(bare)
        if address is None:
            raise _error("host")
        return str(address), address
    return ascii_host, None


def _embedded_ipv4(address):
    """The IPv4 address an IPv6 one carries (mapped, compatible, NAT64, 6to4, Teredo)."""
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    value = int(address)
    if value >> 32 == 0x0064_FF9B << 64 or (value >> 32 == 0 and value > 1):
        return ipaddress.IPv4Address(value & 0xFFFF_FFFF)
    return None


def is_public_address(address):
    """Whether an IP address is on the public internet: not loopback, private, link-local, CGNAT,
    reserved, multicast or unspecified, nor such an address inside an IPv6 one."""
    if address in METADATA_ADDRESSES:
        return False
    if address.version == 6:
        embedded = _embedded_ipv4(address)
        if embedded is not None and not is_public_address(embedded):
            return False
        if address.is_site_local or address.scope_id:
            return False
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
        or address.is_private
    )


def _is_private_name(host):
    host = host.removesuffix(".")
    return (
        host in PRIVATE_NAMES
        or "." not in host
        or any(host == suffix or host.endswith("." + suffix) for suffix in PRIVATE_SUFFIXES)
    )


# The three entry points


def _has_bad_characters(url):
    return any(
        char.isspace()
        or char == "\\"
        or unicodedata.category(char) in {"Cc", "Cf", "Zl", "Zp", "Zs"}
        for char in url
    )


def validate_public_url(url):
    """Refuse a URL that is not a public http(s) address, with a code per reason (too_long,
    characters, scheme, userinfo, host, port, address). A model or form field validator:
    `validators=[validate_public_url]`."""
    if not isinstance(url, str):
        raise _error("characters")
    if len(url) > MAX_LENGTH:
        raise _error("too_long", limit=MAX_LENGTH)
    # Before urlsplit, which silently deletes tabs and newlines; a backslash is a slash to a
    # browser and part of the host to urlsplit, and a link read two ways is refused.
    if _has_bad_characters(url):
        raise _error("characters")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise _error("host") from None
    if parts.scheme.lower() not in SCHEMES:
        raise _error("scheme")
    userinfo, host, port = _split_netloc(parts.netloc)
    if userinfo is not None:
        raise _error("userinfo")
    if not host:
        raise _error("host")
    if port and not (port.isascii() and port.isdigit() and int(port) in ALLOWED_PORTS):
        raise _error("port")
    ascii_host, address = _parse_host(host)
    if address is None and _is_private_name(ascii_host):
        raise _error("address")
    if address is not None and not is_public_address(address):
        raise _error("address")


def _is_tracking(parameter):
    name = unquote(parameter.partition("=")[0]).lower()
    return name in TRACKING_PARAMETERS or name.startswith(TRACKING_PREFIXES)


def normalise_url(url):
    """One spelling per article: scheme and host in lower case, the host in ASCII (punycode, an
    IPv4 address dotted), no default port, no fragment, no tracking parameters (the rest of the
    query in its order), "/" for an empty path, percent-encoding with upper-case hex and
    unreserved characters decoded. Idempotent. Raises ValueError for what urlsplit cannot read
    (an unclosed "["), which validate_public_url refuses first."""
    url = url.strip()
    parts = urlsplit(url)
    if not parts.scheme:
        # Not an address one can cite (validation says so); decoding "%41" could give it one.
        return url
    scheme = parts.scheme.lower()
    netloc = parts.netloc
    if netloc or parts.scheme in DEFAULT_PORTS:
        userinfo, host, port = _split_netloc(netloc)
        try:
            host, _address = _parse_host(host)
        except ValidationError:
            # Not a host one can cite: only made stable (lower case outside the hex escapes).
            host = _normalise_percent(_normalise_percent(host).lower())
        host = host.removesuffix(".")
        if port and port.isdigit() and int(port) == DEFAULT_PORTS.get(scheme):
            port = None
        if port and port.isascii() and port.isdigit():
            port = str(int(port))
        netloc = host + (f":{_normalise_percent(port)}" if port else "")
        if userinfo is not None:
            netloc = _normalise_percent(userinfo) + "@" + netloc
    path = _normalise_percent(parts.path) or ("/" if netloc else "")
    query = "&".join(
        _normalise_percent(parameter)
        for parameter in parts.query.split("&")
        if parameter and not _is_tracking(parameter)
    )
    return urlunsplit((scheme, netloc, path, query, ""))


# Scripts that are written together in one name: Japanese mixes Han and kana, Korean Han and
# Hangul. Any other mix in a label is how homoglyph spoofs are made.
SCRIPT_FAMILIES = {
    "CJK": "CJK",
    "HIRAGANA": "CJK",
    "KATAKANA": "CJK",
    "KATAKANA-HIRAGANA": "CJK",
    "HANGUL": "HANGUL-CJK",
    "IDEOGRAPHIC": "CJK",
}


def _scripts(label):
    scripts = set()
    for char in label:
        if not unicodedata.category(char).startswith("L"):
            continue  # digits, hyphens and combining marks belong to every script
        script = unicodedata.name(char, "UNKNOWN").split(" ")[0]
        scripts.add(SCRIPT_FAMILIES.get(script, script))
    if scripts == {"CJK", "HANGUL-CJK"} or scripts == {"HANGUL-CJK"}:
        return {"HANGUL"}
    return scripts


def display_host(url):
    """The host as readers should see it: lower case, without "www.", in Unicode when each of
    its names is in one script, in punycode when one mixes scripts (a Cyrillic "а" in
    "аpple.com" shows as xn--pple-43d.com)."""
    parts = urlsplit(url.strip())
    _userinfo, host, _port = _split_netloc(parts.netloc)
    try:
        host, _address = _parse_host(host)
    except ValidationError:
        host = host.lower()
    host = host.removesuffix(".").removeprefix("www.")
    labels = [_to_unicode_label(label) for label in host.split(".")]
    if any(len(_scripts(label)) > 1 for label in labels):
        return host
    return ".".join(labels)


def site_key(url):
    """The host a source and its articles share: lower case, ASCII, without "www." (the
    homepage https://www.wsj.com/ and the article https://wsj.com/... are one site)."""
    try:
        host = urlsplit(normalise_url(url)).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def matching_site(host, sites):
    """The longest of `sites` (site keys) that `host` is or is a subdomain of: an article on
    finance.yahoo.com belongs to the source whose homepage is yahoo.com."""
    best = ""
    for site in sites:
        if site and (host == site or host.endswith("." + site)) and len(site) > len(best):
            best = site
    return best or None
