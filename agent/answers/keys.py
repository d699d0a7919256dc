"""Keys of answers: equal answers get equal keys, cheaply (no sympy). Voting counts
answers by key; grading compares keys before any symbolic check."""

from __future__ import annotations

from agent.answers.latex import normalize_latex
from agent.answers.numbers import format_number, parse_number


def gold_text(target: str) -> str:
    """The answer part of a gold target: a GSM8K-style solution holds it after '####'."""
    return target.rsplit("####", 1)[1].strip() if "####" in target else target.strip()


def canonical_answer(ans: str, kind: str = "number") -> str:
    """A normalized key: answers equal as answers map to the same key as far as cheaply
    possible (numbers exactly: "18.00", "$18", "18" -> "18"; "3/4" and "0.75" -> "0.75";
    LaTeX normalized as text, no sympy)."""
    text = gold_text(ans)
    if kind == "choice":
        return text.strip().strip("().").upper()
    if kind == "number":
        value = parse_number(text)
        if value is not None:
            return format_number(value)
    return normalize_latex(text)


def answer_key(answer: str | None, kind: str) -> str | None:
    """The voting key of an extracted answer (a program for code, compared line by line
    without trailing spaces); None when there is no answer."""
    if answer is None or not answer.strip():
        return None
    if kind == "code":
        return "\n".join(line.rstrip() for line in answer.strip().splitlines())
    return canonical_answer(answer, kind)
