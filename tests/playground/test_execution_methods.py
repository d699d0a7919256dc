"""pal and the strategies that use execution through the application: ask, eval, compare and the
REPL accept the new names (from the registries) and run them on the scripted backend and the
real sandbox."""

from __future__ import annotations

import json

import pytest
import yaml

from agent.models.scripted import ScriptedModel
from playground.cli import main
from tests.playground.test_repl import CTRL_D, drive

PROGRAM = "```python\nprint(6 * 7)\n```"


@pytest.fixture
def script(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text(yaml.safe_dump({"rules": [{"match": "(?i)python", "replies": [PROGRAM]}],
                                 "default": "6 * 7 = 42. The answer is \\boxed{42}."}))
    return str(p)


def test_ask_pal_prints_the_program_what_it_printed_and_the_answer(script, capsys):
    assert main(["ask", "What is 6*7?", "--method", "pal", "--backend", "scripted", "--model", script]) == 0
    out = capsys.readouterr().out
    assert out.startswith(PROGRAM) and "The program printed:\n42\n" in out
    assert out.splitlines()[-1] == "Answer: 42"


def test_ask_pal_json_keeps_the_program_record(script, capsys):
    assert main(["ask", "What is 6*7?", "--method", "pal", "--json", "--backend", "scripted", "--model", script]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["answer"] == "42" and data["extra"]["program"]["stdout"] == "42\n"


@pytest.mark.parametrize("strategy", ["mixed", "revise-exec", "parallel"])
def test_ask_takes_the_execution_strategies(script, capsys, strategy):
    argv = ["ask", "What is 6*7?", "--method", "pal", "--strategy", strategy, "--n", "3",
            "--backend", "scripted", "--model", script]
    assert main(argv) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Answer: 42"


@pytest.mark.parametrize("more", [["--method", "pal"], ["--strategy", "mixed", "--budget", "3"],
                                  ["--strategy", "revise-exec", "--budget", "2"]])
def test_eval_runs_pal_and_the_execution_strategies(tmp_path, script, capsys, more):
    data = tmp_path / "q.jsonl"
    data.write_text(json.dumps({"id": "q1", "question": "What is 6*7?", "answer": "42"}) + "\n")
    out = tmp_path / "out"
    argv = ["eval", "--task", "jsonl", "--data", str(data), "--question-field", "question", "--answer-field",
            "answer", "--id-field", "id", "--backend", "scripted", "--model", script, "--out", str(out),
            "--no-progress", *more]
    assert main(argv) == 0
    summary = json.loads((out / "results.json").read_text())["summary"]
    assert (summary["graded"], summary["correct"]) == (1, 1)


def test_compare_takes_method_pal_and_the_execution_strategies(tmp_path, script, capsys):
    data = tmp_path / "q.jsonl"
    data.write_text(json.dumps({"id": "q1", "question": "What is 6*7?", "answer": "42"}) + "\n")
    base = ["compare", "--task", "jsonl", "--data", str(data), "--question-field", "question", "--answer-field",
            "answer", "--id-field", "id", "--backend", "scripted", "--model", script, "--budgets", "1,2"]
    assert main([*base, "--out", str(tmp_path / "bad"), "--method", "pal", "--strategies", "parallel,mixed"]) == 2
    assert "use --method cot" in capsys.readouterr().err and not (tmp_path / "bad").exists()
    out = tmp_path / "cmp"
    assert main([*base, "--out", str(out), "--method", "pal", "--strategies", "parallel,sequential"]) == 0
    curve = json.loads((out / "results.json").read_text())["curve"]
    assert {p["strategy"] for p in curve} >= {"parallel", "sequential"}
    assert all(p["accuracy"] == 1.0 for p in curve if p["strategy"] in ("parallel", "sequential"))
    both = tmp_path / "both"
    argv = [*base, "--out", str(both), "--strategies", "parallel,mixed,parallel-pal,revise-exec"]
    assert main(argv) == 0
    curve = json.loads((both / "results.json").read_text())["curve"]
    assert {p["strategy"] for p in curve} >= {"mixed", "parallel-pal", "revise-exec", "greedy"}
    assert all(p["accuracy"] == 1.0 for p in curve)


def test_the_repl_answers_with_pal_and_mixed(tmp_path):
    model = ScriptedModel({"rules": [{"match": "(?i)python", "replies": [PROGRAM]}],
                           "default": "The answer is \\boxed{42}."})
    _, screen, _ = drive(tmp_path, model, f"/method pal\nWhat is 6*7?\n/n 2\n/strategy mixed\nWhat is 6*7?\n{CTRL_D}")
    assert screen.count("answer: 42") == 2 and "usage" not in screen
