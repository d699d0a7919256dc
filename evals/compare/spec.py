"""What a comparison generates: the spec (budgets, strategies, method) and the stored runs
it needs. The one home of the strategy names `playground compare` takes."""

from __future__ import annotations

from dataclasses import dataclass

from agent.scaling.adaptive import DEFAULT_BATCH, DEFAULT_THRESHOLD
from agent.scaling.budgets import chain_shape

COMPARED = ("parallel", "sequential", "hybrid", "adaptive", "mixed", "cascade", "revise-exec", "parallel-pal")
"""Strategies compare derives at every budget. parallel-pal: parallel samples of pal programs
beside a cot run (the pal half of mixed, reported alone)."""
PAL_SAMPLES = "parallel-pal"
WITH_PAL = ("mixed", "cascade", PAL_SAMPLES)
"""The strategies derived from pal samples generated beside the cot ones."""
DEFAULT_STRATEGIES = ("parallel", "sequential", "hybrid", "adaptive")
CHAINED = ("sequential", "hybrid", "revise-exec")
"""Strategies whose chains are revised, each chain starting from a stored parallel sample."""
GREEDY = "greedy"
"""The reference run: one greedy attempt per question with the spec's method; every strategy's
paired difference is measured against it."""


@dataclass
class CompareSpec:
    task: str
    budgets: tuple[int, ...] = (1, 2, 4, 8)
    strategies: tuple[str, ...] = DEFAULT_STRATEGIES
    method: str = "cot"
    hybrid_k: int = 2
    """Steps per hybrid chain."""
    adaptive_batch: int = DEFAULT_BATCH
    adaptive_threshold: float = DEFAULT_THRESHOLD
    chunk_size: int = 8
    """Questions generated (and stored) together."""
    seed: int = 0

    @property
    def largest(self) -> int:
        return max(self.budgets)

    def shape(self, strategy: str) -> list[int]:
        """The chains `strategy` grows at the largest budget (agent/scaling/budgets.py)."""
        return chain_shape(strategy, self.largest, self.hybrid_k)

    def parallel_count(self) -> int:
        """Parallel samples generated: every chain of every strategy starts from one of them."""
        return max(len(self.shape(s)) for s in ("parallel", *self.strategies) if s != PAL_SAMPLES)

    def runs(self) -> list[str]:
        """The stored runs this spec generates: parallel samples, the greedy reference, pal samples
        when a strategy of WITH_PAL is compared, and the revised chains of the chained strategies."""
        out = ["parallel", GREEDY]
        if any(s in self.strategies for s in WITH_PAL):
            out.append(PAL_SAMPLES)
        return out + [s for s in CHAINED if s in self.strategies]

    def problem(self) -> str | None:
        """Why this spec cannot run (a usage error), or None."""
        for s in self.strategies:
            if s not in COMPARED:
                return f"unknown strategy {s}"
        if self.method != "cot" and any(s in self.strategies for s in WITH_PAL):
            return f"{', '.join(WITH_PAL)} put pal samples beside cot ones: use --method cot"
        return None
