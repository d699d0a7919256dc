"""Budget arithmetic: how a budget of N attempts is spent, as chain lengths. The one rule
every strategy, `playground compare` and its estimators share.

    chain_shape("parallel", 4)    == [1, 1, 1, 1]   N independent samples
    chain_shape("adaptive", 4)    == [1, 1, 1, 1]   at most N samples (it may stop earlier)
    chain_shape("sequential", 4)  == [4]            one chain: a first attempt and N-1 revisions
    chain_shape("hybrid", 5, 2)   == [3, 2]         N // k chains of k, the remainder one step
                                                    each on the first chains; N < k: one chain
    chain_shape("mixed", 4)       == [1, 1, 1, 1]   N independent samples of two methods:
    method_split("mixed", 5)      == {"cot": 2, "pal": 3}   N // 2 cot, the rest (the odd one) pal
    chain_shape("cascade", 4)     == [1, 1, 1, 1]   at most N samples of two methods, cheap first:
    method_split("cascade", 4)    == {"pal": 2, "cot": 2}   at most 2 pal programs, then cot samples
    chain_shape("revise-exec", 4) == [4]            one chain: the method's first attempt, then N-1
                                                    pal programs, each seeing the previous run
"""

from __future__ import annotations

CASCADE_PAL = 2
"""The pal programs cascade draws first, at most (each costs about a quarter of a cot sample's tokens)."""


def chain_shape(strategy: str, budget: int, hybrid_k: int = 2) -> list[int]:
    """The chain lengths (longest first) of `strategy` spending `budget` attempts."""
    if budget < 1:
        raise ValueError(f"budget must be >= 1, got {budget}")
    if strategy in ("parallel", "adaptive", "mixed", "cascade"):
        return [1] * budget
    if strategy in ("sequential", "revise-exec"):
        return [budget]
    if strategy == "hybrid":
        if hybrid_k < 1:
            raise ValueError(f"hybrid_k must be >= 1, got {hybrid_k}")
        if budget < hybrid_k:
            return [budget]
        m, r = divmod(budget, hybrid_k)
        return [hybrid_k + (1 if i < r else 0) for i in range(m)]
    raise ValueError(f"no chain shape for strategy '{strategy}'")


def method_split(strategy: str, budget: int) -> dict[str, int]:
    """Samples per reasoning method of a strategy that mixes methods, in the order they are
    drawn: mixed spends N // 2 on cot and the rest on pal (N = 1: one pal sample); cascade at most
    CASCADE_PAL pal programs first, then cot samples up to N (caps: it stops once its vote is settled)."""
    if budget < 1:
        raise ValueError(f"budget must be >= 1, got {budget}")
    if strategy == "mixed":
        return {"cot": budget // 2, "pal": budget - budget // 2}
    if strategy == "cascade":
        pal = min(CASCADE_PAL, budget)
        return {"pal": pal, "cot": budget - pal}
    raise ValueError(f"strategy '{strategy}' does not mix methods")
