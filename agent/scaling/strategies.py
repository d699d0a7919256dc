"""Test-time scaling strategies, batched across samples.

- parallel: N samples in one request (n=N); answer by majority vote, weighted
  vote (mean token logprob) or best-of-N by a verifier (agent/scaling_select.py).
- sequential: one chain of N attempts; each revision sees the previous attempt
  (and, for code, the execution feedback of its public examples). Answer: the
  last attempt's; the chain's majority is recorded in extra["chain_majority"].
- hybrid: m chains of k steps (m*k = N, k = ScalingOptions.revisions_per_chain);
  answer by majority over the chains' final answers.
- adaptive: parallel samples drawn in small batches, stopping once the vote is
  settled (agent/adaptive.py); the budget is the cap.

Every attempt records its prompt (messages), answer, and prompt and completion
tokens separately. Token accounting: an attempt's prompt_tokens are the tokens
it was conditioned on, as the backend reports them (n samples of one request
each count the shared prompt; no credit for prefix caching).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

import prompts
from agent.adaptive import DEFAULT_BATCH, DEFAULT_THRESHOLD, vote_settled
from agent.answers import extract_answer, extract_code
from agent.scaling_select import all_selections, answer_key, select
from agent.types import Completion, Message, Model, Request, SamplingParams
from evals.types import Attempt, Sample, Score, StrategyResult

STRATEGIES = ("parallel", "sequential", "hybrid", "adaptive")
Grader = Callable[[str, Sample], Score]


@dataclass(frozen=True)
class ScalingOptions:
    revisions_per_chain: int = 2
    """hybrid: steps per chain (k); m = budget // k chains, the remainder adds steps to the first chains."""
    history: Literal["last", "all"] = "last"
    """sequential/hybrid: a revision sees only the previous attempt, or every earlier one."""
    adaptive_batch: int = DEFAULT_BATCH
    """adaptive: samples drawn per round for each unsettled question."""
    adaptive_threshold: float = DEFAULT_THRESHOLD
    """adaptive: stop when P(leading answer beats the runner-up) >= this."""
    selection: str = "auto"
    """auto | majority | weighted | verifier (auto: verifier for code, majority otherwise)."""
    code_timeout_s: float = 10.0
    """code: seconds for running the public examples of one attempt."""
    math_verifier: Literal["agreement", "self_check"] = "agreement"
    """verifier selection for answers: agreement (= majority, free) or a model self-check
    prompt per candidate (one extra greedy call each; its tokens in extra["verifier_tokens"])."""


@dataclass
class Job:
    """One sample's state while a strategy runs (its chains of attempts)."""

    sample: Sample
    base: list[Message]
    chains: list[list[Attempt]] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    verifier_tokens: dict[str, int] | None = None
    """Tokens of self-check calls (not attempts, so kept apart)."""


def initial_messages(sample: Sample, method: str = "cot") -> list[Message]:
    """The first prompt: agent/reasoning.py's for answers, prompts/scaling.yaml's for code."""
    if sample.kind == "code":
        return [Message("user", prompts.render("scaling", "code_task", problem=sample.input))]
    from agent.reasoning import build_messages

    return build_messages(sample.input, method=method, kind=sample.kind)


def revision_messages(base: list[Message], chain: list[Attempt], kind: str,
                      history: str = "last") -> list[Message]:
    """The prompt of the next step of a chain: the question, earlier attempt(s) as the
    model's own replies, each followed by the review-and-revise request (with feedback for code)."""
    shown = chain if history == "all" else chain[-1:]
    messages = list(base)
    fmt = prompts.render("scaling", f"answer_format.{kind}")
    for a in shown:
        messages.append(Message("assistant", a.text))
        if kind == "code":
            v = a.extra.get("verifier") or {}
            messages.append(Message("user", prompts.render(
                "scaling", "revise.code", feedback=v.get("feedback", ""), passed=bool(v.get("passed")),
                answer_format=fmt)))
        else:
            messages.append(Message("user", prompts.render("scaling", "revise.math", answer_format=fmt)))
    return messages


def extract(text: str, sample: Sample) -> str | None:
    """The answer of one completion: a program for code, else the extracted answer."""
    if sample.kind == "code":
        return extract_code(text, sample) or None
    return extract_answer(text, sample.kind)


def _make_attempt(job: Job, c: Completion, chain: int, step: int, messages: list[Message],
                  duration_s: float, options: ScalingOptions) -> Attempt:
    a = Attempt(index=len(job.attempts), chain=chain, step=step, text=c.text, answer=extract(c.text, job.sample),
                prompt_tokens=c.prompt_tokens, completion_tokens=c.completion_tokens,
                finish_reason=c.finish_reason, mean_logprob=c.mean_logprob,
                messages=[m.to_dict() for m in messages], duration_s=duration_s)
    if job.sample.kind == "code":
        from agent.verifiers import verify_code

        verdict = verify_code(a.answer, job.sample, options.code_timeout_s)
        a.extra["verifier"] = {"passed": verdict.passed, "feedback": verdict.feedback()}
    job.attempts.append(a)
    return a


def _generate(model: Model, requests: list[Request]) -> tuple[list[list[Completion]], float]:
    if not requests:
        return [], 0.0
    t0 = time.perf_counter()
    out = model.generate(requests)
    return out, time.perf_counter() - t0


def start_chains(model: Model, jobs: list[Job], counts: list[int], params: SamplingParams,
                 options: ScalingOptions) -> None:
    """One generate call: `counts[i]` new chains (first attempts) for jobs[i] (0 = skip)."""
    todo = [(j, n) for j, n in zip(jobs, counts, strict=True) if n > 0]
    outs, dt = _generate(model, [Request(j.base, replace(params, n=n)) for j, n in todo])
    for (job, n), comps in zip(todo, outs, strict=True):
        per = dt / max(1, sum(c for _, c in todo))
        for c in comps[:n]:
            job.chains.append([_make_attempt(job, c, len(job.chains), 0, job.base, per, options)])


def extend_chains(model: Model, jobs: list[Job], chain_ids: list[list[int]], params: SamplingParams,
                  options: ScalingOptions) -> None:
    """One generate call: one revision step for each listed chain of each job."""
    todo = [(job, cid, revision_messages(job.base, job.chains[cid], job.sample.kind, options.history))
            for job, ids in zip(jobs, chain_ids, strict=True) for cid in ids]
    outs, dt = _generate(model, [Request(msgs, replace(params, n=1)) for _, _, msgs in todo])
    for (job, cid, msgs), comps in zip(todo, outs, strict=True):
        chain = job.chains[cid]
        chain.append(_make_attempt(job, comps[0], cid, len(chain), msgs, dt / len(todo), options))


def self_check(model: Model, jobs: list[Job], params: SamplingParams) -> None:
    """One generate call: the model checks every chain's final attempt (yes/no) -> extra["verifier"]."""
    from agent.verifiers import parse_self_check, self_check_request

    finals = [(j, c[-1]) for j in jobs for c in j.chains]
    outs, _ = _generate(model, [self_check_request(j.sample.input, a.text, params) for j, a in finals])
    for (j, a), comps in zip(finals, outs, strict=True):
        c = comps[0]
        a.extra["verifier"] = {"passed": parse_self_check(c.text), "reply": c.text}
        j.verifier_tokens = j.verifier_tokens or {"prompt_tokens": 0, "completion_tokens": 0}
        j.verifier_tokens["prompt_tokens"] += c.prompt_tokens
        j.verifier_tokens["completion_tokens"] += c.completion_tokens


def hybrid_shape(budget: int, k: int) -> list[int]:
    """Chain lengths of a hybrid run: budget // k chains of k steps, the remainder
    spread one step each over the first chains (a budget below k: one chain)."""
    if budget < k:
        return [budget]
    m, r = divmod(budget, k)
    return [k + (1 if i < r else 0) for i in range(m)]


def run_rounds(model: Model, jobs: list[Job], strategy: str, budget: int, params: SamplingParams,
               options: ScalingOptions) -> None:
    """Generate every attempt of `strategy` for all jobs, batched across jobs."""
    if strategy == "parallel":
        start_chains(model, jobs, [budget] * len(jobs), params, options)
    elif strategy in ("sequential", "hybrid"):
        shape = [budget] if strategy == "sequential" else hybrid_shape(budget, options.revisions_per_chain)
        start_chains(model, jobs, [len(shape)] * len(jobs), params, options)
        for step in range(1, max(shape)):
            ids = [c for c, length in enumerate(shape) if length > step]
            extend_chains(model, jobs, [ids] * len(jobs), params, options)
    elif strategy == "adaptive":
        while True:
            counts = [0 if _settled(j, options) else min(options.adaptive_batch, budget - len(j.attempts))
                      for j in jobs]
            if not any(counts):
                break
            start_chains(model, jobs, counts, params, options)
    else:
        raise ValueError(f"unknown strategy '{strategy}' (choose from {', '.join(STRATEGIES)})")


def _settled(job: Job, options: ScalingOptions) -> bool:
    keys = [answer_key(a.answer, job.sample.kind) for a in job.attempts]
    return vote_settled(keys, options.adaptive_threshold)


def finish(job: Job, strategy: str, budget: int, options: ScalingOptions, grader: Grader | None,
           seed: int | str) -> StrategyResult:
    """Choose the answer, grade the attempts (when a grader is given), build the result."""
    kind = job.sample.kind
    finals = [c[-1] for c in job.chains]
    method = options.selection
    if strategy == "sequential" and method == "auto":
        method = "last"
    if method == "last":
        chosen: Attempt | None = finals[-1] if finals else None
        answer = chosen.answer if chosen else None
    else:
        sel = select(finals, kind, method, seed=seed)
        chosen = None if sel.chosen is None else finals[sel.chosen]
        answer = sel.answer
    extra: dict = {"selection": method, "answers": all_selections(finals, kind, seed)}
    if strategy in ("sequential", "hybrid"):
        extra["chain_majority"] = [select(c, kind, "majority", seed=seed).answer for c in job.chains]
        extra["chain_lengths"] = [len(c) for c in job.chains]
    if grader is not None:
        for a in job.attempts:
            if a.score is None:  # attempts shared from another run keep their score
                a.score = grader(a.text, job.sample)
    score = None
    if grader is not None:
        score = chosen.score if chosen is not None and answer is not None else Score("no_answer")
    if chosen is not None:
        extra["chosen_attempt"] = chosen.index
    if job.verifier_tokens:
        extra["verifier_tokens"] = job.verifier_tokens
    return StrategyResult(job.sample.id, strategy, budget, job.attempts, answer, score, extra)


def run_strategy(model: Model, samples: list[Sample], strategy: str, budget: int, *, method: str = "cot",
                 params: SamplingParams, grader: Grader | None = None, rng_seed: int = 0,
                 options: ScalingOptions | None = None) -> list[StrategyResult]:
    """Run one strategy at `budget` attempts per sample, batched across samples
    (one generate call per round). `rng_seed` seeds the tie-breaks of the votes."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy '{strategy}' (choose from {', '.join(STRATEGIES)})")
    if budget < 1:
        raise ValueError(f"budget must be >= 1, got {budget}")
    options = options or ScalingOptions()
    jobs = [Job(s, initial_messages(s, method)) for s in samples]
    run_rounds(model, jobs, strategy, budget, params, options)
    if options.selection == "verifier" and options.math_verifier == "self_check":
        self_check(model, [j for j in jobs if j.sample.kind != "code"], params)
    return [finish(j, strategy, budget, options, grader, f"{rng_seed}:{j.sample.id}") for j in jobs]


def solve_with_strategy(model: Model, question: str, strategy: str, n: int, method: str = "cot",
                        kind: str = "number", params: SamplingParams | None = None,
                        options: ScalingOptions | None = None) -> StrategyResult:
    """One question (playground ask --strategy, the REPL's /strategy): sampling at
    temperature 0.7 unless `params` say otherwise."""
    params = params or SamplingParams(temperature=0.7, max_tokens=1024)
    sample = Sample(id="question", input=question, target="", kind=kind)  # type: ignore[arg-type]
    return run_strategy(model, [sample], strategy, n, method=method, params=params, options=options)[0]
