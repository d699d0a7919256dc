"""Statistics with hand-computed numbers."""

from __future__ import annotations

import math
import random
from math import comb

import pytest

from evals.stats import accuracy, bootstrap_ci, paired_difference_ci, pass_at_k, wilson_interval


@pytest.mark.parametrize(("values", "expected"), [
    ([True, False, True, True], 0.75),
    ([False, False], 0.0),
    ([True], 1.0),
    ([], 0.0),
])
def test_accuracy(values, expected):
    assert accuracy(values) == expected


@pytest.mark.parametrize(("n", "c", "k", "expected"), [
    (10, 3, 1, 0.3),
    (5, 0, 1, 0.0),
    (5, 0, 3, 0.0),
    (5, 5, 1, 1.0),
    (5, 5, 5, 1.0),
    (10, 3, 5, 1 - comb(7, 5) / comb(10, 5)),
    (10, 8, 5, 1.0),  # fewer than k failures: every k-subset has a pass
    (4, 1, 2, 0.5),
    (200, 1, 100, 0.5),
])
def test_pass_at_k(n, c, k, expected):
    assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(("n", "c", "k"), [(5, 6, 1), (5, -1, 1), (5, 1, 0), (5, 1, 6)])
def test_pass_at_k_rejects_impossible_arguments(n, c, k):
    with pytest.raises(ValueError):
        pass_at_k(n, c, k)


def test_wilson_interval_hand_computed():
    lo, hi = wilson_interval(8, 10)  # p=0.8, z=1.96: centre 0.7167, half 0.2265
    assert lo == pytest.approx(0.4902, abs=1e-3) and hi == pytest.approx(0.9433, abs=1e-3)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    lo, hi = wilson_interval(0, 20)
    assert lo == 0.0 and 0.0 < hi < 0.2


def test_bootstrap_ci_brackets_the_mean_and_is_reproducible():
    values = [1.0] * 30 + [0.0] * 70
    lo, hi = bootstrap_ci(values, n_boot=1000, seed=1)
    assert lo < 0.3 < hi and 0.15 < lo and hi < 0.45
    assert bootstrap_ci(values, n_boot=1000, seed=1) == (lo, hi)
    assert bootstrap_ci([1.0, 1.0, 1.0]) == (1.0, 1.0)
    assert bootstrap_ci([]) == (0.0, 0.0)
    lo, hi = bootstrap_ci([1.0, 5.0, 9.0], stat=max, n_boot=500)
    assert lo in (1.0, 5.0, 9.0) and hi == 9.0


def test_paired_difference_ci_resamples_questions_with_both_values():
    # the same 10 questions: b right on 5, a right on those 5 and 3 more -> +30 points
    b = [1.0] * 5 + [0.0] * 5
    a = [1.0] * 8 + [0.0] * 2
    d, lo, hi = paired_difference_ci(a, b, seed=1)
    assert d == pytest.approx(0.3) and 0.0 <= lo < 0.3 < hi <= 0.6
    # pairing matters: a difference of exactly +1 on every question has no spread at all
    assert paired_difference_ci([1.0] * 7, [0.0] * 7) == (1.0, 1.0, 1.0)
    assert paired_difference_ci([0.5, 1.0], [0.5, 1.0]) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError):
        paired_difference_ci([1.0], [1.0, 0.0])


def _bootstrap_one_draw_at_a_time(values, stat, n_boot, seed, alpha=0.05):
    """The bootstrap as it was written first: one `randrange` per draw (the reference)."""
    rng = random.Random(seed)
    n = len(values)
    stats = sorted(stat([values[rng.randrange(n)] for _ in range(n)]) for _ in range(n_boot))
    return stats[int(math.floor(alpha / 2 * (n_boot - 1)))], stats[int(math.ceil((1 - alpha / 2) * (n_boot - 1)))]


@pytest.mark.parametrize("values", [
    [1.0, 0.0] * 700 + [1.0],                      # scores: the exact integer path
    [1.0, -1.0, 0.0, 0.0, 0.125, 0.375] * 40,      # paired differences, k/8 accuracies
    [1 / 3, 0.7, 0.0, 2 / 3] * 30,                 # not multiples of a power of two: the general path
    [5.0],
])
@pytest.mark.parametrize("seed", [0, 7])
def test_the_bulk_bootstrap_draws_what_one_draw_at_a_time_drew(values, seed):
    assert bootstrap_ci(values, n_boot=600, seed=seed) == _bootstrap_one_draw_at_a_time(
        values, lambda xs: sum(xs) / len(xs), 600, seed)
    assert bootstrap_ci(values, stat=max, n_boot=300, seed=seed) == _bootstrap_one_draw_at_a_time(
        values, max, 300, seed)
