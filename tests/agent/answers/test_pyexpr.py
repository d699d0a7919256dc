"""A printed Python/sympy expression read as LaTeX: the forms PAL programs print for MATH
answers, each graded against its written gold answer by the real grader (math-verify)."""

from __future__ import annotations

import pytest

from agent.answers.pyexpr import python_to_latex
from agent.reasoning.pal import output_answer
from evals.grading.math import compare


@pytest.mark.parametrize(("printed", "latex"), [
    ("3*sqrt(13)", r"3 \cdot \sqrt{13}"),
    ("x**2 - 1", "x^{2} - 1"),
    ("2*pi/3", r"\frac{2\pi}{3}"),
    ("6 + 9*I", "6 + 9i"), ("-2.5*x", "-2.5x"), ("x*2", r"x \cdot 2"),
    ("(3, pi/2)", r"\left(3, \frac{\pi}{2}\right)"),
    ("(-2)**3", r"\left(-2\right)^{3}"),
    ("a - (b - c)", r"a - \left(b - c\right)"),
    ("(a + b)*c", r"\left(a + b\right) \cdot c"),
    ("Rational(1, 3) + exp(2)", r"\frac{1}{3} + e^{2}"),
    ("acos(-1/2)", r"\arccos\left(\frac{-1}{2}\right)"),
    ("oo", None), ("42", None), (r"3\sqrt{13}", None), ("The answer is 5", None), ("__import__('os')", None),
    ("f(x, y=2)", None), ("", None),
])
def test_python_to_latex(printed, latex):
    assert python_to_latex(printed) == latex


@pytest.mark.parametrize(("printed", "gold"), [
    ("3*sqrt(13)", r"3\sqrt{13}"), ("sqrt(2)/2", r"\frac{\sqrt2}{2}"), ("2*pi/3", r"\frac{2\pi}{3}"),
    ("(3, pi/2)", r"\left( 3, \frac{\pi}{2} \right)"), ("x**2 - 1", "(x-1)(x+1)"),
    # sympy's imaginary unit: math-verify reads "9 \cdot i" and "9i" as different symbols
    ("6 + 9*I", "6+9i"), ("1 - 2*I", "1-2i"),
])
def test_a_programs_printed_expression_is_graded_as_the_answer_it_is(printed, gold):
    assert compare(output_answer(f"working...\n{printed}\n", "math"), gold, "math")[0] is True
