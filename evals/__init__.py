"""Measuring: datasets, grading, statistics, the results store, the batch runner, reports
and the compute-matched comparison of strategies.

`extract_answer` and `grade_math` are the public entry points for math answers.
"""

from agent.answers import extract_answer
from agent.types import Sample, Score
from evals.grading import grade_math

__all__ = ["Sample", "Score", "extract_answer", "grade_math"]
