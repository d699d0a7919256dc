"""Sampled replies that stop before their code are continued once (agent/codeact/continuation.py)."""

from __future__ import annotations

import pytest

from agent.codeact.continuation import continue_codeless, stopped_before_code
from agent.codeact.loop import CodeAgent
from agent.codeact.types import AgentConfig
from agent.models.scripted import ScriptedModel, count_text_tokens
from agent.types import Completion, Message, Request, SamplingParams, Usage
from tests.agent.codeact.conftest import code

PLAN = "I will write the code."


@pytest.mark.parametrize(("text", "finish", "native", "expected"), [
    (PLAN, "stop", False, True),
    (PLAN, "length", False, False),           # cut at max_tokens: nothing to continue
    ("", "stop", False, False),
    (code("print(1)"), "stop", False, False),
    ("Here:\n```python\nprint(1)", "stop", False, False),  # an unclosed block is code too
    ('<tool_call>\n{"name": "python"}', "stop", True, False),
    ('<tool_call>\n{"name": "python"}', "stop", False, True),
])
def test_stopped_before_code(text, finish, native, expected):
    assert stopped_before_code(Completion(text, finish, 10, 5), native_tools=native) is expected


def test_only_codeless_replies_are_continued_in_one_batch():
    def rule(request, i):
        if request.prefill:
            return "```python\nprint(2)\n```"
        return PLAN if i % 2 == 0 else code("print(1)")

    class Counted(ScriptedModel):
        batches = 0

        def generate(self, requests):
            self.batches += 1
            return super().generate(requests)

    model = Counted(rule=rule)
    msgs = [Message("user", "task")]
    requests = [Request(msgs, SamplingParams(n=3, temperature=0.7, max_tokens=50, seed=5))]
    batches = model.generate(requests)
    out, extra = continue_codeless(model, requests, batches)
    assert model.batches == 2 and len(model.calls) == 3  # samples 0 and 2, continued in one batch
    for more in model.calls[1:]:
        assert more.messages == msgs and more.prefill == PLAN + "\n" and more.params.n == 1
    assert len({c.params.seed for c in model.calls}) == 3
    texts = [c.text for c in out[0]]
    assert texts[0] == texts[2] == PLAN + "\n```python\nprint(2)\n```" and texts[1] == code("print(1)")
    assert out[0][0].completion_tokens == count_text_tokens(PLAN) + count_text_tokens("```python\nprint(2)\n```")
    sent = 2 * (model.count_tokens(msgs) + count_text_tokens(PLAN))
    assert (extra.prompt_tokens, extra.prompt_tokens_evaluated) == (sent, sent)  # the scripted model caches nothing
    assert continue_codeless(model, requests, [[out[0][1]]] * 1)[1] == Usage()  # nothing to continue: no call


def test_best_of_k_continues_a_candidate_that_stopped_after_its_plan(session, tmp_path):
    failing, works = code("print(undefined_name)"), code("print('ok')\nfinal_answer('ok')")

    def rule(request, i):
        if request.params.temperature == 0:
            return failing
        if request.prefill:  # the continuation of a plan-only reply
            return works.split("\n", 1)[1]
        return works.split("\n", 1)[0] if len(request.messages) <= 2 else failing

    agent = CodeAgent(ScriptedModel(rule=rule), session, AgentConfig(candidates=2, cell_timeout_s=30, max_steps=3))
    result = agent.run("Print ok")
    step = result.steps[1]
    assert step.chosen_candidate is not None and step.candidates[step.chosen_candidate]["kind"] == "fresh"
    assert step.reply.startswith("I will run this.\n") and "final_answer('ok')" in step.reply
    assert result.success and result.final_answer == "ok"
