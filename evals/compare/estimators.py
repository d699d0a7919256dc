"""Pure estimators behind `playground compare`: accuracy at a smaller budget
derived from attempts generated once at the largest budget.

Every estimator works on one question's attempts reduced to `Vote`s (a voting
key, or None when nothing was extracted, and whether that answer is correct)
and returns the *expected* correctness in [0, 1].

Tie rule (documented, used everywhere): when several answers share the top
count, the vote counts as the fraction of the tied answers that are correct,
i.e. the expectation under a uniformly random tie-break. With exchangeable
samples this equals first-occurrence voting on a random ordering. When no
sample has an answer the vote is incorrect.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from math import comb, prod

from agent.scaling.adaptive import vote_settled
from agent.scaling.voting import leaders, tally


@dataclass(frozen=True)
class Vote:
    key: str | None
    """Canonical answer (voting key); None when nothing was extracted."""
    correct: bool
    passed: bool = False
    """Verifier verdict (code: public examples pass), for best-of-k selection."""
    weight: float | None = None
    """Weight in a weighted vote: exp(mean token logprob) of the attempt; None when not known."""


def vote_value(votes: Sequence[Vote], weighted: bool = False) -> float:
    """Expected correctness of a majority vote over `votes` (ties shared, see module doc); with
    `weighted`, each vote counts its weight (agent/scaling/voting.py: logprob_weights)."""
    weights = [v.weight for v in votes] if weighted else None
    tied = leaders(tally([v.key for v in votes], weights))
    if not tied:
        return 0.0
    correct = _correct_keys(votes)
    return sum(1 for k in tied if k in correct) / len(tied)


def _correct_keys(votes: Sequence[Vote]) -> list[str]:
    """An answer class is correct when its first member is graded correct; in the order first drawn (not
    a set: sums over the classes in a set's order, which the string hash seed picks, differ at 1e-17)."""
    seen: dict[str, bool] = {}
    for v in votes:
        if v.key is not None and v.key not in seen:
            seen[v.key] = v.correct
    return [k for k, ok in seen.items() if ok]


def majority_at_k(votes: Sequence[Vote], k: int) -> float:
    """Exact E[vote_value(S)] over all k-subsets S of `votes`, without enumerating them.

    For each correct answer class c with n_c members, sum over j (its count in
    the subset) the number of ways the other classes stay at most j (tracking
    how many tie at j) and the unanswered samples fill the rest; divide by C(N, k).
    """
    n = len(votes)
    if not 1 <= k <= n:
        raise ValueError(f"k must be in 1..{n}, got {k}")
    counts = Counter(v.key for v in votes if v.key is not None)
    n_none = n - sum(counts.values())
    correct = _correct_keys(votes)
    total = 0.0
    for c in correct:
        others = [m for key, m in counts.items() if key != c]
        for j in range(1, min(counts[c], k) + 1):
            ways_c = comb(counts[c], j)
            # dp[(used, ties)] = ways to choose `used` items from the other classes, each <= j
            dp: dict[tuple[int, int], int] = {(0, 0): 1}
            for m in others:
                nxt: dict[tuple[int, int], int] = {}
                for (used, ties), w in dp.items():
                    for t in range(0, min(m, j, k - j - used) + 1):
                        key = (used + t, ties + (t == j))
                        nxt[key] = nxt.get(key, 0) + w * comb(m, t)
                dp = nxt
            for (used, ties), w in dp.items():
                rest = k - j - used
                if 0 <= rest <= n_none:
                    total += ways_c * w * comb(n_none, rest) / (1 + ties)
    return total / comb(n, k)


def majority_at_k_sampled(votes: Sequence[Vote], k: int, *, draws: int = 2000, seed: int = 0) -> float:
    """The same quantity by averaging over random k-subsets (a check on the exact form)."""
    rng = random.Random(seed)
    return sum(vote_value(rng.sample(list(votes), k)) for _ in range(draws)) / draws


def weighted_at_k(votes: Sequence[Vote], k: int, *, limit: int = 20000, seed: int = 0) -> float | None:
    """Expected correctness of the weighted vote (each answer counts exp(mean token logprob)) over
    k of the samples: exact over every k-subset, over `limit` random ones when there are more.
    None when a sample has no weight (the backend gave no logprobs)."""
    if not 1 <= k <= len(votes):
        raise ValueError(f"k must be in 1..{len(votes)}, got {k}")
    if any(v.weight is None for v in votes):
        return None
    ways = comb(len(votes), k)
    if ways <= limit:
        return sum(vote_value(sub, weighted=True) for sub in itertools.combinations(votes, k)) / ways
    rng = random.Random(seed)
    return sum(vote_value(rng.sample(list(votes), k), weighted=True) for _ in range(limit)) / limit


def split_vote_at(pools: dict[str, Sequence[Vote]], split: dict[str, int], *, limit: int = 20000,
                  seed: int = 0) -> float:
    """Expected correctness of one vote over `split[m]` samples of each method m's pool (mixed:
    agent/scaling/budgets.py: half_and_half), exact over every choice of those subsets; over
    `limit` random choices when there are more."""
    k = sum(split.values())
    for m, c in split.items():
        if c > len(pools[m]):
            raise ValueError(f"a vote at {k} needs {c} {m} samples, {len(pools[m])} stored")
    ways = prod(comb(len(pools[m]), c) for m, c in split.items())
    if ways <= limit:
        subsets = itertools.product(*(itertools.combinations(pools[m], c) for m, c in split.items()))
        return sum(vote_value([v for part in choice for v in part]) for choice in subsets) / ways
    rng = random.Random(seed)
    return sum(vote_value([v for m, c in split.items() for v in rng.sample(list(pools[m]), c)])
               for _ in range(limit)) / limit


def best_of_k_verified(votes: Sequence[Vote], k: int) -> float:
    """Exact expected correctness of: draw k of the N samples, pick uniformly among
    those the verifier passed (or among all k when none passed)."""
    n = len(votes)
    if not 1 <= k <= n:
        raise ValueError(f"k must be in 1..{n}, got {k}")
    pc = sum(1 for v in votes if v.passed and v.correct)
    pi = sum(1 for v in votes if v.passed and not v.correct)
    fc = sum(1 for v in votes if not v.passed and v.correct)
    fi = n - pc - pi - fc
    total = 0.0
    for a in range(min(pc, k) + 1):
        for b in range(min(pi, k - a) + 1):
            for c in range(min(fc, k - a - b) + 1):
                d = k - a - b - c
                if d > fi:
                    continue
                ways = comb(pc, a) * comb(pi, b) * comb(fc, c) * comb(fi, d)
                value = a / (a + b) if a + b else c / k
                total += ways * value
    return total / comb(n, k)


def staged_walk(pools: Sequence[Sequence[Vote]], caps: Sequence[int], *, batch: int,
                threshold: float) -> tuple[float, list[list[float]]]:
    """Exact expected correctness of drawing the stored samples of each pool in turn, up to
    caps[i] of pool i, each pool in a uniformly random order (its samples are exchangeable),
    stopping once the vote over everything drawn is settled (checked every `batch` draws of a
    pool and at its cap); and the probability that each sample is drawn. Adaptive is one pool;
    cascade two (pal programs, then cot samples).

    The stopping rule and the vote see only how many samples of each answer class are drawn, so
    the expectation runs over those counts (a walk over count vectors, each draw taking a class
    of the current pool with probability remaining-in-class / remaining-in-pool), not over
    orderings; the samples of a class are drawn equally often: each with the class's expected
    count over its size."""
    groups: list[tuple[int, list[int]]] = []  # (pool, its members), one per answer class of a pool
    for p, votes in enumerate(pools):
        by_key: dict[str | None, list[int]] = {}
        for i, v in enumerate(votes):
            by_key.setdefault(v.key, []).append(i)
        groups += [(p, m) for m in by_key.values()]
    reps = [pools[p][m[0]] for p, m in groups]
    caps = [min(c, len(v)) for c, v in zip(caps, pools, strict=True)]

    @cache
    def walk(counts: tuple[int, ...]) -> tuple[float, tuple[float, ...]]:
        drawn = [0] * len(pools)
        for (p, _), c in zip(groups, counts, strict=True):
            drawn[p] += c
        pool = next((p for p in range(len(pools)) if drawn[p] < caps[p]), None)
        last = max((p for p in range(len(pools)) if drawn[p]), default=None)
        if last is not None and (pool is None or (
                (drawn[last] % batch == 0 or drawn[last] == caps[last])
                and vote_settled([reps[g].key for g, c in enumerate(counts) for _ in range(c)], threshold))):
            return vote_value([reps[g] for g, c in enumerate(counts) for _ in range(c)]), tuple(map(float, counts))
        acc, expected = 0.0, [0.0] * len(counts)
        for g, ((p, members), c) in enumerate(zip(groups, counts, strict=True)):
            left = len(members) - c
            if p == pool and left:
                a, e = walk(counts[:g] + (c + 1,) + counts[g + 1:])
                w = left / (len(pools[p]) - drawn[p])
                acc += w * a
                expected = [x + w * y for x, y in zip(expected, e, strict=True)]
        return acc, tuple(expected)

    acc, expected = walk((0,) * len(groups))
    drawn_p = [[0.0] * len(v) for v in pools]
    for (p, members), e in zip(groups, expected, strict=True):
        for i in members:
            drawn_p[p][i] = e / len(members)
    return acc, drawn_p


def adaptive_walk(votes: Sequence[Vote], cap: int, *, batch: int, threshold: float) -> tuple[float, list[float]]:
    """The adaptive strategy with a cap on the stored parallel samples: staged_walk on one pool."""
    acc, (drawn_p,) = staged_walk([votes], [cap], batch=batch, threshold=threshold)
    return acc, drawn_p


def adaptive_replay(votes: Sequence[Vote], tokens: Sequence[float], cap: int, *, batch: int,
                    threshold: float) -> tuple[float, float]:
    """Exact expected (correctness, spent tokens) of the adaptive strategy with a cap (adaptive_walk)."""
    acc, drawn_p = adaptive_walk(votes, cap, batch=batch, threshold=threshold)
    return acc, sum(p * t for p, t in zip(drawn_p, tokens, strict=True))
