"""--regrade on reasoned answers: a response cut off by max_tokens, stored as the old extraction
read it (the last number of its working, graded correct), is read again as no answer."""

from __future__ import annotations

from agent.models.scripted import ScriptedModel
from agent.types import Sample, SamplingParams, Score
from evals.compare import CompareSpec, run_compare
from evals.store import ResultStore

CUT_REPLY = "She has 16 - 3 - 4 = 9 eggs, and 9 * 2 = 18 dollars; now we check that sum once more, slowly and carefully"


def test_regrade_reads_cut_off_answers_again(tmp_path):
    samples = [Sample("q", "Eggs?", "18")]
    spec = CompareSpec(task="toy", budgets=(1, 2), strategies=("parallel",), chunk_size=1)
    params = SamplingParams(temperature=0.7, max_tokens=20)
    run_compare(ScriptedModel(rule=lambda req, i: CUT_REPLY), samples, spec, params, tmp_path,
                progress=lambda s: None)
    with ResultStore.in_dir(tmp_path) as store:
        rows = store.attempts("compare-parallel")
        assert rows and all(a["finish_reason"] == "length" and a["score"] == "no_answer" for a in rows)
        for a in rows:  # as stored before the fix
            store.rescore_attempt("compare-parallel", "q", a["idx"], "18", Score("correct", "18"))
    lines = []
    out = run_compare(None, samples, spec, params, tmp_path, progress=lines.append)
    assert {(p.strategy, p.accuracy) for p in out.curve if p.budget == 2 and p.bucket == "all"} >= {("parallel", 1.0)}
    out = run_compare(None, samples, spec, params, tmp_path, progress=lines.append, regrade=True)
    assert lines[-1] == f"compare: regraded {len(rows)} reasoned answers that read differently today"
    assert {(p.strategy, p.accuracy) for p in out.curve if p.budget == 2 and p.bucket == "all"} >= {("parallel", 0.0)}
    with ResultStore.in_dir(tmp_path) as store:
        assert {(a["answer"], a["score"]) for a in store.attempts("compare-parallel")} == {(None, "no_answer")}
    lines.clear()
    run_compare(None, samples, spec, params, tmp_path, progress=lines.append, regrade=True)
    assert lines == ["compare: regraded 0 program answers that read differently today"]  # nothing left to change
