"""`playground compare`: parallel sampling vs sequential revision (and hybrid,
adaptive) at matched budgets, on one dataset, in one command."""

from __future__ import annotations

import argparse

from agent.errors import UsageError
from agent.scaling import STRATEGIES
from agent.scaling.adaptive import DEFAULT_THRESHOLD
from agent.types import SamplingParams
from evals.compare import CompareSpec, run_compare
from evals.compare.report import verdicts
from playground.options import (
    add_dataset_arguments,
    config_from_args,
    load_cli_dataset,
    open_model,
    strategy_sampling,
)

HELP = "compare test-time strategies at matched budgets (curves.png, report.md, results.json)"
DESCRIPTION = """Compare test-time compute strategies at matched budgets.

Generates once at the largest budget and derives every smaller budget from it
(maj@k exact over subsets of the samples, sequential@k from chain prefixes,
adaptive by replaying its stopping rule). Resumable: rerun the same command
with the same --out to continue.

example:
  playground compare --task gsm8k --data test.jsonl --limit 30 --budgets 1,2,4,8 \\
      --strategies parallel,sequential,hybrid,adaptive --temperature 0.7 --out runs/cmp
"""

def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dataset_arguments(parser, "questions")
    parser.add_argument("--budgets", default="1,2,4,8", help="attempts per question, comma-separated (default 1,2,4,8)")
    parser.add_argument("--strategies", default="parallel,sequential,hybrid,adaptive",
                        help="comma-separated subset of parallel,sequential,hybrid,adaptive")
    parser.add_argument("--method", default="cot", help="reasoning method of each attempt (default cot)")
    parser.add_argument("--out", required=True, help="output folder (results.sqlite, results.json, report.md, curves.png)")
    parser.add_argument("--adaptive-threshold", type=float, help="adaptive stopping threshold (default 0.9)")
    parser.add_argument("--report-only", action="store_true",
                        help="generate nothing: rewrite report.md, results.json, curves.png from the stored attempts")
    parser.add_argument("--chunk-size", type=int, default=8, help="questions generated and stored together (default 8)")


def parse_list(text: str, allowed: tuple[str, ...] | None = None, what: str = "value") -> tuple[str, ...]:
    items = tuple(x.strip() for x in text.split(",") if x.strip())
    if not items:
        raise UsageError(f"no {what} given")
    if allowed is not None:
        bad = [x for x in items if x not in allowed]
        if bad:
            raise UsageError(f"unknown {what} {', '.join(bad)} (choose from {', '.join(allowed)})")
    return tuple(dict.fromkeys(items))


def parse_budgets(text: str) -> tuple[int, ...]:
    try:
        budgets = tuple(sorted({int(x) for x in parse_list(text, what="budget")}))
    except ValueError:
        raise UsageError(f"--budgets must be positive integers separated by commas, got '{text}'") from None
    if budgets[0] < 1:
        raise UsageError("--budgets must be positive integers")
    if budgets[-1] > 64:
        raise UsageError("--budgets above 64 are not supported on one machine")
    return budgets


def main(args: argparse.Namespace) -> int:
    budgets = parse_budgets(args.budgets)
    strategies = parse_list(args.strategies, STRATEGIES, "strategy")
    threshold = DEFAULT_THRESHOLD if args.adaptive_threshold is None else args.adaptive_threshold
    if not 0.5 < threshold < 1:
        raise UsageError("--adaptive-threshold must be between 0.5 and 1")
    if args.chunk_size < 1:
        raise UsageError("--chunk-size must be >= 1")
    config = strategy_sampling(config_from_args(args), "compare")
    samples = load_samples(args)
    params = SamplingParams(temperature=config.sampling.temperature, top_p=config.sampling.top_p,
                            max_tokens=config.sampling.max_tokens)
    spec = CompareSpec(task=args.task, budgets=budgets, strategies=strategies, method=args.method,
                       adaptive_threshold=threshold, chunk_size=args.chunk_size, seed=config.model.seed or 0)
    model = None if args.report_only else open_model(config.model)
    meta = {"model": model.name if model else config.model.model, "backend": config.model.backend,
            "temperature": params.temperature, "max_tokens": params.max_tokens, "method": args.method}
    try:
        outcome = run_compare(model, samples, spec, params, args.out, meta=meta)
    finally:
        if model is not None:
            model.close()
    for v in verdicts(outcome.curve):
        if v.bucket == "all":
            print(f"budget {v.budget}: {v.text}")
    print(f"wall time {outcome.wall_time_s:.0f} s; wrote {', '.join(outcome.files.values())}")
    return 0


def load_samples(args):
    return list(load_cli_dataset(args).samples)
