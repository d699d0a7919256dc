"""What grade_math's agreement with math-verify rests on (which kind a gold makes, bare
answers, glued variables, answers too costly for sympy) and garbage input that must be
graded, never raised and never hung on. Table-driven."""

from __future__ import annotations

import threading
import time

import pytest

from agent.answers.extract import extract_answer
from agent.answers.latex import is_bare_math, normalize_latex
from agent.answers.numbers import parse_number
from evals.grading.math import grade_answer, grade_math, graded_kind
from evals.grading.symbolic import too_costly

GRADED_KIND = [
    ("18", "number", "number"), ("#### 1,234", "number", "number"), ("5 dollars", "number", "number"),
    ("-3", "number", "number"), ("\\frac{3}{4}", "number", "number"),
    ("\\sqrt{12}", "number", "math"), ("(1,2)", "number", "math"), ("x^2-1", "number", "math"),
    ("2^{10}", "number", "math"), ("2x", "number", "math"), ("5!", "number", "math"),
    ("\\text{Monday}", "number", "math"), ("", "number", "math"),
    ("18", "math", "math"), ("B", "choice", "choice"),
]


@pytest.mark.parametrize(("target", "kind", "expected"), GRADED_KIND)
def test_graded_kind_follows_the_gold(target, kind, expected):
    assert graded_kind(target, kind) == expected


BARE = [
    ("2\\sqrt{3}", True), ("$x^2-1$", True), ("\\left( 1, 2 \\right)", True), ("10\\text{ cm}", True),
    ("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", True), ("x = 5", True), ("18", True), ("-3", True),
    ("I do not know.", False), ("3 eggs", False), ("\\boxed{5}", False), ("x = 1 = y", False),
    ("so $x$ is $5$", False), ("2\n3", False), ("", False), ("???", False), ("1" * 300, False),
]


@pytest.mark.parametrize(("text", "expected"), BARE)
def test_is_bare_math(text, expected):
    assert is_bare_math(text) is expected


# a letter glued to the digits is a variable; a unit word, or g/h/l/m/s, is a unit
GLUED = [("2x", None), ("3y^2", None), ("2i", None), ("5m", 5), ("2h", 2), ("18kg", 18), ("5 x", 5),
         ("1e3", 1000), ("12 km/h", 12)]


@pytest.mark.parametrize(("text", "expected"), GLUED)
def test_parse_number_glued_variable(text, expected):
    assert parse_number(text) == expected


# (response, kind, extract_answer): a strict answer that is one math expression stays whole
STRICT = [
    ("The answer is $2^{10}$.", "number", "2^{10}"),
    ("The answer is $\\sqrt{16}$.", "number", "\\sqrt{16}"),
    ("The answer is $\\left( 1, 2 \\right)$.", "number", "(1,2)"),
    ("The answer is 5 apples and 3 oranges", "number", "5"),
    ("The answer is 2^10 = 1024", "number", "1024"),
    ("Final Answer: The final answer is $\\$36$. I hope it is correct.", "number", "36"),
    ("Final Answer: The final answer is $\\$18.90$. I hope it is correct.", "math", "18.9"),
]


@pytest.mark.parametrize(("text", "kind", "expected"), STRICT)
def test_strict_math_answers(text, kind, expected):
    assert extract_answer(text, kind) == expected


def test_matrix_row_breaks_survive_normalization():
    assert normalize_latex("\\begin{pmatrix} -7 \\\\ 16 \\end{pmatrix}") == "\\begin{pmatrix}-7\\\\16\\end{pmatrix}"
    assert normalize_latex("a \\ b") == "ab"  # a control space is still a space


COSTLY = [("10^{10^{10^{10}}}", True), ("9^{9^{9}}", True), ("10^10^10", True), ("2^{100000}", True),
          ("100000!", True), ("(10^{6})!", True), ("3!!", True), ("x" * 600, True),
          ("2^{10}", False), ("x^{2}+y^{2}", False), ("5!", False), ("\\frac{(2n)!}{n!}", False),
          # 0, 1 and -1 to any integer power are their value at once; other bases stay costly
          ("1^{235423523}", False), ("(-1)^{123457}", False), ("0^{99999}", False), ("-1^{100000}", False),
          ("11^{12345}", True), ("1.1^{12345}", True), ("x1^{12345}", True), ("1^{10^{10}}", True)]


@pytest.mark.parametrize(("latex", "expected"), COSTLY)
def test_too_costly(latex, expected):
    assert too_costly(latex) is expected


GARBAGE = [
    "}}}{{{", "\\boxed{", "\\boxed{}", "$$", "\\frac{1}{0}", "\\boxed{\\frac{1}{0}}", "\\left(", "((((((((",
    "\\boxed{10^{10^{10^{10}}}}", "The answer is $9^{9^{9^{9}}}$.", "\\boxed{100000!}", "10^10^10",
    "\\boxed{" + "{" * 500 + "}" * 500 + "}", "x" * 100_000, "\\boxed{" + "1+" * 3000 + "1}",
    "\x00\x01\x02", "🙂 \\boxed{🙂}", "\\boxed{\\begin{pmatrix}}", "\\boxed{1" + "0" * 400 + "}",
    "The answer is $" + "9" * 250 + "$.", "\\boxed{\\\\\\\\}", "\\boxed{=}", "\\boxed{x=y=z}", "$" * 1000,
    "\\" * 1000, "{" * 5000, "\\boxed{" * 2000, "1," * 5000, "The answer is " * 3000, "nan", "\\boxed{inf}",
]
GARBAGE_GOLDS = ["18", "\\sqrt{12}", "(1,2)", "", "}}}{{{", "10^{10^{10}}", "9" * 250, "#### "]


@pytest.mark.parametrize("response", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_is_graded_never_raised_nor_hung(response):
    started = time.monotonic()
    for gold in GARBAGE_GOLDS:
        for kind in ("number", "math", "choice"):
            score = grade_math(response, gold, kind, timeout_s=1.0)
            assert score.value in ("correct", "incorrect", "no_answer")
            assert score.explanation
    assert time.monotonic() - started < 30


def test_none_and_non_text_inputs():
    assert grade_math(None, "18").value == "no_answer"
    assert grade_math(18, 18).value == "correct"
    assert grade_math("\\boxed{18}", None).value == "incorrect"
    assert grade_answer(None, "\\sqrt{12}").value == "no_answer"
    with pytest.raises(ValueError):
        grade_math("18", "18", kind="essay")  # a caller's mistake, not garbage text


def test_default_kind_latex_in_a_worker_thread():
    results = {}

    def work():
        results["equal"] = grade_math("\\boxed{2\\sqrt{3}}", "\\sqrt{12}", timeout_s=60).value
        results["unequal"] = grade_math("\\boxed{2\\sqrt{3}}", "\\sqrt{13}", timeout_s=60).value

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(120)
    assert results == {"equal": "correct", "unequal": "incorrect"}
