"""compare end to end with a scripted model: generation, resume, derived budgets, the files written."""

from __future__ import annotations

import json
import re

import pytest

from agent.models.scripted import ScriptedModel, count_text_tokens
from agent.scaling import chain_shape
from agent.types import Sample, SamplingParams, Score
from evals.compare import CompareSpec, run_compare
from evals.compare.estimators import Vote, majority_at_k
from evals.compare.run import _minutes
from evals.store import ResultStore, attempt_from_row


def test_math_questions_are_reported_per_level(tmp_path):
    """MATH's level is the bucket (Snell et al. 2024: the best strategy depends on difficulty):
    a winner for each level, levels after all, in order."""
    samples = [Sample("e", "Question easy?", "6", metadata={"level": "Level 1"}),
               Sample("m", "Question mixed?", "1", metadata={"level": 4})]
    spec = CompareSpec(task="toy", budgets=(1, 2), strategies=("parallel",), chunk_size=2)
    out = run_compare(scripted_solver(), samples, spec, SamplingParams(temperature=0.7, max_tokens=30), tmp_path,
                      grader=grader, progress=lambda s: None)
    assert sorted({p.bucket for p in out.curve}) == ["all", "level 1", "level 4"]
    level1 = next(p for p in out.curve if p.bucket == "level 1" and p.strategy == "parallel" and p.budget == 2)
    assert (level1.questions, level1.accuracy) == (1, 1.0)
    rows = [line for line in (tmp_path / "report.md").read_text().splitlines() if line.startswith("| 2 |")]
    assert [r.split(" | ")[1] for r in rows] == ["all", "level 1", "level 4"]


# ---------------------------------------------------------------- end to end on a scripted model


FIRST = {"easy": ["6"], "mixed": ["1", "2", "2", "1", "3", "1", "2", "2"]}


def scripted_solver():
    drawn = dict.fromkeys(FIRST, 0)

    def rule(req, i):
        if req.messages[-1].role == "user" and "Review your solution" in req.messages[-1].content:
            return "Checked again. The answer is 1."  # every revision answers 1
        q = next(k for k in FIRST if k in req.messages[-1].content)
        drawn[q] += 1
        return f"Thinking. The answer is {FIRST[q][(drawn[q] - 1) % len(FIRST[q])]}."
    return ScriptedModel(rule=rule)


def grader(text, sample):
    m = re.findall(r"answer is (\d+)", text)
    return Score("no_answer") if not m else Score("correct" if m[-1] == sample.target else "incorrect", m[-1])


def test_compare_end_to_end_and_resume(tmp_path):
    samples = [Sample("e", "Question easy?", "6"), Sample("m", "Question mixed?", "1")]
    spec = CompareSpec(task="toy", budgets=(1, 2, 4, 8), chunk_size=1)
    params = SamplingParams(temperature=0.7, max_tokens=30)
    model = scripted_solver()
    lines = []
    out = run_compare(model, samples, spec, params, tmp_path, grader=grader, progress=lines.append)
    # after each chunk but the last: the time left, from the mean time per question so far
    ends = [line for line in lines if "questions generated" in line]
    assert re.fullmatch(r"compare: 1/2 questions generated \(\d+ s for this chunk; about \d+ s left\)", ends[0])
    assert re.fullmatch(r"compare: 2/2 questions generated \(\d+ s for this chunk\)", ends[1])
    # generated once: 8 parallel + 1 greedy + 7 sequential revisions + 4 hybrid revisions per question
    assert sum(r.params.n for r in model.calls) == 2 * (8 + 1 + 7 + 4)
    assert [r.params.temperature for r in model.calls if r.params.temperature == 0] == [0.0, 0.0]
    pts = {(p.strategy, p.budget): p for p in out.curve if p.bucket == "all"}
    mixed = [Vote(a, a == "1") for a in FIRST["mixed"]]
    for k in (1, 2, 4, 8):
        assert pts[("parallel", k)].accuracy == pytest.approx((1 + majority_at_k(mixed, k)) / 2)
    # sequential: step 0 is parallel sample 0 (6 right / 1 right), every revision answers 1
    assert pts[("sequential", 1)].accuracy == 1.0 and pts[("sequential", 2)].accuracy == 0.5
    # the parallel samples were asked for logprobs: their weighted vote is reported beside the majority
    # (the scripted backend gives every token the same logprob, so here the two votes agree)
    assert all(r.params.logprobs == (r.params.n == 8) for r in model.calls)
    for k in (1, 2, 4, 8):
        assert pts[("parallel-weighted", k)].accuracy == pytest.approx(pts[("parallel", k)].accuracy)
    # hybrid@2: one chain, revised to 1 -> easy wrong, mixed right
    assert pts[("hybrid", 2)].accuracy == 0.5
    tok = count_text_tokens("Thinking. The answer is 6.")
    assert pts[("parallel", 4)].generated_tokens == 4 * tok
    # adaptive on the easy question stops after 3 of 8 samples
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["questions_done"] == 2 and data["winners"]
    # greedy: the 9th draw of each question (6: right; FIRST["mixed"][0] = 1: right)
    assert pts[("greedy", 1)].accuracy == 1.0
    diffs = {(d["strategy"], d["budget"]): d for d in data["versus_greedy"]}
    assert diffs[("parallel", 1)]["difference"] == pytest.approx(pts[("parallel", 1)].accuracy - 1.0)
    assert diffs[("sequential", 1)]["difference"] == 0.0
    assert ("pass@k", 1) not in diffs and ("greedy", 1) not in diffs
    # against parallel at the same budget: sequential@2 (0.5) vs maj@2, and parallel is not compared with itself
    same = {(d["strategy"], d["budget"]): d for d in data["versus_parallel"]}
    assert same[("sequential", 2)]["difference"] == pytest.approx(0.5 - pts[("parallel", 2)].accuracy)
    assert same[("parallel-weighted", 8)]["difference"] == pytest.approx(0.0)
    assert not {k for k in same if k[0] in ("parallel", "greedy", "pass@k")}
    # chain majority: steps 6,1 (easy) tie -> 1/2 right; 1,1 (mixed) -> right
    assert data["sequential_chain_majority"]["2"] == pytest.approx((0.5 + 1) / 2)
    # what revision did: easy's right 6 became 1 (wrong) at the first revision and stayed; mixed's 1 stayed 1;
    # hybrid's 4 chains a question start from samples 0-3 (easy 6,6,6,6; mixed 1,2,2,1), each revised to 1
    moves = {(t["strategy"], t["step"]): t for t in data["revision_transitions"]}
    assert sorted(k for k in moves if k[0] == "sequential") == [("sequential", k) for k in range(1, 8)]
    assert moves[("sequential", 1)] == {"strategy": "sequential", "step": 1, "chains": 2, "kept_right": 1,
                                        "right_to_wrong": 1, "wrong_to_right": 0, "kept_wrong": 0, "changed": 1}
    assert (moves[("sequential", 2)]["kept_wrong"], moves[("sequential", 2)]["changed"]) == (1, 0)
    assert moves[("hybrid", 1)] == {"strategy": "hybrid", "step": 1, "chains": 8, "kept_right": 2,
                                    "right_to_wrong": 4, "wrong_to_right": 2, "kept_wrong": 0, "changed": 6}
    easy_adaptive = [p for p in out.curve if p.strategy == "adaptive" and p.budget == 8 and p.bucket == "easy"]
    assert easy_adaptive[0].generated_tokens == 3 * tok
    assert (tmp_path / "curves.png").stat().st_size > 5000
    report = (tmp_path / "report.md").read_text()
    assert "## Budget 8" in report and "Winner per budget" in report and "## Against greedy" in report
    assert "| hybrid | 1 | 8 | 2 | 4 | 2 | 0 | 6 |" in report.split("## What revision does to the answers")[1]
    assert "| sequential | 2 | 2 |" in report.split("## Against parallel voting at the same budget")[1]
    # resume: nothing is regenerated, same curve
    again = scripted_solver()
    out2 = run_compare(again, samples, spec, params, tmp_path, grader=grader, progress=lambda s: None)
    assert again.calls == [] and [p.accuracy for p in out2.curve] == [p.accuracy for p in out.curve]


def test_an_odd_largest_budget_gives_hybrid_the_strategys_own_shape(tmp_path):
    """Budget 5 for hybrid is chains of [3, 2] steps (agent/scaling/budgets.py), in generation,
    in the stored result and in the curve; not two chains of 2 labelled 5."""
    samples = [Sample("m", "Question mixed?", "1")]
    spec = CompareSpec(task="toy", budgets=(1, 2, 4, 5), strategies=("parallel", "hybrid"), chunk_size=1)
    out = run_compare(scripted_solver(), samples, spec, SamplingParams(temperature=0.7, max_tokens=30), tmp_path,
                      grader=grader, progress=lambda s: None)
    with ResultStore.in_dir(tmp_path) as store:
        [result] = store.results("compare-hybrid")
        attempts = store.attempts("compare-hybrid")
    assert result.budget == 5 and result.extra["chain_lengths"] == chain_shape("hybrid", 5) == [3, 2]
    assert len(attempts) == 5
    hybrid = {p.budget: p for p in out.curve if p.strategy == "hybrid" and p.bucket == "all"}
    assert sorted(hybrid) == [1, 2, 4, 5]
    # every revision answers 1 (right): budget 5 votes over two revised chains
    assert hybrid[5].accuracy == 1.0
    tok = count_text_tokens("Checked again. The answer is 1.")
    assert hybrid[5].generated_tokens == sum(a["completion_tokens"] for a in attempts) and tok


def pal_and_cot_solver():
    """cot replies alternate 1, 2, 1, 2, ...; every program (pal, or a revision asked for one) prints 1."""
    drawn = [0]

    def rule(req, i):
        if "python" in req.messages[-1].content.lower():
            return "```python\nprint(1)\n```"
        drawn[0] += 1
        return f"Thinking. The answer is {1 if drawn[0] % 2 else 2}."
    return ScriptedModel(rule=rule)


def test_mixed_parallel_pal_and_revise_exec_are_generated_once_and_derived(tmp_path):
    """Programs run in the real sandbox. Mixed at k votes over k // 2 cot samples and the rest pal,
    exact over every choice: at 2, a cot 1 agrees with pal's 1 (right) and a cot 2 ties (half right)."""
    samples = [Sample("q", "What is 3 - 2?", "1")]
    spec = CompareSpec(task="toy", budgets=(1, 2, 4), strategies=("parallel", "mixed", "parallel-pal", "revise-exec"),
                       chunk_size=1)
    assert spec.runs() == ["parallel", "greedy", "parallel-pal", "revise-exec"]
    model, lines = pal_and_cot_solver(), []
    out = run_compare(model, samples, spec, SamplingParams(temperature=0.7, max_tokens=60), tmp_path,
                      progress=lines.append)
    # 4 cot + 4 pal samples in one call, 1 greedy, then 3 revise-exec rounds of one program each
    assert [r.params.n for r in model.calls] == [4, 4, 1, 1, 1, 1]
    # progress inside a chunk: each phase as it ends
    phases = [re.sub(r" \(\d+ s(?: for this chunk)?\)$", "", line) for line in lines]
    assert phases == ["compare: questions 1-1 of 1: 4 samples each (cot and pal)",
                      "compare: questions 1-1 of 1: greedy reference",
                      *(f"compare: questions 1-1 of 1: revision round {r}/3" for r in (1, 2, 3)),
                      "compare: 1/1 questions generated"]
    pts = {(p.strategy, p.budget): p.accuracy for p in out.curve if p.bucket == "all"}
    assert pts[("parallel", 1)] == 0.5 and pts[("parallel-pal", 1)] == 1.0
    assert pts[("mixed", 1)] == 1.0 and pts[("mixed", 2)] == 0.75
    assert pts[("mixed", 4)] == pytest.approx((1 + 0.5 + 4) / 6)
    assert all(pts[("revise-exec", k)] == 1.0 for k in (1, 2, 4))
    with ResultStore.in_dir(tmp_path) as store:
        chain = [attempt_from_row(a) for a in store.attempts("compare-revise-exec")]
    # the revisions saw the program's run (execution feedback) and were programs themselves
    revision_prompts = [r.messages[-1].content for r in model.calls[4:]]
    assert "printed" in revision_prompts[1].lower() and len(chain) == 4
    assert all((a.program or {}).get("status") == "ok" for a in chain[1:])


def test_mixed_needs_cot_as_the_method():
    assert "use --method cot" in CompareSpec(task="t", strategies=("mixed",), method="pal").problem()
    assert CompareSpec(task="t", strategies=("mixed",)).problem() is None


def test_adaptive_is_replayed_on_the_pal_samples_too(tmp_path):
    """Every program prints 1 (right): adaptive on the pal samples stops once the vote is settled
    (2 agreeing at threshold 0.8, 3 at 0.9), as accurate as parallel-pal at a fraction of its tokens;
    the cot samples alternate 1, 2 and never settle before 4."""
    samples = [Sample("q", "What is 3 - 2?", "1")]
    spec = CompareSpec(task="toy", budgets=(1, 2, 4), strategies=("parallel", "adaptive", "parallel-pal"),
                       chunk_size=1)
    out = run_compare(pal_and_cot_solver(), samples, spec, SamplingParams(temperature=0.7, max_tokens=60), tmp_path,
                      progress=lambda s: None)
    pts = {(p.strategy, p.budget): p for p in out.curve if p.bucket == "all"}
    pal4 = pts[("parallel-pal", 4)]
    assert pts[("adaptive-pal", 4)].accuracy == 1.0
    assert pts[("adaptive-pal", 4)].generated_tokens == pytest.approx(pal4.generated_tokens * 3 / 4)
    sweep = {(r["samples"], r["threshold"]): r for r in
             json.loads((tmp_path / "results.json").read_text())["adaptive_sweep_at_largest_budget"]}
    assert sweep[("pal", 0.8)]["token_share"] == pytest.approx(0.5) and sweep[("pal", 0.8)]["accuracy"] == 1.0
    assert sweep[("pal", 0.95)]["token_share"] == pytest.approx(1.0) and sweep[("pal", 0.95)]["vote_accuracy"] == 1.0
    assert sweep[("cot", 0.9)]["token_share"] == pytest.approx(1.0)
    assert "## Adaptive against its parallel vote" in (tmp_path / "report.md").read_text()


def test_cascade_is_derived_from_the_pal_and_cot_samples(tmp_path):
    """Both programs print 1 (right), the cot samples alternate 1, 2. Cascade at 4 (2 pal, then up
    to 2 cot), threshold 0.9: two agreeing programs are not settled (P = 0.875); a cot 1 settles
    (3 to 0); a cot 2 draws one more of the other 3 cot samples: 1 (2 of 3: 3 to 1, right) or 2
    (2 to 2: half right). At threshold 0.8 two agreeing programs settle: the pal tokens only."""
    samples = [Sample("q", "What is 3 - 2?", "1")]
    spec = CompareSpec(task="toy", budgets=(1, 2, 4), strategies=("parallel", "cascade"), chunk_size=1)
    assert spec.runs() == ["parallel", "greedy", "parallel-pal"]
    assert "use --method cot" in CompareSpec(task="t", strategies=("cascade",), method="pal").problem()
    out = run_compare(pal_and_cot_solver(), samples, spec, SamplingParams(temperature=0.7, max_tokens=60), tmp_path,
                      progress=lambda s: None)
    pts = {(p.strategy, p.budget): p for p in out.curve if p.bucket == "all"}
    assert pts[("cascade", 4)].accuracy == pytest.approx(0.5 + 0.5 * (2 / 3 + 1 / 3 * 0.5))
    assert pts[("cascade", 1)].accuracy == 1.0 and pts[("cascade", 2)].accuracy == 1.0  # programs only
    sweep = {(r["samples"], r["threshold"]): r for r in
             json.loads((tmp_path / "results.json").read_text())["adaptive_sweep_at_largest_budget"]}
    with ResultStore.in_dir(tmp_path) as store:
        pal_tokens = sorted(a["completion_tokens"] for a in store.attempts("compare-parallel-pal"))
        cot_tokens = sum(a["completion_tokens"] for a in store.attempts("compare-parallel"))
    row = sweep[("pal, then cot", 0.8)]
    assert row["accuracy"] == 1.0 and row["vote_accuracy"] == 0.5 and row["gap_ci"] == [0.5, 0.5]
    assert row["token_share"] == pytest.approx(2 * (sum(pal_tokens) / len(pal_tokens)) / cot_tokens)
    assert "pal, then cot" in (tmp_path / "report.md").read_text()


def test_regrade_reads_stored_program_answers_again(tmp_path):
    """A program that printed sympy's `3*sqrt(13)`, stored as the old extraction read it (the text,
    graded incorrect), is read again as LaTeX and graded correct by --regrade; nothing is generated
    (no model), and a second regrade changes nothing."""
    samples = [Sample("q", "Simplify sqrt(117).", r"3\sqrt{13}", kind="math")]
    model = ScriptedModel(rule=lambda req, i: "```python\nprint('3*sqrt(13)')\n```"
                          if "python" in req.messages[-1].content.lower() else r"So \boxed{3\sqrt{13}}.")
    spec = CompareSpec(task="toy", budgets=(1, 2), strategies=("parallel", "parallel-pal"), chunk_size=1)
    params = SamplingParams(temperature=0.7, max_tokens=60)
    run_compare(model, samples, spec, params, tmp_path, progress=lambda s: None)
    with ResultStore.in_dir(tmp_path) as store:
        for a in store.attempts("compare-parallel-pal"):
            assert a["score"] == "correct"  # today's extraction
            store.rescore_attempt("compare-parallel-pal", "q", a["idx"], "3*sqrt(13)", Score("incorrect"))
    lines = []
    out = run_compare(None, samples, spec, params, tmp_path, progress=lines.append)
    assert {(p.strategy, p.accuracy) for p in out.curve if p.budget == 2 and p.bucket == "all"} >= {("parallel-pal", 0.0)}
    out = run_compare(None, samples, spec, params, tmp_path, progress=lines.append, regrade=True)
    assert lines == ["compare: regraded 2 program answers that read differently today"]
    assert {(p.strategy, p.accuracy) for p in out.curve if p.budget == 2 and p.bucket == "all"} >= {("parallel-pal", 1.0)}
    run_compare(None, samples, spec, params, tmp_path, progress=lines.append, regrade=True)
    assert lines[-1] == "compare: regraded 0 program answers that read differently today"


def test_time_left_reads_in_seconds_then_minutes():
    assert _minutes(42.4) == "42 s" and _minutes(119) == "119 s"
    assert _minutes(120) == "2 min" and _minutes(3 * 3600) == "180 min"
