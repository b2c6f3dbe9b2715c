"""Settings of the CMS scanner, from ``[scan.cms]`` and the asset's inventory tags.

Config keys (``[scan.cms]``):
  known_verification_tokens  tokens the city itself uses with Google/Bing/Yandex (default [])
  own_domains                domains a sitemap may point to besides the asset's own (default [])
  gambling_terms             words added to the bundled gambling vocabulary (default [])
  max_read                   bytes read from one file for content checks (default 4194304)
  workers                    threads walking and hashing webroots (default 0: one per core, at most 4)
  fetch_checksums            fetch a missing WordPress release manifest online (default false)
  checksums_url              URL template with {version} (default: the WordPress checksums API)
  fetch_timeout              seconds for that fetch (default 20)

Per asset, inventory tags ``gsv:TOKEN`` (Google), ``msv:TOKEN`` (Bing) and ``yv:TOKEN``
(Yandex) add tokens that asset uses.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from csirt_kit.config import Config
from csirt_kit.errors import ConfigError
from csirt_kit.judol.vocab import Vocabulary, load_vocabulary
from csirt_kit.models import Asset

TOKEN_TAG_PREFIXES = ("gsv:", "msv:", "yv:")
WORDPRESS_CHECKSUMS_URL = "https://api.wordpress.org/core/checksums/1.0/?version={version}&locale=en_US"


def _str_list(config: Config, key: str) -> tuple[str, ...]:
    value = config.get(f"scan.cms.{key}", [])
    if isinstance(value, str):
        value = [v for v in value.replace(";", ",").split(",")]
    if not isinstance(value, list):
        raise ConfigError(f"scan.cms.{key} must be a list of strings", where=config.where(),
                          fix=f'write {key} = ["..."] under [scan.cms]')
    return tuple(str(v).strip() for v in value if str(v).strip())


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"fetch_checksums: expected true or false, got {value!r}")


@dataclass(frozen=True)
class CmsOptions:
    """What the CMS scanner knows beyond the webroot itself."""

    known_tokens: frozenset[str] = frozenset()
    own_domains: tuple[str, ...] = ()
    gambling_terms: frozenset[str] = frozenset()
    vocabulary: Vocabulary = field(default_factory=load_vocabulary)  # bundled lists + [judol]
    max_read: int = 4 * 1024 * 1024
    fetch_checksums: bool = False
    checksums_url: str = WORDPRESS_CHECKSUMS_URL
    fetch_timeout: float = 20.0
    workers: int = field(default_factory=lambda: min(4, os.cpu_count() or 1))

    @classmethod
    def from_config(cls, config: Config | None) -> CmsOptions:
        """Options from ``[scan.cms]``, defaults otherwise; a bad value is a ConfigError."""
        if config is None:
            return cls()
        cores = min(4, os.cpu_count() or 1)
        try:
            return cls(
                known_tokens=frozenset(
                    t.lower() for t in _str_list(config, "known_verification_tokens")),
                own_domains=tuple(d.lower().strip(".") for d in _str_list(config, "own_domains")),
                gambling_terms=frozenset(t.lower() for t in _str_list(config, "gambling_terms")),
                vocabulary=load_vocabulary(config),
                max_read=int(config.get("scan.cms.max_read", cls.max_read)),
                fetch_checksums=_bool(config.get("scan.cms.fetch_checksums", False)),
                checksums_url=str(config.get("scan.cms.checksums_url", cls.checksums_url)),
                fetch_timeout=float(config.get("scan.cms.fetch_timeout", cls.fetch_timeout)),
                workers=int(config.get("scan.cms.workers", 0) or cores),
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"bad value under [scan.cms]: {exc}", where=config.where(),
                              fix="see the keys in README's CMS section") from None

    def tokens_for(self, asset: Asset | None) -> frozenset[str]:
        """Global tokens plus those the asset's tags name (lower case)."""
        tags: Iterable[str] = asset.tags if asset else ()
        own = {t.split(":", 1)[1].strip().lower() for t in tags
               if t.lower().startswith(TOKEN_TAG_PREFIXES)}
        return self.known_tokens | own

    def home_hosts(self, asset: Asset | None) -> tuple[str, ...]:
        """Hosts a sitemap of this asset may point to."""
        return (*(asset.all_hosts if asset else ()), *self.own_domains)
