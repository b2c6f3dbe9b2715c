"""SQL pre-filter of correlation: from 1M stored indicators, only the rows that may match an asset.

The asset side is small (thousands of IPs, networks and hosts), so SQLite looks each asset
value up in the (type, value) index instead of handing every indicator row to Python:
- IPs: a range per asset IP (``ip``, ``ip|port``, and ``http(s)://ip`` for URLs) and one per
  octet-aligned piece of each asset IPv4 network (``45.3.7.`` for a /24);
- CIDRs: IP-typed values holding a ``/`` that start with the first octet of an asset
  address or network, plus every CIDR shorter than /10 and every IPv6 one;
- hosts and URLs: every value containing the last two labels of an asset host (a host
  equal to, above or below an asset host always contains them), in a covering index scan
  (instr() per base; with many bases, one Python pass reading each row's host);
- whatever text ranges cannot express (IPv6 networks, URLs of other schemes, ``domain|ip``)
  is fetched whole for its type.
Each query returns a superset of the rows the matcher would accept: the same per-row
matcher decides, so the findings are those of a full scan (tests compare both paths).
"""

from __future__ import annotations

import ipaddress
import json
import sqlite3
from collections.abc import Collection, Iterable, Iterator

from csirt_kit.intel.asset_index import AssetIndex, url_parts
from csirt_kit.intel.normalize import HOST_TYPES, IP_TYPES, URL_TYPES, host_part

# Shards of the correlation: the indicator rows each one considers (one cluster task each).
INDICATOR_SHARDS = ("ips", "cidrs", "hosts", "urls")
SHARDS = (*INDICATOR_SHARDS, "vulnerabilities")
_PLAIN_IP_TYPES = ("ip-src", "ip-dst", "ip-src|port", "ip-dst|port")
_TOP = "\U0010ffff" * 2
MAX_BASE_TERMS = 8  # more asset host bases than this: filter hosts in Python (cost flat in bases)
Row = tuple[int, str, str]  # (indicator id, type, value)


def _after(prefix: str) -> str:
    """The smallest text above every text that starts with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _v4_pieces(net: ipaddress.IPv4Network) -> list[str]:
    """Octet-aligned text prefixes covering an IPv4 network ('45.3.7.' for 45.3.7.0/24)."""
    octets = min(3, max(1, (net.prefixlen + 7) // 8))
    step = 1 << (32 - 8 * octets)
    start = int(net.network_address) >> (32 - 8 * octets) << (32 - 8 * octets)
    out = []
    for n in range(start, int(net.broadcast_address) + 1, step):
        parts = str(ipaddress.IPv4Address(n)).split(".")
        out.append(".".join(parts[:octets]) + ".")
    return out


class AssetKeys:
    """The asset values the pre-filter looks up: IPs, network text pieces, host bases."""

    def __init__(self, index: AssetIndex) -> None:
        self.ips: set[str] = set(index.ips)
        self.pieces: set[str] = set()
        self.v6_networks = False
        # First octets of every asset IPv4 address (a CIDR of /8 or longer that holds or
        # overlaps an asset address starts with one of them).
        self.octets = {ip.split(".", 1)[0] + "." for ip in self.ips if "." in ip}
        for _v, _start, _plen, _id, cidr in index.net_sorted:
            net = ipaddress.ip_network(cidr)
            if isinstance(net, ipaddress.IPv4Network):
                self.pieces.update(_v4_pieces(net))
                first, last = int(net.network_address) >> 24, int(net.broadcast_address) >> 24
                self.octets.update(f"{n}." for n in range(first, last + 1))
            else:
                self.v6_networks = True
        self.bases = {".".join(h.split(".")[-2:]) for h in index.hosts if "." in h}

    @property
    def any_ip(self) -> bool:
        """True when some asset has an IP or a network."""
        return bool(self.ips or self.pieces or self.v6_networks)

    def ranges(self, shard: str, present: Collection[str]) -> list[tuple[str, str, str]]:
        """(type, low, high) index ranges of one shard, for the types the store holds."""
        prefixes: list[str] = []
        types = [t for t in _PLAIN_IP_TYPES if t in present]
        if shard == "ips":
            prefixes = [*self.ips, *self.pieces]
        elif shard == "cidrs":
            prefixes = list(self.octets)
        elif shard == "urls":
            types = [t for t in sorted(URL_TYPES) if t in present]
            for scheme in ("http://", "https://"):
                prefixes += [f"{scheme}[{ip}" if ":" in ip else scheme + ip for ip in self.ips]
                prefixes += [scheme + piece for piece in self.pieces]
        out = [(t, p, _after(p)) for p in prefixes for t in types]
        if shard == "ips" and self.any_ip and "domain|ip" in present:
            out.append(("domain|ip", "", _TOP))  # the address is behind the domain
        return out


def _scan_terms(keys: AssetKeys, shard: str) -> tuple[tuple[str, ...], str, list[str]]:
    """(types, condition on value, args) of the covering-index scan of a shard ('' = none)."""
    terms: list[str] = []
    args: list[str] = []
    if shard == "cidrs" and keys.any_ip:
        # CIDRs shorter than /10 and IPv6 ones (the octet ranges cover the rest).
        return _PLAIN_IP_TYPES, ("instr(value, '/') > 0 AND (instr(value, ':') > 0 OR"
                                 " substr(value, instr(value, '/') + 2, 1) NOT BETWEEN '0' AND '9')"), []
    if shard == "ips" and keys.v6_networks:
        return _PLAIN_IP_TYPES, "instr(value, ':') > 0", []
    if shard in ("hosts", "urls") and len(keys.bases) <= MAX_BASE_TERMS:
        terms += ["instr(value, ?) > 0"] * len(keys.bases)
        args += sorted(keys.bases)
    if shard == "urls" and keys.any_ip:
        # Other schemes than http(s) are not in the ranges: fetch them for the IP check.
        terms.append("(substr(value, 1, 7) <> 'http://' AND substr(value, 1, 8) <> 'https://')")
        if keys.v6_networks:
            terms.append("instr(value, '://[') > 0")
    if not terms:
        return (), "", []
    types = tuple(sorted(HOST_TYPES if shard == "hosts" else URL_TYPES))
    return types, " OR ".join(terms), args


def present_types(conn: sqlite3.Connection) -> set[str]:
    """The matchable types the store holds at all (one index probe each)."""
    return {t for t in (*IP_TYPES, *HOST_TYPES, *URL_TYPES) if conn.execute(
        "SELECT 1 FROM indicators WHERE type = ? LIMIT 1", (t,)).fetchone()}


def candidate_ids(conn: sqlite3.Connection, keys: AssetKeys, shard: str,
                  present: Collection[str]) -> set[int]:
    """Ids of the rows of a shard that may match (every active state; filtered later)."""
    ids: set[int] = set()
    ranges = keys.ranges(shard, present)
    if ranges:
        # The ranges go in as one JSON parameter (no temporary table to write).
        only_cidrs = " AND instr(i.value, '/') > 0" if shard == "cidrs" else ""
        ids.update(r[0] for r in conn.execute(
            "SELECT i.id FROM json_each(?) k CROSS JOIN indicators i INDEXED BY indicators_type_value"
            " WHERE i.type = k.value ->> 0 AND i.value >= k.value ->> 1 AND i.value < k.value ->> 2"
            + only_cidrs, (json.dumps(ranges),)))
    types, condition, args = _scan_terms(keys, shard)
    if types:
        marks = ", ".join("?" * len(types))
        ids.update(r[0] for r in conn.execute(
            f"SELECT id FROM indicators INDEXED BY indicators_type_value WHERE type IN ({marks})"
            f" AND ({condition})", (*types, *args)))
    if shard in ("hosts", "urls") and len(keys.bases) > MAX_BASE_TERMS:
        ids.update(_ids_by_base(conn, shard, keys.bases))
    return ids


def _ids_by_base(conn: sqlite3.Connection, shard: str, bases: Collection[str]) -> Iterator[int]:
    """Rows whose host (as the matcher reads it) ends with an asset host's last two labels.

    One pass over the covering index whatever the number of bases (the instr() terms
    cost one test per base and row).
    """
    types = sorted(HOST_TYPES if shard == "hosts" else URL_TYPES)
    cur = conn.execute(f"SELECT id, type, value FROM indicators INDEXED BY indicators_type_value"
                       f" WHERE type IN ({', '.join('?' * len(types))})", types)
    while rows := cur.fetchmany(10000):
        for row_id, type_, value in rows:
            host = url_parts(value)[1] if type_ in URL_TYPES else host_part(type_, value)
            if host and ".".join(host.rsplit(".", 2)[-2:]) in bases:
                yield row_id


def active_rows(conn: sqlite3.Connection, ids: Iterable[int], now: str,
                include_warninglisted: bool) -> list[Row]:
    """(id, type, value) of the given ids that are active (and not warninglisted), by id."""
    out: list[Row] = []
    ordered = sorted(ids)
    extra = "" if include_warninglisted else " AND warninglists = ''"
    for i in range(0, len(ordered), 900):
        chunk = ordered[i:i + 900]
        out += [(r[0], r[1], r[2]) for r in conn.execute(
            f"SELECT id, type, value FROM indicators WHERE id IN ({', '.join('?' * len(chunk))})"
            f" AND (expires = '' OR expires > ?){extra} ORDER BY id", (*chunk, now))]
    return out


def shard_rows(conn: sqlite3.Connection, index: AssetIndex, now: str,
               include_warninglisted: bool) -> dict[str, list[Row]]:
    """{shard: candidate rows} for the indicator shards (a row may sit in more than one)."""
    keys = AssetKeys(index)
    present = present_types(conn)
    return {shard: active_rows(conn, candidate_ids(conn, keys, shard, present), now,
                               include_warninglisted) for shard in INDICATOR_SHARDS}
