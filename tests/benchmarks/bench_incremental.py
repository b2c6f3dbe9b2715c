"""Nightly rescan of N webroots: bytes read by csirt-kit's incremental scan vs `yara -r -p 2`.

Usage:  python tests/benchmarks/bench_incremental.py [--sites 900] [--site-kb 2048]
            [--files 100] [--dir /tmp/csirt-bench-incremental]

Generates N webroots (default 900 of about 2 MB and 100 files each: a third of the bytes
are "core" files identical in every site, like a CMS release, the rest pages unique to
the site, a few carrying harmless rule samples), then, each in its own process:

  full       a first scan into a fresh store (every file read and hashed)
  unchanged  the nightly rescan, nothing changed (the stat cache: nothing should be read)
  1% changed the rescan after 1% of the files were rewritten in place (same size, mtime
             restored, as an attacker would) or grown
  --full     the rescan with the stat cache ignored (every file read and hashed again;
             the content cache still spares YARA)
  yara -r    the peer: the yara CLI over the same tree with the same rules (it reads all)

For each: files opened and bytes read as our scan counts them, the process's read
counters from /proc/self/io (rchar: every read() incl. Python modules and the SQLite
store; read_bytes: what came from the disk rather than the page cache), wall and CPU
time (user+sys of the process and its workers) and the load average. Needs the Debian
`yara` package.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
RULE_DIRS = [REPO / "rules" / "files", REPO / "rules" / "web"]
SAMPLES = REPO / "tests" / "data" / "samples"
WORDS = ["berita", "dinas", "layanan", "kota", "warga", "pajak", "kesehatan", "pendidikan",
         "$data", "echo", "<div>", "</div>", "function", "return", "array(", "perizinan"]


def _text(rng: random.Random, size: int, head: str) -> bytes:
    parts = [head]
    total = len(head)
    while total < size:
        w = rng.choice(WORDS)
        parts.append(w)
        total += len(w) + 1
    return (" ".join(parts))[:size].encode()


def build(dest: Path, sites: int, site_kb: int, files: int) -> tuple[int, int]:
    """The webroots (idempotent for the same shape); returns (files, bytes)."""
    shape = f"{sites}x{site_kb}x{files}"
    marker = dest / ".built"
    if marker.is_file() and marker.read_text() == shape:
        return tuple(json.loads((dest / ".facts").read_text()))  # type: ignore[return-value]
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    rng = random.Random(9)
    per_file = site_kb * 1024 // files
    core_n = files // 3
    core = [_text(rng, rng.randint(per_file // 2, per_file * 3 // 2), f"<?php /* core {i} */")
            for i in range(core_n)]
    samples = sorted(SAMPLES.glob("files/*/*.match"))
    nfiles = nbytes = 0
    for s in range(sites):
        base = dest / f"site{s:04d}"
        for sub in ("wp-includes", "pages", "wp-content/uploads"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        for i, data in enumerate(core):
            (base / "wp-includes" / f"core{i}.php").write_bytes(data)
            nfiles, nbytes = nfiles + 1, nbytes + len(data)
        for i in range(files - core_n):
            data = _text(rng, rng.randint(per_file // 2, per_file * 3 // 2),
                         f"<?php /* site {s} page {i} */ ?><html>")
            (base / "pages" / f"p{i}.php").write_bytes(data)
            nfiles, nbytes = nfiles + 1, nbytes + len(data)
        if s % 60 == 0 and samples:  # a few planted (harmless) hits
            sample = samples[(s // 60) % len(samples)]
            shutil.copyfile(sample, base / "wp-content" / "uploads" / f"{sample.stem}.php")
            nfiles, nbytes = nfiles + 1, nbytes + sample.stat().st_size
    (dest / ".facts").write_text(json.dumps([nfiles, nbytes]))
    marker.write_text(shape)
    return nfiles, nbytes


def change(dest: Path, count: int, seed: int) -> int:
    """Rewrite `count` page files: half in place with the mtime forged back, half grown."""
    pages = sorted(dest.glob("site*/pages/*.php"))
    rng = random.Random(seed)
    picked = rng.sample(pages, max(1, min(count, len(pages))))
    for n, p in enumerate(picked):
        st = p.stat()
        data = p.read_bytes()
        if n % 2:
            p.write_bytes(data + f"\n<!-- edit {seed} -->".encode())
        else:
            edit = f"/*{seed:08d}*/".encode()
            p.write_bytes(edit + data[len(edit):])
            os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
    return len(picked)


CHILD_CODE = """
import json, os, resource, sys, time
from pathlib import Path
from csirt_kit.scan.files import FileOptions, scan_files
from csirt_kit.scan.rules import load_rules
from csirt_kit.scan.webroots import FILE_SCOPES
from csirt_kit.store.db import open_store
dest, db, mode = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
rs = load_rules(scopes=FILE_SCOPES)
store = open_store(db)
roots = [(p, p.name) for p in sorted(dest.glob("site*"))]
started = time.perf_counter()
report = scan_files(rs, roots, options=FileOptions(full=mode == "full"), store=store)
wall = time.perf_counter() - started
io = dict(line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"stats": report.stats, "findings": len(report.findings),
                  "errors": len(report.errors), "scan_wall": wall,
                  "cpu": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
                  "rchar": int(io["rchar"]), "read_bytes": int(io["read_bytes"])}))
"""


def ours(dest: Path, db: Path, mode: str) -> dict[str, Any]:
    """One scan in its own process (the store kept between calls)."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD_CODE, str(dest), str(db), mode],
                         check=True, capture_output=True, text=True).stdout
    doc: dict[str, Any] = json.loads(out)
    doc["wall"] = time.perf_counter() - start
    doc["load"] = os.getloadavg()[0]
    return doc


def peer(dest: Path) -> dict[str, Any]:
    """`yara -r -p 2` over the whole tree; CPU and read counters from its own process."""
    rules = [f"{p.parent.name}/{p.name}:{p}" for d in RULE_DIRS for p in sorted(d.glob("*.yar"))]
    # yara runs as a child of a small wrapper: once reaped, its reads are in the wrapper's
    # /proc/self/io (the kernel adds a reaped child's counters to its parent's).
    script = ("import json,resource,subprocess,sys\n"
              "out=subprocess.run(sys.argv[1:],capture_output=True,check=True).stdout\n"
              "io=open('/proc/self/io').read()\n"
              "r=resource.getrusage(resource.RUSAGE_CHILDREN)\n"
              "d=dict(l.split(': ') for l in io.splitlines())\n"
              "print(json.dumps({'hits':len(out.splitlines()),'cpu':r.ru_utime+r.ru_stime,"
              "'rchar':int(d['rchar']),'read_bytes':int(d['read_bytes'])}))\n")
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", script, "yara", "-r", "-p", "2", "-w", *rules,
                          str(dest)], check=True, capture_output=True, text=True).stdout
    doc: dict[str, Any] = json.loads(out)
    doc["wall"] = time.perf_counter() - start
    doc["load"] = os.getloadavg()[0]
    return doc


def drop_page_cache() -> bool:
    """Cold reads where allowed (root); True when it worked."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("1\n")
        return True
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sites", type=int, default=900)
    parser.add_argument("--site-kb", type=int, default=2048)
    parser.add_argument("--files", type=int, default=100, help="files per site")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/csirt-bench-incremental"))
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--cold", action="store_true",
                        help="drop the page cache before each scan (root only; slows the machine)")
    args = parser.parse_args()
    if not shutil.which("yara"):
        sys.exit("needs the yara command: apt-get install -y yara")
    tree = args.dir / "www"
    nfiles, nbytes = build(tree, args.sites, args.site_kb, args.files)
    db = args.dir / "bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    time.sleep(1.2)  # let the new files settle (racy ctime window)
    version = subprocess.run(["yara", "--version"], capture_output=True, text=True).stdout.strip()
    rows: list[tuple[str, dict[str, Any]]] = []

    def step(name: str, fn: Any) -> None:
        if args.cold:
            drop_page_cache()
        rows.append((name, fn()))

    step("csirt first scan", lambda: ours(tree, db, "incremental"))
    step("csirt rescan, unchanged", lambda: ours(tree, db, "incremental"))
    changed = change(tree, int(nfiles * args.changed), seed=int(time.time()) % 10**8)
    step(f"csirt rescan, {changed} changed", lambda: ours(tree, db, "incremental"))
    step("csirt rescan --full", lambda: ours(tree, db, "full"))
    step("yara -r -p 2", lambda: peer(tree))
    print(f"tree: {args.sites} webroots, {nfiles:,} files, {nbytes / 1e6:,.0f} MB; rules: bundled"
          f" files+web; yara {version}; cores: {os.cpu_count()}; page cache:"
          f" {'dropped before each' if args.cold else 'warm'}")
    full_rchar = rows[0][1]["rchar"]
    print(f"{'run':28s} {'opened':>8s} {'bytes read':>14s} {'rchar':>14s} {'disk':>12s}"
          f" {'% of full':>9s} {'wall s':>7s} {'cpu s':>7s} {'load':>5s} hits")
    for name, d in rows:
        st = d.get("stats", {})
        opened = st.get("read", nfiles)
        counted = st.get("bytes_read", nbytes)
        print(f"{name:28s} {opened:8,d} {counted:14,d} {d['rchar']:14,d} {d['read_bytes']:12,d}"
              f" {100 * d['rchar'] / full_rchar:8.2f}% {d['wall']:7.2f} {d['cpu']:7.2f}"
              f" {d['load']:5.1f} {d.get('findings', d.get('hits'))}")
    print("opened/bytes read: our scan's own count (files handed to the readers); for yara,"
          " every file. rchar: the process's read() bytes incl. Python modules, compiled rules"
          " and the store; yara maps files into memory, so its rchar leaves them out."
          " disk: bytes that came from the disk, not the page cache.")


if __name__ == "__main__":
    main()
