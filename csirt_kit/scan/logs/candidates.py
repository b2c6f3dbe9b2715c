"""The log heuristics' chunk pass: pick out the few lines they need, keep small tallies.

Each chunk is searched with C-speed byte operations only: ``bytes.find`` for ``"POST``,
the crawler User-Agent tokens and ``sitemap``; one regex ``findall`` for the request
targets, whose distinct values are checked for gambling terms (an Aho-Corasick pass over
them, then the vocabulary's own test) and for script paths never seen before. Only the
lines so found are parsed. What is kept is mergeable: tallies per (subject, UTC day) with
first/last/sample lines, the first request of every script path, the earliest and latest
timestamps. A file's ranges (the cluster) or a rotated set's files merge with ``absorb``
in time order, so evaluation sees exactly what one pass over the whole set sees.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Any

import ahocorasick

from csirt_kit.scan.cms.profiles import is_php_name
from csirt_kit.scan.logs.crawlers import TOKENS
from csirt_kit.scan.logs.formats import access_time, parse_line
from csirt_kit.scan.logs.iocs import FIELD_PATTERNS, _findall, token_lines
from csirt_kit.scan.logs.tally import Tally, moved, shifted

if TYPE_CHECKING:
    from csirt_kit.scan.logs.heuristic_config import HeuristicSettings

SNIPPET_CHARS = 300
ACCESS_FORMATS = ("combined", "vhost_combined", "common", "json")
_FAST_FORMATS = ("combined", "vhost_combined")  # crawler claims read without a full parse
_SCRIPT_EXTENSIONS = (".asp", ".aspx", ".ashx", ".jsp", ".jspx", ".cgi")
_UA_TOKENS = tuple((t.decode(), name) for t, name in TOKENS)


def _coarse() -> tuple[tuple[bytes, tuple[tuple[bytes, str], ...]], ...]:
    """Fewer, shorter needles for the crawler tokens ("Google" finds Googlebot, AdsBot-Google...)."""
    out: dict[bytes, list[tuple[bytes, str]]] = {}
    for token, name in TOKENS:
        needle = next((n for n in (b"Google", b"Yandex") if n in token), token)
        out.setdefault(needle, []).append((token, name))
    return tuple((n, tuple(f)) for n, f in out.items())


_COARSE = _coarse()
MAX_SCRIPTS = 200_000  # first requests of script paths kept per file
MAX_KEYS = 50_000  # tallies per kind kept per file


def is_script(path: str) -> bool:
    """True for a URL path the server would run as a script (.php and kin, .asp[x], .jsp)."""
    name = path.rsplit("/", 1)[-1]
    return bool(name) and (is_php_name(name) or name.lower().endswith(_SCRIPT_EXTENSIONS))


def is_sitemap(path: str) -> bool:
    """True for sitemap files (sitemap.xml, sitemap_index.xml, wp-sitemap-posts-1.xml, .xml.gz)."""
    low = path.lower()
    return "sitemap" in low.rsplit("/", 1)[-1] and low.endswith((".xml", ".xml.gz", ".txt"))


def _snip(text: str) -> str:
    text = text.rstrip("\r\n")
    return text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS] + "…"


class Candidates:
    """What the heuristics keep of one file (or one byte range of it)."""

    def __init__(self, path: str, fmt: str, settings: HeuristicSettings, samples: int = 5,
                 year: int = 1970, zone: str = "UTC") -> None:
        self.path, self.fmt, self.settings, self.samples = path, fmt, settings, samples
        self.year, self.zone = year, zone
        self.start = self.end = ""  # earliest and latest timestamps seen
        self.posts: dict[tuple[str, str], Tally] = {}  # (script path, day)
        self.claims: dict[tuple[str, str, str], Tally] = {}  # (crawler, ip, day)
        self.sitemaps: dict[tuple[str, str], Tally] = {}  # (path, day)
        self.slugs: dict[tuple[str, str], Tally] = {}  # (target, day): 2xx answers
        self.scripts: dict[str, dict[str, Any]] = {}  # script path -> its first request
        self.dropped = 0  # tallies or script paths not kept (caps)
        self.lines = 0  # candidate lines parsed
        self._slug_cache: dict[bytes, bool] = {}
        self._days: dict[bytes, str] = {}
        self._checked: set[bytes] = set()  # request paths already looked at for scripts
        folders = settings.upload_folders if settings is not None else ()
        self._ignore = {p.lower().encode() for p in getattr(settings, "webshell_ignore", ())
                        if not any(f"/{f}" in p.lower() for f in folders)}

    def __getstate__(self) -> dict[str, Any]:
        # Ranges come back from workers: leave the settings and the caches behind.
        return {**self.__dict__, "settings": None, "_slug_cache": {}, "_days": {}, "_checked": set()}

    # -- the chunk pass ---------------------------------------------------------------------

    def collect(self, chunk: bytes, base: int) -> None:
        """Find this chunk's candidate lines (base: lines before the chunk) and tally them."""
        starts: set[int] = set()
        self._posts(chunk, starts)
        _line_starts(chunk, b"sitemap", starts)
        rx = FIELD_PATTERNS[self.fmt]["target"]
        targets = set(_findall(rx, chunk))
        slug_lines: set[int] = set()
        for t in self._gambling(targets):
            for m in _occurrences(chunk, rx, t, lambda v, t=t: v == t):
                slug_lines.add(chunk.rfind(b"\n", 0, m.start()) + 1)
        starts |= slug_lines
        if len(self.scripts) < MAX_SCRIPTS:
            self._new_scripts(chunk, rx, targets, starts)
        claims = self._claim_lines(chunk)
        if self.fmt not in _FAST_FORMATS:
            starts.update(claims)
            claims = {}
        stamps: dict[int, str] = {}
        groups = self._claim_groups(chunk, claims, starts, stamps)
        first_nl = chunk.find(b"\n")
        self._seen_ts(parse_line(self.fmt, chunk[:first_nl].decode("utf-8", "replace"),
                                 self.year, self.zone).ts)
        wanted = set(starts)
        for g in groups.values():
            wanted.update(g[3])
            wanted.add(g[2])
            if g[1] >= 0:  # a key new in this file: its first line is needed
                wanted.add(g[1])
        wheres: dict[int, dict[str, Any]] = {}
        line, pos = base + 1, 0
        for start in sorted(wanted):
            line += chunk.count(b"\n", pos, start)
            pos = start
            end = chunk.find(b"\n", start)
            text = chunk[start:end if end >= 0 else len(chunk)].decode("utf-8", "replace")
            if start in starts:
                wheres[start] = self._add(text, line, start in slug_lines)
            else:
                wheres[start] = {"path": self.path, "line": line, "timestamp": stamps[start] or None,
                                 "snippet": _snip(text)}
        for key, (count, first, last, samples, _room) in groups.items():
            tally = self._tally(self.claims, key, wheres[first if first >= 0 else last])
            if tally:
                tally.add_many(count, wheres[first] if first >= 0 else None,
                               [wheres[s] for s in samples], wheres[last], self.samples)

    def _posts(self, chunk: bytes, starts: set[int]) -> None:
        """Lines of POSTs, less those to core endpoints outside upload folders (no rule wants them)."""
        ignore = self._ignore
        pos = chunk.find(b'"POST')
        while pos >= 0:
            end = chunk.find(b"\n", pos)
            end = len(chunk) if end < 0 else end
            if chunk[pos + 5:pos + 6] == b" ":  # a request line: look at its path
                stop = chunk.find(b" ", pos + 6, end)
                path = chunk[pos + 6:stop if stop > 0 else end].split(b"?", 1)[0].lower()
                if path in ignore:
                    pos = chunk.find(b'"POST', end)
                    continue
            starts.add(chunk.rfind(b"\n", 0, pos) + 1)
            pos = chunk.find(b'"POST', end)

    def _claim_lines(self, chunk: bytes) -> dict[int, tuple[str, int, int]]:
        """Line start -> (crawler, token offset, line end) for lines naming a crawler."""
        out: dict[int, tuple[str, int, int]] = {}
        for needle, family in _COARSE:
            pos = chunk.find(needle)
            while pos >= 0:
                start = chunk.rfind(b"\n", 0, pos) + 1
                end = chunk.find(b"\n", pos)
                end = len(chunk) if end < 0 else end
                if start not in out:
                    for token, name in family:
                        at = chunk.find(token, start, end)
                        if at >= 0:
                            out[start] = (name, at, end)
                            break
                pos = chunk.find(needle, end)
        return out

    def _claim_groups(self, chunk: bytes, claims: dict[int, tuple[str, int, int]], parsed: set[int],
                      stamps: dict[int, str]) -> dict[tuple[str, str, str], list[Any]]:
        """Crawler claims of access lines not parsed otherwise, grouped without a full parse:
        (crawler, ip, day) -> [count, first start, last start, sample starts, room for samples];
        `stamps` gets each line's UTC time."""
        groups: dict[tuple[str, str, str], list[Any]] = {}
        vhost = self.fmt == "vhost_combined"
        for start in sorted(claims):
            if start in parsed:
                continue
            name, pos, end = claims[start]
            q2 = chunk.rfind(b'"', start, end)
            q1 = chunk.rfind(b'"', start, q2)
            if not q1 < pos < q2:  # the token is not in the User-Agent (last quoted field)
                continue
            sp = chunk.find(b" ", start, end)
            ip_start = sp + 1 if vhost else start
            ip_end = chunk.find(b" ", ip_start, end) if vhost else sp
            lb = chunk.find(b"[", ip_end, end)
            rb = chunk.find(b"]", lb, end)
            if sp < 0 or lb < 0 or rb < 0:
                continue
            ts = self._stamp_ts(chunk[lb + 1:rb])
            stamps[start] = ts
            key = (name, chunk[ip_start:ip_end].decode("latin-1"), ts[:10] or "undated")
            g = groups.get(key)
            if g is None:
                have = self.claims.get(key)
                room = self.samples - (len(have.samples) if have else 0)
                groups[key] = [1, start if have is None else -1, start, [start] if room > 0 else [], room]
            else:
                g[0] += 1
                g[2] = start
                if len(g[3]) < g[4]:
                    g[3].append(start)
        return groups

    def _stamp_ts(self, stamp: bytes) -> str:
        """UTC ISO time of an access-log time (`20/Nov/2026:10:15:32 +0700`), the hour cached.

        With a whole-hour zone offset only the date and hour change in UTC, so the rest is copied.
        """
        if len(stamp) == 26 and stamp.endswith(b"00"):
            key = stamp[:14] + stamp[20:]
            head = self._days.get(key)
            if head is None:
                full = access_time(stamp.decode("latin-1"))
                head = full[:14] if full else ""
                if len(self._days) < MAX_KEYS:
                    self._days[key] = head
            if head:
                return f"{head}{stamp[15:17].decode()}:{stamp[18:20].decode()}Z"
            return ""
        return access_time(stamp.decode("latin-1"))

    def _new_scripts(self, chunk: bytes, rx: Any, targets: set[bytes], starts: set[int]) -> None:
        fresh: set[bytes] = set()
        for p in {t.split(b"?", 1)[0] for t in targets} - self._checked:
            if len(self._checked) < MAX_SCRIPTS:
                self._checked.add(p)
            text = p.decode("utf-8", "replace")
            if text not in self.scripts and is_script(text):
                fresh.add(p)
        for p in fresh:
            for m in _occurrences(chunk, rx, p, lambda v, p=p: v.split(b"?", 1)[0] == p):
                starts.add(chunk.rfind(b"\n", 0, m.start()) + 1)
                break

    def _gambling(self, targets: set[bytes]) -> set[bytes]:
        """Targets the vocabulary calls gambling slugs (prefiltered by the term automaton)."""
        auto = self.settings.automaton
        vocab = self.settings.vocabulary
        if auto is None or vocab is None or not targets:
            return set()
        order = list(targets)
        text = "\n".join(t.decode("latin-1") for t in order).lower()
        hit_idx: set[int] = set()
        if auto.kind != ahocorasick.EMPTY:
            ends = [0]
            for t in order:
                ends.append(ends[-1] + len(t) + 1)
            for end, _ in auto.iter(text):
                hit_idx.add(bisect.bisect_right(ends, end) - 1)
        out = set()
        for i in hit_idx:
            t = order[i]
            got = self._slug_cache.get(t)
            if got is None:
                got = vocab.is_gambling_slug(t.decode("utf-8", "replace"))
                if len(self._slug_cache) < MAX_KEYS:
                    self._slug_cache[t] = got
            if got:
                out.add(t)
        return out

    def _seen_ts(self, ts: str) -> None:
        if ts:
            if not self.start or ts < self.start:
                self.start = ts
            if ts > self.end:
                self.end = ts

    def _tally(self, table: dict[Any, Tally], key: Any, where: dict[str, Any]) -> Tally | None:
        have = table.get(key)
        if have is None:
            if len(table) >= MAX_KEYS:
                self.dropped += 1
                return None
            have = table[key] = Tally(where, where)
        return have

    def _add(self, text: str, line: int, slug: bool) -> dict[str, Any]:
        rec = parse_line(self.fmt, text, self.year, self.zone)
        self.lines += 1
        self._seen_ts(rec.ts)
        day = rec.ts[:10] or "undated"
        where = {"path": self.path, "line": line, "timestamp": rec.ts or None, "snippet": _snip(text)}
        path = rec.target.split("?", 1)[0]
        script = is_script(path)
        n = self.samples
        if script and path not in self.scripts and len(self.scripts) < MAX_SCRIPTS:
            self.scripts[path] = where
        if rec.method == "POST" and script:
            t = self._tally(self.posts, (path, day), where)
            if t:
                t.add(where, n, rec.ip, rec.status)
        if rec.ua:
            crawler = next((name for token, name in _UA_TOKENS if token in rec.ua), "")
            if crawler and rec.ip:
                t = self._tally(self.claims, (crawler, rec.ip, day), where)
                if t:
                    t.add(where, n)
        if is_sitemap(path):
            t = self._tally(self.sitemaps, (path, day), where)
            if t:
                t.add(where, n, rec.ip, rec.status)
                if rec.status[:1] in ("2", "3") and rec.ts:
                    t.minutes[rec.ts[:16]] += 1
        if slug and rec.status[:1] == "2" and rec.target:
            t = self._tally(self.slugs, (rec.target, day), where)
            if t:
                t.add(where, n, rec.ip, rec.status)
        return where

    # -- merging ----------------------------------------------------------------------------

    def absorb(self, other: Candidates, base: int = 0) -> None:
        """Add what a later range or file kept (its line numbers shifted by base)."""
        pairs: tuple[tuple[dict[Any, Tally], dict[Any, Tally]], ...] = (
            (self.posts, other.posts), (self.claims, other.claims),
            (self.sitemaps, other.sitemaps), (self.slugs, other.slugs))
        for mine, theirs in pairs:
            for key, t in theirs.items():
                have = mine.get(key)
                if have is not None:
                    have.absorb(t, base, self.samples)
                elif len(mine) < MAX_KEYS:
                    mine[key] = shifted(t, base)
                else:
                    self.dropped += 1
        for path, where in other.scripts.items():
            if path not in self.scripts and len(self.scripts) < MAX_SCRIPTS:
                self.scripts[path] = moved(where, base)
        self._seen_ts(other.start)
        self._seen_ts(other.end)
        self.dropped += other.dropped
        self.lines += other.lines


def _line_starts(chunk: bytes, needle: bytes, starts: set[int]) -> None:
    """Add the start offset of every line holding needle."""
    pos = chunk.find(needle)
    while pos >= 0:
        start = chunk.rfind(b"\n", 0, pos) + 1
        starts.add(start)
        end = chunk.find(b"\n", pos)
        if end < 0:
            return
        pos = chunk.find(needle, end)


def _occurrences(chunk: bytes, rx: Any, token: bytes, same: Any) -> Any:
    """Matches of the target regex whose value passes `same`, found from the token's occurrences."""
    return token_lines(chunk, rx, token, same)
