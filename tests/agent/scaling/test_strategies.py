"""Scaling strategies on a scripted model whose answers follow known distributions:
selection, batching (one generate call per round), revision prompts, adaptive
savings and exact token accounting."""

from __future__ import annotations

import re

import pytest

from agent import reasoning
from agent.models.scripted import ScriptedModel, count_text_tokens
from agent.scaling import ScalingOptions, chain_shape, run_strategy, solve_with_strategy
from agent.scaling.chains import initial_messages
from agent.types import Message, Sample, SamplingParams, Score

PARAMS = SamplingParams(temperature=0.7, max_tokens=50)


def answer_grader(text: str, sample: Sample) -> Score:
    m = re.findall(r"The answer is (\d+)", text)
    if not m:
        return Score("no_answer")
    return Score("correct" if m[-1] == sample.target else "incorrect", m[-1])


class Counting(ScriptedModel):
    """Counts generate calls (rounds), not only requests."""

    def __init__(self, rule):
        super().__init__(rule=rule)
        self.rounds = 0

    def generate(self, requests):
        self.rounds += 1
        return super().generate(requests)


def by_index(answers: dict[str, list[str]]):
    """The i-th sample drawn for question q (across calls) answers answers[q][i]."""
    drawn = dict.fromkeys(answers, 0)

    def rule(req, i):
        q = next(m.content for m in req.messages if m.role == "user")
        key = next(k for k in answers if k in q)
        drawn[key] += 1
        return f"Some steps. The answer is {answers[key][(drawn[key] - 1) % len(answers[key])]}."
    return rule


def test_parallel_majority_one_call_and_exact_tokens():
    model = Counting(by_index({"alpha": ["5", "5", "3", "5"], "beta": ["7", "2", "2", "9"]}))
    samples = [Sample("a", "Question alpha?", "5"), Sample("b", "Question beta?", "7")]
    results = run_strategy(model, samples, "parallel", 4, params=PARAMS, grader=answer_grader)
    assert model.rounds == 1 and [r.params.n for r in model.calls] == [4, 4]
    a, b = results
    assert (a.answer, a.score.value) == ("5", "correct")
    assert (b.answer, b.score.value) == ("2", "incorrect")  # majority is wrong though one sample was right
    assert sum(x.score.correct for x in b.attempts) == 1
    prompt = model.count_tokens(initial_messages(samples[0]))
    assert all(x.prompt_tokens == prompt for x in a.attempts) and a.prompt_tokens == 4 * prompt
    assert a.completion_tokens == 4 * count_text_tokens("Some steps. The answer is 5.")
    assert [x.chain for x in a.attempts] == [0, 1, 2, 3] and all(x.step == 0 for x in a.attempts)


def test_weighted_vote_uses_logprobs():
    texts = [{"text": "The answer is 3.", "logprob": -3.0}, {"text": "The answer is 3.", "logprob": -3.0},
             {"text": "The answer is 5.", "logprob": -0.1}]
    model = ScriptedModel(rule=lambda req, i: texts[i])
    params = SamplingParams(temperature=0.7, max_tokens=20)  # a voting strategy asks for logprobs itself
    r = run_strategy(model, [Sample("q", "Q?", "5")], "parallel", 3, params=params,
                     options=ScalingOptions(selection="weighted"))[0]
    assert r.answer == "5" and model.calls[0].params.logprobs
    assert r.choice.answers["majority"] == "3" and r.choice.answers["weighted"] == "5"


def test_sequential_revises_previous_attempt_batched():
    def rule(req, i):  # first attempt 10, each revision adds one to the previous answer
        if req.messages[-1].role == "user" and "Review your solution" in req.messages[-1].content:
            previous = int(re.findall(r"answer is (\d+)", req.messages[-2].content)[-1])
            return f"Revised. The answer is {previous + 1}."
        return "First. The answer is 10."
    model = Counting(rule)
    samples = [Sample("a", "Q1?", "12"), Sample("b", "Q2?", "11")]
    results = run_strategy(model, samples, "sequential", 3, params=PARAMS, grader=answer_grader)
    assert model.rounds == 3 and len(model.calls) == 6
    a, b = results
    assert [x.answer for x in a.attempts] == ["10", "11", "12"] and [x.step for x in a.attempts] == [0, 1, 2]
    assert a.answer == "12" and a.score.correct and not b.score.correct
    # history="last": each revision prompt holds the question, one previous attempt and the request
    base = len(initial_messages(samples[0]))
    assert len(a.attempts[2].messages) == base + 2
    assert a.attempts[2].messages[-2]["content"] == a.attempts[1].text
    # revision prompts grow: prompt tokens recorded per step, exactly
    assert a.attempts[1].prompt_tokens > a.attempts[0].prompt_tokens
    assert a.prompt_tokens == sum(model.count_tokens([Message(**m) for m in x.messages]) for x in a.attempts)


def test_sequential_full_history():
    model = ScriptedModel(rule=lambda req, i: "The answer is 1.")
    r = run_strategy(model, [Sample("a", "Q?", "1")], "sequential", 3, params=PARAMS,
                     options=ScalingOptions(history="all"))[0]
    assert len(r.attempts[2].messages) == len(r.attempts[0].messages) + 4


def test_hybrid_shape_and_majority_over_chain_finals():
    assert chain_shape("hybrid", 8, 2) == [2, 2, 2, 2] and chain_shape("hybrid", 5, 2) == [3, 2]
    assert chain_shape("hybrid", 1, 2) == [1]

    def rule(req, i):  # first attempts say 1, revisions of chain... say 4
        revised = any(m.role == "assistant" for m in req.messages)
        return "The answer is 4." if revised else "The answer is 1."
    model = Counting(rule)
    r = run_strategy(model, [Sample("a", "Q?", "4")], "hybrid", 6, params=PARAMS, grader=answer_grader)[0]
    assert model.rounds == 2 and model.calls[0].params.n == 3
    assert sorted((x.chain, x.step) for x in r.attempts) == [(c, s) for c in range(3) for s in range(2)]
    assert r.answer == "4" and r.score.correct and r.choice.chain_lengths == [2, 2, 2]


def test_adaptive_stops_early_on_easy_and_spends_cap_on_split():
    model = Counting(by_index({"easy": ["6"], "split": ["1", "2"]}))
    samples = [Sample("e", "Question easy?", "6"), Sample("s", "Question split?", "1")]
    easy, split = run_strategy(model, samples, "adaptive", 8, params=PARAMS, grader=answer_grader)
    assert len(easy.attempts) == 3 and easy.answer == "6"  # Beta rule: 3 agreeing samples settle at 0.9
    assert len(split.attempts) == 8
    assert model.rounds == 8 and all(r.params.n == 1 for r in model.calls)
    assert easy.completion_tokens == 3 * count_text_tokens("Some steps. The answer is 6.")


def test_solve_with_strategy_and_bad_input():
    model = ScriptedModel(rule=lambda req, i: "The answer is 2.")
    r = solve_with_strategy(model, "1+1?", "parallel", 3)
    assert r.answer == "2" and len(r.attempts) == 3 and r.score is None
    with pytest.raises(ValueError):
        run_strategy(model, [], "beam", 2, params=PARAMS)
    with pytest.raises(ValueError):
        run_strategy(model, [], "parallel", 0, params=PARAMS)


def test_self_check_verifier_picks_the_checked_answer():
    def rule(req, i):
        if "Proposed solution" in req.messages[-1].content:
            return "yes" if "answer is 5" in req.messages[-1].content else "no"
        return ["The answer is 3.", "The answer is 3.", "The answer is 5."][i]
    model = ScriptedModel(rule=rule)
    r = run_strategy(model, [Sample("q", "Q?", "5")], "parallel", 3, params=PARAMS,
                     options=ScalingOptions(selection="verifier", math_verifier="self_check"))[0]
    assert r.answer == "5" and r.choice.answers["majority"] == "3"
    assert r.choice.verifier_tokens["completion_tokens"] == 3  # one word per check


def test_code_verifier_runs_public_examples_and_feeds_back(tmp_path):
    # a first attempt continues the prefill that opens its block (prompts/code.yaml); a revision writes a block
    wrong, right = "\ndef add(a, b):\n    return a - b\n", "\ndef add(a, b):\n    return a + b\n"
    sample = Sample("c", "Write add(a, b).\nassert add(2, 3) == 5", "", kind="code",
                    metadata={"test_list": ["assert add(2, 3) == 5", "assert add(0, 0) == 0"]})
    model = ScriptedModel(rule=lambda req, i: [wrong, right, wrong][i])
    r = run_strategy(model, [sample], "parallel", 3, params=PARAMS)[0]
    assert [a.verifier["passed"] for a in r.attempts] == [False, True, False]
    assert r.answer.strip().endswith("return a + b")
    seq_model = ScriptedModel(rule=lambda req, i: f"```python{right}```" if req.messages[-1].role == "user"
                              and len(req.messages) > 2 else wrong)
    s = run_strategy(seq_model, [sample], "sequential", 2, params=PARAMS)[0]
    feedback = s.attempts[1].messages[-1]["content"]
    assert "failed the example tests" in feedback and "assert add(2, 3) == 5" in feedback
    assert s.attempts[1].verifier["passed"] is True


@pytest.mark.parametrize("kind", ["number", "math", "choice"])
def test_a_revision_asks_for_the_answer_format_of_the_first_prompt(kind):
    """One home of answer formats (prompts/reasoning.yaml): a revision asks for the final answer
    the way the method's own prompt did, not "The answer is N." after asking for \\boxed{}."""
    model = ScriptedModel(rule=lambda req, i: "So the answer is \\boxed{3}.")
    r = run_strategy(model, [Sample("q", "Q?", "3", kind=kind)], "sequential", 2, params=PARAMS)[0]
    first, revision = r.attempts[0].messages[-1]["content"], r.attempts[1].messages[-1]["content"]
    assert "Review your solution" in revision
    assert reasoning.answer_format(kind) in first and reasoning.answer_format(kind) in revision


@pytest.mark.parametrize("strategy", ["parallel", "sequential"])
def test_cot2_attempts_of_a_strategy_run_their_second_stage(strategy):
    """Every attempt is a solution of the method: cot2's stage 2 (one batched, greedy call per
    round) answers after the trigger; the rationale's own last number is not the answer."""
    model = Counting(rule=lambda req, i: " 56." if req.prefill else "Seven eights, minus 2, is 54.")
    r = run_strategy(model, [Sample("q", "What is 7*8?", "56")], strategy, 3, method="cot2", params=PARAMS,
                     grader=answer_grader)[0]
    stage2 = [c for c in model.calls if c.prefill]
    assert len(stage2) == 3 and model.rounds == 2 * (1 if strategy == "parallel" else 3)
    assert all(c.prefill.endswith(reasoning.answer_trigger("number")) and c.params.temperature == 0 for c in stage2)
    assert [a.answer for a in r.attempts] == ["56"] * 3 and r.answer == "56"
    assert all(len(a.stages) == 2 for a in r.attempts)
    a = r.attempts[0]
    assert a.completion_tokens == count_text_tokens("Seven eights, minus 2, is 54.") + count_text_tokens(" 56.")


def test_how_the_answer_was_chosen_is_typed_and_stored_as_the_record_it_was():
    """StrategyResult.choice: the fields finish sets, stored (extra_record) in the order and with the keys
    results were stored with when they were an open dict; ask --json shows them under "extra"."""
    model = ScriptedModel(rule=lambda req, i: "The answer is 4.")
    r = run_strategy(model, [Sample("q", "Q?", "4")], "sequential", 2, params=PARAMS, grader=answer_grader)[0]
    assert r.choice.selection == "last" and r.choice.chain_lengths == [2] and r.choice.chosen_attempt == 1
    record = r.extra_record()
    assert list(record) == ["selection", "answers", "chain_majority", "chain_lengths", "chosen_attempt"]
    assert record["chain_majority"] == ["4"] and r.to_dict()["extra"] == record and "choice" not in r.to_dict()
