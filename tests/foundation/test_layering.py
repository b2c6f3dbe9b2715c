"""Vendor SDKs are imported only by the backend modules that wrap them (DESIGN section 2)."""

from __future__ import annotations

from tests.foundation.test_cli_conventions import PACKAGE, imported_modules

# SDK -> the modules allowed to import it. Everything else goes through these.
ALLOWED = {
    "yara": {"scan/rules.py", "scan/cache.py", "scan/compile.py", "cluster/worker.py"},
    "pymisp": {"intel/misp_server.py", "intel/warninglists.py", "demo/feed.py"},
    "pymispwarninglists": {"intel/warninglists.py"},
    "thehive4py": {"cases/thehive.py", "cases/thehive_client.py", "cases/thehive_alerts.py"},
}


def test_vendor_sdks_stay_in_their_backend_modules() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = str(path.relative_to(PACKAGE))
        for module in imported_modules(path):
            root = module.split(".")[0]
            if root in ALLOWED and rel not in ALLOWED[root]:
                offenders.append(f"csirt_kit/{rel} imports {module}")
    assert not offenders, "\n".join(offenders)


def test_allowed_modules_exist() -> None:
    for modules in ALLOWED.values():
        for rel in modules:
            assert (PACKAGE / rel).is_file(), f"csirt_kit/{rel} is gone: update ALLOWED"
