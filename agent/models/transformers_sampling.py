"""Token choice and stop-string handling for the transformers decode loop.

Pure functions on tensors and strings: greedy/temperature/top-p choice with one
`torch.Generator` per request (so a request's samples do not depend on what else
is in the batch), raw-model logprobs, stop-string search and the hold-back that
keeps a stream from showing a stop string it will cut later.
"""

from __future__ import annotations

import torch


def top_p_filter(logits: torch.Tensor, top_p: float) -> torch.Tensor:
    """Keep the smallest set of tokens whose probability mass reaches `top_p`; the rest get -inf."""
    if top_p >= 1.0:
        return logits
    sorted_logits, order = torch.sort(logits, dim=-1, descending=True)
    probs = sorted_logits.softmax(dim=-1)
    mass_before = probs.cumsum(dim=-1) - probs
    sorted_logits = sorted_logits.masked_fill(mass_before >= top_p, float("-inf"))
    return torch.full_like(logits, float("-inf")).scatter(-1, order, sorted_logits)


def choose_tokens(logits: torch.Tensor, groups: list[tuple[list[int], float, float, torch.Generator | None]]
                  ) -> torch.Tensor:
    """One next token per row of `logits` [rows, vocab].

    `groups` partitions the rows: (row indices, temperature, top_p, generator); temperature 0 is
    greedy (argmax). Each group samples with its own generator, in row order.
    """
    chosen = torch.empty(logits.shape[0], dtype=torch.long, device=logits.device)
    for rows, temperature, top_p, generator in groups:
        idx = torch.tensor(rows, device=logits.device)
        part = logits.index_select(0, idx)
        if temperature == 0.0:
            chosen[idx] = part.argmax(dim=-1)
            continue
        probs = top_p_filter(part / temperature, top_p).softmax(dim=-1)
        chosen[idx] = torch.multinomial(probs, 1, generator=generator).squeeze(-1)
    return chosen


def token_logprobs(logits: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """Raw-model log-probability of `tokens` (log-softmax of the unprocessed logits, as vLLM by default)."""
    return logits.log_softmax(dim=-1).gather(-1, tokens[:, None]).squeeze(-1)


def find_stop(text: str, stops: tuple[str, ...]) -> int:
    """Index of the earliest stop string in `text`, or -1."""
    found = [i for i in (text.find(s) for s in stops if s) if i >= 0]
    return min(found) if found else -1


def safe_stream_end(text: str, stops: tuple[str, ...]) -> int:
    """How much of `text` a stream may show now: hold back an incomplete UTF-8 character
    and any tail that could still grow into a stop string."""
    end = len(text)
    while end > 0 and text[end - 1] == "\ufffd":
        end -= 1
    hold = 0
    for s in stops:
        for k in range(min(len(s) - 1, end), hold, -1):
            if text.endswith(s[:k], 0, end):
                hold = k
                break
    return end - hold
