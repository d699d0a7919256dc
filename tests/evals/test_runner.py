"""The batch runner with the scripted backend, the real store and the real sandbox.

The kill/interrupt tests run the real CLI in a subprocess (tests/evals/slow_eval_cli.py,
a scripted model that sleeps per request, or the openai backend against a slow server,
tests/agent/models/openai_stub.py) and kill it for real."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from agent.config import ModelConfig, PlaygroundConfig
from agent.errors import UsageError
from agent.models.scripted import ScriptedModel
from agent.types import Sample, SamplingParams
from evals.datasets import load_dataset
from evals.manifest import build_manifest
from evals.runner import EvalSpec, run_eval
from evals.store import ResultStore
from tests.agent.models.openai_stub import OpenAIStub
from tests.evals.slow_eval_cli import answer

ROOT = Path(__file__).resolve().parents[2]
HARNESS = Path(__file__).with_name("slow_eval_cli.py")
N = 30


def write_questions(path: Path, n: int = N, extra: list[str] = ()) -> Path:
    lines = [json.dumps({"id": f"q{i}", "question": f"What is {i} + {2 * i}?", "answer": str(3 * i)})
             for i in range(1, n + 1)]
    path.write_text("\n".join([*lines, *extra]) + "\n")
    return path


def expected_correct(n: int = N) -> int:
    return sum(1 for i in range(1, n + 1) if i % 7 and i % 3)


def harness(delay: float, data: Path, out: Path, *more: str) -> list[str]:
    return [sys.executable, str(HARNESS), str(delay), "eval", "--task", "jsonl", "--data", str(data),
            "--question-field", "question", "--answer-field", "answer", "--id-field", "id",
            "--backend", "scripted", "--model", "slow-scripted", "--method", "direct",
            "--chunk-size", "2", "--out", str(out), "--no-progress", *more]


def stored(out: Path) -> list[tuple]:
    if not (out / "results.sqlite").exists():
        return []
    conn = sqlite3.connect(out / "results.sqlite", timeout=30)
    try:
        return conn.execute("SELECT sample_id, answer, score FROM results ORDER BY position").fetchall()
    except sqlite3.OperationalError:  # schema not created yet
        return []
    finally:
        conn.close()


def wait_for(out: Path, count: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    t0 = time.time()
    while len(stored(out)) < count:
        assert proc.poll() is None, proc.communicate()
        assert time.time() - t0 < timeout, "run made no progress"
        time.sleep(0.05)


@pytest.fixture
def reference(tmp_path_factory):
    """An uninterrupted run over the same questions."""
    d = tmp_path_factory.mktemp("ref")
    data = write_questions(d / "q.jsonl")
    r = subprocess.run(harness(0.0, data, d / "out"), capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    rows = stored(d / "out")
    assert len(rows) == N and sum(1 for x in rows if x[2] == "correct") == expected_correct()
    return rows


def test_sigkill_mid_run_then_resume_no_loss_no_duplicates(tmp_path, reference):
    data, out = write_questions(tmp_path / "q.jsonl"), tmp_path / "out"
    proc = subprocess.Popen(harness(0.1, data, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    wait_for(out, 6, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -9
    killed_at = len(stored(out))
    assert 6 <= killed_at < N
    r = subprocess.run(harness(0.0, data, out, "--resume"), capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert stored(out) == reference  # same answers and scores, dataset order
    with ResultStore.in_dir(out) as store:
        (run,) = store.runs()
        attempts = store.attempts(run["run_id"])
        assert len(attempts) == N and len({a["sample_id"] for a in attempts}) == N
        assert store.session_count(run["run_id"]) == 2 and run["status"] == "finished"
        assert len(run["manifest"]["resumed"]) == 1
    summary = json.loads((out / "results.json").read_text())["summary"]
    assert (summary["graded"], summary["correct"], summary["errors"]) == (N, expected_correct(), 0)


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path, reference):
    data, out = write_questions(tmp_path / "q.jsonl"), tmp_path / "out"
    proc = subprocess.Popen(harness(0.1, data, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT)
    wait_for(out, 4, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    done = len(stored(out))
    assert f"interrupted: {done}/{N} samples done; resume with: playground eval" in err
    assert err.strip().endswith("--resume") and "Traceback" not in err
    assert json.loads((out / "results.json").read_text())["status"] == "interrupted"
    r = subprocess.run(harness(0.0, data, out, "--resume"), capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert stored(out) == reference


def test_errors_over_half_exit_1(tmp_path):
    data = tmp_path / "q.jsonl"
    data.write_text("\n".join(json.dumps({"id": f"b{i}", "question": f"boom {i}", "answer": "1"})
                              for i in range(3)) + "\n")
    r = subprocess.run(harness(0.0, data, tmp_path / "out"), capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 1, r.stderr
    assert "too many errors: 3/3" in r.stderr


# ---------------------------------------------------------------------- in-process runs
class CountingModel(ScriptedModel):
    """The scripted model, counting batched generate calls and their sizes."""

    def __init__(self, rule) -> None:
        super().__init__(rule=rule)
        self.batches: list[int] = []

    def generate(self, requests):
        self.batches.append(len(requests))
        return super().generate(requests)


def _manifest(spec: EvalSpec, dataset, backend_model: str = "x") -> dict:
    config = PlaygroundConfig(model=ModelConfig(backend="scripted", model=backend_model))
    return build_manifest(config=config, spec=spec, dataset=dataset, argv=["playground", "eval"])


def _run(model, dataset, out, spec=None, **kw):
    spec = spec or EvalSpec(task="jsonl", method="direct", chunk_size=4)
    if "timeout" in kw:
        spec = replace(spec, code_timeout_s=kw.pop("timeout"))
    return run_eval(model, dataset.samples, spec, SamplingParams(max_tokens=64), out, manifest=_manifest(spec, dataset), progress=False,
                    **kw)


def _rule(request, index):
    return answer(request.messages[-1].content)


def test_batches_across_samples_and_skips_malformed_line(tmp_path):
    data = write_questions(tmp_path / "q.jsonl", 10, extra=["{not json"])
    dataset = load_dataset("jsonl", str(data), question_field="question", answer_field="answer", id_field="id")
    assert len(dataset.samples) == 10 and len(dataset.skipped) == 1
    model = CountingModel(_rule)
    summary = _run(model, dataset, tmp_path / "out")
    assert model.batches == [4, 4, 2]  # one batched call per chunk, never one prompt at a time
    assert (summary.done, summary.errors, summary.correct) == (10, 0, expected_correct(10))
    assert summary.report["accuracy"] == pytest.approx(expected_correct(10) / 10)
    assert json.loads((tmp_path / "out" / "results.json").read_text())["manifest"]["dataset"]["skipped"]


def test_sample_that_raises_is_an_error_and_the_run_goes_on(tmp_path):
    data = write_questions(tmp_path / "q.jsonl", 8, extra=[json.dumps({"id": "bad", "question": "boom", "answer": "0"})])
    dataset = load_dataset("jsonl", str(data), question_field="question", answer_field="answer", id_field="id")
    summary = _run(CountingModel(_rule), dataset, tmp_path / "out")
    assert (summary.done, summary.errors, summary.total) == (8, 1, 9)
    rep = json.loads((tmp_path / "out" / "results.json").read_text())
    assert rep["errors"] == [{"sample_id": "bad", "position": 8,
                              "reason": "RuntimeError: the model broke on this question"}]
    assert rep["summary"]["graded"] == 8 and rep["summary"]["errors"] == 1
    # the failed sample is retried by --resume; the others are not regenerated
    model = CountingModel(lambda req, i: "The answer is 0.")
    again = _run(model, dataset, tmp_path / "out", resume=True)
    assert model.batches == [1] and (again.done, again.errors) == (9, 0)


def test_grading_timeout_is_incorrect_and_run_goes_on(tmp_path):
    meta = {"entry_point": "f", "test_imports": [], "test_list": ["assert f(1) == 2"]}
    samples = [Sample(f"c{i}", f"Write f doubling x. case {i}", "", kind="code", metadata=dict(meta))
               for i in range(3)]
    replies = {"case 0": "def f(x):\n    return 2 * x\n", "case 1": "def f(x):\n    while True:\n        pass\n",
               "case 2": "no code here"}

    def rule(req, i):
        return next(v for k, v in replies.items() if k in req.messages[-1].content)

    class DS:
        source, sha256, skipped = "inline", "0", []

    DS.samples = samples
    spec = EvalSpec(task="mbpp", chunk_size=8)
    summary = _run(CountingModel(rule), DS, tmp_path / "out", spec=spec, timeout=4.0)  # slack for a loaded CPU
    assert summary.errors == 0 and summary.correct == 1
    with ResultStore.in_dir(tmp_path / "out") as store:
        res = {r.sample_id: r for r in store.results(summary.run_id)}
    assert res["c1"].score == "incorrect" and "timed out" in res["c1"].explanation
    assert res["c2"].score == "no_answer"


def test_resume_refuses_other_config_and_existing_run_needs_resume(tmp_path):
    data = write_questions(tmp_path / "q.jsonl", 4)
    dataset = load_dataset("jsonl", str(data), question_field="question", answer_field="answer", id_field="id")
    _run(CountingModel(_rule), dataset, tmp_path / "out")
    with pytest.raises(UsageError, match="use --resume"):
        _run(CountingModel(_rule), dataset, tmp_path / "out")
    with pytest.raises(UsageError, match="method"):
        _run(CountingModel(_rule), dataset, tmp_path / "out", spec=EvalSpec(task="jsonl", method="cot"), resume=True)
    model = CountingModel(_rule)
    done = _run(model, dataset, tmp_path / "out", resume=True)
    assert model.batches == [] and done.done == 4


# ---------------------------------------------------------------------- answers stored as they finish
def openai_cli(base_url: str, data: Path, out: Path, *more: str) -> list[str]:  # default chunk: 256 samples
    return [sys.executable, "-m", "playground", "eval", "--task", "jsonl", "--data", str(data), "--question-field",
            "question", "--answer-field", "answer", "--id-field", "id", "--backend", "openai", "--base-url",
            base_url, "--method", "direct", "--out", str(out), "--no-progress", *more]


def question_number(text: str) -> int:
    return int(re.search(r"What is (\d+) \+", text)[1])


def stub_reply(body: dict) -> str:
    return answer(body["messages"][-1]["content"])


def test_openai_sigkill_keeps_every_finished_answer_then_resume_asks_only_the_rest(tmp_path, reference):
    """A slow server, one request at a time: answers are committed one by one inside the first chunk."""
    data, out = write_questions(tmp_path / "q.jsonl"), tmp_path / "out"
    with OpenAIStub(stub_reply, delay_s=0.15, serial=True) as slow:
        proc = subprocess.Popen(openai_cli(slow.base_url, data, out), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=ROOT)
        wait_for(out, 6, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    kept = stored(out)
    assert 6 <= len(kept) < N - 5  # answers still in flight (up to 16) are lost, nothing else
    assert kept == [r for r in reference if r in kept]  # the right answers, at their dataset positions
    with OpenAIStub(stub_reply) as fast:
        r = subprocess.run(openai_cli(fast.base_url, data, out, "--resume"), capture_output=True, text=True,
                           timeout=120, cwd=ROOT)
        assert r.returncode == 0, r.stderr
        asked = sorted(f"q{question_number(b['messages'][-1]['content'])}" for b in fast.bodies)
    assert asked == sorted({f"q{i}" for i in range(1, N + 1)} - {row[0] for row in kept})
    assert stored(out) == reference
    with ResultStore.in_dir(out) as store:
        (run,) = store.runs()
        assert len(store.attempts(run["run_id"])) == N and store.session_count(run["run_id"]) == 2


def test_openai_ctrl_c_does_not_wait_for_answers_in_flight(tmp_path, reference):
    data, out = write_questions(tmp_path / "q.jsonl"), tmp_path / "out"
    with OpenAIStub(stub_reply, delay_s=1.0, serial=True) as slow:  # 16 in flight: 16 s to drain
        proc = subprocess.Popen(openai_cli(slow.base_url, data, out), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, cwd=ROOT)
        wait_for(out, 2, proc)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert time.monotonic() - t0 < 8, "Ctrl-C waited for the answers in flight"
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert f"interrupted: {len(stored(out))}/{N} samples done" in err
    assert stored(out) == [r for r in reference if r in stored(out)]


def test_concurrent_backend_commits_out_of_order_at_the_right_positions(tmp_path, reference):
    class ConcurrentModel(ScriptedModel):  # served like a remote backend: samples solved concurrently
        max_concurrency = 4

        def generate(self, requests):  # later questions are answered sooner
            time.sleep(0.02 * (N - question_number(requests[0].messages[-1].content)))
            return super().generate(requests)

    data = write_questions(tmp_path / "q.jsonl")
    dataset = load_dataset("jsonl", str(data), question_field="question", answer_field="answer", id_field="id")
    summary = _run(ConcurrentModel(rule=_rule), dataset, tmp_path / "out",
                   spec=EvalSpec(task="jsonl", method="direct", chunk_size=256))
    assert (summary.done, summary.correct) == (N, expected_correct())
    assert stored(tmp_path / "out") == reference
    with sqlite3.connect(tmp_path / "out" / "results.sqlite") as conn:
        committed = [r[0] for r in conn.execute("SELECT sample_id FROM results ORDER BY rowid")]
    assert committed != [r[0] for r in reference]  # committed as they finished, not in dataset order
