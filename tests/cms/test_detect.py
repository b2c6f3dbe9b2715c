"""CMS detection and version per webroot, from the files each CMS ships."""

from __future__ import annotations

from pathlib import Path

import pytest

from csirt_kit.scan.cms import detect_cms
from tests.cms.helpers import make_wordpress, write_tree

COMPOSER = '{"packages": [{"name": "%s", "version": "v%s"}]}'
TREES: dict[str, tuple[dict[str, str], str, str]] = {
    "joomla4": ({"administrator/manifests/files/joomla.xml":
                 "<extension><version>4.4.5</version></extension>",
                 "libraries/src/Version.php": "<?php\n"}, "joomla", "4.4.5"),
    "joomla-version-class": ({"libraries/src/Version.php":
                              "<?php\nconst MAJOR_VERSION = 3;\nconst MINOR_VERSION = 10;\n"
                              "const PATCH_VERSION = 12;\n"}, "joomla", "3.10.12"),
    "drupal10": ({"core/lib/Drupal.php": "<?php\nclass Drupal {\n  const VERSION = '10.2.3';\n}\n"},
                 "drupal", "10.2.3"),
    "drupal7": ({"includes/bootstrap.inc": "<?php\ndefine('VERSION', '7.98');\n",
                 "misc/drupal.js": ""}, "drupal", "7.98"),
    "moodle": ({"version.php": "<?php\n$version = 2022112809.00;\n$release = '4.1.9+ (Build: 20240315)';\n",
                "lib/moodlelib.php": "<?php\n"}, "moodle", "4.1.9"),
    "slims": ({"sysconfig.inc.php": "<?php\ndefine('SENAYAN_VERSION', 'SLiMS 9.6.1 (Bulian)');\n",
               "lib/utility.inc.php": "<?php\n"}, "slims", "9.6.1"),
    "laravel": ({"artisan": "#!/usr/bin/env php\n", "bootstrap/app.php": "<?php\n",
                 "composer.lock": COMPOSER % ("laravel/framework", "10.48.4")}, "laravel", "10.48.4"),
    "codeigniter3": ({"system/core/CodeIgniter.php": "<?php\ndefine('CI_VERSION', '3.1.13');\n",
                      "index.php": "<?php\n"}, "codeigniter", "3.1.13"),
    "plain-php": ({"index.php": "<?php echo 'halo';\n", "style.css": ""}, "php", ""),
    "static": ({"index.html": "<html></html>\n"}, "static", ""),
}


@pytest.mark.parametrize("name", sorted(TREES))
def test_detects_cms_and_version(tmp_path: Path, name: str) -> None:
    files, cms, version = TREES[name]
    found = detect_cms(write_tree(tmp_path / name, files))
    assert (found.cms, found.version) == (cms, version)


def test_wordpress_version_and_profile(tmp_path: Path) -> None:
    found = detect_cms(make_wordpress(tmp_path / "wp", "6.5.5"))
    doc = found.to_dict()
    assert (doc["cms"], doc["version"], doc["version_source"]) == (
        "wordpress", "6.5.5", "wp-includes/version.php")
    assert "wp-content/uploads/" in doc["profile"]["uploads"]
    assert doc["profile"]["core"] == ["wp-admin/", "wp-includes/"]


def test_laravel_public_webroot_reads_the_project_above(tmp_path: Path) -> None:
    write_tree(tmp_path / "app", {"artisan": "", "bootstrap/app.php": "<?php\n",
                                  "composer.lock": COMPOSER % ("laravel/framework", "9.52.16"),
                                  "public/index.php": "<?php\n"})
    found = detect_cms(tmp_path / "app" / "public")
    assert (found.cms, found.version) == ("laravel", "9.52.16")


def test_wordpress_without_version_file_is_still_wordpress(tmp_path: Path) -> None:
    # The demo's WordPress sites only have index.php and wp-blog-header.php.
    root = write_tree(tmp_path / "w", {"index.php": "<?php\n", "wp-blog-header.php": "<?php\n"})
    found = detect_cms(root)
    assert (found.cms, found.version) == ("wordpress", "")
