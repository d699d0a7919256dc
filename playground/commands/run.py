"""`playground run "TASK"`: the model solves a task by writing Python that runs
in a sandboxed session; every step is shown as it happens."""

from __future__ import annotations

import argparse
import signal
from datetime import datetime
from pathlib import Path

from rich.console import Console

from agent.codeact.loop import CodeAgent
from agent.codeact.types import AgentConfig
from agent.errors import UsageError
from playground.display import RunDisplay
from playground.options import (
    config_from_args,
    open_model,
    output_file,
    output_folder,
    positive_float,
    positive_int,
)
from tools.session import PythonSession

HELP = "let the model solve a task by writing and running Python code"
DESCRIPTION = """\
The model writes Python, a sandboxed persistent session runs it, the output goes
back to the model, until it calls final_answer(...) or stops writing code.
After code fails, K replies are sampled at once (--candidates, default 4); each one's
code is tried in a scratch copy of the session and the best one goes on.

  playground run "Write a mandelbrot fractal algorithm in Python and save it as a PNG"

Files the code writes go to --workdir (default: ./playground-runs/<time>/work);
the transcript (JSON) is written after every step. Exit 0 when the agent finished,
1 when it gave up (step limit, token budget, unusable replies)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("task", help="what the model should do")
    parser.add_argument("--max-steps", type=positive_int, default=10, help="maximum model replies (default 10)")
    parser.add_argument("--workdir", type=output_folder, help="where the code runs and writes files (created if missing)")
    parser.add_argument("--transcript", type=output_file, help="transcript JSON file (default: next to the work dir)")
    parser.add_argument("--timeout", type=positive_float, default=60.0, help="seconds per code block (default 60)")
    parser.add_argument("--max-total-tokens", type=positive_int, help="token budget for the whole run (prompt + completion)")
    parser.add_argument("--candidates", type=positive_int, default=4, metavar="K",
                        help="after failed code, sample K replies in one request, try each in a scratch "
                             "copy of the session and go on with the best (default 4; 1 = off)")
    parser.add_argument("--native-tools", action="store_true",
                        help="use the model's native tool-call format (Qwen) instead of code blocks")


def _paths(args: argparse.Namespace) -> tuple[Path, Path]:
    if args.workdir:
        workdir = Path(args.workdir).expanduser().resolve()
        if workdir.exists() and not workdir.is_dir():
            raise UsageError(f"--workdir is not a directory: {workdir}")
        default_transcript = workdir.parent / f"{workdir.name}.transcript.json"
    else:
        run_dir = Path("playground-runs") / datetime.now().strftime("%Y%m%d-%H%M%S")
        try:
            output_folder(str(run_dir))
        except argparse.ArgumentTypeError as e:
            raise UsageError(f"cannot write the run in the current folder: {e}") from None
        workdir = (run_dir / "work").resolve()
        default_transcript = run_dir.resolve() / "transcript.json"
    transcript = Path(args.transcript).expanduser().resolve() if args.transcript else default_transcript
    if transcript.is_dir():
        raise UsageError(f"--transcript is a directory: {transcript}")
    return workdir, transcript


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def check(args: argparse.Namespace) -> None:
    if not args.task.strip():
        raise UsageError("the task is empty")
    _paths(args)


def main(args: argparse.Namespace) -> int:
    cfg = config_from_args(args)
    workdir, transcript = _paths(args)
    agent_cfg = AgentConfig(
        max_steps=args.max_steps, max_tokens_total=args.max_total_tokens, cell_timeout_s=args.timeout,
        max_tokens_per_step=cfg.sampling.max_tokens, temperature=cfg.sampling.temperature,
        top_p=cfg.sampling.top_p, native_tools=args.native_tools, seed=cfg.model.seed or 0,
        candidates=args.candidates)
    console = Console(highlight=False)
    model = open_model(cfg.model)
    # a kill (SIGTERM) ends the run like Ctrl-C: the transcript is finished in the loop's finally
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        workdir.mkdir(parents=True, exist_ok=True)
        display = RunDisplay(console, agent_cfg.max_steps)
        display.workdir = workdir
        with PythonSession(workdir=workdir) as session:
            agent = CodeAgent(model, session, agent_cfg, on_event=display.handle, transcript_path=transcript,
                              metadata={"playground": cfg.model_dump()})
            result = agent.run(args.task)
    finally:
        signal.signal(signal.SIGTERM, previous)
        model.close()
    if result.stop_reason == "interrupted":
        return 130
    return 0 if result.success else 1
