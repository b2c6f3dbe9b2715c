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
  identities      four: browser (desktop Chrome), browser-from-google (the same with
                  Referer https://www.google.com/), googlebot (crawler) and
                  mobile-from-google (Android Chrome with the Google referer);
                  [{name, user_agent, crawler, referer}]; each page is fetched as every
                  identity and every copy is compared with the first non-crawler one
                  (cloaking, conditional redirects)
  cloaking_terms  gambling-spam words that count as spam in a copy only some identities see
                  (the [judol] vocabulary counts too)
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
from csirt_kit.judol.vocab import Vocabulary, load_vocabulary

BROWSER_UA = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/124.0 Safari/537.36")
GOOGLEBOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
MOBILE_UA = ("Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/124.0 Mobile Safari/537.36")
GOOGLE_REFERER = "https://www.google.com/"
CLOAKING_TERMS = ("slot gacor", "maxwin", "togel", "judi online", "situs judi", "slot online",
                  "scatter hitam", "rtp live", "bandar", "sbobet", "pragmatic play", "slot88")


@dataclass(frozen=True)
class Identity:
    """One way of presenting ourselves: a name, a User-Agent, crawler or not, a Referer or none."""

    name: str
    user_agent: str
    crawler: bool = False
    referer: str = ""


DEFAULT_IDENTITIES = (Identity("browser", BROWSER_UA),
                      Identity("browser-from-google", BROWSER_UA, referer=GOOGLE_REFERER),
                      Identity("googlebot", GOOGLEBOT_UA, True),
                      Identity("mobile-from-google", MOBILE_UA, referer=GOOGLE_REFERER))


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
    vocabulary: Vocabulary = field(default_factory=load_vocabulary)  # [judol] lists


def _identities(raw: Any, where: str) -> tuple[Identity, ...]:
    if not isinstance(raw, list) or not raw:
        raise ConfigError("scan.web.identities: must be a non-empty list of tables", where=where,
                          fix='e.g. identities = [{name = "browser", user_agent = "Mozilla/5.0 ..."}, '
                              '{name = "from-google", user_agent = "...", referer = "https://www.google.com/"}]')
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping) or not item.get("name") or not item.get("user_agent"):
            raise ConfigError(f"scan.web.identities.{i}: needs name and user_agent", where=where)
        referer = str(item.get("referer", "") or "")
        if referer and not referer.startswith(("http://", "https://")):
            raise ConfigError(f"scan.web.identities.{i}.referer: must be an http(s) URL", where=where,
                              fix='e.g. referer = "https://www.google.com/"')
        out.append(Identity(str(item["name"]), str(item["user_agent"]), bool(item.get("crawler", False)),
                            referer))
    names = [i.name for i in out]
    if len(set(names)) != len(names):
        raise ConfigError("scan.web.identities: names must be different", where=where)
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
            vocabulary=load_vocabulary(config),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"scan.web: bad value: {exc}", where=where) from None


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no", "off")
    return bool(value)
