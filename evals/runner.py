"""The batch runner: samples -> batched generation -> grading -> store -> report.

Samples go in chunks (`chunk_size`, 64 by default for in-process backends): a
chunk is the unit of batching, not of committing. `solve_stream` yields each
sample as soon as its whole pipeline has finished (after the chunk's batched
call per stage for in-process backends; one by one, `max_concurrency` samples
in flight, for the openai backend), and the runner commits it to the store at
once (attempts + result in one transaction, at the sample's dataset position).
So a killed run loses at most the answers in flight, and `resume=True` skips
every sample whose result row exists: none is regenerated or counted twice.
Greedy results do not depend on which samples share a batch or on the order
they are committed, so a resumed greedy run equals an uninterrupted one.

Ctrl-C stops after nothing more: the store is closed, the run is marked
"interrupted" and `RunSummary.interrupted` tells the caller to print how to
resume. A sample whose generation or grading fails is stored as an error with
its reason; the run goes on. A backend lost for good (no server answers,
BackendLostError) and a full disk stop the run the same way, `RunSummary.stopped`
saying why: every committed answer stays (on a full disk nothing more is written,
not even the status or the reports), and `--resume` goes on from there.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from agent.errors import BackendLostError, UsageError
from agent.scaling import StrategyResult
from agent.scaling.strategies import SINGLE
from agent.types import Model, Sample, SamplingParams, Score
from evals import report as reports
from evals.manifest import identity_diff
from evals.solvers import SampleError, SolveSpec, solve_stream
from evals.store import ResultStore, disk_full


@dataclass(frozen=True)
class EvalSpec:
    """What is evaluated and how (the `eval` section of the manifest)."""

    task: str
    data: str | None = None
    limit: int | None = None
    per_level: int | None = None
    """The first K samples of each difficulty level (before `limit`)."""
    method: str = "cot"
    strategy: str = SINGLE
    budget: int = 1
    n: int = 1
    chunk_size: int = 64
    code_timeout_s: float = 10.0
    question_field: str | None = None
    answer_field: str | None = None
    id_field: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def solving(self, params: SamplingParams) -> SolveSpec:
        """How each chunk is solved: this spec's method, strategy, budget and code timeout,
        sampling with `params` (the one place an eval's spec becomes a solver's)."""
        return SolveSpec(method=self.method, strategy=self.strategy, budget=self.budget, params=params,
                         code_timeout_s=self.code_timeout_s)


@dataclass
class RunSummary:
    run_id: str
    out_dir: str
    total: int
    done: int
    errors: int
    correct: int
    graded: int
    interrupted: bool = False
    wall_s: float = 0.0
    stopped: str = ""
    """Why the run stopped early on its own (the backend lost, the disk full); "" when it did not."""
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.graded if self.graded else None


def open_run(store: ResultStore, manifest: dict[str, Any], *, resume: bool) -> str:
    """The run id to write to: a new run, or (resume) the existing one if it matches."""
    runs = store.runs()
    if not runs:  # also with resume: a run killed before its first write starts afresh
        return store.create_run(manifest)
    if not resume:
        raise UsageError(f"{store.path.parent} already holds a run ({runs[-1]['status']}): "
                         "use --resume or another --out")
    run = runs[-1]
    diff = identity_diff(run["manifest"].get("identity", {}), manifest["identity"])
    if diff:
        raise UsageError("cannot resume: the run in " f"{store.path.parent} differs ({'; '.join(diff)})")
    old = run["manifest"]
    old.setdefault("resumed", []).append({"at": manifest.get("created"), "command": manifest.get("command")})
    store.update_manifest(run["run_id"], old)
    return run["run_id"]


class _Progress:
    """tqdm bar: samples done, accuracy so far, tokens/s (this session), errors; ETA from tqdm."""

    def __init__(self, total: int, initial: int, enabled: bool) -> None:
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=initial, unit="sample", dynamic_ncols=True, smoothing=0.1)
        self.t0 = time.perf_counter()
        self.tokens = 0

    def update(self, n: int, correct: int, graded: int, errors: int, tokens: int) -> None:
        self.tokens += tokens
        if self.bar is None:
            return
        rate = self.tokens / max(1e-9, time.perf_counter() - self.t0)
        acc = f"{correct / graded:.1%}" if graded else "-"
        self.bar.set_postfix_str(f"acc={acc} tok/s={rate:.1f} errors={errors}", refresh=False)
        self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_eval(model: Model, samples: list[Sample], spec: EvalSpec, params: SamplingParams, out_dir: str | Path, *,
             manifest: dict[str, Any], resume: bool = False, progress: bool = True,
             write_reports: bool = True) -> RunSummary:
    """Run (or resume) an evaluation into `out_dir`, sampling with `params`; returns the summary
    (also on Ctrl-C)."""
    solve = spec.solving(params)
    out = Path(out_dir)
    store = ResultStore.in_dir(out)
    try:
        run_id = open_run(store, manifest, resume=resume)
        store.set_status(run_id, "running")
        store.start_session(run_id)
        done = store.done_ids(run_id)
        stored = store.results(run_id)
        correct = sum(1 for r in stored if r.score == "correct")
        graded = len(stored)
        position = {s.id: i for i, s in enumerate(samples)}
        todo = [s for s in samples if s.id not in done]
        errors = 0
        bar = _Progress(len(samples), len(samples) - len(todo), progress)
        interrupted, stopped, full = False, "", False
        try:
            for start in range(0, len(todo), max(1, spec.chunk_size)):
                chunk = todo[start:start + max(1, spec.chunk_size)]
                for sample, outcome in solve_stream(model, chunk, solve):  # commit each answer when it is done
                    outcome = _as_error_if_grading_failed(outcome)
                    tokens = 0
                    if isinstance(outcome, SampleError):
                        store.write_error(run_id, sample.id, outcome.reason, position=position[sample.id])
                        errors += 1
                    else:
                        store.write_result(run_id, outcome, position=position[sample.id], target=sample.target)
                        graded += 1
                        correct += int(bool(outcome.score and outcome.score.correct))
                        tokens = outcome.completion_tokens
                    store.touch_session(1)
                    bar.update(1, correct, graded, errors, tokens)
        except KeyboardInterrupt:
            interrupted = True
        except BackendLostError as e:  # what is stored stays; --resume goes on from there
            interrupted, stopped = True, str(e)
        except (sqlite3.Error, OSError) as e:
            if not disk_full(e):
                raise
            interrupted, stopped, full = True, f"no space left on the disk holding {out}", True
        finally:
            bar.close()
        if not full:
            store.touch_session()
        stored = store.results(run_id)
        n_done, n_errors = len(stored), len(store.errors(run_id))
        correct, graded = sum(1 for r in stored if r.score == "correct"), len(stored)
        status = "interrupted" if interrupted else ("finished" if n_done + n_errors >= len(samples) else "partial")
        if not full:
            store.set_status(run_id, status)
        summary = RunSummary(run_id, str(out), len(samples), n_done, n_errors, correct, graded, interrupted,
                             store.wall_time(run_id), stopped=stopped)
        if write_reports and not full:
            summary.report = reports.write_reports(store, run_id, out, samples)
        return summary
    finally:
        store.close()


def _as_error_if_grading_failed(outcome: StrategyResult | SampleError) -> StrategyResult | SampleError:
    """A score of "error" means grading itself failed (sandbox could not start): the sample errored."""
    if isinstance(outcome, StrategyResult) and isinstance(outcome.score, Score) and outcome.score.value == "error":
        return SampleError(outcome.sample_id, f"grading failed: {outcome.score.explanation}")
    return outcome
