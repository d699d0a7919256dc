"""Replicas that fail over (issue 29): two `--base-url` servers, one killed with SIGKILL or
stopped with SIGSTOP (accepts, never answers) mid-batch; the requests go to the one that
still answers, every answer comes once, and stderr says which replica failed and when. With
every replica gone the run stops with one line and `--resume` finishes it.

Each replica is tests/agent/models/openai_stub.py in a process of its own on 127.0.0.1 (it adds
the numbers of the question), so the signals are real; the same with llama-cpp-python's
server and the 0.5B model is in test_openai_llamacpp.py."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from agent.errors import BackendLostError
from agent.models.openai import OpenAIModel
from agent.types import Request, SamplingParams, user
from tests.agent.models.vllm_server import free_port

ROOT = Path(__file__).resolve().parents[3]
GREEDY = SamplingParams(temperature=0.0, max_tokens=16)


class Replica:
    def __init__(self, delay_s: float = 0.0, serial: bool = False, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        args = [sys.executable, "-m", "tests.agent.models.openai_stub", str(self.port), str(delay_s)]
        self.proc = subprocess.Popen(args + (["serial"] if serial else []), cwd=ROOT, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            assert self.proc.poll() is None, "the stub replica exited"
            assert time.monotonic() < deadline, "the stub replica did not start in 30 s"
            try:
                if httpx.get(self.url + "/models", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)

    def signal(self, sig: int) -> None:
        os.kill(self.proc.pid, sig)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.signal(signal.SIGCONT)
            self.proc.kill()
        self.proc.wait(timeout=10)


@pytest.fixture
def replicas():
    started: list[Replica] = []

    def start(**kw: object) -> Replica:
        started.append(Replica(**kw))  # type: ignore[arg-type]
        return started[-1]

    yield start
    for r in started:
        r.close()


def questions(k: int) -> list[Request]:
    return [Request([user(f"What is {i} + 100?")], GREEDY) for i in range(k)]


def answers(out: list) -> list[str]:
    return [c[0].text for c in out]


def expected(k: int) -> list[str]:
    return [f"The answer is {i + 100}." for i in range(k)]


def generate_in_thread(model: OpenAIModel, requests: list[Request]) -> tuple[threading.Thread, dict]:
    result: dict = {}

    def run() -> None:
        try:
            result["out"] = model.generate(requests)
        except Exception as e:  # noqa: BLE001 - the test inspects it
            result["error"] = e

    worker = threading.Thread(target=run)
    worker.start()
    return worker, result


@pytest.mark.timeout(120)
def test_replica_killed_mid_batch_the_other_answers_every_request_once(replicas, capsys):
    a, b = replicas(delay_s=0.4), replicas(delay_s=0.4)
    model = OpenAIModel([a.url, b.url], max_concurrency=4, max_retries=4, request_timeout=30)
    try:
        worker, result = generate_in_thread(model, questions(24))
        time.sleep(1.0)
        killed = time.strftime("%H:%M")
        a.signal(signal.SIGKILL)
        worker.join(timeout=90)
        assert not worker.is_alive()
        assert answers(result["out"]) == expected(24), result
        model.generate(questions(2))  # the dead replica costs nothing more: no wait on it
    finally:
        model.close()
    err = capsys.readouterr().err
    (line,) = [x for x in err.splitlines() if "failed" in x]
    assert a.url in line and "its requests go to the other 1" in line, err
    assert re.search(rf"\] {killed}:\d\d replica ", line), line  # when it failed


@pytest.mark.timeout(120)
def test_stopped_replica_a_stalled_request_is_given_up_and_sent_to_the_other(replicas, capsys):
    a, b = replicas(delay_s=0.2), replicas(delay_s=0.2)
    model = OpenAIModel([a.url, b.url], max_concurrency=4, max_retries=4, request_timeout=2)
    a.signal(signal.SIGSTOP)  # mid-run: the kernel still accepts its connections; it never answers
    try:
        t0 = time.monotonic()
        out = model.generate(questions(12))
        took = time.monotonic() - t0
    finally:
        model.close()
    assert answers(out) == expected(12)
    assert took < 20, took  # one timeout per request sent to it before it was marked, not one per request
    err = capsys.readouterr().err
    assert f"replica {a.url} failed (no answer within 2 s)" in err, err


@pytest.mark.timeout(120)
def test_every_replica_gone_is_backend_lost_naming_each(replicas):
    a, b = replicas(), replicas()
    model = OpenAIModel([a.url, b.url], max_retries=2, request_timeout=5)
    try:
        a.signal(signal.SIGKILL)
        b.signal(signal.SIGKILL)
        with pytest.raises(BackendLostError) as e:
            model.generate(questions(3))
    finally:
        model.close()
    assert a.url in str(e.value) and b.url in str(e.value) and "no server answers" in str(e.value)


def _results(out: Path) -> list[str]:
    db = out / "results.sqlite"
    if not db.exists():
        return []
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        try:
            return [r[0] for r in conn.execute("SELECT sample_id FROM results")]
        except sqlite3.Error:  # the schema is not written yet
            return []


@pytest.mark.timeout(240)
def test_eval_with_every_replica_gone_stops_with_one_line_and_resume_finishes(replicas, tmp_path):
    data = tmp_path / "q.jsonl"
    data.write_text("".join(json.dumps({"id": f"q{i}", "question": f"What is {i} + 100?",
                                        "answer": str(i + 100)}) + "\n" for i in range(16)))
    out = tmp_path / "out"
    server = replicas(delay_s=0.3, serial=True)
    command = [sys.executable, "-m", "playground", "eval", "--task", "jsonl", "--data", str(data),
               "--question-field", "question", "--answer-field", "answer", "--id-field", "id",
               "--backend", "openai", "--base-url", server.url, "--method", "direct", "--max-tokens", "16",
               "--out", str(out), "--no-progress"]
    run = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(_results(out)) < 3:
        assert run.poll() is None and time.monotonic() < deadline, run.communicate()
        time.sleep(0.05)
    server.signal(signal.SIGKILL)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 1, err
    lines = [x for x in err.splitlines() if not x.startswith("[playground]")]
    assert len(lines) == 1 and "no server answers" in lines[0] and "--resume" in lines[0], err
    kept = _results(out)
    assert 3 <= len(kept) < 16 and len(set(kept)) == len(kept)

    replicas(delay_s=0.0, port=server.port)  # the server is back, on the same address
    again = subprocess.run(command + ["--resume"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    final = _results(out)
    assert sorted(final) == sorted(f"q{i}" for i in range(16))  # every answer once
    assert set(kept) <= set(final)
    report = json.loads((out / "results.json").read_text())
    assert report["summary"]["correct"] == 16 and report["summary"]["errors"] == 0
