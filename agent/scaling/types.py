"""Records of test-time scaling: an `Attempt` (one generation for a sample) built in one
place (`Attempt.from_solution`), a `StrategyResult` (all attempts of one sample and the
chosen answer), the options of the strategies and the state of one sample while they run."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from agent.reasoning.types import Solution
from agent.scaling.adaptive import DEFAULT_BATCH, DEFAULT_THRESHOLD
from agent.types import Message, Sample, Score

Grader = Callable[[str, Sample], Score]
"""(response text, sample) -> its score."""
GradeMany = Callable[[list[tuple[str, Sample]]], list[Score]]
"""[(response text, sample)] -> their scores, in one call."""


@dataclass
class Attempt:
    """One generation made for a sample: a parallel sample, or one step of a
    revision chain. Prompt and completion tokens are kept apart (revision
    prompts grow)."""

    index: int
    """Order of generation within the sample's strategy run (0-based)."""
    chain: int = 0
    """Which chain: parallel samples are chains of length 1 (chain = sample index)."""
    step: int = 0
    """Position within the chain (0 = first attempt, 1 = first revision, ...)."""
    text: str = ""
    answer: str | None = None
    """Extracted answer (math) or extracted program (code)."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    prompt_tokens_evaluated: int | None = None
    """Of prompt_tokens, those the backend evaluated (the rest it had cached); None: it did not say."""
    finish_reason: str = "stop"
    mean_logprob: float | None = None
    score: Score | None = None
    messages: list[dict] = field(default_factory=list)
    """The prompt as chat messages (role/content dicts)."""
    duration_s: float = 0.0
    kind: str | None = None
    """The answer kind (number, math, choice, code): from_solution (its solution's), evals/solvers.py."""
    prefill: str | None = None
    """The first stage's prefill (the reply's start the model continued): from_solution, when there is one."""
    stages: list[dict] | None = None
    """Every stage's record (Solution.stages) of a method with several (cot2): from_solution."""
    program: dict | None = None
    """pal's program run (agent/reasoning/pal.py: program, stdout, stderr, status, reply...): from_solution."""
    pipelines: dict[str, str | None] | None = None
    """What each extraction pipeline read on the text (Solution.pipelines): from_solution."""
    pipeline_scores: dict[str, str] | None = None
    """Each extraction pipeline's score value, on a result's first attempt (evals/solvers.py)."""
    verifier: dict | None = None
    """The verifier's verdict: {"passed", "feedback"} of a code attempt's public examples (chains.py
    _add_attempt) or {"passed", "reply"} of a self-check (chains.py self_check); voting.py reads it."""
    kept_previous: bool = False
    """A revision that wrote no runnable program and kept its chain's answer (chains.py extend_chains)."""
    method: str | None = None
    """The reasoning method of an attempt of a strategy that mixes methods (strategies.py _adopt); stores of
    eval runs made before single was a strategy have it on every attempt."""
    shared_from: str | None = None
    """"parallel:<index>": a copy of that stored parallel attempt starting a chain (evals/compare/run.py)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Only keys no field knows (a store written by another version has them): kept to be written back."""

    @classmethod
    def from_solution(cls, sol: Solution, *, index: int, chain: int = 0, step: int = 0, duration_s: float = 0.0,
                      score: Score | None = None, **fields: Any) -> Attempt:
        """The attempt of one solution: its first stage's prompt and prefill, its kind, every stage's
        tokens, the last stage's finish reason, the stages when there are several, pal's program;
        `fields` set (or override) further fields (evals/solvers.py: pipelines, method...)."""
        stages = sol.stages
        typed: dict[str, Any] = {"kind": sol.kind, "prefill": (stages[0]["prefill"] or None) if stages else None,
                                 "stages": list(stages) if len(stages) > 1 else None, "program": sol.program,
                                 "pipelines": dict(sol.pipelines) if sol.pipelines else None}
        return cls(index=index, chain=chain, step=step, text=sol.text, answer=sol.answer,
                   prompt_tokens=sol.prompt_tokens, completion_tokens=sol.completion_tokens,
                   prompt_tokens_evaluated=sol.prompt_tokens_evaluated, finish_reason=sol.finish_reason, mean_logprob=sol.mean_logprob, score=score,
                   messages=list(stages[0]["messages"]) if stages else [], duration_s=duration_s,
                   **{**typed, **fields})

    def extra_record(self, stored: bool = False) -> dict[str, Any]:
        """The typed fields of EXTRA_FIELDS that are set (kept_previous: when true) and the unknown keys
        of `extra`, as one dict: what `extra` held before those fields were typed. `stored`: as the
        store's `extra` column keeps it (evals/store.py): no prefill (the prompt column has it), the
        mean logprob last. The inverse of `from_record`."""
        order = EXTRA_FIELDS if self.kind == "code" else _ANSWER_ORDER
        record = {k: getattr(self, k) for k in order if getattr(self, k) is not None and getattr(self, k) is not False}
        record.update(self.extra)
        if stored:
            record.pop("prefill", None)
            if self.mean_logprob is not None:
                record["mean_logprob"] = self.mean_logprob
        return record

    @classmethod
    def from_record(cls, record: Mapping[str, Any], **fields: Any) -> Attempt:
        """An attempt whose typed extra fields (and mean_logprob) come from an extra record (`extra_record`,
        a stored row's `extra`), its other keys kept in `extra`; `fields` the rest (index 0 unless given)."""
        typed = {k: v for k, v in record.items() if k in EXTRA_FIELDS or k == "mean_logprob"}
        return cls(**{"index": 0, **fields, **typed, "extra": {k: v for k, v in record.items() if k not in typed}})

    def to_dict(self) -> dict[str, Any]:
        """As `dataclasses.asdict` gave it before the extra fields were typed: those in "extra"."""
        d = {k: v for k, v in asdict(self).items() if k not in EXTRA_FIELDS}
        d["extra"] = self.extra_record()
        return d

    @property
    def graded_text(self) -> str:
        """What a grader reads: the text, but the answer alone (or "" when there is none) for an
        answer printed by a program (pal: never a number of its code) and for an answer attempt
        cut off by max_tokens (its answer was read only from what it states: never a number of
        the unfinished working)."""
        cut_off = self.finish_reason == "length" and (self.kind or "code") != "code"
        if self.program is None and not cut_off:
            return self.text
        return "" if self.answer is None else f"\\boxed{{{self.answer}}}"


EXTRA_FIELDS = ("kind", "prefill", "stages", "program", "pipelines", "pipeline_scores", "verifier",
                "kept_previous", "method", "shared_from")
"""The fields of an Attempt kept in its extra record (`Attempt.extra_record`), in the order their
writers set them, so records read as they did before the fields were typed: a code attempt's
verifier is set with the attempt, a self-check's (answers) after every other write."""
_ANSWER_ORDER = (*(k for k in EXTRA_FIELDS if k != "verifier"), "verifier")


@dataclass
class Choice:
    """How a strategy chose its answer (strategies.py finish): stored as its result's extra record."""

    selection: str
    """The selection the answer came from (majority, weighted, verifier, last, first)."""
    answers: dict[str, str | None] = field(default_factory=dict)
    """Every selection's answer over the chains' final attempts, side by side (voting.py all_selections)."""
    chain_majority: list[str | None] | None = None
    """A strategy that revises: each chain's own majority answer."""
    chain_lengths: list[int] | None = None
    """A strategy that revises: each chain's length."""
    chosen_attempt: int | None = None
    """The index of the attempt whose answer was chosen."""
    verifier_tokens: dict[str, int] | None = None
    """Tokens of self-check calls (ScalingOptions.math_verifier "self_check")."""

    def record(self) -> dict[str, Any]:
        """The fields that are set, in this order: the extra record results were stored with before it was typed."""
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class StrategyResult:
    """Everything one strategy did for one sample, and the answer it chose."""

    sample_id: str
    strategy: str
    """Its name in STRATEGIES (agent/scaling/strategies.py)."""
    budget: int
    attempts: list[Attempt] = field(default_factory=list)
    answer: str | None = None
    """The strategy's final answer (after voting / selection)."""
    score: Score | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Only keys no field knows (a result rewritten from a store keeps its stored record here)."""
    choice: Choice | None = None
    """How the answer was chosen (strategies.py finish)."""

    def extra_record(self) -> dict[str, Any]:
        """The choice's record and the unknown keys, as one dict: what the store keeps (evals/store.py)."""
        return {**(self.choice.record() if self.choice else {}), **self.extra}

    def to_dict(self) -> dict[str, Any]:
        """As `dataclasses.asdict` gave it before the choice was typed: the choice in "extra", each attempt as
        `Attempt.to_dict` (`playground ask --json`)."""
        d = {k: v for k, v in asdict(self).items() if k != "choice"}
        return {**d, "extra": self.extra_record(), "attempts": [a.to_dict() for a in self.attempts]}

    @property
    def prompt_tokens(self) -> int:
        return sum(a.prompt_tokens for a in self.attempts)

    @property
    def completion_tokens(self) -> int:
        return sum(a.completion_tokens for a in self.attempts)


@dataclass(frozen=True)
class ScalingOptions:
    hybrid_k: int = 2
    """hybrid: steps per chain (the chain shapes: agent/scaling/budgets.py)."""
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
    feedback: Literal["prompt", "exec"] = "prompt"
    """How a revision of a program (pal) is asked: review it (prompt), or review it seeing what it
    printed or how it failed (exec; the revise-exec strategy)."""
    math_verifier: Literal["agreement", "self_check"] = "agreement"
    """verifier selection for answers: agreement (= majority, free) or a model self-check
    prompt per candidate (one extra greedy call each; its tokens in extra["verifier_tokens"])."""


@dataclass
class Job:
    """One sample's state while a strategy runs (its chains of attempts)."""

    sample: Sample
    base: list[Message]
    method: str = "cot"
    """The reasoning method every attempt at an answer is a solution of (code samples: none)."""
    revise_as: str | None = None
    """The method its revisions are solutions of (revise-exec: pal); None: `method`."""
    feedback: Literal["prompt", "exec"] | None = None
    """How its program revisions are asked (ScalingOptions.feedback); None: the options'."""
    prefill: str = ""
    """The start of every first attempt's reply (code: the ```python block it opens; chains.py new_job)."""
    stop: tuple[str, ...] = ()
    """Where every first attempt stops, besides the params' stop strings (code: the block's closing fence)."""
    checks_code: bool = True
    """Its code attempts are run on the public examples (the verifier's vote and the revisions' feedback)."""
    chains: list[list[Attempt]] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    verifier_tokens: dict[str, int] | None = None
    """Tokens of self-check calls (not attempts, so kept apart)."""
