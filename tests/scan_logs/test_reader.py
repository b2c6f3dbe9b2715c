"""Reading logs: gzip (also multi-member), rotated sets, caps on bombs and over-long lines."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from csirt_kit.scan.logs.reader import (
    LogReadError,
    ReadLimits,
    expand_paths,
    iter_chunks,
    log_set_name,
)
from csirt_kit.scan.logs.scanner import LogSettings, scan_logs

from .conftest import access_line


def read_all(path: Path, limits: ReadLimits) -> bytes:
    return b"".join(chunk for chunk, _ in iter_chunks(str(path), limits))


def test_gzip_and_plain_give_the_same_lines(tmp_path: Path) -> None:
    body = "".join(access_line(path=f"/p{i}") for i in range(5000)).encode()
    (tmp_path / "a.log").write_bytes(body)
    (tmp_path / "a.log.1.gz").write_bytes(gzip.compress(body))
    limits = ReadLimits(chunk_size=4096)
    assert read_all(tmp_path / "a.log", limits) == body
    assert read_all(tmp_path / "a.log.1.gz", limits) == body


def test_multi_member_gzip_is_read_to_the_end(tmp_path: Path) -> None:
    part1, part2 = access_line(path="/one").encode(), access_line(path="/two").encode()
    (tmp_path / "m.log.gz").write_bytes(gzip.compress(part1) + gzip.compress(part2))
    assert read_all(tmp_path / "m.log.gz", ReadLimits()) == part1 + part2


def test_every_chunk_ends_at_a_line_end(tmp_path: Path) -> None:
    body = "".join(access_line(path="/" + "x" * (i % 97)) for i in range(2000)).encode()
    (tmp_path / "a.log").write_bytes(body)
    chunks = [c for c, _ in iter_chunks(str(tmp_path / "a.log"), ReadLimits(chunk_size=1000))]
    assert len(chunks) > 10
    assert all(c.endswith(b"\n") for c in chunks)


def test_over_long_line_is_cut_and_still_counts_as_one_line(tmp_path: Path) -> None:
    long_line = b"A" * 100_000 + b"\n"
    (tmp_path / "l.log").write_bytes(b"first\n" + long_line + b"third\n")
    limits = ReadLimits(chunk_size=1024, max_line=2048)
    out = list(iter_chunks(str(tmp_path / "l.log"), limits))
    data = b"".join(c for c, _ in out)
    assert data.split(b"\n")[:3] == [b"first", b"A" * 2048, b"third"]
    assert sum(cut for _, cut in out) == 1
    assert max(len(c) for c, _ in out) <= 1024 + 2048 + 1


def test_long_line_inside_one_chunk_is_matched_but_its_snippet_is_short(tmp_path: Path) -> None:
    from csirt_kit.models import Indicator

    (tmp_path / "l.log").write_text(access_line(ip="203.0.113.8", path="/" + "B" * 5000))
    settings = LogSettings(limits=ReadLimits(chunk_size=1 << 20, max_line=100))
    report = scan_logs([str(tmp_path / "l.log")], indicators=[Indicator("t", "ip-src", "203.0.113.8")],
                       settings=settings)
    assert len(report.findings) == 1
    assert len(report.findings[0].evidence["snippet"]) <= 301


def test_gzip_bomb_is_stopped_as_a_scan_error(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.log.gz"
    with gzip.open(bomb, "wb") as fh:
        for _ in range(64):
            fh.write(b"\0" * (1 << 20))
    settings = LogSettings(limits=ReadLimits(max_decompressed=8 << 20))
    report = scan_logs([str(bomb)], settings=settings)
    assert len(report.errors) == 1
    assert report.errors[0].target == str(bomb)
    assert "decompression bomb" in report.errors[0].error


def test_gzip_ratio_cap(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.gz"
    bomb.write_bytes(gzip.compress(b"\0" * (32 << 20)))
    with pytest.raises(LogReadError, match="more than 100x"):
        read_all(bomb, ReadLimits(max_ratio=100, ratio_grace=1 << 20))


def test_truncated_and_corrupt_gzip_are_scan_errors(tmp_path: Path) -> None:
    data = gzip.compress(os.urandom(50_000))
    (tmp_path / "t.log.gz").write_bytes(data[: len(data) // 2])
    (tmp_path / "c.log.gz").write_bytes(data[:10] + b"garbage" * 100)
    report = scan_logs([str(tmp_path / "t.log.gz"), str(tmp_path / "c.log.gz")])
    reasons = {e.target: e.error for e in report.errors}
    assert "truncated gzip" in reasons[str(tmp_path / "t.log.gz")]
    assert "corrupt gzip" in reasons[str(tmp_path / "c.log.gz")]


def test_binary_garbage_and_invalid_utf8_never_crash(tmp_path: Path, log_rules: object) -> None:
    from csirt_kit.models import Indicator

    garbage = os.urandom(300_000) + b"\xff\xfe\xc3(" + access_line(ip="203.0.113.5").encode()
    (tmp_path / "g.log").write_bytes(garbage)
    report = scan_logs([str(tmp_path / "g.log")], rules=log_rules,  # type: ignore[arg-type]
                       indicators=[Indicator("t", "ip-src", "203.0.113.5"),
                                   Indicator("t", "filename", "shell.php")])
    assert report.errors == ()
    assert report.stats["lines"] >= 1


def test_empty_file_scans_clean(tmp_path: Path) -> None:
    (tmp_path / "e.log").write_bytes(b"")
    report = scan_logs([str(tmp_path / "e.log")])
    assert report.errors == () and report.findings == () and report.stats["lines"] == 0


def test_rotated_set_expansion_and_names(tmp_path: Path) -> None:
    for name in ("access.log", "access.log.1", "access.log.2.gz", "access.log-20261120.gz",
                 "access.log.bak", "other.log"):
        (tmp_path / name).write_bytes(b"x\n")
    files, missing = expand_paths([str(tmp_path / "access.log"), str(tmp_path / "nope.log")])
    names = [os.path.basename(f) for f in files]
    assert names[0] == "access.log"
    assert set(names) == {"access.log", "access.log.1", "access.log.2.gz", "access.log-20261120.gz"}
    assert missing == [str(tmp_path / "nope.log")]
    assert log_set_name("/v/access.log.2.gz") == "/v/access.log"
    assert log_set_name("/v/access.log-20261120.gz") == "/v/access.log"
    assert log_set_name("/v/error.log") == "/v/error.log"


def test_vanished_file_is_a_scan_error(tmp_path: Path) -> None:
    link = tmp_path / "gone.log"
    link.symlink_to(tmp_path / "deleted-by-logrotate.log")
    report = scan_logs([str(link)])
    assert report.errors[0].target == str(link)
    assert "cannot open" in report.errors[0].error


def test_a_glob_matching_nothing_is_a_scan_error(tmp_path: Path) -> None:
    report = scan_logs([str(tmp_path / "missing-dir" / "*.log")])
    assert report.errors[0].error == "no such file, folder or matching glob"


def test_a_crash_on_one_file_is_a_scan_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import csirt_kit.scan.logs.scanner as scanner

    real = scanner.scan_log_file

    def fragile(path: str, **kw: object) -> object:
        if path.endswith("bad.log"):
            raise RuntimeError("parser bug")
        return real(path, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(scanner, "scan_log_file", fragile)
    for name in ("bad.log", "good.log"):
        (tmp_path / name).write_text(access_line())
    report = scan_logs([str(tmp_path / "bad.log"), str(tmp_path / "good.log")])
    assert [e.to_dict() for e in report.errors] == [{"target": str(tmp_path / "bad.log"),
                                                    "error": "internal error: parser bug"}]
    assert report.stats["lines"] == 1
