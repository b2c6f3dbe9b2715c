"""Tallies of the log heuristics: the lines of one future finding, small and mergeable."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

MAX_SET = 50  # client addresses kept per tally


@dataclass
class Tally:
    """The matching lines of one future finding: first, last, count, samples and small sets."""

    first: dict[str, Any]
    last: dict[str, Any]
    count: int = 0
    samples: list[dict[str, Any]] = field(default_factory=list)
    ips: set[str] = field(default_factory=set)
    statuses: Counter[str] = field(default_factory=Counter)
    minutes: Counter[str] = field(default_factory=Counter)  # served requests per UTC minute

    def add(self, where: dict[str, Any], samples: int, ip: str = "", status: str = "") -> None:
        self.count += 1
        self.last = where
        if len(self.samples) < samples:
            self.samples.append(where)
        if ip and len(self.ips) < MAX_SET:
            self.ips.add(ip)
        if status:
            self.statuses[status] += 1

    def add_many(self, count: int, first: dict[str, Any] | None, wheres: list[dict[str, Any]],
                 last: dict[str, Any], samples: int) -> None:
        """Add `count` lines of this chunk at once (in line order with what the chunk added before);
        `first` is None when the tally began in an earlier chunk."""
        self.count += count
        if first is not None and first["line"] < self.first["line"]:
            self.first = first
        if last["line"] > self.last["line"]:
            self.last = last
        if wheres:
            merged = {w["line"]: w for w in (*self.samples, *wheres)}
            self.samples = [merged[k] for k in sorted(merged)][:samples]

    def absorb(self, other: Tally, base: int, samples: int) -> None:
        """Add a later tally (its line numbers shifted by base)."""
        self.count += other.count
        self.last = moved(other.last, base)
        room = max(0, samples - len(self.samples))
        self.samples.extend(moved(w, base) for w in other.samples[:room])
        self.ips.update(list(other.ips)[:max(0, MAX_SET - len(self.ips))])
        self.statuses.update(other.statuses)
        self.minutes.update(other.minutes)


def moved(where: dict[str, Any], base: int) -> dict[str, Any]:
    """A line's place with its line number shifted by base (the same dict when base is 0)."""
    return {**where, "line": where["line"] + base} if base else where


def shifted(t: Tally, base: int) -> Tally:
    """A copy of a tally with its line numbers shifted by base."""
    return Tally(moved(t.first, base), moved(t.last, base), t.count,
                 [moved(w, base) for w in t.samples], set(t.ips), Counter(t.statuses),
                 Counter(t.minutes))
