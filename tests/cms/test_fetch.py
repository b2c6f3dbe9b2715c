"""The optional online manifest fetch, against a loopback server (never the real API in tests)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from csirt_kit.scan.cms import list_releases
from csirt_kit.scan.cms.options import CmsOptions
from csirt_kit.store.db import Store
from tests.cms.helpers import kinds, make_wordpress, manifest_of

MANIFESTS: dict[str, dict[str, str]] = {}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        version = parse_qs(urlsplit(self.path).query).get("version", [""])[0]
        if version == "9.9.9":
            self.send_response(500)
            self.end_headers()
            return
        body = json.dumps({"checksums": MANIFESTS.get(version, False)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/core/checksums/1.0/?version={{version}}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_missing_manifest_is_fetched_once_and_stored(tmp_path: Path, store: Store, api: str,
                                                     run_scan) -> None:
    root = make_wordpress(tmp_path / "wp", "6.4.2")
    MANIFESTS["6.4.2"] = manifest_of(root)
    (root / "wp-load.php").write_text("<?php // changed\n", encoding="utf-8")
    options = CmsOptions(fetch_checksums=True, checksums_url=api, fetch_timeout=5)
    assert kinds(run_scan(root, options=options)) == [("cms.core_modified", "wp-load.php")]
    (release,) = list_releases(store.conn)
    assert (release.version, release.source) == ("6.4.2", api.format(version="6.4.2"))
    MANIFESTS.clear()  # the stored copy is used from now on
    assert kinds(run_scan(root, options=options)) == [("cms.core_modified", "wp-load.php")]


def test_failed_fetch_is_a_scan_error_and_the_scan_goes_on(tmp_path: Path, store: Store, api: str,
                                                           run_scan) -> None:
    root = make_wordpress(tmp_path / "wp", "9.9.9", {"wp-content/uploads/x.php": "<?php echo 1;\n"})
    report = run_scan(root, options=CmsOptions(fetch_checksums=True, checksums_url=api, fetch_timeout=5))
    assert kinds(report) == [("cms.upload_php", "wp-content/uploads/x.php")]
    assert len(report.errors) == 1 and "HTTP 500" in report.errors[0].error
    assert list_releases(store.conn) == []


def test_fetch_is_off_by_default(tmp_path: Path, store: Store, run_scan) -> None:
    root = make_wordpress(tmp_path / "wp", "6.4.2")
    report = run_scan(root)  # a fetch attempt would show as a scan error here
    assert report.errors == () and report.stats["core_unverified"] == 1
