"""Records of test-time scaling: an `Attempt` (one generation for a sample) built in one
place (`Attempt.from_solution`), a `StrategyResult` (all attempts of one sample and the
chosen answer), the options of the strategies and the state of one sample while they run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from agent.reasoning.types import Solution
from agent.scaling.adaptive import DEFAULT_BATCH, DEFAULT_THRESHOLD
from agent.types import Message, Sample, Score

Grader = Callable[[str, Sample], Score]
"""(response text, sample) -> its score."""


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
    extra: dict[str, Any] = field(default_factory=dict)
    """Strategy-specific data: extraction per pipeline, verifier result, stages of cot2, ..."""

    @classmethod
    def from_solution(cls, sol: Solution, *, index: int, chain: int = 0, step: int = 0, duration_s: float = 0.0,
                      score: Score | None = None, extra: dict[str, Any] | None = None) -> Attempt:
        """The attempt of one solution: its first stage's prompt (and prefill, in `extra`), its kind
        (in `extra`), every stage's tokens, the last stage's finish reason; the stages when there are several."""
        stages = sol.stages
        more: dict[str, Any] = {"kind": sol.kind}
        if stages and stages[0]["prefill"]:
            more["prefill"] = stages[0]["prefill"]
        if len(stages) > 1:
            more["stages"] = list(stages)
        more.update(sol.extra)
        return cls(index=index, chain=chain, step=step, text=sol.text, answer=sol.answer,
                   prompt_tokens=sol.prompt_tokens, completion_tokens=sol.completion_tokens,
                   prompt_tokens_evaluated=sol.prompt_tokens_evaluated, finish_reason=sol.finish_reason, mean_logprob=sol.mean_logprob, score=score,
                   messages=list(stages[0]["messages"]) if stages else [], duration_s=duration_s,
                   extra={**more, **(extra or {})})

    @property
    def graded_text(self) -> str:
        """What a grader reads: the text, but the answer alone (or "" when there is none) for an
        answer printed by a program (pal: never a number of its code) and for an answer attempt
        cut off by max_tokens (its answer was read only from what it states: never a number of
        the unfinished working)."""
        cut_off = self.finish_reason == "length" and self.extra.get("kind", "code") != "code"
        if "program" not in self.extra and not cut_off:
            return self.text
        return "" if self.answer is None else f"\\boxed{{{self.answer}}}"


@dataclass
class StrategyResult:
    """Everything one strategy did for one sample, and the answer it chose."""

    sample_id: str
    strategy: str
    """single | parallel | sequential | hybrid | adaptive"""
    budget: int
    attempts: list[Attempt] = field(default_factory=list)
    answer: str | None = None
    """The strategy's final answer (after voting / selection)."""
    score: Score | None = None
    extra: dict[str, Any] = field(default_factory=dict)

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
    chains: list[list[Attempt]] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    verifier_tokens: dict[str, int] | None = None
    """Tokens of self-check calls (not attempts, so kept apart)."""
