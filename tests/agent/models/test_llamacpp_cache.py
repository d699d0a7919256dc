"""The llamacpp backend's KV cache with the real 0.5B GGUF: prefixes reused across calls
(cold and warm give the same tokens), shared within a call, kept sequences evicted when
cells or ids run out, and admission on use with preemption in a cache too small for the
batch's worst case."""

from __future__ import annotations

import pytest

from agent.types import Request, SamplingParams, assistant, system, user
from tests.requirements import require_module

pytestmark = [pytest.mark.llamacpp, pytest.mark.real_model]

SYSTEM = system("You are a careful assistant. Answer briefly and exactly; show the arithmetic when there is any.")


@pytest.fixture(scope="module")
def gguf_path():
    require_module("llama_cpp")
    from agent.models.bundles import BUNDLES, bundle_gguf

    return bundle_gguf(BUNDLES["qwen2.5-coder-0.5b"])


def _model(path, **kw):
    from agent.models.llamacpp import LlamaCppModel

    return LlamaCppModel(str(path), **kw)


@pytest.fixture(scope="module")
def model(gguf_path):
    m = _model(gguf_path, n_ctx=4096, n_seq_max=8)
    yield m
    m.close()


def _cold_and_warm(model, req):
    model.decoder.clear()
    [[cold]] = model.generate([req])
    [[warm]] = model.generate([req])
    return cold, warm


def test_a_repeated_request_reads_its_prompt_from_the_cache_and_gives_the_same_tokens(model):
    req = Request([SYSTEM, user("What is 12 * 13?")], SamplingParams(max_tokens=40, logprobs=True))
    evaluated = model.decoder.stats.prompt_tokens
    cold, warm = _cold_and_warm(model, req)
    n = model.count_tokens(req.messages)
    assert (cold.prompt_tokens, cold.cached_tokens, warm.prompt_tokens, warm.cached_tokens) == (n, 0, n, n - 1)
    assert warm.prompt_tokens_evaluated == 1  # the last prompt token, for its logits
    assert model.decoder.stats.prompt_tokens - evaluated == n + 1
    assert warm.text == cold.text and warm.completion_tokens == cold.completion_tokens
    # warm evaluates the last prompt token alone, cold in one batch with the rest: llama.cpp's kernels
    # sum in another order (seen: up to 0.032 apart on this CPU's AVX-512 build), the tokens stay the same
    assert warm.logprobs == pytest.approx(cold.logprobs, abs=0.05)


def test_the_next_turn_of_a_chat_evaluates_only_what_is_new(model):
    first = [SYSTEM, user("Name three prime numbers.")]
    model.decoder.clear()
    [[reply]] = model.generate([Request(first, SamplingParams(max_tokens=30))])
    turn2 = [*first, assistant(reply.text), user("Now add them up.")]
    req = Request(turn2, SamplingParams(max_tokens=30, logprobs=True))
    [[warm]] = model.generate([req])
    # the first turn's prompt and reply are cached (the reply's cells were made while decoding it)
    assert warm.cached_tokens >= model.count_tokens(first) + reply.completion_tokens - 2
    model.decoder.clear()
    [[cold]] = model.generate([req])
    assert cold.cached_tokens == 0
    assert warm.text == cold.text
    # cells made one token at a time (decoding) vs in one batch (a cold prompt): float sums differ a little
    assert warm.logprobs == pytest.approx(cold.logprobs, abs=0.05)


def test_requests_of_one_call_evaluate_a_shared_prefix_once(model):
    shots = [m for i in range(1, 11) for m in (user(f"What is {i} + {i}?"), assistant(f"{2 * i}"))]
    reqs = [Request([system("Reply with the number only."), *shots, user(f"What is {k} + {k}?")],
                    SamplingParams(max_tokens=8)) for k in (20, 21, 22)]
    sent = [model.count_tokens(r.messages) for r in reqs]
    model.decoder.clear()
    before = model.decoder.stats.prompt_tokens
    out = model.generate(reqs)
    evaluated = model.decoder.stats.prompt_tokens - before
    cached = [cs[0].cached_tokens for cs in out]
    assert cached[0] == 0 and min(cached[1:]) > 0.9 * sent[0]
    assert evaluated == sum(s - c for s, c in zip(sent, cached, strict=True)) < 1.1 * sent[0]
    texts = [cs[0].text.strip() for cs in out]
    assert all(t.isdigit() for t in texts) and len(set(texts)) > 1, texts
    # the same answers as each request alone in an empty cache, up to llama.cpp's summation order
    # (the batch's shape differs): measured by `bench/prefix_cache.py agree`


def test_the_samples_of_one_request_evaluate_its_prompt_once_and_say_so(model):
    req = Request([SYSTEM, user("Pick a colour.")], SamplingParams(n=3, temperature=1.0, max_tokens=8, seed=3))
    model.decoder.clear()
    before = model.decoder.stats.prompt_tokens
    [samples] = model.generate([req])
    evaluated = model.decoder.stats.prompt_tokens - before
    n = samples[0].prompt_tokens
    assert [c.prompt_tokens_evaluated for c in samples] == [n, 0, 0]  # samples 2 and 3 share sample 1's cells
    assert sum(c.prompt_tokens_evaluated for c in samples) == evaluated == n


def test_a_streamed_reply_returns_its_completion_with_the_cached_count(model):
    from agent.streams import relay

    first = [SYSTEM, user("Name a fruit.")]
    model.decoder.clear()
    pieces: list[str] = []
    cold = relay(model.stream(first, SamplingParams(max_tokens=12)), pieces.append)
    assert cold.text == "".join(pieces) and cold.cached_tokens == 0
    assert cold.prompt_tokens == model.count_tokens(first) and cold.completion_tokens > 0
    turn2 = [*first, assistant(cold.text), user("And a vegetable?")]
    warm = relay(model.stream(turn2, SamplingParams(max_tokens=12)), pieces.append)
    assert warm.cached_tokens >= cold.prompt_tokens  # the first turn, read from the cache
    assert warm.prompt_tokens_evaluated == warm.prompt_tokens - warm.cached_tokens


def test_kept_sequences_give_way_when_ids_or_cells_run_out(gguf_path):
    m = _model(gguf_path, n_ctx=256, n_seq_max=3)
    try:
        p = SamplingParams(max_tokens=8)
        for i in range(5):  # more ended sequences than ids: the least recently used go
            m.generate([Request([user(f"Say the word number {i}.")], p)])
        assert len(m.decoder.kept) == 3 and m.decoder.stats.evicted == 2
        long = Request([user("Repeat after me: " + "alpha beta gamma delta " * 45)], SamplingParams(max_tokens=4))
        [[c]] = m.generate([long])  # needs almost every cell: kept sequences give theirs
        assert c.completion_tokens > 0 and m.decoder.stats.evicted > 2
        assert c.prompt_tokens > 0.8 * m.decoder.n_cells
        [[again]] = m.generate([long])
        assert again.cached_tokens == again.prompt_tokens - 1
        [samples] = m.generate([Request([user("Pick a colour.")], SamplingParams(n=3, temperature=1.0,
                                                                                 max_tokens=8, seed=1))])
        assert len(samples) == 3 and m.decoder.tree.cells <= m.decoder.n_cells
    finally:
        m.close()


@pytest.mark.slow
def test_a_cache_too_small_for_the_worst_case_preempts_and_gives_the_same_greedy_text(gguf_path, model):
    # counting: a reply that long greedy decoding keeps to, so a resumed sequence that lost its place shows;
    # free text diverges after a few dozen tokens when the batch's shape changes (bench/README.md)
    reqs = [Request([user(f"Count from {a} to {a + 40}, separated by commas.")], SamplingParams(max_tokens=64))
            for a in (1, 100, 200, 300)]
    model.decoder.clear()
    roomy = model.generate(reqs)
    small = _model(gguf_path, n_ctx=256, n_seq_max=4)
    try:
        tight = small.generate(reqs)
        assert small.decoder.stats.preempted > 0  # 4 x (~45 prompt + 64) cells do not fit in 256
        assert small.decoder.stats.max_live == 4  # all four started: admitted on what they use
    finally:
        small.close()
    assert [c[0].completion_tokens for c in tight] == [c[0].completion_tokens for c in roomy]
    assert [c[0].text for c in tight] == [c[0].text for c in roomy]
