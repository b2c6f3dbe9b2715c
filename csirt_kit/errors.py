"""One exception hierarchy: each error says what went wrong, where, and how to fix it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One located problem in an input: ``file:line: field: message``."""

    where: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.field}: {self.message}" if self.field else (
            f"{self.where}: {self.message}"
        )


class CsirtError(Exception):
    """Base class; the CLI turns each subclass into a message and an exit code."""

    def __init__(self, what: str, where: str = "", fix: str = "") -> None:
        self.what = what
        self.where = where
        self.fix = fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The full text: where, what, then the fix."""
        text = f"{self.where}: {self.what}" if self.where else self.what
        return f"{text}\n  fix: {self.fix}" if self.fix else text


class UsageError(CsirtError):
    """The command was called wrongly (bad option value, unknown id)."""


class ConfigError(CsirtError):
    """The configuration file or environment is invalid."""


class InputError(CsirtError):
    """An input file (inventory, feed, rule, playbook, log) is invalid."""

    def __init__(
        self, what: str, where: str = "", fix: str = "", problems: Sequence[Problem] = ()
    ) -> None:
        self.problems = tuple(problems)
        super().__init__(what, where, fix)

    @property
    def message(self) -> str:
        """Every located problem on its own line, then the summary and fix."""
        lines = [str(p) for p in self.problems]
        lines.append(super().message)
        return "\n".join(lines)


class NotFoundError(UsageError):
    """A named object (asset, finding, case) does not exist in the store."""


class StoreError(CsirtError):
    """The SQLite store cannot be opened, migrated or written."""


class ServerError(CsirtError):
    """A server (MISP, TheHive, feed host) failed or refused; work may be queued."""

    def __init__(self, what: str, where: str = "", fix: str = "", queued: bool = False) -> None:
        self.queued = queued
        super().__init__(what, where, fix)


class AuthError(ServerError):
    """A server refused our credentials (401/403): retrying will not help."""


class LockHeldError(CsirtError):
    """Another process holds the run lock."""
