"""Sampled replies that stop before their code: continue them once.

A small model announces its plan in one sentence, then writes the code block.
Greedy decoding follows the sentence with ".\\n" and the fence; sampled, it
often picks "." instead, after which the end-of-turn token is the likely next
token (p = 0.91 at temperature 0.7 for Qwen2.5-Coder-0.5B on the Mandelbrot
task), so many samples are one sentence with no code. Continued from the
sentence plus a newline, the fence follows with p = 0.999. All such replies of
one batch are continued in one more batched request.

    completions, extra = continue_codeless(model, requests, batches)  # extra: the continuations' Usage
"""

from __future__ import annotations

from dataclasses import replace

from agent.types import Completion, Model, Request, Usage

SEED_STRIDE = 7919
"""Seed offset of a continuation, so it does not replay its reply's random draws."""


def stopped_before_code(completion: Completion, native_tools: bool = False) -> bool:
    """The reply ended by itself (not at max_tokens) without any code block or tool call."""
    if completion.finish_reason != "stop" or not completion.text.strip():
        return False
    return "```" not in completion.text and not (native_tools and "<tool_call>" in completion.text)


def continue_codeless(model: Model, requests: list[Request], batches: list[list[Completion]],
                      native_tools: bool = False) -> tuple[list[list[Completion]], Usage]:
    """Continue every reply of `batches` (the completions of `requests`) that stopped before its code,
    from its text plus a newline, in one batch. -> (the batches with those replies joined to their
    continuations, the prompt tokens the continuations sent and evaluated). A continuation's completion
    tokens are added to its reply's, so budgets stay honest."""
    todo: list[tuple[int, int]] = []
    more: list[Request] = []
    for r, (request, completions) in enumerate(zip(requests, batches, strict=True)):
        for i, c in enumerate(completions):
            left = request.params.max_tokens - c.completion_tokens
            if left < 1 or not stopped_before_code(c, native_tools):
                continue
            seed = None if request.params.seed is None else request.params.seed + SEED_STRIDE * (i + 1)
            params = replace(request.params, n=1, max_tokens=left, seed=seed)
            more.append(Request(request.messages, params, prefill=request.prefill + c.text + "\n"))
            todo.append((r, i))
    if not more:
        return batches, Usage()
    continued = model.generate(more)
    out = [list(b) for b in batches]
    extra = Usage()
    for (r, i), (tail,) in zip(todo, continued, strict=True):
        first = out[r][i]
        both = first.logprobs is not None and tail.logprobs is not None
        out[r][i] = replace(first, text=f"{first.text}\n{tail.text}", finish_reason=tail.finish_reason,
                            completion_tokens=first.completion_tokens + tail.completion_tokens,
                            logprobs=first.logprobs + tail.logprobs if both else None)
        extra.add(tail)
    return out, extra
