"""`build_city`: the deterministic synthetic city that `csirt demo` runs on.

What lands under dest (about 2 MB, ~375 files, ~1 s of CPU):
  inventory.csv / inventory.xlsx  ~1,200 assets: 900 websites and web apps of 40 OPD
      (165 suspended), 210 CCTV cameras and 7 NVRs (firmware as CPE 2.3), 56 public
      Wi-Fi APs, hosting/app/database servers, the 112 call centre and the data centre
  webroots/<host>/  a few files for ~56 sites; the compromised ones carry harmless
      samples (web shell in uploads, judol cloaking and doorways, defacement, skimmer,
      miner, .htaccess redirects)
  logs/web/<host>/access.log*  combined logs (+0700) with SQL injection, traversal,
      Log4Shell/Shellshock strings, Nikto/sqlmap, web shell POSTs from a known-bad IP;
      logs/servers/<srv>/auth.log  an sshd brute force
  feed/  a MISP feed (manifest.json, <uuid>.json, hashes.csv) naming a city server IP,
      a city domain, the NVR firmware CVE, the known-bad IP, and noise (8.8.8.8 ...)
The sites themselves are served by ``DemoWebServer``; ``DemoCity.expected`` lists what a
correct pipeline finds.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cached_property
from pathlib import Path

from csirt_kit.demo.expected import Expected, expected_findings
from csirt_kit.demo.feed import PHISHING_SERVER_IP, FeedHits, write_feed
from csirt_kit.demo.inventory import NVR_VULNERABLE, infra_rows, site_row, write_csv, write_xlsx
from csirt_kit.demo.logs import WIB, write_access_logs, write_auth_log
from csirt_kit.demo.names import DOMAIN
from csirt_kit.demo.sites import DemoSite, plan_sites, suspend
from csirt_kit.demo.webroots import write_webroot
from csirt_kit.errors import UsageError

# The end of the demo's week of logs and intel; fixed so every build is byte-identical.
WINDOW_END = datetime(2026, 11, 22, 23, 59, 59, tzinfo=WIB)
FEED_NAME = "kotademo-feed"
CLEAN_WEBROOTS = 36
SUSPENDED_LIVE = 12
# Log plan: which attacks end up in whose access log (profile or asset id -> attacks).
LOG_ATTACKS: dict[str, tuple[str, ...]] = {
    "webshell": ("webshell", "nikto"), "skimmer": ("recon",), "cloaking": ("googlebot",),
    "web-www": ("sqli", "traversal", "nikto", "recon"), "app-simpeg": ("sqli",),
}


@dataclass(frozen=True)
class DemoCity:
    """Paths of everything built under root, the sites and what a correct pipeline finds."""

    root: Path
    seed: int
    inventory_csv: Path
    inventory_xlsx: Path
    feed_dir: Path
    webroots_dir: Path
    logs_dir: Path
    sites: tuple[DemoSite, ...]
    expected: Expected
    window_end: datetime = WINDOW_END

    @cached_property
    def by_host(self) -> dict[str, DemoSite]:
        """Sites keyed by host name."""
        return {site.host: site for site in self.sites}

    def site(self, asset_id: str) -> DemoSite:
        """The site with this asset id."""
        for site in self.sites:
            if site.asset_id == asset_id:
                return site
        raise KeyError(asset_id)

    def write_config(self, path: Path, server_port: int) -> Path:
        """Write the TOML config of a demo run against the loopback server on server_port."""
        lines = [
            "# csirt demo: generated config (store, feed and sites all live under the demo folder)",
            "[general]", 'city = "Kota Demo"', 'timezone = "Asia/Jakarta"', "",
            "[store]", f"path = {_q(self.root / 'store' / 'csirt.db')}", "",
            "[[intel.feeds]]", f"name = {_q(FEED_NAME)}", f"path = {_q(self.feed_dir)}",
            'format = "misp"', "",
            "# The demo city's addresses are in documentation ranges, which sit on the",
            "# RFC 5735 warninglist; match warninglisted indicators so they still correlate.",
            "[intel.match]", "include_warninglisted = true", "",
            "[scan.web]", f'resolve = {{ "*.{DOMAIN}" = "127.0.0.1:{int(server_port)}" }}', "",
            "# No DNS in the demo: crawler claims in the logs are not checked (said in the summary).",
            "[scan.logs]", 'verify_crawlers = "off"', "",
            "[cases]", 'backend = "local"', "",
        ]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines), encoding="utf-8")
        return path


def _q(value: object) -> str:
    # JSON string escapes are valid TOML basic-string escapes.
    return json.dumps(str(value))


def _choose(rng: random.Random, sites: list[DemoSite], tag: str, taken: set[str],
            stack: str = "") -> DemoSite:
    pool = [s for s in sites if tag in s.tags and s.status == "active" and s.asset_id not in taken
            and (not stack or s.stack == stack)]
    pick = rng.choice(pool)
    taken.add(pick.asset_id)
    return pick


def assign_profiles(sites: list[DemoSite], rng: random.Random) -> list[DemoSite]:
    """Pick the compromised sites and the suspended sites that still answer."""
    taken: set[str] = {"app-eretribusi"}
    profiles = {"app-eretribusi": "skimmer"}
    for profile, tag, stack in (("webshell", "kelurahan", "wordpress"), ("cloaking", "smp", "wordpress"),
                                ("mobile-redirect", "puskesmas", ""), ("miner", "puskesmas", ""),
                                ("doorway", "ppid", ""), ("defaced", "opd", "")):
        profiles[_choose(rng, sites, tag, taken, stack).asset_id] = profile
    recent_events = [s for s in sites if "event" in s.tags and s.status == "active"
                     and s.host.split(".")[0].endswith("2025")]
    profiles[rng.choice(recent_events).asset_id] = "redirect"
    suspended = [s for s in sites if s.status == "suspended"]
    for site in rng.sample(suspended, SUSPENDED_LIVE):
        profiles[site.asset_id] = "suspended-live"
    out = []
    for site in sites:
        default = "suspended" if site.status == "suspended" else "clean"
        out.append(replace(site, profile=profiles.get(site.asset_id, default)))
    return out


def build_city(dest: Path, seed: int = 2026) -> DemoCity:
    """Write the whole demo city under dest (which must be empty or absent) and describe it."""
    dest = Path(dest).resolve()
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"demo folder is a file: {dest}", fix="give an empty or new folder")
    if dest.exists() and any(dest.iterdir()):
        raise UsageError(f"demo folder is not empty: {dest}",
                         fix="give an empty or new folder; the demo never writes over files")
    rng = random.Random(seed)
    sites = plan_sites(rng)
    sites = suspend(sites, rng)
    sites = assign_profiles(sites, rng)
    webroots_dir, logs_dir, feed_dir = dest / "webroots", dest / "logs", dest / "feed"
    active_clean = [s for s in sites if s.profile == "clean"]
    with_webroot = {s.asset_id for s in sites if s.profile not in ("clean", "suspended")}
    with_webroot |= {s.asset_id for s in rng.sample(active_clean, CLEAN_WEBROOTS)}
    log_plan = {s.asset_id: LOG_ATTACKS.get(s.profile, LOG_ATTACKS.get(s.asset_id, ()))
                for s in sites if s.profile in LOG_ATTACKS or s.asset_id in LOG_ATTACKS}
    quiet = [s for s in active_clean if s.asset_id not in log_plan and s.asset_id not in with_webroot]
    for site in rng.sample(quiet, 3):
        log_plan[site.asset_id] = ()
    shell_site = next(s for s in sites if s.profile == "webshell")
    auth_log = logs_dir / "servers" / shell_site.server / "auth.log"
    rows = []
    for site in sites:
        webroot = write_webroot(webroots_dir, site) if site.asset_id in with_webroot else None
        logs: list[str] = []
        if site.asset_id in log_plan:
            rotations = 3 if site.asset_id == "web-www" else 2
            write_access_logs(logs_dir / "web" / site.host, site, log_plan[site.asset_id], seed,
                              WINDOW_END, rotations)
            logs.append(str(logs_dir / "web" / site.host / "access.log*"))
        rows.append(site_row(site, str(webroot) if webroot else "", logs))
    write_auth_log(auth_log, shell_site.server, seed, WINDOW_END)
    rows += infra_rows(rng, str(auth_log), shell_site.server)
    cloaked = next(s for s in sites if s.profile == "cloaking")
    write_feed(feed_dir, FeedHits(PHISHING_SERVER_IP, cloaked.host, NVR_VULNERABLE), seed, WINDOW_END)
    inventory_csv = write_csv(dest / "inventory.csv", rows)
    inventory_xlsx = write_xlsx(dest / "inventory.xlsx", rows)
    expected = expected_findings(rows, sites, dest, log_plan, auth_log)
    return DemoCity(root=dest, seed=seed, inventory_csv=inventory_csv,
                    inventory_xlsx=inventory_xlsx, feed_dir=feed_dir, webroots_dir=webroots_dir,
                    logs_dir=logs_dir, sites=tuple(sites), expected=expected)


def remove_city(city: DemoCity) -> None:
    """Delete a demo folder built by build_city."""
    shutil.rmtree(city.root, ignore_errors=True)

