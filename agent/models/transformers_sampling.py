"""Token choice for the transformers decode loop.

Pure functions on tensors: greedy/temperature/top-p choice with one
`torch.Generator` per request (so a request's samples do not depend on what else
is in the batch) and raw-model logprobs. Stop strings: agent/models/stop_strings.py.
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
