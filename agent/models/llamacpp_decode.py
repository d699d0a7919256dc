"""The decode loop of the llamacpp backend: many sequences in one llama.cpp batch,
each prompt token evaluated once.

Work is a list of `Job`s (one request's prompt tokens, sampling settings and n);
every sample is a llama.cpp sequence. A prefix tree (agent/models/llamacpp_prefix.py)
mirrors the KV cache, which stays filled after a call: a new sequence copies the
longest cached prefix of its prompt (`llama_memory_seq_cp`) and evaluates only
the rest; prompts admitted together evaluate a shared prefix once.

Admission is on what sequences use, not their worst case: a sequence starts when
an id and cells for its new prompt tokens are free, keeping `HEADROOM` cells of
growth per live sequence. Sequences kept from earlier calls give way first (least
recently used). When the live ones fill the cache, the youngest is preempted and
later resumed by evaluating its prompt and tokens again (mostly still cached); one
alone in a full cache stops with "length". Each step decodes a token for every live
sequence in one `llama_decode` call (continuous batching), plus prompt-lookup draft
tokens for a greedy one alone (agent/models/llamacpp_lookup.py).

Each sample has its own sampler chain (agent/models/llamacpp_sampling.py), so it
does not depend on what else is in the batch, up to llama.cpp's float summation
order, which differs with the batch's shape and what was cached. Logprobs are
raw-model log-probabilities (log-softmax of the unprocessed logits).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from agent.errors import ModelError
from agent.models.llamacpp_jobs import DecodeStats, Job, Seq
from agent.models.llamacpp_lookup import draft_for
from agent.models.llamacpp_prefix import PrefixTree
from agent.models.llamacpp_sampling import Pieces, make_sampler, raw_logprob

HEADROOM = 16
"""Cells of growth kept free per live sequence when admitting another."""


class BatchDecoder:
    """Runs jobs on one llama.cpp context (`ctx`, `vocab` are raw llama.cpp pointers).
    `reuse` keeps the cache between calls (it needs the unified KV cache); `lookup` > 0 drafts
    that many tokens for a greedy sequence decoding alone (agent/models/llamacpp_lookup.py)."""

    def __init__(self, llama_cpp, ctx, vocab, n_vocab: int, *, n_cells: int, n_seq_max: int,
                 n_batch: int, reuse: bool = True, lookup: int = 0) -> None:
        self.L = llama_cpp
        self.ctx, self.vocab, self.n_vocab = ctx, vocab, n_vocab
        self.mem = llama_cpp.llama_get_memory(ctx)
        self.n_cells, self.n_seq_max, self.n_batch = n_cells, n_seq_max, n_batch
        self.reuse, self.lookup = reuse, lookup
        self.batch = llama_cpp.llama_batch_init(n_batch, 0, n_seq_max)
        self._piece = Pieces(llama_cpp, vocab)
        self.stats = DecodeStats()
        self.tree = PrefixTree()
        self.kept: OrderedDict[int, None] = OrderedDict()
        """Ids of ended sequences whose cells are kept, least recently used first."""
        self.free_ids = list(range(n_seq_max))
        self._admitted = 0

    def close(self) -> None:
        if self.batch is not None:
            self.L.llama_batch_free(self.batch)
            self.batch = None

    def clear(self) -> None:
        """Empty the cache (what later calls could reuse)."""
        self.L.llama_memory_clear(self.mem, True)
        self.tree.clear()
        self.kept.clear()
        self.free_ids = list(range(self.n_seq_max))

    # ------------------------------------------------------------------ running

    def run(self, jobs: list[Job]) -> Iterator[Seq]:
        """Decode every sample of every job; yields a sequence each time it gains a token
        (its `finish_reason` is set on the last one). What was evaluated stays cached."""
        waiting = [Seq(job=j, sample=s, limit=job.max_new) for j, job in enumerate(jobs) for s in range(job.n)]
        live: list[Seq] = []
        self.stats.prompt_tokens_sent += sum(len(job.ids) for job in jobs)
        try:
            while waiting or live:
                started = self._admit(jobs, waiting, live)
                if not live and not started:
                    raise ModelError("llamacpp: a request does not fit the KV cache even alone "
                                     f"({self.n_cells} cells); raise engine_args n_ctx or lower max_tokens")
                live += started
                yield from self._prefill(jobs, started)
                live = self._end_finished(live)
                yield from self._make_room(live, waiting)
                live = self._end_finished(live)
                if live:
                    yield from self._step(jobs, live)
                    live = self._end_finished(live)
        except GeneratorExit:  # the caller stopped early; the cache is consistent at every yield
            self._end_finished(live, force=True)
            raise
        except BaseException:
            self.clear()
            raise
        finally:
            for seq in waiting + live:
                self._close_sampler(seq)
            if not self.reuse:
                self.clear()

    def _admit(self, jobs, waiting: list[Seq], live: list[Seq]) -> list[Seq]:
        """Sequences to start now, in order, while ids and cells last (kept sequences give way)."""
        started: list[Seq] = []
        reserve = sum(self._headroom(s) for s in live)
        while waiting:
            seq = waiting[0]
            context = jobs[seq.job].ids + seq.tokens
            alone = not live and not started
            while True:
                node, depth, _ = self.tree.match(context, reuse_cache=self.reuse)
                room = self.n_cells - self.tree.cells - (len(context) - depth)
                if self.free_ids and room >= reserve + self._headroom(seq):
                    break
                if self.kept:  # the least recently used, sparing those holding this prompt's prefix
                    self._evict(next((s for s in self.kept if s not in node.holders), next(iter(self.kept))))
                elif alone and self.free_ids and room >= 0:
                    break  # alone in the cache: start it, it stops when the cache is full
                else:
                    return self._drop_covered(started)
            waiting.pop(0)
            self._place(jobs, seq, context)
            started.append(seq)
            reserve += self._headroom(seq)
        return self._drop_covered(started)

    def _place(self, jobs, seq: Seq, context: list[int]) -> None:
        sid = self.free_ids.pop(0)
        placed = self.tree.add(sid, context, reuse_cache=self.reuse)
        if placed.copy_from is not None:
            self.L.llama_memory_seq_cp(self.mem, placed.copy_from, sid, 0, placed.copy_len)
            for holder in placed.copy_node.holders & self.kept.keys():
                self.kept.move_to_end(holder)
        seq.seq_id, seq.pos, seq.end = sid, len(context), placed.node
        if seq.order < 0:
            seq.order, self._admitted = self._admitted, self._admitted + 1
            job = jobs[seq.job]
            seq.sampler = make_sampler(self.L, job.temperature, job.top_p, job.seeds[seq.sample] if job.seeds else 0)
            # what it did not bring at its first placement: cached before the call, or shared with an
            # earlier sequence of this call (sample 2 of n shares its whole prompt with sample 1)
            seq.cached = min(placed.cached, len(job.ids))

    def _drop_covered(self, started: list[Seq]) -> list[Seq]:
        """Kept sequences whose every cell another sequence holds too: dropping them frees an id."""
        for sid in [s for s in self.kept if self.tree.covered(s)]:
            self._evict(sid, count=False)
        return started

    def _headroom(self, seq: Seq) -> int:
        return max(1, min(HEADROOM, seq.limit - len(seq.tokens)))

    def _prefill(self, jobs, started: list[Seq]) -> Iterator[Seq]:
        """Evaluate the fresh prompt tokens (parents first, each token carrying the ids of every
        sequence that holds it); sample each started sequence's next token from its last one."""
        if not started:
            return
        ends: dict[int, list[Seq]] = {}
        for seq in started:
            ends.setdefault(id(seq.end), []).append(seq)
        pending: list[tuple[list[Seq], int]] = []  # (sequences, batch index of their last token)
        self.batch.n_tokens = 0
        for node in self.tree.fresh_nodes():
            ids = sorted(node.holders)
            want = ends.get(id(node))
            for i, tok in enumerate(node.tokens):
                if self.batch.n_tokens == self.n_batch:
                    self._decode_prompts(jobs, pending)
                    pending = []
                last = want is not None and i == len(node.tokens) - 1
                self._add(tok, node.start + i, ids, last)
                if last:
                    pending.append((want, self.batch.n_tokens - 1))
            self.stats.prompt_tokens += len(node.tokens)
        if self.batch.n_tokens:
            self._decode_prompts(jobs, pending)
        self.tree.settle()
        yield from started  # after the whole prefill, so the cache matches the tree at every yield

    def _decode_prompts(self, jobs, pending) -> None:
        self._decode()
        self.batch.n_tokens = 0
        for seqs, idx in pending:
            for seq in seqs:
                self._take(jobs[seq.job], seq, idx)

    def _make_room(self, live: list[Seq], waiting: list[Seq]) -> Iterator[Seq]:
        """Cells for one more token of every live sequence: drop kept sequences, then preempt
        the youngest; the last one alone in a full cache stops."""
        while live and self.tree.cells + len(live) > self.n_cells:
            if self.kept:
                self._evict(next(iter(self.kept)))
                continue
            youngest = max(live, key=lambda s: s.order)
            if len(live) == 1:
                youngest.finish_reason = "length"
                yield youngest
                return
            live.remove(youngest)
            self._free(youngest.seq_id)
            youngest.seq_id, youngest.end = -1, None
            at = next((i for i, w in enumerate(waiting) if w.order < 0 or w.order > youngest.order), len(waiting))
            waiting.insert(at, youngest)
            self.stats.preempted += 1

    def _step(self, jobs, live: list[Seq]) -> Iterator[Seq]:
        self.batch.n_tokens = 0
        for seq in live:
            self._add(seq.tokens[-1], seq.pos, [seq.seq_id], True)
        draft = draft_for(self.lookup, jobs, live, self.n_cells - self.tree.cells - len(live))
        for k, tok in enumerate(draft):
            self._add(tok, live[0].pos + 1 + k, [live[0].seq_id], True)
        self.stats.max_live = max(self.stats.max_live, len(live))
        self._decode()
        for i, seq in enumerate(live):
            self.tree.extend(seq.seq_id, seq.tokens[-1])
            seq.pos += 1
            self._take(jobs[seq.job], seq, i)
        if draft:
            self._accept(jobs[live[0].job], live[0], draft)
        yield from live

    def _accept(self, job: Job, seq: Seq, draft: list[int]) -> None:
        """Keep the draft while it is the token the model chose; drop the cells of the rest."""
        self.stats.drafted += len(draft)
        for k, tok in enumerate(draft, start=1):
            if seq.finish_reason is not None or seq.tokens[-1] != tok:
                break
            self.tree.extend(seq.seq_id, tok)
            seq.pos += 1
            self._take(job, seq, k)
            self.stats.accepted += 1
        self.L.llama_memory_seq_rm(self.mem, seq.seq_id, seq.pos, -1)

    def _end_finished(self, live: list[Seq], force: bool = False) -> list[Seq]:
        """Ended sequences give back their sampler; their cells are kept for later calls."""
        going = []
        for seq in live:
            if seq.finish_reason is None and not force:
                going.append(seq)
                continue
            self._close_sampler(seq)
            if self.reuse:
                self.kept[seq.seq_id] = None
            else:
                self._free(seq.seq_id)
        return going

    def _evict(self, sid: int, count: bool = True) -> None:
        del self.kept[sid]
        self._free(sid)
        self.stats.evicted += count

    def _free(self, sid: int) -> None:
        self.L.llama_memory_seq_rm(self.mem, sid, -1, -1)
        self.tree.remove(sid)
        self.free_ids.append(sid)

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
            seq.logprobs.append(raw_logprob(self.L, self.ctx, idx, self.n_vocab, token))
        self.stats.generated_tokens += 1
        seq.push(job, token, self._piece(token), self.L.llama_vocab_is_eog(self.vocab, token))

    def _close_sampler(self, seq: Seq) -> None:
        if seq.sampler is not None:
            self.L.llama_sampler_free(seq.sampler)
            seq.sampler = None
