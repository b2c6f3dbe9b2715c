"""What a correct pipeline must find in the demo city (checked by the demo tests)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from csirt_kit.demo import content as c
from csirt_kit.demo.feed import NVR_CVE, PHISHING_SERVER_IP, SHELL_NAME
from csirt_kit.demo.logs import BRUTE_IP, KNOWN_BAD_IP
from csirt_kit.demo.sites import WEB_ASSETS, DemoSite

NEEDS_BASELINE = ("a baseline web scan of the city before the compromise "
                  "(DemoWebServer.set_compromised(False)), then a rescan")


@dataclass(frozen=True)
class ExpectedFinding:
    """One finding a correct pipeline produces.

    ``where`` is the file path (yara.file, yara.log, ioc.log) or URL (yara.web, web.*) of
    the evidence, or "" for intel findings; ``indicator`` is "type:value" for intel and
    IoC findings; ``requires`` names a setting the default pipeline lacks ("" = none).
    """

    asset_id: str
    kind: str
    category: str
    where: str
    note: str = ""
    requires: str = ""
    indicator: str = ""


@dataclass(frozen=True)
class Expected:
    """Expected findings plus the facts the report should show."""

    findings: tuple[ExpectedFinding, ...]
    suspended_answering: tuple[str, ...]
    clean_webroots: tuple[str, ...]
    clean_logs: tuple[str, ...]
    web_assets: int = WEB_ASSETS
    suspended: int = 0
    departments: int = 0

    def for_asset(self, asset_id: str) -> tuple[ExpectedFinding, ...]:
        """The expected findings of one asset."""
        return tuple(f for f in self.findings if f.asset_id == asset_id)

    def of_kind(self, kind: str) -> tuple[ExpectedFinding, ...]:
        """The expected findings of one kind."""
        return tuple(f for f in self.findings if f.kind == kind)


def _files(site: DemoSite, root: Path) -> list[tuple[str, str, str]]:
    base = root / "webroots" / site.host
    if site.profile == "webshell":
        return [("webshell", str(base / c.SHELL_PATH), "uploaded PHP shell")]
    if site.profile == "cloaking":
        return [("judol", str(base / "wp-content/languages/id_ID.html"), "spam served to Googlebot"),
                ("judol", str(base / "index.php"), "user-agent/referer cloaking code")]
    if site.profile == "doorway":
        return [("judol", str(base / f"{slug}/index.html"), "doorway page") for slug in c.GAMBLING_SLUGS] + [
            ("judol", str(base / "index.html"), "hidden gambling links")]
    if site.profile == "defaced":
        return [("defacement", str(base / "index.html"), "defaced home page")]
    if site.profile == "skimmer":
        return [("skimmer", str(base / c.SKIMMER_PATH), "card skimmer in checkout script")]
    if site.profile == "miner":
        return [("miner", str(base / "index.html"), "crypto-miner script tag")]
    return []


def _web(site: DemoSite) -> list[tuple[str, str, str, str, str]]:
    url = site.url
    if site.profile == "webshell":
        return [("yara.web", "webshell", f"{url}{c.SHELL_PATH}", "shell login page, linked from home",
                 "")]
    if site.profile == "cloaking":
        return [("web.cloaking", "judol", url, "spam only in Googlebot's copy", ""),
                ("web.judol_content", "judol", url, "gambling title and text in the copies for Google", "")]
    if site.profile == "mobile-redirect":
        return [("web.redirect", "judol", url, f"302 to {c.GAMBLING_DOMAINS[0]}", "")]
    if site.profile == "redirect":
        return [("web.redirect", "judol", url, f"301 to {c.GAMBLING_DOMAINS[1]}", "")]
    if site.profile == "defaced":
        return [("yara.web", "defacement", url, "defaced home page", ""),
                ("web.defacement", "defacement", url, "home page replaced since the baseline",
                 NEEDS_BASELINE)]
    if site.profile == "skimmer":
        return [("yara.web", "skimmer", f"{url}{c.SKIMMER_PATH}", "same-origin skimmer script", "")]
    if site.profile == "miner":
        return [("yara.web", "miner", url, "miner script tag", "")]
    if site.profile == "doorway":
        return [("yara.web", "judol", url, "hidden gambling links", ""),
                ("web.hidden_links", "judol", url, "off-screen block of gambling links", "")]
    return []


# attack in the log plan -> (category, note) of the YARA log findings it must raise.
_LOG_ATTACKS: dict[str, tuple[tuple[str, str], ...]] = {
    "webshell": (("webshell", "POSTs to the uploaded web shell"),),
    "nikto": (("scanner", "Nikto scanner user agent"),),
    "sqli": (("log-attack", "SQL injection"), ("scanner", "sqlmap user agent")),
    "traversal": (("log-attack", "path traversal, file inclusion, Log4Shell, Shellshock"),),
    "googlebot": (), "recon": (),
}


def expected_findings(rows: Sequence[Mapping[str, str]], sites: Sequence[DemoSite], root: Path,
                      log_plan: Mapping[str, tuple[str, ...]], auth_log: Path) -> Expected:
    """Derive the expected findings from the inventory rows and the site plan."""
    found: list[ExpectedFinding] = []
    by_id = {s.asset_id: s for s in sites}
    for site in sites:
        for category, path, note in _files(site, root):
            found.append(ExpectedFinding(site.asset_id, "yara.file", category, path, note))
        for kind, category, where, note, requires in _web(site):
            found.append(ExpectedFinding(site.asset_id, kind, category, where, note, requires))
    for asset_id, attacks in sorted(log_plan.items()):
        log = str(root / "logs" / "web" / by_id[asset_id].host / "access.log")
        for attack in attacks:
            for category, note in _LOG_ATTACKS[attack]:
                found.append(ExpectedFinding(asset_id, "yara.log", category, log, note))
        if {"webshell", "recon"} & set(attacks):
            found.append(ExpectedFinding(asset_id, "ioc.log", "ioc", log, "known-bad IP in the feed",
                                         indicator=f"ip-src:{KNOWN_BAD_IP}"))
        if "webshell" in attacks:
            found.append(ExpectedFinding(asset_id, "ioc.log", "ioc", log, "web shell name in the feed",
                                         indicator=f"filename:{SHELL_NAME}"))
    auth_owner = next(r["id"] for r in rows if r["logs"] == str(auth_log))
    found.append(ExpectedFinding(auth_owner, "yara.log", "bruteforce", str(auth_log),
                                 f"ssh brute force from {BRUTE_IP}"))
    cloaked = next(s for s in sites if s.profile == "cloaking")
    found.append(ExpectedFinding(cloaked.asset_id, "intel.asset", "intel", "",
                                 "city site named in a judi online campaign",
                                 indicator=f"domain:{cloaked.host}"))
    phishing_ip = ipaddress.ip_address(PHISHING_SERVER_IP)
    for row in rows:
        ips = row["ips"].split("; ") if row["ips"] else []
        nets = [ipaddress.ip_network(n) for n in row["networks"].split("; ")] if row["networks"] else []
        if PHISHING_SERVER_IP in ips or any(phishing_ip in n for n in nets):
            # Needs [intel.match] include_warninglisted (written by DemoCity.write_config):
            # the city's documentation-range addresses sit on the RFC 5735 warninglist.
            found.append(ExpectedFinding(row["id"], "intel.asset", "intel", "",
                                         "city server hosts a phishing kit",
                                         indicator=f"ip-dst:{PHISHING_SERVER_IP}"))
        if row["kind"] == "nvr" and "4.30.085" in row["software"]:
            found.append(ExpectedFinding(row["id"], "vuln.software", "cve", "",
                                         "NVR firmware named by the feed's vulnerability object",
                                         indicator=f"vulnerability:{NVR_CVE}"))
    clean_webroots = tuple(sorted(r["id"] for r in rows if r["webroot"] and by_id[r["id"]].profile
                                  in ("clean", "suspended-live", "suspended")))
    clean_logs = tuple(sorted(a for a, attacks in log_plan.items() if not attacks))
    return Expected(
        findings=tuple(found),
        suspended_answering=tuple(s.asset_id for s in sites if s.profile == "suspended-live"),
        clean_webroots=clean_webroots, clean_logs=clean_logs,
        suspended=sum(s.status == "suspended" for s in sites),
        departments=len({s.owner for s in sites}),
    )
