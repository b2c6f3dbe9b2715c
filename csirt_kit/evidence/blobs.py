"""Content-addressed evidence blobs in the store's folder, kept gzip-compressed.

A blob is named by the sha256 of its original bytes and stored as
``<store>.d/evidence/ab/cdef....gz``. Keeping it compressed is the defanging: a web
shell copied out of a webroot can then never be run by PHP or served by a web server
that happens to see the folder, while the exact original bytes (and so the sha256 that
matches the file on the server) stay recoverable with `gunzip`. A text header or a
`.txt` suffix alone would either change the bytes or still leave the content live.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import zlib
from pathlib import Path

from csirt_kit.errors import StoreError
from csirt_kit.store.db import MEMORY, Store

SUFFIX = ".gz"


def blob_root(store: Store) -> Path | None:
    """The evidence folder of a store (None for an in-memory store, which has no folder)."""
    if store.path == MEMORY:
        return None
    return store.folder / "evidence"


def blob_path(root: Path, sha256: str) -> Path:
    """Where the blob with this sha256 lives."""
    return root / sha256[:2] / (sha256[2:] + SUFFIX)


def compress(data: bytes) -> bytes:
    """gzip with a zero timestamp and no file name, so equal bytes compress equally."""
    return gzip.compress(data, compresslevel=6, mtime=0)


def put_blob(root: Path, data: bytes) -> str:
    """Store bytes once (atomically: temp file, then rename); returns their sha256."""
    sha = hashlib.sha256(data).hexdigest()
    path = blob_path(root, sha)
    if path.exists():
        return sha
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=SUFFIX)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(compress(data))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise StoreError(f"cannot write evidence blob: {exc}", where=str(path.parent),
                         fix="check free space and permissions of the store folder") from None
    return sha


def read_compressed(root: Path, sha256: str) -> bytes | None:
    """The stored (gzip) bytes of a blob, or None when it is missing."""
    try:
        return blob_path(root, sha256).read_bytes()
    except OSError:
        return None


def check_blob(compressed: bytes, sha256: str) -> bytes | None:
    """The original bytes if the gzip data is whole and matches sha256, else None."""
    try:
        data = gzip.decompress(compressed)
    except (OSError, EOFError, zlib.error):
        return None
    return data if hashlib.sha256(data).hexdigest() == sha256 else None
