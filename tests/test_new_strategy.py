"""A strategy defined here alone, registered with one call, runs through `playground ask`,
`playground eval` and `playground compare` (issue 30: adding a strategy touches one module)."""

from __future__ import annotations

import json

import pytest
import yaml

from agent.scaling import STRATEGIES, Strategy, register
from agent.scaling.budgets import chains_of_k
from playground.cli import main

PAIRS = "pairs"
SCRIPT = {"rules": [
    {"match": "Review your solution", "replies": ["I checked it. The answer is 4."]},
    {"match": "apples", "replies": ["The answer is 5.", "2 + 2 = 4. The answer is 4."]},
    {"match": "pears", "replies": ["The answer is 7."]},
]}


@pytest.fixture
def pairs():
    """Chains of two steps whatever --hybrid-k says (a first attempt and one revision each), a vote
    over the chains' final answers."""
    strategy = register(Strategy(PAIRS, shape=lambda budget, _k: chains_of_k(budget, 2), revises=True))
    yield strategy
    del STRATEGIES[PAIRS]


@pytest.fixture
def files(tmp_path):
    data = tmp_path / "q.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in [
        {"id": "a", "question": "Tom has 2 apples and gets 2 more apples. How many apples?", "answer": "4"},
        {"id": "p", "question": "How many pears are there if there are 7 pears?", "answer": "7"},
    ]))
    script = tmp_path / "script.yaml"
    script.write_text(yaml.safe_dump(SCRIPT))
    return data, script


def test_a_registered_strategy_is_offered_and_run_by_ask_eval_and_compare(pairs, files, tmp_path, capsys):
    data, script = files
    model = ["--backend", "scripted", "--model", str(script)]
    assert main(["ask", "Tom has 2 apples and gets 2 more apples. How many apples?", "--strategy", PAIRS,
                 "--n", "4", "--json", *model]) == 0
    asked = json.loads(capsys.readouterr().out)
    # two chains of two: first attempts 5 and 4, each revised to 4
    assert asked["strategy"] == PAIRS and asked["answer"] == "4" and len(asked["attempts"]) == 4

    out = tmp_path / "eval"
    assert main(["eval", "--task", "jsonl", "--data", str(data), "--question-field", "question", "--answer-field",
                 "answer", "--id-field", "id", "--method", "direct", "--strategy", PAIRS, "--budget", "4",
                 "--out", str(out), "--no-progress", *model]) == 0
    report = json.loads((out / "results.json").read_text())
    assert report["summary"]["graded"] == 2 and report["summary"]["correct"] == 1  # pears revised to 4
    capsys.readouterr()

    out = tmp_path / "compare"
    assert main(["compare", "--task", "jsonl", "--data", str(data), "--budgets", "2,4", "--strategies",
                 f"parallel,{PAIRS}", "--out", str(out), "--max-tokens", "40", *model]) == 0
    results = json.loads((out / "results.json").read_text())
    curve = {(p["strategy"], p["budget"]): p["accuracy"] for p in results["curve"] if p["bucket"] == "all"}
    # derived from its own stored chains at budget 4: budget 2 is one chain of two steps
    assert curve[(PAIRS, 2)] == curve[(PAIRS, 4)] == 0.5
    assert {s for s, _ in curve} == {"parallel", "parallel-weighted", "pass@k", "greedy", PAIRS}


def test_the_registry_is_where_the_choices_come_from(pairs, capsys):
    for command in ("ask", "eval", "compare"):
        assert main([command, "--help"]) == 0
        assert PAIRS in capsys.readouterr().out, command
