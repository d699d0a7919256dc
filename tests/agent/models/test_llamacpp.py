"""The llamacpp backend with the real 0.5B GGUF (offline bundle): chat template,
token counts, batched decoding (one prompt evaluation shared by n samples),
seeds, logprobs, stop strings, streaming, and the AMX/repacking crash guard."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from agent.config import ModelConfig
from agent.errors import ModelNotFoundError
from agent.types import Message, Request, SamplingParams, assistant, system, user
from tests.requirements import require_module

pytestmark = [pytest.mark.llamacpp, pytest.mark.real_model]

CONVERSATIONS = [
    [user("What is 7*8?")],
    [system("You are terse."), user("Count to three.")],
    [system("Be helpful."), user("hi"), assistant("Hello! How can I help?"), user("Write `print(1)` in Python.")],
    [user("Ünïcödé ✓ and emoji 🙂, tabs\tand\nnewlines")],
]


@pytest.fixture(scope="module")
def gguf_path():
    require_module("llama_cpp")
    from agent.models.bundles import BUNDLES, bundle_gguf

    try:
        return bundle_gguf(BUNDLES["qwen2.5-coder-0.5b"])
    except ModelNotFoundError as e:
        pytest.fail(f"the 0.5B offline bundle is needed for these tests: {e}")


@pytest.fixture(scope="module")
def model(gguf_path):
    from agent.models.llamacpp import LlamaCppModel

    m = LlamaCppModel(str(gguf_path), n_ctx=4096, n_seq_max=16)
    yield m
    m.close()


def test_chat_template_and_tokens_match_transformers(model, default_model_dir):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(default_model_dir)
    for conv in CONVERSATIONS:
        expected = tok.apply_chat_template([m.to_dict() for m in conv], tokenize=False, add_generation_prompt=True)
        assert model.render(conv) == expected
        assert model.encode(conv) == tok(expected, add_special_tokens=False)["input_ids"]
        assert model.count_tokens(conv) == len(model.encode(conv))
    assert model.encode(CONVERSATIONS[0], prefill="The answer") == \
        tok(model.render(CONVERSATIONS[0]) + "The answer", add_special_tokens=False)["input_ids"]


def test_greedy_stops_at_end_of_turn_and_counts_tokens(model):
    req = Request([user("What is 7*8? Reply with the number only.")], SamplingParams(max_tokens=32))
    [[c]] = model.generate([req])
    assert "56" in c.text and c.finish_reason == "stop"
    assert "<|im_end|>" not in c.text
    assert c.prompt_tokens == model.count_tokens(req.messages)
    assert 1 <= c.completion_tokens < 32  # the end-of-turn token is counted, as in the other backends
    [[again]] = model.generate([req])
    assert again.text == c.text


def test_length_limit(model):
    [[c]] = model.generate([Request([user("Write a long story about a dragon.")], SamplingParams(max_tokens=7))])
    assert c.finish_reason == "length" and c.completion_tokens == 7


def test_n_samples_share_one_prompt_evaluation_and_are_seeded(model):
    req = Request([user("Name a random fruit.")], SamplingParams(n=6, temperature=1.0, max_tokens=12, seed=7))
    model.decoder.clear()  # nothing cached from earlier tests (their system prompt is this one's)
    before = model.decoder.stats.prompt_tokens
    [a] = model.generate([req])
    assert model.decoder.stats.prompt_tokens - before == model.count_tokens(req.messages)
    assert model.decoder.stats.max_live >= 6
    assert len(a) == 6 and len({c.text for c in a}) > 1
    model.decoder.clear()  # the same cache state: a cached prompt may tip a sample (tests/agent/models/test_llamacpp_cache.py)
    [b] = model.generate([req])
    assert [c.text for c in a] == [c.text for c in b]  # same seed, same samples
    model.decoder.clear()
    [other] = model.generate([Request(req.messages, SamplingParams(n=6, temperature=1.0, max_tokens=12, seed=8))])
    assert [c.text for c in other] != [c.text for c in a]


def test_many_requests_decode_together(model):
    questions = [f"What is {i} + {i}? Reply with the number only." for i in range(1, 9)]
    reqs = [Request([user(q)], SamplingParams(max_tokens=16)) for q in questions]
    calls = model.decoder.stats.decode_calls
    out = model.generate(reqs)
    assert [len(cs) for cs in out] == [1] * 8
    assert all(str(2 * i) in cs[0].text for i, cs in zip(range(1, 9), out, strict=True))
    assert model.decoder.stats.decode_calls - calls <= 16 + 1  # steps, not steps x requests
    alone = model.generate([reqs[2]])[0][0]
    assert alone.text == out[2][0].text


def test_logprobs_and_stop_strings(model):
    p = SamplingParams(max_tokens=40, logprobs=True, stop=("3",))
    [[c]] = model.generate([Request([user("Count from 1 to 5, separated by commas.")], p)])
    assert c.logprobs is not None and len(c.logprobs) == c.completion_tokens
    assert all(lp <= 0 for lp in c.logprobs)
    assert c.finish_reason == "stop" and "3" not in c.text and "2" in c.text


def test_stream_matches_generate(model):
    msgs = [user("Say hello in French, one word.")]
    p = SamplingParams(max_tokens=20)
    streamed = "".join(model.stream(msgs, p))
    assert streamed == model.generate([Request(msgs, p)])[0][0].text


def test_prompt_longer_than_context_gives_empty_length(model):
    long = [Message("user", "word " * 5000)]
    [[c]] = model.generate([Request(long, SamplingParams(max_tokens=8))])
    assert c.finish_reason == "length" and c.completion_tokens == 0


def test_backend_auto_picks_llamacpp_for_the_offline_models():
    require_module("llama_cpp")
    from agent.models import resolved_backend

    assert resolved_backend(ModelConfig()).backend == "llamacpp"
    assert resolved_backend(ModelConfig(model="qwen2.5-coder-0.5b")).backend == "llamacpp"
    assert resolved_backend(ModelConfig(backend="openai")).backend == "openai"


def test_decode_with_weight_repacking_does_not_crash(gguf_path):
    """The native build of llama.cpp segfaults here on AMX CPUs (first decode, repacked weights).
    Run in a child so a crash is a clear failure, not a dead test session."""
    code = textwrap.dedent(f"""
        from agent.models.llamacpp import LlamaCppModel
        from agent.types import Request, SamplingParams, user
        m = LlamaCppModel({str(gguf_path)!r}, n_ctx=512, n_seq_max=2, use_extra_bufts=True)
        [[c]] = m.generate([Request([user("hi")], SamplingParams(max_tokens=4))])
        print("decoded", c.completion_tokens)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, (f"llama.cpp decode crashed (exit {done.returncode}); rebuild llama-cpp-python "
                                  f"with setup.sh's flags (AMX off). stderr: {done.stderr[-2000:]}")
    assert "decoded" in done.stdout
