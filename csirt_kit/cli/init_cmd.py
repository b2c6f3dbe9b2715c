"""`csirt init`: write a commented starter config and an example inventory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csirt_kit.cli.context import get
from csirt_kit.config import default_config_path
from csirt_kit.errors import UsageError
from csirt_kit.starter import EXAMPLE_INVENTORY, STARTER_CONFIG


def init_cmd(
    ctx: typer.Context,
    directory: Annotated[Path | None, typer.Option(
        "--dir", help="Write both files into this folder instead of the user config dir.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Write a starter config and an example inventory."""
    app = get(ctx)
    if directory is not None:
        config_path = directory / "config.toml"
    elif app.config_path:
        config_path = Path(app.config_path)
    else:
        config_path = default_config_path()
    inventory_path = config_path.parent / "inventory-example.csv"
    for path in (config_path, inventory_path):
        if path.exists() and not force:
            raise UsageError(f"{path} already exists", fix="pass --force to overwrite it")
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(STARTER_CONFIG, encoding="utf-8")
    inventory_path.write_text(EXAMPLE_INVENTORY, encoding="utf-8")
    doc = {"config": str(config_path), "inventory": str(inventory_path)}
    app.emit(doc, lambda console: console.print(
        f"wrote {config_path}\nwrote {inventory_path}\n"
        f"next: csirt --config {config_path} assets import {inventory_path}"))


def register(app: typer.Typer) -> None:
    """Add `init` to the main app."""
    app.command("init")(init_cmd)
