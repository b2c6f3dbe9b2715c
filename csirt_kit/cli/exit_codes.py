"""The one exit-code table of DESIGN section 5, and the map from errors to codes."""

from __future__ import annotations

from enum import IntEnum

from csirt_kit import errors


class ExitCode(IntEnum):
    """What `csirt` returns to a shell or scheduler."""

    OK = 0
    BUG = 1
    BAD_INPUT = 2  # bad usage, config or input; the message says how to fix it
    FINDINGS = 3  # done, and findings at or above --fail-on exist
    PARTIAL = 4  # done partly: a server was unreachable, its work is queued
    LOCKED = 5  # another run holds the lock
    INTERRUPTED = 130  # Ctrl-C


def code_for(exc: errors.CsirtError) -> ExitCode:
    """The exit code for a library error."""
    if isinstance(exc, errors.LockHeldError):
        return ExitCode.LOCKED
    if isinstance(exc, errors.AuthError):
        return ExitCode.BAD_INPUT
    if isinstance(exc, errors.ServerError):
        return ExitCode.PARTIAL
    if isinstance(exc, errors.StoreError):
        return ExitCode.BAD_INPUT
    return ExitCode.BAD_INPUT
