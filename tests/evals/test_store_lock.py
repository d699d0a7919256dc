"""Two runs on one results folder: the second refuses (one line, exit 2) while the first writes;
a lock left by a killed run blocks nothing. Real processes (the CLI with a slow scripted model,
tests/evals/slow_eval_cli.py), a real flock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from evals.store import ResultStore
from evals.store_lock import LOCK_NAME, StoreBusyError, store_lock
from tests.evals.test_runner import HARNESS, ROOT, N, harness, stored, wait_for, write_questions


def test_a_second_eval_or_compare_on_a_folder_being_written_refuses(tmp_path):
    data, out = write_questions(tmp_path / "q.jsonl"), tmp_path / "out"
    first = subprocess.Popen(harness(0.1, data, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    try:
        wait_for(out, 3, first)
        t0 = time.monotonic()
        second = subprocess.run(harness(0.0, data, out, "--resume"), capture_output=True, text=True, timeout=120,
                                cwd=ROOT)
        compare = subprocess.run([sys.executable, str(HARNESS), "0", "compare", "--task", "jsonl", "--data", str(data),
                                  "--question-field", "question", "--answer-field", "answer", "--id-field", "id",
                                  "--backend", "scripted", "--budgets", "1,2", "--out", str(out)],
                                 capture_output=True, text=True, timeout=120, cwd=ROOT)
        took = time.monotonic() - t0
        assert first.poll() is None  # still writing
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    for r in (second, compare):
        assert r.returncode == 2 and r.stdout == "", r.stderr
        errors = [line for line in r.stderr.splitlines() if "error" in line]  # compare may note its temperature first
        assert len(errors) == 1 and "Traceback" not in r.stderr, r.stderr
        assert errors[0].startswith(f"playground: error: {out} is being written by another run (pid {first.pid}, ")
    assert took < 60
    # the refused runs wrote nothing: one run, one session, each stored answer once
    with ResultStore.in_dir(out) as store:
        (run,) = store.runs()
        assert store.session_count(run["run_id"]) == 1
        ids = [a["sample_id"] for a in store.attempts(run["run_id"])]
    assert len(ids) == len(set(ids)) == len(stored(out))


def test_a_lock_left_by_a_killed_run_blocks_nothing(tmp_path):
    data, out = write_questions(tmp_path / "q.jsonl"), tmp_path / "out"
    first = subprocess.Popen(harness(0.1, data, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    wait_for(out, 3, first)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert (out / LOCK_NAME).read_text().split("\n")[0] == str(first.pid)  # the file stays, the lock does not
    r = subprocess.run(harness(0.0, data, out, "--resume"), capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    rows = stored(out)
    assert len(rows) == N and len({row[0] for row in rows}) == N
    # released on exit: the lock is free again for this process
    with store_lock(out, "test") as path:
        assert path.read_text().split("\n")[0] == str(os.getpid())


def test_the_lock_refuses_a_second_holder_and_frees_on_exit(tmp_path):
    with store_lock(tmp_path, "first"):
        try:
            with store_lock(tmp_path, "second"):
                raise AssertionError("a second holder got the lock")
        except StoreBusyError as e:
            assert f"(pid {os.getpid()}, since " in str(e) and e.exit_code == 2
    with store_lock(tmp_path, "third") as path:
        assert path.read_text().endswith("\nthird\n")
