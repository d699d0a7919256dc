"""Statistics, the one home: accuracy, the Wilson interval, unbiased pass@k, the
percentile bootstrap interval and the paired bootstrap of a difference. Pure functions."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from statistics import NormalDist

import numpy as np


def accuracy(values: Sequence[bool]) -> float:
    """Fraction of True; 0.0 for no values."""
    return sum(1 for v in values if v) / len(values) if values else 0.0


def wilson_interval(correct: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (good at small n and near 0 or 1)."""
    if n <= 0:
        return 0.0, 1.0
    z = NormalDist().inv_cdf(1 - alpha / 2)
    p = correct / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if correct == 0 else max(0.0, centre - half)
    hi = 1.0 if correct == n else min(1.0, centre + half)
    return lo, hi


class _RandRanges:
    """The values of `rng.randrange(n)`, the same numbers in the same order, drawn in bulk: CPython
    draws each as the top `n.bit_length()` bits of one 32-bit Mersenne Twister word, again while it
    is >= n, and `getrandbits(32 * m)` gives the next m words, lowest first. Accepted values left
    over from one bulk draw are the next ones handed out."""

    def __init__(self, rng: random.Random, n: int) -> None:
        self.rng, self.n, self.k = rng, n, n.bit_length()
        self.left = np.empty(0, dtype=np.int64)

    def take(self, count: int) -> np.ndarray:
        if self.k > 32:
            return np.array([self.rng.randrange(self.n) for _ in range(count)], dtype=np.int64)
        parts, have = [self.left[:count]], min(count, len(self.left))
        self.left = self.left[have:]
        while have < count:
            m = min(int((count - have) * (1 << self.k) / self.n * 1.05) + 64, 1 << 20)
            words = np.frombuffer(self.rng.getrandbits(32 * m).to_bytes(4 * m, "little"), dtype="<u4")
            kept = words >> np.uint32(32 - self.k)
            kept = kept[kept < self.n].astype(np.int64)
            parts.append(kept[:count - have])
            self.left = kept[count - have:]
            have += len(parts[-1])
        return np.concatenate(parts)


SCALE = 1 << 20


def _exact_scaled(values: Sequence[float]) -> np.ndarray | None:
    """`values` times SCALE as exact int64 when each is a multiple of 1/SCALE (0/1 scores, their
    differences, k/8 accuracies) and every sum of n of them is exact in a float; else None."""
    arr = np.asarray(values, dtype=np.float64) * SCALE
    if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
        return None
    if len(arr) * float(np.max(np.abs(arr), initial=0.0)) >= 2.0 ** 53:
        return None
    return arr.astype(np.int64)


def _mean(xs: Sequence[float]) -> float:
    return sum(xs) / len(xs)


def bootstrap_ci(values: Sequence[float], stat: Callable[[Sequence[float]], float] = _mean, n_boot: int = 2000,
                 seed: int = 0, alpha: float = 0.05) -> tuple[float, float]:
    """Percentile bootstrap interval of `stat` over `values` (resampled with replacement)."""
    if not values:
        return 0.0, 0.0
    rng = random.Random(seed)
    n = len(values)
    scaled = _exact_scaled(values) if stat is _mean else None
    pool = np.asarray(values, dtype=object) if scaled is None else scaled
    draw = _RandRanges(rng, n)
    block = max(1, 1_000_000 // n)  # resamples drawn at once (memory stays small at any n)
    stats: list[float] = []
    for start in range(0, n_boot, block):
        rows = min(block, n_boot - start)
        draws = draw.take(rows * n).reshape(rows, n)
        if scaled is None:
            stats += [stat(pool[row].tolist()) for row in draws]
        else:  # integer sums: exact, so the same means as sum(xs) / len(xs) in any order
            stats += [float(t) / SCALE / n for t in scaled[draws].sum(axis=1).tolist()]
    stats.sort()
    lo = stats[int(math.floor(alpha / 2 * (n_boot - 1)))]
    hi = stats[int(math.ceil((1 - alpha / 2) * (n_boot - 1)))]
    return float(lo), float(hi)


def paired_difference_ci(a: Sequence[float], b: Sequence[float], n_boot: int = 2000, seed: int = 0,
                         alpha: float = 0.05) -> tuple[float, float, float]:
    """Mean of a - b over paired values (the same questions) and its paired percentile bootstrap
    interval (questions resampled with both of their values)."""
    if len(a) != len(b):
        raise ValueError(f"paired values need equal lengths, got {len(a)} and {len(b)}")
    diffs = [x - y for x, y in zip(a, b, strict=True)]
    if not diffs:
        return 0.0, 0.0, 0.0
    lo, hi = bootstrap_ci(diffs, n_boot=n_boot, seed=seed, alpha=alpha)
    return _mean(diffs), lo, hi


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
