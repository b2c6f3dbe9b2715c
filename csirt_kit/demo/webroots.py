"""Webroot trees of the demo sites: a few files each, some with harmless compromise samples."""

from __future__ import annotations

from pathlib import Path

from csirt_kit.demo import content as c
from csirt_kit.demo.sites import DemoSite

_WP_INDEX = "<?php\ndefine('WP_USE_THEMES', true);\nrequire __DIR__ . '/wp-blog-header.php';\n"
_WP_HEADER = ("<?php\n// Loads the WordPress environment and template.\n"
              "if (!isset($wp_did_header)) {\n    $wp_did_header = true;\n"
              "    require_once __DIR__ . '/wp-load.php';\n}\n")
_ROBOTS = "User-agent: *\nDisallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n"


def site_files(site: DemoSite) -> dict[str, str]:
    """Relative path -> text of every file in a site's webroot."""
    files = {
        "index.html": c.index_html(site),
        "assets/css/style.css": c.STYLE_CSS,
        "assets/js/app.js": c.APP_JS,
        "robots.txt": _ROBOTS,
        "profil/index.html": c.sub_page(site, "Profil"),
    }
    if site.stack == "wordpress":
        files["index.php"] = _WP_INDEX
        files["wp-blog-header.php"] = _WP_HEADER
    profile = site.profile
    if profile == "webshell":
        files[c.SHELL_PATH] = c.webshell_php()
    elif profile == "cloaking":
        files["index.php"] = c.cloaking_php()
        files["wp-content/languages/id_ID.html"] = c.spam_page(site)
    elif profile == "mobile-redirect":
        files[".htaccess"] = c.mobile_redirect_htaccess()
    elif profile == "redirect":
        files[".htaccess"] = c.redirect_all_htaccess()
    elif profile == "skimmer":
        files[c.SKIMMER_PATH] = c.skimmer_js()
    elif profile == "doorway":
        files["robots.txt"] = c.robots_txt(site)
        files["sitemap.xml"] = c.sitemap_xml(site)
        files[c.verification_name(site)] = c.verification_file(site)
        for slug in c.GAMBLING_SLUGS:
            files[f"{slug}/index.html"] = c.doorway_page(site, slug)
    return files


def write_webroot(root: Path, site: DemoSite) -> Path:
    """Write one site's webroot under root/<host> and return its folder."""
    folder = root / site.host
    for rel, text in sorted(site_files(site).items()):
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder
