"""The records of reasoning: a `Solution` (one answer to one question, with every stage's
prompt and completion), and a `Method` (how a question is asked, and how its first-stage
completions become solutions)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from agent.types import Completion, Message, Model, SamplingParams, known_sum


@dataclass
class Solution:
    question: str
    method: str
    kind: str
    text: str
    """The full response; for cot2 the rationale, the answer trigger and the stage-2 answer."""
    answer: str | None
    """The extracted answer (a program for code; None when nothing could be extracted)."""
    pipelines: dict[str, str | None] = field(default_factory=dict)
    """Extraction pipeline name -> value, on `text` (agent.answers.extract_all)."""
    stages: list[dict] = field(default_factory=list)
    """One per stage: {"messages": [role/content dicts], "prefill": str, "completion": Completion dict}."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    mean_logprob: float | None = None
    program: dict | None = None
    """pal's program run: the program, its output, how it ended, the reply (agent/reasoning/pal.py)."""

    @property
    def rationale(self) -> str:
        """The stage-1 completion (the whole response for one-stage methods)."""
        return self.stages[0]["completion"]["text"] if self.stages else self.text

    @property
    def prompt_tokens_evaluated(self) -> int | None:
        """Of prompt_tokens, those the backend evaluated (the rest it had cached), summed over the
        stages' completions; None when the backend did not say."""
        if not self.stages:
            return None
        return known_sum(*(_evaluated(s["completion"]) for s in self.stages))

    @property
    def finish_reason(self) -> str:
        """How the last stage's completion ended."""
        return self.stages[-1]["completion"]["finish_reason"] if self.stages else "stop"

    def to_dict(self) -> dict:
        return {"question": self.question, "method": self.method, "kind": self.kind, "text": self.text,
                "answer": self.answer, "pipelines": dict(self.pipelines), "stages": list(self.stages),
                "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                "prompt_tokens_evaluated": self.prompt_tokens_evaluated, "mean_logprob": self.mean_logprob,
                "extra": {} if self.program is None else {"program": self.program}}


def _evaluated(completion: dict) -> int | None:
    cached = completion.get("cached_tokens")
    return None if cached is None else completion["prompt_tokens"] - cached


@dataclass(frozen=True)
class Started:
    """One question whose first stage was generated: its prompt and completions."""

    question: str
    method: str
    kind: str
    messages: list[Message]
    completions: list[Completion]


Prompt = Callable[[str, str, "int | None"], list[Message]]
"""(question, kind, shots) -> the first-stage messages (a system prompt is put before them)."""
Finish = Callable[[Model, list[Started], SamplingParams], list[list[Solution]]]
"""First-stage completions -> solutions, batched over questions (more stages: more batched calls)."""


@dataclass(frozen=True)
class Method:
    """A reasoning method: how to ask (`prompt`) and how to finish (`finish`)."""

    name: str
    prompt: Prompt
    finish: Finish
