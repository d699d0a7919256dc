"""The shared vocabulary of the agent layer: chat messages, sampling, completions and the
`Model` protocol; the questions the methods and strategies solve (`Sample`) and how an
answer was judged (`Score`).

`Model` is a Protocol: backends are plain classes that satisfy it, nothing
inherits from it. Every backend counts tokens with the model's own tokenizer so
budgets compare across backends.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

Role = Literal["system", "user", "assistant", "tool"]
FinishReason = Literal["stop", "length", "error"]
AnswerKind = Literal["number", "math", "choice", "code"]
ScoreValue = Literal["correct", "incorrect", "no_answer", "error"]


@dataclass
class Message:
    role: Role
    content: str

    def to_dict(self) -> dict:
        return {"role": self.role, "content": self.content}

    @classmethod
    def from_dict(cls, d: dict) -> Message:
        return cls(role=d["role"], content=d["content"])


def user(content: str) -> Message:
    return Message("user", content)


def system(content: str) -> Message:
    return Message("system", content)


def assistant(content: str) -> Message:
    return Message("assistant", content)


@dataclass(frozen=True)
class SamplingParams:
    """How to sample. temperature 0 means greedy (n must then be 1 to be useful)."""

    n: int = 1
    temperature: float = 0.0
    top_p: float = 1.0
    max_tokens: int = 512
    stop: tuple[str, ...] = ()
    seed: int | None = None
    logprobs: bool = False

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"n must be >= 1, got {self.n}")
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens must be >= 1, got {self.max_tokens}")
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        if isinstance(self.stop, list):  # accept lists, keep the dataclass hashable
            object.__setattr__(self, "stop", tuple(self.stop))

    @property
    def greedy(self) -> bool:
        return self.temperature == 0.0


@dataclass
class Request:
    """One prompt. `prefill` is text the assistant reply starts with (the model
    continues it); used e.g. by the two-stage CoT answer trigger."""

    messages: list[Message]
    params: SamplingParams = field(default_factory=SamplingParams)
    prefill: str = ""


@dataclass
class Completion:
    text: str
    finish_reason: FinishReason
    prompt_tokens: int
    completion_tokens: int
    # log-probability of each generated token, where the backend gives them
    logprobs: list[float] | None = None
    cached_tokens: int | None = None
    """Prompt tokens this completion did not evaluate: read from the backend's KV cache, or shared
    with an earlier sample of the same call (sample 2 of n=4 evaluates none). Summed over a call's
    completions, prompt_tokens - cached_tokens is what the backend evaluated. None: the backend does
    not say (an OpenAI-compatible server that reports no cached tokens)."""

    @property
    def prompt_tokens_evaluated(self) -> int | None:
        return None if self.cached_tokens is None else self.prompt_tokens - self.cached_tokens

    @property
    def mean_logprob(self) -> float | None:
        if not self.logprobs:
            return None
        return sum(self.logprobs) / len(self.logprobs)

    def to_dict(self) -> dict:
        return asdict(self)


def known_sum(*counts: int | None) -> int | None:
    """The sum of token counts, or None when one of them is unknown (a backend that does not say)."""
    return None if any(c is None for c in counts) else sum(counts)  # type: ignore[arg-type]


def evaluated_share(sent: int, evaluated: int | None) -> str:
    """"sent S, evaluated E (P%)": the one wording of prompt tokens sent vs evaluated in every report."""
    if evaluated is None:
        return f"sent {sent:,}, evaluated: not recorded (the backend did not say)"
    share = f" ({evaluated / sent:.0%})" if sent else ""
    return f"sent {sent:,}, evaluated {evaluated:,}{share}"


@dataclass
class Usage:
    prompt_tokens: int = 0
    """Prompt tokens sent to the model."""
    completion_tokens: int = 0
    prompt_tokens_evaluated: int | None = 0
    """Of those, the ones the backend evaluated (the rest were cached); None when a backend did not say."""

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, c: Completion | Usage, count_prompt: bool = True) -> None:
        if count_prompt:
            self.prompt_tokens += c.prompt_tokens
            self.prompt_tokens_evaluated = known_sum(self.prompt_tokens_evaluated, c.prompt_tokens_evaluated)
        self.completion_tokens += c.completion_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.prompt_tokens + other.prompt_tokens, self.completion_tokens + other.completion_tokens,
                     known_sum(self.prompt_tokens_evaluated, other.prompt_tokens_evaluated))

    def to_dict(self) -> dict:
        return {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                "total_tokens": self.total_tokens, "prompt_tokens_evaluated": self.prompt_tokens_evaluated}


@runtime_checkable
class Model(Protocol):
    """What every backend provides."""

    name: str  # model id or path, as resolved
    backend: str  # "transformers" | "vllm" | "openai" | "scripted"
    context_length: int  # maximum prompt + completion tokens

    def generate(self, requests: list[Request]) -> list[list[Completion]]:
        """Batched: one list of `params.n` completions per request, in order."""
        ...

    def stream(self, messages: list[Message], params: SamplingParams) -> Generator[str, None, Completion | None]:
        """Yield text pieces of one completion as they are generated (n is ignored); return (the
        generator's StopIteration value) the whole Completion, with its token counts, where the backend
        knows them, else None."""
        ...

    def count_tokens(self, messages: list[Message]) -> int:
        """Prompt tokens of `messages` after the chat template, with the generation prompt."""
        ...

    def close(self) -> None:
        """Free the backend's resources (engine processes, GPU memory, HTTP pool)."""
        ...


@dataclass
class Sample:
    """One question (a dataset item). For code tasks `input` is the prompt shown to the model
    and metadata holds what grading and the verifiers need (tests, entry point, ...)."""

    id: str
    input: str
    target: str
    kind: AnswerKind = "number"
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Score:
    """`no_answer` (nothing extractable) is kept apart from `incorrect`; `error`
    means grading itself failed (timeout of the checker, crash), with the reason."""

    value: ScoreValue
    answer: str | None = None
    explanation: str = ""

    @property
    def correct(self) -> bool:
        return self.value == "correct"

    def to_dict(self) -> dict:
        return asdict(self)
