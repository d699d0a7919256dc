"""The live display of `playground run` (playground/display.py): what the user sees of a step."""

from __future__ import annotations

from rich.console import Console

from agent.codeact.types import CodeExecuted
from playground.display import RunDisplay
from tools.types import ExecResult


def test_a_silent_mistake_and_a_held_back_answer_are_shown():
    console = Console(record=True, width=200)
    display = RunDisplay(console, max_steps=3)
    result = ExecResult(stdout="", stderr="", returncode=0, figures=["m.png"], files=["m.png"])
    display.handle(CodeExecuted(1, result, "obs", ("img is filled as img[x, y] ...",), self_check_asked=True))
    text = console.export_text()
    assert "figure saved: m.png" in text
    assert "silent mistake: img is filled as img[x, y] ..." in text
    assert "final answer held back: the model is asked to test its result first" in text
