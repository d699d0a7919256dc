"""The reasoning methods (the registry) and solving with them, batched across questions:
one generate call for the first stage of every question, then whatever the method's
`finish` needs (cot2: one more call for every stage 2).

pal runs the program each completion holds in the sandbox (agent/reasoning/pal.py).
A new method is a module defining a `Method` (its prompt and its finish) and one line
in METHODS below. All prompt text is in prompts/reasoning.yaml, per answer kind
(agent.answers.KINDS): "number" (arabic numerals), "math" (LaTeX), "choice" (A-E).
"""

from __future__ import annotations

from agent.answers import KINDS
from agent.errors import UsageError
from agent.reasoning.cot2 import COT2
from agent.reasoning.one_stage import COT, DIRECT, FEWSHOT
from agent.reasoning.pal import PAL
from agent.reasoning.types import Method, Solution, Started
from agent.types import Completion, Message, Model, Request, SamplingParams

METHODS: dict[str, Method] = {m.name: m for m in (DIRECT, COT, COT2, FEWSHOT, PAL)}
"""Method name -> Method, in the order the CLI lists them."""


def check_method(method: str, kind: str) -> None:
    if method not in METHODS:
        raise UsageError(f"unknown method '{method}' (choose from {', '.join(METHODS)})")
    if kind not in KINDS:
        raise UsageError(f"unknown answer kind '{kind}' (choose from {', '.join(KINDS)})")


def build_messages(question: str, method: str = "cot", kind: str = "number", system: str | None = None,
                   *, shots: int | None = None) -> list[Message]:
    """The first-stage (or only) prompt of `method` for `question`. `shots`: fewshot
    examples (default fewshot.k of prompts/reasoning.yaml)."""
    check_method(method, kind)
    return ([Message("system", system)] if system else []) + METHODS[method].prompt(question, kind, shots)


def finish_batch(model: Model, questions: list[str], method: str, kinds: list[str],
                 prompts_: list[list[Message]], first: list[list[Completion]],
                 params: SamplingParams) -> list[list[Solution]]:
    """Solutions from the first-stage completions of each question (batched further stages)."""
    started = [Started(q, method, k, msgs, comps)
               for q, k, msgs, comps in zip(questions, kinds, prompts_, first, strict=True)]
    return METHODS[method].finish(model, started, params)


def solve_batch(model: Model, questions: list[str], method: str = "cot", kind: str | list[str] = "number",
                params: SamplingParams | None = None, *, system: str | None = None,
                shots: int | None = None) -> list[list[Solution]]:
    """params.n solutions per question, batched: one generate call with every
    question for the first stage, then the method's further stages."""
    params = params or SamplingParams()
    kinds = [kind] * len(questions) if isinstance(kind, str) else list(kind)
    if len(kinds) != len(questions):
        raise UsageError(f"solve_batch: {len(questions)} questions but {len(kinds)} kinds")
    for k in kinds:
        check_method(method, k)
    if not questions:
        return []
    prompts_ = [build_messages(q, method, k, system, shots=shots) for q, k in zip(questions, kinds, strict=True)]
    first = model.generate([Request(msgs, params) for msgs in prompts_])
    return finish_batch(model, questions, method, kinds, prompts_, first, params)


def solve(model: Model, question: str, method: str = "cot", kind: str = "number",
          params: SamplingParams | None = None, *, system: str | None = None,
          shots: int | None = None) -> list[Solution]:
    """params.n solutions of one question."""
    return solve_batch(model, [question], method, kind, params, system=system, shots=shots)[0]
