"""`csirt run --cluster`: the scan steps run on the cluster with the same findings as locally."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.pipeline.conftest import make_city


def test_run_on_the_cluster_gives_the_local_findings(cli: Any, cluster: Any, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    city = make_city(tmp_path / "city")
    found = {}
    for label, extra in (("local", []), ("cluster", ["--cluster", cluster.scheduler_address])):
        monkeypatch.setenv("CSIRT_KIT_STORE__PATH", str(tmp_path / f"{label}.db"))
        cli(["--config", city.config, "assets", "import", city.inventory])
        doc = cli(["--config", city.config, "--json", "run", "--only", "files", "--only", "logs",
                   *extra]).json
        assert {s["name"]: s["status"] for s in doc["stats"]["steps"]} == {"files": "ok", "logs": "ok"}
        found[label] = {f["fingerprint"]: (f["evidence"].get("line"), f["evidence"].get("offset"))
                        for f in doc["findings"]}
    assert found["cluster"] == found["local"] and len(found["local"]) >= 3


def test_unreachable_scheduler_queues_the_scans_and_runs_the_rest(cli: Any, tmp_path: Path) -> None:
    city = make_city(tmp_path / "city")
    cli(["--config", city.config, "assets", "import", city.inventory])
    result = cli(["--config", city.config, "--json", "run", "--only", "files", "--only", "cases",
                  "--cluster", "tcp://127.0.0.1:9"], expect=4)
    steps = {s["name"]: s for s in result.json["stats"]["steps"]}
    assert steps["cluster"]["status"] == "partial" and "Dask scheduler" in steps["cluster"]["message"]
    assert "files" not in steps and steps["cases"]["status"] == "ok"


def test_scan_commands_take_cluster(cli: Any, cluster: Any, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """`scan files`, `scan logs` and `scan web` with --cluster store the local findings."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Site(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            crawler = "Googlebot" in self.headers.get("User-Agent", "")
            body = (b"<html><title>Dinas</title><body>Selamat datang" +
                    (b" slot gacor maxwin situs judi online togel terpercaya" if crawler else b"") +
                    b"</body></html>")
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_a: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        city = make_city(tmp_path / "city")
        port = server.server_address[1]
        city.inventory.write_text(city.inventory.read_text(encoding="utf-8").replace(
            "id,name,kind,owner,criticality,webroot,logs,ips",
            "id,name,kind,owner,criticality,webroot,logs,ips,urls").replace(
            "203.0.113.10\n", "203.0.113.10,http://dinas.kota.example/\n"), encoding="utf-8")
        city.config.write_text(city.config.read_text(encoding="utf-8") +
                               f'[scan.web]\nresolve = {{ "dinas.kota.example" = "127.0.0.1:{port}" }}\n',
                               encoding="utf-8")
        www, log = tmp_path / "city" / "www", tmp_path / "city" / "logs" / "access.log"
        found: dict[str, dict[str, Any]] = {}
        for label, extra in (("local", []), ("cluster", ["--cluster", cluster.scheduler_address])):
            monkeypatch.setenv("CSIRT_KIT_STORE__PATH", str(tmp_path / f"{label}.db"))
            cli(["--config", city.config, "assets", "import", city.inventory])
            docs = [cli(["--config", city.config, "--json", "scan", *args, *extra]).json
                    for args in (["files", www], ["logs", log], ["web"])]
            found[label] = {f["fingerprint"]: (f["kind"], f["evidence"].get("line"),
                                               f["evidence"].get("offset"))
                            for doc in docs for f in doc["findings"]}
            stored = cli(["--config", city.config, "--json", "findings", "list"]).json["count"]
            assert stored == len(found[label])
        assert found["cluster"] == found["local"]
        assert {k for k, _, _ in found["local"].values()} >= {"yara.file", "yara.log", "web.cloaking"}
    finally:
        server.shutdown()
        server.server_close()
