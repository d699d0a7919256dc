"""How `playground view` copes with a big run (inspect_ai's viewer ran out of memory on big logs,
inspect_ai #1375, and crashed at 6,700 events, #2249): one eval store of N samples, each with
a question and a reply of about 1,400 characters, written through
the real ResultStore; then the real server on 127.0.0.1 answers the runs page, the first and
the last page of the sample table, a text search, a sample page, and the study-free pair page
of the run with a copy of itself. Prints seconds per page and the process's peak RSS.

    python bench/view.py --samples 20000
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.request import urlopen

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.scaling.strategies import SINGLE  # noqa: E402
from agent.scaling.types import Attempt, StrategyResult  # noqa: E402
from agent.types import Score  # noqa: E402
from evals.store import ResultStore  # noqa: E402
from playground.view.pages_pair import pair_key  # noqa: E402
from playground.view.server import make_server, url_of  # noqa: E402
from playground.view.site import Site  # noqa: E402

REPLY = ("Let me think step by step. " * 50) + "The answer is {n}."


def make_run(folder: Path, samples: int) -> None:
    with ResultStore.in_dir(folder) as store:
        rid = store.create_run({"eval": {"task": "jsonl", "method": "cot", "strategy": SINGLE},
                                "dataset": {"samples": samples}, "model": {"name": "bench", "backend": "scripted"}})
        for i in range(samples):
            answer = str(i % 7)
            attempt = Attempt(index=0, text=REPLY.format(n=answer), answer=answer, prompt_tokens=200,
                              completion_tokens=400,
                              messages=[{"role": "user", "content": f"Question {i}: how many?"}])
            score = Score("correct" if i % 3 else "incorrect", "numeric")
            store.write_result(rid, StrategyResult(f"q{i}", SINGLE, 1, answer=answer, score=score,
                                                   attempts=[attempt]),
                               position=i, target=answer if i % 3 else "x")


def timed(url: str) -> tuple[float, int]:
    start = time.perf_counter()
    with urlopen(url, timeout=600) as r:
        size = len(r.read())
        assert r.status == 200, url
    return time.perf_counter() - start, size


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=20000)
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="view-bench-"))
    try:
        start = time.perf_counter()
        make_run(base / "big", args.samples)
        shutil.copytree(base / "big", base / "big-copy")
        print(f"wrote {args.samples} samples ({sum(p.stat().st_size for p in base.rglob('*')) / 1e6:.0f} MB, "
              f"two runs) in {time.perf_counter() - start:.1f} s")
        site = Site([base])
        server = make_server(site, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = url_of(server)
        keys = {r.label: r.key for r in site.refs()}
        key = keys["big"]
        last = -(-args.samples // 100)
        pages = [("runs page", ""), ("table, page 1", f"e/{key}/index.html"),
                 (f"table, page {last}", f"e/{key}/all-{last}.html"),
                 ("incorrect, page 1", f"e/{key}/incorrect-1.html"),
                 ("text search", f"e/{key}/index.html?q=Question%20{args.samples - 1}:"),
                 ("a sample", f"e/{key}/s/q{args.samples // 2}.html"), ("pair page", None)]
        print(f"{'page':<20} {'seconds':>8} {'KB':>8}")
        for name, path in pages:
            if path is None:  # the pair's address as the site names it (after the pages above, so they load cold)
                path = f"p/{pair_key(*(r.ref.key for r in site.eval_pairs()[0]))}/index.html"
            seconds, size = timed(url + path)
            print(f"{name:<20} {seconds:8.3f} {size / 1e3:8.0f}")
        server.shutdown()
        print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
