"""Dataset loading shared by `playground eval` and `playground compare`: the same
options, the same checks, skipped lines reported the same way."""

from __future__ import annotations

import sys


def load_cli_dataset(args):
    """The Dataset named by --task/--data/--limit/--*-field; UsageError when unusable."""
    from agent.errors import UsageError
    from evals.datasets import load_dataset

    if args.limit is not None and args.limit < 1:
        raise UsageError("--limit must be >= 1")
    dataset = load_dataset(args.task, args.data, limit=args.limit, question_field=args.question_field,
                           answer_field=args.answer_field, id_field=args.id_field)
    if not dataset.samples:
        raise UsageError(f"no usable samples in {dataset.source}")
    for line, reason in dataset.skipped[:5]:
        sys.stderr.write(f"skipped dataset line {line}: {reason}\n")
    if len(dataset.skipped) > 5:
        sys.stderr.write(f"... and {len(dataset.skipped) - 5} more skipped lines\n")
    return dataset
