"""What an OpenAI-compatible server says about its prompt cache (agent/models/openai_usage.py): read
from OpenAI's and vLLM's `prompt_tokens_details`, from llama-server's `timings`, or not at all; and
`cache_prompt` sent to llama.cpp's server only. The stub on loopback stands in for llama-server (a
real vLLM server reporting cached tokens is in test_openai.py)."""

from __future__ import annotations

from agent.models.openai import OpenAIModel
from agent.models.openai_usage import cached_prompt_tokens, speaks_cache_prompt
from agent.types import Request, SamplingParams, assistant, system, user
from tests.agent.models.openai_stub import OpenAIStub


def test_cached_tokens_are_read_from_each_servers_own_field():
    vllm = {"usage": {"prompt_tokens": 300, "prompt_tokens_details": {"cached_tokens": 256}}}
    assert cached_prompt_tokens(vllm, 300) == 256
    llama_server = {"usage": {"prompt_tokens": 300}, "timings": {"prompt_n": 12, "cache_n": 288}}
    assert cached_prompt_tokens(llama_server, 300) == 288
    older_llama_server = {"usage": {"prompt_tokens": 300}, "timings": {"prompt_n": 12}}
    assert cached_prompt_tokens(older_llama_server, 300) == 288
    assert cached_prompt_tokens({"usage": {"prompt_tokens": 300}}, 300) is None  # says nothing: not guessed
    assert cached_prompt_tokens({"usage": {"prompt_tokens_details": {"cached_tokens": None}}}, 300) is None
    assert cached_prompt_tokens({"timings": {"cache_n": 999}}, 300) == 300  # never more than the prompt


def test_cache_prompt_goes_to_llama_cpp_servers_only():
    assert speaks_cache_prompt([{"id": "m", "owned_by": "llamacpp"}])
    assert not speaks_cache_prompt([{"id": "m", "owned_by": "vllm"}])
    assert not speaks_cache_prompt([{"id": "m"}])


def test_a_llama_server_keeps_the_chat_and_says_how_much_of_the_next_turn_it_had():
    first = [system("You are terse."), user("Name a prime number.")]
    with OpenAIStub(lambda body: "seven", owned_by="llamacpp") as stub:
        model = OpenAIModel(stub.base_url)
        assert model.cache_prompt
        [[one]] = model.generate([Request(first, SamplingParams(max_tokens=8))])
        turn2 = [*first, assistant(one.text), user("And another?")]
        [[two]] = model.generate([Request(turn2, SamplingParams(max_tokens=8))])
        assert all(body["cache_prompt"] is True for body in stub.bodies)
        held = model.count_tokens(first)
    assert (one.cached_tokens, one.prompt_tokens_evaluated) == (0, one.prompt_tokens)
    # the system prompt and the first question were in the slot; the reply and the new question were not
    assert two.cached_tokens == held > 0
    assert two.prompt_tokens_evaluated == two.prompt_tokens - two.cached_tokens


def test_a_server_that_does_not_say_gets_no_cache_prompt_and_no_guess():
    with OpenAIStub(lambda body: "seven") as stub:
        model = OpenAIModel(stub.base_url)
        [[c]] = model.generate([Request([user("Name a prime number.")], SamplingParams(max_tokens=8))])
        assert "cache_prompt" not in stub.bodies[0] and not model.cache_prompt
    assert c.cached_tokens is None and c.prompt_tokens_evaluated is None
