"""Benchmark: `playbooks push` (library) against a bare thehive4py create loop, same emulator, same run.

    /work/venv/bin/python -m tests.thehive_templates.bench_push [N_PLAYBOOKS ...]

Prints wall and CPU time (this process: client and the in-process emulator together) and the
load average. The peer only POSTs each template once: no listing, no comparison, no rerun safety.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from thehive4py import TheHiveApi

from csirt_kit.cases.template_build import build_templates
from csirt_kit.cases.template_push import push_templates
from csirt_kit.config import load_config
from csirt_kit.playbooks.loader import load_playbooks
from tests.emulators.thehive import TheHiveEmulator

KEY = "bench-key"


def measure(fn: Callable[[], Any]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one call."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    fn()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def create_all(api: TheHiveApi, templates: list[dict[str, Any]]) -> None:
    """The peer: one POST per template, nothing else."""
    for template in templates:
        api.case_template.create(template)  # type: ignore[arg-type]


def main(sizes: list[int]) -> None:
    with TheHiveEmulator(api_key=KEY, organisation="csirt-kota") as hive, tempfile.TemporaryDirectory() as tmp:
        hive.add_custom_field("csirt-case-key", "string")
        path = Path(tmp) / "config.toml"
        path.write_text(f'[cases]\nbackend = "thehive"\n[cases.thehive]\nurl = "{hive.url}"\n'
                        'key_env = "BENCH_THEHIVE_KEY"\norganisation = "csirt-kota"\n', encoding="utf-8")
        os.environ["BENCH_THEHIVE_KEY"] = KEY
        config = load_config(str(path))
        bundled = load_playbooks(config)
        api = TheHiveApi(hive.url, apikey=KEY, organisation="csirt-kota", max_retries=0)
        for n in sizes:
            books = [replace(bundled[i % len(bundled)], id=f"{bundled[i % len(bundled)].id}-{i}")
                     for i in range(n)]
            hive.reset()
            hive.add_custom_field("csirt-case-key", "string")
            first = measure(partial(push_templates, config, books, "en"))
            rerun = measure(partial(push_templates, config, books, "en"))
            writes = sum(1 for r in hive.requests if r.method != "GET" and r.path != "/api/v1/query")
            hive.reset()
            hive.add_custom_field("csirt-case-key", "string")
            templates = build_templates(books, config, "en")
            bare = measure(partial(create_all, api, templates))
            load = os.getloadavg()
            print(f"{n:4d} templates | push first {first[0]:.3f} s wall {first[1]:.3f} s CPU | "
                  f"rerun {rerun[0]:.3f} s wall {rerun[1]:.3f} s CPU | bare thehive4py create loop "
                  f"{bare[0]:.3f} s wall {bare[1]:.3f} s CPU | push writes {writes} | "
                  f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [9, 100])
