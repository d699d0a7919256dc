"""Grading math answers: extract, then compare with the gold answer.

Equivalence is math-verify's (`math_verify.parse` / `verify`), reached only after
cheaper checks that decide most answers: numbers compare exactly as rationals, then
within a tolerance (relative 1e-6, absolute 1e-9), with no sympy involved; other
answers compare first as normalized LaTeX strings (agent.answers.latex), text answers
("\\text{Monday}") as text, and only then symbolically with math-verify under a time
limit that is safe in worker threads (evals/grading/symbolic.py): a check that overruns is graded
"incorrect" with the explanation "symbolic check timed out", never a hang.

The gold answer decides how a "number" answer is graded: a gold that is not a plain
number ("\\sqrt{12}", "(1,2)", "x^2-1") is graded as kind "math". A response that is
one bare math expression ("2\\sqrt{3}", "$\\left( 1, 2 \\right)$") is its own answer.
Where the project is deliberately stricter or more lenient than math-verify (tolerance,
percent, units of GSM8K answers, extraction), tests/evals/test_grade_math_verify.py says so.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

from agent.answers.extract import KINDS, PRIORITY, extract_answer, run_pipeline
from agent.answers.keys import canonical_answer, gold_text
from agent.answers.latex import has_word, is_bare_math, normalize_latex, strip_math_delimiters
from agent.answers.numbers import format_number, parse_number
from agent.types import Score
from evals.grading.symbolic import symbolic_equal, too_costly

REL_TOL = 1e-6
ABS_TOL = 1e-9
SYMBOLIC_TIMEOUT_S = 5.0


def _number(ans: str, kind: str) -> Fraction | None:
    if kind == "number":
        return parse_number(ans)
    normalized = normalize_latex(ans)
    value = parse_number(normalized)
    return value if value is not None and format_number(value) == normalized else None


def numbers_close(a: Fraction, b: Fraction) -> bool:
    if a == b:
        return True
    try:
        fa, fb = float(a), float(b)
    except OverflowError:
        return False
    return abs(fa - fb) <= max(REL_TOL * max(abs(fa), abs(fb)), ABS_TOL)


def graded_kind(target: str, kind: str) -> str:
    """The kind an answer to `target` is graded as: "number" answers only while the gold
    is a number ("18", "1,234", "5 dollars"); any other gold makes them "math"."""
    if kind != "number":
        return kind
    gold = gold_text(target)
    return kind if (gold.isascii() and gold.lstrip("-").isdigit()) or _gold_is_number(gold) else "math"


@lru_cache(maxsize=4096)  # one gold is graded against many responses
def _gold_is_number(gold: str) -> bool:
    return parse_number(gold) is not None and not gold.endswith("!")  # "5!" is 120


def _is_text(key: str) -> bool:
    """A normalized answer holding a word ("Monday", "even"): compared as text, since
    math-verify would read it as a product of letters (so "Mondya" would equal it)."""
    return has_word(key, 3)


def compare(pred: str, target: str, kind: str = "number",
            timeout_s: float = SYMBOLIC_TIMEOUT_S) -> tuple[bool | None, str]:
    """(equal, how). `equal` is None when the symbolic check timed out."""
    if kind not in KINDS:
        raise ValueError(f"unknown answer kind {kind!r}; expected one of {', '.join(KINDS)}")
    target = gold_text(target)
    if kind == "choice":
        equal = canonical_answer(pred, kind) == canonical_answer(target, kind)
        return equal, "same choice" if equal else "different choice"
    kind = graded_kind(target, kind)
    a, b = _number(pred, kind), _number(target, kind)
    if a is not None and b is not None:
        equal = numbers_close(a, b)
        return equal, f"numeric: {format_number(a)} {'==' if equal else '!='} {format_number(b)}"
    key_pred, key_target = canonical_answer(pred, kind), canonical_answer(target, kind)
    if key_pred == key_target:
        return True, "same normalized answer"
    if _is_text(key_pred) or _is_text(key_target):
        equal = key_pred.casefold() == key_target.casefold()
        return equal, "same text" if equal else f"{key_pred!r} != {key_target!r} (text)"
    if too_costly(key_pred) or too_costly(key_target):
        return False, f"{key_pred!r} != {key_target!r} (too costly for a symbolic check)"
    equal = symbolic_equal(key_pred, key_target, timeout_s)
    if equal is None:
        return None, "symbolic check timed out"
    return equal, "symbolically equal" if equal else f"{key_pred!r} != {key_target!r} (symbolic)"


def answers_equal(pred: str, target: str, kind: str = "number") -> bool:
    """Whether two extracted answers are the same answer (a timeout counts as not equal)."""
    return compare(pred, target, kind)[0] is True


def _scored(answer: str, target: str, kind: str, timeout_s: float) -> Score:
    if kind not in KINDS:
        raise ValueError(f"unknown answer kind {kind!r}; expected one of {', '.join(KINDS)}")
    try:
        equal, how = compare(answer, "" if target is None else str(target), kind, timeout_s)
    except Exception as e:  # noqa: BLE001 - garbage in is graded, never raised
        return Score("incorrect", answer, f"comparison failed: {type(e).__name__}: {e}")
    return Score("correct" if equal else "incorrect", answer, how)


def grade_answer(answer: str | None, target: str, kind: str = "number",
                 timeout_s: float = SYMBOLIC_TIMEOUT_S) -> Score:
    """Score an answer that was already extracted (e.g. the stage-2 answer of cot2)."""
    if answer is None:
        return Score("no_answer", None, "no answer extracted")
    return _scored(answer, target, kind, timeout_s)


def _bare_answer(response: str, kind: str) -> str | None:
    """The answer when the whole response is one math expression ("2\\sqrt{3}", "$x^2-1$"),
    normalized as a boxed answer would be; None otherwise."""
    if kind == "choice" or not is_bare_math(response):
        return None
    return run_pipeline("boxed", f"\\boxed{{{strip_math_delimiters(response.strip())}}}", kind)


def grade_math(response: str, target: str, kind: str = "number", pipeline: str | None = None,
               timeout_s: float = SYMBOLIC_TIMEOUT_S, finish_reason: str | None = None) -> Score:
    """Score a model response against the gold answer. `pipeline` None uses the bare
    response when it is one math expression, else `extract_answer` (PRIORITY of the
    graded kind, see `graded_kind`); a name uses only that pipeline. A response cut off by
    max_tokens (`finish_reason` "length") is graded on the answer it states (boxed, strict)
    or is no_answer: never its last number, never its unfinished text as a bare answer. Never
    raises on the text of `response` or `target` (an unknown `kind` or `pipeline` is an error)."""
    if kind not in KINDS:
        raise ValueError(f"unknown answer kind {kind!r}; expected one of {', '.join(KINDS)}")
    response = "" if response is None else str(response)
    target = "" if target is None else str(target)
    as_kind = graded_kind(target, kind)
    cut_off = finish_reason == "length"
    if pipeline is None:
        answer = (None if cut_off else _bare_answer(response, as_kind)) or extract_answer(response, as_kind,
                                                                                         finish_reason)
        tried = ", ".join(p for p in PRIORITY[as_kind] if not (cut_off and p == "last_number"))
    else:
        answer, tried = run_pipeline(pipeline, response, as_kind), pipeline
    if answer is None:
        why = "cut off by max_tokens, no answer stated" if cut_off else "no answer found"
        return Score("no_answer", None, f"{why} (pipelines: {tried})")
    return _scored(answer, target, as_kind, timeout_s)
