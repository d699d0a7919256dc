"""Typed attempt fields (issue 30): a store written before the attempt-level keys of `Attempt.extra`
became fields (tests/evals/fixtures/make_store_before_typed_attempts.py made it) reads back into
the fields, and written again gives the same rows, byte for byte."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from agent.reasoning.solution import code_solution, stage_record
from agent.reasoning.types import Solution
from agent.scaling import Attempt, StrategyResult
from agent.types import Completion, Message, Sample, Score
from evals.store import ResultStore

FIXTURE = Path(__file__).parent / "fixtures" / "store-before-typed-attempts" / "results.sqlite"
RUNS = ("eval-cot2", "eval-pal", "mixed-code", "revise-exec", "mixed", "sequential")


@pytest.fixture
def store(tmp_path):
    shutil.copy(FIXTURE, tmp_path / "results.sqlite")
    with ResultStore.read_only(tmp_path / "results.sqlite") as s:
        yield s


def _attempts(store: ResultStore, run: str) -> list[Attempt]:
    return [a for r in store.results(run) for a in store.load_attempts(run, r.sample_id)]


def _rows(path: Path) -> list[tuple]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT * FROM attempts ORDER BY run_id, sample_id, idx").fetchall()
    finally:
        conn.close()


def test_fixture_is_one_small_file():
    assert FIXTURE.stat().st_size < 64_000
    assert not list(FIXTURE.parent.glob("results.sqlite-*"))


def test_every_typed_field_reads_back(store):
    [cot2] = _attempts(store, "eval-cot2")
    assert (cot2.kind, cot2.method, cot2.prefill, cot2.program) == ("number", "cot2", None, None)
    assert len(cot2.stages) == 2 and cot2.stages[1]["prefill"].startswith("Therefore")
    assert cot2.pipelines == {"strict": None, "last_number": "42"}
    assert cot2.pipeline_scores == {"strict": "no_answer", "last_number": "correct"}
    assert (cot2.mean_logprob, cot2.verifier, cot2.kept_previous, cot2.shared_from, cot2.extra) == (
        -0.2, None, False, None, {})

    [pal] = _attempts(store, "eval-pal")
    assert (pal.kind, pal.method, pal.stages, pal.pipelines, pal.pipeline_scores) == ("number", "pal", None, {}, {})
    assert pal.program["status"] == "ok" and pal.program["stdout"] == "42\n"
    assert pal.program["reply"].startswith("```python") and pal.graded_text == "\\boxed{42}"

    code = _attempts(store, "mixed-code")
    assert [(a.kind, a.prefill, a.method) for a in code] == [("code", "```python\n", "cot")] * 2
    assert [a.verifier for a in code] == [{"passed": True, "feedback": ""},
                                          {"passed": False, "feedback": "double(2) returned 5"}]

    first, kept = _attempts(store, "revise-exec")
    assert (first.kind, first.program, first.kept_previous, first.mean_logprob) == ("number", None, False, -0.4)
    assert first.prompt_tokens_evaluated == 10
    assert kept.kept_previous is True and kept.answer == "42" and kept.program["status"] == "no_program"
    assert kept.verifier == {"passed": True, "reply": "yes"}

    [mixed] = _attempts(store, "mixed")
    assert (mixed.method, mixed.verifier, mixed.mean_logprob) == ("pal", {"passed": False, "reply": "no"}, -1.25)
    assert mixed.extra == {"future_key": {"written by": "a later version"}}  # unknown keys are kept

    shared, revision = _attempts(store, "sequential")
    assert (shared.shared_from, revision.shared_from) == ("parallel:5", None)
    assert shared.score == Score("correct", "42", "equal")


def test_written_again_the_rows_are_the_same(store, tmp_path):
    with ResultStore(tmp_path / "again" / "results.sqlite") as out:
        for run in RUNS:
            out.create_run({}, run)
            for r in store.results(run):
                res = StrategyResult(r.sample_id, r.strategy, r.budget, store.load_attempts(run, r.sample_id),
                                     r.answer, Score(r.score, r.answer, r.explanation), r.extra)
                out.write_result(run, res, position=r.position, target=r.target)
    before, after = _rows(FIXTURE), _rows(tmp_path / "again" / "results.sqlite")
    assert len(before) == 9 and after == before


def _fixture_extra(run: str, idx: int = 0) -> str:
    conn = sqlite3.connect(f"file:{FIXTURE}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT extra FROM attempts WHERE run_id = ? AND idx = ?", (run, idx)).fetchone()[0]
    finally:
        conn.close()


def test_todays_writers_give_the_old_records():
    """The fields set the way today's writers set them give the record the old writers stored."""
    q = [Message("user", "What is 6 * 7?")]
    reply = "```python\nprint(6 * 7)\n```"
    record = {"program": "print(6 * 7)\n", "stdout": "42\n", "stderr": "", "returncode": 0, "timed_out": False,
              "memory_exceeded": False, "duration_s": 0.031, "status": "ok", "reply": reply}
    sol = Solution("What is 6 * 7?", "pal", "number", reply, "42", {},
                   [stage_record(q, "", Completion(reply, "stop", 12, 8, [-0.05], 2))], 12, 8, -0.05, program=record)
    pal = Attempt.from_solution(sol, index=0, pipelines={}, pipeline_scores={}, method="pal", kind="number")
    assert json.dumps(pal.extra_record(stored=True), ensure_ascii=False) == _fixture_extra("eval-pal")
    assert sol.to_dict()["extra"] == {"program": record}

    sample = Sample(id="c1", input="Write double(x).", target="", kind="code")  # type: ignore[arg-type]
    code = Attempt.from_solution(code_solution(sample, q, Completion("def double(x):\n    return 2 * x\n", "stop", 12,
                                                                     8, None, 2), prefill="```python\n"), index=0)
    code.verifier = {"passed": True, "feedback": ""}  # chains.py _add_attempt
    code.method = "cot"  # strategies.py _adopt
    assert json.dumps(code.extra_record(stored=True), ensure_ascii=False) == _fixture_extra("mixed-code")
    assert code.extra_record()["prefill"] == "```python\n"  # in memory, as Attempt.extra had it

    answer = Attempt(index=3, kind="number", mean_logprob=-1.25, extra={"future_key": {"written by": "a later version"}})
    answer.method = "pal"  # _adopt
    answer.verifier = {"passed": False, "reply": "no"}  # chains.py self_check, after every other write
    assert json.dumps(answer.extra_record(stored=True), ensure_ascii=False) == _fixture_extra("mixed", 3)


def test_to_dict_keeps_the_old_shape():
    a = Attempt(index=1, kind="number", program={"status": "ok"}, kept_previous=True, extra={"x": 1})
    d = a.to_dict()
    assert list(d)[-1] == "extra" and d["extra"] == {"kind": "number", "program": {"status": "ok"},
                                                       "kept_previous": True, "x": 1}
    assert "kind" not in d and "program" not in d
    assert Attempt.from_record(d["extra"], index=1) == a
