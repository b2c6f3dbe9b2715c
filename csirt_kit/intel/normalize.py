"""One normaliser per MISP attribute type, type detection for plain lists, and value parts.

Every source (MISP server, MISP feed, CSV, text list) passes its values through
``normalize(type, value)`` so that correlation and log matching compare like with like.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit, urlunsplit

IP_TYPES = frozenset({"ip-src", "ip-dst", "ip-src|port", "ip-dst|port", "domain|ip"})
HOST_TYPES = frozenset({"domain", "hostname", "domain|ip", "hostname|port"})
URL_TYPES = frozenset({"url", "uri", "link"})
HASH_LENGTHS = {32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}
HASH_TYPES = frozenset({"md5", "sha1", "sha224", "sha256", "sha384", "sha512", "ssdeep", "imphash",
                        "tlsh", "authentihash", "sha3-256", "sha3-512"})
# Attribute types kept as indicators; context-only types (text, comment, float...) are not.
SKIPPED_TYPES = frozenset({"text", "comment", "other", "float", "counter", "datetime", "boolean",
                           "attachment", "malware-sample", "size-in-bytes", "port", "pattern-in-file"})

_CVE = re.compile(r"^CVE-\d{4}-\d{4,}$", re.IGNORECASE)
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A host already in canonical form (lower-case ASCII labels, no defanging, no trailing dot).
_PLAIN_HOST = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)(?:\.(?!-)[a-z0-9_-]{1,63}(?<!-))*")
_inet_pton, _inet_ntop, _AF_INET = socket.inet_pton, socket.inet_ntop, socket.AF_INET
_DEFANG = (("[.]", "."), ("(.)", "."), ("{.}", "."), ("[dot]", "."), ("[:]", ":"), ("[@]", "@"))


def refang(text: str) -> str:
    """Undo the usual defanging (hxxp, [.], [:], [@]) found in shared lists."""
    out = text.strip()
    if "[" in out or "(" in out or "{" in out:
        for old, new in _DEFANG:
            out = out.replace(old, new)
    if out[:4].lower() == "hxxp":
        out = "http" + out[4:]
    return out


def _ip_or_network(value: str) -> str:
    text = value.strip().strip("[]")
    if "/" not in text and ":" not in text:
        try:  # fast path for plain IPv4: a strict parse and its canonical form
            return socket.inet_ntop(socket.AF_INET, socket.inet_pton(socket.AF_INET, text))
        except OSError:
            raise ValueError(f"not an IP address: {value!r}") from None
    if "/" in text:
        net = ipaddress.ip_network(text, strict=False)
        if net.num_addresses == 1:
            return str(net.network_address)
        return str(net)
    return str(ipaddress.ip_address(text))


def normalize_host(value: str) -> str:
    """A hostname or domain: lower case, no trailing dot, IDNA for non-ASCII labels."""
    host = value.strip().lower().rstrip(".")
    if host.startswith("*."):
        host = host[2:]
    if not host.isascii():
        host = host.encode("idna").decode("ascii")
    labels = host.split(".")
    if not host or not all(_LABEL.match(label) for label in labels):
        raise ValueError(f"not a valid host name: {value!r}")
    return host


def normalize_url(value: str) -> str:
    """A URL with lower-case scheme and host, no default port, no fragment; http:// if none."""
    text = value.strip()
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    if not parts.hostname:
        raise ValueError(f"URL has no host: {value!r}")
    scheme = parts.scheme.lower()
    host = parts.hostname.lower().rstrip(".")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"URL has an invalid port: {value!r}") from None
    netloc = f"[{host}]" if ":" in host else host
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        netloc += f":{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def url_host(url: str) -> str:
    """The host of a URL ('' when none)."""
    try:
        return (urlsplit(url if "://" in url else "http://" + url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def normalize(type_: str, value: str) -> str:
    """The canonical form of a value of a MISP type; ValueError says what is wrong."""
    text = value.strip()
    if not text:
        raise ValueError("empty value")
    # Fast paths for the common plain values (most of a feed); anything else takes the general code.
    if type_ in ("ip-src", "ip-dst"):
        try:
            return _inet_ntop(_AF_INET, _inet_pton(_AF_INET, text))
        except OSError:
            pass
    elif type_ in ("domain", "hostname") and _PLAIN_HOST.fullmatch(text) and text[:4] != "hxxp":
        return text
    if type_ in ("ip-src", "ip-dst"):
        return _ip_or_network(refang(text))
    if type_ in ("ip-src|port", "ip-dst|port", "hostname|port"):
        left, _, port = refang(text).rpartition("|")
        if not left or not port.isdigit():
            raise ValueError(f"expected address|port, got {value!r}")
        head = normalize_host(left) if type_ == "hostname|port" else _ip_or_network(left)
        return f"{head}|{int(port)}"
    if type_ == "domain|ip":
        host, _, ip = refang(text).partition("|")
        return f"{normalize_host(host)}|{_ip_or_network(ip)}"
    if type_ in ("domain", "hostname"):
        return normalize_host(refang(text))
    if type_ in URL_TYPES:
        return normalize_url(refang(text))
    if type_ in HASH_LENGTHS.values() or type_ in ("sha224", "sha384", "imphash"):
        if not _HEX.match(text):
            raise ValueError(f"not a hexadecimal hash: {value!r}")
        return text.lower()
    if type_.startswith("filename|"):
        name, _, digest = text.rpartition("|")
        return f"{name}|{digest.lower()}"
    if type_ == "vulnerability":
        if not _CVE.match(text):
            return text
        return text.upper()
    if type_ in ("email", "email-src", "email-dst"):
        return refang(text).lower()
    if type_ == "cpe":
        return text.lower()
    return text


def detect_type(value: str) -> str | None:
    """Guess the MISP type of a bare value from a plain list; None when unsure."""
    text = refang(value)
    try:
        _ip_or_network(text)
        return "ip-dst"
    except ValueError:
        pass
    if "://" in text:
        return "url"
    if _HEX.match(text) and len(text) in HASH_LENGTHS:
        return HASH_LENGTHS[len(text)]
    if _CVE.match(text):
        return "vulnerability"
    if text.lower().startswith("cpe:2.3:"):
        return "cpe"
    if _EMAIL.match(text):
        return "email-src"
    if "/" in text:
        host = text.split("/", 1)[0]
        if "." in host:
            try:
                normalize_host(host)
                return "url"
            except ValueError:
                return None
    if "." in text:
        try:
            normalize_host(text)
            return "domain"
        except ValueError:
            return None
    return None


def ip_part(type_: str, value: str) -> str:
    """The address or network inside an IP-bearing value ('' for other types)."""
    if type_ in ("ip-src", "ip-dst"):
        return value
    if type_ in ("ip-src|port", "ip-dst|port"):
        return value.rpartition("|")[0]
    if type_ == "domain|ip":
        return value.partition("|")[2]
    return ""


def host_part(type_: str, value: str) -> str:
    """The host name inside a host- or URL-bearing value ('' for other types)."""
    if type_ in ("domain", "hostname"):
        return value
    if type_ in ("domain|ip", "hostname|port"):
        return value.partition("|")[0]
    if type_ in URL_TYPES:
        host = url_host(value)
        try:
            ipaddress.ip_address(host)
            return ""
        except ValueError:
            return host
    return ""


def url_ip(type_: str, value: str) -> str:
    """The IP address a URL points at directly ('' when its host is a name)."""
    if type_ not in URL_TYPES:
        return ""
    host = url_host(value)
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return ""
