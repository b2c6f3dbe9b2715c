"""Connect to a Dask scheduler from config: address, TLS, timeouts; secrets by env var name.

Config keys (``[cluster]``), with defaults:
  scheduler            ""      scheduler address (tcp://host:8786 or tls://host:8786); empty: no cluster
  connect_timeout      10      seconds to reach the scheduler
  retries              3       reruns of a scan task that raised (a killed worker's task is
                               rerun by the scheduler on its own, up to distributed's
                               ``allowed-failures``)
  tls_ca_file          ""      CA certificate (file path) that signed the scheduler and workers
  tls_client_cert      ""      this client's certificate (file path)
  tls_client_key       ""      this client's private key (file path)
  tls_client_key_env   ""      or: name of an environment variable holding the key in PEM form
  require_encryption   false   refuse plain tcp:// connections
  file_batch_bytes     67108864  webroot files are sent in batches of about this many bytes
  file_batch_files     2000    ... or this many files, whichever comes first
  log_range_bytes      268435456  a plain log is split into byte ranges of about this size
  web_batch_hosts      64      web hosts per task (each host wholly in one task: politeness;
                               the hosts of one task are fetched concurrently)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from csirt_kit.config import Config
from csirt_kit.errors import ConfigError, ServerError, UsageError
from csirt_kit.redaction import redact

INSTALL_FIX = "install the extra: pip install 'csirt-kit[cluster]'"


@dataclass(frozen=True)
class ClusterSettings:
    """Where the scheduler is, how to reach it and how big work units are."""

    scheduler: str = ""
    connect_timeout: float = 10.0
    retries: int = 3
    tls_ca_file: str = ""
    tls_client_cert: str = ""
    tls_client_key: str = ""
    tls_client_key_env: str = ""
    require_encryption: bool = False
    file_batch_bytes: int = 64 << 20
    file_batch_files: int = 2000
    log_range_bytes: int = 256 << 20
    web_batch_hosts: int = 64

    @property
    def uses_tls(self) -> bool:
        """True when the address or any TLS key asks for TLS."""
        return self.scheduler.startswith("tls://") or bool(self.tls_ca_file or self.tls_client_cert)


def cluster_settings(config: Config | None, address: str | None = None) -> ClusterSettings:
    """Settings from ``[cluster]``; `address` (``--cluster``) overrides the scheduler."""
    d = ClusterSettings()
    if config is None:
        return ClusterSettings(scheduler=address or "")
    get = config.get
    try:
        return ClusterSettings(
            scheduler=str(address or get("cluster.scheduler", "") or ""),
            connect_timeout=float(get("cluster.connect_timeout", d.connect_timeout)),
            retries=int(get("cluster.retries", d.retries)),
            tls_ca_file=str(get("cluster.tls_ca_file", "") or ""),
            tls_client_cert=str(get("cluster.tls_client_cert", "") or ""),
            tls_client_key=str(get("cluster.tls_client_key", "") or ""),
            tls_client_key_env=str(get("cluster.tls_client_key_env", "") or ""),
            require_encryption=_flag(get("cluster.require_encryption", False)),
            file_batch_bytes=int(get("cluster.file_batch_bytes", d.file_batch_bytes)),
            file_batch_files=int(get("cluster.file_batch_files", d.file_batch_files)),
            log_range_bytes=int(get("cluster.log_range_bytes", d.log_range_bytes)),
            web_batch_hosts=int(get("cluster.web_batch_hosts", d.web_batch_hosts)),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"bad [cluster] value: {exc}", where=config.where(),
                          fix="numbers for timeouts, retries and sizes") from None


def _flag(value: object) -> bool:
    # Env overrides of keys without a default arrive as text.
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def security(settings: ClusterSettings, config: Config | None = None) -> Any:
    """A distributed Security for TLS settings (None for plain tcp)."""
    if not settings.uses_tls:
        if settings.require_encryption:
            raise ConfigError("cluster.require_encryption is set but no TLS is configured",
                              fix="set cluster.tls_ca_file, tls_client_cert and a key, and a tls:// address")
        return None
    from distributed.security import Security

    key = settings.tls_client_key
    if settings.tls_client_key_env:
        if config is None:
            key = os.environ.get(settings.tls_client_key_env, "")
        else:
            key = config.secret(settings.tls_client_key_env, "cluster")
    for name, path in (("tls_ca_file", settings.tls_ca_file),
                       ("tls_client_cert", settings.tls_client_cert)):
        if path and not os.path.exists(path):
            raise ConfigError(f"cluster.{name} {path} does not exist", fix="give the PEM file's path")
    return Security(tls_ca_file=settings.tls_ca_file or None,
                    tls_client_cert=settings.tls_client_cert or None,
                    tls_client_key=key or None,
                    require_encryption=settings.require_encryption)


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise UsageError("cluster mode needs the dask and distributed packages",
                         fix=INSTALL_FIX) from None
    return distributed


def connect(config: Config | None, address: str | None = None) -> Any:
    """A distributed Client for the configured scheduler, or None when no cluster is configured."""
    settings = cluster_settings(config, address)
    if not settings.scheduler:
        return None
    distributed = _distributed()
    sec = security(settings, config)
    try:
        return distributed.Client(settings.scheduler, security=sec,
                                  timeout=settings.connect_timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ServerError(f"cannot reach the Dask scheduler: {redact(str(exc)) or type(exc).__name__}",
                          where=settings.scheduler,
                          fix="start it (dask scheduler) or check cluster.scheduler and TLS settings",
                          queued=True) from None
