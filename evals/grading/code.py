"""Code grading: run the model's program with the dataset's tests in the sandbox.

Each program runs in its own sandbox process with a wall-clock timeout, so an
infinite loop or a crash in one problem cannot touch another. The outcome is a
`Score`: `correct` (all tests pass), `incorrect` (a test failed, the program
crashed, or it timed out, with the error's last line as explanation) or
`no_answer` (the completion holds no code). `error` means the sandbox itself
could not run.

The program is the one the completion stands for (agent.answers.extract_code:
for HumanEval the problem's prompt and the model's function or body); the tests
follow it: HumanEval's `check` function and `check(entry_point)`, MBPP's test
imports before the code and its asserts after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from agent.answers.code import extract_code
from agent.types import Sample, Score
from tools.sandbox import run
from tools.types import Limits


def build_program(code: str, sample: Sample) -> str:
    """The program to run: the solution followed by the dataset's tests."""
    meta = sample.metadata
    if "test_list" in meta:  # MBPP
        imports = "\n".join(meta.get("test_imports") or [])
        tests = "\n".join(meta["test_list"])
        return f"{imports}\n{code}\n\n{tests}\n"
    entry = meta["entry_point"]
    return f"{code}\n\n{meta['test']}\n\ncheck({entry})\n"


def _last_error_line(stderr: str, stdout: str) -> str:
    for text in (stderr, stdout):
        lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
        if lines:
            return lines[-1][:300]
    return ""


def grade_code(completion: str, sample: Sample, timeout_s: float = 10.0) -> Score:
    """Run `completion` (as extracted by `extract_code`) against the sample's tests."""
    code = extract_code(completion, sample)
    if not code.strip():
        return Score("no_answer", None, "no code in the completion")
    return run_program(build_program(code, sample), code, timeout_s)


def run_program(program: str, answer: str, timeout_s: float = 10.0) -> Score:
    """Run a full test program in its own sandbox process -> Score (answer = the solution code)."""
    try:
        result = run(program, Limits(timeout_s=timeout_s, memory_mb=1024))
    except Exception as e:  # the sandbox itself failed to start: not the model's fault
        return Score("error", answer, f"sandbox failed: {type(e).__name__}: {e}")
    if result.timed_out:
        return Score("incorrect", answer, f"timed out after {timeout_s:g}s")
    if result.memory_exceeded:
        return Score("incorrect", answer, "memory limit exceeded")
    if result.returncode == 0:
        return Score("correct", answer, "all tests passed")
    last = _last_error_line(result.stderr, result.stdout) or f"exit code {result.returncode}"
    return Score("incorrect", answer, last)


def grade_code_many(items: Sequence[tuple[str, Sample]], timeout_s: float = 10.0,
                    workers: int = 2) -> list[Score]:
    """Grade (completion, sample) pairs in parallel, each in its own sandbox process; in order."""
    if not items:
        return []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(lambda it: grade_code(it[0], it[1], timeout_s), items))
