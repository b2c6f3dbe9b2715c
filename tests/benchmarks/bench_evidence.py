"""Cost of evidence capture in `csirt scan files`, and of `csirt findings export`.

Usage:  python tests/benchmarks/bench_evidence.py [--corpus DIR] [--planted 300] [--runs 3]

Scans (each its own `csirt` process, a fresh store every run so the content cache is cold
in both modes) alternate capture off (CSIRT_KIT_EVIDENCE__CAPTURE=false) and on, over
  1. the benign corpus ($CSIRT_KIT_TEST_CORPUS: WordPress core, jQuery, Bootstrap): no
     findings, so capture should cost nothing but its check;
  2. the same corpus plus --planted harmless rule samples (each made distinct), so every
     planted file is a finding whose file is copied.
Each is rescanned once on its last store (evidence unchanged: capture only checks).
Then `csirt findings export` of every finding of run 2 against the peer `tar czf` of the
planted files. Wall and CPU time (children's rusage) are reported with the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "tests" / "data" / "samples" / "files"
CSIRT = str(Path(sys.executable).with_name("csirt"))


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, subprocess.CompletedProcess[bytes]]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=True, check=False)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 3):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr.decode()}")
    return wall, cpu, proc


def plant(corpus: Path, dest: Path, count: int) -> list[Path]:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(corpus, dest / "corpus", symlinks=True)
    samples = sorted(SAMPLES.glob("*/*.match"))
    planted = []
    for i in range(count):
        src = samples[i % len(samples)]
        target = dest / "uploads" / f"{i:04d}" / (src.stem.split(".")[0] + ".php")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(src.read_bytes() + f"\n/* planted {i} */\n".encode())
        planted.append(target)
    return planted


def capture_alone(db: Path) -> None:
    """capture() in this process over the findings of a store scanned with capture off."""
    from csirt_kit.evidence.collect import capture
    from csirt_kit.evidence.settings import EvidenceSettings
    from csirt_kit.findings import list_findings
    from csirt_kit.store.db import open_store

    store = open_store(db)
    findings = list_findings(store.conn)
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.monotonic()
    got = capture(store, findings, EvidenceSettings(), "2026-01-01T00:00:00Z")
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    again = time.monotonic()
    capture(store, findings, EvidenceSettings(), "2026-01-01T00:00:00Z")
    print(f"capture() alone: {len(findings)} findings, {got.blobs} pieces: {wall:.3f} s wall,"
          f" {cpu:.3f} s cpu; unchanged again: {time.monotonic() - again:.3f} s | load {load()}")
    store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", type=Path, default=Path(os.environ.get(
        "CSIRT_KIT_TEST_CORPUS", "/root/.cache/csirt-kit-corpus/root")))
    ap.add_argument("--planted", type=int, default=300)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-evidence-"))
    try:
        planted_root = work / "planted"
        planted = plant(args.corpus, planted_root, args.planted)
        base = {k: v for k, v in os.environ.items() if not k.startswith("CSIRT_KIT_")}
        for label, target in (("benign corpus", args.corpus), ("corpus + planted", planted_root)):
            results: dict[str, list[tuple[float, float, str]]] = {"off": [], "on": []}
            findings = 0
            for run in range(args.runs):
                for mode in ("off", "on"):
                    store = work / f"store-{mode}-{run}" / "csirt.db"
                    env = {**base, "CSIRT_KIT_STORE__PATH": str(store),
                           "CSIRT_KIT_EVIDENCE__CAPTURE": "true" if mode == "on" else "false"}
                    wall, cpu, proc = timed([CSIRT, "--json", "scan", "files", str(target)], env)
                    findings = len(json.loads(proc.stdout)["findings"])
                    results[mode].append((wall, cpu, load()))
            for mode in ("off", "on"):  # rescans of the last run's store: evidence unchanged
                store = work / f"store-{mode}-{args.runs - 1}" / "csirt.db"
                env = {**base, "CSIRT_KIT_STORE__PATH": str(store),
                       "CSIRT_KIT_EVIDENCE__CAPTURE": "true" if mode == "on" else "false"}
                wall, cpu, _ = timed([CSIRT, "--json", "scan", "files", str(target)], env)
                print(f"{label:18} rescan, capture {mode:3}: {wall:.2f} s wall, {cpu:.2f} s cpu,"
                      f" load {load()}")
            for mode, rows in results.items():
                print(f"{label:18} capture {mode:3}: findings {findings:4}  wall median "
                      f"{statistics.median(r[0] for r in rows):6.2f} s  cpu median "
                      f"{statistics.median(r[1] for r in rows):6.2f} s  runs "
                      + "; ".join(f"{w:.2f}/{c:.2f}s load {ld}" for w, c, ld in rows))
        capture_alone(work / f"store-off-{args.runs - 1}" / "csirt.db")
        store = work / f"store-on-{args.runs - 1}" / "csirt.db"
        env = {**base, "CSIRT_KIT_STORE__PATH": str(store)}
        blobs = sum(p.stat().st_size for p in (store.with_suffix(".d") / "evidence").rglob("*")
                    if p.is_file())
        print(f"evidence folder after capture: {blobs} bytes")
        _, _, proc = timed([CSIRT, "--json", "findings", "list"], env)
        fps = [f["fingerprint"] for f in json.loads(proc.stdout)["items"]]
        for run in range(args.runs):
            wall, cpu, proc = timed([CSIRT, "--json", "findings", "export", *fps, "--out",
                                     str(work / f"all-{run}.zip")], env)
            doc = json.loads(proc.stdout)
            pwall, pcpu, _ = timed(["tar", "czf", str(work / f"peer-{run}.tar.gz"),
                                    *map(str, planted)], env)
            print(f"export {len(fps)} findings: {wall:.2f} s wall, {cpu:.2f} s cpu, "
                  f"{doc['size']} bytes, {doc['files']} files | peer tar czf of the "
                  f"{len(planted)} files: {pwall:.2f} s wall, {pcpu:.2f} s cpu | load {load()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
