"""Compute-matched comparison of test-time strategies (`playground compare`).

Generation happens once, at the largest budget N, each strategy growing the chains
of `chain_shape(strategy, N)` (agent/scaling/budgets.py), and every smaller budget b
is derived from them (never regenerated), its chains `chain_shape(strategy, b)` being
prefixes of the stored ones (evals/compare/estimators.py: budget_point):
- parallel: N samples; maj@k for k < N exact over all k-subsets (best-of-k by
  the public-example verifier for code);
- sequential: one chain of N steps; sequential@k is the answer of step k;
- hybrid: chains of k=2 steps (a first attempt and one revision), the remainder
  of an odd N one more step on the first chains; hybrid at budget b: majority over
  the final answers of its chains, exact over subsets of the stored chains (an odd
  b > 1 is derived only where the stored chains have its shape, as at N itself);
- adaptive: the stopping rule replayed on the stored parallel samples over random
  orderings (exact in distribution: adaptive draws exchangeable samples in sequence).
To save compute, chains start from the stored parallel samples (sequential from
sample 0, hybrid chain i from sample i); those shared first attempts are counted
in each strategy's tokens, since each strategy alone would have had to generate them.

Resumable: attempts go to DIR/results.sqlite (evals/store.py), one run per
generated strategy, a chunk of questions at a time; a rerun skips what is stored.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from agent.answers import answer_key
from agent.scaling.adaptive import DEFAULT_BATCH, DEFAULT_THRESHOLD
from agent.scaling.budgets import chain_shape
from agent.scaling.chains import grow_chains, initial_messages, start_chains
from agent.scaling.sampling import strategy_params
from agent.scaling.strategies import finish
from agent.scaling.types import Attempt, Grader, Job, ScalingOptions
from agent.types import Model, Sample, SamplingParams
from evals.compare.estimators import (
    Point,
    Step,
    Vote,
    adaptive_point,
    budget_point,
    chains_of,
    difficulty_bucket,
    pass_rate,
    vote_value,
)
from evals.compare.plot import plot_curves
from evals.compare.report import ORACLE, CurvePoint, aggregate, verdicts, write_report
from evals.grading import grade
from evals.stats import pass_at_k
from evals.store import ResultStore

GENERATED = ("parallel", "sequential", "hybrid")
COMPARED = ("parallel", "sequential", "hybrid", "adaptive")
"""The strategies compare derives at every budget (mixed and revise-exec are run by eval and ask)."""
ADAPTIVE_SWEEP = (0.8, 0.9, 0.95)


@dataclass
class CompareSpec:
    task: str
    budgets: tuple[int, ...] = (1, 2, 4, 8)
    strategies: tuple[str, ...] = COMPARED
    method: str = "cot"
    hybrid_k: int = 2
    """Steps per hybrid chain."""
    adaptive_batch: int = DEFAULT_BATCH
    adaptive_threshold: float = DEFAULT_THRESHOLD
    chunk_size: int = 8
    """Questions generated (and stored) together."""
    seed: int = 0

    @property
    def largest(self) -> int:
        return max(self.budgets)

    def shape(self, strategy: str) -> list[int]:
        """The chains `strategy` grows at the largest budget (agent/scaling/budgets.py)."""
        return chain_shape(strategy, self.largest, self.hybrid_k)

    def parallel_count(self) -> int:
        """Parallel samples generated: every chain of every strategy starts from one of them."""
        return max(len(self.shape(s)) for s in ("parallel", *self.strategies))


@dataclass
class CompareOutcome:
    curve: list[CurvePoint]
    out_dir: Path
    files: dict[str, str] = field(default_factory=dict)
    wall_time_s: float = 0.0


def _print(line: str) -> None:
    print(line, flush=True)


def _run_id(name: str) -> str:
    return f"compare-{name}"


def _ensure_runs(store: ResultStore, spec: CompareSpec, meta: dict) -> None:
    existing = {r["run_id"]: r for r in store.runs()}
    manifest = {"spec": asdict(spec), **meta}
    for name in (*GENERATED, "session"):
        rid = _run_id(name)
        if rid not in existing:
            store.create_run(manifest, rid)


def _chains_from(parallel: list[Attempt], starts: int, base: list, sample: Sample, method: str) -> Job:
    """A job whose chains start from copies of the first `starts` parallel samples."""
    job = Job(sample, base, method)
    for i, a in enumerate(parallel[:starts]):
        c = copy.deepcopy(a)
        c.index, c.chain, c.step = i, i, 0
        c.extra["shared_from"] = f"parallel:{a.index}"
        job.chains.append([c])
        job.attempts.append(c)
    return job


def generate(model: Model, samples: list[Sample], spec: CompareSpec, params: SamplingParams,
             store: ResultStore, grader: Grader, progress: Callable[[str], None] = _print) -> None:
    """Generate (or resume) every stored run of the comparison, a chunk of questions at a time."""
    options = ScalingOptions(hybrid_k=spec.hybrid_k)
    done = {name: store.done_ids(_run_id(name)) for name in GENERATED}
    wanted = [n for n in GENERATED if n == "parallel" or n in spec.strategies]
    todo = [s for s in samples if any(s.id not in done[n] for n in wanted)]
    store.start_session(_run_id("session"))
    n_par, seed = spec.parallel_count(), str(spec.seed)
    for start in range(0, len(todo), spec.chunk_size):
        chunk = todo[start:start + spec.chunk_size]
        t0 = time.perf_counter()
        jobs = [Job(s, initial_messages(s, spec.method), spec.method) for s in chunk]
        fresh = [j for j in jobs if j.sample.id not in done["parallel"]]
        start_chains(model, fresh, [n_par] * len(fresh), params, options)
        for j in fresh:
            result = finish(j, "parallel", n_par, options, grader, seed)
            store.write_result(_run_id("parallel"), result, position=samples.index(j.sample), target=j.sample.target)
        for j in jobs:
            if j.sample.id in done["parallel"]:
                j.attempts = store.load_attempts(_run_id("parallel"), j.sample.id)
        revised = [name for name in ("sequential", "hybrid") if name in spec.strategies]
        chained = {name: [_chains_from(j.attempts, len(spec.shape(name)), j.base, j.sample, j.method) for j in jobs
                          if j.sample.id not in done[name]] for name in revised}
        # one generate call per round for every chain of every strategy still growing
        grow_chains(model, [(chained[name], spec.shape(name)) for name in revised], params, options)
        for name in revised:
            for j in chained[name]:
                result = finish(j, name, spec.largest, options, grader, seed)
                store.write_result(_run_id(name), result, position=samples.index(j.sample), target=j.sample.target)
        store.touch_session(len(chunk))
        progress(f"compare: {start + len(chunk)}/{len(todo)} questions generated "
                 f"({time.perf_counter() - t0:.0f} s for this chunk)")


def load_steps(store: ResultStore, samples: list[Sample]) -> dict[str, dict[str, list[Step]]]:
    """run name -> question id -> stored attempts reduced to Steps."""
    kinds = {s.id: s.kind for s in samples}
    out: dict[str, dict[str, list[Step]]] = {}
    for name in GENERATED:
        by_q: dict[str, list[Step]] = {}
        for r in store.attempts(_run_id(name)):
            if r["sample_id"] not in kinds:
                continue
            passed = (r["extra"].get("verifier") or {}).get("passed") is True
            vote = Vote(answer_key(r["answer"], kinds[r["sample_id"]]), r["score"] == "correct", passed)
            by_q.setdefault(r["sample_id"], []).append(
                Step(r["chain"], r["step"], vote, r["completion_tokens"], r["prompt_tokens"]))
        out[name] = by_q
    return out


def derive_points(samples: list[Sample], steps: dict[str, dict[str, list[Step]]], spec: CompareSpec,
                  threshold: float | None = None) -> dict[str, dict[int, dict[str, Point]]]:
    """points[strategy][budget][question id], every budget derived from the stored runs."""
    threshold = spec.adaptive_threshold if threshold is None else threshold
    par = steps["parallel"]
    points: dict[str, dict[int, dict[str, Point]]] = {}

    def put(strategy: str, budget: int, qid: str, p: Point | None) -> None:
        if p is not None:
            points.setdefault(strategy, {}).setdefault(budget, {})[qid] = p

    for s in samples:
        q = s.id
        for b in spec.budgets:
            for name in ("parallel", "sequential", "hybrid"):
                if name in spec.strategies and q in steps[name]:
                    put(name, b, q, budget_point(name, steps[name][q], b, kind=s.kind, hybrid_k=spec.hybrid_k))
            if "parallel" in spec.strategies and len(par.get(q, [])) >= b:
                pp = points["parallel"][b][q]
                correct = sum(st.vote.correct for st in par[q])
                put(ORACLE, b, q, Point(pass_at_k(len(par[q]), correct, b), pp.generated_tokens, pp.total_tokens))
            if "adaptive" in spec.strategies and len(par.get(q, [])) >= b:
                put("adaptive", b, q, adaptive_point(par[q], b, batch=spec.adaptive_batch, threshold=threshold,
                                                     seed=spec.seed))
    return points


def difficulty(samples: list[Sample], steps: dict[str, dict[str, list[Step]]]) -> dict[str, str]:
    out = {}
    for s in samples:
        ref = steps["parallel"].get(s.id) or steps["sequential"].get(s.id) or []
        if ref or s.metadata.get("level") is not None:
            out[s.id] = difficulty_bucket(pass_rate(ref), s.metadata.get("level"))
    return out


def analyse(samples: list[Sample], store: ResultStore, spec: CompareSpec) -> tuple[list[CurvePoint], dict]:
    """The curve (all questions and per difficulty bucket) and the extra analyses of results.json."""
    steps = load_steps(store, samples)
    done = [s for s in samples if all(s.id in steps[n] for n in GENERATED if n == "parallel" or n in spec.strategies)]
    buckets = difficulty(done, steps)
    curve = aggregate(derive_points(done, steps, spec), buckets, seed=spec.seed)
    extra: dict = {"questions_done": len(done), "difficulty": buckets}
    if "sequential" in spec.strategies and done:
        # the optional answer of a chain: majority over its first k steps instead of the last step
        extra["sequential_chain_majority"] = {
            b: sum(vote_value([st.vote for st in chains_of(steps["sequential"][s.id])[0][:b]]) for s in done) / len(done)
            for b in spec.budgets}
    if "adaptive" in spec.strategies and done:
        sweep = []
        for th in ADAPTIVE_SWEEP:
            pts = derive_points(done, steps, CompareSpec(**{**asdict(spec), "strategies": ("adaptive",),
                                                          "budgets": (spec.largest,)}), threshold=th)
            by_q = pts.get("adaptive", {}).get(spec.largest, {})
            if by_q:
                sweep.append({"threshold": th, "accuracy": sum(p.accuracy for p in by_q.values()) / len(by_q),
                              "generated_tokens": sum(p.generated_tokens for p in by_q.values()) / len(by_q)})
        extra["adaptive_sweep_at_largest_budget"] = sweep
    return curve, extra


def run_compare(model: Model | None, samples: list[Sample], spec: CompareSpec, params: SamplingParams,
                out_dir: str | Path, *, grader: Grader | None = None, meta: dict | None = None,
                progress: Callable[[str], None] = _print) -> CompareOutcome:
    """Generate (resuming what is stored), derive every budget, write results.json, report.md, curves.png.
    With model None nothing is generated: the outputs are rewritten from what is stored."""
    grader = grader or grade
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    params = strategy_params(params)
    meta = dict(meta or {})
    with ResultStore.in_dir(out) as store:
        _ensure_runs(store, spec, meta)
        if model is not None:
            generate(model, samples, spec, params, store, grader, progress)
        curve, extra = analyse(samples, store, spec)
        wall = store.wall_time(_run_id("session"))
    meta.update({"task": spec.task, "questions": extra["questions_done"], "budgets": list(spec.budgets),
                 "strategies": list(spec.strategies), "wall_time_s": round(wall, 1)})
    files = {"results": str(out / "results.json"), "report": str(out / "report.md"),
             "curves": str(out / "curves.png")}
    Path(files["results"]).write_text(json.dumps(
        {"meta": meta, "spec": asdict(spec), "curve": [p.to_dict() for p in curve],
         "winners": [asdict(v) for v in verdicts(curve)], **extra}, indent=2), encoding="utf-8")
    write_report(files["report"], curve, meta)
    plot_curves(curve, files["curves"], title=f"{spec.task}: accuracy vs test-time compute")
    return CompareOutcome(curve, out, files, wall)
