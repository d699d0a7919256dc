"""What revision does to an answer, step by step: for every chain of a revising strategy, each
revision's answer against the one it revised (right kept, right lost, wrong fixed, wrong kept),
the table Huang et al. 2023 use to show that prompt-only self-correction breaks more answers
than it fixes. Counted over chains, from the stored attempts (nothing regenerated)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from itertools import pairwise

from evals.compare.points import Step, chains_of


@dataclass
class Transitions:
    """Step `step - 1` -> `step` of every chain of `strategy` that reaches `step` (step 0 is the
    first attempt, so step 1 is the first revision). A missing answer counts as wrong."""

    strategy: str
    step: int
    chains: int = 0
    kept_right: int = 0
    right_to_wrong: int = 0
    wrong_to_right: int = 0
    kept_wrong: int = 0
    changed: int = 0
    """Revisions whose answer differs from the one they revised (right or wrong)."""

    def to_dict(self) -> dict:
        return asdict(self)


def count_transitions(strategy: str, questions: Sequence[Sequence[Step]]) -> list[Transitions]:
    """The transitions at each revision step over the chains of every question's stored steps."""
    by_step: dict[int, Transitions] = {}
    for steps in questions:
        for chain in chains_of(steps):
            for before, after in pairwise(chain):
                t = by_step.setdefault(after.step, Transitions(strategy, after.step))
                t.chains += 1
                was, now = before.vote.correct, after.vote.correct
                t.kept_right += was and now
                t.right_to_wrong += was and not now
                t.wrong_to_right += now and not was
                t.kept_wrong += not (was or now)
                t.changed += before.vote.key != after.vote.key
    return [by_step[k] for k in sorted(by_step)]
