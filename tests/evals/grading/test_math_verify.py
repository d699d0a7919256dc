"""grade_math against math-verify: the equivalences math-verify accepts (surds, rationalised
fractions, factored polynomials, powers, \\left( tuples), negatives that stay incorrect,
no_answer kept apart from incorrect, agreement with `math_verify.verify` on a mixed
table, and the few pairs where the project deliberately differs. Table-driven.

math-verify reads LaTeX only inside math delimiters (`parse("(1,2)")` finds nothing,
`parse("2\\sqrt{3}")` finds 2), so the reference is `verify(parse(f"${gold}$"),
parse(f"${answer}$"))`, as the project's own symbolic check calls it."""

from __future__ import annotations

import pytest
from math_verify import parse, verify

from evals import grade_math

# equivalence class -> (a, b) pairs that math-verify calls equal; graded in both directions
EQUIVALENT = {
    "surd": [("2\\sqrt{3}", "\\sqrt{12}"), ("3\\sqrt{2}", "\\sqrt{18}"), ("\\sqrt{50}", "5\\sqrt{2}"),
             ("\\frac{\\sqrt{8}}{2}", "\\sqrt{2}"), ("2\\sqrt[3]{2}", "\\sqrt[3]{16}")],
    "rationalised": [("\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}"), ("\\frac{\\sqrt{3}}{3}", "\\frac{1}{\\sqrt{3}}"),
                     ("\\frac{2}{\\sqrt{2}}", "\\sqrt{2}"), ("\\frac{1}{1+\\sqrt{2}}", "\\sqrt{2}-1"),
                     ("\\dfrac{3\\sqrt{5}}{5}", "\\frac{3}{\\sqrt{5}}")],
    "factored": [("x^2-1", "(x-1)(x+1)"), ("x^2+2x+1", "(x+1)^2"), ("x^3-8", "(x-2)(x^2+2x+4)"),
                 ("2x^2+4x", "2x(x+2)"), ("a^2-b^2", "(a+b)(a-b)")],
    "power": [("2^{10}", "1024"), ("3^4", "81"), ("10^{-2}", "0.01"), ("2^{-1}", "\\frac{1}{2}"), ("5^3", "125")],
    "tuple": [("\\left( 1, 2 \\right)", "(1,2)"), ("\\left( 3, \\frac{\\pi}{2} \\right)", "(3,\\frac{\\pi}{2})"),
              ("\\left( -1, 0, 2 \\right)", "(-1,0,2)"), ("\\left(\\frac12, 3\\right)", "(0.5, 3)")],
}
FORMS = {
    "boxed": "So the answer is $\\boxed{{{}}}$.",
    "phrase": "Final Answer: The final answer is ${}$. I hope it is correct.",
    "strict": "The answer is ${}$.",
    "bare": "{}",
    "inline": "${}$",
}


def _both_ways(pairs):
    return [p for a, b in pairs for p in ((a, b), (b, a))]


EQUIVALENT_CASES = [pytest.param(a, b, id=f"{name}:{a}~{b}") for name, pairs in EQUIVALENT.items()
                    for a, b in _both_ways(pairs)]


@pytest.mark.parametrize(("answer", "gold"), EQUIVALENT_CASES)
@pytest.mark.parametrize("form", FORMS)
def test_equivalent_forms_are_correct_with_the_default_kind(answer, gold, form):
    score = grade_math(FORMS[form].format(answer), gold)
    assert score.value == "correct", score.explanation


@pytest.mark.parametrize(("answer", "gold"), EQUIVALENT_CASES)
def test_equivalent_forms_are_correct_as_math(answer, gold):
    score = grade_math(f"\\boxed{{{answer}}}", gold, "math")
    assert score.value == "correct", score.explanation


NEGATIVES = _both_ways([
    ("2\\sqrt{3}", "\\sqrt{13}"), ("3\\sqrt{2}", "\\sqrt{12}"), ("\\frac{\\sqrt{2}}{2}", "\\sqrt{2}"),
    ("1024", "2^{11}"), ("2^{10}", "1000"), ("(1,2)", "(2,1)"), ("\\left( 1, 2 \\right)", "(1,2,3)"),
    ("(1,2,3)", "(1,3,2)"), ("x^2+1", "(x+1)^2"), ("x^2-1", "(x-1)^2"), ("2x", "2"), ("3x", "3y"),
    ("\\text{Monday}", "\\text{Mondya}"),  # as products of letters these two would be equal
])


@pytest.mark.parametrize(("answer", "gold"), NEGATIVES)
@pytest.mark.parametrize("kind", ["number", "math"])
@pytest.mark.parametrize("form", ["boxed", "strict", "bare"])
def test_unequal_answers_stay_incorrect(answer, gold, kind, form):
    score = grade_math(FORMS[form].format(answer), gold, kind)
    assert score.value == "incorrect", score.explanation
    assert score.answer is not None


# (response, gold): nothing extractable, whatever the gold
NO_ANSWER = [
    ("I do not know.", "\\sqrt{12}"),
    ("", "(1,2)"),
    ("   ", "1024"),
    ("The answer is not 1024.", "1024"),
    ("The answer is not $2\\sqrt{3}$.", "\\sqrt{12}"),
    ("Let me factor x^2-1 step by step first", "(x-1)(x+1)"),
    ("We get $x = 1$ and $y = 2$ but I am not sure", "(1,2)"),
    ("\\boxed{2\\sqrt{3}", "\\sqrt{12}"),  # truncated: unbalanced box
    ("???", "2^{10}"),
]


@pytest.mark.parametrize(("response", "gold"), NO_ANSWER)
@pytest.mark.parametrize("kind", ["number", "math"])
def test_no_extractable_answer_is_no_answer_not_incorrect(response, gold, kind):
    score = grade_math(response, gold, kind)
    assert score.value == "no_answer", score
    assert score.answer is None and score.explanation


# (gold, answer, math-verify's verdict): numbers, fractions, LaTeX, intervals, sets, tuples,
# matrices, equations and text answers; grade_math must give the same verdict
AGREEMENT = [
    ("18", "18", True), ("18", "17", False), ("-3", "3", False), ("0.75", "\\frac{3}{4}", True),
    ("\\frac{2}{3}", "0.67", False), ("\\frac{1}{3}", "0.3333333", True), ("1000", "1,000", True),
    ("\\frac{7}{2}", "3.5", True), ("\\pi", "3.14", False), ("2\\pi", "\\pi\\cdot 2", True),
    ("\\sqrt{2}", "1.41421356", True), ("e", "2.718281828", True), ("\\log_2 8", "3", True),
    ("\\frac{\\pi}{3}", "60^\\circ", False), ("45^\\circ", "45", True), ("10\\text{ cm}", "10", True),
    ("[1,2)", "[1,2)", True), ("[1,2)", "(1,2]", False), ("(-\\infty,5]", "(-\\infty, 5]", True),
    ("(-\\infty,5]", "(-\\infty,5)", False), ("(1,2)\\cup(3,4)", "(3,4)\\cup(1,2)", True),
    ("\\{1,2,3\\}", "\\{3,2,1\\}", True), ("\\{1,2\\}", "\\{1,3\\}", False), ("1,2", "2,1", True),
    ("(1,2,3)", "(1,2,3)", True), ("(1,2,3)", "(3,2,1)", False), ("(3,\\frac{\\pi}{2})", "(3, \\pi/2)", True),
    ("\\begin{pmatrix}1\\\\2\\end{pmatrix}", "\\begin{bmatrix}1\\\\2\\end{bmatrix}", True),
    ("\\begin{pmatrix}1\\\\2\\end{pmatrix}", "\\begin{pmatrix}2\\\\1\\end{pmatrix}", False),
    ("\\begin{pmatrix} -7 \\\\ 16 \\end{pmatrix}", "\\left[\\begin{matrix}-7\\\\16\\end{matrix}\\right]", True),
    ("\\text{Monday}", "\\text{Monday}", True), ("\\text{Monday}", "\\text{Tuesday}", False),
    ("\\text{(C)}", "\\text{(C)}", True), ("\\text{even}", "\\text{odd}", False),
    ("x+1", "1+x", True), ("y=2x+3", "2x+3", True), ("x=5", "5", True), ("3x", "3y", False),
    ("1+i", "i+1", True), ("\\infty", "\\infty", True), ("5!", "120", True), ("2^{10}", "1024", True),
    ("\\sqrt{12}", "2\\sqrt{3}", True), ("\\sqrt{13}", "2\\sqrt{3}", False), ("x^2+2x+1", "(x+1)^2", True),
    ("\\$32,\\!348", "\\$32,\\!348", True),
]


def _math_verify(gold: str, answer: str) -> bool:
    return bool(verify(parse(f"${gold}$"), parse(f"${answer}$")))


@pytest.mark.parametrize(("gold", "answer", "equal"), AGREEMENT)
@pytest.mark.parametrize("kind", ["number", "math"])
def test_grade_math_agrees_with_math_verify(gold, answer, equal, kind):
    assert _math_verify(gold, answer) is equal  # the table states math-verify's own verdict
    for response in (f"\\boxed{{{answer}}}", f"The final answer is ${answer}$."):
        score = grade_math(response, gold, kind)
        assert score.correct is equal, (response, score)


# (gold, answer, kind, grade_math says equal, math-verify says equal, why the project differs)
DELIBERATE = [
    ("18", "18.0000001", "number", True, False,
     "numbers agree within a relative 1e-6 (float noise in model arithmetic)"),
    ("0", "0.000000001", "number", True, False, "and within an absolute 1e-9"),
    ("18", "18 dollars", "number", True, False, "GSM8K-style answers carry unit words"),
    ("50\\%", "0.5", "math", False, True,
     "a percentage answer is the number before the sign; math-verify also accepts the fraction"),
    ("6 - 5i", "6 - 5 i", "math", True, False,
     "math-verify builds a different symbol for the spaced 'i'; the same complex number"),
    ("58,500", "58, 500", "math", True, False,
     "a comma between digit groups is a thousands separator even with a space (MATH writes '11,\\! 111')"),
]


@pytest.mark.parametrize(("gold", "answer", "kind", "ours", "theirs", "why"), DELIBERATE)
def test_documented_differences_from_math_verify(gold, answer, kind, ours, theirs, why):
    assert _math_verify(gold, answer) is theirs
    score = grade_math(f"\\boxed{{{answer}}}", gold, kind)
    assert score.correct is ours, (why, score)
