"""Compute-matched comparison of test-time strategies (`playground compare`).

Generation happens once, at the largest budget N, each strategy growing the chains
of `chain_shape(strategy, N)` through the orchestrator eval, ask and the REPL run strategies
with (agent/scaling/strategies.py: grow_jobs, handed jobs whose chains start from the stored
parallel samples), and every smaller budget b
is derived from them (never regenerated), its chains `chain_shape(strategy, b)` being
prefixes of the stored ones (evals/compare/points.py: budget_point):
- parallel: N samples; maj@k for k < N exact over all k-subsets (best-of-k by
  the public-example verifier for code);
- sequential: one chain of N steps; sequential@k is the answer of step k;
- hybrid: chains of k=2 steps (a first attempt and one revision), the remainder
  of an odd N one more step on the first chains; hybrid at budget b: majority over
  the final answers of its chains, exact over subsets of the stored chains (an odd
  b > 1 is derived only where the stored chains have its shape, as at N itself);
- adaptive: the stopping rule replayed on the stored parallel samples, its exact expectation
  over every order they could be drawn in (adaptive draws exchangeable samples in sequence);
  adaptive-pal the same on the pal samples; cascade (pal programs first, then cot samples, one
  stopping rule over both) on the stored pal and cot samples;
- mixed: N // 2 cot samples and the rest pal, a vote over both; derived from the parallel
  cot samples and N pal samples generated beside them (parallel-pal, also reported
  alone), exact over every choice of the two subsets;
- revise-exec: one chain: a first cot attempt, then pal programs, each revision seeing the
  previous program's run (agent/scaling/strategies.py); revise-exec@k is step k's answer.
Every strategy is also measured against a greedy reference (one temperature-0 attempt
of the method per question): the paired bootstrap CI of the accuracy difference.
To save compute, chains start from the stored parallel samples (sequential and
revise-exec from sample 0, hybrid chain i from sample i); those shared first attempts are
counted in each strategy's tokens, since each strategy alone would have had to generate them.

Resumable: attempts go to DIR/results.sqlite (evals/store.py), one run per
generated strategy (evals/compare/spec.py: runs), a chunk of questions at a time; a
rerun skips what is stored, and a rerun with more strategies or a smaller largest
budget reuses the stored parallel samples (the chains start from them).
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from agent.scaling.sampling import strategy_params
from agent.scaling.strategies import PARALLEL, STRATEGIES, finish, grow_jobs
from agent.scaling.types import Attempt, Grader, Job, ScalingOptions
from agent.types import Model, Sample, SamplingParams, evaluated_share
from evals.compare.analysis import analyse, run_id
from evals.compare.plot import plot_curves
from evals.compare.regrade import regrade_answers, regrade_programs
from evals.compare.report import CurvePoint, verdicts, write_report
from evals.compare.spec import GREEDY, PAL_SAMPLES, CompareSpec, chained
from evals.grading import grade
from evals.store import ResultStore


@dataclass
class CompareOutcome:
    curve: list[CurvePoint]
    out_dir: Path
    files: dict[str, str] = field(default_factory=dict)
    wall_time_s: float = 0.0


def _print(line: str) -> None:
    print(line, flush=True)


def _ensure_runs(store: ResultStore, spec: CompareSpec, meta: dict) -> None:
    existing = {r["run_id"]: r for r in store.runs()}
    manifest = {"spec": asdict(spec), **meta}
    for name in (*spec.runs(), "session"):
        rid = run_id(name)
        if rid not in existing:
            store.create_run(manifest, rid)


def _chains_from(parallel: list[Attempt], starts: int, sample: Sample, method: str, strategy: str) -> Job:
    """A job of `strategy` whose chains start from copies of the first `starts` parallel samples."""
    job = STRATEGIES[strategy].job(sample, method)
    for i, a in enumerate(parallel[:starts]):
        c = copy.deepcopy(a)
        c.index, c.chain, c.step = i, i, 0
        c.shared_from = f"parallel:{a.index}"
        job.chains.append([c])
        job.attempts.append(c)
    return job


def _store(store: ResultStore, name: str, jobs: list[Job], strategy: str, budget: int, options: ScalingOptions,
           grader: Grader, seed: str, samples: list[Sample]) -> None:
    for j in jobs:
        result = finish(j, strategy, budget, options, grader, seed)
        store.write_result(run_id(name), result, position=samples.index(j.sample), target=j.sample.target)


def _minutes(seconds: float) -> str:
    """A remaining time as a person reads it: seconds under two minutes, minutes after."""
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def generate(model: Model, samples: list[Sample], spec: CompareSpec, params: SamplingParams,
             store: ResultStore, grader: Grader, progress: Callable[[str], None] = _print) -> None:
    """Generate (or resume) every stored run of the comparison, a chunk of questions at a time: the
    parallel samples (and pal samples beside them) in one call, the greedy reference in one, then
    one call per revision round for every chain of every chained strategy."""
    options = ScalingOptions(hybrid_k=spec.hybrid_k)
    runs = spec.runs()
    done = {name: store.done_ids(run_id(name)) for name in runs}
    todo = [s for s in samples if any(s.id not in done[n] for n in runs)]
    store.start_session(run_id("session"))
    n_par, seed = spec.parallel_count(), str(spec.seed)
    greedy = replace(params, temperature=0.0, top_p=1.0)
    parallel = STRATEGIES[PARALLEL]
    began = time.perf_counter()
    for start in range(0, len(todo), spec.chunk_size):
        chunk = todo[start:start + spec.chunk_size]
        t0 = time.perf_counter()
        where = f"compare: questions {start + 1}-{start + len(chunk)} of {len(todo)}"

        def phase(what: str, since: float = t0, where: str = where) -> None:
            progress(f"{where}: {what} ({time.perf_counter() - since:.0f} s)")

        jobs = [parallel.job(s, spec.method) for s in chunk]
        fresh = [j for j in jobs if j.sample.id not in done[PARALLEL]]
        pal = [parallel.job(s, "pal") for s in chunk
               if PAL_SAMPLES in runs and s.id not in done[PAL_SAMPLES]]
        if fresh or pal:
            # with token logprobs: the weighted vote (evals/compare/analysis.py: WEIGHTED) needs them
            grow_jobs(model, [(parallel, fresh, n_par), (parallel, pal, n_par)], replace(params, logprobs=True),
                      options)
            _store(store, PARALLEL, fresh, PARALLEL, n_par, options, grader, seed, samples)
            _store(store, PAL_SAMPLES, pal, PARALLEL, n_par, options, grader, seed, samples)
            phase(f"{n_par} samples each" + (" (cot and pal)" if pal else ""))
        ref = [parallel.job(s, spec.method) for s in chunk if s.id not in done[GREEDY]]
        if ref:
            t1 = time.perf_counter()
            grow_jobs(model, [(parallel, ref, 1)], greedy, options)
            _store(store, GREEDY, ref, PARALLEL, 1, options, grader, seed, samples)
            phase("greedy reference", t1)
        for j in jobs:
            if j.sample.id in done[PARALLEL]:
                j.attempts = store.load_attempts(run_id(PARALLEL), j.sample.id)
        revised = chained(spec.strategies)
        growing = {name: [_chains_from(j.attempts, len(spec.shape(name)), j.sample, j.method, name)
                          for j in jobs if j.sample.id not in done[name]] for name in revised}
        t1 = time.perf_counter()
        # their chains started (from the stored parallel samples): one generate call per round for every
        # chain of every strategy still growing
        grow_jobs(model, [(STRATEGIES[name], growing[name], spec.largest) for name in revised], params, options,
                  on_round=lambda r, rounds, t1=t1: phase(f"revision round {r}/{rounds}", t1))
        for name in revised:
            _store(store, name, growing[name], name, spec.largest, options, grader, seed, samples)
        store.touch_session(len(chunk))
        now, done_now = time.perf_counter(), start + len(chunk)
        left = len(todo) - done_now
        eta = f"; about {_minutes((now - began) / done_now * left)} left" if left else ""
        progress(f"compare: {done_now}/{len(todo)} questions generated ({now - t0:.0f} s for this chunk{eta})")


def run_compare(model: Model | None, samples: list[Sample], spec: CompareSpec, params: SamplingParams,
                out_dir: str | Path, *, grader: Grader | None = None, meta: dict | None = None,
                progress: Callable[[str], None] = _print, regrade: bool = False) -> CompareOutcome:
    """Generate (resuming what is stored), derive every budget, write results.json, report.md, curves.png.
    With model None nothing is generated: the outputs are rewritten from what is stored. `regrade`:
    first re-read the stored answers (programs', then reasoned ones) and grade them again
    (evals/compare/regrade.py)."""
    grader = grader or grade
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    params = strategy_params(params)
    meta = dict(meta or {})
    with ResultStore.in_dir(out) as store:
        _ensure_runs(store, spec, meta)
        if regrade:
            changed = regrade_programs(store, samples, [run_id(n) for n in spec.runs()])
            progress(f"compare: regraded {changed} program answers that read differently today")
            changed = regrade_answers(store, samples, [run_id(n) for n in spec.runs()])
            if changed:
                progress(f"compare: regraded {changed} reasoned answers that read differently today")
        if model is not None:
            generate(model, samples, spec, params, store, grader, progress)
        curve, extra = analyse(samples, store, spec)
        wall = store.wall_time(run_id("session"))
        sent, evaluated = store.prompt_tokens([run_id(n) for n in spec.runs()])
    meta.update({"task": spec.task, "questions": extra["questions_done"], "budgets": list(spec.budgets),
                 "strategies": list(spec.strategies), "wall_time_s": round(wall, 1)})
    if evaluated is not None:  # stores written before the count existed keep their report as it was
        meta["prompt_tokens"] = f"{evaluated_share(sent, evaluated)} over the whole generation"
    files = {"results": str(out / "results.json"), "report": str(out / "report.md"),
             "curves": str(out / "curves.png")}
    Path(files["results"]).write_text(json.dumps(
        {"meta": meta, "spec": asdict(spec), "curve": [p.to_dict() for p in curve],
         "winners": [asdict(v) for v in verdicts(curve)], **extra}, indent=2), encoding="utf-8")
    write_report(files["report"], curve, meta, extra)
    plot_curves(curve, files["curves"], title=f"{spec.task}: accuracy vs test-time compute")
    return CompareOutcome(curve, out, files, wall)
