"""`playground compare`: test-time strategies compared at matched budgets, generated once at
the largest budget (run.py), every smaller budget derived by the estimators
(estimators.py), curves with bootstrap CIs and the winners (report.py, plot.py)."""

from evals.compare.run import COMPARED, CompareOutcome, CompareSpec, run_compare

__all__ = ["COMPARED", "CompareOutcome", "CompareSpec", "run_compare"]
