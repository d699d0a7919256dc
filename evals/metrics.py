"""Metrics: accuracy, confidence intervals, pass@k, and answer voting. Pure functions."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Hashable, Sequence

from agent.answers.keys import canonical_answer


def accuracy(values: Sequence[bool]) -> float:
    """Fraction of True; 0.0 for no values."""
    return sum(1 for v in values if v) / len(values) if values else 0.0


def wilson_interval(correct: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (good at small n and near 0 or 1)."""
    if n <= 0:
        return 0.0, 1.0
    from statistics import NormalDist

    z = NormalDist().inv_cdf(1 - alpha / 2)
    p = correct / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if correct == 0 else max(0.0, centre - half)
    hi = 1.0 if correct == n else min(1.0, centre + half)
    return lo, hi


def _mean(xs: Sequence[float]) -> float:
    return sum(xs) / len(xs)


def bootstrap_ci(values: Sequence[float], stat: Callable[[Sequence[float]], float] = _mean, n_boot: int = 2000,
                 seed: int = 0, alpha: float = 0.05) -> tuple[float, float]:
    """Percentile bootstrap interval of `stat` over `values` (resampled with replacement)."""
    if not values:
        return 0.0, 0.0
    rng = random.Random(seed)
    n = len(values)
    stats = sorted(stat([values[rng.randrange(n)] for _ in range(n)]) for _ in range(n_boot))
    lo = stats[int(math.floor(alpha / 2 * (n_boot - 1)))]
    hi = stats[int(math.ceil((1 - alpha / 2) * (n_boot - 1)))]
    return float(lo), float(hi)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k (Chen et al. 2021): 1 - C(n-c, k) / C(n, k), in the stable product form."""
    if not 0 <= c <= n or k < 1:
        raise ValueError(f"pass_at_k needs 0 <= c <= n and k >= 1 (n={n}, c={c}, k={k})")
    if k > n:
        raise ValueError(f"pass_at_k needs k <= n (n={n}, k={k})")
    if n - c < k:
        return 1.0
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


def _default_key(kind: str) -> Callable[[str], Hashable]:
    return lambda answer: canonical_answer(answer, kind)


def weighted_vote(answers: Sequence[str | None], weights: Sequence[float],
                  key: Callable[[str], Hashable] | None = None, *, kind: str = "number") -> str | None:
    """The answer whose cluster (same `key`, default: `canonical_answer(a, kind)`) has the
    largest total weight; ties go to the cluster seen first; None answers are ignored;
    the first answer of the winning cluster is returned as written. All None -> None."""
    if len(answers) != len(weights):
        raise ValueError(f"{len(answers)} answers but {len(weights)} weights")
    key = key or _default_key(kind)
    totals: dict[Hashable, float] = {}
    first: dict[Hashable, str] = {}
    for answer, weight in zip(answers, weights, strict=True):
        if answer is None:
            continue
        k = key(answer)
        totals[k] = totals.get(k, 0.0) + weight
        first.setdefault(k, answer)
    if not totals:
        return None
    best = max(totals.values())
    winner = next(k for k in totals if totals[k] == best)  # dicts keep first-seen order
    return first[winner]


def majority_vote(answers: Sequence[str | None], key: Callable[[str], Hashable] | None = None, *,
                  kind: str = "number") -> str | None:
    """The most frequent answer (by `key`, default `canonical_answer(a, kind)`); ties broken
    by first occurrence; None answers ignored; all None -> None."""
    return weighted_vote(answers, [1.0] * len(answers), key, kind=kind)
