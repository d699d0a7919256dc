"""The decode loop of the llamacpp backend: many sequences in one llama.cpp batch.

Work is a list of `Job`s: one request's prompt tokens, sampling settings and
number of samples n. A job is admitted when there are free sequence ids and
enough KV-cache cells for its prompt plus the worst case of its samples (a
reservation, so decoding never runs out of cells). Its prompt is evaluated ONCE,
every prompt token carrying the ids of all its samples (the unified KV cache
keeps one copy that the samples share), and the first token of each sample is
drawn from the prompt's last logits. Then each step decodes one token for every
live sequence of every admitted job in one `llama_decode` call. A finished
sequence frees its cells and id at once and waiting jobs are admitted
(continuous batching); prompts of jobs admitted together share decode calls. A
job whose samples do not all fit is admitted in parts.

Each sample has its own llama.cpp sampler chain (top-p, temperature, a seeded
distribution; greedy at temperature 0), so a sample does not depend on what else
is in the batch. Logprobs, when asked, are raw-model log-probabilities
(log-softmax of the unprocessed logits) of each generated token.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from agent.errors import ModelError
from agent.models.stop_strings import find_stop


@dataclass
class Job:
    ids: list[int]
    n: int
    max_new: int
    temperature: float = 0.0
    top_p: float = 1.0
    stop: tuple[str, ...] = ()
    seeds: tuple[int, ...] = ()
    """One seed per sample."""
    logprobs: bool = False
    ignore_eos: bool = False
    """Benchmarks only: generate exactly max_new tokens, as llama-batched-bench does."""


@dataclass
class Seq:
    """One sample being generated."""

    job: int
    sample: int
    seq_id: int = -1
    pos: int = 0
    tokens: list[int] = field(default_factory=list)
    data: bytearray = field(default_factory=bytearray)
    logprobs: list[float] = field(default_factory=list)
    finish_reason: str | None = None
    text: str | None = None
    """Set when the text was cut at a stop string."""
    sampler: object = None
    part: _Part | None = None
    limit: int = 0
    """Most tokens it may generate: max_new, or fewer when it runs alone in a cache too small."""

    def final_text(self) -> str:
        return self.text if self.text is not None else self.data.decode("utf-8", errors="replace")


@dataclass
class _Part:
    """Samples of one job admitted together; their prompt is evaluated once."""

    job: int
    seqs: list[Seq]
    live: int


@dataclass
class DecodeStats:
    """Work counters, for tests and benchmarks."""

    decode_calls: int = 0
    prompt_tokens: int = 0
    """Prompt tokens evaluated (once per admitted part, however many samples it has)."""
    generated_tokens: int = 0
    max_live: int = 0
    """Most sequences decoded together in one call."""


class BatchDecoder:
    """Runs jobs on one llama.cpp context (`ctx`, `vocab` are raw llama.cpp pointers)."""

    def __init__(self, llama_cpp, ctx, vocab, n_vocab: int, *, n_cells: int, n_seq_max: int,
                 n_batch: int) -> None:
        self.L = llama_cpp
        self.ctx, self.vocab, self.n_vocab = ctx, vocab, n_vocab
        self.mem = llama_cpp.llama_get_memory(ctx)
        self.n_cells, self.n_seq_max, self.n_batch = n_cells, n_seq_max, n_batch
        self.batch = llama_cpp.llama_batch_init(n_batch, 0, n_seq_max)
        self._piece_buf = ctypes.create_string_buffer(256)
        self._pieces: dict[int, bytes] = {}
        self.stats = DecodeStats()

    def close(self) -> None:
        if self.batch is not None:
            self.L.llama_batch_free(self.batch)
            self.batch = None

    # ------------------------------------------------------------------ running

    def run(self, jobs: list[Job]) -> Iterator[Seq]:
        """Decode every sample of every job; yields a sequence each time it gains a token
        (its `finish_reason` is set on the last one). The KV cache is empty afterwards."""
        waiting = [(j, s) for j, job in enumerate(jobs) for s in range(job.n)]
        free_ids = list(range(self.n_seq_max))
        free_cells = self.n_cells
        live: list[Seq] = []
        try:
            while waiting or live:
                parts, waiting, free_cells = self._admit(jobs, waiting, free_ids, free_cells, bool(live))
                yield from self._prefill(jobs, parts)
                live += [s for part in parts for s in part.seqs]
                stepping = [s for s in live if s.finish_reason is None]
                if stepping:
                    yield from self._step(jobs, stepping)
                for seq in live:
                    if seq.finish_reason is not None:
                        free_cells += self._release(seq, jobs, free_ids)
                live = [s for s in live if s.finish_reason is None]
                if not live and waiting and not parts:
                    raise ModelError("llamacpp: a request does not fit the KV cache even alone "
                                     f"({self.n_cells} cells); raise engine_args n_ctx or lower max_tokens")
        finally:
            for seq in live:
                self._close_sampler(seq)
            self.L.llama_memory_clear(self.mem, True)

    def _admit(self, jobs, waiting, free_ids, free_cells, busy):
        """Parts to start now: whole jobs' samples while ids and cells last."""
        parts: list[_Part] = []
        rest = list(waiting)
        while rest and free_ids:
            j = rest[0][0]
            job = jobs[j]
            same = [w for w in rest if w[0] == j]
            room = free_cells - len(job.ids)
            fits = min(len(same), len(free_ids), max(0, room // max(1, job.max_new)))
            limit = job.max_new
            if fits == 0:
                if busy or parts or room <= 0:
                    break
                fits, limit = 1, room  # alone and still too long: one sample, cut by the cache
            take = same[:fits]
            rest = [w for w in rest if w not in take]
            seqs = [Seq(job=j, sample=s, seq_id=free_ids.pop(0), limit=limit) for _, s in take]
            part = _Part(j, seqs, fits)
            free_cells -= len(job.ids) + fits * limit
            for seq in seqs:
                seq.part, seq.pos = part, len(job.ids)
                seq.sampler = self._sampler(job, seq.sample)
            parts.append(part)
        return parts, rest, free_cells

    def _prefill(self, jobs, parts: list[_Part]) -> Iterator[Seq]:
        """Evaluate each part's prompt once (tokens carry all its sequence ids); sample first tokens."""
        pending: list[tuple[_Part, int]] = []  # (part, index of its last token in the batch)
        self.batch.n_tokens = 0
        for part in parts:
            ids = jobs[part.job].ids
            for pos, tok in enumerate(ids):
                if self.batch.n_tokens == self.n_batch:
                    yield from self._decode_prompts(jobs, pending)
                    pending = []
                last = pos == len(ids) - 1
                self._add(tok, pos, [s.seq_id for s in part.seqs], last)
                if last:
                    pending.append((part, self.batch.n_tokens - 1))
            self.stats.prompt_tokens += len(ids)
        if self.batch.n_tokens:
            yield from self._decode_prompts(jobs, pending)

    def _decode_prompts(self, jobs, pending) -> Iterator[Seq]:
        self._decode()
        self.batch.n_tokens = 0
        for part, idx in pending:
            for seq in part.seqs:
                self._take(jobs[part.job], seq, idx)
                yield seq

    def _step(self, jobs, live: list[Seq]) -> Iterator[Seq]:
        self.batch.n_tokens = 0
        for seq in live:
            self._add(seq.tokens[-1], seq.pos, [seq.seq_id], True)
            seq.pos += 1
        self.stats.max_live = max(self.stats.max_live, len(live))
        self._decode()
        for i, seq in enumerate(live):
            self._take(jobs[seq.job], seq, i)
            yield seq

    # ------------------------------------------------------------------ pieces

    def _add(self, token: int, pos: int, seq_ids: list[int], logits: bool) -> None:
        b, i = self.batch, self.batch.n_tokens
        b.token[i] = token
        b.pos[i] = pos
        b.n_seq_id[i] = len(seq_ids)
        for k, s in enumerate(seq_ids):
            b.seq_id[i][k] = s
        b.logits[i] = logits
        b.n_tokens = i + 1

    def _decode(self) -> None:
        rc = self.L.llama_decode(self.ctx, self.batch)
        self.stats.decode_calls += 1
        if rc != 0:
            raise ModelError(f"llamacpp: llama_decode failed with code {rc} "
                             "(1: no KV-cache slot; raise engine_args n_ctx)")

    def _take(self, job: Job, seq: Seq, idx: int) -> None:
        """Sample the next token of `seq` from the logits at batch index `idx`; decide if it is done."""
        token = self.L.llama_sampler_sample(seq.sampler, self.ctx, idx)
        if job.logprobs:
            ptr = self.L.llama_get_logits_ith(self.ctx, idx)
            logits = np.ctypeslib.as_array(ptr, shape=(self.n_vocab,)).astype(np.float64)
            top = logits.max()
            seq.logprobs.append(float(logits[token] - top - np.log(np.exp(logits - top).sum())))
        seq.tokens.append(token)
        self.stats.generated_tokens += 1
        if self.L.llama_vocab_is_eog(self.vocab, token) and not job.ignore_eos:
            seq.finish_reason = "stop"
            return
        seq.data += self._piece(token)
        if job.stop:
            text = seq.data.decode("utf-8", errors="ignore")
            at = find_stop(text, job.stop)
            if at >= 0:
                seq.text, seq.finish_reason = text[:at], "stop"
                return
        if len(seq.tokens) >= seq.limit:
            seq.finish_reason = "length"

    def _piece(self, token: int) -> bytes:
        piece = self._pieces.get(token)
        if piece is None:
            n = self.L.llama_token_to_piece(self.vocab, token, self._piece_buf, 256, 0, False)
            piece = self._piece_buf.raw[:max(0, n)]
            self._pieces[token] = piece
        return piece

    def _sampler(self, job: Job, sample: int):
        L = self.L
        chain = L.llama_sampler_chain_init(L.llama_sampler_chain_default_params())
        if job.temperature == 0.0:
            L.llama_sampler_chain_add(chain, L.llama_sampler_init_greedy())
        else:
            if job.top_p < 1.0:
                L.llama_sampler_chain_add(chain, L.llama_sampler_init_top_p(job.top_p, 1))
            L.llama_sampler_chain_add(chain, L.llama_sampler_init_temp(job.temperature))
            L.llama_sampler_chain_add(chain, L.llama_sampler_init_dist(job.seeds[sample] & 0xFFFFFFFF))
        return chain

    def _close_sampler(self, seq: Seq) -> None:
        if seq.sampler is not None:
            self.L.llama_sampler_free(seq.sampler)
            seq.sampler = None

    def _release(self, seq: Seq, jobs, free_ids: list[int]) -> int:
        """Drop a finished sequence's cache and id; returns the cells given back."""
        self.L.llama_memory_seq_rm(self.mem, seq.seq_id, -1, -1)
        self._close_sampler(seq)
        free_ids.append(seq.seq_id)
        seq.part.live -= 1
        # the prompt's cells are shared by the part's samples: free once the last one is done
        return seq.limit + (len(jobs[seq.job].ids) if seq.part.live == 0 else 0)
