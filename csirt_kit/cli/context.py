"""Per-invocation state: global flags, lazily loaded config and store, output helpers."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import typer
from rich.console import Console

from csirt_kit.config import Config, load_config
from csirt_kit.progress import ProgressFn
from csirt_kit.redaction import RedactingFilter, redact
from csirt_kit.store.db import Store, open_store


@dataclass
class AppContext:
    """What every command gets through ``typer.Context.obj``."""

    config_path: str | None = None
    json: bool = False
    quiet: bool = False
    verbose: int = 0
    out: Console = field(default_factory=lambda: Console(highlight=False, soft_wrap=False))
    err: Console = field(default_factory=lambda: Console(stderr=True, highlight=False))
    _config: Config | None = None
    _store: Store | None = None

    @property
    def config(self) -> Config:
        """The effective config (loaded on first use)."""
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    @property
    def store(self) -> Store:
        """The migrated store (opened on first use)."""
        if self._store is None:
            cfg = self.config
            self._store = open_store(cfg.store_path, float(cfg.get("store.busy_timeout", 30.0)))
        return self._store

    def close(self) -> None:
        """Close the store if it was opened."""
        if self._store is not None:
            self._store.close()
            self._store = None

    def emit(self, document: Any, render: Callable[[Console], None]) -> None:
        """Print one JSON document (with --json) or the human rendering."""
        if self.json:
            # Redacting the rendered text once is much cheaper than walking every string,
            # and the patterns never match across JSON quotes.
            # Pretty on a terminal; compact (C encoder, several times faster) for machines.
            indent = 2 if sys.stdout.isatty() else None
            text = redact(json.dumps(document, ensure_ascii=False, indent=indent, default=str))
            sys.stdout.write(text + "\n")
            sys.stdout.flush()
        else:
            render(self.out)

    def emit_json_text(self, text: str) -> None:
        """Print an already rendered JSON document (redacted), for very large listings."""
        sys.stdout.write(redact(text) + "\n")
        sys.stdout.flush()

    def info(self, message: str) -> None:
        """A status line on stderr, unless --quiet."""
        if not self.quiet:
            self.err.print(redact(message), markup=False)

    def warn(self, message: str) -> None:
        """A warning on stderr (always shown)."""
        self.err.print(f"warning: {redact(message)}", style="yellow", markup=False)

    @contextmanager
    def progress(self, label: str) -> Iterator[ProgressFn]:
        """A progress callback: a bar on a terminal's stderr, nothing otherwise."""
        if self.quiet or not self.err.is_terminal:
            yield lambda _label, _done, _total: None
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      console=self.err, transient=True) as bar:
            tasks: dict[str, Any] = {}

            def update(task_label: str, done: int, total: int | None) -> None:
                name = task_label or label
                if name not in tasks:
                    tasks[name] = bar.add_task(name, total=total)
                bar.update(tasks[name], completed=done, total=total)

            yield update


def get(ctx: typer.Context) -> AppContext:
    """The AppContext of the running command."""
    obj = ctx.find_root().obj
    if not isinstance(obj, AppContext):
        obj = AppContext()
        ctx.find_root().obj = obj
    return obj


def setup_logging(verbose: int, quiet: bool, fmt: str = "text") -> None:
    """Log to stderr, redacted; -v for info, -vv for debug, -q for errors only."""
    level = logging.ERROR if quiet else (logging.DEBUG if verbose > 1 else
                                         logging.INFO if verbose == 1 else logging.WARNING)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    if fmt == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("csirt_kit")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps({"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
                           "level": record.levelname.lower(), "logger": record.name,
                           "message": record.getMessage()}, ensure_ascii=False)
