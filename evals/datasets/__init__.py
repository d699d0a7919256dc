"""Datasets: raw records (evals/datasets/sources.py: --data, the hub, a pip package) mapped
onto `Sample`s by their task (evals/datasets/tasks.py, the registry TASKS).

A malformed line (bad JSON, missing field, gsm8k answer without '####', duplicate id)
is skipped and reported in `Dataset.skipped` with its line number, and counted
once on stderr; it is never dropped silently.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

from agent.answers.numbers import parse_number
from agent.errors import UsageError
from agent.types import Sample
from evals.datasets.sources import find_records
from evals.datasets.tasks import TASKS, Fields, Skip, field_of, mbpp_entry_point

__all__ = ["TASKS", "Dataset", "load_dataset", "mbpp_entry_point"]
_CHOICE = re.compile(r"^\(?[A-E]\)?$")


@dataclass
class Dataset:
    """Samples of one task with where they came from. Iterating, len() and indexing
    go to `samples`."""

    task: str
    samples: list[Sample]
    source: str
    """The file path, 'hub NAME split S', or 'package MODULE: PATH'."""
    sha256: str
    """Of the source file's bytes (of the records as sorted-key JSON lines for the hub)."""
    skipped: list[tuple[int, str]] = field(default_factory=list)
    """(line number, reason) of every record that was not loaded."""

    def __len__(self) -> int:
        return len(self.samples)

    def __iter__(self) -> Iterator[Sample]:
        return iter(self.samples)

    def __getitem__(self, index):
        return self.samples[index]


def _infer_kind(samples: list[Sample]) -> str:
    """jsonl answers: all numbers -> number; all letters A-E -> choice; else math."""
    if samples and all(_CHOICE.match(s.target) for s in samples):
        return "choice"
    if all(parse_number(s.target) is not None for s in samples):
        return "number"
    return "math"


def first_per_level(samples: list[Sample], k: int) -> list[Sample]:
    """The first `k` samples of each level (metadata "level"), in dataset order; samples without one are left out."""
    taken: dict[str, int] = {}
    out = []
    for s in samples:
        level = s.metadata.get("level")
        if level is not None and taken.get(str(level), 0) < k:
            taken[str(level)] = taken.get(str(level), 0) + 1
            out.append(s)
    return out


def load_dataset(task: str, data: str | None = None, *, limit: int | None = None,
                 question_field: str | None = None, answer_field: str | None = None,
                 id_field: str | None = None, path: str | None = None, per_level: int | None = None) -> Dataset:
    """Load `task` from `data` (a path), else the hub, else a pip package (see
    evals/datasets/sources.py). `limit` keeps the first K usable samples; with `per_level`, the
    first `per_level` of each difficulty level (MATH-500's `level`) in dataset order, then the
    first `limit` of those. `path` is an alias of `data`. Raises UsageError when no source works
    or the options do not fit."""
    if task not in TASKS:
        raise UsageError(f"unknown --task {task!r}; choose from {', '.join(TASKS)}")
    spec = TASKS[task]
    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be at least 1 (got {limit})")
    if task == "jsonl" and data is None and path is None:
        raise UsageError("--task jsonl needs --data PATH (a JSON-lines file)")
    fields = Fields((question_field,) if question_field else spec.question_fields,
                    (answer_field,) if answer_field else spec.answer_fields, id_field)
    records = find_records(task, data if data is not None else path)
    samples: list[Sample] = []
    skipped: list[tuple[int, str]] = []
    seen: set[str] = set()
    for line, row in records.rows:
        if limit is not None and per_level is None and len(samples) >= limit:
            break
        if isinstance(row, str):
            skipped.append((line, row))
            continue
        try:
            sample = spec.parse(row, fields, line)
            if id_field:
                sample.id = field_of(row, (id_field,), "id")
        except Skip as e:
            skipped.append((line, str(e)))
            continue
        if sample.id in seen:
            skipped.append((line, f"duplicate id {sample.id!r}"))
            continue
        seen.add(sample.id)
        samples.append(sample)
    if task == "jsonl":
        kind = _infer_kind(samples)
        for s in samples:
            s.kind = kind  # type: ignore[assignment]
            if kind == "choice":
                s.target = s.target.strip("()")
    if per_level and samples:
        samples = first_per_level(samples, per_level)[:limit]
        if not samples:
            raise UsageError(f"--per-level: no sample of {records.source} has a difficulty level")
    if skipped:
        first_line, first_reason = skipped[0]
        sys.stderr.write(f"warning: skipped {len(skipped)} malformed record(s) in {records.source} "
                         f"(first: line {first_line}: {first_reason})\n")
    return Dataset(task, samples, records.source, records.sha256, skipped)
