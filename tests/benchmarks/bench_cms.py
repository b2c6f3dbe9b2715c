"""CMS webroot scan against `md5sum -c` (the usual way to check release checksums), one run.

Usage:  python tests/benchmarks/bench_cms.py [--copies 20] [--runs 3] [--work DIR]

The corpus is --copies copies of WordPress core from Debian's `wordpress` package (from
`.ci/fetch-corpus`, found through $CSIRT_KIT_TEST_CORPUS), each a webroot with a few
uploads. A release manifest is generated from the package tree and imported into a fresh
store. The peer is `md5sum -c --quiet` over the same manifest in every copy (core
integrity only). Our side is the whole CMS scan of every copy: detection, core integrity,
uploads, verification tokens in every template, sitemaps and persistence tricks. Runs
alternate after a warm-up that fills the page cache; medians of --runs are reported.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from csirt_kit.scan.cms import detect_cms, import_manifest  # noqa: E402
from csirt_kit.scan.cms.options import CmsOptions  # noqa: E402
from csirt_kit.scan.cms.scanner import Webroot, scan_webroot_list  # noqa: E402
from csirt_kit.store.db import open_store  # noqa: E402
from tests.cms.helpers import manifest_of, write_manifest  # noqa: E402


def build(work: Path, source: Path, copies: int) -> list[Path]:
    """--copies webroots under work (kept between runs of the script)."""
    roots = []
    for i in range(copies):
        root = work / f"site{i:03d}"
        if not root.is_dir():
            shutil.copytree(source, root, symlinks=True)
            up = root / "wp-content" / "uploads" / "2026" / "11"
            up.mkdir(parents=True, exist_ok=True)
            for n in range(20):
                (up / f"foto-{n}.jpg").write_bytes(b"\xff\xd8\xff" + os.urandom(20000))
        roots.append(root)
    return roots


def peer(roots: list[Path], sums: Path) -> float:
    """md5sum -c over the manifest in every webroot."""
    start = time.perf_counter()
    for root in roots:
        subprocess.run(["md5sum", "-c", "--quiet", str(sums)], cwd=root, check=True,
                       stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def ours(roots: list[Path], store_path: Path) -> tuple[float, dict[str, object]]:
    """The whole CMS scan of every webroot."""
    store = open_store(store_path)
    start = time.perf_counter()
    report = scan_webroot_list(store, [Webroot(r) for r in roots], CmsOptions())
    elapsed = time.perf_counter() - start
    store.close()
    assert report.findings == () and report.errors == (), report.findings[:3]
    return elapsed, dict(report.stats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bench-cms")
    args = parser.parse_args()
    corpus = os.environ.get("CSIRT_KIT_TEST_CORPUS", "")
    source = Path(corpus) / "usr" / "share" / "wordpress"
    if not (source / "wp-includes" / "version.php").is_file():
        sys.exit("set CSIRT_KIT_TEST_CORPUS: eval $(.ci/fetch-corpus)")
    args.work.mkdir(parents=True, exist_ok=True)
    roots = build(args.work, source, args.copies)
    files = manifest_of(source)
    version = detect_cms(source).version
    manifest = write_manifest(args.work / "checksums.json", version, files)
    sums = args.work / "checksums.md5"
    sums.write_text("".join(f"{md5}  {path}\n" for path, md5 in sorted(files.items())))
    store_path = args.work / "store.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{store_path}{suffix}").unlink(missing_ok=True)
    store = open_store(store_path)
    import_manifest(store, manifest)
    store.close()
    peer(roots, sums)  # warm the page cache
    peer_times, our_times, stats = [], [], {}
    for _ in range(args.runs):
        peer_times.append(peer(roots, sums))
        elapsed, stats = ours(roots, store_path)
        our_times.append(elapsed)
    total_bytes = sum(p.stat().st_size for r in roots for p in r.rglob("*")
                      if p.is_file() and not p.is_symlink())
    p, o = statistics.median(peer_times), statistics.median(our_times)
    print(json.dumps({
        "webroots": len(roots), "core_files_per_webroot": len(files),
        "mb_total": round(total_bytes / 2**20, 1), "wordpress": version,
        "peer_md5sum_s": round(p, 2), "ours_s": round(o, 2), "ours_over_peer": round(o / p, 2),
        "ours_webroots_per_s": round(len(roots) / o, 1),
        "ours_mb_read_per_s": round(int(stats["bytes_read"]) / 2**20 / o, 1),
        "ours_core_checked": stats["core_checked"], "ours_files": stats["files"],
        "cpu": os.cpu_count(), "python": sys.version.split()[0],
    }, indent=2))


if __name__ == "__main__":
    main()
