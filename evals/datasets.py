"""Dataset loaders: raw records (evals.dataset_sources) mapped onto `Sample`s.

Tasks: gsm8k (gold after '####'), math500 (answer field; level/subject/unique_id kept),
multiarith, humaneval and mbpp (code: data only, grading lives in evals.grade_code),
and jsonl: any JSON-lines file with --question-field/--answer-field/--id-field.
A malformed line (bad JSON, missing field, gsm8k answer without '####', duplicate id)
is skipped and reported in `Dataset.skipped` with its line number, and counted
once on stderr; it is never dropped silently.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

from agent.answers.numbers import normalize_number, parse_number
from agent.errors import UsageError
from agent.types import Sample
from evals.dataset_sources import find_records

TASKS = ("gsm8k", "math500", "humaneval", "mbpp", "jsonl", "multiarith")
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


class _Skip(Exception):
    """A record that cannot become a sample; the message is the reason."""


def _field(row: dict, names: tuple[str, ...], what: str) -> str:
    for name in names:
        value = row.get(name)
        if value is not None and str(value).strip():
            return str(value)
    raise _Skip(f"missing {what} field {' or '.join(repr(n) for n in names)}")


@dataclass
class _Fields:
    question: tuple[str, ...]
    answer: tuple[str, ...]
    id: str | None


def _gsm8k(row: dict, f: _Fields, line: int) -> Sample:
    question, solution = _field(row, f.question, "question"), _field(row, f.answer, "answer")
    if "####" not in solution:
        raise _Skip("answer has no '####' before the final answer")
    target = solution.rsplit("####", 1)[1].strip().replace(",", "")
    if not target:
        raise _Skip("nothing after '####'")
    return Sample(f"gsm8k-{line}", question, target, "number", {"solution": solution})


def _multiarith(row: dict, f: _Fields, line: int) -> Sample:
    question, target = _field(row, f.question, "question"), _field(row, f.answer, "answer")
    return Sample(f"multiarith-{line}", question, _plain_number(target), "number")


def _math500(row: dict, f: _Fields, line: int) -> Sample:
    question, target = _field(row, f.question, "problem"), _field(row, f.answer, "answer")
    meta = {k: row[k] for k in ("level", "subject", "unique_id") if k in row}
    if "solution" in row:
        meta["solution"] = row["solution"]
    return Sample(str(row.get("unique_id") or f"math500-{line}"), question, target.strip(), "math", meta)


def _humaneval(row: dict, f: _Fields, line: int) -> Sample:
    prompt = _field(row, ("prompt",), "prompt")
    meta = {"entry_point": _field(row, ("entry_point",), "entry_point"), "test": _field(row, ("test",), "test"),
            "prompt": prompt}
    return Sample(str(row.get("task_id") or f"humaneval-{line}"), prompt,
                  str(row.get("canonical_solution") or ""), "code", meta)


def mbpp_entry_point(test: str, code: str = "") -> str | None:
    """The function a test calls: the first called name that the solution defines, else
    the first called name that is not a builtin."""
    called = re.findall(r"(?<![\w.])([A-Za-z_]\w*)\s*\(", test)  # not methods: math.isclose
    defined = set(re.findall(r"^\s*def\s+([A-Za-z_]\w*)\s*\(", code, re.MULTILINE))
    for name in called:
        if name in defined:
            return name
    import builtins

    return next((n for n in called if not hasattr(builtins, n) and n != "assert"), None)


def _mbpp(row: dict, f: _Fields, line: int) -> Sample:
    prompt = _field(row, ("prompt", "text"), "prompt")
    code = str(row.get("code") or "")
    tests = row.get("test_list")
    if not isinstance(tests, list) or not tests:
        raise _Skip("missing or empty 'test_list'")
    entry = mbpp_entry_point(tests[0], code)
    if entry is None:
        raise _Skip("cannot find the tested function's name in the first test")
    meta = {"test_list": tests, "test_imports": list(row.get("test_imports") or []), "entry_point": entry,
            "prompt": prompt, "input_includes_first_test": True}
    return Sample(f"mbpp-{row.get('task_id', line)}", f"{prompt}\n{tests[0]}", code, "code", meta)


def _jsonl(row: dict, f: _Fields, line: int) -> Sample:
    question, target = _field(row, f.question, "question"), _field(row, f.answer, "answer")
    used = set(f.question) | set(f.answer) | {f.id}
    return Sample(f"jsonl-{line}", question, target.strip(), "number", {k: v for k, v in row.items()
                                                                       if k not in used})


def _plain_number(text: str) -> str:
    return normalize_number(text) or text.strip()


_PARSERS = {"gsm8k": _gsm8k, "multiarith": _multiarith, "math500": _math500, "humaneval": _humaneval,
            "mbpp": _mbpp, "jsonl": _jsonl}
_DEFAULT_FIELDS = {
    "gsm8k": (("question",), ("answer",)),
    "multiarith": (("question", "input"), ("final_ans", "target", "answer")),
    "math500": (("problem",), ("answer",)),
    "jsonl": (("question",), ("answer",)),
}


def _infer_kind(samples: list[Sample]) -> str:
    """jsonl answers: all numbers -> number; all letters A-E -> choice; else math."""
    if samples and all(_CHOICE.match(s.target) for s in samples):
        return "choice"
    if all(parse_number(s.target) is not None for s in samples):
        return "number"
    return "math"


def load_dataset(task: str, data: str | None = None, *, limit: int | None = None,
                 question_field: str | None = None, answer_field: str | None = None,
                 id_field: str | None = None, path: str | None = None) -> Dataset:
    """Load `task` from `data` (a path), else the hub, else a pip package (see
    evals.dataset_sources). `limit` keeps the first K usable samples. `path` is an alias of
    `data`. Raises UsageError when no source works or the options do not fit."""
    if task not in TASKS:
        raise UsageError(f"unknown --task {task!r}; choose from {', '.join(TASKS)}")
    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be at least 1 (got {limit})")
    if task == "jsonl" and data is None and path is None:
        raise UsageError("--task jsonl needs --data PATH (a JSON-lines file)")
    questions, answers = _DEFAULT_FIELDS.get(task, ((), ()))
    fields = _Fields((question_field,) if question_field else questions, (answer_field,) if answer_field else answers,
                     id_field)
    records = find_records(task, data if data is not None else path)
    samples: list[Sample] = []
    skipped: list[tuple[int, str]] = []
    seen: set[str] = set()
    for line, row in records.rows:
        if limit is not None and len(samples) >= limit:
            break
        if isinstance(row, str):
            skipped.append((line, row))
            continue
        try:
            sample = _PARSERS[task](row, fields, line)
            if id_field:
                sample.id = _field(row, (id_field,), "id")
        except _Skip as e:
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
    if skipped:
        first_line, first_reason = skipped[0]
        sys.stderr.write(f"warning: skipped {len(skipped)} malformed record(s) in {records.source} "
                         f"(first: line {first_line}: {first_reason})\n")
    return Dataset(task, samples, records.source, records.sha256, skipped)
