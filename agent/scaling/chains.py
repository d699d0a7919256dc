"""Growing chains of attempts, batched across samples: one generate call starts new
chains (first attempts) for every sample, one call adds a revision step to every listed
chain. A revision sees the question and the previous attempt (or all of them) as the
model's own replies, each followed by the review-and-revise request (for code, with the
execution feedback of the public examples).

Token accounting: an attempt's prompt_tokens are the tokens it was conditioned on, as
the backend reports them (n samples of one request each count the shared prompt; no
credit for prefix caching).
"""

from __future__ import annotations

import time
from dataclasses import replace

import prompts
from agent.answers import extract_answer, extract_code
from agent.reasoning import answer_format, build_messages
from agent.scaling.types import Attempt, Job, ScalingOptions
from agent.scaling.verifiers import parse_self_check, self_check_request, verify_code
from agent.types import Completion, Message, Model, Request, Sample, SamplingParams


def initial_messages(sample: Sample, method: str = "cot") -> list[Message]:
    """The first prompt: the reasoning method's for answers, prompts/scaling.yaml's for code."""
    if sample.kind == "code":
        return [Message("user", prompts.render("scaling", "code_task", problem=sample.input,
                                               answer_format=answer_format("code")))]
    return build_messages(sample.input, method=method, kind=sample.kind)


def revision_messages(base: list[Message], chain: list[Attempt], kind: str,
                      history: str = "last") -> list[Message]:
    """The prompt of the next step of a chain: the question, earlier attempt(s) as the
    model's own replies, each followed by the review-and-revise request (with feedback for code)."""
    shown = chain if history == "all" else chain[-1:]
    messages = list(base)
    fmt = answer_format(kind)
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


def grow_chains(model: Model, plans: list[tuple[list[Job], list[int]]], params: SamplingParams,
                options: ScalingOptions) -> None:
    """Revise started chains up to their lengths in `shape`, for each (jobs, shape) plan: one
    generate call per round for every chain of every plan still growing."""
    longest = max((max(shape, default=1) for _, shape in plans), default=1)
    for step in range(1, longest):
        round_jobs: list[Job] = []
        round_ids: list[list[int]] = []
        for jobs, shape in plans:
            ids = [c for c, length in enumerate(shape) if length > step]
            if ids:
                round_jobs += jobs
                round_ids += [ids] * len(jobs)
        extend_chains(model, round_jobs, round_ids, params, options)


def self_check(model: Model, jobs: list[Job], params: SamplingParams) -> None:
    """One generate call: the model checks every chain's final attempt (yes/no) -> extra["verifier"]."""
    finals = [(j, c[-1]) for j in jobs for c in j.chains]
    outs, _ = _generate(model, [self_check_request(j.sample.input, a.text, params) for j, a in finals])
    for (j, a), comps in zip(finals, outs, strict=True):
        c = comps[0]
        a.extra["verifier"] = {"passed": parse_self_check(c.text), "reply": c.text}
        j.verifier_tokens = j.verifier_tokens or {"prompt_tokens": 0, "completion_tokens": 0}
        j.verifier_tokens["prompt_tokens"] += c.prompt_tokens
        j.verifier_tokens["completion_tokens"] += c.completion_tokens
