"""Reports: numbers checked against hand computation, files written from a real store."""

from __future__ import annotations

import json

import pytest

from agent.scaling import Attempt, StrategyResult
from agent.types import Sample, Score
from evals.report import summarize, wilson_interval, write_reports
from evals.store import ResultStore


def _code_result(sid: str, values: list[str]) -> StrategyResult:
    attempts = [Attempt(index=i, chain=i, text="code", answer="code", prompt_tokens=10, completion_tokens=3,
                        score=Score(v), kind="code") for i, v in enumerate(values)]
    return StrategyResult(sid, "single", len(values), attempts, answer="code", score=Score(values[0]))


def _math_result(sid: str, value: str, pipelines: dict[str, str]) -> StrategyResult:
    a = Attempt(index=0, text="t", answer="1", prompt_tokens=7, completion_tokens=4, score=Score(value),
                pipeline_scores=pipelines, kind="number")
    return StrategyResult(sid, "single", 1, [a], answer="1", score=Score(value))


@pytest.mark.parametrize(("k", "n", "lo", "hi"), [
    (2, 4, 0.1500, 0.8500), (3, 4, 0.3006, 0.9544), (0, 10, 0.0, 0.2775), (10, 10, 0.7225, 1.0)])
def test_wilson_interval_known_values(k, n, lo, hi):
    got = wilson_interval(k, n)
    assert got == pytest.approx((lo, hi), abs=1e-3)


@pytest.fixture
def code_store(tmp_path):
    store = ResultStore.in_dir(tmp_path)
    run = store.create_run({"eval": {"task": "humaneval", "method": "cot", "strategy": "single"},
                            "model": {"id": "m", "backend": "scripted"}})
    c, i, na = "correct", "incorrect", "no_answer"
    rows = {"a": [c, c, c, c, c], "b": [c, i, c, i, i], "c": [i, i, i, i, i], "d": [na, c, i, i, i]}
    for pos, (sid, values) in enumerate(rows.items()):
        store.write_result(run, _code_result(sid, values), position=pos, target="t")
    store.write_error(run, "e", "RuntimeError: boom", position=4)
    yield store, run, tmp_path
    store.close()


def test_code_summary_matches_hand_computation(code_store):
    store, run, _ = code_store
    s = summarize(store.results(run), store.attempts(run), store.errors(run), total=6, wall_s=10.0)
    assert (s["graded"], s["errors"], s["pending"], s["correct"]) == (4, 1, 1, 2)
    assert s["accuracy"] == 0.5 and s["no_answer_rate"] == 0.25
    assert s["ci95"] == pytest.approx([0.15, 0.85], abs=1e-3)
    # pass@1 = mean(c/n) = (5/5 + 2/5 + 0 + 1/5) / 4; pass@5 with n=5: any correct -> 3/4
    assert s["pass_at_k"] == pytest.approx({"pass@1": 0.4, "pass@5": 0.75})
    assert s["n_per_sample"] == 5
    assert s["tokens"] == {"prompt_total": 200, "completion_total": 60, "prompt_evaluated_total": None,
                           "prompt_mean": 50.0, "completion_mean": 15.0}  # the attempts did not record it
    assert s["completion_tokens_per_s"] == pytest.approx(6.0)


def test_pipelines_side_by_side(tmp_path):
    with ResultStore.in_dir(tmp_path) as store:
        run = store.create_run({})
        store.write_result(run, _math_result("1", "correct", {"strict": "correct", "last_number": "correct"}))
        store.write_result(run, _math_result("2", "correct", {"strict": "no_answer", "last_number": "correct"}))
        store.write_result(run, _math_result("3", "incorrect", {"strict": "no_answer", "last_number": "incorrect"}))
        s = summarize(store.results(run), store.attempts(run), [], total=3, wall_s=0.0)
    assert s["pipelines"]["strict"] == pytest.approx({"n": 3, "accuracy": 1 / 3, "no_answer_rate": 2 / 3})
    assert s["pipelines"]["last_number"] == pytest.approx({"n": 3, "accuracy": 2 / 3, "no_answer_rate": 0.0})
    assert "pass_at_k" not in s and s["completion_tokens_per_s"] is None


def test_report_files(code_store):
    store, run, out = code_store
    samples = [Sample(x, "q", "t", kind="code") for x in "abcdef"]
    write_reports(store, run, out, samples)
    md = (out / "report.md").read_text()
    assert "50.0% (2/4), 95% CI 15.0% - 85.0% (Wilson)" in md
    assert "| pass@5 | 75.0%" in md and "| pass@1 | 40.0%" in md and "pass@10" not in md
    assert "`e`: RuntimeError: boom" in md and "## Manifest" in md
    data = json.loads((out / "results.json").read_text())
    assert data["summary"]["errors"] == 1 and data["manifest"]["model"]["id"] == "m"
    lines = [json.loads(x) for x in (out / "samples.jsonl").read_text().splitlines()]
    assert [r["status"] for r in lines] == ["done"] * 4 + ["error", "pending"]
    assert len(lines[1]["attempts"]) == 5 and lines[1]["attempts"][1]["score"] == "incorrect"


def test_prompt_tokens_sent_and_evaluated_are_summed_and_reported(tmp_path):
    store = ResultStore.in_dir(tmp_path)
    run = store.create_run({"eval": {"task": "gsm8k", "method": "cot", "strategy": "single"},
                            "model": {"id": "m", "backend": "llamacpp"}})
    for pos, evaluated in enumerate([100, 4, 4]):  # the first question read the shared prefix, the rest reused it
        a = Attempt(index=0, text="The answer is 1.", answer="1", prompt_tokens=100, completion_tokens=5,
                    prompt_tokens_evaluated=evaluated, score=Score("correct"), kind="number")
        store.write_result(run, StrategyResult(f"q{pos}", "single", 1, [a], answer="1", score=Score("correct")),
                           position=pos, target="1")
    samples = [Sample(f"q{i}", "?", "1") for i in range(3)]
    summary = write_reports(store, run, tmp_path, samples)
    assert (summary["tokens"]["prompt_total"], summary["tokens"]["prompt_evaluated_total"]) == (300, 108)
    assert "| prompt tokens | sent 300, evaluated 108 (36%)" in (tmp_path / "report.md").read_text()
    assert store.prompt_tokens([run]) == (300, 108)
    first = json.loads((tmp_path / "samples.jsonl").read_text().splitlines()[0])
    assert first["attempts"][0]["prompt_tokens_evaluated"] == 100
    assert store.load_attempts(run, "q1")[0].prompt_tokens_evaluated == 4
    store.close()


OLD_ATTEMPTS = """CREATE TABLE attempts (run_id TEXT NOT NULL, sample_id TEXT NOT NULL, idx INTEGER NOT NULL,
    chain INTEGER NOT NULL, step INTEGER NOT NULL, prompt TEXT NOT NULL, completion TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, finish_reason TEXT, answer TEXT,
    score TEXT, explanation TEXT, duration REAL, extra TEXT, UNIQUE (run_id, sample_id, idx))"""
"""The attempts table as stores written before 2026-12-07 have it (no prompt_tokens_evaluated)."""


def test_a_store_written_before_the_count_existed_reads_back_and_says_it_was_not_recorded(tmp_path):
    import sqlite3

    conn = sqlite3.connect(tmp_path / "results.sqlite")
    conn.execute(OLD_ATTEMPTS)
    conn.execute("INSERT INTO attempts VALUES ('r', 'q0', 0, 0, 0, '{\"messages\": []}', 'The answer is 1.', "
                 "100, 5, 'stop', '1', 'correct', '', 0.1, '{\"kind\": \"number\"}')")
    conn.commit()
    conn.close()
    reader = ResultStore.read_only(tmp_path / "results.sqlite")  # playground view: nothing is changed
    assert reader.load_attempts("r", "q0")[0].prompt_tokens_evaluated is None
    reader.close()
    store = ResultStore.in_dir(tmp_path)  # a resumed run: the column is added, empty
    assert store.load_attempts("r", "q0")[0].prompt_tokens == 100
    assert store.prompt_tokens(["r"]) == (100, None)
    a = Attempt(index=1, text="t", answer="1", prompt_tokens=50, completion_tokens=5, prompt_tokens_evaluated=9,
                score=Score("correct"), kind="number")
    store.write_result("r", StrategyResult("q1", "single", 1, [a], answer="1", score=Score("correct")),
                       position=1, target="1")
    assert store.load_attempts("r", "q1")[0].prompt_tokens_evaluated == 9
    assert store.prompt_tokens(["r"]) == (150, None)  # one attempt did not record it: no total is guessed
    store.close()
