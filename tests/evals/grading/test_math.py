"""Math grading: numeric tolerance, LaTeX normalization, symbolic equivalence with a
time limit that works in worker threads. Table-driven."""

from __future__ import annotations

import threading

import pytest

from agent.answers.keys import canonical_answer
from evals.grading.math import answers_equal, compare, grade_math

# (response, target, kind, expected Score.value)
GRADE = [
    # numbers (GSM8K-like)
    ("The answer is 18.", "18", "number", "correct"),
    ("The answer is 18.", "#### 18", "number", "correct"),
    ("The answer is 18.", "She makes 9 * 2 = $18.\n#### 18", "number", "correct"),
    ("\\boxed{18.00}", "18", "number", "correct"),
    ("\\boxed{\\$18}", "18", "number", "correct"),
    ("The answer is $1,234.", "1234", "number", "correct"),
    ("The answer is 1234", "1,234", "number", "correct"),
    ("The answer is 0.75", "3/4", "number", "correct"),
    ("The answer is 1 1/2", "1.5", "number", "correct"),
    ("The answer is 50%", "50", "number", "correct"),
    ("The answer is -3", "-3", "number", "correct"),
    ("The answer is 3", "-3", "number", "incorrect"),
    ("The answer is eighteen", "18", "number", "correct"),
    ("The answer is 18.0000001", "18", "number", "correct"),
    ("The answer is 18.001", "18", "number", "incorrect"),
    ("The answer is 0.3333333", "1/3", "number", "correct"),
    ("The answer is 0.33", "1/3", "number", "incorrect"),
    ("The answer is 17", "18", "number", "incorrect"),
    ("I computed 18 eggs but the answer is 16.", "18", "number", "incorrect"),
    ("He has 18 apples. The answer is not 18.", "18", "number", "no_answer"),
    ("\\boxed{16} ... no wait, \\boxed{18}", "18", "number", "correct"),
    ("\\boxed{18} ... no wait, \\boxed{16}", "18", "number", "incorrect"),
    ("\\boxed{x+1}", "18", "number", "incorrect"),
    ("I do not know.", "18", "number", "no_answer"),
    ("", "18", "number", "no_answer"),
    ("16 - 3 - 4 = 9 eggs, 9 * 2 = 18", "18", "number", "correct"),
    ("The answer is 1e3", "1000", "number", "correct"),
    ("The answer is 0.000000001", "0", "number", "correct"),
    ("The answer is 5 dollars.", "5", "number", "correct"),
    ("The answer is 12 km/h.", "12", "number", "correct"),
    # MATH-style LaTeX
    ("$\\boxed{\\frac{1}{2}}$", "\\frac{1}{2}", "math", "correct"),
    ("$\\boxed{\\dfrac{1}{2}}$", "\\frac{1}{2}", "math", "correct"),
    ("$\\boxed{0.5}$", "\\frac12", "math", "correct"),
    ("$\\boxed{\\frac{2}{4}}$", "\\frac{1}{2}", "math", "correct"),
    ("$\\boxed{\\frac{1}{3}}$", "\\frac{1}{2}", "math", "incorrect"),
    ("\\boxed{2\\sqrt{2}}", "\\sqrt{8}", "math", "correct"),
    ("\\boxed{\\sqrt{2}}", "\\sqrt{3}", "math", "incorrect"),
    ("\\boxed{\\frac{\\sqrt{3}}{2}}", "\\dfrac{\\sqrt3}{2}", "math", "correct"),
    ("\\boxed{(3, \\frac{\\pi}{2})}", "\\left( 3, \\frac{\\pi}{2} \\right)", "math", "correct"),
    ("\\boxed{(3, \\pi)}", "\\left( 3, \\frac{\\pi}{2} \\right)", "math", "incorrect"),
    ("\\boxed{[1, 2)}", "[1,2)", "math", "correct"),
    ("\\boxed{(1, 2)}", "[1,2)", "math", "incorrect"),
    ("\\boxed{(-\\infty, 5]}", "(-\\infty,5]", "math", "correct"),
    ("\\boxed{10\\text{ cm}}", "10", "math", "correct"),
    ("\\boxed{10}", "10\\text{ inches}", "math", "correct"),
    ("\\boxed{45^\\circ}", "45", "math", "correct"),
    ("\\boxed{45}", "45^\\circ", "math", "correct"),
    ("\\boxed{2\\pi}", "2\\pi", "math", "correct"),
    ("\\boxed{\\pi}", "2\\pi", "math", "incorrect"),
    ("\\boxed{x = 5}", "5", "math", "correct"),
    ("\\boxed{\\text{(C)}}", "\\text{(C)}", "math", "correct"),
    ("\\boxed{1,\\!000}", "1000", "math", "correct"),
    ("\\boxed{x^2 + 2x + 1}", "(x+1)^2", "math", "correct"),
    ("\\boxed{x^2 + 1}", "(x+1)^2", "math", "incorrect"),
    ("Final Answer: The final answer is $\\frac{3}{4}$. I hope it is correct.", "0.75", "math", "correct"),
    ("We get 3 and 4 but do not box anything", "4", "math", "no_answer"),
    ("\\boxed{3} and then \\boxed{4}", "4", "math", "correct"),
    ("The answer is not 5", "5", "math", "no_answer"),
    # the default kind with a gold that is not a number grades as math (math-verify's equivalence)
    ("\\boxed{2\\sqrt{3}}", "\\sqrt{12}", "number", "correct"),
    ("The answer is $\\frac{1}{\\sqrt{2}}$.", "\\frac{\\sqrt{2}}{2}", "number", "correct"),
    ("(x-1)(x+1)", "x^2-1", "number", "correct"),
    ("The answer is $2^{10}$.", "1024", "number", "correct"),
    ("$\\left( 1, 2 \\right)$", "(1,2)", "number", "correct"),
    ("\\boxed{(2,1)}", "(1,2)", "number", "incorrect"),
    ("\\boxed{2^{11}}", "1024", "number", "incorrect"),
    ("I am not sure.", "\\sqrt{12}", "number", "no_answer"),
    # choice
    ("The answer is (B).", "B", "choice", "correct"),
    ("The answer is (B).", "(B)", "choice", "correct"),
    ("The answer is (B).", "C", "choice", "incorrect"),
    ("Between (A) and (C) I pick (C)", "C", "choice", "correct"),
    ("No idea.", "C", "choice", "no_answer"),
]


@pytest.mark.parametrize(("response", "target", "kind", "expected"), GRADE)
def test_grade_math(response, target, kind, expected):
    score = grade_math(response, target, kind)
    assert score.value == expected, score.explanation
    assert (score.answer is None) == (expected == "no_answer")
    assert score.explanation


# (pred, target, kind, equal?)
ANSWERS_EQUAL = [
    ("18", "18.00", "number", True),
    ("1234", "1,234", "number", True),
    ("0.75", "3/4", "number", True),
    ("1.0000000001", "1", "number", True),
    ("1.001", "1", "number", False),
    ("1e-10", "0", "number", True),
    ("-2", "2", "number", False),
    ("abc", "abc", "number", True),
    ("abc", "abd", "number", False),
    ("\\frac{1}{2}", "0.5", "math", True),
    ("\\sqrt{8}", "2\\sqrt{2}", "math", True),
    ("(1,2)", "\\left(1, 2\\right)", "math", True),
    ("\\{1, 2\\}", "\\{2, 1\\}", "math", True),
    ("x+1", "1+x", "math", True),
    ("x+1", "x-1", "math", False),
    ("B", "(b)", "choice", True),
    ("A", "B", "choice", False),
]


@pytest.mark.parametrize(("pred", "target", "kind", "expected"), ANSWERS_EQUAL)
def test_answers_equal(pred, target, kind, expected):
    assert answers_equal(pred, target, kind) is expected


# answers in one group must share a voting key; keys of different groups differ
CANONICAL_GROUPS = [
    (["18", "18.00", "$18", "18 dollars", "\\boxed{18}", "#### 18"], "number"),
    (["0.75", "3/4", "\\frac{3}{4}", "75/100"], "number"),
    (["1234", "1,234", "$1,234.00"], "number"),
    (["\\frac{1}{2}", "\\dfrac{1}{2}", "0.5", "\\frac12"], "math"),
    (["(3,\\frac{\\pi}{2})", "\\left( 3, \\frac{\\pi}{2} \\right)", "\\left( 3, \\dfrac{\\pi}{2} \\right)"], "math"),
    (["45", "45^\\circ", "45^{\\circ}"], "math"),
    (["B", "(B)", "b"], "choice"),
]


@pytest.mark.parametrize(("group", "kind"), CANONICAL_GROUPS)
def test_canonical_answer_groups(group, kind):
    keys = {canonical_answer(a, kind) for a in group}
    assert len(keys) == 1, keys


def test_canonical_answer_separates_different_answers():
    assert canonical_answer("18", "number") != canonical_answer("17", "number")
    assert canonical_answer("2/3", "number") == "2/3"
    assert canonical_answer("\\sqrt{2}", "math") != canonical_answer("\\sqrt{3}", "math")


def test_named_pipeline_grades_that_pipeline_only():
    text = "The answer is 18. Later I wrote \\boxed{20} and 21."
    assert grade_math(text, "18", pipeline="strict").value == "correct"
    assert grade_math(text, "18", pipeline="boxed").value == "incorrect"
    assert grade_math(text, "21", pipeline="last_number").value == "correct"
    assert grade_math("no answer", "18", pipeline="strict").value == "no_answer"


def test_symbolic_timeout_in_main_thread_is_incorrect_not_a_hang():
    equal, how = compare("\\frac{\\sqrt{8}}{2}", "\\sqrt{2}", "math", timeout_s=1e-4)
    assert equal is None and how == "symbolic check timed out"
    score = grade_math("\\boxed{\\frac{\\sqrt{8}}{2}}", "\\sqrt{2}", "math", timeout_s=1e-4)
    assert score.value == "incorrect" and score.explanation == "symbolic check timed out"
    assert grade_math("\\boxed{\\frac{\\sqrt{8}}{2}}", "\\sqrt{2}", "math").value == "correct"


def test_symbolic_check_works_in_worker_threads_with_timeout():
    results: dict[str, object] = {}

    def work():
        results["equal"] = grade_math("\\boxed{2\\sqrt{2}}", "\\sqrt{8}", "math", timeout_s=60).value
        results["timeout"] = grade_math("\\boxed{\\frac{\\sqrt{8}}{2}}", "\\sqrt{2}", "math", timeout_s=1e-3)
        results["after"] = grade_math("\\boxed{x+1}", "1+x", "math", timeout_s=60).value

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(120)
    assert not worker.is_alive()
    assert results["equal"] == "correct"
    assert results["timeout"].value == "incorrect"
    assert results["timeout"].explanation == "symbolic check timed out"
    assert results["after"] == "correct"  # the checker process restarts after a kill


def test_evals_package_exports_grade_math():
    import evals

    assert evals.grade_math("The answer is 4", "4").correct
