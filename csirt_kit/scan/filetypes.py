"""The externals a file scan defines for rules: filename, filepath, extension, filetype, owner."""

from __future__ import annotations

import functools
import os

# Magic prefixes -> filetype, as LOKI/THOR-style rules expect (upper-case names).
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "EXE"), (b"\x7fELF", "ELF"), (b"PK\x03\x04", "ZIP"), (b"\x1f\x8b", "GZIP"),
    (b"%PDF", "PDF"), (b"\x89PNG", "PNG"), (b"\xff\xd8\xff", "JPEG"), (b"GIF8", "GIF"),
    (b"Rar!", "RAR"), (b"7z\xbc\xaf", "7Z"), (b"<?php", "PHP"), (b"<?xml", "XML"),
)
_BY_EXTENSION = {
    ".php": "PHP", ".phtml": "PHP", ".php5": "PHP", ".php7": "PHP", ".inc": "PHP",
    ".asp": "ASP", ".aspx": "ASP", ".ashx": "ASP", ".asmx": "ASP", ".jsp": "JSP", ".jspx": "JSP",
    ".js": "JS", ".html": "HTML", ".htm": "HTML", ".css": "CSS", ".txt": "TEXT", ".log": "TEXT",
}


def filetype(path: str, head: bytes) -> str:
    """A coarse type from magic bytes, else from the extension, else UNKNOWN."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return _BY_EXTENSION.get(os.path.splitext(path)[1].lower(), "UNKNOWN")


@functools.lru_cache(maxsize=256)
def owner_name(uid: int) -> str:
    """The user name owning a file ('' when unknown)."""
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return str(uid)


def externals_for(path: str, data: bytes, uid: int | None = None) -> dict[str, str | int | bool]:
    """Externals for one file (extension lower-case with its dot, as LOKI defines it)."""
    return {"filename": os.path.basename(path), "filepath": path,
            "extension": os.path.splitext(path)[1].lower(), "filetype": filetype(path, data[:8]),
            "owner": owner_name(uid) if uid is not None else ""}
