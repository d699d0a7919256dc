"""Does int8 dynamic quantization cost accuracy, and is batching to blame?

Runs the first --limit GSM8K test questions greedily with the transformers
backend in several settings and grades the last \\boxed{} (else the last number)
against the gold answer after ####:

    python bench/int8_accuracy.py --data /work/shared/data/gsm8k/test.jsonl --limit 16 \
        --runs float32:batched,int8:batched,int8:single,int8-keep-down:batched

A run is DTYPE:MODE. DTYPE float32 | int8 (all Linear layers, dynamic per-tensor
activation scales) | int8-keep-down (int8 except the MLP down projections, whose
inputs carry Qwen's outlier activations). MODE batched (all questions in one
generate call) | single (one question per call).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def final_answer(text: str) -> str | None:
    """Content of the last \\boxed{...}, else the last number in the text."""
    boxed = re.findall(r"\\boxed\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}", text)
    candidates = NUMBER.findall(boxed[-1]) if boxed else []
    if not candidates:
        candidates = NUMBER.findall(text)
    return candidates[-1].replace(",", "") if candidates else None


def is_correct(text: str, gold: str) -> bool:
    got = final_answer(text)
    if got is None:
        return False
    try:
        return abs(float(got) - float(gold.replace(",", ""))) < 1e-6
    except ValueError:
        return False


def load_gsm8k(path: Path, limit: int) -> list[tuple[str, str]]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if len(rows) >= limit:
                break
            d = json.loads(line)
            rows.append((d["question"], d["answer"].split("####")[-1].strip()))
    return rows


def load(model_path: str, dtype: str):
    import torch

    from agent.models.transformers import TransformersModel

    if dtype != "int8-keep-down":
        return TransformersModel(model_path, dtype=dtype, batch_size=16)
    model = TransformersModel(model_path, dtype="float32", batch_size=16)
    qconfig = torch.ao.quantization.default_dynamic_qconfig
    spec = {name: qconfig for name, mod in model.model.named_modules()
            if isinstance(mod, torch.nn.Linear) and not name.endswith("down_proj")}
    model.model = torch.ao.quantization.quantize_dynamic(model.model, spec, dtype=torch.qint8)
    return model


def run(model, questions: list[tuple[str, str]], mode: str, max_tokens: int) -> dict:
    import prompts
    from agent.types import Request, SamplingParams, user

    params = SamplingParams(temperature=0.0, max_tokens=max_tokens)
    requests = [Request([user(prompts.render("bench", "gsm8k_cot", question=q))], params) for q, _ in questions]
    t0 = time.perf_counter()
    if mode == "batched":
        outs = [c[0] for c in model.generate(requests)]
    else:
        outs = [model.generate([r])[0][0] for r in requests]
    seconds = time.perf_counter() - t0
    correct = [is_correct(c.text, gold) for c, (_, gold) in zip(outs, questions, strict=True)]
    tokens = sum(c.completion_tokens for c in outs)
    return {"correct": sum(correct), "total": len(questions), "per_question": [int(x) for x in correct],
            "answers": [final_answer(c.text) for c in outs], "texts": [c.text for c in outs],
            "cut_at_max_tokens": sum(c.finish_reason == "length" for c in outs), "completion_tokens": tokens,
            "seconds": round(seconds, 1), "tokens_per_s": round(tokens / seconds, 1)}


def outlier_report(model_path: str, question: str) -> list[str]:
    """Per layer: the largest |activation| entering mlp.down_proj, for the prompt's first token and
    for the median token. Dynamic int8 uses one scale per tensor, so the first token's outliers set
    the quantization step for every token in the same matmul."""
    import torch

    import prompts
    from agent.models.transformers import TransformersModel
    from agent.types import user

    model = TransformersModel(model_path, dtype="float32")
    ids = torch.tensor([model.encode([user(prompts.render("bench", "gsm8k_cot", question=question))])])
    lines = []

    def hook(name):
        def record(module, inputs, output):
            per_token = inputs[0][0].abs().amax(-1)
            first, median = per_token[0].item(), per_token.median().item()
            step = (2 * per_token.max().item()) / 127  # quint8 with reduce_range: 7 bits over [min, max]
            lines.append(f"{name:28s} first token {first:8.1f}  median token {median:6.2f}  "
                         f"int8 step {step:6.2f} ({step / median:.0%} of a median token's max)")
        return record

    for name, module in model.model.named_modules():
        if name.endswith("mlp.down_proj"):
            module.register_forward_hook(hook(name))
    with torch.no_grad():
        model.model(ids)
    model.close()
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("/work/shared/data/gsm8k/test.jsonl"))
    ap.add_argument("--limit", type=int, default=16)
    ap.add_argument("--max-tokens", type=int, default=400)
    ap.add_argument("--model", default=None, help="model id or path (default: the default model)")
    ap.add_argument("--runs", default="float32:batched,int8:batched,int8:single")
    ap.add_argument("--out", type=Path, default=None, help="write all results as JSON here")
    ap.add_argument("--probe", action="store_true",
                    help="only print the activation outliers entering each down_proj (one forward pass)")
    args = ap.parse_args(argv)

    from agent.config import DEFAULT_MODEL
    from agent.models.resolve import resolve_model

    path = resolve_model(args.model or DEFAULT_MODEL).path
    questions = load_gsm8k(args.data, args.limit)
    if args.probe:
        print("\n".join(outlier_report(path, questions[0][0])))
        return 0
    results = {}
    for spec in args.runs.split(","):
        dtype, mode = spec.split(":")
        model = load(path, dtype)
        results[spec] = run(model, questions, mode, args.max_tokens)
        model.close()
        r = results[spec]
        print(f"{spec:24s} {r['correct']:2d}/{r['total']}  {r['completion_tokens']:5d} tokens "
              f"({r['cut_at_max_tokens']} cut at max_tokens) "
              f"{r['seconds']:7.1f} s  {r['tokens_per_s']:6.1f} tok/s  per question {r['per_question']}",
              flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
