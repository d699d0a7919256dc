"""No answer is read from a math response that states none or was cut off by max_tokens
(issue 29): the held-out classes found against math-verify, graded through `grade_math`, and
the finish reason carried from a real (scripted) completion to the grade of the attempt."""

from __future__ import annotations

import pytest
from math_verify import parse, verify

from agent.models.scripted import ScriptedModel
from agent.scaling import Attempt, run_strategy
from agent.types import Sample, SamplingParams
from evals import grade_math
from evals.grading import grade
from evals.solvers import SolveSpec, solve_chunk

# MATH-500 style: cut off mid-derivation, no \boxed{}, no final answer, a repeated line at the end;
# its last number is the exponent 2 (the held-out false positive against gold "2")
RUNAWAY = ("In right triangle $ABC$ we have $\\tan A = \\frac{BC}{AB}$, so $AB = \\frac{BC}{\\tan A}$. "
           "Squaring, " + "AB^2 = \\frac{1}{\\tan^2 A} + BC^2\n" * 12)
GSM8K_WORKING = "She has 16 - 3 - 4 = 9 eggs and sells each for $2, so she makes 9 * 2 = 18"


def math_verify_correct(response: str, gold: str) -> bool:
    return bool(verify(parse(f"${gold}$"), parse(response)))


@pytest.mark.parametrize("kind", ["math", "number"])
def test_the_runaway_derivation_cut_off_is_no_answer(kind):
    assert not math_verify_correct(RUNAWAY, "2")
    score = grade_math(RUNAWAY, "2", kind, finish_reason="length")
    assert score.value == "no_answer" and score.answer is None
    assert "cut off by max_tokens" in score.explanation


def test_the_runaway_derivation_without_its_finish_reason_is_never_correct():
    """Text alone: kind math reads no number from the working; kind number (GSM8K's convention)
    takes the last number, but never an exponent, so not the 2 of BC^2."""
    assert grade_math(RUNAWAY, "2", "math").value == "no_answer"
    number = grade_math(RUNAWAY, "2", "number")
    assert number.value == "incorrect" and number.answer != "2"


def test_gsm8k_last_number_fallback_only_on_a_finished_response():
    assert grade_math(GSM8K_WORKING, "18", "number", finish_reason="stop").value == "correct"
    assert grade_math(GSM8K_WORKING, "18", "number").value == "correct"  # no record: the convention
    cut = grade_math(GSM8K_WORKING, "18", "number", finish_reason="length")
    assert cut.value == "no_answer", cut


@pytest.mark.parametrize("kind", ["math", "number"])
def test_a_cut_off_response_is_graded_on_the_answer_it_states(kind):
    response = "So the answer is $\\boxed{18}$. To double-check: 16 - 3 - 4 = 9 and 9 * 2 = 1"
    assert grade_math(response, "18", kind, finish_reason="length").value == "correct"
    assert grade_math(response, "17", kind, finish_reason="length").value == "incorrect"


def test_a_cut_off_bare_expression_is_no_answer():
    assert grade_math("2\\sqrt{3}", "\\sqrt{12}", "math").value == "correct"
    assert grade_math("2\\sqrt{3}", "\\sqrt{12}", "math", finish_reason="length").value == "no_answer"


@pytest.mark.parametrize(("answer", "gold", "equal"), [
    ("1^{235423523}", "1", True), ("1^{235423523}", "2", False), ("(-1)^{123457}", "-1", True),
    ("0^{99999}", "0", True), ("0^{99999}", "1", False),
])
@pytest.mark.parametrize("kind", ["math", "number"])
def test_powers_of_zero_and_one_agree_with_math_verify(answer, gold, equal, kind):
    assert math_verify_correct(f"$\\boxed{{{answer}}}$", gold) is equal
    score = grade_math(f"\\boxed{{{answer}}}", gold, kind)
    assert score.correct is equal, score


# ------------------------------------------------- the finish reason from a completion to the grade

CUT_REPLY = "She has 16 - 3 - 4 = 9 eggs, and 9 * 2 = 18 dollars; now we check that sum once more, slowly and carefully"
PARAMS = SamplingParams(temperature=0.7, max_tokens=20)  # cut after "18 dollars;" (30 tokens in all)


def test_a_cut_off_attempt_answers_nothing_and_is_graded_no_answer_in_a_strategy():
    model = ScriptedModel(rule=lambda req, i: CUT_REPLY)
    result = run_strategy(model, [Sample("q", "Eggs?", "18")], "parallel", 2, params=PARAMS, grader=grade)[0]
    for a in result.attempts:
        assert a.finish_reason == "length" and "18" in a.text  # its working holds the gold
        assert a.answer is None and a.graded_text == "" and a.score.value == "no_answer"
    assert result.answer is None and result.score.value == "no_answer"
    finished = run_strategy(model, [Sample("q", "Eggs?", "18")], "parallel", 2, grader=grade,
                            params=SamplingParams(temperature=0.7, max_tokens=200))[0]
    assert {a.finish_reason for a in finished.attempts} == {"stop"}
    assert finished.answer == "18" and finished.score.value == "correct"  # finished: GSM8K's last number


def test_a_cut_off_single_eval_sample_is_no_answer():
    model = ScriptedModel(rule=lambda req, i: CUT_REPLY)
    out = solve_chunk(model, [Sample("q", "Eggs?", "18")], SolveSpec(params=PARAMS))[0]
    assert out.attempts[0].finish_reason == "length"
    assert out.answer is None and out.score.value == "no_answer"


def test_graded_text_of_a_cut_off_answer_attempt_is_its_answer_alone():
    cut = Attempt(index=0, text=CUT_REPLY, answer="18", finish_reason="length", kind="number")
    assert cut.graded_text == "\\boxed{18}"
    code = Attempt(index=0, text="def f():\n    return 1", finish_reason="length", kind="code")
    assert code.graded_text == code.text  # a program is graded by its tests, cut or not
    assert Attempt(index=0, text=CUT_REPLY, finish_reason="stop", kind="number").graded_text == CUT_REPLY
