"""Showing things as they happen, with rich: a reply while it streams (Markdown redrawn
in a Live region on a terminal; on a pipe, the text as it arrives), the output of a
code cell, and the events of an agent run for `playground run` (the reply, its code's
output, figures and files saved, the outcome)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.live import Live
from rich.markdown import Markdown
from rich.panel import Panel
from rich.text import Text

from agent.codeact.candidates import describe
from agent.codeact.code_blocks import split_final_answer
from agent.codeact.types import (
    AgentEvent,
    AgentResult,
    CandidatesChecked,
    CodeExecuted,
    CodeReady,
    ContextTrimmed,
    FormatRejected,
    RunFinished,
    StepStarted,
    TextDelta,
)
from agent.types import evaluated_share
from tools.types import ExecResult

MAX_OUTPUT_LINES = 40


class MarkdownStream:
    """with MarkdownStream(console) as out: out.add(piece) ... -> out.text"""

    def __init__(self, console: Console, refresh_per_second: float = 8.0) -> None:
        self.console = console
        self.text = ""
        self._live: Live | None = None
        self._refresh = refresh_per_second

    def __enter__(self) -> MarkdownStream:
        if self.console.is_terminal:
            self._live = Live(Markdown(""), console=self.console, refresh_per_second=self._refresh,
                              vertical_overflow="visible")
            self._live.__enter__()
        return self

    def add(self, piece: str) -> None:
        self.text += piece
        if self._live is not None:
            self._live.update(Markdown(self.text))
        else:
            self.console.file.write(piece)
            self.console.file.flush()

    def __exit__(self, *exc) -> None:
        if self._live is not None:
            self._live.update(Markdown(self.text))
            self._live.__exit__(*exc)
        elif self.text and not self.text.endswith("\n"):
            self.console.file.write("\n")
            self.console.file.flush()


def _tail_lines(text: str, n: int) -> str:
    lines = text.rstrip("\n").splitlines()
    if len(lines) <= n:
        return "\n".join(lines)
    return f"... ({len(lines) - n} lines above)\n" + "\n".join(lines[-n:])


def print_exec_result(console: Console, r: ExecResult, workdir: Path | None = None) -> None:
    """The output of one code block in a panel, then the figures and files it wrote (absolute paths)."""
    stdout, _ = split_final_answer(r.stdout)
    body = Text()
    if stdout.strip():
        body.append(_tail_lines(stdout, MAX_OUTPUT_LINES) + "\n")
    if r.stderr.strip():
        body.append(_tail_lines(r.stderr, MAX_OUTPUT_LINES) + "\n", style="red")
    if r.timed_out:
        body.append("stopped: time limit\n", style="red bold")
    if r.memory_exceeded:
        body.append("stopped: memory limit\n", style="red bold")
    if r.output_truncated:
        body.append("(output truncated)\n", style="dim")
    body.rstrip()
    status = "ok" if r.ok else f"failed (exit {r.returncode})"
    console.print(Panel(body if body.plain else Text("(no output)", style="dim"),
                        title=f"output: {status}, {r.duration_s:.2f}s", title_align="left",
                        border_style="green" if r.ok else "red"))
    base = Path(r.workdir) if r.workdir else workdir
    for name in r.figures:
        console.print(Text(f"figure saved: {base / name if base else name}", style="magenta"))
    for name in r.files:
        if name not in r.figures:
            console.print(Text(f"file written: {base / name if base else name}", style="magenta"))
    for warning in r.plot_warnings:
        console.print(Text(f"picture problem: {warning}", style="yellow"))


class RunDisplay:
    """An EventHandler: pass `display.handle` as CodeAgent(on_event=...)."""

    def __init__(self, console: Console, max_steps: int) -> None:
        self.console = console
        self.max_steps = max_steps
        self.workdir: Path | None = None
        self._stream: MarkdownStream | None = None

    def handle(self, event: AgentEvent) -> None:
        if not isinstance(event, TextDelta):
            self._end_stream()
        if isinstance(event, StepStarted):
            self.console.rule(f"step {event.step}/{self.max_steps}", style="cyan")
        elif isinstance(event, TextDelta):
            if self._stream is None:
                self._stream = MarkdownStream(self.console).__enter__()
            self._stream.add(event.text)
        elif isinstance(event, CandidatesChecked):
            self._show_candidates(event)
        elif isinstance(event, CodeReady):
            self.console.print(Text("running the code...", style="dim"))
        elif isinstance(event, CodeExecuted):
            self._show_result(event)
        elif isinstance(event, FormatRejected):
            self.console.print(Text(f"(reply not usable: {event.problem}; asking the model to fix the format)",
                                    style="yellow"))
        elif isinstance(event, ContextTrimmed):
            self.console.print(Text(f"(dropped {event.dropped_messages} old messages to fit the context)",
                                    style="yellow"))
        elif isinstance(event, RunFinished):
            self.summary(event.result)

    def _end_stream(self) -> None:
        if self._stream is not None:
            self._stream.__exit__(None, None, None)
            self._stream = None

    def _show_candidates(self, event: CandidatesChecked) -> None:
        """Best-of-k after a failure: one line per candidate tried in a scratch session."""
        self.console.print(Text(f"sampled {event.sampled} replies; tried their code in a scratch session:",
                                style="dim"))
        for c in event.checks:
            mark = "->" if c.index == event.chosen else "  "
            self.console.print(Text(f" {mark} #{c.index + 1}: {describe(c)}",
                                    style="bold" if c.index == event.chosen else "dim"))
        if len(event.checks) < event.sampled:
            self.console.print(Text(f"    (the other {event.sampled - len(event.checks)} not needed)", style="dim"))

    def _show_result(self, event: CodeExecuted) -> None:
        print_exec_result(self.console, event.result, self.workdir)
        for hint in event.pitfalls:
            self.console.print(Text(f"silent mistake: {hint}", style="yellow"))
        if event.self_check_asked:
            self.console.print(Text("final answer held back: the model is asked to test its result first",
                                    style="yellow"))

    def summary(self, result: AgentResult) -> None:
        self._end_stream()
        style = "green" if result.success else "red"
        words = {"final_answer": "finished (final answer)", "done": "finished", "max_steps": "gave up: step limit",
                 "token_budget": "gave up: token budget", "format_errors": "gave up: unusable replies",
                 "interrupted": "interrupted", "error": "stopped by an error"}
        self.console.rule(f"{words[result.stop_reason]} after {len(result.steps)} step(s), {result.wall_s:.1f}s",
                          style=style)
        if result.final_answer is not None:
            self.console.print(Text("final answer: ", style="bold") + Text(result.final_answer))
        if result.error:
            self.console.print(Text(f"error: {result.error}", style="red"))
        base = Path(result.workdir) if result.workdir else None
        for name in result.files:
            self.console.print(f"  {base / name if base else name}", highlight=False)
        if result.workdir:
            self.console.print(f"work dir: {result.workdir}", highlight=False)
        if result.transcript_path:
            self.console.print(f"transcript: {result.transcript_path}", highlight=False)
        self.console.print(f"tokens: {result.prompt_tokens} prompt + {result.completion_tokens} completion; "
                           f"prompt {evaluated_share(result.prompt_tokens, result.prompt_tokens_evaluated)}",
                           highlight=False, style="dim")
