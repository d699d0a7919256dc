"""What a comparison generates: the spec (budgets, strategies, method) and the stored runs
it needs. The strategies it takes are those of agent/scaling/strategies.py that compare can
derive (Strategy.derivable), and parallel-pal."""

from __future__ import annotations

from dataclasses import dataclass

from agent.scaling.adaptive import DEFAULT_BATCH, DEFAULT_THRESHOLD
from agent.scaling.strategies import PARALLEL, STRATEGIES, Strategy, chain_shape

PAL_SAMPLES = "parallel-pal"
"""Parallel samples of pal programs beside a cot run: the pal samples the strategies that mix
methods are derived from (the pal half of mixed), also reported alone."""
GREEDY = "greedy"
"""The reference run: one greedy attempt per question with the spec's method; every strategy's
paired difference is measured against it."""


def compared() -> tuple[str, ...]:
    """The strategies compare derives at every budget, in the registry's order, and parallel-pal."""
    return (*(s.name for s in STRATEGIES.values() if s.derivable), PAL_SAMPLES)


def default_strategies() -> tuple[str, ...]:
    return tuple(s.name for s in STRATEGIES.values() if s.derivable and s.compared_by_default)


def chained(names: tuple[str, ...] | None = None) -> list[str]:
    """The strategies (of `names`, default all) whose chains are revised, each chain starting from
    a stored parallel sample: each is a stored run of its own."""
    return [s.name for s in STRATEGIES.values() if s.revises and s.derivable and (names is None or s.name in names)]


def with_pal(names: tuple[str, ...]) -> bool:
    """Whether the strategies `names` need pal samples generated beside the cot ones."""
    return PAL_SAMPLES in names or any(mixes(STRATEGIES[n]) for n in names if n in STRATEGIES)


def mixes(strategy: Strategy) -> bool:
    return strategy.split is not None


@dataclass
class CompareSpec:
    task: str
    budgets: tuple[int, ...] = (1, 2, 4, 8)
    strategies: tuple[str, ...] = ()
    """Empty: default_strategies()."""
    method: str = "cot"
    hybrid_k: int = 2
    """Steps per hybrid chain."""
    adaptive_batch: int = DEFAULT_BATCH
    adaptive_threshold: float = DEFAULT_THRESHOLD
    chunk_size: int = 8
    """Questions generated (and stored) together."""
    seed: int = 0

    def __post_init__(self) -> None:
        self.strategies = tuple(self.strategies) or default_strategies()

    def chosen(self) -> list[Strategy]:
        """The registered strategies compared, in the registry's order (parallel-pal is none)."""
        return [s for s in STRATEGIES.values() if s.name in self.strategies]

    @property
    def largest(self) -> int:
        return max(self.budgets)

    def shape(self, strategy: str) -> list[int]:
        """The chains `strategy` grows at the largest budget (agent/scaling/strategies.py: chain_shape)."""
        return chain_shape(strategy, self.largest, self.hybrid_k)

    def parallel_count(self) -> int:
        """Parallel samples generated: every chain of every strategy starts from one of them."""
        return max(len(self.shape(s)) for s in (PARALLEL, *self.strategies) if s != PAL_SAMPLES)

    def runs(self) -> list[str]:
        """The stored runs this spec generates: parallel samples, the greedy reference, pal samples
        when a strategy that mixes methods (or parallel-pal) is compared, and the revised chains of
        the chained strategies."""
        out = [PARALLEL, GREEDY]
        if with_pal(self.strategies):
            out.append(PAL_SAMPLES)
        return out + chained(self.strategies)

    def problem(self) -> str | None:
        """Why this spec cannot run (a usage error), or None."""
        for s in self.strategies:
            if s not in compared():
                return f"unknown strategy {s}"
        if self.method != "cot" and with_pal(self.strategies):
            pal = [s for s in compared() if s == PAL_SAMPLES or mixes(STRATEGIES[s])]
            return f"{', '.join(pal)} put pal samples beside cot ones: use --method cot"
        return None
