"""MISP warninglists compiled into our own indexes: CIDRs, host suffixes, strings, substrings.

pymispwarninglists' fast mode matches exact strings only (it misses CIDR ranges and
hosts inside URLs) and its slow mode costs 0.1-0.4 s per value. So the lists are read
once through pymispwarninglists and compiled here into dicts keyed by masked network,
host name and string; the result is kept for the process and pickled in the user cache
dir, keyed by the package version, so later syncs load it in about a second.
"""

from __future__ import annotations

import ipaddress
import logging
import pickle
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import platformdirs

from csirt_kit.intel.normalize import URL_TYPES, host_part, ip_part, url_ip

log = logging.getLogger(__name__)
_FORMAT = 2  # bump when the compiled layout changes
_INDEX: WarninglistIndex | None = None


@dataclass
class WarninglistIndex:
    """Compiled warninglists; ``check(type, value)`` returns the names of lists that hit."""

    names: list[str] = field(default_factory=list)
    applies: list[frozenset[str] | None] = field(default_factory=list)
    strings: dict[str, tuple[int, ...]] = field(default_factory=dict)
    hosts: dict[str, tuple[int, ...]] = field(default_factory=dict)
    nets: dict[int, dict[int, dict[int, tuple[int, ...]]]] = field(default_factory=dict)
    substrings: list[tuple[str, int]] = field(default_factory=list)
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
        hits: set[int] = set()
        low = value.lower()
        hits.update(self.strings.get(low, ()))
        ip = ip_part(type_, value) or url_ip(type_, value)
        if ip:
            hits.update(self.strings.get(ip, ()))
            hits.update(self._net_hits(ip))
        host = host_part(type_, value)
        if host:
            hits.update(self.strings.get(host, ()))
            labels = host.split(".")
            for i in range(len(labels) - 1):
                hits.update(self.hosts.get(".".join(labels[i:]), ()))
        if self.substrings and (type_ in URL_TYPES or host or "@" in low):
            hits.update(i for _end, i in self._automaton().iter(low))
        for pattern, i in self._regexes_for(type_):
            if pattern.search(value):
                hits.add(i)
        if not hits:
            return ()
        return tuple(sorted(self.names[i] for i in hits if self._applies(i, type_, bool(ip))))

    def _applies(self, idx: int, type_: str, has_ip: bool) -> bool:
        types = self.applies[idx]
        return types is None or type_ in types or (has_ip and "ip-dst" in types)

    def _regexes_for(self, type_: str) -> list[tuple[re.Pattern[str], int]]:
        cache: dict[str, list[tuple[re.Pattern[str], int]]] = self.__dict__.setdefault("_rx", {})
        found = cache.get(type_)
        if found is None:
            found = cache[type_] = [(p, i) for p, i in self.regexes if self._applies(i, type_, False)]
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
        return {k: v for k, v in self.__dict__.items() if k not in ("_ac", "_rx")}

    def _net_hits(self, ip: str) -> set[int]:
        try:
            if "/" in ip:
                net = ipaddress.ip_network(ip, strict=False)
                version, addr, prefix = net.version, int(net.network_address), net.prefixlen
            else:
                address = ipaddress.ip_address(ip)
                version, addr, prefix = address.version, int(address), address.max_prefixlen
        except ValueError:
            return set()
        out: set[int] = set()
        bits = 32 if version == 4 else 128
        for plen, entries in self.nets.get(version, {}).items():
            if plen <= prefix:
                found = entries.get(addr >> (bits - plen) << (bits - plen) if plen else 0)
                if found:
                    out.update(found)
        return out


_TUPLES: dict[tuple[int, ...], tuple[int, ...]] = {}


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
