"""`playground eval`: batch evaluation of a task into a results folder (resumable)."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from agent.errors import UsageError
from agent.reasoning import METHODS
from agent.scaling import STRATEGIES
from agent.scaling.strategies import SINGLE
from agent.types import evaluated_share
from evals.manifest import build_manifest
from evals.runner import EvalSpec, run_eval
from evals.store import DB_NAME
from evals.store_lock import store_lock
from playground.options import (
    add_dataset_arguments,
    config_from_args,
    load_cli_dataset,
    open_model,
    output_folder,
    positive_float,
    positive_int,
    strategy_sampling,
)

HELP = "evaluate a model on a dataset (gsm8k, math500, humaneval, mbpp, jsonl, ...); resumable"
DESCRIPTION = """Evaluate a model on a dataset, batched across samples, into --out DIR:
results.sqlite (every attempt, crash-safe), report.md, results.json, samples.jsonl.

  playground eval --task gsm8k --data test.jsonl --limit 200 --method cot --out runs/gsm8k
  playground eval --task humaneval --out runs/he --max-tokens 512
  playground eval --task humaneval --n 10 --temperature 0.8 --out runs/he-pass10
  playground eval --task gsm8k --data test.jsonl --strategy parallel --budget 8 --temperature 0.7 --out runs/p8
  playground eval ... --out runs/gsm8k --resume     # continue a killed or interrupted run

Exit codes: 0 done, 1 more than half of the samples errored, 2 bad input, 130 interrupted."""

MAX_ERROR_RATE = 0.5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dataset_arguments(parser)
    parser.add_argument("--method", default="cot", choices=list(METHODS),
                        help="reasoning method for answer tasks (default cot)")
    parser.add_argument("--strategy", default=SINGLE, choices=list(STRATEGIES),
                        help="test-time strategy (default single: one attempt, or --n for pass@k)")
    parser.add_argument("--budget", type=positive_int, help="attempts per sample for --strategy (required with it)")
    parser.add_argument("--n", type=positive_int, default=1,
                        help="strategy single: completions per sample, for pass@k (needs --temperature > 0)")
    parser.add_argument("--out", required=True, type=output_folder, help="results folder")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out")
    parser.add_argument("--chunk-size", type=positive_int,
                        help="samples per batched backend call (default 64; 256 for --backend openai)")
    parser.add_argument("--timeout", type=positive_float, default=10.0, help="code tasks: seconds per problem's tests")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def check(args: argparse.Namespace) -> None:
    if args.strategy != SINGLE and not args.budget:
        raise UsageError("--strategy needs --budget N")
    if args.n > 1 and args.strategy != SINGLE:
        raise UsageError("--n is for --strategy single; strategies take --budget")
    out = Path(args.out)
    if (out / DB_NAME).exists() and not args.resume:
        raise UsageError(f"{out} already holds a run: use --resume or another --out")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is not a folder")


def _argv_from(args) -> list[str]:
    """The command line of `args` (when not run from a shell, e.g. cli.main([...]) in tests)."""
    argv = ["eval"]
    for opt in ("task", "data", "limit", "per_level", "method", "strategy", "budget", "n", "out", "backend", "model",
                "temperature", "max_tokens", "config"):
        value = getattr(args, opt, None)
        if value is not None:
            argv += [f"--{opt.replace('_', '-')}", str(value)]
    return argv


def resume_command(argv: list[str]) -> str:
    args = list(argv)
    if "--resume" not in args:
        args.append("--resume")
    return "playground " + shlex.join(args)


def main(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    if STRATEGIES[args.strategy].samples:
        config = strategy_sampling(config, "eval")
    if (args.budget or args.n) > 1 and config.sampling.temperature == 0:
        raise UsageError("--strategy single: more than one completion at temperature 0 is the same greedy one: set --temperature > 0")
    out = Path(args.out)
    dataset = load_cli_dataset(args)
    chunk = args.chunk_size or (256 if config.model.backend == "openai" else 64)
    spec = EvalSpec(task=args.task, data=args.data, limit=args.limit, per_level=args.per_level, method=args.method,
                    strategy=args.strategy, budget=args.budget or args.n, n=args.n, chunk_size=chunk,
                    code_timeout_s=args.timeout, question_field=args.question_field,
                    answer_field=args.answer_field, id_field=args.id_field)
    params = config.sampling.params(seed=config.model.seed if config.sampling.temperature > 0 else None)
    argv = sys.argv[1:] if sys.argv[1:2] == ["eval"] else _argv_from(args)
    manifest = build_manifest(config=config, spec=spec, dataset=dataset, argv=["playground", *argv])
    with store_lock(out):  # after the usage checks; a second run on this --out refuses here, before the model loads
        model = open_model(config.model)
        try:
            summary = run_eval(model, dataset.samples, spec, params, out, manifest=manifest, resume=args.resume,
                               progress=not args.no_progress)
        finally:
            model.close()
    rep = summary.report
    if summary.interrupted:
        why = f"playground: error: {summary.stopped}: stopped" if summary.stopped else "interrupted"
        sys.stderr.write(f"{why}: {summary.done}/{summary.total} samples done; resume with: "
                         f"{resume_command(argv)}\n")
        return 1 if summary.stopped else 130
    acc = rep.get("accuracy")
    lo, hi = rep.get("ci95", [0, 0])
    line = (f"{args.task}: accuracy {acc:.1%} ({summary.correct}/{summary.graded}), 95% CI {lo:.1%}-{hi:.1%}"
            if acc is not None else f"{args.task}: nothing graded")
    for k, v in (rep.get("pass_at_k") or {}).items():
        line += f", {k} {v:.1%}"
    if tokens := rep.get("tokens"):
        line += f"; prompt tokens {evaluated_share(tokens['prompt_total'], tokens.get('prompt_evaluated_total'))}"
    print(f"{line}; errors {summary.errors}; wall {summary.wall_s:.0f}s; report: {out / 'report.md'}")
    if summary.errors > MAX_ERROR_RATE * summary.total:
        sys.stderr.write(f"too many errors: {summary.errors}/{summary.total} samples (see {out / 'report.md'})\n")
        return 1
    return 0
