"""Measuring: datasets, answer extraction, grading, metrics, store, runner, comparisons.

`extract_answer` and `grade_math` are the public entry points for math answers.
"""

from agent.types import Sample, Score

__all__ = ["Sample", "Score", "extract_answer", "grade_math"]


def __getattr__(name: str):  # lazy: keep `import evals` cheap
    if name == "extract_answer":
        from agent.answers import extract_answer

        return extract_answer
    if name == "grade_math":
        from evals.grading import grade_math

        return grade_math
    raise AttributeError(name)
