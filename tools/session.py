"""A persistent Python session (state kept between cells, like a notebook) in the sandbox.

    with PythonSession(workdir="out") as session:
        session.run("x = 41")
        session.run("x + 1").stdout == "42\\n"     # a last expression is echoed

One long-lived bootstrap process serves the cells (tools/sandbox_runtime/boot.py).
An exception gives a clean traceback in stderr with returncode 1; the session
lives on. A cell that hits its timeout, or kills its own process, loses the
session: it is killed and restarted, and the result says so (restarted=True).
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

from tools.isolation import resolve_level
from tools.process_io import FLOOD_BYTES
from tools.sandbox_process import SandboxProcess
from tools.types import ExecResult, IsolationLevel, Limits
from tools.workdir import changed_files, snapshot


class PythonSession:
    def __init__(self, workdir: str | Path | None = None, limits: Limits = Limits(),
                 isolation: IsolationLevel | None = None) -> None:
        self.isolation: IsolationLevel = resolve_level(isolation)
        self.limits = limits
        self._temporary = workdir is None
        self.workdir = (Path(tempfile.mkdtemp(prefix="session-work-")) if workdir is None
                        else Path(workdir).expanduser().resolve())
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._cells = 0
        self._process: SandboxProcess | None = None
        self._start()

    # ------------------------------------------------------------------ lifecycle
    def _start(self) -> None:
        self._process = SandboxProcess("session", self.limits, self.workdir, self.isolation)

    def _stop(self) -> None:
        if self._process is not None:
            self._process.close()
            self._process = None

    def restart(self) -> None:
        """Kill the session process tree and start a fresh one (all state is lost)."""
        self._stop()
        self._start()

    def fresh(self, workdir: str | Path) -> PythonSession:
        """A new, empty session like this one (same limits, same isolation) working in `workdir`."""
        return PythonSession(workdir=workdir, limits=self.limits, isolation=self.isolation)

    def close(self) -> None:
        self._stop()
        if self._temporary:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> PythonSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self._stop()
        except Exception:
            pass

    # ------------------------------------------------------------------ cells
    def run(self, code: str, timeout_s: float | None = None) -> ExecResult:
        """Run one cell; stdout/stderr, figures and files new or modified in this cell."""
        if self._process is None:
            self._start()
        timeout = self.limits.timeout_s if timeout_s is None else timeout_s
        self._cells += 1
        nonce = f"\x00<<cell-end {os.urandom(8).hex()}>>\x00"
        before = snapshot(self.workdir)
        t0 = time.monotonic()
        proc = self._process
        assert proc is not None
        pump = proc.pump
        pump.out.reset(nonce.encode())
        pump.err.reset(nonce.encode())
        pump.replies.messages.clear()
        cpu_s = max(1, int(timeout) + 1) if self.limits.cpu_s is None else self.limits.cpu_s
        sent = proc.send({"code": code, "filename": f"<cell {self._cells}>", "nonce": nonce, "cpu_s": cpu_s})

        def cell_done() -> bool:
            return bool(pump.replies.messages) and pump.out.seen_nonce and pump.err.seen_nonce

        outcome = pump.pump(t0 + timeout, cell_done) if sent else "exited"
        pump.out.finish()
        pump.err.finish()
        reply = pump.replies.messages[0] if pump.replies.messages else None
        result = self._result(outcome, reply, proc, timeout)
        result.duration_s = time.monotonic() - t0
        if outcome != "done":
            self.restart()
            result.restarted = True
            result.stderr += "[sandbox: the session was restarted; variables and imports were lost]\n"
        result.files = changed_files(before, snapshot(self.workdir))
        result.figures = [f for f in result.figures if f in result.files]
        return result

    def _result(self, outcome: str, reply: dict | None, proc: SandboxProcess, timeout: float) -> ExecResult:
        pump = proc.pump
        stderr = pump.err.text()
        notes: list[str] = []
        rc: int | None = reply.get("returncode", 1) if reply else None
        if outcome == "timeout":
            notes.append(f"[sandbox: the cell timed out after {timeout:g}s and was killed]")
        elif outcome == "flood":
            notes.append(f"[sandbox: the cell printed more than {FLOOD_BYTES // 2**20} MB and was stopped]")
        elif outcome == "exited":
            proc.kill()
            rc = proc.returncode()
            how = f"signal {-rc}" if rc is not None and rc < 0 else f"exit code {rc}"
            notes.append(f"[sandbox: the session process ended ({how})]")
        timed_out = outcome == "timeout" or rc == -signal.SIGXCPU
        if notes:
            stderr += ("" if not stderr or stderr.endswith("\n") else "\n") + "\n".join(notes) + "\n"
        return ExecResult(
            stdout=pump.out.text(), stderr=stderr, returncode=rc, timed_out=timed_out,
            memory_exceeded=bool(reply and reply.get("memory_error")),
            output_truncated=pump.out.truncated or pump.err.truncated or outcome == "flood",
            figures=list(reply.get("figures", [])) if reply else [],
            plot_warnings=list(reply.get("plot_warnings", [])) if reply else [],
        figure_facts=list(reply.get("figure_facts", [])) if reply else [], isolation=self.isolation,
            workdir=str(self.workdir))
