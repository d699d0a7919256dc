"""`playground compare`: parallel sampling vs sequential revision (and hybrid,
adaptive, the cot+pal mixed vote, execution-feedback revision) at matched budgets,
on one dataset, in one command."""

from __future__ import annotations

import argparse

from agent.errors import BackendLostError, ModelError, UsageError
from agent.reasoning import METHODS
from agent.scaling.adaptive import DEFAULT_THRESHOLD
from evals.compare import CompareSpec, compared, default_strategies, run_compare
from evals.compare.report import verdicts
from evals.store_lock import store_lock
from playground.options import (
    add_dataset_arguments,
    between,
    config_from_args,
    load_cli_dataset,
    names,
    non_negative_int,
    open_model,
    output_folder,
    positive_int,
    strategy_sampling,
)

HELP = "compare test-time strategies at matched budgets (curves.png, report.md, results.json)"
DESCRIPTION = """Compare test-time compute strategies at matched budgets.

Generates once at the largest budget and derives every smaller budget from it
(maj@k exact over subsets of the samples, sequential@k from chain prefixes,
adaptive by replaying its stopping rule, on the pal samples too when they are
generated: adaptive-pal; cascade, the same rule over at most 2 pal programs
first, then cot samples, from the stored pal and cot samples). The parallel
samples are also voted with weights from their token logprobs
(parallel-weighted). Every strategy is compared with a greedy answer to the
same questions and with parallel voting at the same budget (paired bootstrap
CIs of the differences, in report.md, beside what each revision step did to
the answers). Resumable: rerun the same command with the same --out to
continue; a larger --limit adds questions, more --strategies reuse the stored
samples.

example:
  playground compare --task gsm8k --data test.jsonl --limit 30 --budgets 1,2,4,8 \\
      --strategies parallel,sequential,hybrid,adaptive --temperature 0.7 --out runs/cmp
"""
MAX_BUDGET = 64

def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dataset_arguments(parser, "questions")
    parser.add_argument("--budgets", type=budgets, default=(1, 2, 4, 8),
                        help="attempts per question, comma-separated (default 1,2,4,8; at most 64)")
    parser.add_argument("--strategies", type=names(compared(), "strategy"), default=default_strategies(),
                        help=f"comma-separated subset of {','.join(compared())} (default "
                             f"{','.join(default_strategies())}); mixed, cascade and parallel-pal generate pal samples "
                             "beside the cot ones (--method cot), revise-exec revises with pal programs seeing "
                             "their runs; a greedy reference is always generated")
    parser.add_argument("--method", default="cot", choices=list(METHODS),
                        help="reasoning method of each attempt (default cot)")
    parser.add_argument("--out", required=True, type=output_folder, help="output folder (results.sqlite, results.json, report.md, curves.png)")
    parser.add_argument("--adaptive-threshold", type=between(0.5, 1, high_open=True), default=DEFAULT_THRESHOLD,
                        help=f"adaptive and cascade stopping threshold, in (0.5, 1) (default {DEFAULT_THRESHOLD})")
    parser.add_argument("--report-only", action="store_true",
                        help="generate nothing: rewrite report.md, results.json, curves.png from the stored attempts")
    parser.add_argument("--regrade", action="store_true",
                        help="with --report-only: read the stored answers (printed by programs, or reasoned) again "
                             "with today's extraction and grade them again before the report (after an extraction fix)")
    parser.add_argument("--skip", type=non_negative_int, default=0, metavar="K",
                        help="leave out the first K of the selected questions (after --limit/--per-level): "
                             "e.g. --limit 100 --skip 56 --report-only reports questions 57-100 alone")
    parser.add_argument("--chunk-size", type=positive_int, default=8,
                        help="questions generated and stored together (default 8)")


def budgets(text: str) -> tuple[int, ...]:
    """--budgets: positive whole numbers separated by commas, at most MAX_BUDGET; sorted, unique."""
    try:
        values = sorted({int(x) for x in text.split(",") if x.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected whole numbers separated by commas, got '{text}'") from None
    if not values or values[0] < 1:
        raise argparse.ArgumentTypeError(f"expected positive whole numbers, got '{text}'")
    if values[-1] > MAX_BUDGET:
        raise argparse.ArgumentTypeError(f"budgets above {MAX_BUDGET} are not supported on one machine")
    return tuple(values)


def main(args: argparse.Namespace) -> int:
    config = strategy_sampling(config_from_args(args), "compare")
    spec = CompareSpec(task=args.task, budgets=args.budgets, strategies=args.strategies, method=args.method,
                       adaptive_threshold=args.adaptive_threshold, chunk_size=args.chunk_size,
                       seed=config.model.seed or 0)
    if spec.problem():
        raise UsageError(f"compare: {spec.problem()}")
    if args.regrade and not args.report_only:
        raise UsageError("compare: --regrade goes with --report-only")
    samples = load_samples(args)
    params = config.sampling.params()
    with store_lock(args.out):  # after the usage checks; a second run on this --out refuses here, before the model loads
        model = None if args.report_only else open_model(config.model)
        meta = {"model": model.name if model else config.model.model, "backend": config.model.backend,
                "temperature": params.temperature, "max_tokens": params.max_tokens, "method": args.method}
        try:
            outcome = run_compare(model, samples, spec, params, args.out, meta=meta, regrade=args.regrade)
        except BackendLostError as e:  # every finished chunk is stored
            raise ModelError(f"{e}: stopped; the questions generated so far are kept: "
                             "the same command again goes on from there") from None
        finally:
            if model is not None:
                model.close()
    for v in verdicts(outcome.curve):
        if v.bucket == "all":
            print(f"budget {v.budget}: {v.text}")
    print(f"wall time {outcome.wall_time_s:.0f} s; wrote {', '.join(outcome.files.values())}")
    return 0


def load_samples(args):
    samples = list(load_cli_dataset(args).samples)
    if args.skip >= len(samples):
        raise UsageError(f"compare: --skip {args.skip} leaves none of the {len(samples)} selected questions")
    return samples[args.skip:]
