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

- strategy "single", code task: the code prompt (prompts/code.yaml), `spec.n`
  completions per sample (n > 1 for pass@k at temperature > 0), each graded by
  its tests in the sandbox.
- strategy "single", math task: `agent.reasoning.solve_batch` with the method,
  graded by `grade_math`, and by each extraction pipeline for the report.
- other strategies: `agent.scaling.run_strategy` at the budget.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from typing import Any

import prompts
from agent.errors import BackendLostError
from agent.reasoning import code_solution, solve_batch
from agent.scaling import Attempt, StrategyResult, run_strategy
from agent.scaling.strategies import SINGLE
from agent.types import Message, Model, Request, Sample, SamplingParams, Score
from evals.grading import grade, grade_answer, grade_code_many, grade_math


@dataclass(frozen=True)
class SolveSpec:
    method: str = "cot"
    """Reasoning method for answer tasks (agent.reasoning.METHODS)."""
    strategy: str = SINGLE
    budget: int = 1
    n: int = 1
    """strategy single: completions per sample (pass@k, at temperature > 0)."""
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
    if spec.strategy != SINGLE:
        def grader(text: str, sample: Sample) -> Score:
            with grade_slots if grade_slots and sample.kind == "code" else nullcontext():
                return grade(text, sample, spec.code_timeout_s)

        return list(run_strategy(model, samples, spec.strategy, spec.budget, method=spec.method,
                                 params=spec.params, grader=grader))
    if all(s.kind == "code" for s in samples):
        return _solve_code(model, samples, spec, grade_slots)
    if any(s.kind == "code" for s in samples):
        raise ValueError("a chunk mixes code and math samples")
    return _solve_math(model, samples, spec)


# ---------------------------------------------------------------------- code
def code_request(sample: Sample, params: SamplingParams) -> Request:
    """The prompt of a code sample: HumanEval completes the given function, MBPP writes one."""
    task = "mbpp" if "test_list" in sample.metadata else "humaneval"
    if task == "humaneval":
        variables = {"prompt": sample.metadata.get("prompt", sample.input)}
    else:
        variables = {"question": sample.input}
    messages = [Message("system", prompts.render("code", "system")),
                Message("user", prompts.render("code", f"{task}.user", **variables))]
    prefill = prompts.render("code", f"{task}.prefill", **variables)
    if task == "humaneval":
        prefill += "\n"  # render() strips: the body starts on a new line after the docstring
    stop = tuple(dict.fromkeys([*params.stop, *prompts.get("code", "stop")]))
    return Request(messages, replace(params, stop=stop), prefill=prefill)


def _solve_code(model: Model, samples: list[Sample], spec: SolveSpec,
                grade_slots: threading.Semaphore | None = None) -> list[StrategyResult | SampleError]:
    params = replace(spec.params, n=spec.n)
    requests = [code_request(s, params) for s in samples]
    t0 = time.perf_counter()
    completions = model.generate(requests)
    gen_s = (time.perf_counter() - t0) / max(1, len(samples))
    items = [(c.text, s) for s, comps in zip(samples, completions, strict=True) for c in comps]
    if grade_slots is None:
        scores = grade_code_many(items, spec.code_timeout_s, spec.grade_workers)
    else:
        with grade_slots:
            scores = grade_code_many(items, spec.code_timeout_s, 1)
    out: list[StrategyResult | SampleError] = []
    graded = iter(scores)
    for s, req, comps in zip(samples, requests, completions, strict=True):
        attempts = [Attempt.from_solution(code_solution(s, req.messages, c, prefill=req.prefill), index=i, chain=i,
                                          duration_s=gen_s / max(1, len(comps)), score=next(graded),
                                          kind="code")
                    for i, c in enumerate(comps)]
        out.append(_single_result(s, attempts, spec.n))
    return out


# ---------------------------------------------------------------------- math
def _solve_math(model: Model, samples: list[Sample], spec: SolveSpec) -> list[StrategyResult | SampleError]:
    params = replace(spec.params, n=spec.n)
    t0 = time.perf_counter()
    solutions = solve_batch(model, [s.input for s in samples], spec.method, [s.kind for s in samples], params)
    gen_s = (time.perf_counter() - t0) / max(1, len(samples))
    out: list[StrategyResult | SampleError] = []
    for s, sols in zip(samples, solutions, strict=True):
        attempts = []
        for i, sol in enumerate(sols):
            # the method's own answer: for cot2 that is the stage-2 answer, for the others
            # the same as extract_answer(text); the per-pipeline scores below read the text
            score = grade_answer(sol.answer, s.target, s.kind)
            pipelines: dict[str, Any] = dict(sol.pipelines or {})
            pipeline_scores = {p: grade_math(sol.text, s.target, s.kind, pipeline=p).value for p in pipelines}
            attempts.append(Attempt.from_solution(sol, index=i, chain=i, duration_s=gen_s / max(1, len(sols)),
                                                  score=score, pipelines=pipelines, pipeline_scores=pipeline_scores,
                                                  method=spec.method, kind=s.kind))
        out.append(_single_result(s, attempts, spec.n))
    return out


def _single_result(sample: Sample, attempts: list[Attempt], n: int) -> StrategyResult:
    """One attempt per sample (or n for pass@k): the first attempt is the answer."""
    first = attempts[0]
    n_correct = sum(1 for a in attempts if a.score and a.score.correct)
    return StrategyResult(sample_id=sample.id, strategy=SINGLE, budget=n, attempts=attempts,
                          answer=first.answer, score=first.score,
                          extra={"n": len(attempts), "n_correct": n_correct})
