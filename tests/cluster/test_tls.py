"""TLS settings from config reach the Dask client: a TLS-only LocalCluster accepts a client whose
key comes from the environment variable the config names, and the key is never printed."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from csirt_kit.cluster.connect import connect
from csirt_kit.config import load_config

from .conftest import distributed


def make_certs(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and one certificate it signed (used by scheduler, worker and client alike)."""
    if shutil.which("openssl") is None:
        pytest.fail("openssl is needed to make test certificates (apt-get install openssl)")
    run = lambda *a: subprocess.run(["openssl", *a], cwd=folder, check=True, capture_output=True)  # noqa: E731
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test-ca",
        "-keyout", "ca.key", "-out", "ca.pem")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "node.key",
        "-out", "node.csr")
    run("x509", "-req", "-in", "node.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-days", "2", "-out", "node.pem")
    return folder / "ca.pem", folder / "node.pem", folder / "node.key"


@pytest.fixture(scope="module")
def tls_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path, Path, Path]]:
    from distributed.security import Security

    ca, cert, key = make_certs(tmp_path_factory.mktemp("tls"))
    sec = Security(tls_ca_file=str(ca), tls_scheduler_cert=str(cert), tls_scheduler_key=str(key),
                   tls_worker_cert=str(cert), tls_worker_key=str(key), tls_client_cert=str(cert),
                   tls_client_key=str(key), require_encryption=True)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, protocol="tls://",
                                  security=sec, host="127.0.0.1", dashboard_address=":0",
                                  memory_limit="600MiB", silence_logs=40) as lc:
        yield lc, ca, cert, key


def test_tls_settings_and_a_key_from_the_environment_connect(
        tls_cluster: tuple[Any, Path, Path, Path], monkeypatch: pytest.MonkeyPatch, cli: Any) -> None:
    lc, ca, cert, key = tls_cluster
    assert lc.scheduler_address.startswith("tls://")
    pem = key.read_text()
    for name, value in {"SCHEDULER": lc.scheduler_address, "TLS_CA_FILE": str(ca),
                        "TLS_CLIENT_CERT": str(cert), "TLS_CLIENT_KEY_ENV": "CSIRT_TEST_DASK_KEY",
                        "REQUIRE_ENCRYPTION": "true"}.items():
        monkeypatch.setenv(f"CSIRT_KIT_CLUSTER__{name}", value)
    monkeypatch.setenv("CSIRT_TEST_DASK_KEY", pem)
    client = connect(load_config())
    try:
        client.wait_for_workers(1, timeout=60)
        assert client.submit(sum, [2, 3]).result(timeout=30) == 5
    finally:
        client.close()
    result = cli(["--json", "-v", "cluster", "status"])
    assert result.json["count"] == 1 and result.json["scheduler"].startswith("tls://")
    body = pem.splitlines()[1]
    assert body not in result.stdout and body not in result.stderr


def test_a_missing_key_variable_is_a_config_error(
        tls_cluster: tuple[Any, Path, Path, Path], monkeypatch: pytest.MonkeyPatch, cli: Any) -> None:
    lc, ca, cert, _ = tls_cluster
    monkeypatch.setenv("CSIRT_KIT_CLUSTER__SCHEDULER", lc.scheduler_address)
    monkeypatch.setenv("CSIRT_KIT_CLUSTER__TLS_CA_FILE", str(ca))
    monkeypatch.setenv("CSIRT_KIT_CLUSTER__TLS_CLIENT_CERT", str(cert))
    monkeypatch.setenv("CSIRT_KIT_CLUSTER__TLS_CLIENT_KEY_ENV", "CSIRT_TEST_DASK_KEY_UNSET")
    result = cli(["cluster", "status"], expect=2)
    assert "CSIRT_TEST_DASK_KEY_UNSET" in result.stderr and "is not set" in result.stderr


def test_encryption_required_without_tls_is_refused(monkeypatch: pytest.MonkeyPatch, cli: Any) -> None:
    monkeypatch.setenv("CSIRT_KIT_CLUSTER__SCHEDULER", "tcp://127.0.0.1:9")
    monkeypatch.setenv("CSIRT_KIT_CLUSTER__REQUIRE_ENCRYPTION", "true")
    result = cli(["cluster", "status"], expect=2)
    assert "require_encryption" in result.stderr


def test_without_a_cluster_nothing_connects(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CSIRT_KIT_CLUSTER__SCHEDULER", raising=False)
    assert connect(load_config()) is None
    assert connect(None) is None
