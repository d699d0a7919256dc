"""Strategies that use execution, on a scripted model with programs run in the real sandbox:
self-consistency over program outputs (parallel with pal), the mixed cot/pal vote and its
budget split, the weighted vote with pal, revise-exec's execution feedback, and grading that
reads a program's answer, never a number of its code."""

from __future__ import annotations

import re

import pytest

from agent.models.scripted import ScriptedModel
from agent.scaling import STRATEGIES, ScalingOptions, run_strategy
from agent.scaling.chains import program_revision
from agent.scaling.strategies import chain_shape, method_split
from agent.scaling.types import Attempt
from agent.types import Sample, SamplingParams, Score
from tests.agent.scaling.test_strategies import Counting

PARAMS = SamplingParams(temperature=0.7, max_tokens=200)
PAL_ASK = "Write a short Python program"


def program(code: str) -> str:
    return f"```python\n{code}\n```"


def boxed_grader(text: str, sample: Sample) -> Score:
    m = re.findall(r"\\boxed\{(\d+)\}|The answer is (\d+)", text)
    if not m:
        return Score("no_answer")
    got = next(x for x in m[-1] if x)
    return Score("correct" if got == sample.target else "incorrect", got)


def pal_or_cot(pal: list, cot: list):
    """The i-th sample of a pal request answers pal[i], of a cot request cot[i]."""
    def rule(req, i):
        replies = pal if PAL_ASK in req.messages[-1].content else cot
        return replies[i % len(replies)]
    return rule


def test_parallel_with_pal_is_self_consistency_over_program_outputs():
    replies = [program("print(5)"), program("print(2 + 3)"), program("print(7)"), program("1 / 0"),
               program("x = 5")]
    model = Counting(pal_or_cot(replies, ["The answer is 9."]))
    r = run_strategy(model, [Sample("q", "Q?", "5")], "parallel", 5, method="pal", params=PARAMS,
                     grader=boxed_grader)[0]
    assert model.rounds == 1 and model.calls[0].params.n == 5
    assert [a.answer for a in r.attempts] == ["5", "5", "7", None, None]
    assert (r.answer, r.score.value) == ("5", "correct")
    # a failed program is no answer, not the number written in its code
    assert [a.score.value for a in r.attempts] == ["correct", "correct", "incorrect", "no_answer", "no_answer"]
    assert r.attempts[3].program["status"] == "error"


def test_pal_with_no_program_answering_gives_no_answer():
    model = ScriptedModel(rule=lambda req, i: program("print(1 / 0)  # the answer is 5"))
    r = run_strategy(model, [Sample("q", "Q?", "5")], "parallel", 2, method="pal", params=PARAMS,
                     grader=boxed_grader)[0]
    assert r.answer is None and r.score.value == "no_answer"


@pytest.mark.parametrize(("budget", "split"), [
    (1, {"cot": 0, "pal": 1}), (2, {"cot": 1, "pal": 1}), (5, {"cot": 2, "pal": 3}), (8, {"cot": 4, "pal": 4}),
])
def test_mixed_splits_the_budget_between_cot_and_pal(budget, split):
    assert method_split("mixed", budget) == split and sum(split.values()) == budget
    assert chain_shape("mixed", budget) == [1] * budget


@pytest.mark.parametrize(("strategy", "budget"), [("parallel", 4), ("mixed", 0), ("revise-exec", 0)])
def test_method_split_rejects_what_does_not_mix(strategy, budget):
    with pytest.raises(ValueError):
        method_split(strategy, budget)


def test_mixed_votes_over_cot_and_pal_answers_in_one_call_with_exact_budget():
    model = Counting(pal_or_cot([program("print(12)"), program("print(12)"), program("raise SystemExit(3)")],
                                ["The answer is 11.", "The answer is 12."]))
    samples = [Sample("a", "Question alpha?", "12"), Sample("b", "Question beta?", "12")]
    results = run_strategy(model, samples, "mixed", 5, method="cot", params=PARAMS, grader=boxed_grader)
    assert model.rounds == 1  # every cot and pal sample of every question in one generate call
    assert sorted((PAL_ASK in c.messages[-1].content, c.params.n) for c in model.calls) == [
        (False, 2), (False, 2), (True, 3), (True, 3)]
    for r in results:
        assert len(r.attempts) == 5 and [a.index for a in r.attempts] == [0, 1, 2, 3, 4]
        assert [a.chain for a in r.attempts] == [0, 1, 2, 3, 4]
        assert [a.method for a in r.attempts] == ["cot", "cot", "pal", "pal", "pal"]
        assert [a.answer for a in r.attempts] == ["11", "12", "12", "12", None]
        assert (r.answer, r.score.value) == ("12", "correct")
        assert r.completion_tokens == sum(a.completion_tokens for a in r.attempts)


@pytest.mark.parametrize(("budget", "caps"), [
    (1, {"pal": 1, "cot": 0}), (2, {"pal": 2, "cot": 0}), (8, {"pal": 2, "cot": 6}),
])
def test_cascade_caps_pal_first_then_cot(budget, caps):
    assert method_split("cascade", budget) == caps and list(caps) == ["pal", "cot"]
    assert sum(caps.values()) == budget


def test_cascade_stops_on_agreeing_programs_and_goes_on_to_cot_when_they_disagree():
    """Question a: both programs print 12, settled (P = 0.875 >= 0.8), no cot sample is drawn.
    Question b: the programs disagree (12, 7); cot samples are drawn one per round and counted with
    the programs' answers until 12 leads 3 to 1 (P = 0.8125 >= 0.8)."""
    beta_programs = iter([program("print(12)"), program("print(7)")])

    def rule(req, i):
        pal, text = PAL_ASK in req.messages[-1].content, req.messages[-1].content
        if "alpha" in text:
            return program("print(12)") if pal else "The answer is 99."
        return next(beta_programs) if pal else "The answer is 12."
    model = Counting(rule)
    samples = [Sample("a", "Question alpha?", "12"), Sample("b", "Question beta?", "12")]
    a, b = run_strategy(model, samples, "cascade", 8, method="cot", params=PARAMS, grader=boxed_grader,
                        options=ScalingOptions(adaptive_threshold=0.8))
    assert [x.method for x in a.attempts] == ["pal", "pal"] and a.answer == "12"
    assert [x.method for x in b.attempts] == ["pal", "pal", "cot", "cot"]
    assert [x.answer for x in b.attempts] == ["12", "7", "12", "12"]
    assert [x.index for x in b.attempts] == [0, 1, 2, 3] and [x.chain for x in b.attempts] == [0, 1, 2, 3]
    assert (b.answer, b.score.value) == ("12", "correct")
    assert all(c.params.n == 1 for c in model.calls) and model.rounds == 4  # 2 pal rounds, 2 cot rounds


def test_weighted_vote_works_with_pal_logprobs():
    replies = [{"text": program("print(3)"), "logprob": -3.0}, {"text": program("print(3)"), "logprob": -3.0},
               {"text": program("print(5)"), "logprob": -0.1}, {"text": program("1/0"), "logprob": -0.01}]
    model = ScriptedModel(rule=lambda req, i: replies[i])
    params = SamplingParams(temperature=0.7, max_tokens=50, logprobs=True)
    r = run_strategy(model, [Sample("q", "Q?", "5")], "parallel", 4, method="pal", params=params,
                     options=ScalingOptions(selection="weighted"))[0]
    assert all(a.mean_logprob is not None for a in r.attempts)
    assert r.answer == "5" and r.choice.answers["majority"] == "3"


def test_revise_exec_shows_each_revision_what_the_program_did():
    def rule(req, i):
        last = req.messages[-1].content
        if "Review your program" not in last:
            return program("print(undefined_name)")
        if "NameError" in last:
            return program("print(40 + 1)")
        assert "The program printed:\n41" in last
        return program("print(42)")

    model = Counting(rule)
    r = run_strategy(model, [Sample("q", "Q?", "42")], "revise-exec", 3, method="pal", params=PARAMS,
                     grader=boxed_grader)[0]
    assert model.rounds == 3 and len(r.attempts) == 3 and r.choice.chain_lengths == [3]
    assert [a.answer for a in r.attempts] == [None, "41", "42"]
    assert (r.answer, r.score.value) == ("42", "correct")
    revision = model.calls[1].messages
    assert revision[-2].role == "assistant" and revision[-2].content == program("print(undefined_name)")
    assert "and fix it" in revision[-1].content and PAL_ASK in revision[0].content
    assert "reasoning gave" not in revision[-1].content  # no reasoned answer to agree with


def test_revise_exec_after_cot_checks_the_answer_with_a_program_and_shows_the_disagreement():
    def rule(req, i):
        last = req.messages[-1].content
        if "Check your answer above by writing" in last:
            return program("print(41)")
        if "Review your program" in last:
            assert "Your step-by-step reasoning gave 40, but the program's answer is 41." in last
            assert "The program printed:\n41" in last
            return program("print(41)")
        return "Some steps. The answer is 40."

    model = Counting(rule)
    r = run_strategy(model, [Sample("q", "Q?", "41")], "revise-exec", 3, method="cot", params=PARAMS,
                     grader=boxed_grader)[0]
    assert model.rounds == 3 and len(r.attempts) == 3 and r.choice.chain_lengths == [3]
    assert PAL_ASK not in model.calls[0].messages[-1].content  # the first attempt is the method's (cot)
    assert [a.program is not None for a in r.attempts] == [False, True, True]
    assert [a.answer for a in r.attempts] == ["40", "41", "41"]
    assert (r.answer, r.score.value) == ("41", "correct")


def test_a_revision_without_a_runnable_program_keeps_the_chains_answer():
    """Shown a program that ran and agreed, the model may answer in prose; a program may fail.
    Neither revises: the chain's answer stands (never a number read from prose or code), and the
    next round is told what happened, not that the program answered."""
    replies = iter([program("print(41)"), "The program is correct, so the answer is \\boxed{41}.",
                    program("print(undefined_name)"), program("print(42)")])

    def rule(req, i):
        last = req.messages[-1].content
        if "Check your answer above" in last or "Review your program" in last:
            return next(replies)
        return "Some steps. The answer is 41."

    model = Counting(rule)
    r = run_strategy(model, [Sample("q", "Q?", "41")], "revise-exec", 5, method="cot", params=PARAMS,
                     grader=boxed_grader)[0]
    assert [a.answer for a in r.attempts] == ["41", "41", "41", "41", "42"]
    assert [a.kept_previous for a in r.attempts] == [False, False, True, True, False]
    assert [a.program["status"] for a in r.attempts[1:]] == ["ok", "no_program", "error", "ok"]
    assert [a.score.value for a in r.attempts[2:4]] == ["correct", "correct"]
    after_prose, after_error = model.calls[3].messages[-1].content, model.calls[4].messages[-1].content
    assert "no ```python block" in after_prose and "the program gave no answer" in after_prose
    assert "NameError" in after_error and "program's answer is" not in after_error
    assert (r.answer, r.score.value) == ("42", "incorrect")


@pytest.mark.parametrize(("reasoned", "printed", "shown"), [
    ("40", "41", "Your step-by-step reasoning gave 40, but the program's answer is 41."),
    ("40", None, "Your step-by-step reasoning gave 40, but the program gave no answer."),
    ("41", "41.0", None),  # agreement is by answer key
    (None, "41", None),
])
def test_the_disagreement_is_shown_only_when_there_is_one(reasoned, printed, shown):
    first = Attempt(index=0, answer=reasoned)
    run = {"status": "ok" if printed else "error", "stdout": f"{printed}\n", "stderr": "Traceback", "reply": ""}
    text = program_revision(first, Attempt(index=1, answer=printed, program=run), "number", True)
    assert (shown in text) if shown else ("reasoning gave" not in text)


def test_sequential_with_pal_revises_without_execution_feedback():
    model = ScriptedModel(rule=lambda req, i: program("print(7)"))
    r = run_strategy(model, [Sample("q", "Q?", "7")], "sequential", 2, method="pal", params=PARAMS)[0]
    assert r.answer == "7"
    last = model.calls[1].messages[-1].content
    assert "Review your program" in last and "printed" not in last


def test_the_new_strategies_are_registered():
    assert {"mixed", "revise-exec"} <= set(STRATEGIES)
    assert STRATEGIES["revise-exec"].revise_as == "pal" and chain_shape("revise-exec", 4) == [4]
