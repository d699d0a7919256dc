"""Throughput of the vllm backend (in-process engine) on GSM8K prompts.

1. a batch of K GSM8K chain-of-thought prompts, greedy, max_tokens 256, in one
   generate call: generated tokens per second;
2. one request with n=8 (native parallel sampling) against 8 sequential
   requests with n=1 (temperature 0.8, max_tokens 128): wall time and speedup.

    python bench/vllm_backend.py --data /work/shared/data/gsm8k/test.jsonl [--out results.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def load_questions(path: Path, limit: int) -> list[str]:
    out = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                out.append(json.loads(line)["question"])
            if len(out) == limit:
                break
    return out


def timed(model, requests) -> tuple[float, int]:
    t0 = time.perf_counter()
    results = model.generate(requests)
    return time.perf_counter() - t0, sum(c.completion_tokens for r in results for c in r)


def run(args: argparse.Namespace) -> dict:
    import prompts
    from agent.config import ModelConfig
    from agent.models.vllm import VLLMModel
    from agent.types import Request, SamplingParams, user

    questions = load_questions(Path(args.data), args.limit)
    chats = [[user(prompts.render("bench", "gsm8k_cot", question=q))] for q in questions]
    t0 = time.perf_counter()
    model = VLLMModel.from_config(ModelConfig(backend="vllm", model=args.model, max_model_len=args.max_model_len))
    startup = time.perf_counter() - t0
    try:
        model.generate([Request(chats[0], SamplingParams(max_tokens=8))])  # warm-up
        greedy = SamplingParams(temperature=0.0, max_tokens=args.max_tokens)
        batch_s, batch_tokens = timed(model, [Request(c, greedy) for c in chats])
        sample = SamplingParams(n=args.n, temperature=0.8, max_tokens=args.sample_max_tokens)
        one = SamplingParams(n=1, temperature=0.8, max_tokens=args.sample_max_tokens)
        n_s, n_tokens = timed(model, [Request(chats[0], sample)])
        seq_s, seq_tokens = 0.0, 0
        for _ in range(args.n):
            s, t = timed(model, [Request(chats[0], one)])
            seq_s, seq_tokens = seq_s + s, seq_tokens + t
    finally:
        model.close()
    return {
        "model": args.model, "engine_startup_s": round(startup, 1),
        "batch": {"requests": len(chats), "max_tokens": args.max_tokens, "seconds": round(batch_s, 2),
                  "completion_tokens": batch_tokens, "tokens_per_s": round(batch_tokens / batch_s, 1)},
        "n_vs_sequential": {
            "n": args.n, "max_tokens": args.sample_max_tokens,
            "n_seconds": round(n_s, 2), "n_tokens": n_tokens, "n_tokens_per_s": round(n_tokens / n_s, 1),
            "sequential_seconds": round(seq_s, 2), "sequential_tokens": seq_tokens,
            "sequential_tokens_per_s": round(seq_tokens / seq_s, 1),
            "speedup_wall": round(seq_s / n_s, 2),
            "speedup_tokens_per_s": round((n_tokens / n_s) / (seq_tokens / seq_s), 2),
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="GSM8K test.jsonl (field 'question')")
    ap.add_argument("--model", default="Qwen/Qwen2.5-Coder-0.5B-Instruct", help="model id or local folder")
    ap.add_argument("--limit", type=int, default=16, help="prompts in the batch")
    ap.add_argument("--max-tokens", type=int, default=256, help="max tokens of the greedy batch")
    ap.add_argument("--n", type=int, default=8, help="samples of the n-vs-sequential comparison")
    ap.add_argument("--sample-max-tokens", type=int, default=128, help="max tokens per sample")
    ap.add_argument("--max-model-len", type=int, default=4096, help="engine context length")
    ap.add_argument("--out", help="write the results as JSON here")
    args = ap.parse_args()
    results = run(args)
    text = json.dumps(results, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
