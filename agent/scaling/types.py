"""Typed records of evaluation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent.types import AnswerKind, Sample, Score

__all__ = ["AnswerKind", "Attempt", "Sample", "Score", "StrategyResult"]


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
    finish_reason: str = "stop"
    mean_logprob: float | None = None
    score: Score | None = None
    messages: list[dict] = field(default_factory=list)
    """The prompt as chat messages (role/content dicts)."""
    duration_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
    """Strategy-specific data: extraction per pipeline, verifier result, stage-1 rationale, ..."""


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
