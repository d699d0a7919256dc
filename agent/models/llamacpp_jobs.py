"""The work records of the llamacpp decode loop (agent/models/llamacpp_decode.py):
a `Job` (one request's prompt and sampling settings), a `Seq` (one sample being
generated) and the decoder's work counters."""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.models.llamacpp_prefix import Node
from agent.models.stop_strings import find_stop


@dataclass
class Job:
    ids: list[int]
    n: int
    max_new: int
    temperature: float = 0.0
    top_p: float = 1.0
    stop: tuple[str, ...] = ()
    seeds: tuple[int, ...] = ()
    """One seed per sample."""
    logprobs: bool = False
    ignore_eos: bool = False
    """Benchmarks only: generate exactly max_new tokens, as llama-batched-bench does."""


@dataclass
class Seq:
    """One sample being generated."""

    job: int
    sample: int
    limit: int
    """Most tokens it may generate (the job's max_new)."""
    seq_id: int = -1
    pos: int = 0
    tokens: list[int] = field(default_factory=list)
    data: bytearray = field(default_factory=bytearray)
    logprobs: list[float] = field(default_factory=list)
    finish_reason: str | None = None
    text: str | None = None
    """Set when the text was cut at a stop string."""
    sampler: object = None
    order: int = -1
    """Admission order (the largest is the youngest), kept when preempted."""
    cached: int = 0
    """Prompt tokens its request did not evaluate (read from the cache) when it was first admitted."""
    end: Node | None = None

    def push(self, job: Job, token: int, piece: bytes, eog: bool) -> None:
        """Add a generated token (its bytes `piece`); set `finish_reason` when it ends the sample:
        an end-of-generation token, a stop string completed, or the limit reached."""
        self.tokens.append(token)
        if eog and not job.ignore_eos:
            self.finish_reason = "stop"
            return
        self.data += piece
        if job.stop:
            text = self.data.decode("utf-8", errors="ignore")
            at = find_stop(text, job.stop)
            if at >= 0:
                self.text, self.finish_reason = text[:at], "stop"
                return
        if len(self.tokens) >= self.limit:
            self.finish_reason = "length"

    def final_text(self) -> str:
        return self.text if self.text is not None else self.data.decode("utf-8", errors="replace")


@dataclass
class DecodeStats:
    """Work counters, for tests and benchmarks."""

    decode_calls: int = 0
    prompt_tokens_sent: int = 0
    """Prompt tokens of the jobs run (each job's once, however many samples it has)."""
    prompt_tokens: int = 0
    """Prompt tokens evaluated (shared ones once; recomputed ones after a preemption again)."""
    generated_tokens: int = 0
    max_live: int = 0
    """Most sequences decoded together in one call."""
    preempted: int = 0
    evicted: int = 0
    """Kept sequences dropped to make room."""
    drafted: int = 0
    """Prompt-lookup draft tokens fed (agent/models/llamacpp_lookup.py)."""
    accepted: int = 0
    """Of them, those the model chose itself (kept)."""
