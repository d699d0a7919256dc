"""Grading math answers: extract, then compare with the gold answer.

Numbers compare exactly as rationals, then within a tolerance (relative 1e-6,
absolute 1e-9), with no sympy involved. MATH-style answers compare first as
normalized LaTeX strings (evals.latex), then as numbers when both are plain
numbers, and only then symbolically with math-verify under a time limit that is
safe in worker threads (evals.symbolic): a check that overruns is graded
"incorrect" with the explanation "symbolic check timed out", never a hang.
"""

from __future__ import annotations

from fractions import Fraction

from evals.extract import KINDS, PRIORITY, extract_answer, run_pipeline
from evals.latex import normalize_latex
from evals.normalize import format_number, parse_number
from evals.types import Score

REL_TOL = 1e-6
ABS_TOL = 1e-9
SYMBOLIC_TIMEOUT_S = 5.0


def _gold_text(target: str) -> str:
    """A GSM8K-style gold solution holds its answer after '####'."""
    return target.rsplit("####", 1)[1].strip() if "####" in target else target.strip()


def _number(ans: str, kind: str) -> Fraction | None:
    if kind == "number":
        return parse_number(ans)
    normalized = normalize_latex(ans)
    value = parse_number(normalized)
    return value if value is not None and format_number(value) == normalized else None


def numbers_close(a: Fraction, b: Fraction) -> bool:
    if a == b:
        return True
    fa, fb = float(a), float(b)
    return abs(fa - fb) <= max(REL_TOL * max(abs(fa), abs(fb)), ABS_TOL)


def canonical_answer(ans: str, kind: str = "number") -> str:
    """A normalized key for voting: answers equal under `answers_equal` map to the same
    key as far as cheaply possible (numbers exactly: "18.00", "$18", "18" -> "18";
    "3/4" and "0.75" -> "0.75"; LaTeX normalized as text, no sympy)."""
    text = _gold_text(ans)
    if kind == "choice":
        return text.strip().strip("().").upper()
    if kind == "number":
        value = parse_number(text)
        if value is not None:
            return format_number(value)
    return normalize_latex(text)


def compare(pred: str, target: str, kind: str = "number",
            timeout_s: float = SYMBOLIC_TIMEOUT_S) -> tuple[bool | None, str]:
    """(equal, how). `equal` is None when the symbolic check timed out."""
    if kind not in KINDS:
        raise ValueError(f"unknown answer kind {kind!r}; expected one of {', '.join(KINDS)}")
    target = _gold_text(target)
    if kind == "choice":
        equal = canonical_answer(pred, kind) == canonical_answer(target, kind)
        return equal, "same choice" if equal else "different choice"
    a, b = _number(pred, kind), _number(target, kind)
    if a is not None and b is not None:
        equal = numbers_close(a, b)
        return equal, f"numeric: {format_number(a)} {'==' if equal else '!='} {format_number(b)}"
    key_pred, key_target = canonical_answer(pred, kind), canonical_answer(target, kind)
    if key_pred == key_target:
        return True, "same normalized answer"
    if kind == "number":
        return False, f"{key_pred!r} != {key_target!r} (not both numbers)"
    from evals.symbolic import symbolic_equal

    equal = symbolic_equal(key_pred, key_target, timeout_s)
    if equal is None:
        return None, "symbolic check timed out"
    return equal, "symbolically equal" if equal else f"{key_pred!r} != {key_target!r} (symbolic)"


def answers_equal(pred: str, target: str, kind: str = "number") -> bool:
    """Whether two extracted answers are the same answer (a timeout counts as not equal)."""
    return compare(pred, target, kind)[0] is True


def grade_answer(answer: str | None, target: str, kind: str = "number",
                 timeout_s: float = SYMBOLIC_TIMEOUT_S) -> Score:
    """Score an answer that was already extracted (e.g. the stage-2 answer of cot2)."""
    if answer is None:
        return Score("no_answer", None, "no answer extracted")
    equal, how = compare(answer, target, kind, timeout_s)
    return Score("correct" if equal else "incorrect", answer, how)


def grade_math(response: str, target: str, kind: str = "number", pipeline: str | None = None,
               timeout_s: float = SYMBOLIC_TIMEOUT_S) -> Score:
    """Score a model response against the gold answer. `pipeline` None uses
    `extract_answer` (PRIORITY[kind]); a name uses only that pipeline."""
    if pipeline is None:
        answer, tried = extract_answer(response, kind), ", ".join(PRIORITY.get(kind, ()))
    else:
        answer, tried = run_pipeline(pipeline, response, kind), pipeline
    if answer is None:
        return Score("no_answer", None, f"no answer found (pipelines: {tried})")
    equal, how = compare(answer, target, kind, timeout_s)
    return Score("correct" if equal else "incorrect", answer, how)
