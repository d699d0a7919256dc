"""Voting, the one home: tallies by answer key, leaders, seeded tie-breaks, selections."""

from __future__ import annotations

import pytest

from agent.scaling.types import Attempt
from agent.scaling.voting import leaders, select, tally, vote


@pytest.mark.parametrize(("answers", "kind", "expected"), [
    (["18", "17", "18"], "number", "18"),
    (["18.00", "17", "$18"], "number", "18.00"),  # same key: first of the winning cluster, as written
    ([None, None, "5"], "number", "5"),
    ([None, None], "number", None),
    ([], "number", None),
    (["3/4", "0.75", "1"], "number", "3/4"),
    (["\\frac{1}{2}", "0.5", "\\sqrt{2}"], "math", "\\frac{1}{2}"),
    (["B", "(b)", "A"], "choice", "B"),
])
def test_majority_vote(answers, kind, expected):
    assert vote(answers, kind).answer == expected


def test_a_tie_goes_to_a_leader_drawn_with_the_seed():
    answers = ["17", "18", "18", "17"]
    picks = {vote(answers, "number", seed=s).answer for s in range(20)}
    assert picks == {"17", "18"}
    assert vote(answers, "number", seed=3).answer == vote(answers, "number", seed=3).answer


def test_weighted_vote():
    assert vote(["1", "2", "2"], "number", weights=[0.9, 0.3, 0.3]).answer == "1"
    assert vote(["1", "2", "2"], "number", weights=[0.5, 0.3, 0.3]).answer == "2"
    assert vote(["1", None, "2"], "number", weights=[0.5, 9.0, 0.5]).answer in ("1", "2")  # None ignored
    with pytest.raises(ValueError):
        vote(["1"], "number", weights=[1.0, 2.0])


def test_tally_and_leaders():
    totals = tally(["a", None, "b", "a", "c", "b"])
    assert totals == {"a": 2.0, "b": 2.0, "c": 1.0}
    assert leaders(totals) == ["a", "b"] and leaders({}) == []


def test_verifier_selection_votes_among_the_passing_attempts():
    attempts = [Attempt(0, answer="3"), Attempt(1, answer="3"),
                Attempt(2, answer="5", verifier={"passed": True})]
    assert select(attempts, "number", "majority").answer == "3"
    chosen = select(attempts, "number", "verifier")
    assert (chosen.answer, chosen.chosen) == ("5", 2)
