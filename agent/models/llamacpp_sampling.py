"""From llama.cpp's logits to tokens and text, for the llamacpp decode loop: one sampler
chain per sample, raw-model log-probabilities, and token pieces (bytes, cached)."""

from __future__ import annotations

import ctypes

import numpy as np


def make_sampler(L, temperature: float, top_p: float, seed: int):
    """Greedy at temperature 0; else top-p, temperature and a distribution seeded with `seed`."""
    chain = L.llama_sampler_chain_init(L.llama_sampler_chain_default_params())
    if temperature == 0.0:
        L.llama_sampler_chain_add(chain, L.llama_sampler_init_greedy())
    else:
        if top_p < 1.0:
            L.llama_sampler_chain_add(chain, L.llama_sampler_init_top_p(top_p, 1))
        L.llama_sampler_chain_add(chain, L.llama_sampler_init_temp(temperature))
        L.llama_sampler_chain_add(chain, L.llama_sampler_init_dist(seed & 0xFFFFFFFF))
    return chain


def raw_logprob(L, ctx, idx: int, n_vocab: int, token: int) -> float:
    """log-softmax of the unprocessed logits at batch index `idx`, at `token`."""
    ptr = L.llama_get_logits_ith(ctx, idx)
    logits = np.ctypeslib.as_array(ptr, shape=(n_vocab,)).astype(np.float64)
    top = logits.max()
    return float(logits[token] - top - np.log(np.exp(logits - top).sum()))


class Pieces:
    """The bytes of each token (a token may hold part of a UTF-8 character)."""

    def __init__(self, L, vocab) -> None:
        self.L, self.vocab = L, vocab
        self._buf = ctypes.create_string_buffer(256)
        self._cache: dict[int, bytes] = {}

    def __call__(self, token: int) -> bytes:
        piece = self._cache.get(token)
        if piece is None:
            n = self.L.llama_token_to_piece(self.vocab, token, self._buf, 256, 0, False)
            piece = self._buf.raw[:max(0, n)]
            self._cache[token] = piece
        return piece
