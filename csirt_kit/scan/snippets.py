"""Short, escaped, printable snippets of matched bytes for finding evidence."""

from __future__ import annotations

from collections.abc import Iterable

MAX_PIECE = 64   # bytes of one matched string shown
MAX_SNIPPET = 240  # characters of the whole snippet


def escape_bytes(data: bytes, limit: int = MAX_PIECE) -> str:
    """Printable ASCII kept, everything else as \\xNN; cut at `limit` bytes with an ellipsis."""
    cut = data[:limit]
    out = []
    for b in cut:
        if b == 0x5C:
            out.append("\\\\")
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        elif b == 0x0A:
            out.append("\\n")
        elif b == 0x09:
            out.append("\\t")
        elif b == 0x0D:
            out.append("\\r")
        else:
            out.append(f"\\x{b:02x}")
    text = "".join(out)
    return text + "…" if len(data) > limit else text


def snippet(pieces: Iterable[bytes], limit: int = MAX_SNIPPET) -> str:
    """Distinct matched strings, escaped, joined with ' | ', cut at `limit` characters."""
    seen: list[str] = []
    for piece in pieces:
        text = escape_bytes(piece)
        if text not in seen:
            seen.append(text)
        if sum(len(s) for s in seen) > limit:
            break
    joined = " | ".join(seen)
    return joined if len(joined) <= limit else joined[: limit - 1] + "…"
