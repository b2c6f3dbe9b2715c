"""MISP warninglists compiled into our own indexes: CIDRs, host suffixes, strings, substrings.

pymispwarninglists' fast mode matches exact strings only (it misses CIDR ranges and
hosts inside URLs) and its slow mode costs 0.1-0.4 s per value. So the lists are read
once through pymispwarninglists and compiled here into dicts keyed by masked network,
host name and string; the result is kept for the process and pickled in the user cache
dir, keyed by the package version, so later syncs load it in about a second.
"""

from __future__ import annotations

import bisect
import ipaddress
import logging
import pickle
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import platformdirs

from csirt_kit.intel.normalize import URL_TYPES, host_part, ip_part, url_host

log = logging.getLogger(__name__)
_FORMAT = 3  # bump when the compiled layout changes
_INDEX: WarninglistIndex | None = None


class _AllTypes(frozenset[str]):
    """Contains every type (for lists that name no matching attributes)."""

    def __contains__(self, item: object) -> bool:
        return True


_ALL_TYPES = _AllTypes()


@dataclass
class WarninglistIndex:
    """Compiled warninglists; ``check(type, value)`` returns the names of lists that hit."""

    names: list[str] = field(default_factory=list)
    applies: list[frozenset[str] | None] = field(default_factory=list)
    strings: dict[str, tuple[int, ...]] = field(default_factory=dict)
    hosts: dict[str, tuple[int, ...]] = field(default_factory=dict)
    nets: dict[int, dict[int, dict[int, tuple[int, ...]]]] = field(default_factory=dict)
    substrings: list[tuple[str, int]] = field(default_factory=list)
    # Per IP version: sorted, non-overlapping (start, end, lists) segments of all CIDRs.
    seg_starts: dict[int, list[int]] = field(default_factory=dict)
    seg_ends: dict[int, list[int]] = field(default_factory=dict)
    seg_lists: dict[int, list[tuple[int, ...]]] = field(default_factory=dict)
    regexes: list[tuple[re.Pattern[str], int]] = field(default_factory=list)

    def add(self, name: str, kind: str, entries: Iterable[str], applies: Iterable[str]) -> None:
        """Compile one list."""
        idx = len(self.names)
        self.names.append(name)
        types = frozenset(applies)
        self.applies.append(types or None)
        for raw in entries:
            entry = str(raw).strip()
            if not entry:
                continue
            if kind == "cidr":
                self._add_net(entry, idx)
            elif kind == "hostname":
                _put(self.hosts, entry.lower().rstrip(".").lstrip("."), idx)
            elif kind == "substring":
                self.substrings.append((entry.lower(), idx))
            elif kind == "regex":
                pattern = _parse_regex(entry)
                if pattern is not None:
                    self.regexes.append((pattern, idx))
            else:
                _put(self.strings, entry.lower(), idx)

    def _add_net(self, entry: str, idx: int) -> None:
        try:
            net = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            _put(self.strings, entry.lower(), idx)
            return
        by_len = self.nets.setdefault(net.version, {}).setdefault(net.prefixlen, {})
        _put(by_len, int(net.network_address), idx)

    def check(self, type_: str, value: str) -> tuple[str, ...]:
        """Names of the lists that contain this indicator (empty tuple: none)."""
        # Fast paths for the plain values that make up most feeds; the same answer as
        # check_general (tested), without its generic splitting of every value.
        low = value.lower()
        if type_ in _IP_FAST:
            try:
                addr = int.from_bytes(_inet_pton(_AF_INET, value), "big")
            except OSError:
                return self.check_general(type_, value)
            acc: list[tuple[int, ...]] = []
            found = self.strings.get(low)
            if found:
                acc.append(found)
            starts = self.seg_starts.get(4)
            if starts:
                i = bisect.bisect_right(starts, addr) - 1
                if i >= 0 and addr <= self.seg_ends[4][i]:
                    acc.append(self.seg_lists[4][i])
            return self._finish(type_, value, low, acc, True)
        if type_ in _HOST_FAST and low == value:
            acc = []
            self._host_hits(value, acc)
            return self._finish(type_, value, low, acc, False)
        if type_ in URL_TYPES:
            match = _URL_HOST.match(value)
            if match:
                host = match.group(1).rstrip(".")
                if not host.replace(".", "").isdigit():
                    acc = []
                    found = self.strings.get(low)
                    if found:
                        acc.append(found)
                    if host:
                        self._host_hits(host, acc)
                    return self._finish(type_, value, low, acc, False)
        return self.check_general(type_, value)

    def check_general(self, type_: str, value: str) -> tuple[str, ...]:
        """check() for any value: splits out its IP and host parts the generic way."""
        strings = self.strings
        low = value.lower()
        found = strings.get(low)
        acc: list[tuple[int, ...]] = [found] if found else []
        if type_ in URL_TYPES:
            host = url_host(value)
            ip = host if host and (":" in host or host.replace(".", "").isdigit()) else ""
            host = "" if ip else host
        else:
            ip, host = ip_part(type_, value), host_part(type_, value)
        if ip:
            found = strings.get(ip)
            if found:
                acc.append(found)
            acc.extend(self._net_hits(ip))
        if host:
            self._host_hits(host, acc)
        return self._finish(type_, value, low, acc, bool(ip))

    def _host_hits(self, host: str, acc: list[tuple[int, ...]]) -> None:
        found = self.strings.get(host)
        if found:
            acc.append(found)
        hosts = self.hosts
        rest = host
        while "." in rest:
            found = hosts.get(rest)
            if found:
                acc.append(found)
            rest = rest[rest.index(".") + 1:]

    def _finish(self, type_: str, value: str, low: str, acc: list[tuple[int, ...]],
                has_ip: bool) -> tuple[str, ...]:
        if self.substrings and type_ in self._substring_types():
            acc.extend((i,) for _end, i in self._automaton().iter(low))
        for pattern, i in self._regexes_for(type_):
            if pattern.search(value):
                acc.append((i,))
        if not acc:
            return ()
        hits = {i for group in acc for i in group}
        return tuple(sorted(self.names[i] for i in hits if self._applies(i, type_, has_ip)))

    def _substring_types(self) -> frozenset[str]:
        types = self.__dict__.get("_st")
        if types is None:
            kinds: set[str] = set()
            for _text, idx in self.substrings:
                applies = self.applies[idx]
                kinds.update(applies if applies is not None else ("*",))
            types = frozenset(kinds) if "*" not in kinds else _ALL_TYPES
            self.__dict__["_st"] = types
        return types

    def _applies(self, idx: int, type_: str, has_ip: bool) -> bool:
        types = self.applies[idx]
        return types is None or type_ in types or (has_ip and "ip-dst" in types)

    def _regexes_for(self, type_: str) -> list[tuple[re.Pattern[str], int]]:
        try:
            return self.__dict__["_rx"][type_]
        except KeyError:
            found = [(p, i) for p, i in self.regexes if self._applies(i, type_, False)]
            self.__dict__.setdefault("_rx", {})[type_] = found
            return found

    def _automaton(self) -> Any:
        automaton = self.__dict__.get("_ac")
        if automaton is None:
            import ahocorasick

            automaton = ahocorasick.Automaton()
            for text, idx in self.substrings:
                automaton.add_word(text, idx)
            automaton.make_automaton()
            self.__dict__["_ac"] = automaton
        return automaton

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("_ac", "_rx", "_st")}

    def finish(self) -> None:
        """Flatten every version's CIDRs into sorted segments: one bisect per address."""
        for version, by_len in self.nets.items():
            bits = 32 if version == 4 else 128
            events: list[tuple[int, int, int]] = []
            for plen, entries in by_len.items():
                size = 1 << (bits - plen)
                for start, lists in entries.items():
                    for idx in lists:
                        events.append((start, 1, idx))
                        events.append((start + size, -1, idx))
            events.sort()
            active: dict[int, int] = {}
            starts: list[int] = []
            ends: list[int] = []
            groups: list[tuple[int, ...]] = []
            pos = 0
            while pos < len(events):
                point = events[pos][0]
                if active and starts and ends[-1] == -1:
                    ends[-1] = point - 1
                while pos < len(events) and events[pos][0] == point:
                    _p, delta, idx = events[pos]
                    active[idx] = active.get(idx, 0) + delta
                    if not active[idx]:
                        del active[idx]
                    pos += 1
                if starts and ends[-1] == -1:
                    ends[-1] = point - 1
                if active:
                    key = tuple(sorted(active))
                    starts.append(point)
                    ends.append(-1)
                    groups.append(_TUPLES.setdefault(key, key))
            self.seg_starts[version], self.seg_ends[version], self.seg_lists[version] = starts, ends, groups

    def _net_hits(self, ip: str) -> list[tuple[int, ...]]:
        out: list[tuple[int, ...]] = []
        if "/" not in ip:
            try:
                if ":" in ip:
                    version, addr = 6, int(ipaddress.IPv6Address(ip))
                else:
                    version, addr = 4, int.from_bytes(socket.inet_aton(ip), "big")
            except (OSError, ValueError):
                return out
            starts = self.seg_starts.get(version)
            if starts:
                i = bisect.bisect_right(starts, addr) - 1
                if i >= 0 and addr <= self.seg_ends[version][i]:
                    out.append(self.seg_lists[version][i])
            return out
        try:
            if "/" in ip:
                net = ipaddress.ip_network(ip, strict=False)
                version, addr, prefix = net.version, int(net.network_address), net.prefixlen
            else:
                address = ipaddress.ip_address(ip)
                version, addr, prefix = address.version, int(address), address.max_prefixlen
        except ValueError:
            return out
        bits = 32 if version == 4 else 128
        for plen, entries in self.nets.get(version, {}).items():
            if plen <= prefix:
                found = entries.get(addr >> (bits - plen) << (bits - plen) if plen else 0)
                if found:
                    out.append(found)
        return out


_TUPLES: dict[tuple[int, ...], tuple[int, ...]] = {}
_IP_FAST = frozenset({"ip-src", "ip-dst"})
_HOST_FAST = frozenset({"domain", "hostname"})
# scheme://host[:port] followed by the path: a URL whose host needs no generic parsing.
_URL_HOST = re.compile(r"https?://([a-z0-9._-]+)(?::[0-9]+)?(?:[/?#]|$)")
_inet_pton, _AF_INET = socket.inet_pton, socket.AF_INET


def _put(table: dict[Any, tuple[int, ...]], key: Any, idx: int) -> None:
    # Tuples are shared: millions of keys point at a few hundred distinct list sets.
    old = table.get(key)
    if old is None:
        new: tuple[int, ...] = (idx,)
    elif idx not in old:
        new = (*old, idx)
    else:
        return
    table[key] = _TUPLES.setdefault(new, new)


def _parse_regex(entry: str) -> re.Pattern[str] | None:
    body, flags = entry, 0
    if entry.startswith("/") and entry.rfind("/") > 0:
        end = entry.rfind("/")
        body, mods = entry[1:end], entry[end + 1:]
        flags = re.IGNORECASE if "i" in mods else 0
    try:
        return re.compile(body, flags)
    except re.error:
        return None


def compile_lists(lists: Iterable[Any]) -> WarninglistIndex:
    """Compile warninglist objects (``.name``, ``.type``, ``.list``, ``.matching_attributes``)."""
    index = WarninglistIndex()
    for wl in lists:
        index.add(wl.name, wl.type, wl.list, getattr(wl, "matching_attributes", None) or ())
    index.finish()
    return index


def _cache_file() -> Path:
    try:
        version = metadata.version("pymispwarninglists")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return Path(platformdirs.user_cache_dir("csirt-kit")) / f"warninglists-{version}-f{_FORMAT}.pickle"


def load_index() -> WarninglistIndex:
    """The compiled bundled warninglists: from memory, else the cache file, else compiled."""
    global _INDEX
    if _INDEX is not None:
        return _INDEX
    path = _cache_file()
    try:
        with path.open("rb") as fh:
            loaded = pickle.load(fh)
        if isinstance(loaded, WarninglistIndex):
            _INDEX = loaded
            return loaded
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
        pass
    from pymispwarninglists import WarningLists

    _INDEX = compile_lists(WarningLists(slow_search=False).values())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump(_INDEX, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    except OSError as exc:
        log.info("cannot cache compiled warninglists at %s: %s", path, exc)
    return _INDEX
