"""The vllm backend against the real in-process engine with the tiny random Qwen2.

One engine for the module (starting vLLM on CPU takes ~1 minute); the last test
closes it and checks no engine process is left behind.
"""

from __future__ import annotations

import sys

import pytest

from agent.config import ModelConfig
from agent.errors import BackendUnavailableError
from agent.types import Request, SamplingParams, system, user
from tests.agent.models.vllm_server import pid_alive

PROMPTS = [
    [user("hi")],
    [system("You are terse."), user("Count to three.")],
    [user("Explain, step by step, how a hash map handles collisions. " * 12)],
]


@pytest.fixture(scope="module")
def model(tiny_model_dir):
    pytest.importorskip("vllm")
    from agent.models.vllm import VLLMModel

    m = VLLMModel.from_config(ModelConfig(backend="vllm", model=str(tiny_model_dir), max_model_len=1024))
    yield m
    m.close()


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model_dir)


def _template_len(tokenizer, messages) -> int:
    ids = tokenizer.apply_chat_template([m.to_dict() for m in messages], add_generation_prompt=True,
                                        tokenize=True, return_dict=True)["input_ids"]
    return len(ids)


def greedy(max_tokens: int = 16, **kw) -> SamplingParams:
    return SamplingParams(temperature=0.0, max_tokens=max_tokens, **kw)


def test_missing_vllm_is_backend_unavailable(monkeypatch):
    from agent.models.vllm import VLLMModel

    monkeypatch.setitem(sys.modules, "vllm", None)
    with pytest.raises(BackendUnavailableError, match=r"pip install 'llm-playground\[vllm"):
        VLLMModel("/nonexistent")


@pytest.mark.vllm
@pytest.mark.slow
@pytest.mark.tiny_model
@pytest.mark.timeout(600)
def test_batch_of_different_lengths_counts_tokens_like_the_tokenizer(model, tokenizer):
    assert model.backend == "vllm" and model.context_length == 1024
    out = model.generate([Request(p, greedy(12)) for p in PROMPTS])
    assert [len(c) for c in out] == [1, 1, 1]
    lengths = [c[0].prompt_tokens for c in out]
    assert lengths == [_template_len(tokenizer, p) for p in PROMPTS]
    assert len(set(lengths)) == 3 and max(lengths) > 100
    assert [model.count_tokens(p) for p in PROMPTS] == lengths
    for (c,) in out:
        assert 1 <= c.completion_tokens <= 12
        assert c.finish_reason in ("stop", "length")
        assert c.logprobs is None
        assert c.text


@pytest.mark.vllm
@pytest.mark.slow
@pytest.mark.tiny_model
def test_n_samples_and_max_tokens_length(model):
    (samples,) = model.generate([Request(PROMPTS[1], SamplingParams(n=3, temperature=1.0, max_tokens=6))])
    assert len(samples) == 3
    assert len({s.text for s in samples}) > 1  # sampled, not copies
    for s in samples:
        assert s.finish_reason == "length" and s.completion_tokens == 6


@pytest.mark.vllm
@pytest.mark.slow
@pytest.mark.tiny_model
def test_stop_string_cuts_the_text(model):
    (full,) = model.generate([Request(PROMPTS[0], greedy(24))])[0]
    stop = full.text[len(full.text) // 2:][:3]
    assert stop.strip(), full.text
    (cut,) = model.generate([Request(PROMPTS[0], greedy(24, stop=(stop,)))])[0]
    assert cut.finish_reason == "stop"
    assert cut.text == full.text[:full.text.index(stop)]
    assert cut.completion_tokens < full.completion_tokens


@pytest.mark.vllm
@pytest.mark.slow
@pytest.mark.tiny_model
def test_logprobs_one_per_token(model):
    (c,) = model.generate([Request(PROMPTS[1], SamplingParams(temperature=1.0, max_tokens=8, logprobs=True))])[0]
    assert c.logprobs is not None and len(c.logprobs) == c.completion_tokens
    assert all(lp <= 0.0 for lp in c.logprobs)
    assert c.mean_logprob is not None and c.mean_logprob < 0


@pytest.mark.vllm
@pytest.mark.slow
@pytest.mark.tiny_model
def test_greedy_batched_equals_one_by_one_and_stream(model):
    batched = [c[0].text for c in model.generate([Request(p, greedy(10)) for p in PROMPTS])]
    single = [model.generate([Request(p, greedy(10))])[0][0].text for p in PROMPTS]
    assert batched == single
    assert "".join(model.stream(PROMPTS[1], greedy(10))) == batched[1]


@pytest.mark.vllm
@pytest.mark.slow
@pytest.mark.tiny_model
def test_prefill_is_continued(model, tokenizer):
    prefill = "The answer is"
    (c,) = model.generate([Request(PROMPTS[0], greedy(8), prefill=prefill)])[0]
    assert c.prompt_tokens == len(tokenizer(model.render(PROMPTS[0]) + prefill, add_special_tokens=False)["input_ids"])
    assert model.render(PROMPTS[0], prefill).endswith("<|im_start|>assistant\n" + prefill)
    assert c.completion_tokens >= 1 and c.text


@pytest.mark.vllm
@pytest.mark.slow
@pytest.mark.tiny_model
def test_the_engines_prefix_cache_hits_are_counted(model):
    req = Request([user("List the colours of the rainbow, then say which has the longest wavelength. " * 24)],
                  greedy(4))
    # vLLM on CPU caches whole blocks of 128 tokens: the prompt spans several
    [[first]] = model.generate([req])
    [[again]] = model.generate([req])
    assert first.cached_tokens is not None
    assert 0 < again.cached_tokens <= again.prompt_tokens and again.cached_tokens > first.cached_tokens
    assert again.text == first.text


def test_close_leaves_no_engine_process(model):
    pids = set(model._engine_pids)
    assert pids and any(pid_alive(p) for p in pids)
    model.close()
    assert not [p for p in pids if pid_alive(p)]
    model.close()  # idempotent
