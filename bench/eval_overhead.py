"""Runner overhead: `evals.runner.run_eval` end-to-end tokens/s against the backend's
raw batched generate throughput on the same prompts, chunks and backend.

    python bench/eval_overhead.py --backend vllm --task gsm8k \
        --data /work/shared/data/gsm8k/test.jsonl --limit 32 --chunk-size 32 --max-tokens 128

Raw: model.generate on exactly the requests the runner sends (stage 1 of the method
for math tasks, the code prompt for code tasks), one call per chunk, greedy. Runner:
the same samples through run_eval (generation, grading, store writes, reports) into a
temporary folder. Both count completion tokens; the ratio should be >= 0.95.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import replace


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", default="transformers")
    ap.add_argument("--model", default=None)
    ap.add_argument("--task", default="gsm8k")
    ap.add_argument("--data", default=None)
    ap.add_argument("--limit", type=int, default=16)
    ap.add_argument("--method", default="cot")
    ap.add_argument("--chunk-size", type=int, default=16)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=1, help="alternate raw/runner this many times")
    args = ap.parse_args()

    from agent.config import ModelConfig, PlaygroundConfig, SamplingConfig
    from agent.models import load_model
    from agent.scaling.chains import first_request, new_job
    from agent.types import SamplingParams
    from evals.datasets import load_dataset
    from evals.manifest import build_manifest
    from evals.runner import EvalSpec, run_eval

    mc = ModelConfig(backend=args.backend, **({"model": args.model} if args.model else {}))
    config = PlaygroundConfig(model=mc, sampling=SamplingConfig(max_tokens=args.max_tokens))
    dataset = load_dataset(args.task, args.data, limit=args.limit)
    samples = dataset.samples
    params = SamplingParams(max_tokens=args.max_tokens)
    requests = [first_request(new_job(s, args.method), params) for s in samples]
    chunks = [requests[i:i + args.chunk_size] for i in range(0, len(requests), args.chunk_size)]
    spec = EvalSpec(task=args.task, data=args.data, limit=args.limit, method=args.method,
                    chunk_size=args.chunk_size)
    manifest = build_manifest(config=config, spec=spec, dataset=dataset, argv=["bench/eval_overhead.py"])

    model = load_model(mc)
    try:
        model.generate([replace(requests[0], params=replace(params, max_tokens=8))])  # warm-up
        rows = []
        for rep in range(args.repeats):
            t0 = time.perf_counter()
            raw_tokens = sum(c.completion_tokens for ch in chunks for comps in model.generate(ch) for c in comps)
            raw_s = time.perf_counter() - t0
            with tempfile.TemporaryDirectory() as out:
                t0 = time.perf_counter()
                summary = run_eval(model, samples, spec, params, out, manifest=manifest, progress=False)
                run_s = time.perf_counter() - t0
                run_tokens = summary.report["tokens"]["completion_total"]
            if args.method == "cot2":
                print("note: cot2 has a second stage the raw pass does not run; use a one-stage method")
            row = {"repeat": rep, "raw_tokens": raw_tokens, "raw_s": round(raw_s, 2),
                   "raw_tok_s": round(raw_tokens / raw_s, 2), "runner_tokens": run_tokens,
                   "runner_s": round(run_s, 2), "runner_tok_s": round(run_tokens / run_s, 2),
                   "ratio": round((run_tokens / run_s) / (raw_tokens / raw_s), 3)}
            rows.append(row)
            print(json.dumps(row), flush=True)
        print(json.dumps({"backend": args.backend, "task": args.task, "samples": len(samples),
                          "chunk_size": args.chunk_size, "max_tokens": args.max_tokens,
                          "mean_ratio": round(sum(r["ratio"] for r in rows) / len(rows), 3)}))
    finally:
        model.close()


if __name__ == "__main__":
    main()
