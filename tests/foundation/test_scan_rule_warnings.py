"""Every scan command names a broken extra rule file the same way and goes on without it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.mark.parametrize("command", ["files", "logs"])
def test_a_broken_rule_file_is_named_once_and_the_scan_goes_on(cli: Any, tmp_path: Path, command: str) -> None:
    broken = tmp_path / "broken.yar"
    broken.write_text("rule broken {\n  strings: $a = \"x\"\n  condition: $b\n}\n", encoding="utf-8")
    target = tmp_path / ("www" if command == "files" else "access.log")
    if command == "files":
        target.mkdir()
        (target / "index.php").write_text("<?php echo 'hello';\n", encoding="utf-8")
    else:
        target.write_text('10.0.0.1 - - [01/Nov/2026:10:00:00 +0700] "GET / HTTP/1.1" 200 5 "-" "curl"\n',
                          encoding="utf-8")
    result = cli(["--json", "scan", command, str(target), "--rules", str(broken)])
    warnings = [line for line in result.stderr.splitlines() if str(broken) in line]
    assert len(warnings) == 1, result.stderr
    assert warnings[0].endswith("(rule file not loaded; the scan goes on without it)")
    assert f"rules: {broken}:" in warnings[0]
    assert result.json["findings"] == []
