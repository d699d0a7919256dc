"""The openai backend and n: servers that ignore it, reject it, or sample it natively.

Against tests/agent/models/openai_stub.py on loopback (fast; the real llama-cpp-python
server is in test_openai_llamacpp.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from agent.errors import ModelError
from agent.models.openai import OpenAIModel
from agent.types import Request, SamplingParams, user
from tests.agent.models.openai_stub import OpenAIStub

QUESTION = [user("What is 2 + 2?")]


def numbered() -> Callable[[dict], str]:
    """A reply rule giving "reply 0", "reply 1", ... across the whole server."""
    count = iter(range(10**6))
    lock = threading.Lock()

    def reply(body: dict) -> str:
        with lock:
            return f"reply {next(count)} seed {body.get('seed')}"

    return reply


def sampled(n: int, seed: int | None = 5) -> Request:
    return Request(QUESTION, SamplingParams(n=n, temperature=0.8, max_tokens=16, seed=seed))


def sent(stub: OpenAIStub) -> list[tuple[int, int]]:
    """(n, seed) of every request the server got, sorted; -1: no seed."""
    return sorted((b.get("n", 1), b.get("seed", -1)) for b in stub.bodies)


@pytest.mark.parametrize("mode", ["ignore", "reject"])
def test_server_without_n_gets_n_requests_with_derived_seeds(mode, capsys):
    with OpenAIStub(numbered(), n_mode=mode) as stub:
        model = OpenAIModel(stub.base_url, max_concurrency=4)
        try:
            (first,) = model.generate([sampled(3)])
            assert len(first) == 3 and len({c.text for c in first}) == 3
            # the first reply is seed+0: either the ignored n=3 request or the n=1 retry after the 400
            expect = [(1, 5), (1, 6), (1, 7), (3, 5)] if mode == "reject" else [(1, 6), (1, 7), (3, 5)]
            assert sent(stub) == expect
            assert (400 in stub.statuses) == (mode == "reject")
            assert model.single_choice_urls == {stub.base_url}
            # later calls go straight to n requests of n=1, the seeds seed+0 .. seed+n-1
            stub.bodies.clear()
            out = model.generate([sampled(3, seed=100), sampled(2, seed=None), sampled(1)])
            assert [len(c) for c in out] == [3, 2, 1]
            assert sent(stub) == [(1, -1), (1, -1), (1, 5), (1, 100), (1, 101), (1, 102)]
            assert sorted(c.text.split(" seed ")[1] for c in out[0]) == ["100", "101", "102"]
        finally:
            model.close()
    lines = [x for x in capsys.readouterr().err.splitlines() if "[playground]" in x]
    assert lines == [f"[playground] {stub.base_url} gives one completion per request whatever n is: "
                     "sending n requests of n=1 to it from now on"]


def test_each_request_counts_its_own_prompt_and_completion_tokens():
    with OpenAIStub(lambda body: "four words right here", n_mode="ignore") as stub:
        model = OpenAIModel(stub.base_url)
        try:
            (comps,) = model.generate([sampled(4)])
        finally:
            model.close()
    assert len(stub.bodies) == 4
    prompt = len("What is 2 + 2?".split()) + 3
    assert [(c.prompt_tokens, c.completion_tokens) for c in comps] == [(prompt, 4)] * 4


def test_native_n_is_one_request_and_nothing_is_remembered():
    with OpenAIStub(numbered(), n_mode="native") as stub:
        model = OpenAIModel(stub.base_url)
        try:
            out = model.generate([sampled(3), sampled(2)])
        finally:
            model.close()
    assert [len(c) for c in out] == [3, 2] and sent(stub) == [(2, 5), (3, 5)]
    assert model.single_choice_urls == set()


def test_bad_request_is_still_an_error_and_the_server_is_not_marked():
    with OpenAIStub(numbered(), n_mode="reject", max_words=20) as stub:
        model = OpenAIModel(stub.base_url, max_retries=1)
        try:
            with pytest.raises(ModelError, match="HTTP 400: .*exceeds the context size"):
                model.generate([Request([user("word " * 40)], SamplingParams(n=3, temperature=1.0))])
            assert model.single_choice_urls == set()
            with pytest.raises(ModelError, match="HTTP 400"):
                model.generate([Request([user("word " * 40)], SamplingParams(n=1))])
        finally:
            model.close()
    assert len(stub.bodies) == 3  # n=3 refused, the n=1 retry refused too; then the n=1 call: no retries


def test_at_most_max_concurrency_in_flight_across_threads():
    with OpenAIStub(numbered(), n_mode="ignore", delay_s=0.05) as stub:
        model = OpenAIModel(stub.base_url, max_concurrency=3)
        try:
            model.generate([sampled(2)])  # learn that the server ignores n
            stub.max_in_flight = 0
            threads = [threading.Thread(target=model.generate, args=([sampled(4), sampled(3)],)) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
        finally:
            model.close()
    assert len(stub.bodies) == 2 + 4 * 7
    assert stub.max_in_flight == 3
