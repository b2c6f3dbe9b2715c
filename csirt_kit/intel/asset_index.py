"""Asset-side index of correlation and the per-row matcher every correlation path shares."""

from __future__ import annotations

import bisect
import ipaddress
import socket
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from csirt_kit.intel.normalize import URL_TYPES, host_part, ip_part
from csirt_kit.models import Asset

Hit = tuple[str, str, str]  # (asset id, match kind, asset value)


def _ip4(text: str) -> int | None:
    try:
        return int.from_bytes(socket.inet_aton(text), "big") if text.count(".") == 3 else None
    except OSError:
        return None


@dataclass
class AssetIndex:
    """Lookups from indicator values to the assets they concern."""

    ips: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    ip_sorted: list[tuple[int, int, str, str]] = field(default_factory=list)  # (version, int, id, ip)
    # (version, start, prefix length, asset id, cidr)
    net_sorted: list[tuple[int, int, int, str, str]] = field(default_factory=list)
    net_masks: dict[tuple[int, int], dict[int, list[tuple[str, str]]]] = field(default_factory=dict)
    suffixes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    hosts: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, assets: Iterable[Asset]) -> AssetIndex:
        """Index the assets' IPs, networks and hosts."""
        idx = cls()
        for a in assets:
            for raw in a.ips:
                parsed = _address(raw.strip())
                if parsed is None:
                    continue
                version, number, text = parsed
                idx.ips.setdefault(text, []).append((a.id, "ip", text))
                idx.ip_sorted.append((version, number, a.id, text))
            for raw in a.networks:
                try:
                    net = ipaddress.ip_network(raw.strip(), strict=False)
                except ValueError:
                    continue
                idx.net_sorted.append((net.version, int(net.network_address), net.prefixlen, a.id, str(net)))
                key = (net.version, net.prefixlen)
                idx.net_masks.setdefault(key, {}).setdefault(int(net.network_address), []).append(
                    (a.id, str(net)))
            for host in a.all_hosts:
                idx.hosts.setdefault(host, []).append(a.id)
                labels = host.split(".")
                for i in range(len(labels) - 1):
                    idx.suffixes.setdefault(".".join(labels[i:]), []).append((a.id, host))
        idx.ip_sorted.sort()
        idx.net_sorted.sort()
        return idx

    def match_ip(self, ip: str) -> list[tuple[str, str, str]]:
        """(asset id, match kind, asset value) for an indicator IP or CIDR."""
        if "/" not in ip:
            out = list(self.ips.get(ip, ()))
            if self.net_masks:
                out.extend(self._in_asset_networks(ip))
            return out
        return self._network_hits(ip)

    def _in_asset_networks(self, ip: str) -> list[tuple[str, str, str]]:
        as_int = _ip4(ip)
        version, bits = (4, 32) if as_int is not None else (6, 128)
        if as_int is None:
            try:
                as_int = int(ipaddress.ip_address(ip))
            except ValueError:
                return []
        out: list[tuple[str, str, str]] = []
        for (v, plen), table in self.net_masks.items():
            if v == version:
                found = table.get(as_int >> (bits - plen) << (bits - plen))
                if found:
                    out.extend((asset_id, "ip_in_asset_network", cidr) for asset_id, cidr in found)
        return out

    def _network_hits(self, ip: str) -> list[tuple[str, str, str]]:
        address, _, length = ip.partition("/")
        as_int = _ip4(address)
        try:
            if as_int is not None and length.isdigit() and int(length) <= 32:
                version, bits, prefix, start = 4, 32, int(length), as_int
            else:
                net = ipaddress.ip_network(ip, strict=False)
                version, bits, prefix = net.version, net.max_prefixlen, net.prefixlen
                start = int(net.network_address)
        except ValueError:
            return []
        start = start >> (bits - prefix) << (bits - prefix) if prefix else 0
        end = start + (1 << (bits - prefix)) - 1
        out: list[tuple[str, str, str]] = []
        lo = bisect.bisect_left(self.ip_sorted, (version, start, "", ""))
        hi = bisect.bisect_right(self.ip_sorted, (version, end, "\uffff", ""))
        out.extend((asset_id, "ip_in_indicator_network", value)
                   for _v, _n, asset_id, value in self.ip_sorted[lo:hi])
        if not self.net_masks:
            return out
        # CIDRs nest or are disjoint: an asset network overlaps the indicator network when it
        # contains it (mask lookups) or lies inside it (a range of the sorted network starts).
        for (v, plen), table in self.net_masks.items():
            if v == version and plen <= prefix:
                found = table.get(start >> (bits - plen) << (bits - plen) if plen else 0)
                if found:
                    out.extend((asset_id, "network_overlap", cidr) for asset_id, cidr in found)
        lo = bisect.bisect_left(self.net_sorted, (version, start, prefix + 1, "", ""))
        hi = bisect.bisect_right(self.net_sorted, (version, end, 999, "", ""))
        out.extend((asset_id, "network_overlap", cidr)
                   for _v, _s, plen, asset_id, cidr in self.net_sorted[lo:hi] if plen > prefix)
        return out

    def match_host(self, host: str) -> Iterator[tuple[str, str, str]]:
        """(asset id, match kind, asset host) for an indicator host."""
        if "." not in host:
            return
        for asset_id, asset_host in self.suffixes.get(host, ()):
            yield asset_id, "host" if asset_host == host else "subdomain", asset_host
        labels = host.split(".")
        for i in range(1, len(labels) - 1):
            parent = ".".join(labels[i:])
            for asset_id in self.hosts.get(parent, ()):
                yield asset_id, "indicator_below_asset_host", parent


def _address(text: str) -> tuple[int, int, str] | None:
    """(version, integer, canonical text) of an IP address; None when it is not one."""
    try:  # fast path: a canonical IPv4 text (what ipaddress would print back unchanged)
        packed = socket.inet_pton(socket.AF_INET, text)
        if socket.inet_ntop(socket.AF_INET, packed) == text:
            return 4, int.from_bytes(packed, "big"), text
    except OSError:
        pass
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    return ip.version, int(ip), str(ip)


def url_parts(url: str) -> tuple[str, str]:
    """(ip, host) of a normalised URL (scheme://host[:port]/...): one of them is ''."""
    rest = url.split("://", 1)[-1]
    netloc = rest.split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]
    if netloc.startswith("["):
        return netloc[1:].split("]", 1)[0], ""
    host = netloc.split(":", 1)[0]
    if host.replace(".", "").isdigit():
        return host, ""
    return "", host


def row_hits(index: AssetIndex, rows: Iterable[tuple[int, str, str]]) -> dict[int, list[Hit]]:
    """{indicator id: hits} for (id, type, value) rows; rows without a hit are left out."""
    hits: dict[int, list[Hit]] = {}
    for row_id, type_, value in rows:
        found: list[Hit] = []
        if type_ in URL_TYPES:
            ip, host = url_parts(value)
        else:
            ip, host = ip_part(type_, value), host_part(type_, value)
        if ip:
            found = index.match_ip(ip)
        if host:
            found.extend((a, "url_host" if m == "host" and type_ in URL_TYPES else m, v)
                         for a, m, v in index.match_host(host))
        if found:
            hits[row_id] = found
    return hits


def merge_hits(parts: Sequence[dict[int, list[Hit]]]) -> dict[int, list[Hit]]:
    """Hits of several shards by indicator id (a row in two shards has the same hits in both)."""
    merged: dict[int, list[Hit]] = {}
    for part in parts:
        for row_id, found in part.items():
            merged.setdefault(row_id, found)
    return dict(sorted(merged.items()))
