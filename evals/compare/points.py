"""Per-question derived points of `playground compare`: one question's stored attempts (Steps)
reduced to a strategy's expected correctness and token cost at a budget (Point), using the
vote estimators of estimators.py; and the question's difficulty bucket."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agent.scaling.strategies import chain_shape
from evals.compare.estimators import Vote, best_of_k_verified, majority_at_k, split_vote_at, staged_walk


@dataclass
class Step:
    """One stored attempt, reduced to what the estimators need."""

    chain: int
    step: int
    vote: Vote
    completion_tokens: int
    prompt_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass
class Point:
    """One strategy at one budget for one question: expected correctness and cost."""

    accuracy: float
    generated_tokens: float
    total_tokens: float


def _mean(xs: Sequence[float]) -> float:
    return sum(xs) / len(xs) if xs else 0.0


def chains_of(steps: Sequence[Step]) -> list[list[Step]]:
    by_chain: dict[int, list[Step]] = {}
    for s in steps:
        by_chain.setdefault(s.chain, []).append(s)
    return [sorted(c, key=lambda s: s.step) for _, c in sorted(by_chain.items())]


def budget_point(strategy: str, steps: Sequence[Step], budget: int, *, kind: str = "number",
                 hybrid_k: int = 2) -> Point | None:
    """`strategy` (one that votes over its chains: parallel, sequential, hybrid ...) at `budget`, derived from its chains stored at
    the largest budget: the chains it would have grown, `chain_shape(strategy, budget)`, are
    prefixes of stored ones. Answers as the strategy does: majority over the chains' final
    answers (best-of-k by the public-example verifier for code; one chain: its last answer).

    Chains of one length L (parallel, sequential, hybrid at a multiple of k): exact over
    every choice of m = len(shape) stored chains that reach L (maj@k). Mixed lengths (hybrid
    at an odd budget: [3, 2]): the first stored chains, cut to those lengths. None when the
    stored chains are too few or too short."""
    shape = chain_shape(strategy, budget, hybrid_k)
    chains, m = chains_of(steps), len(shape)
    if len(set(shape)) == 1:
        used = [c[:shape[0]] for c in chains if len(c) >= shape[0]]
    elif len(chains) >= m and all(len(c) >= n for c, n in zip(chains, shape, strict=False)):
        used = [c[:n] for c, n in zip(chains, shape, strict=False)]
    else:
        used = []
    if len(used) < m:
        return None
    finals = [c[-1].vote for c in used]
    acc = best_of_k_verified(finals, m) if kind == "code" else majority_at_k(finals, m)
    per_chain = m / len(used)
    return Point(acc, per_chain * sum(s.completion_tokens for c in used for s in c),
                 per_chain * sum(s.total_tokens for c in used for s in c))


def stopping_point(steps: Sequence[Step], cap: int, *, batch: int, threshold: float) -> Point:
    """A strategy that stops once its vote is settled (adaptive), with a cap, replayed on stored samples."""
    return staged_point([steps], [cap], batch=batch, threshold=threshold)


def split_point(pools: dict[str, Sequence[Step]], split: dict[str, int], *, stops: bool, batch: int,
                threshold: float) -> Point | None:
    """A strategy that mixes methods, at the budget its `split` (samples per method) spends,
    from each method's stored samples `pools[method]`: one vote over every choice of split[m]
    samples of each (mixed), or, when it `stops`, its stopping rule replayed over the pools in the
    split's order with the split's counts as caps (cascade: pal first). None when too few are stored."""
    if any(c > len(pools[m]) for m, c in split.items()):
        return None
    if stops:
        return staged_point([pools[m] for m in split], list(split.values()), batch=batch, threshold=threshold)
    acc = split_vote_at({m: [s.vote for s in pools[m]] for m in split}, split)
    return Point(acc, sum(c * _mean([s.completion_tokens for s in pools[m]]) for m, c in split.items()),
                 sum(c * _mean([s.total_tokens for s in pools[m]]) for m, c in split.items()))


def staged_point(pools: Sequence[Sequence[Step]], caps: Sequence[int], *, batch: int, threshold: float) -> Point:
    """staged_walk's expected correctness and the expected tokens of the samples it draws."""
    acc, drawn_p = staged_walk([[s.vote for s in pool] for pool in pools], caps, batch=batch, threshold=threshold)
    pairs = [(p, s) for ps, pool in zip(drawn_p, pools, strict=True) for p, s in zip(ps, pool, strict=True)]
    return Point(acc, sum(p * s.completion_tokens for p, s in pairs), sum(p * s.total_tokens for p, s in pairs))


def pass_rate(steps: Sequence[Step]) -> float:
    """The model's own pass rate on a question (fraction of parallel samples correct)."""
    return _mean([float(s.vote.correct) for s in steps])


def difficulty_bucket(rate: float, level: object | None = None) -> str:
    """The question's MATH level when known ("level 1" .. "level 5": Snell et al. 2024 found the
    best strategy depends on it), else the model's own pass rate (>= 0.75 easy, >= 0.25 medium,
    else hard)."""
    if level is not None:
        try:
            return f"level {int(str(level).split()[-1])}"
        except ValueError:
            pass
    return "easy" if rate >= 0.75 else "medium" if rate >= 0.25 else "hard"
