"""The registry of case backends: name -> how to build it."""

from __future__ import annotations

from collections.abc import Callable

from csirt_kit.cases.backend import CaseBackend
from csirt_kit.cases.local import LocalBackend
from csirt_kit.config import Config
from csirt_kit.errors import ConfigError
from csirt_kit.store.db import Store


def _thehive(config: Config, store: Store) -> CaseBackend:
    from csirt_kit.cases.thehive import TheHiveBackend

    return TheHiveBackend(config)


BACKENDS: dict[str, Callable[[Config, Store], CaseBackend]] = {
    "local": lambda config, store: LocalBackend(store.conn, store.path),
    "thehive": _thehive,
}


def make_backend(name: str, config: Config, store: Store) -> CaseBackend:
    """Build the named backend from the config."""
    if name not in BACKENDS:
        raise ConfigError(f"cases.backend: unknown backend {name!r}", where=config.where(),
                          fix=f"use one of: {', '.join(BACKENDS)}")
    return BACKENDS[name](config, store)
