"""agent/reasoning.py with the scripted backend: prompt shapes, cot2 end to end,
batching (one generate call per stage), n > 1, answer kinds, no answer."""

from __future__ import annotations

import pytest

import prompts
from agent import reasoning
from agent.errors import UsageError
from agent.models.scripted import ScriptedModel, count_text_tokens
from agent.types import Request, SamplingParams

RATIONALE = "7 groups of 8 make 7 * 8 = 56 items."


def _stage1_or_2(rationale: str, answer: str):
    """A rule answering stage 1 with `rationale` and stage 2 (a prefilled request) with `answer`."""
    def rule(req: Request, index: int) -> str:
        return answer if req.prefill else rationale
    return rule


# ---------------------------------------------------------------------- prompt shapes
def test_direct_prompt_asks_for_the_answer_only():
    msgs = reasoning.build_messages("What is 7*8?", "direct", "number")
    assert [m.role for m in msgs] == ["user"]
    assert msgs[0].content.startswith("What is 7*8?")
    assert prompts.render("reasoning", "direct.instruction.number") in msgs[0].content
    assert "step by step" not in msgs[0].content


def test_cot_prompt_has_trigger_and_answer_format():
    msgs = reasoning.build_messages("What is 7*8?", "cot", "number")
    assert [m.role for m in msgs] == ["user"]
    assert "Let's think step by step." in msgs[0].content
    assert "\\boxed{}" in msgs[0].content


def test_cot2_stage1_prompt_is_the_question_and_the_trigger_only():
    msgs = reasoning.build_messages("What is 7*8?", "cot2", "number")
    assert msgs[0].content == "What is 7*8?\n\nLet's think step by step."


def test_fewshot_prompt_is_k_worked_examples_then_the_question():
    msgs = reasoning.build_messages("What is 7*8?", "fewshot", "number")
    k = prompts.get("reasoning", "fewshot.k")
    assert k == 4
    assert [m.role for m in msgs] == ["user", "assistant"] * k + ["user"]
    assert msgs[-1].content.startswith("What is 7*8?")
    assert all("\\boxed{" in m.content for m in msgs if m.role == "assistant")
    assert len(reasoning.build_messages("q", "fewshot", "math", shots=2)) == 5
    with pytest.raises(UsageError):
        reasoning.build_messages("q", "fewshot", "number", shots=99)


def test_system_prompt_goes_first():
    msgs = reasoning.build_messages("q", "cot", "number", system="Be brief.")
    assert (msgs[0].role, msgs[0].content) == ("system", "Be brief.")


@pytest.mark.parametrize("method", reasoning.METHODS)
@pytest.mark.parametrize("kind", reasoning.KINDS)
def test_every_method_and_kind_renders(method, kind):
    msgs = reasoning.build_messages("Which one?", method, kind)
    assert msgs[-1].role == "user" and "Which one?" in msgs[-1].content


def test_unknown_method_or_kind_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown method"):
        reasoning.build_messages("q", "tot")
    with pytest.raises(UsageError, match="unknown answer kind"):
        reasoning.solve(ScriptedModel(["1"]), "q", "cot", "code")


def test_kinds_select_their_own_answer_format_and_trigger():
    cot = {k: reasoning.build_messages("q", "cot", k)[0].content for k in reasoning.KINDS}
    assert "letter" in cot["choice"] and "\\boxed{}" not in cot["choice"]
    assert reasoning.answer_trigger("number") == "Therefore, the answer (arabic numerals) is"
    assert "A through E" in reasoning.answer_trigger("choice")
    assert "LaTeX" in reasoning.answer_trigger("math")


# ---------------------------------------------------------------------- cot2 end to end
def test_cot2_end_to_end_stage2_continues_the_rationale():
    model = ScriptedModel(rule=_stage1_or_2(RATIONALE, " 56.\n\nBecause 7 * 8 = 56 and 3 more."))
    [sol] = reasoning.solve(model, "What is 7*8?", "cot2", "number")
    assert len(model.calls) == 2
    stage1, stage2 = model.calls
    assert stage1.prefill == ""
    assert stage2.prefill == RATIONALE + "\nTherefore, the answer (arabic numerals) is"
    assert stage2.messages == stage1.messages
    assert stage2.params.temperature == 0 and stage2.params.n == 1 and stage2.params.max_tokens <= 32
    assert sol.answer == "56"
    assert sol.text == RATIONALE + "\nTherefore, the answer (arabic numerals) is 56."
    assert sol.rationale == RATIONALE
    assert [s["prefill"] for s in sol.stages] == ["", stage2.prefill]
    assert sol.stages[1]["completion"]["text"].startswith(" 56.")
    # token counts are the exact sum of both stages
    msgs_tokens = model.count_tokens(stage1.messages)
    assert sol.prompt_tokens == msgs_tokens + msgs_tokens + count_text_tokens(stage2.prefill)
    assert sol.completion_tokens == count_text_tokens(RATIONALE) + count_text_tokens(
        " 56.\n\nBecause 7 * 8 = 56 and 3 more.")
    assert sol.prompt_tokens == sum(s["completion"]["prompt_tokens"] for s in sol.stages)
    assert sol.to_dict()["stages"][1]["prefill"] == stage2.prefill


def test_cot2_answer_comes_from_stage2_before_the_rationale():
    model = ScriptedModel(rule=_stage1_or_2("So the total is \\boxed{54}.", " 56"))
    [sol] = reasoning.solve(model, "q", "cot2", "number")
    assert sol.answer == "56"


def test_cot2_falls_back_to_the_rationale_when_stage2_has_no_answer():
    model = ScriptedModel(rule=_stage1_or_2("So the total is \\boxed{54}.", " unclear."))
    [sol] = reasoning.solve(model, "q", "cot2", "number")
    assert sol.answer == "54"


def test_cot2_choice_and_math_triggers_and_answers():
    model = ScriptedModel(rule=_stage1_or_2("Only 29 is prime.", " (C) 29."))
    [sol] = reasoning.solve(model, "Which is prime? A) 21 B) 27 C) 29", "cot2", "choice")
    assert model.calls[1].prefill.endswith("Therefore, among A through E, the answer is")
    assert sol.answer == "C"
    model = ScriptedModel(rule=_stage1_or_2("The fraction reduces.", " $\\frac{2}{3}$."))
    [sol] = reasoning.solve(model, "Simplify 12/18", "cot2", "math")
    assert model.calls[1].prefill.endswith(reasoning.answer_trigger("math"))
    assert sol.answer == "\\frac{2}{3}"


def test_cot2_logprobs_average_over_both_stages():
    model = ScriptedModel(rule=lambda req, i: {"text": "1 2" if req.prefill else "a b c d", "logprob":
                                               -1.0 if req.prefill else -0.25})
    [sol] = reasoning.solve(model, "q", "cot2", "number", SamplingParams(logprobs=True))
    assert sol.mean_logprob == pytest.approx((4 * -0.25 + 2 * -1.0) / 6)
    [sol] = reasoning.solve(model, "q", "cot2", "number")
    assert sol.mean_logprob is None


# ---------------------------------------------------------------------- batching and n
@pytest.mark.parametrize("method,calls", [("direct", 1), ("cot", 1), ("fewshot", 1), ("cot2", 2)])
def test_solve_batch_makes_one_generate_call_per_stage(method, calls):
    model = ScriptedModel(rule=lambda req, i: " 3" if req.prefill else "so \\boxed{3}")
    generate_calls = []
    real_generate = model.generate
    model.generate = lambda reqs: (generate_calls.append(len(reqs)), real_generate(reqs))[1]
    questions = [f"What is {i} + 1?" for i in range(5)]
    out = reasoning.solve_batch(model, questions, method, "number", SamplingParams(n=3, temperature=0.7))
    assert len(generate_calls) == calls
    assert generate_calls[0] == 5  # every question in one call, n samples each
    if method == "cot2":
        assert generate_calls[1] == 15  # one greedy stage 2 per rationale
    assert [len(s) for s in out] == [3] * 5
    assert [s[0].question for s in out] == questions
    assert all(sol.answer == "3" and sol.method == method for sols in out for sol in sols)


def test_n_solutions_keep_their_own_rationales_and_answers():
    model = ScriptedModel({"rules": [{"match": "", "replies": ["x = \\boxed{1}", "x = \\boxed{2}",
                                                                "x = \\boxed{3}"]}]})
    sols = reasoning.solve(model, "q", "cot", "number", SamplingParams(n=3, temperature=1.0))
    assert [s.answer for s in sols] == ["1", "2", "3"]
    assert all(s.completion_tokens == count_text_tokens("x = \\boxed{1}") for s in sols)


def test_solve_batch_takes_a_kind_per_question():
    model = ScriptedModel(rule=lambda req, i: " B" if "A through E" in req.prefill else " 12")
    out = reasoning.solve_batch(model, ["a number?", "a letter?"], "cot2", ["number", "choice"])
    assert [sols[0].answer for sols in out] == ["12", "B"]
    assert [sols[0].kind for sols in out] == ["number", "choice"]
    with pytest.raises(UsageError):
        reasoning.solve_batch(model, ["a", "b"], "cot", ["number"])
    assert reasoning.solve_batch(model, [], "cot2") == []


# ---------------------------------------------------------------------- answers
def test_no_answer_is_none():
    model = ScriptedModel(["I am not sure what you mean."])
    [sol] = reasoning.solve(model, "q", "cot", "number")
    assert sol.answer is None
    assert set(sol.pipelines.values()) == {None}
    model = ScriptedModel(rule=_stage1_or_2("No idea.", " unknown"))
    [sol] = reasoning.solve(model, "q", "cot2", "number")
    assert sol.answer is None


def test_one_stage_solution_records_prompt_and_tokens():
    model = ScriptedModel(["7 * 8 = 56, so the answer is \\boxed{56}."])
    [sol] = reasoning.solve(model, "What is 7*8?", "cot", "number")
    assert sol.answer == "56"
    assert sol.pipelines  # every pipeline of agent.answers reported
    assert sol.stages[0]["messages"] == [m.to_dict() for m in model.calls[0].messages]
    assert sol.prompt_tokens == model.count_tokens(model.calls[0].messages)
    assert sol.completion_tokens == sol.stages[0]["completion"]["completion_tokens"]
    d = sol.to_dict()
    assert d["answer"] == "56" and d["method"] == "cot" and d["mean_logprob"] is None


@pytest.mark.parametrize("text,kind,expected", [
    (" 56.", "number", "56"),
    (" $1,250.50 in total", "number", "1250.5"),
    (" \\boxed{18}\n\nso 3 and 4", "number", "18"),
    (" -3 degrees", "number", "-3"),
    ("\n\n 42 apples", "number", "42"),
    (" nothing", "number", None),
    (" (B).", "choice", "B"),
    (" E", "choice", "E"),
    (" a mystery", "choice", None),
    (" $\\boxed{\\frac{1}{2}}$.", "math", "\\frac{1}{2}"),
    (" $x^2 + 1$.", "math", "x^2 + 1"),
    ("", "math", None),
])
def test_stage2_answer(text, kind, expected):
    got = reasoning.stage2_answer(text, kind)
    if expected == "1250.5":  # number normalisation is agent.answers.numbers' business
        assert got in ("1250.5", "1250.50")
    else:
        assert got == expected


@pytest.mark.parametrize("text,kind,trigger,expected", [
    ("56}.", "number", "the answer is \\boxed{", "56"),
    (" 1,000} dollars", "number", "the answer is \\boxed{", "1000"),
    ("\\frac{2}{3}}$.", "math", "the final answer is $\\boxed{", "\\frac{2}{3}"),
    (" 56.", "number", "the answer (arabic numerals) is", "56"),
])
def test_stage2_answer_closes_a_boxed_trigger(text, kind, trigger, expected):
    assert reasoning.stage2_answer(text, kind, trigger) == expected


def test_stage2_line_joins_the_trigger_as_written():
    assert reasoning.stage2_line(" 56.\n\nmore") == " 56."
    assert reasoning.stage2_line("56}.\nmore") == "56}."
    assert reasoning.stage2_line("\n\n56") == " 56"
    assert reasoning.stage2_line("") == ""
