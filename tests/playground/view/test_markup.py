"""Model text as HTML: LaTeX in its four delimiters becomes MathML, money stays text, and
nothing in model text (markup, a script inside `\\text{}`, a javascript: link) comes out as HTML."""

from __future__ import annotations

import pytest

from playground.view.markup import render_markdown


@pytest.mark.parametrize("text, mathml", [
    (r"so $x^2$ holds", "<msup><mi>x</mi><mn>2</mn></msup>"),
    (r"so \(x^2\) holds", "<msup><mi>x</mi><mn>2</mn></msup>"),
    ("Then\n$$\n\\frac{a}{b}\n$$\ndone", '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">'),
    ("Then\n\\[ \\frac{a}{b} = 2 \\]\nso", '<div class="math"><math'),
    (r"The answer is $\boxed{4}$.", '<menclose notation="box"><mrow><mn>4</mn>'),
    (r"$a<b$", "<mo>&lt;</mo>"),
])
def test_latex_becomes_mathml(text, mathml):
    assert mathml in render_markdown(text)


def test_money_is_not_math():
    html = render_markdown("It costs $5 and $6 each, so $11 in all.")
    assert "<math" not in html and "$5 and $6" in html


@pytest.mark.parametrize("text", [
    r"bad $\text{<script>alert(1)</script>}$ ok",
    r"\(\href{javascript:alert(1)}{x}\)",
    '<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1))',
])
def test_nothing_in_model_text_comes_out_as_markup(text):
    html = render_markdown(text)
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html


def test_latex_that_does_not_convert_is_shown_as_source():
    html = render_markdown(r"see $\text{<b>}$")
    assert '<code class="tex">$\\text{&lt;b&gt;}$</code>' in html


def test_code_fences_keep_their_brackets():
    html = render_markdown("```python\nx = a[\\[1\\]]\n```")
    assert "<math" not in html and "\\" in html


def test_a_stage_stored_with_its_completion_record_shows_its_text():
    from playground.view.pages_eval import _stage_text  # stores of cot2 keep {"completion": {"text": ...}}
    assert _stage_text({"completion": {"text": "So 3 eggs.", "finish_reason": "stop"}}) == "So 3 eggs."
    assert _stage_text({"text": "direct"}) == "direct"
    assert "odd" in _stage_text({"odd": 1})
