"""The decode loop of the transformers backend: prefill once, expand, decode.

One chunk of work is a few prompts, each with a number of samples. The prompts
are left-padded and run forward once (position ids from the attention mask, so
padding does not shift positions); the KV cache rows are then repeated so each
prompt gets its `count` sequences without processing the prompt again. Each
step feeds one token per live sequence; finished sequences are dropped from the
batch (cache, mask and positions), so no padded row is ever decoded. A chunk of
one prompt starts from the cache a call of one prompt and one sample left
(agent/models/transformers_prefix.py) and evaluates only the tokens past their
common prefix; a chunk of one prompt and one sample leaves its cache there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import torch

from agent.models.stop_strings import find_stop
from agent.models.transformers_prefix import KeptPrefix
from agent.models.transformers_sampling import choose_tokens, token_logprobs


@dataclass
class PromptSpec:
    """One request's prompt and sampling settings, shared by its samples."""

    ids: list[int]
    temperature: float
    top_p: float
    max_new_tokens: int
    stop: tuple[str, ...]
    generator: torch.Generator | None
    logprobs: bool = False


@dataclass
class Sequence:
    """One sample being generated."""

    prompt: int  # index into the chunk's prompts
    tokens: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    finish_reason: str | None = None
    text: str | None = None  # set when cut at a stop string
    cached: int = 0
    """Prompt tokens it did not evaluate: kept from an earlier call, or shared with the prompt's first sample."""

    @property
    def done(self) -> bool:
        return self.finish_reason is not None


@dataclass
class DecodeStats:
    """Work counters, for tests and benchmarks."""

    forward_calls: int = 0
    prefill_tokens: int = 0  # non-pad prompt tokens run through the model
    decode_tokens: int = 0


def left_pad(prompts: list[list[int]], pad_id: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(prompts), width), dtype=torch.long)
    for i, p in enumerate(prompts):
        ids[i, width - len(p):] = torch.tensor(p, dtype=torch.long)
        mask[i, width - len(p):] = 1
    return ids.to(device), mask.to(device)


@torch.inference_mode()
def decode(model, tokenizer, prompts: list[PromptSpec], counts: list[int], eos_ids: set[int], pad_id: int,
           stats: DecodeStats, kept: KeptPrefix | None = None) -> Iterator[list[Sequence]]:
    """Generate `counts[i]` sequences for `prompts[i]`; yields all sequences after every step."""
    device = model.device
    ids, mask = left_pad([p.ids for p in prompts], pad_id, device)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    past, shared = kept.take(prompts[0].ids) if kept is not None and len(prompts) == 1 else (None, 0)
    out = model(input_ids=ids[:, shared:], attention_mask=mask, position_ids=positions[:, shared:],
                past_key_values=past, use_cache=True, logits_to_keep=1)
    stats.forward_calls += 1
    stats.prefill_tokens += int(mask.sum()) - shared
    cache = out.past_key_values
    seqs = [Sequence(prompt=i, cached=shared if s == 0 else len(prompts[i].ids))
            for i, c in enumerate(counts) for s in range(c)]
    rows = torch.tensor([s.prompt for s in seqs], device=device)
    if len(seqs) != len(prompts):
        cache.batch_select_indices(rows)
    logits = out.logits[:, -1, :].float().index_select(0, rows)
    mask = mask.index_select(0, rows)
    next_pos = positions[:, -1].index_select(0, rows) + 1
    live = list(range(len(seqs)))  # seqs[live[j]] is batch row j
    while True:
        tokens = choose_tokens(logits, _groups(seqs, live, prompts))
        want_lp = any(prompts[seqs[k].prompt].logprobs for k in live)
        lps = token_logprobs(logits, tokens).tolist() if want_lp else None
        for j, (k, tok) in enumerate(zip(live, tokens.tolist(), strict=True)):
            _advance(seqs[k], prompts[seqs[k].prompt], tok, lps[j] if lps else None, eos_ids, tokenizer)
        yield seqs
        keep = [j for j, k in enumerate(live) if not seqs[k].done]
        if not keep:
            if kept is not None and len(seqs) == 1:  # the cache holds the prompt and every token but the last
                kept.keep(prompts[0].ids + seqs[0].tokens[:-1], cache)
            return
        if len(keep) < len(live):
            sel = torch.tensor(keep, device=device)
            cache.batch_select_indices(sel)
            mask, next_pos, tokens = mask.index_select(0, sel), next_pos.index_select(0, sel), tokens.index_select(0, sel)
            live = [live[j] for j in keep]
        mask = torch.cat([mask, mask.new_ones((len(live), 1))], dim=1)
        out = model(input_ids=tokens[:, None], attention_mask=mask, position_ids=next_pos[:, None],
                    past_key_values=cache, use_cache=True)
        stats.forward_calls += 1
        stats.decode_tokens += len(live)
        cache = out.past_key_values
        logits = out.logits[:, -1, :].float()
        next_pos = next_pos + 1


def _groups(seqs: list[Sequence], live: list[int], prompts: list[PromptSpec]):
    by_prompt: dict[int, list[int]] = {}
    for j, k in enumerate(live):
        by_prompt.setdefault(seqs[k].prompt, []).append(j)
    return [(rows, prompts[p].temperature, prompts[p].top_p, prompts[p].generator)
            for p, rows in by_prompt.items()]


def _advance(seq: Sequence, prompt: PromptSpec, token: int, logprob: float | None, eos_ids: set[int],
             tokenizer) -> None:
    """Append one token and decide whether the sequence is finished (eos, stop string, length)."""
    seq.tokens.append(token)
    if prompt.logprobs and logprob is not None:
        seq.logprobs.append(logprob)
    if token in eos_ids:
        seq.finish_reason = "stop"
        return
    if prompt.stop:
        text = tokenizer.decode(seq.tokens, skip_special_tokens=True)
        at = find_stop(text, prompt.stop)
        if at >= 0:
            seq.text, seq.finish_reason = text[:at], "stop"
            return
    if len(seq.tokens) >= prompt.max_new_tokens:
        seq.finish_reason = "length"


def final_text(seq: Sequence, tokenizer, eos_ids: set[int]) -> str:
    """The completion text: cut at the stop string, without the eos token."""
    if seq.text is not None:
        return seq.text
    tokens = seq.tokens[:-1] if seq.tokens and seq.tokens[-1] in eos_ids else seq.tokens
    return tokenizer.decode(tokens, skip_special_tokens=True)
