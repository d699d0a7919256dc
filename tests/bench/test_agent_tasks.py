"""bench/agent_tasks.py and bench/agent_replay.py: the task suites, the benchmark's verdict, what
decided a run, the summary over seeds, and the replay without the silent-mistake check."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import SimpleNamespace

import pytest

from bench.picture_checks import CHECKS
from tests.bench.test_picture_checks import MANDELBROTS, _points_as_image

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def agent_tasks(monkeypatch):
    """bench/agent_tasks.py as the script sees itself (bench/ on sys.path)."""
    monkeypatch.syspath_prepend(str(BENCH))
    return importlib.import_module("agent_tasks")


def test_tracked_suite_is_the_ten_tasks_and_five_mandelbrot_phrasings(agent_tasks):
    tasks = agent_tasks.load_tasks()
    assert len(tasks) == 15
    assert [t["id"] for t in tasks[:10]] == [t["id"] for t in agent_tasks.load_tasks("ten")]
    five = tasks[10:]
    assert all(t["check"] == "mandelbrot" for t in five)
    assert len({t["task"] for t in five} | {tasks[0]["task"]}) == 6
    every = agent_tasks.load_tasks("all")
    assert {t.get("check") for t in every} - {None} <= set(CHECKS)
    assert [t["id"] for t in agent_tasks.load_tasks(only="sine,circle")] == ["sine", "circle"]
    with pytest.raises(SystemExit, match="unknown suite"):
        agent_tasks.load_tasks("nope")


def test_benchmark_check_reports_why_a_picture_is_wrong(agent_tasks, tmp_path):
    done = SimpleNamespace(success=True, stop_reason="final_answer", steps=[], final_answer="Done.")
    task = agent_tasks.load_tasks(only="mandelbrot")[0]
    _points_as_image(tmp_path / "mandelbrot.png")
    ok, why = agent_tasks.check(task, done, tmp_path)
    assert not ok and why.startswith("mandelbrot.png: ")
    MANDELBROTS["viridis, axes of array indices"](tmp_path / "mandelbrot.png")
    assert agent_tasks.check(task, done, tmp_path)[0]


def _step(index, code="x", pitfalls=(), observation="", candidates=(), chosen=None, self_check=False):
    return SimpleNamespace(index=index, code=code, pitfalls=list(pitfalls), observation=observation,
                           candidates=list(candidates), chosen_candidate=chosen, self_check_asked=self_check)


def test_what_decided_a_run_is_named(agent_tasks):
    done = lambda *steps: SimpleNamespace(steps=list(steps), success=True, stop_reason="final_answer")  # noqa: E731
    assert agent_tasks.decided_by(done(_step(1)), ok=True) == "first reply"
    assert agent_tasks.decided_by(done(_step(1)), ok=False) == "first reply (judged wrong)"
    rescued = done(_step(1, observation="The code failed\nHint: imshow needs real numbers."),
                   _step(2, pitfalls=["img is filled as img[x, y]"], candidates=[{"kind": "repair"}], chosen=0),
                   _step(3, candidates=[{"kind": "repair"}, {"kind": "fresh"}], chosen=1))
    assert agent_tasks.decided_by(rescued, ok=True) == "fresh candidate after silent-mistake hint, step 3"
    hinted = done(_step(1, observation="failed\nHint: x"), _step(2, candidates=[{"kind": "repair"}], chosen=0))
    assert agent_tasks.decided_by(hinted, ok=True) == "repair candidate after error hint, step 2"
    failed = SimpleNamespace(steps=[_step(1)], success=False, stop_reason="max_steps")
    assert agent_tasks.decided_by(failed, ok=False) == "not done (max_steps)"


def test_summary_gives_done_over_seeds_median_and_worst(agent_tasks):
    rows = [{"id": "m", "candidates": 4, "seed": s, "success": s != 2, "wall_s": w, "first_reply": "wrong",
             "decided_by": "repair candidate after silent-mistake hint, step 3" if s != 2 else "not done (max_steps)"}
            for s, w in enumerate([100.0, 300.0, 200.0])]
    rows.append({"id": "p", "candidates": 4, "seed": 0, "success": True, "wall_s": 10.0, "first_reply": "right",
                 "decided_by": "first reply"})
    text = agent_tasks.summary(rows, markdown=True)
    assert "| m | 2/3 | 200 s | 300 s | 2x repair candidate after silent-mistake hint, step 3, 1x not done (max_steps) |" in text
    assert "| p | 1/1 | 10 s | 10 s | 1x first reply |" in text
    assert "all: 3/4 done, mean wall 152.5s, median 150.0s, worst 300.0s; first reply not right in 3/4, of those done 2" in text


def test_replay_says_where_a_run_would_have_ended_without_the_silent_mistake_check(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    replay = importlib.import_module("agent_replay").replay
    flagged = {"index": 0, "kind": "repair", "score": 3, "ok": True, "final_answer": "done",
               "bad_image": ["c is filled as c[x, y] (first index ...)"]}
    clean = {"index": 1, "kind": "fresh", "score": 4, "ok": True, "final_answer": "done", "bad_image": []}
    row = {"step_verdicts": {"2": "mandelbrot.png: the Mandelbrot set, but on its side: ..."}}
    steps = [{"index": 1, "code": "x", "candidates": []},
             {"index": 2, "candidates": [flagged, {**clean, "score": 1}], "chosen_candidate": 0}]
    assert replay(row, {"steps": steps}).startswith("ended at step 2 with repair candidate #1: WRONG (mandelbrot.png: the")
    steps[1]["chosen_candidate"] = 1
    assert "whose array was filled [x, y] (its picture was not kept)" in replay(row, {"steps": steps})
    steps[1]["candidates"] = [clean, flagged]
    assert replay(row, {"steps": steps}) == "the same as with the check (a clean candidate came first)"
