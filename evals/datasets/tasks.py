"""The dataset tasks (the registry: TASKS): how one raw record of each task becomes a `Sample`.

gsm8k (gold after '####'), math500 (answer field; level/subject/unique_id kept),
multiarith, humaneval and mbpp (code: data only, grading lives in evals/grading/code.py),
and jsonl: any JSON-lines file with --question-field/--answer-field/--id-field.
A record that cannot become a sample raises `Skip` with the reason.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable
from dataclasses import dataclass

from agent.answers.numbers import normalize_number
from agent.types import Sample


class Skip(Exception):
    """A record that cannot become a sample; the message is the reason."""


def field_of(row: dict, names: tuple[str, ...], what: str) -> str:
    for name in names:
        value = row.get(name)
        if value is not None and str(value).strip():
            return str(value)
    raise Skip(f"missing {what} field {' or '.join(repr(n) for n in names)}")


@dataclass
class Fields:
    question: tuple[str, ...]
    answer: tuple[str, ...]
    id: str | None


def _gsm8k(row: dict, f: Fields, line: int) -> Sample:
    question, solution = field_of(row, f.question, "question"), field_of(row, f.answer, "answer")
    if "####" not in solution:
        raise Skip("answer has no '####' before the final answer")
    target = solution.rsplit("####", 1)[1].strip().replace(",", "")
    if not target:
        raise Skip("nothing after '####'")
    return Sample(f"gsm8k-{line}", question, target, "number", {"solution": solution})


def _multiarith(row: dict, f: Fields, line: int) -> Sample:
    question, target = field_of(row, f.question, "question"), field_of(row, f.answer, "answer")
    return Sample(f"multiarith-{line}", question, _plain_number(target), "number")


def _math500(row: dict, f: Fields, line: int) -> Sample:
    question, target = field_of(row, f.question, "problem"), field_of(row, f.answer, "answer")
    meta = {k: row[k] for k in ("level", "subject", "unique_id") if k in row}
    if "solution" in row:
        meta["solution"] = row["solution"]
    return Sample(str(row.get("unique_id") or f"math500-{line}"), question, target.strip(), "math", meta)


def _humaneval(row: dict, f: Fields, line: int) -> Sample:
    prompt = field_of(row, ("prompt",), "prompt")
    meta = {"entry_point": field_of(row, ("entry_point",), "entry_point"), "test": field_of(row, ("test",), "test"),
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
    return next((n for n in called if not hasattr(builtins, n) and n != "assert"), None)


def _mbpp(row: dict, f: Fields, line: int) -> Sample:
    prompt = field_of(row, ("prompt", "text"), "prompt")
    code = str(row.get("code") or "")
    tests = row.get("test_list")
    if not isinstance(tests, list) or not tests:
        raise Skip("missing or empty 'test_list'")
    entry = mbpp_entry_point(tests[0], code)
    if entry is None:
        raise Skip("cannot find the tested function's name in the first test")
    meta = {"test_list": tests, "test_imports": list(row.get("test_imports") or []), "entry_point": entry,
            "prompt": prompt, "input_includes_first_test": True}
    return Sample(f"mbpp-{row.get('task_id', line)}", f"{prompt}\n{tests[0]}", code, "code", meta)


def _jsonl(row: dict, f: Fields, line: int) -> Sample:
    question, target = field_of(row, f.question, "question"), field_of(row, f.answer, "answer")
    used = set(f.question) | set(f.answer) | {f.id}
    return Sample(f"jsonl-{line}", question, target.strip(), "number", {k: v for k, v in row.items()
                                                                       if k not in used})


def _plain_number(text: str) -> str:
    return normalize_number(text) or text.strip()


@dataclass(frozen=True)
class Task:
    """A dataset task: how one record becomes a Sample, and the record fields it reads by default."""

    name: str
    parse: Callable[[dict, Fields, int], Sample]
    question_fields: tuple[str, ...] = ()
    answer_fields: tuple[str, ...] = ()


TASKS: dict[str, Task] = {t.name: t for t in (
    Task("gsm8k", _gsm8k, ("question",), ("answer",)),
    Task("math500", _math500, ("problem",), ("answer",)),
    Task("humaneval", _humaneval),
    Task("mbpp", _mbpp),
    Task("jsonl", _jsonl, ("question",), ("answer",)),
    Task("multiarith", _multiarith, ("question", "input"), ("final_ans", "target", "answer")),
)}
"""The registry: task name -> Task, in the order the CLI lists them."""


