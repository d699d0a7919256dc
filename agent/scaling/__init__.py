"""Test-time scaling: strategies (parallel, sequential, hybrid, adaptive) that spend a budget
of attempts per question, the budget arithmetic (chain shapes), voting, verifiers and the
adaptive stopping rule.

    result = run_strategy(model, samples, "hybrid", 8, method="cot", params=params)
"""

from agent.scaling.sampling import SAMPLING_TEMPERATURE, strategy_params, strategy_temperature
from agent.scaling.strategies import (
    STRATEGIES,
    Strategy,
    chain_shape,
    method_split,
    register,
    run_strategy,
    solve_with_strategy,
)
from agent.scaling.types import Attempt, Choice, Grader, Job, ScalingOptions, StrategyResult

__all__ = ["SAMPLING_TEMPERATURE", "STRATEGIES", "Attempt", "Choice", "Grader", "Job", "ScalingOptions", "Strategy",
           "StrategyResult", "chain_shape", "method_split", "register", "run_strategy", "solve_with_strategy", "strategy_params",
           "strategy_temperature"]
