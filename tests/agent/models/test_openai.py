"""The openai backend against a real vLLM server (tiny random Qwen2) on loopback.

One server for the module; the last test kills it under a running batch.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from agent.config import ModelConfig
from agent.errors import BackendUnavailableError, ModelError
from agent.types import Request, SamplingParams, system, user
from tests.agent.models.vllm_server import VLLMServer, free_port

PROMPTS = [
    [user("hi")],
    [system("You are terse."), user("Count to three.")],
    [user("Explain, step by step, how a hash map handles collisions. " * 12)],
]


@pytest.fixture(scope="module")
def server(tiny_model_dir, tmp_path_factory):
    pytest.importorskip("vllm")
    s = VLLMServer(tiny_model_dir, tmp_path_factory.mktemp("vllm-server") / "server.log")
    s.start(timeout_s=400)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def model(server):
    from agent.models.openai import OpenAIModel

    m = OpenAIModel.from_config(ModelConfig(backend="openai", base_url=[server.base_url], max_retries=2,
                                            max_concurrency=4, request_timeout=120))
    yield m
    m.close()


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model_dir)


def _render(tokenizer, messages) -> str:
    return tokenizer.apply_chat_template([m.to_dict() for m in messages], add_generation_prompt=True,
                                         tokenize=False)


def _count(tokenizer, text: str) -> int:
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def greedy(max_tokens: int = 12, **kw) -> SamplingParams:
    return SamplingParams(temperature=0.0, max_tokens=max_tokens, **kw)


# ----------------------------------------------------------------- no server


def test_unreachable_url_is_backend_unavailable():
    from agent.models.openai import OpenAIModel

    port = free_port()
    t0 = time.monotonic()
    with pytest.raises(BackendUnavailableError) as e:
        OpenAIModel.from_config(ModelConfig(backend="openai", base_url=[f"http://127.0.0.1:{port}/v1"]))
    assert str(e.value) == f"cannot reach http://127.0.0.1:{port}/v1: connection refused"
    assert e.value.exit_code == 2 and time.monotonic() - t0 < 10


def test_cli_unreachable_server_exits_2_with_one_line():
    port = free_port()
    proc = subprocess.run([sys.executable, "-m", "playground", "ask", "hi", "--backend", "openai",
                           "--base-url", f"http://127.0.0.1:{port}/v1"],
                          capture_output=True, text=True, timeout=120)
    if "not available yet" in proc.stderr:
        pytest.skip("`playground ask` is not built yet")
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"cannot reach http://127.0.0.1:{port}/v1" in lines[0], proc.stderr


# --------------------------------------------------------------- real server


@pytest.mark.vllm
@pytest.mark.slow
@pytest.mark.tiny_model
@pytest.mark.timeout(600)
def test_server_model_and_token_counts(model, tokenizer, tiny_model_dir):
    assert model.name == str(tiny_model_dir) and model.context_length == 1024
    out = model.generate([Request(p, greedy(8)) for p in PROMPTS])
    assert [c[0].prompt_tokens for c in out] == [_count(tokenizer, _render(tokenizer, p)) for p in PROMPTS]
    assert [model.count_tokens(p) for p in PROMPTS] == [c[0].prompt_tokens for c in out]
    for (c,) in out:
        assert c.text and c.logprobs is None
        assert c.completion_tokens == 8 if c.finish_reason == "length" else 1 <= c.completion_tokens <= 8


@pytest.mark.vllm
@pytest.mark.slow
@pytest.mark.tiny_model
def test_batch_with_n_samples(model):
    out = model.generate([Request(PROMPTS[1], SamplingParams(n=3, temperature=1.0, max_tokens=6)),
                          Request(PROMPTS[0], greedy(5))])
    assert [len(c) for c in out] == [3, 1]
    assert len({s.text for s in out[0]}) > 1
    assert all(s.finish_reason == "length" and s.completion_tokens == 6 for s in out[0])
    assert out[1][0].completion_tokens == 5


@pytest.mark.vllm
@pytest.mark.slow
@pytest.mark.tiny_model
def test_stop_and_logprobs(model):
    (full,) = model.generate([Request(PROMPTS[0], greedy(24, logprobs=True))])[0]
    assert full.logprobs is not None and len(full.logprobs) == full.completion_tokens
    assert all(lp <= 0 for lp in full.logprobs)
    stop = full.text[len(full.text) // 2:][:3]
    assert stop.strip(), full.text
    (cut,) = model.generate([Request(PROMPTS[0], greedy(24, stop=(stop,)))])[0]
    assert cut.finish_reason == "stop"
    assert cut.text == full.text[:full.text.index(stop)]


@pytest.mark.vllm
@pytest.mark.slow
@pytest.mark.tiny_model
def test_prefill_continues_the_assistant_message(model, tokenizer):
    prefill = "The answer is"
    (c,) = model.generate([Request(PROMPTS[0], greedy(6), prefill=prefill)])[0]
    assert c.prompt_tokens == _count(tokenizer, _render(tokenizer, PROMPTS[0]) + prefill)
    assert c.completion_tokens >= 1


@pytest.mark.vllm
@pytest.mark.slow
@pytest.mark.tiny_model
def test_a_repeated_prompt_is_read_from_the_servers_prefix_cache(model):
    req = Request([user("Describe, in order, the planets of the solar system and one fact about each. " * 24)],
                  greedy(4))
    # vLLM on CPU caches whole blocks of 128 tokens: the prompt spans several
    [[first]] = model.generate([req])
    [[again]] = model.generate([req])
    assert first.cached_tokens is not None and not model.cache_prompt  # vLLM's cards: no llama.cpp field sent
    assert 0 < again.cached_tokens <= again.prompt_tokens and again.cached_tokens > first.cached_tokens
    assert again.prompt_tokens_evaluated == again.prompt_tokens - again.cached_tokens
    assert again.text == first.text


def test_concurrent_batch_in_order_over_two_urls(model, server):
    from agent.models.openai import OpenAIModel

    prompts = [[user(f"Item {i}: " + "word " * (i * 7))] for i in range(8)]
    single = [model.generate([Request(p, greedy(6))])[0][0].text for p in prompts]
    spread = OpenAIModel([server.base_url, server.base_url.removesuffix("/v1")], max_concurrency=3)
    try:
        batched = [c[0].text for c in spread.generate([Request(p, greedy(6)) for p in prompts])]
    finally:
        spread.close()
    assert batched == single
    assert "".join(model.stream(prompts[3], greedy(6))) == single[3]


@pytest.mark.vllm
@pytest.mark.slow
@pytest.mark.tiny_model
@pytest.mark.timeout(120)
def test_server_killed_mid_batch_is_model_error(model, server):
    result: dict = {}

    def run():
        t0 = time.monotonic()
        try:
            model.generate([Request([user(f"story {i}")], SamplingParams(temperature=1.0, max_tokens=900))
                            for i in range(6)])
        except Exception as e:  # noqa: BLE001 - the test inspects it
            result["error"] = e
        result["s"] = time.monotonic() - t0

    worker = threading.Thread(target=run)
    worker.start()
    time.sleep(2)
    killed = time.monotonic()
    server.stop()
    worker.join(timeout=60)
    assert not worker.is_alive(), "generate hung after the server died"
    assert isinstance(result.get("error"), ModelError), result
    assert time.monotonic() - killed < 30
    with pytest.raises((ModelError, BackendUnavailableError)):
        model.generate([Request(PROMPTS[0], greedy(4))])
