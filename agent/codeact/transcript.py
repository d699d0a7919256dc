"""Run records as JSON files, written atomically (temp file + rename) so a
reader never sees half a file, and rewritten after every step so a crash or
Ctrl-C leaves everything up to the last step on disk."""

from __future__ import annotations

import json
import os
import platform
import tempfile
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent import __version__
from agent.codeact.types import AgentResult, StepRecord, steps_usage


def write_json_atomic(path: str | Path, data: Any) -> None:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1, default=str)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def step_to_dict(step: StepRecord) -> dict:
    d = asdict(step)
    d["exec_result"] = step.exec_result.to_dict() if step.exec_result is not None else None
    d["overhead_s"] = step.overhead_s
    return d


class RunTranscript:
    """The record of one agent run. `save()` after each step; `finish()` in `finally:`."""

    def __init__(self, path: str | Path | None, *, task: str, config: dict, model: dict,
                 initial_messages: list[dict], workdir: str | None) -> None:
        self.path = Path(path) if path else None
        self.data: dict[str, Any] = {
            "version": 1,
            "kind": "agent_run",
            "task": task,
            "config": config,
            "model": model,
            "environment": {"playground": __version__, "python": platform.python_version()},
            "workdir": workdir,
            "started_at": now_iso(),
            "finished_at": None,
            "initial_messages": initial_messages,
            "steps": [],
            "final_answer": None,
            "stop_reason": None,
            "success": None,
            "error": None,
            "usage": {"prompt_tokens": 0, "completion_tokens": 0},
            "wall_s": None,
        }

    def save(self, steps: list[StepRecord]) -> None:
        self.data["steps"] = [step_to_dict(s) for s in steps]
        usage = steps_usage(steps)
        self.data["usage"] = {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
                              "prompt_tokens_evaluated": usage.prompt_tokens_evaluated}
        if self.path is not None:
            write_json_atomic(self.path, self.data)

    def finish(self, result: AgentResult) -> None:
        self.data.update(
            finished_at=now_iso(), final_answer=result.final_answer, stop_reason=result.stop_reason,
            success=result.success, error=result.error, wall_s=round(result.wall_s, 4),
            files=result.files, figures=result.figures,
        )
        self.save(result.steps)
