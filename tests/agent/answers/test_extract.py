"""Answer extraction and number/LaTeX normalization: table-driven."""

from __future__ import annotations

import pytest

from agent.answers.extract import PIPELINES, PRIORITY, extract_all, extract_answer, run_pipeline
from agent.answers.latex import last_boxed, normalize_latex
from agent.answers.numbers import normalize_number, number_tokens

NORMALIZE_NUMBER = [
    ("18", "18"),
    ("18.00", "18"),
    ("18.50", "18.5"),
    ("0.50", "0.5"),
    (".5", "0.5"),
    ("1,234", "1234"),
    ("1,234,567", "1234567"),
    ("1,234.50", "1234.5"),
    ("$5", "5"),
    ("$1,234.50.", "1234.5"),
    ("\\$18.00", "18"),
    ("€20", "20"),
    ("£7.5", "7.5"),
    ("USD 20", "20"),
    ("5 dollars", "5"),
    ("12 cm", "12"),
    ("12 km/h", "12"),
    ("5 cm^2", "5"),
    ("18kg", "18"),
    ("18.", "18"),
    ("18!", "18"),
    ("50%", "50"),
    ("50 percent", "50"),
    ("12.5\\%", "12.5"),
    ("3/4", "0.75"),
    ("4/6", "2/3"),
    ("2/3", "2/3"),
    ("1 1/2", "1.5"),
    ("2 2/3", "8/3"),
    ("\\frac{3}{4}", "0.75"),
    ("\\dfrac{1}{3}", "1/3"),
    ("\\frac12", "0.5"),
    ("-5", "-5"),
    ("−3.5", "-3.5"),
    ("-$5", "-5"),
    ("$-5", "-5"),
    ("negative 7", "-7"),
    ("-1/2", "-0.5"),
    ("1.5e3", "1500"),
    ("2 \\times 10^{3}", "2000"),
    ("x = 5", "5"),
    ("$42$", "42"),
    ("**42**", "42"),
    ("10\\text{ cm}", "10"),
    ("30^\\circ", "30"),
    ("30°", "30"),
    ("1{,}000", "1000"),
    ("007", "7"),
    ("eighteen", "18"),
    ("twenty-five", "25"),
    ("Twenty five dollars", "25"),
    ("one hundred and five", "105"),
    ("three thousand two hundred", "3200"),
    ("zero", "0"),
    ("negative four", "-4"),
    ("one of them", None),
    ("3 + 4", None),
    ("5 apples and 3 oranges", None),
    ("2,5", None),
    ("x", None),
    ("", None),
    ("1/0", None),
    ("five times more", None),
    ("abc" * 100, None),
]


@pytest.mark.parametrize(("text", "expected"), NORMALIZE_NUMBER)
def test_normalize_number(text, expected):
    assert normalize_number(text) == expected


NORMALIZE_LATEX = [
    ("\\frac{3}{4}", "0.75"),
    ("\\dfrac{1}{2}", "0.5"),
    ("\\tfrac{2}{3}", "2/3"),
    ("\\left( 3, \\frac{\\pi}{2} \\right)", "(3,\\frac{\\pi}{2})"),
    ("[1, 2)", "[1,2)"),
    ("(-\\infty, 5]", "(-\\infty,5]"),
    ("10\\text{ cm}", "10"),
    ("10 \\text{ inches}^2", "10"),
    ("30^\\circ", "30"),
    ("30^{\\circ}", "30"),
    ("x = 5", "5"),
    ("y=2x+1", "2x+1"),
    ("\\frac12", "0.5"),
    ("\\sqrt2", "\\sqrt{2}"),
    ("2\\pi r", "2\\pi r"),
    ("1,\\!000", "1000"),
    ("\\text{(C)}", "(C)"),
    ("\\text{Monday}", "Monday"),
    ("$\\boxed{5}$", "5"),
    ("\\$18.00", "18"),
    ("50\\%", "50"),
    ("3x", "3x"),
    ("1,2", "1,2"),
    ("\\pi.", "\\pi"),
]


@pytest.mark.parametrize(("text", "expected"), NORMALIZE_LATEX)
def test_normalize_latex(text, expected):
    assert normalize_latex(text) == expected


LAST_BOXED = [
    ("so \\boxed{18}.", "18"),
    ("\\boxed{\\frac{1}{\\sqrt{2}}}", "\\frac{1}{\\sqrt{2}}"),
    ("first \\boxed{3}, corrected: \\boxed{5}", "5"),
    ("\\boxed{5} then a truncated \\boxed{6", "5"),
    ("\\boxed 7$", "7"),
    ("\\fbox{9}", "9"),
    ("\\boxed{\\{1,2\\}}", "\\{1,2\\}"),
    ("no box", None),
]


@pytest.mark.parametrize(("text", "expected"), LAST_BOXED)
def test_last_boxed(text, expected):
    assert last_boxed(text) == expected


# (response, kind, expected extract_answer)
EXTRACT_ANSWER = [
    ("The answer is 18.", "number", "18"),
    ("Janet sells 16 - 3 - 4 = 9 eggs and makes $18. The answer is 18.", "number", "18"),
    ("She has 3 cats and 2 dogs. The answer is 7. Note that 2 of them sleep.", "number", "7"),
    ("So the total is \\boxed{18}.", "number", "18"),
    ("\\boxed{18.00}", "number", "18"),
    ("\\boxed{\\$1,234}", "number", "1234"),
    ("\\boxed{18 \\text{ dollars}}", "number", "18"),
    ("\\boxed{x = 12}", "number", "12"),
    ("\\boxed{3 + 4 = 7}", "number", "7"),
    ("The answer is 5, so \\boxed{6}", "number", "6"),
    ("We get \\boxed{3}. Wait, recheck: \\boxed{5}", "number", "5"),
    ("\\boxed{x^2+1}", "number", "x^2+1"),
    ("The answer is $1,234.50.", "number", "1234.5"),
    ("The answer is: $42$", "number", "42"),
    ("The answer is eighteen.", "number", "18"),
    ("The answer is twenty-five dollars.", "number", "25"),
    ("The answer is -3.", "number", "-3"),
    ("The answer is 50%.", "number", "50"),
    ("The answer is 3/4.", "number", "0.75"),
    ("The answer is 1 1/2 cups.", "number", "1.5"),
    ("The answer is: Janet earns $18 per day.", "number", "18"),
    ("The answer is 5 apples and 3 oranges", "number", "5"),
    ("**Answer:** 42", "number", "42"),
    ("Final Answer: The final answer is $18$. I hope it is correct.", "number", "18"),
    ("Answer: 1,000,000", "number", "1000000"),
    ("The final answer is 0.50", "number", "0.5"),
    ("the answer would be 12 km", "number", "12"),
    ("The answer is 7. This answer is correct.", "number", "7"),
    ("3 + 4 = 7", "number", "7"),
    ("Total: 16 - 3 - 4 = 9", "number", "9"),
    ("He owes -5 dollars", "number", "-5"),
    ("-3", "number", "-3"),
    ("-3 degrees", "number", "-3"),
    ("It costs $2,500 in total", "number", "2500"),
    ("So 18.00 dollars", "number", "18"),
    ("no numbers here", "number", None),
    ("", "number", None),
    ("The answer is not 5.", "number", None),
    ("The answer isn't 5.", "number", None),
    ("The answer is unknown, maybe 3", "number", None),
    ("The answer is not 5. The answer is 6.", "number", "6"),
    # math
    ("So $\\boxed{\\frac{1}{2}}$.", "math", "0.5"),
    ("Therefore $\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}.$", "math", "(3,\\frac{\\pi}{2})"),
    ("\\boxed{\\dfrac{\\sqrt{3}}{2}}", "math", "\\frac{\\sqrt{3}}{2}"),
    ("\\boxed{[1, 2)}", "math", "[1,2)"),
    ("\\boxed{10\\text{ cm}}", "math", "10"),
    ("\\boxed{45^\\circ}", "math", "45"),
    ("\\boxed{2\\pi}", "math", "2\\pi"),
    ("\\boxed{\\text{(B)}}", "math", "(B)"),
    ("Final Answer: The final answer is $\\sqrt{2}$. I hope it is correct.", "math", "\\sqrt{2}"),
    ("The answer is: $x = 3$", "math", "3"),
    ("We find 3 and 4 and nothing boxed", "math", None),
    ("The answer is not 5", "math", None),
    # choice
    ("The answer is (B).", "choice", "B"),
    ("The answer is C", "choice", "C"),
    ("Answer: D) because it is largest", "choice", "D"),
    ("I think \\boxed{E}", "choice", "E"),
    ("Comparing (A) and (C), the best is (C).", "choice", "C"),
    ("A good reason: option b fits.", "choice", "B"),
    ("A cat sat on a mat.", "choice", None),
    ("The answer is 5", "choice", None),
]


@pytest.mark.parametrize(("text", "kind", "expected"), EXTRACT_ANSWER)
def test_extract_answer(text, kind, expected):
    assert extract_answer(text, kind) == expected


# (response, kind, pipeline, expected): each pipeline on its own
PIPELINE_CASES = [
    ("The answer is 18. \\boxed{20}", "number", "strict", "18"),
    ("The answer is 18. \\boxed{20}", "number", "boxed", "20"),
    ("The answer is 18. \\boxed{20} and 21 more", "number", "last_number", "21"),
    ("Only reasoning with 3 then 4", "number", "strict", None),
    ("Only reasoning with 3 then 4", "number", "boxed", None),
    ("Only reasoning with 3 then 4", "number", "last_number", "4"),
    ("The answer is not 5.", "number", "last_number", "5"),
    ("The answer is $\\boxed{12}$ and 13", "number", "strict", "12"),
    ("The answer is \\boxed{\\frac{3}{4}}", "math", "strict", "0.75"),
    ("1/2 then \\frac{3}{4}", "math", "last_number", "0.75"),
    ("The area is 25 m^2", "number", "last_number", "25"),  # an exponent is notation, not a quantity
    ("AB^2 = \\frac{1}{\\tan^2 A} + BC^2", "number", "last_number", "1"),
    ("x_1 = 4 and then x_{2}", "number", "last_number", "4"),
    ("so 10^{-3}", "number", "last_number", "10"),
    ("The answer is (B)", "choice", "strict", "B"),
    ("Maybe (A), finally (D)", "choice", "choice", "D"),
]


@pytest.mark.parametrize(("text", "kind", "pipeline", "expected"), PIPELINE_CASES)
def test_run_pipeline(text, kind, pipeline, expected):
    assert run_pipeline(pipeline, text, kind) == expected


# (text, kind, finish reason, expected): a response cut off by max_tokens has only the answers it states
CUT_OFF = [
    ("16 - 3 - 4 = 9, and she sells them for $2 each, so 9 * 2 = 18", "number", "stop", "18"),
    ("16 - 3 - 4 = 9, and she sells them for $2 each, so 9 * 2 = 18", "number", None, "18"),
    ("16 - 3 - 4 = 9, and she sells them for $2 each, so 9 * 2 = 18", "number", "length", None),
    ("So \\boxed{18}. Let me double-check: 16 - 3 - 4 = 9 and 9 * 2", "number", "length", "18"),
    ("The answer is 18. Checking: 9 * 2", "number", "length", "18"),
    ("We have 3 + 4 = 7 and then", "math", "length", None),
    ("So \\boxed{\\frac{1}{2}} and then we", "math", "length", "0.5"),
]


@pytest.mark.parametrize(("text", "kind", "finish_reason", "expected"), CUT_OFF)
def test_a_cut_off_response_has_only_its_stated_answer(text, kind, finish_reason, expected):
    assert extract_answer(text, kind, finish_reason) == expected


NUMBER_TOKENS = [
    ("16 - 3 - 4 = 9", ["16", "3", "4", "9"]),
    ("owes -5, gets (-2)", ["-5", "-2"]),
    ("x-3 and 5-3", ["3", "5", "3"]),
    ("$1,234.50 and 2,500", ["1,234.50", "2,500"]),
    ("1 1/2 cups and 3/4 cup", ["1 1/2", "3/4"]),
    ("\\frac{1}{2} of it", ["\\frac{1}{2}"]),
    ("version v2 and x2", []),
]


@pytest.mark.parametrize(("text", "expected"), NUMBER_TOKENS)
def test_number_tokens(text, expected):
    assert number_tokens(text) == expected


def test_extract_all_reports_every_pipeline_of_the_kind():
    text = "The answer is 18. \\boxed{20} and 21"
    assert extract_all(text, "number") == {"strict": "18", "boxed": "20", "last_number": "21"}
    assert set(extract_all(text, "math")) == {"boxed", "strict", "last_number"}
    assert extract_all("The answer is (C)", "choice") == {"choice": "C", "strict": "C"}


def test_priority_and_pipelines_are_declared():
    assert PRIORITY["number"] == ("boxed", "strict", "last_number")
    assert PRIORITY["math"] == ("boxed", "strict")
    assert PRIORITY["choice"] == ("strict", "choice")
    assert set(PIPELINES) == {"strict", "boxed", "last_number", "choice"}


def test_unknown_kind_and_pipeline_are_errors():
    with pytest.raises(ValueError):
        extract_answer("1", "code")
    with pytest.raises(ValueError):
        run_pipeline("nope", "1")


def test_evals_package_exports_extract_answer():
    import evals

    assert evals.extract_answer("\\boxed{4}") == "4"
