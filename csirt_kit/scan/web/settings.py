"""Settings of web scans, read from ``[scan.web]`` with declared defaults.

Config keys (``[scan.web]``), with defaults:
  workers         64       pages fetched at once (thread pool)
  per_host        1        requests at once to one host (politeness)
  timeout         10       seconds to connect and between bytes of one request
  total_timeout   30       seconds for one whole response
  max_bytes       2097152  a body larger than this is cut there (and a scan error recorded)
  max_redirects   5        in-scope redirects followed per page
  max_scripts     5        same-origin <script src> fetched per page
  max_links       5        same-origin linked pages fetched per page
  verify_tls      true     false turns TLS verification off (with a warning)
  ca_bundle       ""       a PEM file of CA certificates to trust instead of the system's
  identities      browser and googlebot: [{name, user_agent, crawler}]; each page is
                  fetched as every identity; crawler copies are compared with the first
                  non-crawler copy (cloaking)
  cloaking_terms  gambling-spam words that count as spam in a crawler-only copy
  defacement_similarity  0.5  snapshot similarity below which a change is "large"
  resolve         {} host or "*.domain" -> "address[:port]"; like curl --resolve, the
                  connection goes to that address, the URL, Host header and TLS name stay
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from csirt_kit.config import Config
from csirt_kit.errors import ConfigError

BROWSER_UA = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/124.0 Safari/537.36")
GOOGLEBOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
CLOAKING_TERMS = ("slot gacor", "maxwin", "togel", "judi online", "situs judi", "slot online",
                  "scatter hitam", "rtp live", "bandar", "sbobet", "pragmatic play", "slot88")


@dataclass(frozen=True)
class Identity:
    """One way of presenting ourselves: a name, a User-Agent, crawler or not."""

    name: str
    user_agent: str
    crawler: bool = False


DEFAULT_IDENTITIES = (Identity("browser", BROWSER_UA), Identity("googlebot", GOOGLEBOT_UA, True))


@dataclass(frozen=True)
class WebSettings:
    """Everything a web scan needs to know besides its targets."""

    workers: int = 64
    per_host: int = 1
    timeout: float = 10.0
    total_timeout: float = 30.0
    max_bytes: int = 2 << 20
    max_redirects: int = 5
    max_scripts: int = 5
    max_links: int = 5
    verify_tls: bool = True
    ca_bundle: str = ""
    identities: tuple[Identity, ...] = DEFAULT_IDENTITIES
    cloaking_terms: tuple[str, ...] = CLOAKING_TERMS
    defacement_similarity: float = 0.5
    resolve: Mapping[str, str] = field(default_factory=dict)


def _identities(raw: Any, where: str) -> tuple[Identity, ...]:
    if not isinstance(raw, list) or not raw:
        raise ConfigError("scan.web.identities: must be a non-empty list of tables", where=where,
                          fix='e.g. identities = [{name = "browser", user_agent = "Mozilla/5.0 ..."}]')
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping) or not item.get("name") or not item.get("user_agent"):
            raise ConfigError(f"scan.web.identities.{i}: needs name and user_agent", where=where)
        out.append(Identity(str(item["name"]), str(item["user_agent"]), bool(item.get("crawler", False))))
    if all(i.crawler for i in out):
        raise ConfigError("scan.web.identities: at least one must not be a crawler", where=where,
                          fix="crawler copies are compared with a browser copy")
    return tuple(out)


def web_settings(config: Config | None) -> WebSettings:
    """WebSettings from the config (defaults for missing keys); bad values are ConfigErrors."""
    if config is None:
        return WebSettings()
    d = WebSettings()
    where = config.where()
    sec = config.get("scan.web", {}) or {}
    if not isinstance(sec, Mapping):
        raise ConfigError("scan.web: must be a table", where=where)
    resolve = sec.get("resolve", {})
    if not isinstance(resolve, Mapping):
        raise ConfigError("scan.web.resolve: must be a table of host = \"address:port\"", where=where)
    try:
        return WebSettings(
            workers=max(1, int(sec.get("workers", d.workers))),
            per_host=max(1, int(sec.get("per_host", d.per_host))),
            timeout=float(sec.get("timeout", d.timeout)),
            total_timeout=float(sec.get("total_timeout", d.total_timeout)),
            max_bytes=int(sec.get("max_bytes", d.max_bytes)),
            max_redirects=int(sec.get("max_redirects", d.max_redirects)),
            max_scripts=int(sec.get("max_scripts", d.max_scripts)),
            max_links=int(sec.get("max_links", d.max_links)),
            verify_tls=_bool(sec.get("verify_tls", True)),
            ca_bundle=str(sec.get("ca_bundle", "")),
            identities=_identities(sec["identities"], where) if "identities" in sec else d.identities,
            cloaking_terms=tuple(str(t).lower() for t in sec.get("cloaking_terms", d.cloaking_terms)),
            defacement_similarity=float(sec.get("defacement_similarity", d.defacement_similarity)),
            resolve={str(k).lower(): str(v) for k, v in resolve.items()},
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"scan.web: bad value: {exc}", where=where) from None


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no", "off")
    return bool(value)
