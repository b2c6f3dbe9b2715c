"""Persistence tricks in .htaccess, .user.ini and php.ini, and the near misses that must stay quiet."""

from __future__ import annotations

from pathlib import Path

import pytest

from csirt_kit.scan.cms.persistence import find_tricks
from tests.cms.helpers import write_tree

POSITIVES = {
    "user-ini-prepend": (".user.ini", "auto_prepend_file = /var/www/html/wp-content/uploads/.cache.php\n",
                         "prepend", 1),
    "htaccess-prepend": (".htaccess", "php_value auto_prepend_file \"/tmp/.x.php\"\n", "prepend", 1),
    "php-ini-append": ("php.ini", "[PHP]\nauto_append_file=/home/u/.f.php ; footer\n", "prepend", 2),
    "addtype-image": (".htaccess", "AddType application/x-httpd-php .jpg .png\n", "handler", 1),
    "addhandler-text": (".htaccess", "AddHandler php7-script .txt\n", "handler", 1),
    "addhandler-cgi-ico": (".htaccess", "Options +ExecCGI\nAddHandler cgi-script .ico\n", "handler", 2),
    "sethandler-in-filesmatch": (".htaccess", '<FilesMatch "\\.(gif|jpe?g)$">\n'
                                 "  SetHandler application/x-httpd-php\n</FilesMatch>\n", "handler", 2),
    "sethandler-files": (".htaccess", '<Files "favicon.ico">\nForceType application/x-httpd-php\n</Files>\n',
                         "handler", 2),
    "sethandler-folder": ("wp-content/uploads/.htaccess", "SetHandler application/x-httpd-php\n",
                          "handler", 1),
    "referer-google-redirect": (".htaccess", "RewriteEngine On\n"
                                "RewriteCond %{HTTP_REFERER} google\\. [NC]\n"
                                "RewriteCond %{HTTP_USER_AGENT} (android|iphone|mobile) [NC]\n"
                                "RewriteRule ^(.*)$ https://slot-gacor.example/daftar [R=302,L]\n",
                                "crawler_rewrite", 2),
    "googlebot-internal-rewrite": (".htaccess", "RewriteEngine On\n"
                                   "RewriteCond %{HTTP_USER_AGENT} (Googlebot|bingbot) [NC,OR]\n"
                                   "RewriteCond %{HTTP_USER_AGENT} Yahoo!\\ Slurp\n"
                                   "RewriteRule ^$ /wp-content/languages/id_ID.html [L]\n",
                                   "crawler_rewrite", 2),
    "hijacked-redirect": (".htaccess", "RewriteEngine On\n"
                          "RewriteRule ^(.*)$ https://maxwin-togel.example/ [R=301,L]\n",
                          "gambling_redirect", 2),
    "redirect-directive": (".htaccess", "Redirect 302 / https://situs-judi.example/daftar\n",
                           "gambling_redirect", 1),
}

NEAR_MISSES = {
    "https-redirect": (".htaccess", "RewriteEngine On\nRewriteCond %{HTTPS} off\n"
                       "RewriteRule ^(.*)$ https://www.kotademo.go.id/$1 [R=301,L]\n"
                       "Redirect 301 /slot-jadwal https://ppid.kotademo.go.id/jadwal-layanan\n"),
    "prepend-none": (".user.ini", "auto_prepend_file = none\nauto_append_file =\n"),
    "commented": (".htaccess", "# php_value auto_prepend_file /tmp/x.php\n"
                  "#RewriteCond %{HTTP_USER_AGENT} googlebot\n#RewriteRule ^ /spam [L]\n"),
    "cpanel-handler": (".htaccess", '<FilesMatch "\\.(php4|php5|php3|php2|php|phtml)$">\n'
                       "  SetHandler application/x-lsphp74\n</FilesMatch>\n"
                       "AddHandler application/x-httpd-ea-php81 .php .php8 .phtml\n"),
    "block-bad-bots": (".htaccess", "RewriteEngine On\n"
                       "RewriteCond %{HTTP_USER_AGENT} (Googlebot-Image|baiduspider) [NC]\n"
                       "RewriteRule .* - [F,L]\n"),
    "wordpress-default": (".htaccess", "# BEGIN WordPress\n<IfModule mod_rewrite.c>\nRewriteEngine On\n"
                          "RewriteBase /\nRewriteRule ^index\\.php$ - [L]\n"
                          "RewriteCond %{REQUEST_FILENAME} !-f\nRewriteCond %{REQUEST_FILENAME} !-d\n"
                          "RewriteRule . /index.php [L]\n</IfModule>\n# END WordPress\n"),
    "addtype-fonts": (".htaccess", "AddType application/font-woff2 .woff2\nAddType image/svg+xml .svg\n"),
    "deny-php-in-uploads": ("wp-content/uploads/.htaccess", '<Files *.php>\ndeny from all\n</Files>\n'),
    "ua-mobile-theme": (".htaccess", "RewriteCond %{HTTP_USER_AGENT} (android|iphone) [NC]\n"
                        "RewriteRule ^$ /m/ [L]\n"),
}


@pytest.mark.parametrize("case", sorted(POSITIVES))
def test_trick_is_found(tmp_path: Path, run_scan, case: str) -> None:
    rel, text, rule, line = POSITIVES[case]
    report = run_scan(write_tree(tmp_path / "s", {"index.php": "<?php\n", rel: text}))
    assert [(f.kind, f.rule, f.evidence["relative_path"], f.evidence["line"]) for f in report.findings] \
        == [("cms.persistence", f"cms:{rule}", rel, line)]
    finding = report.findings[0]
    assert finding.severity == "high"
    expected_tag = "judol" if rule in ("crawler_rewrite", "gambling_redirect") else "webshell"
    assert expected_tag in finding.tags


@pytest.mark.parametrize("case", sorted(NEAR_MISSES))
def test_near_miss_is_quiet(tmp_path: Path, run_scan, case: str) -> None:
    rel, text = NEAR_MISSES[case]
    report = run_scan(write_tree(tmp_path / "s", {"index.php": "<?php\n", rel: text}))
    assert report.findings == ()


def test_pages_as_php_is_medium() -> None:
    tricks = find_tricks("AddType application/x-httpd-php .html .htm\n")
    assert [(t.rule, t.severity) for t in tricks] == [("handler", "medium")]


def test_crawler_rewrite_evidence_names_the_target() -> None:
    (trick,) = find_tricks(POSITIVES["referer-google-redirect"][1])
    assert "https://slot-gacor.example/daftar" in trick.detail
    assert "HTTP_REFERER" in trick.text and "RewriteRule" in trick.text
