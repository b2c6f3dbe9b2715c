"""The demo city's ~900 web assets: who owns them, where they are hosted, what they run."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from csirt_kit.demo.names import (
    APPS,
    DEPARTMENTS,
    DOMAIN,
    EVENT_YEARS,
    EVENTS,
    KELURAHAN,
    PUSKESMAS,
    SMP_COUNT,
)

WEB_ASSETS = 900
SUSPENDED = 165
HOSTING_SERVERS = 10

# Software profiles: (product, versions to pick from) for the application layer.
STACKS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "wordpress": (("WordPress", ("5.8.3", "6.2.2", "6.4.3", "6.5.5", "6.6.2")),
                  ("PHP", ("7.4.33", "8.1.27", "8.2.20"))),
    "joomla": (("Joomla", ("3.9.28", "3.10.12", "4.4.5")), ("PHP", ("7.4.33", "8.1.27"))),
    "laravel": (("Laravel", ("8.83.27", "9.52.16", "10.48.4")), ("PHP", ("8.1.27", "8.2.20"))),
    "codeigniter": (("CodeIgniter", ("3.1.11", "3.1.13")), ("PHP", ("7.2.34", "7.4.33"))),
    "moodle": (("Moodle", ("3.9.25", "4.1.9", "4.3.4")), ("PHP", ("7.4.33", "8.1.27"))),
    "slims": (("SLiMS", ("9.4.2", "9.6.1")), ("PHP", ("7.4.33",))),
    "ckan": (("CKAN", ("2.9.9", "2.10.4")), ("Python", ("3.9.2",))),
    "roundcube": (("Roundcube", ("1.5.3", "1.6.1")), ("PHP", ("7.4.33",))),
    "keycloak": (("Keycloak", ("21.1.2",)), ("OpenJDK", ("17.0.9",))),
    "glpi": (("GLPI", ("10.0.10",)), ("PHP", ("8.1.27",))),
    "iis": (("Microsoft IIS", ("10.0",)), ("ASP.NET", ("4.8",))),
    "php": (("PHP", ("5.6.40", "7.2.34")),),
    "nginx": (("nginx", ("1.24.0",)),),
    "spse": (("SPSE", ("4.5",)), ("Apache Tomcat", ("9.0.83",))),
}
WEB_SERVERS = (("nginx", "1.18.0"), ("Apache httpd", "2.4.57"), ("nginx", "1.22.1"))
CRITICAL_APPS = {"112", "simrs", "sso", "simpeg", "lpse", "epbb", "eretribusi", "mail", "api"}


@dataclass(frozen=True)
class DemoSite:
    """One website or web app of the demo city and how the demo server treats it."""

    asset_id: str
    host: str
    name: str
    owner: str
    owner_code: str
    kind: str
    status: str
    criticality: str
    stack: str
    tags: tuple[str, ...]
    profile: str = "clean"
    server: str = ""
    ip: str = ""
    software: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        """The site's home page URL (plain HTTP: the demo server has no TLS)."""
        return f"http://{self.host}/"


def _site(code: str, label: str, name: str, kind: str, stack: str, crit: str,
          tags: tuple[str, ...]) -> DemoSite:
    owner = next(d.name for d in DEPARTMENTS if d.code == code)
    prefix = "web" if kind == "website" else "app"
    return DemoSite(asset_id=f"{prefix}-{label}", host=f"{label}.{DOMAIN}", name=name,
                    owner=owner, owner_code=code, kind=kind, status="active",
                    criticality=crit, stack=stack, tags=tags)


def _slug(text: str) -> str:
    return text.lower().replace(" ", "-")


def plan_sites(rng: random.Random) -> list[DemoSite]:
    """Every web asset, in a stable order, all active (statuses are set afterwards)."""
    sites: list[DemoSite] = []
    for dept in DEPARTMENTS:
        is_kec = dept.code.startswith("kec-")
        sites.append(_site(dept.code, dept.code, f"Situs Resmi {dept.name}", "website",
                           rng.choice(("wordpress", "wordpress", "joomla")), "medium",
                           ("opd", "kecamatan") if is_kec else ("opd",)))
        sites.append(_site(dept.code, f"ppid-{dept.code}", f"PPID {dept.name}", "website",
                           "wordpress", "medium", ("ppid",)))
        sites.append(_site(dept.code, f"sakip-{dept.code}", f"SAKIP {dept.name}", "webapp",
                           "codeigniter", "low", ("sakip",)))
    for code, label, name, kind, stack in APPS:
        crit = "critical" if label in CRITICAL_APPS else "high"
        sites.append(_site(code, label, name, kind, stack, crit, ("spbe",)))
    for kec, villages in KELURAHAN.items():
        for village in villages:
            sites.append(_site(kec, f"kel-{_slug(village)}", f"Kelurahan {village}", "website",
                               rng.choice(("wordpress", "wordpress", "joomla")), "low",
                               ("kelurahan",)))
    for village in PUSKESMAS:
        sites.append(_site("dinkes", f"pkm-{_slug(village)}", f"Puskesmas {village}", "website",
                           "wordpress", "medium", ("puskesmas",)))
    for n in range(1, SMP_COUNT + 1):
        sites.append(_site("disdik", f"smpn{n}", f"SMP Negeri {n} Kota Demo", "website",
                           "wordpress", "low", ("sekolah", "smp")))
        sites.append(_site("disdik", f"elearning-smpn{n}", f"E-Learning SMP Negeri {n}",
                           "webapp", "moodle", "low", ("sekolah", "elearning")))
    for code, label, name in EVENTS:
        for year in EVENT_YEARS:
            sites.append(_site(code, f"{label}-{year}", f"{name} {year}", "website",
                               rng.choice(("wordpress", "joomla", "php")), "low", ("event",)))
    sd_count = WEB_ASSETS - len(sites)
    for n in range(1, sd_count + 1):
        sites.append(_site("disdik", f"sdn{n}", f"SD Negeri {n} Kota Demo", "website",
                           rng.choice(("wordpress", "wordpress", "php")), "low",
                           ("sekolah", "sd")))
    return [_hosting(site, rng) for site in sites]


def _hosting(site: DemoSite, rng: random.Random) -> DemoSite:
    """Put a site on a shared hosting server, or an SPBE app on its own app server."""
    product, versions = STACKS[site.stack][0]
    software = [f"{product} {rng.choice(versions)}"]
    software += [f"{p} {rng.choice(v)}" for p, v in STACKS[site.stack][1:]]
    if "spbe" in site.tags:
        index = [a[1] for a in APPS].index(site.host.split(".")[0])
        server, ip = f"srv-app{index // 5 + 1:02d}", f"198.51.100.{21 + index // 5}"
    else:
        n = rng.randrange(HOSTING_SERVERS)
        server, ip = f"srv-web{n + 1:02d}", f"203.0.113.{11 + n}"
    web_name, web_version = WEB_SERVERS[int(server[-2:]) % len(WEB_SERVERS)]
    software.append(f"{web_name} {web_version}")
    return replace(site, server=server, ip=ip, software=tuple(software))


def suspend(sites: list[DemoSite], rng: random.Random) -> list[DemoSite]:
    """Mark exactly SUSPENDED sites suspended: mostly old event sites, some schools and SAKIP."""
    old_events = [s for s in sites if "event" in s.tags and int(s.host.split(".")[0][-4:]) < 2023]
    others = [s for s in sites if "sd" in s.tags or "sakip" in s.tags]
    chosen = rng.sample(old_events, 140) + rng.sample(others, SUSPENDED - 140)
    ids = {s.asset_id for s in chosen}
    return [replace(s, status="suspended") if s.asset_id in ids else s for s in sites]
