"""Growing chains of attempts, batched across samples: one generate call starts new
chains (first attempts) for every sample, one call adds a revision step to every listed
chain. Every attempt is a solution of the sample's reasoning method (cot2: its stage 2
in one more batched call), or for code a program run on the public examples. A revision sees the question and the previous attempt (or all of them) as the
model's own replies, each followed by the review-and-revise request (for code, with the
execution feedback of the public examples; for pal programs under revise-exec, with what the
program printed or how it failed, and whether it agrees with the chain's reasoned first answer).

Token accounting: an attempt's prompt_tokens are the tokens it was conditioned on, as
the backend reports them (n samples of one request each count the shared prompt; no
credit for prefix caching).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import prompts
from agent.answers import answer_key
from agent.reasoning import Solution, answer_format, build_messages, code_solution, finish_batch
from agent.reasoning.pal import pal_format, run_report
from agent.scaling.types import Attempt, Job, ScalingOptions
from agent.scaling.verifiers import parse_self_check, self_check_request, verify_code
from agent.types import Completion, Message, Model, Request, Sample, SamplingParams


def code_prompt(sample: Sample) -> tuple[list[Message], str, tuple[str, ...]]:
    """The first prompt of a code sample (prompts/code.yaml), its prefill and stop strings: HumanEval
    completes the given function (the prefill holds its signature and docstring), MBPP writes one; the
    prefill opens a ```python block and the reply stops at the closing fence."""
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
    return messages, prefill, tuple(prompts.get("code", "stop"))


def new_job(sample: Sample, method: str = "cot", **fields) -> Job:
    """A sample's job with its first prompt: the reasoning method's for answers, `code_prompt` for code;
    `fields` the rest of the Job (revise_as, feedback, checks_code)."""
    if sample.kind == "code":
        messages, prefill, stop = code_prompt(sample)
        return Job(sample, messages, method, prefill=prefill, stop=stop, **fields)
    return Job(sample, build_messages(sample.input, method=method, kind=sample.kind), method, **fields)


def initial_messages(sample: Sample, method: str = "cot") -> list[Message]:
    """The first prompt's messages (`new_job`)."""
    return new_job(sample, method).base


def shown_reply(a: Attempt) -> str:
    """An attempt as the model's reply a revision sees: pal's reply; a reply begun by a prefill with
    it, and the code block the prefill opened closed where the stop string cut it."""
    if a.program:
        return a.program["reply"]
    if not a.prefill:
        return a.text
    reply = a.prefill + a.text
    return reply.rstrip("\n") + "\n```" if a.prefill.lstrip().startswith("```") else reply


def revision_messages(base: list[Message], chain: list[Attempt], kind: str, history: str = "last",
                      feedback: str = "prompt", revise_as: str | None = None) -> list[Message]:
    """The prompt of the next step of a chain: the question, earlier attempt(s) as the
    model's own replies, each followed by the review-and-revise request (with feedback for code;
    for a program (pal), under `feedback` "exec", what it printed or how it failed and whether it
    agrees with the chain's first answer when that was reasoned). `revise_as` "pal": an answer
    that is no program is checked by writing one."""
    shown = chain if history == "all" else chain[-1:]
    messages = list(base)
    fmt = answer_format(kind)
    for a in shown:
        run = a.program
        messages.append(Message("assistant", shown_reply(a)))
        if kind == "code":
            v = a.verifier or {}
            messages.append(Message("user", prompts.render(
                "scaling", "revise.code", feedback=v.get("feedback", ""), passed=bool(v.get("passed")),
                answer_format=fmt)))
        elif run:
            messages.append(Message("user", program_revision(chain[0], a, kind, feedback == "exec")))
        elif revise_as == "pal":
            messages.append(Message("user", prompts.render("scaling", "revise.to_program",
                                                           answer_format=pal_format(kind))))
        else:
            messages.append(Message("user", prompts.render("scaling", "revise.math", answer_format=fmt)))
    return messages


def program_revision(first: Attempt, a: Attempt, kind: str, execution: bool) -> str:
    """The revision request after a program: with execution feedback, its run and, when the chain
    began with a reasoned answer (no program), whether the program's answer agrees with it."""
    run = a.program or {}
    printed = None if a.kept_previous else a.answer
    reasoned = first.answer if execution and first.program is None else None
    agree = reasoned is not None and answer_key(reasoned, kind) == answer_key(printed, kind)
    return prompts.render("scaling", "revise.program", feedback=run_report(run) if execution else "",
                          ok=run["status"] == "ok", reasoned=reasoned, printed=printed, agree=agree,
                          answer_format=pal_format(kind))


def solutions(model: Model, items: list[tuple[Job, list[Message], list[Completion]]],
              params: SamplingParams, revision: bool = False) -> list[list[Solution]]:
    """The solutions of each (job, prompt, completions): for code samples the programs, else
    the job's reasoning method finishes them (cot2: one batched stage-2 call for all; a
    revision: the job's `revise_as` method when it has one)."""
    def method_of(job: Job) -> str:
        return (job.revise_as or job.method) if revision else job.method

    out: dict[int, list[Solution]] = {}
    for i, (job, messages, comps) in enumerate(items):
        if job.sample.kind == "code":
            out[i] = [code_solution(job.sample, messages, c, prefill="" if revision else job.prefill) for c in comps]
    for method in dict.fromkeys(method_of(job) for job, _, _ in items if job.sample.kind != "code"):
        idx = [i for i, (job, _, _) in enumerate(items) if i not in out and method_of(job) == method]
        jobs = [items[i][0] for i in idx]
        out.update(zip(idx, finish_batch(model, [j.sample.input for j in jobs], method, [j.sample.kind for j in jobs],
                                         [items[i][1] for i in idx], [items[i][2] for i in idx], params),
                       strict=True))
    return [out[i] for i in range(len(items))]


def _add_attempt(job: Job, sol: Solution, chain: int, step: int, duration_s: float,
                 options: ScalingOptions) -> Attempt:
    """The attempt of one solution, its code run on the public examples (agent/scaling/verifiers.py)."""
    a = Attempt.from_solution(sol, index=len(job.attempts), chain=chain, step=step, duration_s=duration_s)
    if job.sample.kind == "code" and job.checks_code:
        verdict = verify_code(a.answer, job.sample, options.code_timeout_s)
        a.verifier = {"passed": verdict.passed, "feedback": verdict.feedback()}
    job.attempts.append(a)
    return a


def first_request(job: Job, params: SamplingParams) -> Request:
    """The request of a job's first attempts (params.n of them): its first prompt, prefill and stop strings."""
    if not (job.prefill or job.stop):
        return Request(job.base, params)
    return Request(job.base, replace(params, stop=tuple(dict.fromkeys([*params.stop, *job.stop]))),
                   prefill=job.prefill)


def _solve(model: Model, todo: list[tuple[Job, list[Message], int]], params: SamplingParams,
           revision: bool = False) -> tuple[list[list[Solution]], float]:
    """One generate call for (job, prompt, n) and the method's further stages: (solutions, seconds)."""
    if not todo:
        return [], 0.0
    t0 = time.perf_counter()
    outs = model.generate([Request(msgs, replace(params, n=n)) if revision else first_request(job, replace(params, n=n))
                           for job, msgs, n in todo])
    sols = solutions(model, [(job, msgs, comps[:n]) for (job, msgs, n), comps in zip(todo, outs, strict=True)],
                     params, revision)
    return sols, time.perf_counter() - t0


def start_chains(model: Model, jobs: list[Job], counts: list[int], params: SamplingParams,
                 options: ScalingOptions) -> None:
    """One generate call (per stage): `counts[i]` new chains (first attempts) for jobs[i] (0 = skip)."""
    todo = [(j, j.base, n) for j, n in zip(jobs, counts, strict=True) if n > 0]
    sols, dt = _solve(model, todo, params)
    per = dt / max(1, sum(n for _, _, n in todo))
    for (job, _, _), job_sols in zip(todo, sols, strict=True):
        for sol in job_sols:
            job.chains.append([_add_attempt(job, sol, len(job.chains), 0, per, options)])


def extend_chains(model: Model, jobs: list[Job], chain_ids: list[list[int]], params: SamplingParams,
                  options: ScalingOptions) -> None:
    """One generate call (per stage): one revision step for each listed chain of each job."""
    todo = [(job, cid, revision_messages(job.base, job.chains[cid], job.sample.kind, options.history,
                                         job.feedback or options.feedback, job.revise_as))
            for job, ids in zip(jobs, chain_ids, strict=True) for cid in ids]
    sols, dt = _solve(model, [(job, msgs, 1) for job, _, msgs in todo], params, revision=True)
    for (job, cid, _), (sol,) in zip(todo, sols, strict=True):
        chain = job.chains[cid]
        a = _add_attempt(job, sol, cid, len(chain), dt / len(todo), options)
        if job.revise_as == "pal" and a.answer is None and a.program is not None and chain[-1].answer is not None:
            # an execution revision that wrote no runnable program (prose, an error, nothing printed)
            # did not revise: the chain's answer stands, and the next round still sees what happened
            a.answer, a.kept_previous = chain[-1].answer, True
        chain.append(a)


def grow_chains(model: Model, plans: list[tuple[list[Job], list[int]]], params: SamplingParams,
                options: ScalingOptions, on_round: Callable[[int, int], None] | None = None) -> None:
    """Revise started chains up to their lengths in `shape`, for each (jobs, shape) plan: one
    generate call per round for every chain of every plan still growing; `on_round(r, rounds)`
    after each."""
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
        if on_round is not None:
            on_round(step, longest - 1)


def self_check(model: Model, jobs: list[Job], params: SamplingParams) -> None:
    """One generate call: the model checks every chain's final attempt (yes/no) -> Attempt.verifier."""
    finals = [(j, c[-1]) for j in jobs for c in j.chains]
    outs = model.generate([self_check_request(j.sample.input, a.text, params) for j, a in finals]) if finals else []
    for (j, a), comps in zip(finals, outs, strict=True):
        c = comps[0]
        a.verifier = {"passed": parse_self_check(c.text), "reply": c.text}
        j.verifier_tokens = j.verifier_tokens or {"prompt_tokens": 0, "completion_tokens": 0}
        j.verifier_tokens["prompt_tokens"] += c.prompt_tokens
        j.verifier_tokens["completion_tokens"] += c.completion_tokens
