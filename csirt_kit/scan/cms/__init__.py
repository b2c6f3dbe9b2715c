"""CMS-aware webroot scanning: profiles, core integrity, search-engine traces, persistence tricks.

Entry points: ``scan_cms(store, config, progress)`` (every active asset's webroot, for
``csirt run``), ``scan_paths(...)``, ``detect_cms(path)``, ``import_manifest(...)`` and
``PristineCore(store).is_pristine(path)`` for scanners that skip pristine core files.
"""

from csirt_kit.scan.cms.checksums import import_manifest, list_releases
from csirt_kit.scan.cms.detect import Detection, detect_cms
from csirt_kit.scan.cms.integrity import PristineCore, is_pristine_core
from csirt_kit.scan.cms.scanner import scan_cms, scan_paths

KINDS = ("cms.upload_php", "cms.core_modified", "cms.core_unknown", "cms.verification_token",
         "cms.sitemap_spam", "cms.persistence")

__all__ = ["KINDS", "Detection", "PristineCore", "detect_cms", "import_manifest", "is_pristine_core",
           "list_releases", "scan_cms", "scan_paths"]
