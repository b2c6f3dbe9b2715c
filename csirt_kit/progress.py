"""The progress callback library code calls; the CLI turns it into a bar."""

from __future__ import annotations

from collections.abc import Callable

# (label, done, total or None) -> None. Library code calls it; never prints.
ProgressFn = Callable[[str, int, int | None], None]


def no_progress(label: str, done: int, total: int | None) -> None:
    """A progress callback that does nothing."""
