"""`single` is an ordinary strategy (the method's own attempts at the temperature asked, the first
the answer), and a code task has one first prompt under every strategy (prompts/code.yaml)."""

from __future__ import annotations

import prompts
from agent.models.scripted import ScriptedModel
from agent.scaling import STRATEGIES, run_strategy
from agent.scaling.strategies import SINGLE
from agent.types import Sample, SamplingParams

GREEDY = SamplingParams(temperature=0.0, max_tokens=50)
MBPP = Sample("c", "Write add(a, b).\nassert add(2, 3) == 5", "", kind="code",
              metadata={"test_list": ["assert add(2, 3) == 5", "assert add(0, 0) == 0"]})


def test_single_keeps_the_temperature_asked_and_answers_with_its_first_attempt():
    answers = iter(["The answer is 4.", "The answer is 5.", "The answer is 5."])
    model = ScriptedModel(rule=lambda req, i: next(answers))
    r = run_strategy(model, [Sample("q", "Q?", "5")], SINGLE, 3, params=GREEDY)[0]
    (call,) = model.calls
    assert call.params.temperature == 0.0 and call.params.n == 3 and not call.params.logprobs
    assert r.strategy == SINGLE and r.budget == 3 and len(r.attempts) == 3
    assert r.answer == "4"  # the first attempt's, though the majority says 5
    assert STRATEGIES[SINGLE].samples is False and STRATEGIES["parallel"].samples is True


def test_a_strategy_that_samples_turns_temperature_zero_into_sampling():
    model = ScriptedModel(rule=lambda req, i: "The answer is 5.")
    run_strategy(model, [Sample("q", "Q?", "5")], "parallel", 2, params=GREEDY)
    assert model.calls[0].params.temperature > 0


def test_every_strategy_asks_a_code_task_with_the_one_code_prompt():
    """prompts/code.yaml's messages, the prefill that opens the block and the fence that stops it."""
    body = "def add(a, b):\n    return a + b\n"
    for name in (SINGLE, "parallel", "sequential"):
        model = ScriptedModel(rule=lambda req, i: body)
        run_strategy(model, [MBPP], name, 2, params=GREEDY)
        first = model.calls[0]
        assert first.messages[0].content == prompts.render("code", "system")
        assert first.messages[1].content == prompts.render("code", "mbpp.user", question=MBPP.input)
        assert first.prefill == prompts.render("code", "mbpp.prefill") and "```" in first.params.stop


def test_single_grades_code_without_running_the_examples_and_strategies_run_them():
    wrong = "def add(a, b):\n    return a - b\n"
    single = run_strategy(ScriptedModel(rule=lambda req, i: wrong), [MBPP], SINGLE, 1, params=GREEDY)[0]
    assert single.attempts[0].verifier is None and single.answer.strip().endswith("return a - b")
    parallel = run_strategy(ScriptedModel(rule=lambda req, i: wrong), [MBPP], "parallel", 1, params=GREEDY)[0]
    assert parallel.attempts[0].verifier["passed"] is False


def test_a_code_revision_sees_the_whole_reply_its_prefill_began_and_the_block_closed():
    wrong, right = "\ndef add(a, b):\n    return a - b\n", "```python\ndef add(a, b):\n    return a + b\n```"
    model = ScriptedModel(rule=lambda req, i: right if len(req.messages) > 2 else wrong)
    r = run_strategy(model, [MBPP], "sequential", 2, params=GREEDY)[0]
    shown = r.attempts[1].messages[2]
    assert shown["role"] == "assistant"
    assert shown["content"] == prompts.render("code", "mbpp.prefill") + wrong.rstrip("\n") + "\n```"
    revision = model.calls[1]
    assert not revision.prefill and "```" not in revision.params.stop  # a revision writes its own block
    assert r.answer.strip().endswith("return a + b")
