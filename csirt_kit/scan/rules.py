"""The YARA rules engine: load bundled and configured rules, match, turn hits into findings.

Config keys:
  scan.rules      list of rule folders added to the bundled ones (default []). A folder
                  with web/, files/ or logs/ subfolders adds each to its scope; any other
                  folder adds to every scope.
  scan.cache_dir  where compiled rules are cached (default: the user cache dir).

Each rule file is its own namespace (its path relative to its rules folder), so a hit
names the file and the rule. Rule meta gives a finding its severity (``severity``),
title (``description``) and category (``category``, meta ``tags`` or rule tags).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yara

from csirt_kit.config import Config
from csirt_kit.errors import CsirtError
from csirt_kit.findings import make_finding
from csirt_kit.models import SEVERITIES, Finding
from csirt_kit.resources import bundled_rules
from csirt_kit.scan import cache
from csirt_kit.scan.compile import (
    DEFAULT_EXTERNALS,
    NamespaceInfo,
    RuleFile,
    RuleProblem,
    compile_all,
    compile_one,
    content_key,
    discover,
    include_files,
)
from csirt_kit.scan.snippets import snippet

__all__ = ["CATEGORIES", "SCOPES", "MatchError", "MatchTimeout", "NamespaceInfo", "RuleHit",
           "RuleProblem", "RuleSet", "StringHit", "hit_to_finding", "load_rules", "rule_roots"]

SCOPES = ("web", "files", "logs")
CATEGORIES = ("webshell", "judol", "defacement", "skimmer", "miner", "log-attack", "bruteforce",
              "scanner", "phishing", "backdoor", "obfuscation")
MAX_STRING_HITS = 20  # matched instances kept per hit (a minified file can match thousands)

ExternalValue = str | int | bool
# Any mention counts (even in a comment): a false alarm only makes result caching stricter.
_EXTERNAL_NAMES = re.compile(rb"\b(" + "|".join(DEFAULT_EXTERNALS).encode() + rb")\b")


class MatchError(CsirtError):
    """YARA could not scan one target (the run goes on; the caller records a scan error)."""


class MatchTimeout(MatchError):
    """Scanning one target took longer than the per-target timeout."""


@dataclass(frozen=True)
class StringHit:
    """One matched string instance."""

    identifier: str
    offset: int
    data: bytes


@dataclass(frozen=True)
class RuleHit:
    """One rule that matched one target."""

    namespace: str
    rule: str
    tags: tuple[str, ...]
    meta: dict[str, Any] = field(hash=False, compare=False)
    strings: tuple[StringHit, ...] = ()

    @property
    def severity(self) -> str:
        """Meta severity when it is a known one, else medium."""
        value = str(self.meta.get("severity", "medium")).lower()
        return value if value in SEVERITIES else "medium"

    @property
    def labels(self) -> tuple[str, ...]:
        """Meta category, meta tags and rule tags, normalised (``log_attack`` -> ``log-attack``)."""
        raw: list[str] = [str(self.meta.get("category", ""))]
        raw.extend(str(self.meta.get("tags", "")).replace(",", " ").split())
        raw.extend(self.tags)
        out: dict[str, None] = {}
        for label in raw:
            norm = label.strip().lower().replace("_", "-")
            if norm:
                out.setdefault(norm, None)
        return tuple(out)

    @property
    def category(self) -> str:
        """The first label that is a known category ('' when none)."""
        return next((label for label in self.labels if label in CATEGORIES), "")

    @property
    def title(self) -> str:
        """Meta description, else the rule name."""
        return str(self.meta.get("description") or self.rule)

    @property
    def ref(self) -> str:
        """``namespace:rule``, the rule reference of a finding."""
        return f"{self.namespace}:{self.rule}"

    @property
    def snippet(self) -> str:
        """Matched strings, short and escaped."""
        return snippet(s.data for s in sorted(self.strings, key=lambda s: s.offset))

    @property
    def offset(self) -> int | None:
        """Offset of the first matched string (None for condition-only rules)."""
        return min((s.offset for s in self.strings), default=None)


class RuleSet:
    """Compiled rules of some scopes, their problems and what they hold."""

    def __init__(self, compiled: bytes, rules_hash: str, namespaces: Sequence[NamespaceInfo],
                 problems: Sequence[RuleProblem], scopes: Sequence[str] = SCOPES,
                 uses_externals: bool = True) -> None:
        self.compiled = compiled  # saved form, for worker processes
        # Whether a rule may read filename/extension/...: then equal content at another path
        # may match differently, and result caches must key on the externals too.
        self.uses_externals = uses_externals
        self.rules_hash = rules_hash
        self.namespaces = tuple(namespaces)
        self.problems = tuple(problems)
        self.scopes = tuple(scopes)
        self._rules = cache.load_compiled(compiled)
        self._lock = threading.Lock()

    @property
    def yara_rules(self) -> Any:
        """The loaded yara-python Rules object."""
        return self._rules

    @property
    def errors(self) -> tuple[RuleProblem, ...]:
        """Problems that kept a file from loading."""
        return tuple(p for p in self.problems if p.level == "error")

    @property
    def warnings(self) -> tuple[RuleProblem, ...]:
        """Compiler warnings (the file still loaded)."""
        return tuple(p for p in self.problems if p.level != "error")

    @property
    def rule_count(self) -> int:
        """How many rules loaded."""
        return sum(len(n.rules) for n in self.namespaces)

    def match(self, data: bytes, *, externals: Mapping[str, ExternalValue] | None = None,
              timeout: int = 30) -> list[RuleHit]:
        """Hits of every loaded rule on `data`; MatchTimeout/MatchError when yara fails.

        Safe to call from several threads (yara scans release the GIL).
        """
        try:
            if self.uses_externals:
                # Externals are set on the shared Rules object: one caller at a time.
                with self._lock:
                    matches = self._rules.match(data=data, externals=_externals(externals),
                                                timeout=timeout)
            else:
                matches = self._rules.match(data=data, timeout=timeout)
        except yara.TimeoutError:
            raise MatchTimeout(f"YARA scan timed out after {timeout}s",
                               fix="raise the scan timeout or drop the slow rule") from None
        except yara.Error as exc:
            raise MatchError(f"YARA scan failed: {exc}") from None
        return [to_hit(m) for m in matches]

    def match_file(self, path: str, *, externals: Mapping[str, ExternalValue] | None = None,
                   timeout: int = 30) -> list[RuleHit]:
        """Hits on one file's content (read whole; callers cap sizes first)."""
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise MatchError(f"cannot read: {exc.strerror or exc}", where=path) from None
        return self.match(data, externals=externals, timeout=timeout)


def _externals(given: Mapping[str, ExternalValue] | None) -> dict[str, ExternalValue]:
    out = dict(DEFAULT_EXTERNALS)
    if given:
        out.update({k: v for k, v in given.items() if k in DEFAULT_EXTERNALS})
    return out


def to_hit(match: Any) -> RuleHit:
    """A yara-python Match as a RuleHit (string instances capped)."""
    strings: list[StringHit] = []
    for s in match.strings:
        for inst in s.instances:
            if len(strings) >= MAX_STRING_HITS:
                break
            strings.append(StringHit(s.identifier, int(inst.offset), bytes(inst.matched_data)))
    strings.sort(key=lambda s: s.offset)
    return RuleHit(match.namespace, match.rule, tuple(match.tags), dict(match.meta), tuple(strings))


def rule_roots(config: Config | None, extra: Sequence[Path] = (), scopes: Sequence[str] = SCOPES,
               include_bundled: bool = True) -> list[tuple[Path, Path]]:
    """(folder or file, namespace base) pairs for the bundled rules, configured folders and extras."""
    roots: list[tuple[Path, Path]] = []
    configured: list[Path] = []
    if include_bundled:
        bundled = bundled_rules()
        roots.extend((bundled / s, bundled) for s in scopes if (bundled / s).is_dir())
        configured = [Path(str(p)).expanduser() for p in (config.get("scan.rules", []) or [])
                      ] if config else []
    for folder in [*configured, *extra]:
        if folder.is_file():
            roots.append((folder, folder.parent))
            continue
        if not folder.is_dir():
            roots.append((folder, folder.parent))  # becomes a "cannot read" problem
            continue
        scoped = [folder / s for s in SCOPES if (folder / s).is_dir()]
        if scoped:
            roots.extend((folder / s, folder) for s in scopes if (folder / s).is_dir())
        else:
            roots.append((folder, folder))
    return roots


def load_rules(config: Config | None = None, extra: Sequence[Path] = (),
               scopes: Sequence[str] = SCOPES, use_cache: bool = True,
               include_bundled: bool = True) -> RuleSet:
    """Compile (or load from the cache) the rules of the given scopes; bad files become problems.

    ``include_bundled=False`` loads only `extra` (what ``rules check PATH`` checks).
    """
    roots = rule_roots(config, extra, scopes, include_bundled)
    files, problems = discover([r for r in roots if r[0].exists()])
    problems.extend(RuleProblem(str(f), 0, "no such file or folder") for f, _ in roots
                    if not f.exists())
    includes = include_files(sorted({b for _, b in roots if b.is_dir()}))
    key = content_key(files, includes)
    uses = any(_EXTERNAL_NAMES.search(blob) for blob in [*(f.content for f in files), *includes])
    cache_dir = cache.cache_dir(config) if use_cache else None
    hit = cache.load(cache_dir, key) if cache_dir else None
    if hit is not None:
        compiled, namespaces, cached_problems = hit
        return RuleSet(compiled, key, namespaces, [*problems, *cached_problems], scopes, uses)
    compiled, namespaces, compile_problems = build(files)
    if cache_dir:
        cache.store(cache_dir, key, compiled, namespaces, compile_problems)
    return RuleSet(compiled, key, namespaces, [*problems, *compile_problems], scopes, uses)


def build(files: Sequence[RuleFile]) -> tuple[bytes, list[NamespaceInfo], list[RuleProblem]]:
    """Compile each file alone (to locate problems), then the good ones together."""
    good: list[RuleFile] = []
    namespaces: list[NamespaceInfo] = []
    problems: list[RuleProblem] = []
    for f in files:
        info, found = compile_one(f)
        problems.extend(found)
        if info is not None:
            good.append(f)
            namespaces.append(info)
    return cache.save_compiled(compile_all(good)), namespaces, problems


def hit_to_finding(hit: RuleHit, *, kind: str, asset_id: str | None, locus: str,
                   evidence: Mapping[str, Any] | None = None, seen: str = "") -> Finding:
    """A finding for one hit: fingerprint from kind, asset, namespace:rule and locus."""
    ev: dict[str, Any] = {"snippet": hit.snippet, "offset": hit.offset,
                          "strings": sorted({s.identifier for s in hit.strings})}
    for key in ("description", "reference", "author"):
        if hit.meta.get(key):
            ev[f"rule_{key}"] = hit.meta[key]
    ev.update(evidence or {})
    tags: Iterable[str] = hit.labels
    return make_finding(kind, hit.severity, hit.title, asset_id=asset_id, ref=hit.ref, locus=locus,
                        rule=hit.ref, tags=tags, evidence=ev, seen=seen)
