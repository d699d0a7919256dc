"""Grading: a response against the gold answer -> Score (correct, incorrect, no_answer, or
error when grading itself failed).

- math.py: math answers, by math-verify's equivalence after cheaper exact checks;
- code.py: programs, by the dataset's tests in the sandbox;
- symbolic.py: the symbolic check under a time limit that works in any thread.
"""

from agent.types import Sample, Score
from evals.grading.code import grade_code, grade_code_many
from evals.grading.math import answers_equal, compare, grade_answer, grade_math, graded_kind

__all__ = ["answers_equal", "compare", "grade", "grade_answer", "grade_code", "grade_code_many", "grade_math",
           "graded_kind"]


def grade(text: str, sample: Sample, timeout_s: float = 10.0, finish_reason: str | None = None) -> Score:
    """The score of one response for one sample: tests in the sandbox for code, equivalence for math
    (a response cut off by max_tokens, `finish_reason` "length": only an answer it states, see grade_math)."""
    if sample.kind == "code":
        return grade_code(text, sample, timeout_s)
    return grade_math(text, sample.target, sample.kind, finish_reason=finish_reason)
