"""The SQLite store: one file, WAL mode, numbered migrations."""

from csirt_kit.store.db import Store, open_store

__all__ = ["Store", "open_store"]
