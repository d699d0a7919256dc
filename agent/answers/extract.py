"""Answer extraction: named pipelines reported side by side (as lm-evaluation-harness
reports strict-match and flexible-extract), each a raw extractor plus a
normalization per answer kind.

Pipelines (`PIPELINES`, raw text in, raw answer text out, None when nothing matches):
- strict: the last "The answer is X" / "Answer: X" / "Final answer: X" whose X is
  not negated ("The answer is not 5" matches nothing);
- boxed: the last complete \\boxed{...} (nested braces; an unbalanced one is skipped);
- last_number: the last number written anywhere (flexible-extract), but never an exponent or
  a subscript ("BC^2", "x_1": the working's notation, not a quantity);
- choice: a multiple-choice letter A-E ("(B)", "Answer: C", "\\boxed{D}", "E)").

Kinds: "number" (GSM8K-like: canonical numbers, see agent.answers.numbers), "math"
(MATH-like: LaTeX normalized by agent.answers.latex), "choice" (one letter A-E).
`extract_answer` takes the first non-None pipeline in `PRIORITY[kind]`:
number: boxed, strict, last_number (the default model mostly answers in
\\boxed{}); math: boxed, strict; choice: strict, choice.
No match gives None, never a guess. A response cut off by max_tokens (finish reason
"length") has only the answers it states (boxed, strict): the last-number fallback, GSM8K's
convention for a finished response, would read a number of the unfinished working.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from agent.answers.latex import is_bare_math, last_boxed, normalize_latex, strip_math_delimiters
from agent.answers.numbers import normalize_number, number_token_spans, number_tokens

PRIORITY: dict[str, tuple[str, ...]] = {
    "number": ("boxed", "strict", "last_number"),
    "math": ("boxed", "strict"),
    "choice": ("strict", "choice"),
}
"""Pipelines `extract_answer` tries, in order, per kind."""
KINDS = tuple(PRIORITY)
"""The answer kinds of questions (the registry: methods, prompts and grading take these; code
answers are programs, agent.answers.code)."""
REPORTED: dict[str, tuple[str, ...]] = {
    "number": ("strict", "boxed", "last_number"),
    "math": ("boxed", "strict", "last_number"),
    "choice": ("choice", "strict"),
}
"""Pipelines `extract_all` reports, per kind."""

_ANSWER_PHRASE = re.compile(
    r"\banswer\b\**\s*(?:(?P<neg>(?:is|was)n['’]t\b)|is\b|was\b|would\s+be\b|will\s+be\b|should\s+be\b|=|:)"
    r"\s*:?\**\s*", re.IGNORECASE)
_NEGATED = re.compile(r"^(?:not\b|n['’]t\b|never\b|unknown\b|unclear\b|undefined\b|none\b)", re.IGNORECASE)
_SENTENCE_END = re.compile(r"\.(?=\s|$)|\n")
_INLINE_MATH = re.compile(r"^\$\$?((?:[^$\\]|\\.)+)\$\$?|^\\\((.+?)\\\)|^\\\[(.+?)\\\]")  # "$\$36$" is \$36
_CHOICE_AT_START = re.compile(r"^\**\s*(?:\\text\{)?\(?([A-E])\)?(?![\w'’])")
_CHOICE_ANYWHERE = re.compile(
    r"(?:\\boxed\{\s*(?:\\text\{)?\(?([A-E])\)?\}?\s*\}"
    r"|\(([A-E])\)"
    r"|(?:^|\s)([A-E])\)"
    r"|\b(?:option|choice)\s+\(?([A-E])\b\)?"
    r"|^\s*([A-E])[.:]?\s*$)",
    re.MULTILINE | re.IGNORECASE,
)


def strict_raw(text: str) -> str | None:
    """What follows the last non-negated answer phrase, up to the end of its sentence."""
    for m in reversed(list(_ANSWER_PHRASE.finditer(text))):
        rest = text[m.end():]
        if not rest.strip() or _negated(m, text):
            continue
        if rest.startswith(("\\boxed", "\\fbox")):
            boxed = last_boxed(rest[: _box_window(rest)])
            if boxed is not None:
                return boxed
        end = _SENTENCE_END.search(rest)
        answer = (rest[: end.start()] if end else rest).strip().strip("*").strip()
        inline = _INLINE_MATH.match(answer)
        if inline:
            answer = next(g for g in inline.groups() if g is not None).strip()
            if answer.startswith(("\\boxed", "\\fbox")):
                answer = last_boxed(answer) or answer
        if answer:
            return answer
    return None


def _box_window(rest: str) -> int:
    """Length of `rest` that holds the first boxed expression (the answer phrase's own)."""
    nxt = rest.find("\\boxed", rest.find("\\boxed") + 1)
    return nxt if nxt > 0 else len(rest)


def boxed_raw(text: str) -> str | None:
    return last_boxed(text)


_NOTATION = re.compile(r"[\^_]\s*\{?\s*[-−]?\s*$")
"""Text ending where an exponent or subscript starts ("BC^", "x_{", "10^{")."""


def last_number_raw(text: str) -> str | None:
    """The last number of `text` that is not an exponent or subscript."""
    for m in reversed(list(number_token_spans(text))):
        if not _NOTATION.search(text[max(0, m[0] - 8):m[0]]):
            return m[2]
    return None


def choice_raw(text: str) -> str | None:
    """The last choice letter written as a choice; an answer phrase wins over a mention."""
    stated = strict_raw(text)
    if stated is not None:
        letter = _choice_letter(stated)
        if letter:
            return letter
    matches = list(_CHOICE_ANYWHERE.finditer(text))
    for m in reversed(matches):
        letter = next(g for g in m.groups() if g is not None)
        if letter.isupper() or m.group(4):
            return letter.upper()
    return None


PIPELINES: dict[str, Callable[[str], str | None]] = {
    "strict": strict_raw,
    "boxed": boxed_raw,
    "last_number": last_number_raw,
    "choice": choice_raw,
}
"""Raw extractors by name; `run_pipeline` adds the normalization of a kind."""


def _choice_letter(raw: str) -> str | None:
    raw = strip_math_delimiters(raw.strip())
    if raw.startswith("\\boxed"):
        raw = last_boxed(raw) or raw
    m = _CHOICE_AT_START.match(raw.strip())
    return m.group(1) if m else None


def _number_in(raw: str, pipeline: str) -> str | None:
    """Normalize a raw number answer. Boxed answers that are not one number are kept
    as normalized LaTeX (the model's stated answer, graded as such, never replaced by a
    guess); so are strict answers that are one math expression ("$2^{10}$"); other strict
    answers must start with their number ("18 dollars", "$18.")."""
    value = normalize_number(raw)
    if value is not None:
        return value
    if "=" in raw:  # "3 + 4 = 7" -> 7
        value = normalize_number(raw.rsplit("=", 1)[1])
        if value is not None:
            return value
    if pipeline == "boxed" or (pipeline == "strict" and is_bare_math(raw)):  # "$2^{10}$" stays whole
        return normalize_latex(raw) or None
    if pipeline == "strict":
        tokens = number_tokens(raw)
        first = raw.lstrip("$\\ *(").lstrip("-−")[:1]
        if tokens and (first.isdigit() or len(tokens) == 1):
            return normalize_number(tokens[0])
    return None


def run_pipeline(name: str, text: str, kind: str = "number") -> str | None:
    """One pipeline on `text`, normalized for `kind`; None when it finds no answer."""
    if name not in PIPELINES:
        raise ValueError(f"unknown extraction pipeline {name!r}; known: {', '.join(PIPELINES)}")
    _check_kind(kind)
    if name == "choice" or kind == "choice":
        raw = PIPELINES[name](text)
        return None if raw is None else _choice_letter(raw)
    raw = PIPELINES[name](text)
    if raw is None or not raw.strip():
        return None
    if kind == "number":
        return _number_in(raw, name)
    if name == "last_number":
        return normalize_number(raw)
    return normalize_latex(raw) or None


def extract_all(text: str, kind: str = "number") -> dict[str, str | None]:
    """Every pipeline reported for `kind` (see REPORTED), name -> normalized answer."""
    _check_kind(kind)
    return {name: run_pipeline(name, text, kind) for name in REPORTED[kind]}


def extract_answer(text: str, kind: str = "number", finish_reason: str | None = None) -> str | None:
    """The first answer found by the pipelines of PRIORITY[kind], normalized; None if none.
    The last-number fallback is not used when every answer statement is negated, nor when
    the response was cut off by max_tokens (`finish_reason` "length")."""
    _check_kind(kind)
    for name in PRIORITY[kind]:
        if name == "last_number" and (finish_reason == "length" or _states_no_answer(text)):
            return None
        answer = run_pipeline(name, text, kind)
        if answer is not None:
            return answer
    return None


def _states_no_answer(text: str) -> bool:
    """The text has answer statements and every one is negated ("The answer is not 5"):
    the last number written is then no answer, so the fallback must not guess it."""
    phrases = list(_ANSWER_PHRASE.finditer(text))
    return bool(phrases) and all(_negated(m, text) for m in phrases)


def _negated(phrase: re.Match, text: str) -> bool:
    return bool(phrase.group("neg") or _NEGATED.match(text[phrase.end():]))


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown answer kind {kind!r}; expected one of {', '.join(KINDS)}")
