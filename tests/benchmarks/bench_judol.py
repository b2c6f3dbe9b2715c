"""Benchmark of the judol vocabulary and web heuristics, each beside a peer in the same run.

1. normalize_text against Unidecode (the usual Python folding library) and plain NFKC on
   ~8 MB of city page text with fancy-letter spam mixed in: speed, and how many of the
   spam spellings each one turns back into "slot gacor".
2. inspect_page + judge (the judol heuristics) against parse_page (the scanner's existing
   HTML pass) over the benign corpus ($CSIRT_KIT_TEST_CORPUS HTML/JS/PHP as page bodies).
3. `scan web` of N loopback sites with the four default identities against the former
   two (browser, Googlebot): requests, wall and CPU time.

Usage: /work/venv/bin/python tests/benchmarks/bench_judol.py [--sites 200]
Every line prints wall and CPU seconds and the load average at the time.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from csirt_kit.judol.vocab import load_vocabulary, normalize_text
from csirt_kit.scan.web.html import parse_page
from csirt_kit.scan.web.judol import inspect_page, judge

SPAM = ["𝐒𝐋𝐎𝐓 𝐆𝐀𝐂𝐎𝐑", "𝑺𝑳𝑶𝑻 𝑮𝑨𝑪𝑶𝑹", "ＳＬＯＴ ＧＡＣＯＲ", "ⓈⓁⓄⓉ ⒼⒶⒸⓄⓇ", "🆂🅻🅾🆃 🅶🅰🅲🅾🆁", "ꜱʟᴏᴛ ɢᴀᴄᴏʀ",
        "ЅLОТ GАСОR", "S\u200bLOT GA\u00adCOR", "𝕊𝕃𝕆𝕋 𝔾𝔸ℂ𝕆ℝ", "S̶L̶O̶T̶ G̶A̶C̶O̶R̶"]
CITY = ("Pemerintah Kota mengumumkan jadwal pelayanan administrasi kependudukan di kecamatan, "
        "termasuk perekaman KTP elektronik dan pembuatan akta kelahiran. ")


def cpu() -> float:
    """User + system CPU seconds of this process (all threads)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def timed(label: str, fn: Callable[[], Any]) -> Any:
    w, c = time.perf_counter(), cpu()
    out = fn()
    print(f"{label:<52} wall {time.perf_counter() - w:7.3f} s  cpu {cpu() - c:7.3f} s  {load()}")
    return out


def bench_normalise() -> None:
    from unidecode import unidecode

    chunks = []
    for i in range(60_000):
        chunks.append(CITY if i % 6 else f"Info {SPAM[i // 6 % len(SPAM)]} hari ini. ")
    text = "".join(chunks)
    print(f"\n1. normalisation: {len(text.encode()) / 1e6:.1f} MB of text, {len(SPAM)} spam spellings")
    timed("csirt_kit normalize_text", lambda: normalize_text(text))
    timed("peer unidecode(text).lower()", lambda: unidecode(text).lower())
    timed("stdlib NFKC + lower", lambda: unicodedata.normalize("NFKC", text).lower())
    for name, fn in (("normalize_text", normalize_text), ("unidecode", lambda s: unidecode(s).lower()),
                     ("NFKC", lambda s: unicodedata.normalize("NFKC", s).lower())):
        ok = sum(1 for s in SPAM if " ".join(fn(s).split()) == "slot gacor")
        print(f"   {name:<16} folds {ok}/{len(SPAM)} spellings to 'slot gacor'")


def bench_heuristics() -> None:
    root = os.environ.get("CSIRT_KIT_TEST_CORPUS", "")
    if not root:
        print("\n2. heuristics: skipped ($CSIRT_KIT_TEST_CORPUS not set; eval $(.ci/fetch-corpus))")
        return
    files = [p for p in sorted(Path(root).rglob("*"))
             if p.suffix.lower() in (".html", ".htm", ".js", ".php") and p.is_file()]
    bodies = [p.read_bytes() for p in files]
    size = sum(map(len, bodies)) / 1e6
    vocab = load_vocabulary(None)
    url = "https://dinkes.kota.go.id/"
    print(f"\n2. page heuristics over the benign corpus: {len(bodies)} files, {size:.1f} MB")
    found = timed("csirt_kit inspect_page + judge", lambda: sum(
        1 for b in bodies if judge(inspect_page(b, url, vocab))))
    timed("peer parse_page (the scanner's own HTML pass)", lambda: [parse_page(b, url) for b in bodies])
    print(f"   verdicts on benign files: {found}")


def bench_scan(n: int) -> None:
    from csirt_kit.scan.web.scanner import scan_web
    from csirt_kit.scan.web.settings import BROWSER_UA, GOOGLEBOT_UA, Identity, WebSettings
    from csirt_kit.store.db import open_store
    from tests.scan_web.server import LoopbackServer, Route, Sites

    body = ("<html><head><title>Dinas</title></head><body>" + CITY * 40 + "</body></html>").encode()
    sites = Sites(default=lambda host, path: Route(body=body, delay=0.01) if path == "/" else None)
    with LoopbackServer(sites) as server:
        hosts = [f"s{i}.kota.test" for i in range(n)]
        import tempfile

        from csirt_kit.inventory.importer import import_inventory

        store = open_store(":memory:")
        with tempfile.TemporaryDirectory() as tmp:
            inv = Path(tmp) / "inventory.csv"
            inv.write_text("id,name,kind,owner,status,urls\n" + "".join(
                f"web-{i},{h},website,Diskominfo,active,http://{h}/\n" for i, h in enumerate(hosts)))
            import_inventory(store, [inv])
        resolve = {"*.kota.test": f"127.0.0.1:{server.port}"}
        two = (Identity("browser", BROWSER_UA), Identity("googlebot", GOOGLEBOT_UA, True))
        print(f"\n3. scan web of {n} loopback sites (10 ms answer delay, per_host 1, 16 workers)")
        for label, settings in (("four identities (default)", WebSettings(workers=16, resolve=resolve)),
                                ("peer: two identities (former default)",
                                 WebSettings(workers=16, resolve=resolve, identities=two))):
            report = timed(f"{label}", lambda s=settings: scan_web(store, None, None, settings=s))
            print(f"   requests {report.stats['requests']}, findings {len(report.findings)}, "
                  f"errors {len(report.errors)}")
        store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=200)
    args = ap.parse_args()
    bench_normalise()
    bench_heuristics()
    bench_scan(args.sites)


if __name__ == "__main__":
    main()
