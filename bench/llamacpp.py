"""Speed of the llamacpp backend (numbers for bench/README.md, all from one run).

    python bench/llamacpp.py single                # 0.5B GGUF: llamacpp vs transformers float32, one stream
    python bench/llamacpp.py batch [--batched-bench PATH]   # 1.5B: n=1/8/16 in one call vs 8 calls
    python bench/llamacpp.py gsm8k --data ../shared/data/gsm8k/test.jsonl   # 16 prompts batched vs one by one
    python bench/llamacpp.py first-use             # join + verify + load + first token; later loads

`batch` generates exactly 128 tokens per sequence after a shared 128-token
prompt (end-of-turn ignored), as upstream's `llama-batched-bench -npp 128 -ntg
128 -pps` does, and reports generation tokens/s (prompt time excluded). With
--batched-bench it runs that binary (built from the llama.cpp source vendored in
llama-cpp-python's sdist, same flags as setup.sh) in the same run and prints
both side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.models.bundles import BUNDLES, bundle_gguf  # noqa: E402
from agent.models.llamacpp_jobs import Job  # noqa: E402
from agent.types import Request, SamplingParams, user  # noqa: E402

PROMPT = ("Write a detailed, step-by-step explanation of how a hash map works, covering hashing, buckets, "
          "collisions, chaining, open addressing, load factors and resizing, with a worked example. ")


def _llamacpp(name: str, **kw):
    from agent.models.llamacpp import LlamaCppModel

    return LlamaCppModel(str(bundle_gguf(BUNDLES[name])), **kw)


def _prompt_ids(model, n_tokens: int) -> list[int]:
    ids = model.encode([user(PROMPT * 8)])
    return ids[:n_tokens]


def generation_speed(model, jobs: list[Job]) -> tuple[float, int]:
    """Generation tokens/s of one decoder run: from the first sampled token of the last admitted
    sequence to the end (prompt evaluation excluded, as llama-batched-bench's S_TG)."""
    total = sum(j.n for j in jobs)
    started = 0
    t_first = t_end = time.perf_counter()
    tokens = 0
    for seq in model.decoder.run(jobs):
        if len(seq.tokens) == 1:
            started += 1
            if started == total:
                t_first = time.perf_counter()
        else:
            tokens += 1
        t_end = time.perf_counter()
    return tokens / max(1e-9, t_end - t_first), tokens


def cmd_single(args) -> dict:
    from agent.models.resolve import resolve_model
    from agent.models.transformers import TransformersModel

    req = Request([user(PROMPT)], SamplingParams(max_tokens=args.tokens))
    out = {}
    for label, make in (("llamacpp", lambda: _llamacpp("qwen2.5-coder-0.5b", n_ctx=4096)),
                        ("transformers float32", lambda: TransformersModel(
                            resolve_model("qwen2.5-coder-0.5b", allow_hub=False).path, dtype="float32"))):
        model = make()
        model.generate([Request([user("hi")], SamplingParams(max_tokens=4))])  # warm-up
        t0 = time.perf_counter()
        [[c]] = model.generate([req])
        dt = time.perf_counter() - t0
        out[label] = {"tokens": c.completion_tokens, "seconds": round(dt, 2),
                      "tokens_per_s": round(c.completion_tokens / dt, 1)}
        model.close()
    out["ratio"] = round(out["llamacpp"]["tokens_per_s"] / out["transformers float32"]["tokens_per_s"], 2)
    return out


def cmd_batch(args) -> dict:
    model = _llamacpp("qwen2.5-coder-1.5b", n_ctx=8192, n_seq_max=16, n_threads=args.threads)
    ids = _prompt_ids(model, 128)

    def job(n: int, seed: int = 0) -> Job:
        return Job(ids=ids, n=n, max_new=args.tokens, temperature=0.8, seeds=tuple(range(seed, seed + n)),
                   ignore_eos=True)

    generation_speed(model, [job(1)])  # warm-up
    out: dict = {}
    for n in (1, 8, 16):
        speed, tokens = generation_speed(model, [job(n)])
        out[f"n={n} one call"] = {"tg_tokens_per_s": round(speed, 1), "tokens": tokens}
    t0 = time.perf_counter()
    gen = 0
    for i in range(8):
        speed, tokens = generation_speed(model, [job(1, seed=100 + i)])
        gen += tokens
    seq_speed = gen / (time.perf_counter() - t0)
    out["8 sequential calls"] = {"tokens_per_s": round(seq_speed, 1), "tokens": gen}
    out["n=8 / sequential"] = round(out["n=8 one call"]["tg_tokens_per_s"] / seq_speed, 2)
    out["n=16 / sequential"] = round(out["n=16 one call"]["tg_tokens_per_s"] / seq_speed, 2)
    model.close()
    if args.batched_bench:
        out["llama-batched-bench"] = batched_bench(args.batched_bench, args.threads, args.tokens)
        for n in (1, 8, 16):
            ref = out["llama-batched-bench"].get(n)
            if ref:
                out[f"n={n} vs llama-batched-bench"] = round(out[f"n={n} one call"]["tg_tokens_per_s"] / ref, 2)
    return out


def batched_bench(binary: str, threads: int, tokens: int) -> dict[int, float]:
    """Run upstream's llama-batched-bench on the same model; S_TG per parallel count."""
    gguf = bundle_gguf(BUNDLES["qwen2.5-coder-1.5b"])
    cmd = [binary, "-m", str(gguf), "-c", "8192", "-b", "2048", "-ub", "512", "-npp", "128",
           "-ntg", str(tokens), "-npl", "1,8,16", "-pps", "-t", str(threads), "-kvu"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    speeds: dict[int, float] = {}
    for line in done.stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 10 and cells[0].isdigit():
            # | PP | TG | B | N_KV | T_PP s | S_PP t/s | T_TG s | S_TG t/s | T s | S t/s |
            speeds[int(cells[2])] = float(cells[7])
    if not speeds:
        raise SystemExit(f"llama-batched-bench printed no table: {done.stdout[-500:]} {done.stderr[-1500:]}")
    return speeds


def cmd_gsm8k(args) -> dict:
    from agent import reasoning

    questions = []
    with open(args.data, encoding="utf-8") as f:
        for line in f:
            questions.append(json.loads(line)["question"])
            if len(questions) == 16:
                break
    model = _llamacpp("qwen2.5-coder-1.5b", n_threads=args.threads)
    params = SamplingParams(max_tokens=args.tokens)
    reqs = [Request(reasoning.build_messages(q, "cot", "number", None), params) for q in questions]
    model.generate(reqs[:1])  # warm-up
    model.decoder.clear()  # each from an empty cache (bench/prefix_cache.py measures the cache)
    t0 = time.perf_counter()
    batched = model.generate(reqs)
    t_batch = time.perf_counter() - t0
    model.decoder.clear()
    t0 = time.perf_counter()
    alone = [model.generate([r])[0] for r in reqs]
    t_alone = time.perf_counter() - t0
    tok_b = sum(c.completion_tokens for cs in batched for c in cs)
    tok_a = sum(c.completion_tokens for cs in alone for c in cs)
    model.close()
    return {"batched": {"seconds": round(t_batch, 1), "tokens": tok_b, "tokens_per_s": round(tok_b / t_batch, 1)},
            "one at a time": {"seconds": round(t_alone, 1), "tokens": tok_a,
                              "tokens_per_s": round(tok_a / t_alone, 1)},
            "ratio": round((tok_b / t_batch) / (tok_a / t_alone), 2),
            "same answers": sum(b[0].text == a[0].text for b, a in zip(batched, alone, strict=True))}


FIRST_USE = """
import time, sys
t0 = time.perf_counter()
from agent.models import load_model
from agent.config import ModelConfig
from agent.types import SamplingParams, user
m = load_model(ModelConfig())
t1 = time.perf_counter()
next(iter(m.stream([user("hi")], SamplingParams(max_tokens=4))))
print(f"{time.perf_counter() - t0:.2f} {t1 - t0:.2f}")
"""


def cmd_first_use(args) -> dict:
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "PLAYGROUND_CACHE": cache}
        for label in ("first use (join + verify + load + first token)", "later use"):
            done = subprocess.run([sys.executable, "-c", FIRST_USE], env=env, capture_output=True, text=True,
                                  cwd=Path(__file__).resolve().parents[1], timeout=600)
            if done.returncode != 0:
                raise SystemExit(done.stderr[-2000:])
            first_token, loaded = map(float, done.stdout.split()[-2:])
            out[label] = {"first_token_s": first_token, "loaded_s": loaded}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("part", choices=["single", "batch", "gsm8k", "first-use"])
    ap.add_argument("--tokens", type=int, default=128, help="tokens generated per sequence")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batched-bench", help="path of llama-batched-bench to run in the same session")
    ap.add_argument("--data", help="gsm8k: a GSM8K test.jsonl")
    args = ap.parse_args()
    if args.part == "gsm8k" and not args.data:
        ap.error("gsm8k needs --data PATH")
    result = {"single": cmd_single, "batch": cmd_batch, "gsm8k": cmd_gsm8k, "first-use": cmd_first_use}[
        args.part](args)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
