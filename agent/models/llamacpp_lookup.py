"""Prompt-lookup decoding for the llamacpp decode loop (agent/models/llamacpp_decode.py).

A greedy sequence decoding alone drafts the tokens that followed the newest
earlier occurrence of its last n-gram in its own context (prompt and tokens
generated so far), then feeds its last token and the draft to one
`llama_decode` call with logits at every position. The greedy token at each
position is compared with the draft: the matching run is kept, the first
mismatch is the model's own next token, and the cells of the rejected draft are
dropped. So the tokens are the greedy tokens, up to llama.cpp's float summation
order, which differs with the batch's shape. It pays where a reply repeats its
context (a revision, a code repair); upstream llama.cpp measured 1.10x at one
slot and 0.77x at eight, so it is for one sequence only, and on only when
`bench/lookup.py` measures it faster.
"""

from __future__ import annotations

from array import array

from agent.models.llamacpp_jobs import Job, Seq

NGRAMS = (3, 2)
"""n-gram sizes tried, longest first."""
_WIDTH = array("i").itemsize


def find_draft(context: list[int], max_draft: int, ngrams: tuple[int, ...] = NGRAMS) -> list[int]:
    """The up to `max_draft` tokens that followed the newest earlier occurrence of the context's
    last n-gram (the longest n of `ngrams` that occurs); [] when none occurs."""
    if max_draft <= 0:
        return []
    data = array("i", context).tobytes()
    for n in ngrams:
        if len(context) <= n:
            continue
        key = data[-n * _WIDTH:]
        end = (len(context) - 1) * _WIDTH  # an occurrence ending before the context's last token
        while True:
            at = data.rfind(key, 0, end)
            if at < 0:
                break
            if at % _WIDTH == 0:  # token-aligned (a byte match may straddle tokens)
                start = at // _WIDTH + n
                return context[start:start + max_draft]
            end = at + len(key) - 1
    return []



def draft_for(lookup: int, jobs: list[Job], live: list[Seq], free_cells: int) -> list[int]:
    """Draft tokens for this step: only for a greedy sequence decoding alone; at most `lookup`,
    fewer than the tokens it may still generate, and fitting the `free_cells` left."""
    if not lookup or len(live) != 1 or jobs[live[0].job].temperature != 0.0:
        return []
    seq = live[0]
    room = min(lookup, seq.limit - len(seq.tokens) - 1, free_cells)
    return find_draft(jobs[seq.job].ids + seq.tokens, room)
