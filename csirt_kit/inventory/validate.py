"""Turn raw inventory rows into validated Assets, collecting every problem."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from csirt_kit.errors import Problem
from csirt_kit.inventory.fields import (
    COLUMN_ALIASES,
    CRITICALITY_ALIASES,
    KIND_ALIASES,
    LIST_FIELDS,
    STATUS_ALIASES,
    canonical_column,
    vocabulary_value,
)
from csirt_kit.inventory.readers import RawRow, RawTable
from csirt_kit.models import ASSET_KINDS, ASSET_STATUSES, CRITICALITIES, Asset, Software

_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
# scheme://host.name[/path] with an RFC 1123 host of at least two labels, no port, user,
# query or fragment: most inventory URLs, accepted without urlsplit.
_PLAIN_URL = re.compile(
    r"^(https?)://((?:(?!-)[A-Za-z0-9_-]{1,63}(?<!-)\.)+(?!-)[A-Za-z0-9_-]{1,63}(?<!-))"
    r"(/[A-Za-z0-9._~/%+-]*)?$", re.IGNORECASE)
_SPLIT = re.compile(r"[;\n]")


@dataclass(frozen=True)
class ColumnMap:
    """How a file's columns map to asset fields, and which were ignored."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()


def map_columns(columns: Iterable[str]) -> ColumnMap:
    """Map a file's column names to fields; unknown names are ignored (and reported)."""
    mapping: dict[str, list[str]] = {}
    ignored: list[str] = []
    for column in columns:
        target = canonical_column(column)
        if not target:
            ignored.append(column)
        elif target in LIST_FIELDS or target not in mapping:
            mapping.setdefault(target, []).append(column)
        else:
            ignored.append(f"{column} (duplicate of {mapping[target][0]})")
    return ColumnMap(mapping, tuple(ignored))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _items(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        out: list[str] = []
        for item in value:
            out.extend(_items(item))
        return out
    if isinstance(value, dict):
        return [_software_from_dict(value)]
    text = _text(value)
    if ";" not in text and "\n" not in text:  # the common single-value cell
        return [text] if text else []
    return [part.strip() for part in _SPLIT.split(text) if part.strip()]


def _software_from_dict(value: dict[str, Any]) -> str:
    if value.get("cpe"):
        return str(value["cpe"])
    return " ".join(_text(value.get(k)) for k in ("name", "version") if value.get(k))


_IPV4 = re.compile(r"^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$")


def normal_ip(value: str) -> str:
    """The canonical text of an IPv4/IPv6 address; ValueError if it is not one."""
    if _IPV4.match(value):  # fast path: most inventory addresses are plain IPv4
        return value
    return str(ipaddress.ip_address(value))


def valid_hostname(name: str) -> bool:
    """True for an RFC 1123 host name (labels of letters, digits, hyphens)."""
    if not name or len(name) > 253 or "." not in name:
        return False
    return all(_HOST_LABEL.match(label) for label in name.split("."))


def parse_software(text: str) -> Software:
    """Parse 'name version', 'name/version' or a CPE 2.3 (or 2.2 URI) string."""
    low = text.strip()
    if low.lower().startswith("cpe:2.3:"):
        parts = re.split(r"(?<!\\):", low)
        if len(parts) != 13:
            raise ValueError(f"CPE 2.3 string needs 13 parts, has {len(parts)}: {text!r}")
        vendor, product, version = parts[3], parts[4], parts[5]
        version = "" if version in ("*", "-") else version
        return Software(name=product.replace("_", " "), version=version, vendor=vendor,
                        cpe=low.lower())
    if low.lower().startswith("cpe:/"):
        parts = low[5:].split(":")
        parts += ["*"] * (11 - len(parts))
        cpe = "cpe:2.3:" + ":".join(p or "*" for p in parts[:11])
        return parse_software(cpe)
    match = re.match(r"^(?P<name>.+?)[\s/]+[vV]?(?P<version>\d[\w.\-+]*)$", low)
    if match:
        return Software(name=match.group("name").strip(), version=match.group("version"))
    return Software(name=low)


def _slug(text: str) -> str:
    return re.sub(r"[^0-9a-z.]+", "-", text.lower()).strip("-.")


class RowValidator:
    """Validates rows of one or more tables; remembers ids to catch duplicates."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.seen_ids: dict[str, str] = {}

    def table(self, table: RawTable) -> tuple[list[Asset], ColumnMap]:
        """Validate every row of a table."""
        cmap = map_columns(table.columns)
        if not cmap.fields:
            self.problems.append(Problem(
                f"{table.path}:1", "header",
                "no known column names; expected e.g. " + ", ".join(COLUMN_ALIASES),
            ))
            return [], cmap
        if not table.rows:
            self.problems.append(Problem(f"{table.path}", "rows", "the file lists no assets"))
        assets = [a for a in (self.row(table.path, row, cmap) for row in table.rows) if a]
        return assets, cmap

    def row(self, path: str, row: RawRow, cmap: ColumnMap) -> Asset | None:
        """Validate one row; on problems record them and return None."""
        where = f"{path}:{row.line}"
        before = len(self.problems)

        def problem(field_name: str, message: str) -> None:
            self.problems.append(Problem(where, field_name, message))

        values = row.values
        fields = cmap.fields

        def scalar(name: str) -> str:
            cols = fields.get(name)
            return _text(values.get(cols[0])) if cols else ""

        def listed(name: str) -> list[str]:
            cols = fields.get(name)
            if not cols:
                return []
            if len(cols) == 1:
                return _items(values.get(cols[0]))
            out: list[str] = []
            for col in cols:
                out.extend(_items(values.get(col)))
            return out

        urls = self._urls(listed("urls"), problem)
        hostnames: list[str] = []
        for host in listed("hostnames"):
            host_l = host.lower().rstrip(".")
            if valid_hostname(host_l):
                hostnames.append(host_l)
            else:
                problem("hostnames", f"{host!r} is not a valid host name")
        ips: list[str] = []
        for value in listed("ips"):
            try:
                ips.append(normal_ip(value))
            except ValueError:
                hint = " (a network: put it in networks)" if "/" in value else ""
                problem("ips", f"{value!r} is not an IPv4 or IPv6 address{hint}")
        networks: list[str] = []
        for value in listed("networks"):
            try:
                networks.append(str(ipaddress.ip_network(value, strict=False)))
            except ValueError:
                problem("networks", f"{value!r} is not a CIDR network such as 10.20.0.0/24")
        software: list[Software] = []
        for value in listed("software"):
            try:
                software.append(parse_software(value))
            except ValueError as exc:
                problem("software", str(exc))
        kind = self._vocab(scalar("kind"), KIND_ALIASES, ASSET_KINDS, "kind", problem,
                           default="website" if urls else "other")
        criticality = self._vocab(scalar("criticality"), CRITICALITY_ALIASES, CRITICALITIES,
                                  "criticality", problem, default="medium")
        status = self._vocab(scalar("status"), STATUS_ALIASES, ASSET_STATUSES, "status", problem,
                             default="active")
        webroot = scalar("webroot")
        if webroot and not webroot.startswith("/") and not re.match(r"^[A-Za-z]:\\", webroot):
            problem("webroot", f"{webroot!r} must be an absolute path")
        name = scalar("name")
        hosts = [urlsplit(u).hostname or "" for u in urls] + hostnames
        asset_id = scalar("id") or _slug(next((h for h in hosts if h), "") or
                                         (ips[0] if ips else "") or name)
        if not asset_id:
            problem("id", "missing, and no name, URL, hostname or IP to derive one from")
        elif asset_id in self.seen_ids:
            problem("id", f"duplicate id {asset_id!r} (first at {self.seen_ids[asset_id]})")
        else:
            self.seen_ids[asset_id] = where
        if len(self.problems) > before:
            return None
        return Asset(
            id=asset_id, name=name or asset_id, kind=kind, owner=scalar("owner"),
            contact=scalar("contact"), criticality=criticality, status=status,
            urls=tuple(urls), hostnames=tuple(dict.fromkeys(hostnames)),
            ips=tuple(dict.fromkeys(ips)), networks=tuple(dict.fromkeys(networks)),
            software=tuple(software), webroot=webroot, logs=tuple(listed("logs")),
            tags=tuple(dict.fromkeys(t.lower() for t in listed("tags"))),
            notes=scalar("notes"), host=scalar("host"),
        )

    @staticmethod
    def _vocab(raw: str, aliases: dict[str, str], allowed: tuple[str, ...], name: str,
               problem: Any, default: str) -> str:
        if not raw:
            return default
        value = vocabulary_value(raw, aliases)
        if not value:
            problem(name, f"unknown {name} {raw!r} (use one of: {', '.join(allowed)})")
            return default
        return value

    @staticmethod
    def _urls(values: list[str], problem: Any) -> list[str]:
        out: list[str] = []
        for value in values:
            plain = _PLAIN_URL.match(value)
            if plain:  # the common case, checked by one regex: no urlsplit round trip needed
                out.append(f"{plain.group(1).lower()}://{plain.group(2).lower()}{plain.group(3) or '/'}")
                continue
            candidate = value if "://" in value else f"http://{value}"
            try:
                parts = urlsplit(candidate)
                host = (parts.hostname or "").rstrip(".")
                _ = parts.port  # raises ValueError on a bad port
            except ValueError:
                problem("urls", f"{value!r} is not a valid URL")
                continue
            if parts.scheme not in ("http", "https"):
                problem("urls", f"{value!r}: only http and https URLs can be scanned")
                continue
            if not host:
                problem("urls", f"{value!r} has no host")
                continue
            looks_ip = ":" in host or host.replace(".", "").isdigit()
            try:
                if not looks_ip:
                    raise ValueError(host)
                normal_ip(host)
            except ValueError:
                if not valid_hostname(host) and host != "localhost":
                    problem("urls", f"{value!r}: {host!r} is not a valid host name")
                    continue
            netloc = parts.netloc.lower()
            out.append(urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")))
        return list(dict.fromkeys(out))
