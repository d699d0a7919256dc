"""Verifiers for best-of-N selection and revision feedback.

Code: run the problem's *public* examples (those shown in the prompt: the
`>>>` examples of a HumanEval docstring, the first assert of an MBPP prompt) in
the sandbox. Hidden tests are never used here: they are for grading only.
Math: agreement with the other samples (free), or a model self-check prompt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import prompts
from agent.types import Message, Request, Sample, SamplingParams
from tools.sandbox import run
from tools.types import Limits

_DOCTEST = re.compile(r"^\s*>>>\s?(.*)$")
_ASSERT = re.compile(r"^\s*(assert\b.+)$", re.M)


@dataclass
class CodeVerdict:
    passed: bool | None
    """None: the prompt shows no example to run."""
    tests: str = ""
    output: str = ""

    def feedback(self) -> str:
        return prompts.render("scaling", "code_feedback", passed=self.passed, tests=self.tests,
                              output=self.output)


def public_tests(sample: Sample) -> str:
    """Asserts built from the examples the prompt shows (empty when there are none)."""
    shown = sample.metadata.get("public_tests")
    if shown:
        return "\n".join(shown) if isinstance(shown, list) else str(shown)
    asserts = _ASSERT.findall(sample.input)
    if asserts:  # MBPP shows one assert in the prompt
        return asserts[0].strip()
    return "\n".join(_doctest_asserts(sample.input))


def _doctest_asserts(text: str) -> list[str]:
    lines = text.splitlines()
    out = []
    for i, line in enumerate(lines):
        m = _DOCTEST.match(line)
        if not m or not m.group(1).strip():
            continue
        expected = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if not expected or _DOCTEST.match(lines[i + 1]) or expected.startswith(('"""', "'''")):
            continue
        out.append(f"assert ({m.group(1).strip()}) == ({expected})")
    return out


def verify_code(program: str | None, sample: Sample, timeout_s: float = 10.0) -> CodeVerdict:
    """Run `program` followed by the public examples in the sandbox."""
    tests = public_tests(sample)
    if not tests:
        return CodeVerdict(None)
    if not program:
        return CodeVerdict(False, tests, "no code block found in the reply")
    result = run(f"{program}\n\n{tests}\n", Limits(timeout_s=timeout_s))
    passed = result.returncode == 0 and not result.timed_out and not result.memory_exceeded
    output = (result.stderr or result.stdout or "").strip()
    if result.timed_out:
        output = f"timed out after {timeout_s:g} s"
    return CodeVerdict(passed, tests, _tail(output, 1200))


def _tail(text: str, limit: int) -> str:
    return text if len(text) <= limit else "..." + text[-limit:]


def self_check_request(question: str, solution: str, params: SamplingParams) -> Request:
    """Ask the model whether a candidate solution is right (greedy, a few tokens)."""
    messages = [Message("system", prompts.render("scaling", "self_check.system")),
                Message("user", prompts.render("scaling", "self_check.user", question=question,
                                               solution=solution))]
    return Request(messages, SamplingParams(n=1, temperature=0.0, max_tokens=8, stop=params.stop))


def parse_self_check(text: str) -> bool | None:
    """yes -> True, no -> False, anything else -> None."""
    word = re.search(r"\b(yes|no)\b", text.lower())
    return None if word is None else word.group(1) == "yes"
