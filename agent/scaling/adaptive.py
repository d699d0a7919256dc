"""The adaptive stopping rule: draw samples in small batches and stop once the
vote is settled (Adaptive-Consistency, Aggarwal et al. 2023, Beta criterion).
Pure functions; agent/scaling/strategies.py runs them live, evals/compare/estimators.py
replays them on stored samples."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from math import comb

DEFAULT_THRESHOLD = 0.9
"""With one sample per batch: 3 agreeing samples settle the vote (P = 0.9375); 0.95 needs 4."""
DEFAULT_BATCH = 1


def beta_stop_probability(top: int, second: int) -> float:
    """P(p_top > p_second) under Beta(top+1, second+1), the Adaptive-Consistency
    (Aggarwal et al. 2023) Beta criterion, exact for integer counts:
    P(Beta(a, b) > 1/2) = P(Binomial(a+b-1, 1/2) <= a-1)."""
    n = top + second + 1
    return sum(comb(n, j) for j in range(top + 1)) / 2**n


def vote_settled(keys: Sequence[str | None], threshold: float) -> bool:
    """Stop sampling when the leading answer beats the runner-up with probability >= threshold."""
    counts = sorted(Counter(k for k in keys if k is not None).values(), reverse=True)
    if not counts:
        return False
    top, second = counts[0], (counts[1] if len(counts) > 1 else 0)
    return beta_stop_probability(top, second) >= threshold


def adaptive_draws(keys: Sequence[str | None], cap: int, batch: int, threshold: float) -> int:
    """How many of `keys` (in order) the adaptive strategy draws before stopping, at most `cap`."""
    drawn = 0
    while drawn < cap:
        drawn = min(cap, drawn + batch)
        if vote_settled(keys[:drawn], threshold):
            break
    return drawn
