"""Budget arithmetic: the ways a budget of N attempts is spent, as chain lengths and as samples
per reasoning method. Each strategy names its own in agent/scaling/strategies.py (Strategy.shape,
Strategy.split); `playground compare` and its estimators read them from there.

    independent(4)      == [1, 1, 1, 1]   N independent samples (parallel, adaptive, mixed, cascade)
    one_chain(4)        == [4]            one chain: a first attempt and N-1 revisions
    chains_of_k(5, 2)   == [3, 2]         N // k chains of k, the remainder one step each on the
                                          first chains; N < k: one chain (hybrid)
    half_and_half(5)    == {"cot": 2, "pal": 3}   N // 2 cot, the rest (the odd one) pal (mixed)
    pal_first(4)        == {"pal": 2, "cot": 2}   at most 2 pal programs, then cot samples (cascade)
"""

from __future__ import annotations

CASCADE_PAL = 2
"""The pal programs cascade draws first, at most (each costs about a quarter of a cot sample's tokens)."""


def _check(budget: int) -> None:
    if budget < 1:
        raise ValueError(f"budget must be >= 1, got {budget}")


def independent(budget: int, hybrid_k: int = 2) -> list[int]:
    """N chains of one attempt."""
    _check(budget)
    return [1] * budget


def one_chain(budget: int, hybrid_k: int = 2) -> list[int]:
    """One chain of N attempts."""
    _check(budget)
    return [budget]


def chains_of_k(budget: int, hybrid_k: int = 2) -> list[int]:
    """Chains of k attempts (longest first); the remainder of N one more step on the first chains."""
    _check(budget)
    if hybrid_k < 1:
        raise ValueError(f"hybrid_k must be >= 1, got {hybrid_k}")
    if budget < hybrid_k:
        return [budget]
    m, r = divmod(budget, hybrid_k)
    return [hybrid_k + (1 if i < r else 0) for i in range(m)]


def half_and_half(budget: int) -> dict[str, int]:
    """N // 2 cot samples and the rest pal (N = 1: one pal sample), in the order they are drawn."""
    _check(budget)
    return {"cot": budget // 2, "pal": budget - budget // 2}


def pal_first(budget: int) -> dict[str, int]:
    """At most CASCADE_PAL pal programs first, then cot samples up to N (caps: the strategy stops
    once its vote is settled)."""
    _check(budget)
    pal = min(CASCADE_PAL, budget)
    return {"pal": pal, "cot": budget - pal}
