"""CLI conventions every command keeps: layering, help text, README coverage, JSON, exit codes."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

from csirt_kit import __version__
from csirt_kit.cli.app import COMMAND_MODULES, command_in, group_of, register

app = register()

PACKAGE = Path(__file__).resolve().parents[2] / "csirt_kit"
README = Path(__file__).resolve().parents[2] / "README.md"


def imported_modules(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_only_cli_imports_typer_or_rich() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.relative_to(PACKAGE).parts[0] == "cli":
            continue
        for module in imported_modules(path):
            if module.split(".")[0] in ("typer", "rich", "click"):
                offenders.append(f"{path.relative_to(PACKAGE.parent)} imports {module}")
    assert not offenders, "\n".join(offenders)


def test_library_never_prints_or_exits() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] in ("cli",) or rel.name == "__main__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else (
                    f"{getattr(func.value, 'id', '')}.{func.attr}"
                    if isinstance(func, ast.Attribute) else "")
                if name in ("print", "sys.exit", "exit"):
                    offenders.append(f"{rel}:{node.lineno} calls {name}")
    assert not offenders, "\n".join(offenders)


def walk_commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    commands = getattr(command, "commands", None)
    if commands:
        for name, sub in commands.items():
            yield from walk_commands(sub, (*path, name))
    else:
        yield path, command


def all_commands() -> list[tuple[tuple[str, ...], Any]]:
    return list(walk_commands(typer.main.get_command(app)))


def test_every_command_has_help_and_is_in_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    missing_help = [" ".join(p) for p, c in all_commands() if not (c.help or "").strip()]
    assert not missing_help, f"commands without help: {missing_help}"
    undocumented = [" ".join(p) for p, _ in all_commands()
                    if not re.search(r"csirt (\[[^\]]*\] )?" + re.escape(" ".join(p)) + r"\b",
                                     readme)]
    assert not undocumented, f"commands missing from README.md: {undocumented}"


def test_every_group_has_help(cli) -> None:
    groups = {p[0] for p, _ in all_commands() if len(p) > 1}
    for group in sorted(groups):
        out = cli([group, "--help"]).stdout
        assert "Usage: csirt " + group in out


def test_version(cli) -> None:
    assert cli(["--version"]).stdout.strip() == f"csirt-kit {__version__}"


def test_json_is_exactly_one_document_and_logs_go_to_stderr(cli, tmp_path: Path) -> None:
    inv = tmp_path / "i.csv"
    inv.write_text("id,name,kind,bogus\na1,P,website,x\n", encoding="utf-8")
    result = cli(["--json", "assets", "import", inv])
    doc = json.loads(result.stdout)
    assert doc["created"] == 1
    assert "ignored columns" in result.stderr and "ignored" not in result.stdout.split('"files"')[0]
    listed = cli(["--json", "assets", "list"]).json
    assert set(listed) == {"items", "count"} and listed["count"] == 1


@pytest.mark.parametrize(("args", "code"), [
    (["assets", "list", "--bogus"], 2),
    (["nosuchcommand"], 2),
    (["findings", "show", "abc"], 2),
    (["findings", "list", "--status", "weird"], 2),
    (["--log-format", "xml", "assets", "list"], 2),
])
def test_usage_errors_exit_2_without_traceback(cli, args: list[str], code: int) -> None:
    result = cli(args, expect=code)
    assert "Traceback" not in result.stderr


def test_json_error_document_on_failure(cli) -> None:
    result = cli(["--json", "assets", "show", "missing"], expect=2)
    assert result.json["error"]["type"] == "NotFoundError"
    assert result.json["error"]["exit_code"] == 2


def test_bug_exit_1_message_without_traceback(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import csirt_kit.cli.assets_cmd as assets_cmd

    def broken(*_a: Any, **_k: Any) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(assets_cmd, "list_assets", broken)
    result = cli(["assets", "list"], expect=1)
    assert "internal error (a bug" in result.stderr and "Traceback" not in result.stderr


def test_init_writes_starter_files_that_work(cli, tmp_path: Path) -> None:
    out = cli(["--json", "init", "--dir", tmp_path / "cfg"]).json
    config, inventory = Path(out["config"]), Path(out["inventory"])
    assert "key_env" in config.read_text() and "[cases]" in config.read_text()
    cli(["init", "--dir", tmp_path / "cfg"], expect=2)
    imported = cli(["--config", config, "--json", "assets", "import", inventory]).json
    assert imported["created"] >= 3
    cli(["init", "--dir", tmp_path / "cfg", "--force"])


def test_cli_copies_of_format_lists_match_the_library() -> None:
    from csirt_kit.cli import report_cmd, timeline_cmd
    from csirt_kit.report import render as report_render
    from csirt_kit.timeline import labels
    from csirt_kit.timeline import render as timeline_render

    assert timeline_cmd.FORMATS == timeline_render.FORMATS
    assert timeline_cmd.LANGS == labels.LANGS
    assert report_cmd.FORMATS == report_render.FORMATS


def test_each_command_module_registers_the_group_its_name_says() -> None:
    # Only the named command's modules are imported at start-up (cli/app.py register), so a
    # module registering a group its name does not say would vanish from that command.
    for name in COMMAND_MODULES:
        fresh = typer.Typer()
        __import__(f"csirt_kit.cli.{name}", fromlist=["register"]).register(fresh)
        top = {c.name for c in fresh.registered_commands} | {g.name for g in fresh.registered_groups}
        assert top <= {group_of(name)}, f"{name} registers {top}, its name says {group_of(name)}"
        if not top:  # it adds to a group another module creates
            assert any(group_of(m) == group_of(name) and m != name for m in COMMAND_MODULES)


def test_start_up_registers_only_the_named_command() -> None:
    assert command_in(["-c", "x.toml", "--json", "scan", "files", "--help"]) == "scan"
    assert command_in(["--config", "assets", "-v", "assets", "list"]) == "assets"
    assert command_in(["--help"]) is None and command_in([]) is None
    assert command_in(["--log-format", "json", "run"]) == "run"


def test_fresh_process_imports_only_what_the_command_needs() -> None:
    import subprocess
    import sys
    code = ("import sys; from csirt_kit.cli.main import main; rc = main(['findings', '--help']); "
            "print(rc, 'csirt_kit.notify.senders' in sys.modules, 'csirt_kit.cli.scan_cmd' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "0 False False", out.stdout + out.stderr
