"""How to prompt and grade one chunk of samples.

`solve_stream(model, samples, spec)` yields each sample with its outcome, a
graded `StrategyResult` or a `SampleError` (generation or grading failed for
that sample alone), as soon as that sample's whole pipeline has finished, so the
caller can store every answer when it is done:
- an in-process backend (transformers, vllm, scripted) gets one batched call per
  chunk (per stage for multi-stage methods), never one prompt at a time; every
  sample of the chunk is yielded after it. When a batched call fails, each
  sample is retried alone so that one bad sample cannot sink the others.
- a backend serving requests over HTTP (it has `max_concurrency`: openai) runs
  one pipeline per sample, `max_concurrency` samples at a time in daemon
  threads (a killed or interrupted run does not wait for them), and yields in
  the order samples finish. Code is graded at most `grade_workers` at a time.
`solve_chunk` is the same, as a list in the order of `samples`.

Every sample is solved by `agent.scaling.run_strategy` with the spec's strategy at its budget
(`single`, the default: the method's own attempts, --n of them for pass@k, the first the answer;
code samples get prompts/code.yaml's prompt under every strategy); every attempt graded (code:
by its tests in the sandbox, a chunk's programs in parallel), the first also by each extraction
pipeline for the report.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field

from agent.errors import BackendLostError
from agent.scaling import StrategyResult, run_strategy
from agent.scaling.strategies import SINGLE
from agent.types import Model, Sample, SamplingParams, Score
from evals.grading import grade, grade_code_many, grade_math


@dataclass(frozen=True)
class SolveSpec:
    method: str = "cot"
    """Reasoning method for answer tasks (agent.reasoning.METHODS)."""
    strategy: str = SINGLE
    budget: int = 1
    """Attempts per sample (single: completions, for pass@k at temperature > 0)."""
    params: SamplingParams = field(default_factory=SamplingParams)
    code_timeout_s: float = 10.0
    grade_workers: int = 2


@dataclass
class SampleError:
    sample_id: str
    reason: str


def solve_stream(model: Model, samples: list[Sample],
                 spec: SolveSpec) -> Iterator[tuple[Sample, StrategyResult | SampleError]]:
    if not samples:
        return
    workers = getattr(model, "max_concurrency", None)
    if workers:
        yield from _stream_concurrently(model, samples, spec, workers)
        return
    try:
        outcomes = _solve(model, samples, spec)
    except BackendLostError:  # no server answers: the run stops, no sample is to blame
        raise
    except Exception as e:  # noqa: BLE001 - isolate the failing sample(s) below
        if len(samples) == 1:
            yield samples[0], SampleError(samples[0].id, _reason(e))
            return
        for s in samples:
            yield s, _solve_alone(model, s, spec)
        return
    yield from zip(samples, outcomes, strict=True)


def solve_chunk(model: Model, samples: list[Sample], spec: SolveSpec) -> list[StrategyResult | SampleError]:
    outcomes = {id(s): o for s, o in solve_stream(model, samples, spec)}
    return [outcomes[id(s)] for s in samples]


def _stream_concurrently(model: Model, samples: list[Sample], spec: SolveSpec,
                         workers: int) -> Iterator[tuple[Sample, StrategyResult | SampleError]]:
    todo: queue.SimpleQueue[Sample] = queue.SimpleQueue()
    done: queue.SimpleQueue[tuple[Sample, StrategyResult | SampleError]] = queue.SimpleQueue()
    for s in samples:
        todo.put(s)
    stop = threading.Event()
    grade_slots = threading.BoundedSemaphore(max(1, spec.grade_workers))

    def work() -> None:
        while not stop.is_set():
            try:
                sample = todo.get_nowait()
            except queue.Empty:
                return
            try:
                done.put((sample, _solve_alone(model, sample, spec, grade_slots)))
            except BackendLostError as e:  # raised by the caller's thread; start no more samples
                stop.set()
                done.put((sample, e))

    for _ in range(min(workers, len(samples))):
        threading.Thread(target=work, name="solve-sample", daemon=True).start()
    try:
        for _ in samples:
            sample, outcome = done.get()
            if isinstance(outcome, BackendLostError):
                raise outcome
            yield sample, outcome
    finally:  # the caller stopped (Ctrl-C, an error): start no more samples
        stop.set()


def _solve_alone(model: Model, sample: Sample, spec: SolveSpec,
                 grade_slots: threading.Semaphore | None = None) -> StrategyResult | SampleError:
    try:
        return _solve(model, [sample], spec, grade_slots)[0]
    except BackendLostError:
        raise
    except Exception as e:  # noqa: BLE001 - recorded as the sample's error, the run goes on
        return SampleError(sample.id, _reason(e))


def _reason(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"[:500]


def _solve(model: Model, samples: list[Sample], spec: SolveSpec,
           grade_slots: threading.Semaphore | None = None) -> list[StrategyResult | SampleError]:
    """`grade_slots`: code grading waits for one (samples solved concurrently share the CPU)."""
    if any(s.kind == "code" for s in samples) and not all(s.kind == "code" for s in samples):
        raise ValueError("a chunk mixes code and math samples")

    def grader(text: str, sample: Sample) -> Score:
        with grade_slots if grade_slots and sample.kind == "code" else nullcontext():
            return grade(text, sample, spec.code_timeout_s)

    def grade_many(items: list[tuple[str, Sample]]) -> list[Score]:
        if not items or items[0][1].kind != "code":
            return [grader(text, sample) for text, sample in items]
        if grade_slots is None:  # a chunk's programs run in parallel sandboxes
            return grade_code_many(items, spec.code_timeout_s, spec.grade_workers)
        with grade_slots:
            return grade_code_many(items, spec.code_timeout_s, 1)

    results = run_strategy(model, samples, spec.strategy, spec.budget, method=spec.method, params=spec.params,
                           grader=grader, grade_many=grade_many)
    for r, s in zip(results, samples, strict=True):
        _score_pipelines(r, s)
    return list(results)


def _score_pipelines(result: StrategyResult, sample: Sample) -> None:
    """Each extraction pipeline's score on the result's first attempt (the report's pipeline table)."""
    first = result.attempts[0] if result.attempts else None
    if first is not None and first.pipelines and first.pipeline_scores is None:
        first.pipeline_scores = {p: grade_math(first.text, sample.target, sample.kind, pipeline=p).value
                                 for p in first.pipelines}
