"""Backend throughput on the real default model.

For each backend (BACKEND[:DTYPE]), on the same prompts (prompts/bench.yaml `throughput`):
  sequential  each prompt alone (n=1), one after the other: single-stream tokens/s
  batched     all prompts in one generate call
  8 x n=1     one prompt, 8 requests one after the other
  1 x n=8     the same prompt, one request with n=8 (the prompt is processed once)
Temperature 0.8, fixed max_tokens; EOS is not ignored (no backend offers it
everywhere), so speed is compared as completion tokens per second.

    python bench/backends.py --backends transformers:float32,transformers:int8 --max-tokens 64
    python bench/backends.py --backends transformers:float32,vllm   # once agent/models/vllm.py exists
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


def timed(model, requests) -> tuple[float, int]:
    """Seconds and completion tokens of one generate call."""
    t0 = time.perf_counter()
    outs = model.generate(requests)
    return time.perf_counter() - t0, sum(c.completion_tokens for o in outs for c in o)


def measure(model, prompts: list[str], n: int, temperature: float, max_tokens: int, seed: int) -> dict:
    from agent.types import Request, SamplingParams, user

    def request(text: str, k: int = 1, s: int = seed) -> Request:
        return Request([user(text)], SamplingParams(n=k, temperature=temperature, max_tokens=max_tokens, seed=s))

    timed(model, [Request([user("Hi")], SamplingParams(max_tokens=4))])  # warm-up
    rows: dict[str, tuple[float, int]] = {}
    parts = [timed(model, [request(p)]) for p in prompts]
    rows["sequential"] = (sum(t for t, _ in parts), sum(k for _, k in parts))
    rows["batched"] = timed(model, [request(p) for p in prompts])
    parts = [timed(model, [request(prompts[0], 1, seed + i)]) for i in range(n)]
    rows[f"{n} x n=1"] = (sum(t for t, _ in parts), sum(k for _, k in parts))
    rows[f"1 x n={n}"] = timed(model, [request(prompts[0], n)])
    result = {name: {"seconds": round(t, 2), "tokens": k, "tokens_per_s": round(k / t, 1)}
              for name, (t, k) in rows.items()}
    result["n_speedup"] = round(result[f"1 x n={n}"]["tokens_per_s"] / result[f"{n} x n=1"]["tokens_per_s"], 2)
    return result


def load(spec: str, model_id: str | None, seed: int):
    from agent.config import ModelConfig
    from agent.models import load_model

    backend, _, dtype = spec.partition(":")
    fields = {"backend": backend, "dtype": dtype or "auto", "seed": seed}
    if model_id:
        fields["model"] = model_id
    if backend == "vllm":
        fields["engine_args"] = {"enforce_eager": True}
    return load_model(ModelConfig(**fields))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends", default="transformers:float32,transformers:int8",
                    help="comma-separated BACKEND[:DTYPE], e.g. transformers:float32,transformers:int8,vllm")
    ap.add_argument("--model", default=None, help="model id or path (default: the default model)")
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--temperature", type=float, default=0.8)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None, help="write the numbers as JSON here")
    args = ap.parse_args(argv)

    import prompts
    from agent.errors import PlaygroundError

    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
    os.environ.setdefault("VLLM_CPU_OMP_THREADS_BIND", f"0-{(os.cpu_count() or 1) - 1}")
    texts = prompts.get("bench", "throughput")
    results = {}
    for spec in args.backends.split(","):
        try:
            model = load(spec, args.model, args.seed)
        except (PlaygroundError, ImportError) as e:
            print(f"{spec}: skipped ({e})", flush=True)
            continue
        try:
            results[spec] = r = measure(model, texts, args.n, args.temperature, args.max_tokens, args.seed)
        finally:
            model.close()
        for name, row in r.items():
            if isinstance(row, dict):
                print(f"{spec:22s} {name:12s} {row['tokens']:5d} tokens {row['seconds']:7.2f} s "
                      f"{row['tokens_per_s']:7.1f} tok/s", flush=True)
        print(f"{spec:22s} n={args.n} in one request vs {args.n} sequential: {r['n_speedup']:.2f}x tokens/s",
              flush=True)
    specs = list(results)
    for spec in specs[1:]:
        for name in ("sequential", "batched"):
            ratio = results[spec][name]["tokens_per_s"] / results[specs[0]][name]["tokens_per_s"]
            print(f"{spec} vs {specs[0]} ({name}): {ratio:.2f}x tokens/s", flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
