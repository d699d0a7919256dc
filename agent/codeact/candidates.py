"""Best-of-k replies after a failure: when the last code failed (or the reply
could not be used), the agent samples k replies in one batch, runs each candidate's code in a throwaway copy of the session and
continues with the best one. A small model that resends near-verbatim "fixes"
one reply at a time often has a working variant among a few samples; the
sandbox, not the model, says which.

A quarter of the k replies (at least one) repair (sampled from the whole
conversation); the rest are fresh attempts at the task (system prompt + task only, with the mistakes
the run's observations named so far: fresh_start): asked to repair, a small model mostly copies its
failed reply, even when sampled, and a fresh attempt told nothing makes the first reply's mistakes again.

The copy: a fresh session in a copy of the work dir, with final_answer() and, when the
candidate reads a name they bind (cell_names.py), the code cells that succeeded so far
replayed, so a candidate that uses earlier variables is judged fairly and one that does
not is not kept waiting for them. Nothing a candidate does reaches the real work dir
by itself. The chosen code then runs in the real session like any reply, except
when its scratch run finished the task (top score and a final answer): then
that run is adopted, its files copied to the real work dir, instead of running
the code twice (a slow but correct pure-Python picture can take most of the
cell limit, and the run ends there, so the session's variables are not needed).

    with ScratchChecker(session, history=["import numpy as np"], timeout_s=60) as checker:
        checks = checker.check_all(replies)    # stops at the first top-scoring one
        best = pick(checks)
        result = checker.adopt(best.index)     # its ExecResult, or None: run it for real
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from time import perf_counter

import prompts
from agent.codeact.cell_names import needs_history
from agent.codeact.code_blocks import FINAL_ANSWER_PRELUDE, parse_reply
from agent.codeact.continuation import continue_codeless
from agent.codeact.outcome import judge
from agent.codeact.types import AgentConfig, Session, StepRecord
from agent.types import Completion, Message, Model, Request, SamplingParams, known_sum
from tools.types import ExecResult

TOP_SCORE = 4
MAX_COPY_BYTES = 64 * 1024 * 1024
"""A work dir larger than this is not copied: candidates then run in an empty folder."""


@dataclass
class CandidateCheck:
    """One sampled reply and what its code did in the scratch session."""

    index: int
    reply: str
    kind: str = "repair"
    """"repair": sampled from the whole conversation; "fresh": a new attempt at the task alone."""
    code: str | None = None
    problem: str | None = None
    """Format problem of the reply (no code, unclosed block, ...), if any."""
    ok: bool = False
    defines_only: bool = False
    repeats: bool = False
    """The same code already ran in an earlier step."""
    no_image: bool = False
    """The task asks for an image and the code left none."""
    bad_image: list[str] = field(default_factory=list)
    """The task asks for an image and what the code drew cannot show it (the sandbox's plot warnings)."""
    missing_files: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    printed: bool = False
    """The code printed something (besides the final answer)."""
    final_answer: str | None = None
    error: str = ""
    """The last line of stderr when the code failed."""
    exec_s: float = 0.0
    replayed: bool = False
    """The earlier successful cells ran first in its scratch session: its code reads a name they bind
    (agent/codeact/cell_names.py); otherwise they are not run again for it."""
    score: int = -1

    def to_dict(self) -> dict:
        return asdict(self)


def score(check: CandidateCheck) -> int:
    """4 ran and did something (files, output or a final answer), with no false claim and, when the
    task asks for an image, an image that shows something; 3 ran with no visible effect, no image, or
    a picture that shows nothing (plot warnings); 2 ran but only defined functions or named a missing
    file; 1 failed; 0 repeats earlier code; -1 no runnable code."""
    if check.code is None or check.problem:
        return -1
    if check.repeats:
        return 0
    if not check.ok:
        return 1
    if check.defines_only or check.missing_files:
        return 2
    if check.no_image or check.bad_image:
        return 3
    return TOP_SCORE if check.files or check.printed or check.final_answer is not None else 3


def describe(check: CandidateCheck) -> str:
    """A few words for the display: what the candidate's code did."""
    if check.code is None or check.problem:
        return f"{check.kind}: no runnable code ({check.problem or 'no code'})"
    return f"{check.kind}: {_effect(check)}"


def _effect(check: CandidateCheck) -> str:
    if not check.ok:
        return f"failed: {check.error or 'error'}" + (" (repeats earlier code)" if check.repeats else "")
    if check.repeats:
        return "repeats earlier code"
    if check.defines_only:
        return "ran, but only defined functions"
    if check.missing_files:
        return f"ran, but {', '.join(check.missing_files)} was not written"
    if check.files:
        but = ", but no image" if check.no_image else ", but the picture shows nothing" if check.bad_image else ""
        return f"ran, wrote {', '.join(check.files[:3])}{but}"
    if check.no_image:
        return "ran, but saved no image"
    return "ran" + (", final answer" if check.final_answer is not None else "")


def pick(checks: list[CandidateCheck]) -> CandidateCheck:
    """The highest score; ties go to the earliest sample."""
    return max(checks, key=lambda c: (c.score, -c.index))


def sample_candidates(model: Model, cfg: AgentConfig, step: StepRecord, messages: list[Message],
                      task_messages: list[Message], max_new: int) -> list[tuple[Completion, str]]:
    """The k replies of a best-of-k step, sampled in one batch, as (completion, kind): a quarter (at
    least one) repairs from the whole conversation `messages` (failure included), the rest fresh
    attempts from `task_messages` (system + task: fresh_start), interleaved. A sampled reply that stops
    before its code is continued (agent/codeact/continuation.py). Tokens and time go on `step`."""
    k_fresh = cfg.candidates - max(1, cfg.candidates // 4)
    temperature = max(cfg.temperature, cfg.retry_temperature)

    def params(n: int, salt: int) -> SamplingParams:
        return SamplingParams(n=n, temperature=temperature, top_p=cfg.top_p, max_tokens=max_new,
                              seed=cfg.seed + 1000 * salt + step.index)

    requests = [Request(messages, params(cfg.candidates - k_fresh, 0))]
    if k_fresh:
        requests.append(Request(task_messages, params(k_fresh, 1)))
    t0 = perf_counter()
    try:
        batches = model.generate(requests)
        batches, continued = continue_codeless(model, requests, batches, cfg.native_tools)
    finally:
        step.model_s = perf_counter() - t0
    step.tokens.prompt += continued.prompt_tokens
    # every sample's own evaluation (the n samples of a request share one prompt: it is evaluated once)
    step.tokens.evaluated = known_sum(*(c.prompt_tokens_evaluated for batch in batches for c in batch),
                                      continued.prompt_tokens_evaluated)
    repairs = [(c, "repair") for c in batches[0]]
    fresh = [(c, "fresh") for c in batches[1]] if k_fresh else []
    # interleaved, so the early stop in check_all tries both kinds first
    completions = [c for pair in zip(repairs, fresh, strict=False) for c in pair]
    completions += repairs[len(fresh):] + fresh[len(repairs):]
    step.tokens.completion = sum(c.completion_tokens for c, _ in completions)
    if fresh:
        step.tokens.prompt += fresh[0][0].prompt_tokens
    return completions


MAX_LESSONS = 4
"""The most recent mistakes a fresh attempt is told about."""


def fresh_start(system: Message, task: str, lessons: list[str]) -> list[Message]:
    """The conversation a fresh attempt starts from: the system prompt and the task, with the last
    MAX_LESSONS of the mistakes named so far in the run (prompts/agent.yaml task)."""
    return [system, Message("user", prompts.render("agent", "task", task=task, lessons=lessons[-MAX_LESSONS:]))]


def learned(lessons: list[str], observed: list[str]) -> list[str]:
    """`lessons` with the mistakes an observation just named added, each once, the newest last."""
    return [*(x for x in lessons if x not in observed), *dict.fromkeys(observed)]


def _tree_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


class ScratchChecker:
    """Runs candidate code in a fresh session over a copy of `session`'s work dir."""

    def __init__(self, session: Session, history: list[str], timeout_s: float,
                 tried_codes: list[str] | None = None, native_tools: bool = False,
                 want_image: bool = False, want_size: tuple[int, int] | None = None, pitfalls: bool = True,
                 refuted: frozenset[str] = frozenset()) -> None:
        """`history`: code cells that succeeded so far (replayed first); `tried_codes`: code of earlier
        steps (a verbatim repeat scores 0); `want_image`: the task asks for an image, so only a
        candidate that leaves an image file gets the top score; `want_size`: the picture size the task names
        (a picture of another size does not get it); `pitfalls`: a candidate whose code has a silent mistake
        (agent/codeact/pitfalls.py) does not get it either; `refuted`: pictures of earlier steps found wrong,
        which do not count as the candidate's image."""
        self.session = session
        self.history = history
        self.timeout_s = timeout_s
        self.tried_codes = set(tried_codes or [])
        self.native_tools = native_tools
        self.want_image = want_image
        self.want_size = want_size
        self.pitfalls = pitfalls
        self.refuted = refuted
        src = Path(session.workdir)
        self._copy_from = src if src.is_dir() and _tree_bytes(src) <= MAX_COPY_BYTES else None
        """The work dir copied for every candidate (measured once per step, not per candidate)."""
        self._finished: dict[int, tuple[ExecResult, Path]] = {}
        """Candidates whose scratch run finished the task: their result and kept scratch folder."""

    def __enter__(self) -> ScratchChecker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Remove the scratch folders kept for adoption."""
        for _, tmp in self._finished.values():
            shutil.rmtree(tmp, ignore_errors=True)
        self._finished.clear()

    def adopt(self, index: int) -> ExecResult | None:
        """If candidate `index` finished the task in its scratch run, copy the files it wrote into the
        real work dir and return that run's result; else None (its code must run in the real session)."""
        if index not in self._finished:
            return None
        result, tmp = self._finished[index]
        dest = Path(self.session.workdir)
        for name in result.files:
            src = tmp / "work" / name
            if src.is_file():
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / name)
        return replace(result, workdir=str(dest) if result.workdir else None)

    def check(self, index: int, reply: str, finished_by_length: bool = False, kind: str = "repair") -> CandidateCheck:
        parsed = parse_reply(reply, finished_by_length=finished_by_length, native_tools=self.native_tools)
        c = CandidateCheck(index=index, reply=reply, kind=kind, code=parsed.code, problem=parsed.problem)
        if parsed.code is None or parsed.problem:
            c.score = score(c)
            return c
        c.repeats = parsed.code in self.tried_codes
        tmp = Path(tempfile.mkdtemp(prefix="candidate-"))
        work = tmp / "work"
        work.mkdir()
        keep = False
        try:
            if self._copy_from is not None:
                shutil.copytree(self._copy_from, work, dirs_exist_ok=True, symlinks=True)
            session = self.session.fresh(work)
            try:
                c.replayed = needs_history(parsed.code, self.history)
                for cell in [FINAL_ANSWER_PRELUDE, *(self.history if c.replayed else [])]:
                    session.run(cell, timeout_s=self.timeout_s)
                t0 = perf_counter()
                result = session.run(parsed.code, timeout_s=self.timeout_s)
                c.exec_s = perf_counter() - t0
            finally:
                session.close()
            done = judge(parsed.code, result, work, self.want_image, self.want_size, pitfalls=self.pitfalls,
                         refuted=self.refuted)
            c.ok, c.files = result.ok, list(result.files)
            c.error = "" if result.ok else _last_line(result.stderr) or ("timed out" if result.timed_out else "")
            c.final_answer, c.printed, c.defines_only = done.final_answer, done.printed, done.defines_only
            c.missing_files, c.no_image, c.bad_image = done.missing_files, done.no_image, done.bad_image
            c.score = score(c)
            keep = c.score >= TOP_SCORE and c.final_answer is not None
            if keep:
                self._finished[index] = (result, tmp)
        finally:
            if not keep:
                shutil.rmtree(tmp, ignore_errors=True)
        return c

    def check_all(self, replies: list[tuple[str, bool, str]]) -> list[CandidateCheck]:
        """Check (reply, finished_by_length, kind) triples in order, stopping at the first top-scoring one."""
        checks: list[CandidateCheck] = []
        for i, (reply, by_length, kind) in enumerate(replies):
            checks.append(self.check(i, reply, by_length, kind))
            if checks[-1].score >= TOP_SCORE:
                break
        return checks


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1][:200] if lines else ""

