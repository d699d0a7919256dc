"""`playground compare`: test-time strategies compared at matched budgets, generated once at
the largest budget (spec.py says which runs, run.py generates them), every smaller budget
derived by the estimators (estimators.py, points.py, analysis.py), curves with bootstrap CIs, the
paired differences against greedy and the winners (report.py, plot.py)."""

from evals.compare.run import CompareOutcome, run_compare
from evals.compare.spec import CompareSpec, compared, default_strategies

__all__ = ["CompareOutcome", "CompareSpec", "compared", "default_strategies", "run_compare"]
