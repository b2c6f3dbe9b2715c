"""Options of the log heuristics from ``[scan.logs]`` (the keys are listed in heuristics.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import ahocorasick

from csirt_kit.config import Config
from csirt_kit.errors import ConfigError
from csirt_kit.scan.logs.crawlers import CrawlerCheck

# Core endpoints that take POSTs by design; a web shell is never one of these exact paths.
WEBSHELL_IGNORE = ("/wp-login.php", "/xmlrpc.php", "/wp-cron.php", "/wp-admin/admin-ajax.php",
                   "/wp-admin/admin-post.php", "/wp-comments-post.php", "/index.php",
                   "/administrator/index.php", "/login/index.php", "/user/login")
EXTRA_UPLOADS = ("files/", "media/", "images/", "moodledata/", "wp-content/uploads/",
                 "sites/default/files/")
_WORD = re.compile(r"[a-z0-9]+")


def _upload_folders(extra: Sequence[str]) -> tuple[str, ...]:
    from csirt_kit.scan.cms.profiles import BY_NAME

    folders = [f for p in BY_NAME.values() for f in p.upload_folders()]
    return tuple(dict.fromkeys(f.strip("/") + "/" for f in (*folders, *EXTRA_UPLOADS, *extra)
                               if f.strip("/")))


def prefilter_terms(vocab: Any) -> tuple[str, ...]:
    """Words of 3+ letters that every gambling slug of the vocabulary contains one of."""
    words: set[str] = set()
    for group in (vocab.strong, vocab.weak, vocab.fragments):
        words.update(group)
    for phrase in (*vocab.phrases, *vocab.weak_phrases):
        words.update(phrase.split())
    for pattern in vocab.patterns:  # the letters of a regex entry (slot\d{2,} -> slot)
        words.update(_WORD.findall(re.sub(r"\\[a-zA-Z]|\{[^}]*\}|\[[^\]]*\]", " ", pattern)))
    # digits alone ("bet 200", "new member 100") come with a word that is kept
    return tuple(sorted(w for w in words if len(w) >= 3 and not w.isdigit()))


@dataclass(frozen=True)
class HeuristicSettings:
    """Options of the log heuristics (see the module docstring for the config keys)."""

    enabled: bool = True
    crawlers: CrawlerCheck = field(default_factory=CrawlerCheck)
    upload_folders: tuple[str, ...] = field(default_factory=lambda: _upload_folders(()))
    new_after_hours: float = 24.0
    webshell_min_posts: int = 3
    webshell_max_ips: int = 3
    webshell_ignore: tuple[str, ...] = WEBSHELL_IGNORE
    sitemap_burst: int = 20
    sitemap_window: int = 60
    vocabulary: Any = None  # csirt_kit.judol Vocabulary (None: no gambling-slug rule)
    automaton: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.vocabulary is not None and self.automaton is None:
            object.__setattr__(self, "automaton", term_automaton(prefilter_terms(self.vocabulary)))


def _strs(config: Config, key: str) -> tuple[str, ...]:
    value = config.get(f"scan.logs.{key}", []) or []
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"scan.logs.{key}: must be a list of strings", where=config.where())
    return tuple(value)


def heuristic_settings(config: Config | None) -> HeuristicSettings:
    """HeuristicSettings from ``[scan.logs]`` (defaults for missing keys; the judol vocabulary)."""
    from csirt_kit.judol.vocab import load_vocabulary

    if config is None:
        return HeuristicSettings(vocabulary=load_vocabulary(None))
    get = config.get
    mode = str(get("scan.logs.verify_crawlers", "dns")).lower()
    if mode not in ("dns", "off"):
        raise ConfigError(f"scan.logs.verify_crawlers: {mode!r} is not dns or off", where=config.where(),
                          fix='verify_crawlers = "dns" (check in DNS) or "off" (offline)')
    try:
        d = CrawlerCheck()
        check = CrawlerCheck(mode, float(get("scan.logs.dns_timeout", d.timeout)),
                             float(get("scan.logs.dns_budget", d.budget)),
                             int(get("scan.logs.dns_max_lookups", d.max_lookups)))
        h = HeuristicSettings
        return HeuristicSettings(
            enabled=str(get("scan.logs.heuristics", True)).lower() not in ("false", "0", "no", "off"),
            crawlers=check, upload_folders=_upload_folders(_strs(config, "upload_folders")),
            new_after_hours=float(get("scan.logs.new_after_hours", h.new_after_hours)),
            webshell_min_posts=int(get("scan.logs.webshell_min_posts", h.webshell_min_posts)),
            webshell_max_ips=int(get("scan.logs.webshell_max_ips", h.webshell_max_ips)),
            webshell_ignore=(*WEBSHELL_IGNORE, *_strs(config, "webshell_ignore")),
            sitemap_burst=int(get("scan.logs.sitemap_burst", h.sitemap_burst)),
            sitemap_window=int(get("scan.logs.sitemap_window", h.sitemap_window)),
            vocabulary=load_vocabulary(config))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"[scan.logs]: a heuristic option is not a number: {exc}",
                          where=config.where()) from None



def term_automaton(terms: tuple[str, ...]) -> ahocorasick.Automaton | None:
    """An automaton of lower-case prefilter terms (None for no terms)."""
    if not terms:
        return None
    auto = ahocorasick.Automaton()
    for t in terms:
        auto.add_word(t, t)
    auto.make_automaton()
    return auto
