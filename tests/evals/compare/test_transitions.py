"""What each revision step did to the answers (evals/compare/transitions.py)."""

from __future__ import annotations

from evals.compare.estimators import Vote
from evals.compare.points import Step
from evals.compare.transitions import count_transitions


def chain(n: int, *votes: Vote) -> list[Step]:
    return [Step(n, i, v, 10, 5) for i, v in enumerate(votes)]


def test_a_missing_answer_is_wrong_and_changes_are_counted_per_step():
    none, three, four = Vote(None, False), Vote("3", True), Vote("4", False)
    # question 1: no answer -> right -> right -> no answer; question 2 (two chains, stored out of order):
    # wrong -> wrong (another wrong answer), and right -> right
    q1 = chain(0, none, three, three, none)
    q2 = list(reversed(chain(0, four, Vote("5", False)) + chain(1, three, three)))
    rows = {t.step: t for t in count_transitions("revise-exec", [q1, q2])}
    assert sorted(rows) == [1, 2, 3]
    first = rows[1]
    assert (first.chains, first.kept_right, first.right_to_wrong, first.wrong_to_right, first.kept_wrong,
            first.changed) == (3, 1, 0, 1, 1, 2)
    assert (rows[2].chains, rows[2].kept_right, rows[2].changed) == (1, 1, 0)
    assert (rows[3].chains, rows[3].right_to_wrong, rows[3].changed) == (1, 1, 1)
    assert count_transitions("sequential", [chain(0, three)]) == []
