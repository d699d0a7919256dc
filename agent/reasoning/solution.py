"""Building solutions from completions: the stage records, the mean logprob, and the
solution of one completion (an extracted answer, or for code samples a program)."""

from __future__ import annotations

from agent.answers import extract_all, extract_answer, extract_code
from agent.reasoning.types import Solution, Started
from agent.types import Completion, Message, Model, Sample, SamplingParams


def stage_record(messages: list[Message], prefill: str, completion: Completion) -> dict:
    return {"messages": [m.to_dict() for m in messages], "prefill": prefill, "completion": completion.to_dict()}


def mean_logprob(completions: list[Completion]) -> float | None:
    """The mean token logprob over every completion; None when any has no logprobs."""
    if not completions or any(not c.logprobs for c in completions):
        return None
    lps = [lp for c in completions for lp in c.logprobs or []]
    return sum(lps) / len(lps)


def answer_solution(question: str, method: str, kind: str, messages: list[Message],
                    completion: Completion) -> Solution:
    """A one-stage solution (direct, cot, fewshot, a revision): its answer (a completion cut off by
    max_tokens: only an answer it states) and every pipeline's."""
    text = completion.text.strip()
    return Solution(question, method, kind, text, extract_answer(text, kind, completion.finish_reason),
                    extract_all(text, kind),
                    [stage_record(messages, "", completion)], completion.prompt_tokens,
                    completion.completion_tokens, mean_logprob([completion]))


def code_solution(sample: Sample, messages: list[Message], completion: Completion, prefill: str = "") -> Solution:
    """The solution of a code sample: the program the completion stands for."""
    return Solution(sample.input, "code", "code", completion.text, extract_code(completion.text, sample) or None,
                    {}, [stage_record(messages, prefill, completion)], completion.prompt_tokens,
                    completion.completion_tokens, mean_logprob([completion]))


def finish_one_stage(model: Model, started: list[Started], params: SamplingParams) -> list[list[Solution]]:
    """The `finish` of one-stage methods: each completion is a solution."""
    return [[answer_solution(s.question, s.method, s.kind, s.messages, c) for c in s.completions]
            for s in started]
