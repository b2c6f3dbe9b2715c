"""Line-aligned byte ranges give exactly the chunks of one pass over the file (no cluster needed)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from csirt_kit.cluster.ranges import range_chunks, split_points
from csirt_kit.scan.logs.reader import ReadLimits, iter_chunks


def chunks_by_ranges(path: Path, limits: ReadLimits, range_bytes: int) -> list[list[tuple[bytes, int]]]:
    size = path.stat().st_size
    starts = split_points(size, range_bytes)
    return [list(range_chunks(str(path), s, set(starts[k + 1:]), limits)) for k, s in enumerate(starts)]


def random_log(path: Path, seed: int, lines: int, max_line: int) -> Path:
    rnd = random.Random(seed)
    parts = []
    for _ in range(lines):
        roll = rnd.random()
        n = (rnd.randint(max_line - 5, max_line * 3) if roll < 0.03
             else rnd.randint(0, 3) if roll < 0.1 else rnd.randint(10, 300))
        parts.append(bytes(rnd.choice(b"abcdefghij ") for _ in range(n)) + b"\n")
    data = b"".join(parts)
    if seed % 2:
        data = data[:-1]  # no newline at the end
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("seed", range(12))
def test_ranges_concatenate_to_the_single_pass_chunks(tmp_path: Path, seed: int) -> None:
    limits = ReadLimits(chunk_size=4096, max_line=700)
    path = random_log(tmp_path / "x.log", seed, 900, limits.max_line)
    single = list(iter_chunks(str(path), limits))
    for range_chunks_of in (4096, 8192, 3 * 4096):
        ranges = chunks_by_ranges(path, limits, range_chunks_of)
        assert len(ranges) > 2
        assert [c for r in ranges for c in r] == single
        # each range's own line count adds up to the file's
        assert sum(c.count(b"\n") for r in ranges for c, _ in r) == b"".join(
            c for c, _ in single).count(b"\n")


def test_a_split_inside_an_over_long_line_is_carried_by_the_range_before(tmp_path: Path) -> None:
    limits = ReadLimits(chunk_size=1024, max_line=100)
    # one 5000-byte line straddles splits 1024..4096: those ranges yield nothing
    path = tmp_path / "long.log"
    path.write_bytes(b"first\n" + b"x" * 5000 + b"\n" + b"last line\n" * 300)
    ranges = chunks_by_ranges(path, limits, 1024)
    assert ranges[1] == ranges[2] == ranges[3] == []
    assert [c for r in ranges for c in r] == list(iter_chunks(str(path), limits))


def test_a_missing_file_is_a_read_error(tmp_path: Path) -> None:
    from csirt_kit.scan.logs.reader import LogReadError

    with pytest.raises(LogReadError, match="cannot open"):
        list(range_chunks(str(tmp_path / "gone.log"), 0, set(), ReadLimits()))


def test_chunks_no_longer_than_a_line_are_read_in_one_pass() -> None:
    assert split_points(10_000, 1024, ReadLimits(chunk_size=1024, max_line=2048)) == [0]
    assert split_points(10_000, 4096, ReadLimits(chunk_size=4096, max_line=100)) == [0, 4096, 8192]
