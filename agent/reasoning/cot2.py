"""cot2: zero-shot-CoT in two stages (Kojima et al. 2022).

Stage 1 writes the rationale after "Let's think step by step."; stage 2 continues
the assistant reply (Request.prefill = rationale + "\\n" + answer trigger of the
kind) and generates a short greedy answer. The answer is the first answer after the
trigger, else the rationale's. Every stage 2 of a batch goes in one generate call.
"""

from __future__ import annotations

import re

import prompts
from agent.answers import extract_all, extract_answer
from agent.answers.latex import last_boxed
from agent.answers.numbers import normalize_number, number_tokens
from agent.reasoning.solution import mean_logprob, stage_record
from agent.reasoning.types import Method, Solution, Started
from agent.types import Completion, Message, Model, Request, SamplingParams

_LETTER = re.compile(r"\(?\b([A-E])\b\)?")
_OPEN_BOX = re.compile(r"\$?\\boxed\s*\{$")


def cot2_prompt(question: str, kind: str, shots: int | None = None) -> list[Message]:
    return [Message("user", prompts.render("reasoning", "cot2.user", question=question,
                                           trigger=prompts.get("reasoning", "cot2.trigger")))]


def answer_trigger(kind: str) -> str:
    """The stage-2 answer trigger of `kind`, e.g. "Therefore, the answer (arabic numerals) is"."""
    return prompts.get("reasoning", f"cot2.answer_trigger.{kind}").strip()


def stage2_prefill(rationale: str, kind: str) -> str:
    """The start of the stage-2 assistant reply: the rationale, a newline, the answer trigger."""
    return f"{rationale.rstrip()}\n{answer_trigger(kind)}"


def continue_trigger(trigger: str, text: str) -> str:
    """The stage-2 continuation, with the trigger's open \\boxed{ (or $\\boxed{) if it ends in one."""
    opened = _OPEN_BOX.search(trigger.rstrip())
    return (opened.group(0) if opened else "") + (text.lstrip() if opened else text)


def first_line(text: str) -> str:
    """The first non-empty line of `text`, stripped."""
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "")


def stage2_line(text: str) -> str:
    """The first line of a stage-2 continuation, keeping one leading space if it had one."""
    line = first_line(text)
    return (" " if line and text[:1].isspace() else "") + line


def stage2_answer(text: str, kind: str, trigger: str = "") -> str | None:
    """The answer in the stage-2 continuation `text` of the answer `trigger`: the first
    number (number), the first letter A-E (choice), the boxed or first-line expression
    (math). A trigger ending in an open \\boxed{ is closed by `text`."""
    line = first_line(continue_trigger(trigger, text))
    if kind == "choice":
        m = _LETTER.search(line)
        return m.group(1) if m else None
    boxed = last_boxed(line)
    if kind == "number":
        numbers = number_tokens(boxed if boxed is not None else line)
        return (normalize_number(numbers[0]) or numbers[0]) if numbers else None
    if boxed is not None:
        return boxed or None
    expr = line.strip().rstrip(".").strip()
    expr = expr[1:-1].strip() if len(expr) > 1 and expr[0] == expr[-1] == "$" else expr.strip("$ ")
    return expr or None


def stage2_request(messages: list[Message], rationale: str, kind: str, params: SamplingParams) -> Request:
    """The stage-2 request for one rationale: greedy, short, one sample."""
    max_tokens = int(prompts.get("reasoning", "cot2.stage2_max_tokens"))
    p = SamplingParams(n=1, temperature=0.0, max_tokens=max_tokens, seed=params.seed, logprobs=params.logprobs)
    return Request(messages, p, prefill=stage2_prefill(rationale, kind))


def two_stage_solution(question: str, kind: str, messages: list[Message], rationale: Completion,
                       prefill: str, answer: Completion) -> Solution:
    """A cot2 solution: the answer after the trigger first, else the rationale's."""
    text = prefill + stage2_line(answer.text)
    extracted = (stage2_answer(answer.text, kind, answer_trigger(kind))
                 or extract_answer(rationale.text, kind, rationale.finish_reason))
    stages = [stage_record(messages, "", rationale), stage_record(messages, prefill, answer)]
    return Solution(question, "cot2", kind, text, extracted, extract_all(text, kind), stages,
                    rationale.prompt_tokens + answer.prompt_tokens,
                    rationale.completion_tokens + answer.completion_tokens,
                    mean_logprob([rationale, answer]))


def finish_two_stages(model: Model, started: list[Started], params: SamplingParams) -> list[list[Solution]]:
    """One batched stage-2 call for every rationale of every question."""
    requests = [stage2_request(s.messages, c.text, s.kind, params) for s in started for c in s.completions]
    answers = iter(model.generate(requests) if requests else [])
    reqs = iter(requests)
    return [[two_stage_solution(s.question, s.kind, s.messages, c, next(reqs).prefill, next(answers)[0])
             for c in s.completions] for s in started]


COT2 = Method("cot2", cot2_prompt, finish_two_stages)
