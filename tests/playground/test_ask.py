"""`playground ask`: in-process through playground.cli.main with the scripted backend,
one subprocess run of `python -m playground`, bad input, and one real-model run."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from playground.cli import main

SCRIPT = """\
rules:
  - match: "^What is 7\\\\*8\\\\?$"
    replies: ["Seven times eight is fifty-six: 56."]
  - match: "step by step"
    replies: ["7 * 8 = 56, so the result is 56."]
default: "??"
"""


@pytest.fixture
def script(tmp_path):
    p = tmp_path / "script.yaml"
    p.write_text(SCRIPT)
    return str(p)


def test_plain_ask_streams_the_answer(script, capsys):
    assert main(["ask", "What is 7*8?", "--backend", "scripted", "--model", script]) == 0
    out = capsys.readouterr()
    assert out.out == "Seven times eight is fifty-six: 56.\n"
    assert out.err == ""


def test_cot_prints_the_reasoning_then_the_answer(script, capsys):
    assert main(["ask", "What is 7*8?", "--method", "cot", "--backend", "scripted", "--model", script]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["7 * 8 = 56, so the result is 56.", "Answer: 56"]


def test_cot2_prints_stage1_then_the_stage2_answer(tmp_path, capsys):
    p = tmp_path / "s.yaml"  # stage 1 and stage 2 share the user message: replies in order
    p.write_text('replies: ["First 7 * 8 = 56.", " 56.\\n\\nDone"]\n')
    assert main(["ask", "What is 7*8?", "--method", "cot2", "--backend", "scripted", "--model", str(p)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["First 7 * 8 = 56.", "Therefore, the answer (arabic numerals) is 56.", "Answer: 56"]


def test_no_answer_is_said_plainly(tmp_path, capsys):
    p = tmp_path / "s.yaml"
    p.write_text('default: "I cannot tell."\n')
    assert main(["ask", "Why?", "--method", "direct", "--backend", "scripted", "--model", str(p)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Answer: (none extracted)"


def test_cot2_json_in_a_subprocess(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text('replies: ["First 7 * 8 = 56.", " 56."]\n')
    proc = subprocess.run([sys.executable, "-m", "playground", "ask", "What is 7*8?", "--method", "cot2",
                           "--json", "--backend", "scripted", "--model", str(p)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["question"] == "What is 7*8?" and data["method"] == "cot2"
    assert data["answer"] == "56"
    assert len(data["stages"]) == 2
    assert data["stages"][1]["prefill"] == "First 7 * 8 = 56.\nTherefore, the answer (arabic numerals) is"
    assert data["pipelines"]
    assert data["completion_tokens"] == sum(s["completion"]["completion_tokens"] for s in data["stages"])
    assert data["prompt_tokens"] == sum(s["completion"]["prompt_tokens"] for s in data["stages"])


def _one_line_exit_2(argv, capsys) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def test_unknown_backend_is_one_line_exit_2(script, capsys):
    err = _one_line_exit_2(["ask", "q", "--backend", "nope", "--model", script], capsys)
    assert "nope" in err


@pytest.mark.parametrize("args", [
    ["--temperature", "-1"], ["--temperature", "hot"], ["--top-p", "0"], ["--top-p", "1.5"], ["--max-tokens", "0"],
    ["--n", "0"], ["--strategy", "magic"], ["--method", "tot"], ["--kind", "code"], ["--seed", "x"],
])
def test_every_bad_option_value_is_one_line_exit_2(script, capsys, args):
    """Validated when parsed: one line, exit 2, no traceback, nothing loaded."""
    err = _one_line_exit_2(["ask", "hi", "--backend", "scripted", "--model", script, *args], capsys)
    assert err.startswith("playground: error:") and args[0] in err


def test_a_bad_value_in_the_config_file_is_one_line_exit_2(tmp_path, script, capsys):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("sampling:\n  temperature: -1\n")
    err = _one_line_exit_2(["ask", "q", "--config", str(cfg), "--backend", "scripted", "--model", script], capsys)
    assert "sampling.temperature" in err


def test_missing_model_path_is_one_line_exit_2_in_a_subprocess():
    proc = subprocess.run([sys.executable, "-m", "playground", "ask", "q", "--backend", "transformers",
                           "--model", "/nonexistent/model"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_missing_script_is_one_line_exit_2(tmp_path, capsys):
    err = _one_line_exit_2(["ask", "q", "--backend", "scripted", "--model", str(tmp_path / "none.yaml")], capsys)
    assert "not a file" in err


def test_unknown_config_key_is_one_line_exit_2(tmp_path, script, capsys):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("sampling:\n  temprature: 0.5\n")
    err = _one_line_exit_2(["ask", "q", "--config", str(cfg), "--backend", "scripted", "--model", script], capsys)
    assert "sampling.temprature" in err


def test_bad_n_and_empty_question_are_exit_2(script, capsys):
    _one_line_exit_2(["ask", "q", "--n", "0", "--backend", "scripted", "--model", script], capsys)
    _one_line_exit_2(["ask", "  ", "--backend", "scripted", "--model", script], capsys)


def test_strategy_parallel_votes(tmp_path, capsys):
    p = tmp_path / "s.yaml"
    p.write_text('rules:\n  - match: ""\n    replies: ["\\\\boxed{56}", "\\\\boxed{54}", "\\\\boxed{56}"]\n')
    assert main(["ask", "What is 7*8?", "--n", "3", "--backend", "scripted", "--model", str(p), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["strategy"] == "parallel" and data["answer"] == "56" and len(data["attempts"]) == 3
    _one_line_exit_2(["ask", "q", "--n", "2", "--strategy", "magic", "--backend", "scripted", "--model",
                      str(p)], capsys)


@pytest.mark.real_model
@pytest.mark.slow
def test_real_default_model_answers_7_times_8(default_model_dir):
    proc = subprocess.run([sys.executable, "-m", "playground", "ask", "What is 7*8?", "--model",
                           str(default_model_dir), "--max-tokens", "64"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "56" in proc.stdout


def test_every_choice_comes_from_its_registry():
    """Methods, kinds, strategies and tasks are spelled once (their registries); the CLI lists them."""
    from agent.answers import KINDS
    from agent.reasoning import METHODS
    from agent.scaling import STRATEGIES
    from evals.datasets import TASKS
    from playground.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command").choices
    choices = {name: {a.dest: a.choices for a in parser._actions} for name, parser in sub.items()}
    assert list(choices["ask"]["method"]) == list(METHODS) == list(choices["eval"]["method"])
    assert list(choices["ask"]["kind"]) == list(KINDS)
    assert list(choices["ask"]["strategy"]) == list(STRATEGIES) == list(choices["eval"]["strategy"])
    assert list(choices["eval"]["task"]) == list(TASKS) == list(choices["compare"]["task"])
