"""A killed study (issue 29): `playground compare` killed with SIGKILL mid-chunk, then the same
command again: every finished question kept, none generated twice, and results.json and
report.md as an uninterrupted run writes them. The real CLI in a subprocess with a slow
scripted model (tests/evals/slow_eval_cli.py), killed for real."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.evals.test_runner import HARNESS, ROOT, write_questions

QUESTIONS = 8
BUDGETS = "1,2,4"


def command(delay: float, data: Path, out: Path) -> list[str]:
    return [sys.executable, str(HARNESS), str(delay), "compare", "--task", "jsonl", "--data", str(data),
            "--question-field", "question", "--answer-field", "answer", "--id-field", "id",
            "--backend", "scripted", "--model", "slow-scripted", "--method", "direct", "--budgets", BUDGETS,
            "--temperature", "0.7", "--chunk-size", "2", "--out", str(out)]


def attempts(out: Path) -> list[tuple[str, str, int]]:
    """(run, sample, attempts stored) for every question of every run; [] before the schema exists."""
    db = out / "results.sqlite"
    if not db.exists():
        return []
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        try:
            return conn.execute("SELECT run_id, sample_id, COUNT(*) FROM attempts "
                                "GROUP BY run_id, sample_id ORDER BY run_id, sample_id").fetchall()
        except sqlite3.OperationalError:
            return []


def questions_done(out: Path) -> set[str]:
    return {sample for _, sample, _ in attempts(out)}


def without_times(text: str) -> str:
    """The outputs with their wall times and dates taken out (they differ between any two runs)."""
    return re.sub(r'("?(?:wall_time_s|wall_s|created|started|finished)[a-z_]*"?: )[^,}\n]+', r"\1T",
                  re.sub(r"\b\d+(\.\d+)? s\b|\d{4}-\d\d-\d\d[T ][\d:.]+", "T", text))


def test_compare_killed_mid_chunk_then_run_again_matches_an_uninterrupted_run(tmp_path):
    data = write_questions(tmp_path / "q.jsonl", QUESTIONS)
    ref = tmp_path / "ref"
    r = subprocess.run(command(0.0, data, ref), capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr

    out = tmp_path / "out"
    proc = subprocess.Popen(command(0.05, data, out), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    deadline = time.monotonic() + 120
    while len(questions_done(out)) < 3:  # killed in the second chunk, after the first was stored
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "compare made no progress"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    kept = attempts(out)
    assert 2 <= len({s for _, s, _ in kept}) < QUESTIONS

    again = subprocess.run(command(0.0, data, out), capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert again.returncode == 0, again.stderr
    final = attempts(out)
    assert final == attempts(ref)  # every question of every run once, with as many attempts as uninterrupted
    assert set(kept) <= set(final)  # what the killed run finished stayed as it was
    for name in ("results.json", "report.md"):
        assert without_times((out / name).read_text()) == without_times((ref / name).read_text()), name
    assert json.loads((out / "results.json").read_text())["questions_done"] == QUESTIONS
