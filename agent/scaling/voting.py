"""Voting, the one home: answers are counted by key (agent.answers.answer_key), each with
its weight (`tally`); the answers tied at the top are the `leaders`. Choosing one answer
among attempts: majority vote (self-consistency), weighted vote (by mean token
logprob), best-of-N by a verifier. Pure.

Ties are broken uniformly at random with a seeded generator; playground compare's
estimators (evals/compare/estimators.py) count a tie as its expectation under that
rule: the fraction of the leaders that are correct.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from agent.answers.keys import answer_key
from agent.scaling.types import Attempt
from agent.types import AnswerKind

SELECTIONS = ("auto", "majority", "weighted", "verifier")


@dataclass
class Selection:
    answer: str | None
    chosen: int | None
    """Position (in the candidates given) of the attempt that represents the answer."""
    votes: dict[str, float]
    """Voting key -> total weight."""


def tally(keys: Sequence[str | None], weights: Sequence[float] | None = None) -> dict[str, float]:
    """Total weight (default: one vote each) per key, in order of first appearance; None is no vote."""
    if weights is not None and len(weights) != len(keys):
        raise ValueError(f"{len(keys)} answers but {len(weights)} weights")
    totals: dict[str, float] = {}
    for i, key in enumerate(keys):
        if key is not None:
            totals[key] = totals.get(key, 0.0) + (1.0 if weights is None else weights[i])
    return totals


def leaders(totals: dict[str, float]) -> list[str]:
    """The keys tied at the top of a tally (none for an empty tally)."""
    top = max(totals.values(), default=0.0)
    return [k for k, w in totals.items() if math.isclose(w, top)]


def vote(answers: Sequence[str | None], kind: AnswerKind, *, weights: Sequence[float] | None = None,
         seed: int | str = 0) -> Selection:
    """Weighted (default: one vote each) plurality over `answers`; a tie goes to a leader
    drawn with `seed`. The answer is returned as first written."""
    keys = [answer_key(a, kind) for a in answers]
    totals = tally(keys, weights)
    tied = leaders(totals)
    if not tied:
        return Selection(None, None, {})
    key = tied[0] if len(tied) == 1 else random.Random(str(seed)).choice(tied)
    i = keys.index(key)
    return Selection(answers[i], i, totals)


def logprob_weight(mean_logprob: float) -> float:
    """An answer's weight in the weighted vote: exp(mean token logprob) of its attempt."""
    return math.exp(mean_logprob)


def logprob_weights(candidates: Sequence[Attempt]) -> list[float] | None:
    """logprob_weight per candidate; None when the backend gave no logprobs."""
    if not candidates or any(a.mean_logprob is None for a in candidates):
        return None
    return [logprob_weight(a.mean_logprob) for a in candidates]  # type: ignore[arg-type]


def verified(a: Attempt) -> bool | None:
    """The verifier's verdict stored on an attempt (code examples or self-check)."""
    v = a.verifier
    return None if v is None else v.get("passed")


def select(candidates: Sequence[Attempt], kind: AnswerKind, method: str = "auto", *,
           seed: int | str = 0) -> Selection:
    """Pick one answer. auto = verifier for code, majority otherwise.
    verifier: vote among the attempts the verifier passed (all when none passed)."""
    if method not in SELECTIONS:
        raise ValueError(f"unknown selection '{method}' (choose from {', '.join(SELECTIONS)})")
    if method == "auto":
        method = "verifier" if kind == "code" else "majority"
    answers = [a.answer for a in candidates]
    if method == "weighted":
        return vote(answers, kind, weights=logprob_weights(candidates), seed=seed)
    if method == "verifier":
        passing = [i for i, a in enumerate(candidates) if verified(a)]
        if passing:
            sub = vote([answers[i] for i in passing], kind, seed=seed)
            return Selection(sub.answer, None if sub.chosen is None else passing[sub.chosen], sub.votes)
    return vote(answers, kind, seed=seed)


def all_selections(candidates: Sequence[Attempt], kind: AnswerKind, seed: int | str = 0) -> dict[str, str | None]:
    """Every selection method's answer, side by side (recorded in StrategyResult.extra)."""
    return {m: select(candidates, kind, m, seed=seed).answer for m in SELECTIONS[1:]}
