"""Run a Python program in an isolated process with limits -> ExecResult.

    result = run("print(1 + 1)", Limits(timeout_s=5))
    result.stdout == "2\\n"; result.isolation == "bwrap"

Never raises because the user's code failed (errors, limits, crashes, floods
all become fields of the result); raises SandboxUnavailableError only when the
sandbox itself cannot start. Isolation levels: tools/isolation.py; the
bootstrap inside the sandbox: tools/sandbox_runtime/boot.py.
"""

from __future__ import annotations

import shutil
import signal
import tempfile
import time
from pathlib import Path

from tools.isolation import SandboxUnavailableError, isolation_level, resolve_level
from tools.process_io import FLOOD_BYTES, PumpOutcome
from tools.sandbox_process import SandboxProcess
from tools.types import ExecResult, IsolationLevel, Limits
from tools.workdir import changed_files, snapshot, write_input_files

__all__ = ["run", "isolation_level", "SandboxUnavailableError", "ExecResult", "Limits"]


def run(code: str, limits: Limits = Limits(), *, workdir: str | Path | None = None,
        files: dict[str, str | bytes] | None = None, isolation: IsolationLevel | None = None,
        filename: str = "main.py") -> ExecResult:
    """Run `code` as a program in the sandbox.

    workdir None: a fresh temporary dir, deleted afterwards (files are listed but
    not kept; result.workdir is None). Given: created if missing, kept, and
    result.workdir is its absolute path. `files` are written into the work dir
    before the program starts. `filename` names the program in tracebacks."""
    level = resolve_level(isolation)
    keep = workdir is not None
    root = Path(workdir).expanduser().resolve() if keep else Path(tempfile.mkdtemp(prefix="sandbox-work-"))
    try:
        root.mkdir(parents=True, exist_ok=True)
        write_input_files(root, files)
        before = snapshot(root)
        result = _run_in(root, code, filename, limits, level)
        result.files = changed_files(before, snapshot(root))
        result.figures = [f for f in result.figures if f in result.files]
        result.workdir = str(root) if keep else None
        return result
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def _run_in(root: Path, code: str, filename: str, limits: Limits, level: IsolationLevel) -> ExecResult:
    t0 = time.monotonic()
    sandbox = SandboxProcess("run", limits, root, level)
    try:
        sandbox.send({"code": code, "filename": filename})
        sandbox.close_input()
        pump = sandbox.pump
        outcome = pump.pump(t0 + limits.timeout_s, pump.all_eof)
        if outcome in ("timeout", "flood"):
            sandbox.kill()
        else:
            try:
                sandbox.proc.wait(timeout=1.0)
            except Exception:
                sandbox.kill()
        pump.out.finish()
        pump.err.finish()
        reply = pump.replies.messages[0] if pump.replies.messages else None
        return _result(outcome, reply, sandbox, limits, time.monotonic() - t0)
    finally:
        sandbox.close()


def _result(outcome: PumpOutcome, reply: dict | None, sandbox: SandboxProcess, limits: Limits,
            duration: float) -> ExecResult:
    pump = sandbox.pump
    notes: list[str] = []
    rc = sandbox.returncode()
    timed_out = outcome == "timeout" or rc == -signal.SIGXCPU
    memory = bool(reply and reply.get("memory_error"))
    if reply is not None and outcome not in ("timeout", "flood"):
        rc = reply.get("returncode", rc)
    if outcome == "timeout":
        notes.append(f"[sandbox: timed out after {limits.timeout_s:g}s; the program was killed]")
    elif rc == -signal.SIGXCPU:
        notes.append(f"[sandbox: CPU time limit of {sandbox.cpu_s}s exceeded; the program was killed]")
    elif outcome == "flood":
        notes.append(f"[sandbox: the program printed more than {FLOOD_BYTES // 2**20} MB and was stopped]")
    elif rc is not None and rc < 0 and reply is None:
        name = _signal_name(-rc)
        notes.append(f"[sandbox: the program was killed by signal {name}]")
    if rc == -signal.SIGXFSZ:
        notes.append(f"[sandbox: file size limit of {limits.file_size_mb} MB exceeded]")
    stderr = pump.err.text()
    if notes:
        stderr += ("" if not stderr or stderr.endswith("\n") else "\n") + "\n".join(notes) + "\n"
    return ExecResult(
        stdout=pump.out.text(), stderr=stderr, returncode=rc, timed_out=timed_out, memory_exceeded=memory,
        output_truncated=pump.out.truncated or pump.err.truncated or outcome == "flood",
        figures=list(reply.get("figures", [])) if reply else [],
        plot_warnings=list(reply.get("plot_warnings", [])) if reply else [],
        figure_facts=list(reply.get("figure_facts", [])) if reply else [], duration_s=duration, isolation=sandbox.level)


def _signal_name(n: int) -> str:
    try:
        return signal.Signals(n).name
    except ValueError:
        return str(n)
