"""Shared by the agent-loop tests: a real sandbox session and a reply with one code block."""

from __future__ import annotations

import pytest

from tools.session import PythonSession

F = "```"


def code(src: str, text: str = "I will run this.") -> str:
    """A model reply: one sentence, then `src` in a fenced python block."""
    return f"{text}\n{F}python\n{src}\n{F}\n"


@pytest.fixture
def session(tmp_path):
    with PythonSession(workdir=tmp_path / "work") as s:
        yield s
