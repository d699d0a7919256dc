"""Choosing one answer among attempts: majority vote (self-consistency),
weighted vote (by mean token logprob), best-of-N by a verifier. Pure.

Ties are broken uniformly at random with a seeded generator (in expectation the
same rule as evals/compare/estimators.py: a tie counts as the fraction of tied
answers that are correct).
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


def vote(candidates: Sequence[Attempt], kind: AnswerKind, *, weights: Sequence[float] | None = None,
         seed: int | str = 0) -> Selection:
    """Weighted (default: one vote each) plurality over the candidates' answers."""
    totals: dict[str, float] = {}
    first: dict[str, int] = {}
    for i, a in enumerate(candidates):
        key = answer_key(a.answer, kind)
        if key is None:
            continue
        totals[key] = totals.get(key, 0.0) + (1.0 if weights is None else weights[i])
        first.setdefault(key, i)
    if not totals:
        return Selection(None, None, {})
    top = max(totals.values())
    tied = [k for k in totals if math.isclose(totals[k], top)]
    key = tied[0] if len(tied) == 1 else random.Random(str(seed)).choice(tied)
    i = first[key]
    return Selection(candidates[i].answer, i, totals)


def logprob_weights(candidates: Sequence[Attempt]) -> list[float] | None:
    """exp(mean token logprob) per candidate; None when the backend gave no logprobs."""
    if not candidates or any(a.mean_logprob is None for a in candidates):
        return None
    return [math.exp(a.mean_logprob) for a in candidates]  # type: ignore[arg-type]


def verified(a: Attempt) -> bool | None:
    """The verifier's verdict stored on an attempt (code examples or self-check)."""
    v = a.extra.get("verifier")
    return None if v is None else v.get("passed")


def select(candidates: Sequence[Attempt], kind: AnswerKind, method: str = "auto", *,
           seed: int | str = 0) -> Selection:
    """Pick one answer. auto = verifier for code, majority otherwise.
    verifier: vote among the attempts the verifier passed (all when none passed)."""
    if method not in SELECTIONS:
        raise ValueError(f"unknown selection '{method}' (choose from {', '.join(SELECTIONS)})")
    if method == "auto":
        method = "verifier" if kind == "code" else "majority"
    if method == "weighted":
        return vote(candidates, kind, weights=logprob_weights(candidates), seed=seed)
    if method == "verifier":
        passing = [i for i, a in enumerate(candidates) if verified(a)]
        if passing:
            sub = vote([candidates[i] for i in passing], kind, seed=seed)
            return Selection(sub.answer, None if sub.chosen is None else passing[sub.chosen], sub.votes)
    return vote(candidates, kind, seed=seed)


def all_selections(candidates: Sequence[Attempt], kind: AnswerKind, seed: int | str = 0) -> dict[str, str | None]:
    """Every selection method's answer, side by side (recorded in StrategyResult.extra)."""
    return {m: select(candidates, kind, m, seed=seed).answer for m in SELECTIONS[1:]}
