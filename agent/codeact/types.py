"""Records of the code-acting agent: what it needs from a Python session (`Session`), its
config, the events it emits while it runs (the CLI renders them; the loop prints
nothing), its result, and the exceptions that end a run or a step."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from agent.types import Usage, known_sum
from tools.types import ExecResult


@runtime_checkable
class Session(Protocol):
    """A persistent Python session the code runs in (tools.session.PythonSession is one)."""

    workdir: Path
    """Where the code runs and writes its files."""

    def run(self, code: str, timeout_s: float | None = None) -> ExecResult:
        """Run one cell; state (variables, imports) is kept between cells unless `restarted`."""
        ...

    def fresh(self, workdir: Path) -> Session:
        """A new, empty session like this one (same limits, same isolation) working in `workdir`."""
        ...

    def close(self) -> None:
        ...

StopReason = Literal[
    "final_answer",   # the code called final_answer(...)
    "done",           # a reply without code after the last execution succeeded
    "max_steps",      # step limit reached
    "token_budget",   # max_tokens_total used up
    "format_errors",  # too many unusable replies in a row
    "interrupted",    # Ctrl-C
    "error",          # the program itself failed (model backend, sandbox); never shown to the model
]
SUCCESS_REASONS: frozenset[str] = frozenset({"final_answer", "done"})


class AgentConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    max_steps: int = 10
    """Maximum number of model calls (steps)."""
    max_tokens_total: int | None = None
    """Token budget: prompt + completion tokens summed over all model calls; None = no budget."""
    max_tokens_per_step: int = 1024
    """Maximum generated tokens per reply."""
    max_format_errors: int = 3
    """Stop after this many unusable replies in a row (each gets a corrective message)."""
    cell_timeout_s: float = 60.0
    """Wall-clock limit for one code block in the session."""
    temperature: float = 0.0
    """Sampling temperature of the replies (0 = greedy)."""
    top_p: float = 1.0
    """Nucleus sampling of the replies."""
    retry_temperature: float = 0.7
    """Temperature of the reply that follows failed code (at least `temperature`): greedy decoding
    of a small model tends to resend the same failing code, sampling gets it out of that rut."""
    candidates: int = Field(1, ge=1)
    """Best-of-k after a failure: when the last code failed or the reply was unusable, sample this many
    replies in one request, run each in a scratch copy of the session (agent/codeact/candidates.py) and
    continue with the best. 1 = off."""
    seed: int = 0
    """Seed of sampled replies (step i uses seed + i), so runs reproduce."""
    native_tools: bool = False
    """Use the model's native tool-call format (Qwen's <tool_call> JSON, observations as role 'tool')
    instead of fenced code blocks."""
    figure_facts: bool = True
    """Describe each saved picture in the observation (its pixel size; each axes' limits and how long one
    x unit is against one y unit; each image's array shape, extent and which row is at the top), so a
    transposed or stretched picture can be seen in text."""
    pitfall_checks: bool = True
    """Read the code of a picture task for silent mistakes (agent/codeact/pitfalls.py: an array filled
    [x, y] and drawn by imshow); one found refuses the final answer like an error, with a hint."""
    lessons: bool = False
    """Fresh best-of-k attempts (agent/codeact/candidates.py) see the task with the mistakes this run's
    observations have named so far (error hints, silent mistakes in general words), so a new attempt does
    not make them again; False: the task alone. Off: measured over ten seeds of the README's task at
    ac67326 (RESULTS.md), fresh attempts told the mistakes ran more often and drew wrong pictures the
    checks cannot see (random points, another window): 3/10 correct against 9/10 without."""
    self_check: bool = False
    """The first time the code calls final_answer, ask the model to test its result in code first
    (prompts/agent.yaml self_check); a failed check goes back to it like an error. Costs a step."""
    max_observation_chars: int = 4000
    """Stdout/stderr shown to the model are cut to this many characters (head and tail kept)."""


@dataclass
class StepTokens:
    prompt: int = 0
    """Prompt tokens sent (a best-of-k request's prompt once, however many samples it asks for)."""
    completion: int = 0
    evaluated: int | None = 0
    """Of the prompt tokens, those the backend evaluated (the rest it had cached); None: it did not say."""


def steps_usage(steps: list[StepRecord]) -> Usage:
    """The tokens of a run's steps, summed (transcript, result and display all read this)."""
    return Usage(sum(s.tokens.prompt for s in steps), sum(s.tokens.completion for s in steps),
                 known_sum(*(s.tokens.evaluated for s in steps)))


@dataclass
class StepRecord:
    """One model call and what followed it."""

    index: int
    messages: list[dict]
    """Messages added in this step (the reply, then the observation or corrective message)."""
    reply: str = ""
    code: str | None = None
    exec_result: ExecResult | None = None
    observation: str | None = None
    format_problem: str | None = None
    final_answer: str | None = None
    tokens: StepTokens = field(default_factory=StepTokens)
    model_s: float = 0.0
    exec_s: float = 0.0
    check_s: float = 0.0
    """Time spent running candidate replies in scratch sessions (best-of-k)."""
    total_s: float = 0.0
    candidates: list[dict] = field(default_factory=list)
    """Best-of-k: every sampled reply with what its code did (CandidateCheck.to_dict()); empty when off."""
    chosen_candidate: int | None = None
    adopted: bool = False
    """The chosen candidate finished the task in its scratch session, so its run (files and output)
    was taken over instead of running its code a second time in the real session."""
    dropped_messages: int = 0
    """Earlier messages dropped before this call to fit the model's context."""
    pitfalls: list[str] = field(default_factory=list)
    """Silent mistakes found in this step's code (agent/codeact/pitfalls.py), as the hints shown."""
    self_check_asked: bool = False
    """The code gave a final answer and the model was asked to test its result before it counts."""

    @property
    def overhead_s(self) -> float:
        """Time of the loop itself: everything but the model call and the session calls."""
        return max(0.0, self.total_s - self.model_s - self.exec_s - self.check_s)


@dataclass
class AgentResult:
    stop_reason: StopReason
    final_answer: str | None
    steps: list[StepRecord]
    workdir: str | None
    transcript_path: str | None
    files: list[str] = field(default_factory=list)
    """Files written in the work dir during the run (relative paths)."""
    figures: list[str] = field(default_factory=list)
    error: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    wall_s: float = 0.0
    prompt_tokens_evaluated: int | None = None
    """Of prompt_tokens, those the backend evaluated (the rest it had cached); None: it did not say."""

    @property
    def success(self) -> bool:
        return self.stop_reason in SUCCESS_REASONS


# --------------------------------------------------------------------- events
@dataclass(frozen=True)
class StepStarted:
    step: int


@dataclass(frozen=True)
class TextDelta:
    step: int
    text: str


@dataclass(frozen=True)
class CodeReady:
    step: int
    code: str


@dataclass(frozen=True)
class CodeExecuted:
    step: int
    result: ExecResult
    observation: str
    pitfalls: tuple[str, ...] = ()
    """Silent mistakes found in the code (agent/codeact/pitfalls.py), as the hints the model sees."""
    self_check_asked: bool = False
    """The final answer is held back until the model has tested its result (AgentConfig.self_check)."""


@dataclass(frozen=True)
class CandidatesChecked:
    """Best-of-k: the sampled replies were run in scratch sessions; `chosen` is the index used."""

    step: int
    checks: tuple  # of agent.codeact.candidates.CandidateCheck
    sampled: int
    chosen: int


@dataclass(frozen=True)
class FormatRejected:
    step: int
    problem: str
    message: str


@dataclass(frozen=True)
class ContextTrimmed:
    step: int
    dropped_messages: int


@dataclass(frozen=True)
class RunFinished:
    result: AgentResult


AgentEvent = (StepStarted | TextDelta | CandidatesChecked | CodeReady | CodeExecuted | FormatRejected
              | ContextTrimmed | RunFinished)
EventHandler = Callable[[AgentEvent], None]


# --------------------------------------------------------------------- control flow
class Submitted(Exception):
    """The task is done: final_answer(...) was called, or a reply had no code after success."""

    def __init__(self, reason: StopReason, answer: str | None) -> None:
        super().__init__(reason)
        self.reason, self.answer = reason, answer


class LimitsExceeded(Exception):
    """A step, token or format-error limit ends the run."""

    def __init__(self, reason: StopReason) -> None:
        super().__init__(reason)
        self.reason = reason


class FormatError(Exception):
    """The reply cannot be used; `problem` names the corrective message in prompts/agent.yaml."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem
