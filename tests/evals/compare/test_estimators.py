"""Estimators and derived points of compare: exact forms against brute-force enumeration, hand-computed values."""

from __future__ import annotations

import itertools
import math
from math import comb

import pytest

from agent.scaling.adaptive import adaptive_draws, beta_stop_probability, vote_settled
from agent.scaling.strategies import method_split
from evals.compare.estimators import (
    Vote,
    adaptive_replay,
    best_of_k_verified,
    majority_at_k,
    majority_at_k_sampled,
    split_vote_at,
    vote_value,
    weighted_at_k,
)
from evals.compare.points import Step, budget_point, difficulty_bucket, split_point, stopping_point
from evals.stats import bootstrap_ci, pass_at_k


def votes(spec: str, correct: str = "a") -> list[Vote]:
    """'aab-' -> votes a, a, b, no answer; answer `correct` is the right one."""
    return [Vote(None if ch == "-" else ch, ch == correct) for ch in spec]


def brute_force(vs: list[Vote], k: int) -> float:
    subsets = list(itertools.combinations(vs, k))
    return sum(vote_value(s) for s in subsets) / len(subsets)


@pytest.mark.parametrize("spec", ["aaab", "abab", "abc-", "aabbc-d", "a---", "----", "abcde", "aaabbbcc-",
                                  "babacbca"])
def test_exact_majority_matches_brute_force(spec):
    vs = votes(spec)
    for k in range(1, len(vs) + 1):
        assert majority_at_k(vs, k) == pytest.approx(brute_force(vs, k), abs=1e-12)


def test_sampled_estimator_close_to_exact():
    vs = votes("aabbbc-a")
    assert majority_at_k_sampled(vs, 3, draws=4000) == pytest.approx(majority_at_k(vs, 3), abs=0.03)


def test_majority_by_hand():
    # 3 of 4 right: maj@1 = 3/4; maj@2: pairs aa (3) -> 1, ab (3) -> tie 1/2 => (3 + 1.5)/6 = 0.75
    vs = votes("aaab")
    assert majority_at_k(vs, 1) == 0.75
    assert majority_at_k(vs, 2) == 0.75
    # maj@3: aaa (1) -> 1, aab (3) -> 1 => 1.0; maj@4 = 1
    assert majority_at_k(vs, 3) == 1.0
    assert majority_at_k(vs, 4) == 1.0
    assert vote_value(votes("ab")) == 0.5
    assert vote_value(votes("--")) == 0.0


def test_best_of_k_verified_matches_brute_force():
    vs = [Vote("x", True, True), Vote("y", False, True), Vote("z", False, False), Vote("w", True, False),
          Vote("v", False, False)]

    def value(sub):
        passing = [v for v in sub if v.passed]
        pool = passing or list(sub)
        return sum(v.correct for v in pool) / len(pool)

    for k in range(1, 6):
        subs = list(itertools.combinations(vs, k))
        assert best_of_k_verified(vs, k) == pytest.approx(sum(value(s) for s in subs) / len(subs))


def test_pass_at_k():
    assert pass_at_k(8, 0, 4) == 0.0
    assert pass_at_k(8, 5, 4) == 1.0
    assert pass_at_k(4, 1, 2) == pytest.approx(1 - comb(3, 2) / comb(4, 2))


def test_beta_rule_by_hand():
    # P(Beta(3,1) > 1/2) = 1 - 1/8
    assert beta_stop_probability(2, 0) == pytest.approx(7 / 8)
    assert beta_stop_probability(3, 0) == pytest.approx(15 / 16)
    assert beta_stop_probability(1, 1) == pytest.approx(0.5)
    assert vote_settled(["a", "a", "a"], 0.9)
    assert not vote_settled(["a", "a", "b"], 0.9)
    assert not vote_settled([None, None], 0.5)
    # unanimous: settled after 3 draws with batch 1; with batch 2 after 4
    assert adaptive_draws(["a"] * 8, 8, 1, 0.9) == 3
    assert adaptive_draws(["a"] * 8, 8, 2, 0.9) == 4
    assert adaptive_draws(["a", "b"] * 4, 8, 1, 0.9) == 8  # never settles: spends the cap


def test_adaptive_replay_saving_on_easy_and_hard():
    easy = votes("aaaaaaaa")
    acc, spent = adaptive_replay(easy, [10.0] * 8, 8, batch=1, threshold=0.9)
    assert acc == 1.0 and spent == 30.0  # 3 of 8 samples: 37.5% of the tokens
    split = votes("abababab")
    acc, spent = adaptive_replay(split, [10.0] * 8, 8, batch=1, threshold=0.9)
    assert spent > 60.0  # contested questions spend most of the cap


@pytest.mark.parametrize(("spec", "cap", "batch", "threshold"),
                         [("aabac-b", 7, 1, 0.9), ("aabac-b", 5, 2, 0.8), ("abcab-", 6, 3, 0.9), ("aaab", 4, 1, 0.95)])
def test_adaptive_replay_is_the_exact_mean_over_every_ordering(spec, cap, batch, threshold):
    """The count walk equals the adaptive rule run on every ordering of the samples (brute force)."""
    vs = votes(spec)
    tokens = [float(7 + 3 * i) for i in range(len(vs))]
    accs, spent = [], []
    for order in itertools.permutations(range(len(vs))):
        used = adaptive_draws([vs[i].key for i in order[:cap]], cap, batch, threshold)
        accs.append(vote_value([vs[i] for i in order[:used]]))
        spent.append(sum(tokens[i] for i in order[:used]))
    acc, tok = adaptive_replay(vs, tokens, cap, batch=batch, threshold=threshold)
    assert acc == pytest.approx(sum(accs) / len(accs)) and tok == pytest.approx(sum(spent) / len(spent))


def staged_by_hand(pools: list[list[Vote]], caps: list[int], batch: int, threshold: float) -> list[int]:
    """The indices (pool, i) drawn when the pools are drawn in the given orders, stage by stage."""
    drawn: list[tuple[int, int]] = []
    for p, (pool, cap) in enumerate(zip(pools, caps, strict=True)):
        for i in range(min(cap, len(pool))):
            drawn.append((p, i))
            if ((i + 1) % batch == 0 or i + 1 == min(cap, len(pool))) and vote_settled(
                    [pools[q][j].key for q, j in drawn], threshold):
                return drawn
    return drawn


@pytest.mark.parametrize(("pal", "cot", "budget", "batch", "threshold"), [
    ("ab-", "aabac", 6, 1, 0.8), ("aa", "bbab", 4, 1, 0.9), ("abc", "aab-", 5, 2, 0.8), ("a", "ba", 1, 1, 0.9),
])
def test_cascade_replay_is_the_exact_mean_over_every_ordering_of_both_pools(pal, cot, budget, batch, threshold):
    """cascade_point equals the cascade rule (pal first, up to 2, then cot, one vote) run on every
    ordering of the pal and the cot samples (brute force), accuracy and tokens."""
    pal_steps = [Step(i, 0, v, 3 + i, 2) for i, v in enumerate(votes(pal))]
    cot_steps = [Step(i, 0, v, 20 + 5 * i, 4) for i, v in enumerate(votes(cot))]
    caps = [min(2, budget), budget - min(2, budget)]
    accs, spent = [], []
    for po in itertools.permutations(pal_steps):
        for co in itertools.permutations(cot_steps):
            pools = [list(po), list(co)]
            drawn = staged_by_hand([[s.vote for s in pool] for pool in pools], caps, batch, threshold)
            accs.append(vote_value([pools[p][i].vote for p, i in drawn]))
            spent.append(sum(pools[p][i].completion_tokens for p, i in drawn))
    point = cascade_point(pal_steps, cot_steps, budget, batch=batch, threshold=threshold)
    assert point.accuracy == pytest.approx(sum(accs) / len(accs))
    assert point.generated_tokens == pytest.approx(sum(spent) / len(spent))


def test_cascade_point_needs_the_samples_its_caps_draw():
    assert cascade_point(steps_of("a"), steps_of("aaaa"), 4, batch=1, threshold=0.9) is None  # 1 pal of 2
    assert cascade_point(steps_of("aa"), steps_of("a"), 4, batch=1, threshold=0.9) is None  # 1 cot of 2
    assert cascade_point(steps_of("aa"), [], 2, batch=1, threshold=0.9).accuracy == 1.0  # budget 2: pal only


def cascade_point(pal: list[Step], cot: list[Step], budget: int, *, batch: int, threshold: float):
    """The cascade strategy as compare derives it: its split of the budget, pal first, stopping."""
    return split_point({"pal": pal, "cot": cot}, method_split("cascade", budget), stops=True, batch=batch,
                       threshold=threshold)


def mixed_at_k(pools: dict, k: int, **kw) -> float:
    """The mixed strategy's vote at budget k: its split of the budget over the two pools."""
    return split_vote_at(pools, method_split("mixed", k), **kw)


def steps_of(spec: str, chain_len: int = 1, completion: int = 10, prompt: int = 5) -> list[Step]:
    return [Step(i // chain_len, i % chain_len, v, completion, prompt) for i, v in enumerate(votes(spec))]


def test_points_tokens_exact():
    par = steps_of("aabb")
    p = budget_point("parallel", par, 2)
    assert (p.accuracy, p.generated_tokens, p.total_tokens) == (majority_at_k(votes("aabb"), 2), 20, 30)
    assert budget_point("parallel", par, 5) is None  # only 4 samples stored
    seq = [Step(0, i, v, 10 + i, 5 * (i + 1)) for i, v in enumerate(votes("baa-"))]
    assert budget_point("sequential", seq, 1).accuracy == 0.0
    assert budget_point("sequential", seq, 2).accuracy == 1.0
    assert budget_point("sequential", seq, 4).accuracy == 0.0  # the last step gave no answer
    s3 = budget_point("sequential", seq, 3)
    assert (s3.generated_tokens, s3.total_tokens) == (33, 33 + 30)
    assert budget_point("sequential", seq, 5) is None
    # hybrid: 4 chains of 2 steps, finals a, b, a, a
    hyb = steps_of("bababbaa", chain_len=2)
    assert budget_point("hybrid", hyb, 1).accuracy == 0.25  # first steps: b, b, b, a
    h4 = budget_point("hybrid", hyb, 4)
    assert h4.accuracy == majority_at_k(votes("abaa"), 2)
    assert h4.generated_tokens == 40
    assert budget_point("hybrid", hyb, 3) is None  # needs a chain of 3 steps
    assert budget_point("hybrid", hyb, 5) is None  # needs [3, 2]


def test_hybrid_at_an_odd_budget_takes_the_stored_chains_of_its_shape():
    # chains [3, 2] as stored for a largest budget of 5: finals a (chain 0, step 2) and b
    hyb = [Step(0, 0, Vote("b", False), 10, 5), Step(0, 1, Vote("b", False), 10, 5),
           Step(0, 2, Vote("a", True), 10, 5), Step(1, 0, Vote("b", False), 10, 5),
           Step(1, 1, Vote("b", False), 10, 5)]
    h5 = budget_point("hybrid", hyb, 5)
    assert h5.accuracy == 0.5 and h5.generated_tokens == 50  # a tie of a and b: half right
    h4 = budget_point("hybrid", hyb, 4)  # [2, 2]: both chains cut to 2 steps, finals b, b
    assert h4.accuracy == 0.0 and h4.generated_tokens == 40
    assert budget_point("hybrid", hyb, 3).accuracy == 1.0  # [3]: chain 0 alone


def test_code_chains_answer_by_the_verifier():
    passed_wrong, failed_right = Vote("x", False, passed=True), Vote("y", True, passed=False)
    steps = [Step(0, 0, passed_wrong, 1, 1), Step(1, 0, failed_right, 1, 1), Step(2, 0, failed_right, 1, 1)]
    assert budget_point("parallel", steps, 3, kind="code").accuracy == 0.0  # the one that passed is picked
    assert budget_point("parallel", steps, 3).accuracy == 1.0  # a majority vote would be right
    ad = stopping_point(steps_of("aaaaaaaa"), 8, batch=1, threshold=0.9)
    assert (ad.accuracy, ad.generated_tokens, ad.total_tokens) == (1.0, 30, 45)


def test_bootstrap_and_buckets():
    lo, hi = bootstrap_ci([0.0, 1.0] * 20)
    assert lo < 0.5 < hi and 0.25 < lo and hi < 0.75
    assert bootstrap_ci([1.0] * 5) == (1.0, 1.0)
    assert difficulty_bucket(0.9) == "easy" and difficulty_bucket(0.5) == "medium" and difficulty_bucket(0.0) == "hard"
    assert difficulty_bucket(1.0, level=5) == "level 5" and difficulty_bucket(0.0, level="Level 1") == "level 1"
    assert difficulty_bucket(0.9, level="unknown") == "easy"


def test_mixed_at_k_exact_matches_random_draws_and_splits_like_the_strategy():
    cot = [Vote("1", True), Vote("2", False), Vote(None, False), Vote("2", False), Vote("1", True)]
    pal = [Vote("1", True), Vote("3", False), Vote("1", True), Vote(None, False)]
    pools = {"cot": cot, "pal": pal}
    # budget 1 is one pal sample (method_split): its pass rate
    assert mixed_at_k(pools, 1) == pytest.approx(2 / 4)
    for k in (2, 3, 4, 6):
        brute = [vote_value([*c, *p]) for c in itertools.combinations(cot, k // 2)
                 for p in itertools.combinations(pal, k - k // 2)]
        assert mixed_at_k(pools, k) == pytest.approx(sum(brute) / len(brute))
    # the random branch converges to the exact value
    big = {"cot": cot * 4, "pal": pal * 4}
    assert mixed_at_k(big, 6, limit=3000, seed=0) == pytest.approx(mixed_at_k(big, 6, limit=10 ** 9), abs=0.03)
    with pytest.raises(ValueError):
        mixed_at_k(pools, 10)


def test_weighted_at_k_is_the_weighted_vote_over_every_subset():
    """Two confident right answers outweigh three doubtful wrong ones; equal weights are the majority
    vote; a sample without a weight (no logprobs) gives None."""
    votes = [Vote("1", True, weight=0.9), Vote("1", True, weight=0.8), Vote("2", False, weight=0.3),
             Vote("2", False, weight=0.3), Vote("2", False, weight=0.3), Vote(None, False, weight=0.5)]
    assert weighted_at_k(votes, 6) == 1.0 and majority_at_k(votes, 6) == 0.0
    for k in range(1, 7):
        subsets = list(itertools.combinations(votes, k))
        brute = []
        for sub in subsets:
            totals: dict = {}
            for v in sub:
                if v.key is not None:
                    totals[v.key] = totals.get(v.key, 0) + v.weight
            top = [key for key, w in totals.items() if math.isclose(w, max(totals.values()))]
            brute.append(sum(key == "1" for key in top) / len(top) if top else 0.0)
        assert weighted_at_k(votes, k) == pytest.approx(sum(brute) / len(subsets))
    same = [Vote(v.key, v.correct, weight=0.5) for v in votes]
    assert all(weighted_at_k(same, k) == pytest.approx(majority_at_k(same, k)) for k in range(1, 7))
    assert weighted_at_k([*votes[:5], Vote("1", True)], 3) is None
    assert weighted_at_k(votes * 3, 6, limit=3000) == pytest.approx(weighted_at_k(votes * 3, 6, limit=10 ** 9),
                                                                    abs=0.03)
