"""PHP under upload folders, search-engine verification tokens, gambling sitemaps and robots.txt."""

from __future__ import annotations

from pathlib import Path

import pytest

from csirt_kit.models import Asset
from csirt_kit.scan.cms.options import CmsOptions
from tests.cms.helpers import kinds, make_wordpress, write_tree

HARMLESS_PHP = "<?php echo 'csirt-kit test sample';\n"


@pytest.mark.parametrize("rel", [
    "wp-content/uploads/2026/11/wp-cache.php", "wp-content/uploads/a.phtml",
    "wp-content/uploads/2025/x.php5", "wp-content/uploads/img.php.jpg", "wp-content/uploads/t.PHAR",
])
def test_php_under_wordpress_uploads_is_high(tmp_path: Path, run_scan, rel: str) -> None:
    root = make_wordpress(tmp_path / "wp", extra={rel: HARMLESS_PHP})
    report = run_scan(root)
    assert kinds(report) == [("cms.upload_php", rel)]
    finding = report.findings[0]
    assert finding.severity == "high" and "webshell" in finding.tags
    assert finding.evidence["upload_folder"] == "wp-content/uploads/"
    assert len(finding.evidence["sha256"]) == 64


def test_images_and_empty_guards_in_uploads_are_fine(tmp_path: Path, run_scan) -> None:
    root = make_wordpress(tmp_path / "wp", extra={
        "wp-content/uploads/index.php": "<?php\n// Silence is golden.\n",
        "wp-content/uploads/2024/doc.pdf": "%PDF-1.4",
        "wp-content/uploads/2024/php-tips.txt": "x",
        "wp-content/plugins/forms/form.php": HARMLESS_PHP,  # plugins are not uploads
    })
    assert run_scan(root).findings == ()


def test_generic_and_profile_upload_folders(tmp_path: Path, run_scan) -> None:
    root = write_tree(tmp_path / "app", {"index.php": "<?php\n", "uploads/berkas/surat.php": HARMLESS_PHP,
                                         "lampiran/a.phtml": HARMLESS_PHP})
    assert kinds(run_scan(root)) == [("cms.upload_php", "lampiran/a.phtml"),
                                     ("cms.upload_php", "uploads/berkas/surat.php")]
    joomla = write_tree(tmp_path / "joomla", {
        "administrator/manifests/files/joomla.xml": "<version>4.4.5</version>",
        "images/banners/x.php": HARMLESS_PHP})
    assert kinds(run_scan(joomla)) == [("cms.upload_php", "images/banners/x.php")]


def test_rescan_gives_the_same_fingerprints(tmp_path: Path, run_scan) -> None:
    root = make_wordpress(tmp_path / "wp", extra={"wp-content/uploads/a.php": HARMLESS_PHP})
    first = {f.fingerprint for f in run_scan(root).findings}
    assert first and first == {f.fingerprint for f in run_scan(root).findings}


GOOGLE = "google1a2b3c4d5e6f7a8b.html"
META = ('<head><meta name="google-site-verification" content="AbCdEfGhIjKlMnOp_attacker-123" />\n'
        "<meta content='1234567890ABCDEF1234567890ABCDEF' name='msvalidate.01'>\n"
        '<meta name="yandex-verification" content="0a1b2c3d4e5f6a7b" /></head>\n')


def test_unknown_verification_files_and_meta_tags(tmp_path: Path, run_scan) -> None:
    root = write_tree(tmp_path / "s", {
        "index.php": "<?php\n", GOOGLE: f"google-site-verification: {GOOGLE}\n",
        "yandex_00aa11bb22cc33dd.html": "<html>Verification: 00aa11bb22cc33dd</html>",
        "BingSiteAuth.xml": '<?xml version="1.0"?><users><user>BING0TOKEN42</user></users>',
        "themes/kota/header.php": META,
    })
    report = run_scan(root)
    tokens = sorted((f.evidence["engine"], f.evidence["token"], f.evidence["how"]) for f in report.findings)
    assert tokens == [("bing", "1234567890ABCDEF1234567890ABCDEF", "meta"),
                      ("bing", "BING0TOKEN42", "file"),
                      ("google", "1a2b3c4d5e6f7a8b", "file"),
                      ("google", "AbCdEfGhIjKlMnOp_attacker-123", "meta"),
                      ("yandex", "00aa11bb22cc33dd", "file"),
                      ("yandex", "0a1b2c3d4e5f6a7b", "meta")]
    assert {f.kind for f in report.findings} == {"cms.verification_token"}
    assert all(f.severity == "high" and "judol" in f.tags for f in report.findings)


def test_known_tokens_from_config_and_asset_tags_are_quiet(tmp_path: Path, run_scan) -> None:
    root = write_tree(tmp_path / "s", {"index.html": "<html></html>", GOOGLE: "x",
                                       "themes/header.php": META})
    options = CmsOptions(known_tokens=frozenset({"google1a2b3c4d5e6f7a8b.html",
                                                 "1234567890abcdef1234567890abcdef"}))
    asset = Asset(id="web-dinas", name="Dinas", kind="website",
                  tags=("gsv:abcdefghijklmnop_attacker-123", "yv:0a1b2c3d4e5f6a7b"))
    report = run_scan(root, asset, options)
    assert report.findings == ()
    assert report.stats["verification_known"] == 4
    # The same tokens with no asset and no config are all unknown.
    assert len(run_scan(root).findings) == 4


def test_meta_tag_lookalikes_are_not_tokens(tmp_path: Path, run_scan) -> None:
    root = write_tree(tmp_path / "s", {
        "index.php": '<?php\n// google-site-verification is set in the theme options\n',
        "header.php": '<meta name="google-site-verification" content="<?php echo $gsv; ?>">',
        "googlefonts.html": "<html></html>", "google-analytics.html": "<html></html>",
    })
    assert run_scan(root).findings == ()


SLUGS = ("slot-gacor-maxwin", "togel-hari-ini", "rtp-live-slot88", "situs-judi-bola")


def test_gambling_and_foreign_sitemaps_and_robots(tmp_path: Path, run_scan) -> None:
    host = "kelurahan-a.kotademo.go.id"
    urls = "".join(f"<url><loc>https://{host}/{s}/</loc></url>" for s in SLUGS)
    root = write_tree(tmp_path / "s", {
        "index.html": "<html></html>",
        "sitemap.xml": f"<urlset><url><loc>https://{host}/berita/</loc></url>{urls}</urlset>",
        "sitemap-post.xml": "<urlset><url><loc>https://promo-hoki.example.com/a/</loc></url></urlset>",
        "robots.txt": "User-agent: *\nAllow: /slot-gacor-maxwin/\nDisallow: /wp-admin/\n",
    })
    asset = Asset(id="kel-a", name="Kelurahan A", kind="website", urls=(f"https://{host}/",))
    report = run_scan(root, asset)
    got = {f.evidence["relative_path"]: f for f in report.findings}
    assert set(got) == {"sitemap.xml", "sitemap-post.xml", "robots.txt"}
    assert len(got["sitemap.xml"].evidence["gambling_urls"]) == 4
    assert got["sitemap.xml"].severity == "high" and got["sitemap.xml"].evidence["foreign_urls"] == []
    assert got["sitemap-post.xml"].severity == "medium"
    assert got["sitemap-post.xml"].evidence["foreign_urls"] == ["https://promo-hoki.example.com/a/"]
    assert got["robots.txt"].evidence["gambling_urls"] == ["/slot-gacor-maxwin/"]


def test_ordinary_sitemaps_and_robots_are_fine(tmp_path: Path, run_scan) -> None:
    host = "dinkes.kotademo.go.id"
    root = write_tree(tmp_path / "s", {
        "sitemap.xml": (f"<urlset><url><loc>https://{host}/slot-pendaftaran-vaksin/</loc></url>"
                        f"<url><loc>https://ppid.kotademo.go.id/informasi/</loc></url>"
                        f"<url><loc>https://{host}/jadwal-live-streaming/</loc></url></urlset>"),
        "robots.txt": f"User-agent: *\nDisallow: /wp-admin/\nSitemap: https://{host}/sitemap.xml\n",
    })
    asset = Asset(id="dinkes", name="Dinkes", kind="website", hostnames=(host,))
    assert run_scan(root, asset).findings == ()
