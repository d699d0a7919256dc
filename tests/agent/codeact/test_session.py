"""The loop needs a `Session`, not the sandbox: any object with workdir, run, fresh and close."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from agent.codeact import AgentConfig, CodeAgent, Session
from agent.models.scripted import ScriptedModel
from tests.agent.codeact.conftest import code
from tools.session import PythonSession
from tools.types import ExecResult


class InProcessSession:
    """A Session that runs cells with exec() in one namespace (a test double: no isolation)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.namespace: dict = {}
        self.cells: list[str] = []

    def run(self, code: str, timeout_s: float | None = None) -> ExecResult:
        self.cells.append(code)
        out, err = io.StringIO(), io.StringIO()
        rc = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                exec(code, self.namespace)
            except Exception as e:  # noqa: BLE001 - the cell's error is its result
                err.write(f"{type(e).__name__}: {e}\n")
                rc = 1
        return ExecResult(out.getvalue(), err.getvalue(), rc)

    def fresh(self, workdir: Path) -> InProcessSession:
        return InProcessSession(workdir)

    def close(self) -> None:
        pass


def test_the_loop_runs_on_any_session(tmp_path):
    session = InProcessSession(tmp_path)
    assert isinstance(session, Session)
    model = ScriptedModel({"replies": [code("print(1 / 0)"), code("x = 6 * 7\nfinal_answer(x)")]})
    result = CodeAgent(model, session, AgentConfig(candidates=1)).run("Compute 6*7")
    assert result.success and result.final_answer == "42"
    assert "ZeroDivisionError" in result.steps[0].observation
    assert len(session.cells) == 3  # the final_answer prelude, then both replies


def test_the_sandbox_session_is_a_session(tmp_path):
    with PythonSession(workdir=tmp_path / "w") as session:
        assert isinstance(session, Session)
        with session.fresh(tmp_path / "scratch") as scratch:
            assert scratch.run("print(1)").stdout == "1\n" and scratch.limits == session.limits
