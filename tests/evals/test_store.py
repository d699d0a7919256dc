"""The results store: real SQLite files, WAL, atomic per-sample writes, kill -9 safety."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from agent.scaling import Attempt, StrategyResult
from agent.types import Score
from evals.store import ResultStore


def _result(sample_id: str, n: int = 2, value: str = "correct") -> StrategyResult:
    attempts = [Attempt(index=i, chain=i, text=f"reply {i}", answer="42", prompt_tokens=10, completion_tokens=5 + i,
                        score=Score(value, "42", "why"), messages=[{"role": "user", "content": "q"}],
                        duration_s=0.5, prefill="```python\n", kind="code")
                for i in range(n)]
    return StrategyResult(sample_id, "single", n, attempts, answer="42", score=Score(value, "42", "why"),
                          extra={"n_correct": n})


def test_wal_mode_and_roundtrip(tmp_path):
    with ResultStore.in_dir(tmp_path) as store:
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        run = store.create_run({"eval": {"task": "t"}})
        store.write_result(run, _result("a"), position=0, target="42")
        store.write_result(run, _result("b", 1, "incorrect"), position=1, target="41")
    with ResultStore.in_dir(tmp_path) as store:
        assert [r["run_id"] for r in store.runs()] == [run]
        assert store.done_ids(run) == {"a", "b"}
        res = store.results(run)
        assert [(r.sample_id, r.score, r.target, r.budget) for r in res] == [
            ("a", "correct", "42", 2), ("b", "incorrect", "41", 1)]
        atts = store.attempts(run, "a")
        assert [a["idx"] for a in atts] == [0, 1]
        assert atts[1]["completion"] == "reply 1" and atts[1]["completion_tokens"] == 6
        assert atts[0]["prompt"] == {"messages": [{"role": "user", "content": "q"}], "prefill": "```python\n"}
        assert atts[0]["extra"] == {"kind": "code"} and atts[0]["score"] == "correct"


def test_sample_written_atomically_no_duplicates(tmp_path):
    with ResultStore.in_dir(tmp_path) as store:
        run = store.create_run({})
        store.write_result(run, _result("a"))
        with pytest.raises(sqlite3.IntegrityError):
            store.write_result(run, _result("a", 3))  # the 3rd attempt is new, the rest clash: all rolled back
        assert len(store.attempts(run)) == 2
        assert len(store.results(run)) == 1


def test_error_recorded_then_cleared_by_success(tmp_path):
    with ResultStore.in_dir(tmp_path) as store:
        run = store.create_run({})
        store.write_error(run, "x", "ValueError: boom", position=3)
        store.write_error(run, "x", "ValueError: boom again", position=3)
        assert store.errors(run) == [{"sample_id": "x", "position": 3, "reason": "ValueError: boom again"}]
        assert store.done_ids(run) == set()
        store.write_result(run, _result("x"), position=3)
        assert store.errors(run) == [] and store.done_ids(run) == {"x"}


def test_sessions_add_up_wall_time(tmp_path):
    with ResultStore.in_dir(tmp_path) as store:
        run = store.create_run({})
        store.start_session(run)
        store.touch_session(2)
        store.start_session(run)
        store.touch_session(1)
        assert store.session_count(run) == 2
        assert store.wall_time(run) >= 0.0


def test_committed_samples_survive_sigkill(tmp_path):
    """A process that commits 5 samples and is then killed by SIGKILL loses none of them."""
    script = textwrap.dedent(f"""
        import os, signal
        from evals.store import ResultStore
        from tests.evals.test_store import _result
        store = ResultStore.in_dir({str(tmp_path)!r})
        run = store.create_run({{}}, run_id="r")
        for i in range(5):
            store.write_result(run, _result(f"s{{i}}"), position=i)
        store.conn.execute("BEGIN IMMEDIATE")  # a sample in flight, never committed
        store.conn.execute("INSERT INTO errors VALUES ('r', 'inflight', 9, 'x', 0)")
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == -9, proc.stderr
    with ResultStore.in_dir(tmp_path) as store:
        assert store.done_ids("r") == {f"s{i}" for i in range(5)}
        assert len(store.attempts("r")) == 10
        assert store.errors("r") == []
