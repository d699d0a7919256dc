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
                        score=Score(v), extra={"kind": "code"}) for i, v in enumerate(values)]
    return StrategyResult(sid, "single", len(values), attempts, answer="code", score=Score(values[0]))


def _math_result(sid: str, value: str, pipelines: dict[str, str]) -> StrategyResult:
    a = Attempt(index=0, text="t", answer="1", prompt_tokens=7, completion_tokens=4, score=Score(value),
                extra={"pipeline_scores": pipelines, "kind": "number"})
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
    assert s["tokens"] == {"prompt_total": 200, "completion_total": 60, "prompt_mean": 50.0, "completion_mean": 15.0}
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
