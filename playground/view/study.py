"""Reading a compare study (`playground compare`) from its store, as it is now: the curve and
the analyses of its report (evals/compare/analysis.py: analyse, over the questions every run
has reached, so a study still going shows what it has), plus each strategy's point per
question (the questions behind a point, the disagreements of two strategies at a budget)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent.answers.numbers import parse_number
from agent.scaling.strategies import PARALLEL
from agent.types import Sample
from evals.compare.analysis import analyse, derive_points, load_steps, run_id
from evals.compare.points import Point
from evals.compare.report import CurvePoint
from evals.compare.spec import CompareSpec
from evals.stats import paired_difference_ci
from evals.store import ResultStore
from playground.view.discover import RunRef
from playground.view.evalrun import CODE_TASKS, question_of

SAME = 1e-9


@dataclass
class Study:
    ref: RunRef
    spec: CompareSpec
    meta: dict[str, Any]
    samples: list[Sample]
    curve: list[CurvePoint]
    extra: dict[str, Any]
    points: dict[str, dict[int, dict[str, Point]]]

    def strategies(self) -> list[str]:
        return sorted(self.points)

    def question(self, qid: str) -> Sample | None:
        return next((s for s in self.samples if s.id == qid), None)


def answer_kind(task: str, targets: list[str]) -> str:
    """How the study's answers are compared (the votes' keys): code, math, or number."""
    if task in CODE_TASKS:
        return "code"
    if task == "math500" or not all(parse_number(t) is not None for t in targets):
        return "math"
    return "number"


def _samples(store: ResultStore, spec: CompareSpec) -> list[Sample]:
    """The questions of the study, in dataset order, rebuilt from what is stored: id, gold, the prompt."""
    known = {r["run_id"] for r in store.runs()}
    seen: dict[str, tuple[int, str]] = {}
    for name in spec.runs():
        if run_id(name) in known:
            for r in store.results(run_id(name)):
                seen.setdefault(r.sample_id, (r.position, r.target or ""))
    kind = answer_kind(spec.task, [t for _, t in seen.values()])
    out = []
    for qid, (_, target) in sorted(seen.items(), key=lambda kv: kv[1][0]):
        first = store.attempts(run_id(PARALLEL), qid)[:1] if run_id(PARALLEL) in known else []
        out.append(Sample(qid, question_of(first[0]) if first else "", target, kind))  # type: ignore[arg-type]
    return out


def load_study(ref: RunRef) -> Study:
    with ResultStore.read_only(ref.path) as store:
        manifest = next(r["manifest"] for r in store.runs() if r["run_id"].startswith("compare-"))
        spec_d = dict(manifest.get("spec") or {})
        spec = CompareSpec(**{**spec_d, "budgets": tuple(spec_d.get("budgets", (1,))),
                              "strategies": tuple(spec_d.get("strategies", ()))})
        samples = _samples(store, spec)
        curve, extra = analyse(samples, store, spec)
        steps = load_steps(store, samples)
    done = [s for s in samples if all(s.id in steps[n] for n in spec.runs())]
    points = derive_points(done, steps, spec)
    meta = {k: v for k, v in manifest.items() if k != "spec"}
    return Study(ref, spec, meta, samples, curve, extra, points)


@dataclass
class Disagreement:
    a: str
    b: str
    budget: int
    questions: int
    difference: float
    ci_low: float
    ci_high: float
    rows: list[tuple[str, float, float]]
    """(question id, a's expected correctness, b's) where they differ."""


def disagreements(study: Study, a: str, b: str, budget: int) -> Disagreement | None:
    """Where `a` and `b` at `budget` differ on a question, with the paired difference a - b and its
    bootstrap CI over every question both have (evals/stats.py); None when they share none."""
    pa = study.points.get(a, {}).get(budget, {})
    pb = study.points.get(b, {}).get(budget if b != "greedy" else 1, {})
    qs = [s.id for s in study.samples if s.id in pa and s.id in pb]
    if not qs:
        return None
    d, lo, hi = paired_difference_ci([pa[q].accuracy for q in qs], [pb[q].accuracy for q in qs], seed=study.spec.seed)
    rows = [(q, pa[q].accuracy, pb[q].accuracy) for q in qs if abs(pa[q].accuracy - pb[q].accuracy) > SAME]
    return Disagreement(a, b, budget, len(qs), d, lo, hi, rows)


def question_attempts(ref: RunRef, qid: str) -> dict[str, list[dict[str, Any]]]:
    """Every stored run's attempts at one question (run name -> attempts)."""
    with ResultStore.read_only(ref.path) as store:
        names = [r["run_id"] for r in store.runs() if r["run_id"].startswith("compare-")]
        out = {rid[len("compare-"):]: store.attempts(rid, qid) for rid in names}
    return {k: v for k, v in out.items() if v}
