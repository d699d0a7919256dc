"""Fitting a conversation into the model's context: the oldest turns after a
fixed head (system prompt, task) are dropped until the prompt plus the reply
fits. Used by the agent loop and the chat REPL."""

from __future__ import annotations

from dataclasses import dataclass

from agent.types import Message, Model


@dataclass(frozen=True)
class FittedPrompt:
    messages: list[Message]
    prompt_tokens: int
    dropped: int
    """How many messages were dropped."""
    max_new_tokens: int
    """Room left for the reply (at most the requested number; < 1 when even the head does not fit)."""


def fit_to_context(model: Model, messages: list[Message], max_new_tokens: int, keep_head: int = 1,
                   min_new_tokens: int = 64) -> FittedPrompt:
    """Drop messages after the first `keep_head`, oldest first and two at a time (a reply and
    what answered it), until the prompt leaves `max_new_tokens` free, or `min_new_tokens`
    once only the head and the last message are left."""
    msgs = list(messages)
    n = model.count_tokens(msgs)
    limit = model.context_length
    dropped = 0
    while n + max_new_tokens > limit and len(msgs) > keep_head + 1:
        if n + min_new_tokens <= limit and len(msgs) <= keep_head + 2:
            break
        k = min(2, len(msgs) - keep_head - 1)
        del msgs[keep_head:keep_head + k]
        dropped += k
        n = model.count_tokens(msgs)
    return FittedPrompt(msgs, n, dropped, min(max_new_tokens, limit - n))


def count_completion_tokens(model: Model, text: str) -> int:
    """Tokens of a reply, without the chat template's own tokens around it."""
    return max(0, model.count_tokens([Message("assistant", text)]) - model.count_tokens([Message("assistant", "")]))
