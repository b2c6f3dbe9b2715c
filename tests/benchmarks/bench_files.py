"""File-scan throughput of csirt-kit against `yara -r -p 2`, same rules, same corpus, one run.

Usage:  python tests/benchmarks/bench_files.py [--corpus DIR] [--size-mb 400] [--runs 3]

Our side runs three ways: `no cache` (the engine alone: every file scanned), `cold` (a
fresh store: content equal to content already scanned in this run, e.g. WordPress core in
many webroots, is scanned once) and `rescan` (the store of the previous run: content
already scanned with the same rules is not scanned again; files are still read and hashed).

The corpus is copies of WordPress core and jQuery/Bootstrap (from `.ci/fetch-corpus`,
found through $CSIRT_KIT_TEST_CORPUS or --source) plus synthetic PHP pages, a few of them
carrying harmless rule samples, built once under --corpus. Both tools scan it with the
bundled `files` and `web` rules (what `csirt scan files` uses); runs alternate, the page
cache is warmed first, and the median of --runs is reported with the ratio.
Needs the Debian `yara` package (`apt-get install -y yara`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RULE_DIRS = [REPO / "rules" / "files", REPO / "rules" / "web"]
SAMPLES = REPO / "tests" / "data" / "samples"


def build_corpus(dest: Path, source: Path, size_mb: int) -> None:
    """Copies of the benign corpus plus synthetic PHP until about size_mb; idempotent."""
    marker = dest / ".built"
    if marker.is_file() and marker.read_text() == str(size_mb):
        return
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    regular = [p for p in source.rglob("*") if p.is_file() and not p.is_symlink()]
    rng = random.Random(7)
    samples = sorted(SAMPLES.glob("*/*/*.match"))
    total, copy = 0, 0
    limit = size_mb * 1024 * 1024
    while total < limit:
        base = dest / f"site{copy:02d}"
        for p in regular:
            target = base / p.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, target)
            total += p.stat().st_size
        for i in range(400):  # synthetic city pages: PHP templates with Indonesian text
            words = " ".join(rng.choice(["berita", "dinas", "layanan", "kota", "warga", "pajak",
                                         "kesehatan", "pendidikan", "$data", "echo", "<div>"])
                             for _ in range(rng.randint(200, 4000)))
            page = base / "pages" / f"p{i}.php"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(f"<?php /* page {i} */ ?>\n<html><body>{words}</body></html>\n")
            total += page.stat().st_size
        (base / "wp-content").mkdir(parents=True, exist_ok=True)
        for s in samples[copy % 4::4]:  # a few planted (harmless) hits per copy
            shutil.copyfile(s, base / "wp-content" / f"{s.parent.name}-{s.stem}.txt")
        copy += 1
    marker.write_text(str(size_mb))


def corpus_facts(root: Path) -> tuple[int, int]:
    files = [p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".built")]
    return len(files), sum(p.stat().st_size for p in files)


def warm(root: Path) -> None:
    for p in root.rglob("*"):
        if p.is_file():
            with open(p, "rb") as fh:
                while fh.read(1 << 20):
                    pass


def run_yara(root: Path) -> tuple[float, int]:
    rules = [f"{p.parent.name}/{p.name}:{p}" for d in RULE_DIRS for p in sorted(d.glob("*.yar"))]
    start = time.perf_counter()
    out = subprocess.run(["yara", "-r", "-p", "2", "-w", *rules, str(root)], check=True,
                         capture_output=True, text=True).stdout
    return time.perf_counter() - start, len(out.splitlines())


OURS = """
import json, sys
from pathlib import Path
from csirt_kit.scan.files import scan_files, FileOptions
from csirt_kit.scan.rules import load_rules
from csirt_kit.scan.webroots import FILE_SCOPES
from csirt_kit.store.db import open_store
root, mode, db = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
rs = load_rules(scopes=FILE_SCOPES)
store = open_store(db) if mode != "nocache" else None
r = scan_files(rs, [(root, None)], options=FileOptions(content_cache=mode != "nocache"), store=store)
print(json.dumps({"hits": len(r.findings), "errors": len(r.errors), "files": r.stats["files"],
                  "scanned": r.stats["scanned"], "workers": r.stats["workers"]}))
"""


def run_ours(root: Path, mode: str, db: Path) -> tuple[float, int]:
    """mode: nocache (engine alone), cold (fresh store: equal content scanned once),
    rescan (store kept from the previous run: unchanged content is not scanned again)."""
    if mode == "cold":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", OURS, str(root), mode, str(db)], check=True,
                         capture_output=True, text=True).stdout
    doc = json.loads(out)
    return time.perf_counter() - start, int(doc["hits"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path(tempfile.gettempdir()) / "csirt-bench-files")
    parser.add_argument("--source", type=Path, default=Path(os.environ.get("CSIRT_KIT_TEST_CORPUS", "")))
    parser.add_argument("--size-mb", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not shutil.which("yara"):
        sys.exit("needs the yara command: apt-get install -y yara")
    if not args.source.is_dir():
        sys.exit("needs the benign corpus: eval $(.ci/fetch-corpus), or --source DIR")
    build_corpus(args.corpus, args.source, args.size_mb)
    nfiles, nbytes = corpus_facts(args.corpus)
    warm(args.corpus)
    yara_version = subprocess.run(["yara", "--version"], capture_output=True, text=True).stdout.strip()
    db = args.corpus.parent / "csirt-bench-files.db"
    variants = {
        "yara -r -p 2": run_yara,
        "csirt no cache": lambda root: run_ours(root, "nocache", db),
        "csirt cold": lambda root: run_ours(root, "cold", db),
        "csirt rescan": lambda root: run_ours(root, "rescan", db),
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    hits: dict[str, int] = {}
    for _ in range(args.runs):
        for name, fn in variants.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            seconds, found = fn(args.corpus)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            times[name].append(seconds)
            hits[name] = found
    mb = nbytes / 1e6
    print(f"corpus: {nfiles} files, {mb:.0f} MB; rules: bundled files+web; yara {yara_version};"
          f" cores: {os.cpu_count()}; runs: {args.runs} (median)")
    medians = {k: statistics.median(v) for k, v in times.items()}
    for name, t in medians.items():
        print(f"{name:15s} {t:6.2f} s  {mb / t:6.1f} MB/s  {nfiles / t:7.0f} files/s  "
              f"cpu {statistics.median(cpu[name]):5.1f} s  hits {hits[name]}  "
              f"(runs: {', '.join(f'{x:.2f}' for x in times[name])})")
    peer, peer_cpu = medians["yara -r -p 2"], statistics.median(cpu["yara -r -p 2"])
    for name in list(variants)[1:]:
        print(f"ratio {name} / yara: {peer / medians[name]:.2f}x throughput (wall),"
              f" {peer_cpu / statistics.median(cpu[name]):.2f}x (CPU seconds)")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
