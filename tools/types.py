"""Typed records of the sandbox."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

IsolationLevel = Literal["bwrap", "unshare", "subprocess"]


@dataclass(frozen=True)
class Limits:
    timeout_s: float = 30.0
    """Wall-clock limit, enforced from the parent by killing the whole process tree."""
    cpu_s: int | None = None
    """CPU seconds (RLIMIT_CPU); default: timeout rounded up + 1."""
    memory_mb: int = 1024
    """Address space (RLIMIT_AS) in MiB."""
    file_size_mb: int = 64
    """Largest file the code may write (RLIMIT_FSIZE)."""
    open_files: int = 256
    processes: int = 64
    """Process/thread count inside the sandbox (RLIMIT_NPROC)."""
    output_bytes: int = 64_000
    """Captured stdout and stderr are each cut to this size, with a marker."""
    network: bool = False


@dataclass
class ExecResult:
    stdout: str
    stderr: str
    returncode: int | None
    timed_out: bool = False
    memory_exceeded: bool = False
    output_truncated: bool = False
    files: list[str] = field(default_factory=list)
    """Files written in the work dir (relative paths), figures included."""
    figures: list[str] = field(default_factory=list)
    """PNG files of matplotlib figures (relative to the work dir)."""
    plot_warnings: list[str] = field(default_factory=list)
    """What is wrong with what the code drew, one sentence each: an image of a list of points
    (imshow on an N x 2 array), an image of one constant value, a figure saved with nothing on it."""
    figure_facts: list[dict] = field(default_factory=list)
    """What each picture saved through matplotlib shows (tools/sandbox_runtime/playground_figure_facts.py):
    its file and pixel size; per axes the limits, tick labels, unit ratio and the images drawn with
    their shape, extent and origin; for imsave the array's shape and origin."""
    duration_s: float = 0.0
    isolation: IsolationLevel = "subprocess"
    workdir: str | None = None
    """Absolute work dir when it was kept (persistent), else None."""
    restarted: bool = False
    """Session only: the session was killed and restarted (state lost)."""

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out and not self.memory_exceeded

    def to_dict(self) -> dict:
        d = asdict(self)
        d["ok"] = self.ok
        return d


class SandboxUnavailableError(RuntimeError):
    """The requested isolation level (or the sandbox's interpreter) cannot run on this machine."""


@dataclass(frozen=True)
class LevelCheck:
    """Whether an isolation level works here, and why not when it does not."""

    level: IsolationLevel
    ok: bool
    reason: str = ""
    """Short, one line: "not installed", or the tool's own last error line."""
