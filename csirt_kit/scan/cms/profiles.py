"""What each CMS looks like on disk: markers, version sources, upload folders, core folders."""

from __future__ import annotations

import re
from dataclasses import dataclass

# File extensions PHP runs under common Apache/nginx/PHP-FPM setups.
PHP_EXTENSIONS = frozenset({
    ".php", ".php3", ".php4", ".php5", ".php7", ".php8", ".pht", ".phtml", ".phar", ".phps",
    ".pgif",
})
# `x.php.jpg` runs as PHP under AddHandler setups; `x.jpg` does not.
_DOUBLE_EXT = re.compile(r"\.(?:php\d?|pht|phtml|phar)\.", re.IGNORECASE)
# Upload folders any PHP site may have, whatever its CMS.
GENERIC_UPLOADS = ("uploads/", "upload/", "assets/uploads/", "public/uploads/", "unggahan/",
                   "lampiran/")


@dataclass(frozen=True)
class VersionSource:
    """A file that states the version and a regex whose groups joined with '.' give it."""

    path: str
    pattern: str


@dataclass(frozen=True)
class Profile:
    """One CMS: how to recognise it and which folders hold uploads and core."""

    name: str
    label: str
    markers: tuple[tuple[str, ...], ...]  # any group whose paths all exist identifies it
    versions: tuple[VersionSource, ...] = ()
    composer_package: str = ""  # composer.lock package that carries the version
    uploads: tuple[str, ...] = ()
    core: tuple[str, ...] = ()  # folders whose every file should come from the release

    def upload_folders(self) -> tuple[str, ...]:
        """This CMS's upload folders plus the generic ones."""
        return tuple(dict.fromkeys((*self.uploads, *GENERIC_UPLOADS)))


PROFILES: tuple[Profile, ...] = (
    Profile(
        "wordpress", "WordPress",
        markers=(("wp-includes/version.php",), ("wp-load.php",), ("wp-blog-header.php",),
                 ("wp-admin/", "wp-includes/")),
        versions=(VersionSource("wp-includes/version.php", r"\$wp_version\s*=\s*'([^']+)'"),),
        uploads=("wp-content/uploads/",), core=("wp-admin/", "wp-includes/")),
    Profile(
        "joomla", "Joomla",
        markers=(("administrator/manifests/files/joomla.xml",), ("libraries/src/Version.php",),
                 ("administrator/", "components/", "libraries/")),
        versions=(VersionSource("administrator/manifests/files/joomla.xml",
                                r"<version>([^<]+)</version>"),
                  VersionSource("libraries/src/Version.php",
                                r"MAJOR_VERSION\s*=\s*(\d+);.*?MINOR_VERSION\s*=\s*(\d+);"
                                r".*?PATCH_VERSION\s*=\s*(\d+);")),
        uploads=("images/", "tmp/"), core=("libraries/src/", "includes/", "administrator/includes/")),
    Profile(
        "drupal", "Drupal",
        markers=(("core/lib/Drupal.php",), ("includes/bootstrap.inc", "misc/drupal.js")),
        versions=(VersionSource("core/lib/Drupal.php", r"const VERSION\s*=\s*'([^']+)'"),
                  VersionSource("includes/bootstrap.inc", r"define\('VERSION',\s*'([^']+)'\)")),
        composer_package="drupal/core",
        uploads=("sites/default/files/",), core=("core/", "includes/", "misc/")),
    Profile(
        "moodle", "Moodle",
        markers=(("lib/moodlelib.php", "version.php"),),
        versions=(VersionSource("version.php", r"\$release\s*=\s*'([0-9][0-9.]*)"),),
        uploads=("moodledata/",), core=("lib/",)),
    Profile(
        "slims", "SLiMS",
        markers=(("sysconfig.inc.php", "lib/"), ("sysconfig.inc.php", "admin/")),
        versions=(VersionSource("sysconfig.inc.php",
                                r"define\(\s*'SENAYAN_VERSION(?:_TAG)?'\s*,\s*'[^0-9']*v?([0-9][0-9.]*)"),),
        uploads=("files/", "images/persons/", "images/docs/", "repository/"), core=("lib/",)),
    Profile(
        "laravel", "Laravel",
        markers=(("artisan", "bootstrap/app.php"), ("../artisan", "../bootstrap/app.php")),
        composer_package="laravel/framework",
        uploads=("storage/", "public/storage/"),
        core=("vendor/laravel/framework/",)),
    Profile(
        "codeigniter", "CodeIgniter",
        markers=(("system/core/CodeIgniter.php",), ("system/CodeIgniter.php",),
                 ("../system/CodeIgniter.php",),
                 ("../vendor/codeigniter4/framework/system/CodeIgniter.php",)),
        versions=(VersionSource("system/core/CodeIgniter.php",
                                r"define\('CI_VERSION',\s*'([^']+)'\)"),
                  VersionSource("system/CodeIgniter.php", r"CI_VERSION\s*=\s*'([^']+)'"),
                  VersionSource("../vendor/codeigniter4/framework/system/CodeIgniter.php",
                                r"CI_VERSION\s*=\s*'([^']+)'")),
        composer_package="codeigniter4/framework",
        uploads=("assets/uploads/", "writable/uploads/"),
        core=("system/",)),
)
PLAIN_PHP = Profile("php", "plain PHP", markers=())
STATIC = Profile("static", "static files (no PHP)", markers=())
BY_NAME = {p.name: p for p in (*PROFILES, PLAIN_PHP, STATIC)}


def is_php_name(name: str) -> bool:
    """True for file names PHP would run (x.php, x.phtml, x.php.jpg...)."""
    lower = name.lower()
    dot = lower.rfind(".")
    return (dot > 0 and lower[dot:] in PHP_EXTENSIONS) or bool(_DOUBLE_EXT.search(lower))


def under(rel: str, folders: tuple[str, ...]) -> str:
    """The first folder of `folders` that holds `rel` ('' when none)."""
    for folder in folders:
        if rel.startswith(folder):
            return folder
    return ""
