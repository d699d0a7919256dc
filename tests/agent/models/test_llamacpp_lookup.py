"""Prompt-lookup decoding in the llamacpp backend: where drafts come from (pure), and with the
real 0.5B GGUF, that a greedy reply drafted from its context is the reply without drafts,
that drafts are accepted on a reply that repeats its prompt, and that the cache stays right
for the next request."""

from __future__ import annotations

import pytest

from agent.models.llamacpp_jobs import Job, Seq
from agent.models.llamacpp_lookup import draft_for, find_draft
from agent.types import Request, SamplingParams, user
from tests.requirements import require_module


def test_the_draft_is_what_followed_the_newest_earlier_occurrence_of_the_last_ngram():
    ctx = [1, 2, 3, 9, 9, 1, 2, 3, 7, 8, 5, 1, 2, 3]
    assert find_draft(ctx, 2) == [7, 8]  # the newest of the two earlier occurrences of (1, 2, 3)
    assert find_draft(ctx, 10) == [7, 8, 5, 1, 2, 3]  # up to the end of the context
    assert find_draft(ctx, 0) == []


def test_a_shorter_ngram_is_tried_when_the_longest_never_occurred():
    assert find_draft([4, 5, 6, 1, 8, 5, 6], 3) == [1, 8, 5]  # (8, 5, 6) never seen before; (5, 6) is
    assert find_draft([1, 2, 3, 4], 3) == []  # nothing repeats
    assert find_draft([7, 7], 3) == []  # too short for any n-gram


def test_matches_are_whole_tokens_not_bytes_that_straddle_two():
    # 256 = bytes 00 01 00 00 and 1 = 01 00 00 00: the bytes of (1, 0) appear inside (256, 0, 0)
    ctx = [256, 0, 0, 9, 1, 0]
    assert find_draft(ctx, 2, ngrams=(2,)) == []
    assert find_draft([1, 0, 42, *ctx], 2, ngrams=(2,)) == [42, 256]


def _live(temperature=0.0, limit=50):
    job = Job(ids=[5, 6, 7, 8, 9, 5], n=1, max_new=limit, temperature=temperature)
    return [job], [Seq(job=0, sample=0, limit=limit, tokens=[6])]  # context 5 6 7 8 9 5 6


def test_drafts_only_for_a_greedy_sequence_alone_and_within_its_limit_and_the_free_cells():
    jobs, live = _live()
    assert draft_for(8, jobs, live, 100) == [7, 8, 9, 5, 6]
    assert draft_for(0, jobs, live, 100) == []
    assert draft_for(8, jobs, live + live, 100) == []
    assert draft_for(8, *_live(temperature=0.7), 100) == []
    assert draft_for(8, jobs, live, 2) == [7, 8]
    assert draft_for(8, *_live(limit=3), 100) == [7]  # 1 generated of 3: one drafted beside the next


@pytest.fixture(scope="module")
def model():
    require_module("llama_cpp")
    from agent.models.bundles import BUNDLES, bundle_gguf
    from agent.models.llamacpp import LlamaCppModel

    m = LlamaCppModel(str(bundle_gguf(BUNDLES["qwen2.5-coder-0.5b"])), n_ctx=4096, n_seq_max=4)
    yield m
    m.close()


PROGRAM = "\n".join(f"def f{i}(x):\n    return x * {i} + {i * i}\n" for i in range(12))
COPY = Request([user(f"Rename every function fN to gN in this code and reply with the whole code:\n\n```python\n{PROGRAM}```")],
               SamplingParams(max_tokens=200))


def _generate(model, req, lookup):
    model.decoder.clear()
    model.decoder.lookup = lookup
    stats = model.decoder.stats
    before = stats.drafted, stats.accepted, stats.decode_calls
    try:
        [[done]] = model.generate([req])
    finally:
        model.decoder.lookup = 0
    return done, stats.drafted - before[0], stats.accepted - before[1], stats.decode_calls - before[2]


@pytest.mark.llamacpp
@pytest.mark.real_model
def test_a_reply_that_repeats_its_prompt_is_drafted_accepted_and_the_same_as_without(model):
    plain, drafted0, _, calls0 = _generate(model, COPY, 0)
    looked, drafted, accepted, calls = _generate(model, COPY, 8)
    assert drafted0 == 0 and drafted > 0
    assert accepted > looked.completion_tokens // 2  # most of a copied program comes from drafts
    assert calls < calls0 // 2  # so it takes far fewer llama_decode calls
    assert looked.text == plain.text and looked.completion_tokens == plain.completion_tokens
    assert looked.finish_reason == plain.finish_reason


@pytest.mark.llamacpp
@pytest.mark.real_model
def test_stop_strings_and_the_limit_hold_inside_an_accepted_draft(model):
    stopped = Request(COPY.messages, SamplingParams(max_tokens=200, stop=["def g5"]))
    plain, *_ = _generate(model, stopped, 0)
    looked, *_ = _generate(model, stopped, 16)
    assert looked.finish_reason == plain.finish_reason == "stop"
    assert looked.text == plain.text and "def g4" in looked.text and "def g5" not in looked.text
    short = Request(COPY.messages, SamplingParams(max_tokens=37))
    assert _generate(model, short, 16)[0].completion_tokens == 37


@pytest.mark.llamacpp
@pytest.mark.real_model
def test_rejected_draft_cells_are_dropped_so_the_next_request_reads_a_right_cache(model):
    looked, *_ = _generate(model, COPY, 8)  # leaves its cells (and none of its rejected drafts) cached
    follow = Request([*COPY.messages], SamplingParams(max_tokens=60))
    [[warm]] = model.generate([follow])
    model.decoder.clear()
    [[cold]] = model.generate([follow])
    assert warm.cached_tokens > 0 and warm.text == cold.text
    assert model.decoder.tree.cells <= model.decoder.n_cells
