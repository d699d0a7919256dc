"""The openai backend against a real llama-cpp-python server (the 0.5B GGUF) on 127.0.0.1.

That server ignores n (one choice per request): best-of-k, the parallel strategy and
`playground eval --strategy parallel` must still get k samples, from k requests with
seeds seed+i. The same server behind tests/agent/models/openai_stub.py relaying every request
but answering n != 1 with HTTP 400 stands in for llama.cpp's llama-server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from agent.models.openai import OpenAIModel
from agent.types import Request, Sample, SamplingParams, user
from tests.agent.models.openai_stub import OpenAIStub
from tests.agent.models.vllm_server import free_port
from tests.requirements import require_module

pytestmark = [pytest.mark.llamacpp, pytest.mark.real_model, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
SERVER_MODULES = ("llama_cpp", "fastapi", "uvicorn", "sse_starlette", "starlette_context", "pydantic_settings")
CREATIVE = [user("Name one animal and one colour, nothing else.")]


@pytest.fixture(scope="module")
def gguf() -> Path:
    """The 0.5B Qwen2.5-Coder-Instruct Q4_K_M GGUF, joined once from its offline bundle
    (after checking that llama-cpp-python's server can run at all)."""
    from agent.errors import ModelNotFoundError
    from agent.models.bundles import bundle_gguf

    for name in SERVER_MODULES:
        require_module(name)
    try:
        return bundle_gguf("qwen2.5-coder-0.5b")
    except ModelNotFoundError as e:
        pytest.fail(f"the 0.5B offline bundle is needed for these tests: {e}")


@contextmanager
def llama_server(gguf: Path, log: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """llama-cpp-python's server on a free port of 127.0.0.1: (its base URL, its process)."""
    port = free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host",
                                 "127.0.0.1", "--port", str(port), "--n_ctx", "2048"],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "llama-cpp-python server did not start in 180 s"
            try:
                if httpx.get(url + "/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        yield url, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGCONT)
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)


@pytest.fixture(scope="module")
def server(gguf, tmp_path_factory):
    with llama_server(gguf, tmp_path_factory.mktemp("llamacpp-server") / "server.log") as (url, _):
        yield url


@pytest.fixture
def model(server):
    m = OpenAIModel(server, max_concurrency=3, request_timeout=300)
    yield m
    m.close()


def sampled(n: int, seed: int, max_tokens: int = 16) -> SamplingParams:
    return SamplingParams(n=n, temperature=1.0, max_tokens=max_tokens, seed=seed)


def test_best_of_k_gets_k_samples_from_k_seeded_requests(model, capsys):
    prompt_tokens = model.count_tokens(CREATIVE)  # a 1-token completion's usage.prompt_tokens
    # the server's sample for a seed depends on what its KV cache held before (measured: seed 11's
    # first sample after that 1-token completion differs from every later one), so one sampled
    # request first puts it in the state every request below starts from
    model.generate([Request(CREATIVE, sampled(1, seed=99))])
    (first,) = model.generate([Request(CREATIVE, sampled(4, seed=11))])
    assert len(first) == 4 and model.single_choice_urls == set(model.base_urls)
    assert len({c.text for c in first}) > 1  # four seeds, not four copies of one sample
    # the prompt was processed once per request: each completion carries its request's count
    assert [c.prompt_tokens for c in first] == [prompt_tokens] * 4
    assert all(1 <= c.completion_tokens <= 16 and c.text for c in first)
    # from now on four requests of n=1 at once, seeds 11..14: the same samples again
    (again,) = model.generate([Request(CREATIVE, sampled(4, seed=11))])
    assert [c.text for c in again] == [c.text for c in first]
    (shifted,) = model.generate([Request(CREATIVE, sampled(2, seed=12))])
    assert [c.text for c in shifted] == [c.text for c in first[1:3]]
    err = capsys.readouterr().err
    assert err.count("gives one completion per request whatever n is") == 1, err


def test_parallel_strategy_votes_over_k_samples(model):
    from agent.scaling import run_strategy

    sample = Sample("add", "What is 6 + 7?", "13", kind="number")
    (result,) = run_strategy(model, [sample], "parallel", 3, method="direct",
                             params=SamplingParams(temperature=0.7, max_tokens=32, seed=3))
    assert len(result.attempts) == 3 and len(result.choice.answers) > 0
    assert all(a.prompt_tokens == result.attempts[0].prompt_tokens > 0 for a in result.attempts)
    assert result.answer in {a.answer for a in result.attempts}


def test_server_rejecting_n_gets_the_same_seeded_samples(model, server):
    # a seed's sample depends on what the server's KV cache held before (see the test above):
    # one sampled request of this prompt first, so the reference and the relayed requests start alike
    model.generate([Request(CREATIVE, sampled(1, seed=99))])
    reference = model.generate([Request(CREATIVE, sampled(1, seed=21)), Request(CREATIVE, sampled(1, seed=22))])
    with OpenAIStub(upstream=server, n_mode="reject") as stub:
        strict = OpenAIModel(stub.base_url, max_concurrency=2, request_timeout=300)
        try:
            (comps,) = strict.generate([Request(CREATIVE, sampled(2, seed=21))])
            assert stub.statuses.count(400) == 1 and strict.single_choice_urls == {stub.base_url}
            assert [c.text for c in comps] == [r[0].text for r in reference]
            stub.bodies.clear()
            assert len(strict.generate([Request(CREATIVE, sampled(3, seed=5))])[0]) == 3
            assert [b["n"] for b in stub.bodies] == [1, 1, 1] and stub.statuses.count(400) == 1
        finally:
            strict.close()


def test_eval_with_parallel_strategy_against_the_server(server, tmp_path):
    """`playground eval --strategy parallel --budget 3`: was "server returned 1 choices, expected 3"."""
    data = tmp_path / "q.jsonl"
    data.write_text("".join(json.dumps({"id": f"q{a}", "question": f"What is {a} + {a + 1}?",
                                        "answer": str(2 * a + 1)}) + "\n" for a in (2, 5)))
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "playground", "eval", "--task", "jsonl", "--data", str(data),
                        "--question-field", "question", "--answer-field", "answer", "--id-field", "id",
                        "--backend", "openai", "--base-url", server, "--method", "direct", "--strategy",
                        "parallel", "--budget", "3", "--temperature", "0.7", "--max-tokens", "32", "--out",
                        str(out), "--no-progress"], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("gives one completion per request whatever n is") == 1, r.stderr
    report = json.loads((out / "results.json").read_text())
    assert report["summary"]["errors"] == 0 and report["summary"]["graded"] == 2
    from evals.store import ResultStore

    with ResultStore.in_dir(out) as store:
        (run,) = store.runs()
        attempts = store.attempts(run["run_id"])
    assert sorted(a["sample_id"] for a in attempts) == ["q2"] * 3 + ["q5"] * 3
    assert all(a["prompt_tokens"] > 0 and a["completion_tokens"] > 0 for a in attempts)


@pytest.mark.parametrize("fault", ["SIGKILL", "SIGSTOP"])
@pytest.mark.timeout(600)
def test_a_replica_killed_or_stopped_mid_batch_the_other_answers_every_request(gguf, server, tmp_path, capsys,
                                                                               fault):
    """Two replicas (issue 29); one killed (SIGKILL) or stopped (SIGSTOP: it accepts and never
    answers) while a batch is in flight: every request is answered once, by the one left, the
    same greedy text as a single server gives, and stderr says which replica failed."""
    questions = [Request([user(f"What is {i} + {i + 3}? Answer with the number.")],
                         SamplingParams(temperature=0.0, max_tokens=24)) for i in range(8)]
    alone = OpenAIModel(server, max_concurrency=2, request_timeout=300)
    try:
        reference = [c[0].text for c in alone.generate(questions)]
    finally:
        alone.close()
    with llama_server(gguf, tmp_path / "second.log") as (second, proc):
        both = OpenAIModel([second, server], max_concurrency=2, max_retries=4, request_timeout=20)
        result: dict = {}

        def run() -> None:
            try:
                result["texts"] = [c[0].text for c in both.generate(questions)]
            except Exception as e:  # noqa: BLE001 - the test inspects it
                result["error"] = e

        worker = threading.Thread(target=run)
        worker.start()
        time.sleep(1.5)  # requests in flight on both
        os.killpg(proc.pid, getattr(signal, fault))
        worker.join(timeout=400)
        both.close()
    assert not worker.is_alive() and "error" not in result, result
    assert result["texts"] == reference
    err = capsys.readouterr().err
    assert f"replica {second} failed" in err, err
