"""`playground compare` end to end on the scripted backend, and its usage errors."""

from __future__ import annotations

import json

import pytest
import yaml

from playground.cli import main

SCRIPT = {"rules": [
    {"match": "Review your solution", "replies": ["I checked it. The answer is 4."]},
    {"match": "apples", "replies": ["2 + 2 = 4. The answer is 4.", "The answer is 5.", "The answer is 4."]},
    {"match": "pears", "replies": ["The answer is 7."]},
]}


@pytest.fixture
def files(tmp_path):
    data = tmp_path / "q.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in [
        {"id": "a", "question": "Tom has 2 apples and gets 2 more apples. How many apples?", "answer": "4"},
        {"id": "p", "question": "How many pears are there if there are 7 pears?", "answer": "7"},
    ]) + "\n")
    script = tmp_path / "script.yaml"
    script.write_text(yaml.safe_dump(SCRIPT))
    return data, script


def test_compare_command_writes_outputs(files, tmp_path, capsys):
    data, script = files
    out = tmp_path / "out"
    argv = ["compare", "--task", "jsonl", "--data", str(data), "--budgets", "1,2,4",
            "--strategies", "parallel,sequential,hybrid,adaptive", "--backend", "scripted", "--model", str(script),
            "--out", str(out), "--max-tokens", "40"]
    assert main(argv) == 0
    printed = capsys.readouterr()
    assert "budget 4:" in printed.out and "temperature 0" in printed.err
    results = json.loads((out / "results.json").read_text())
    assert results["questions_done"] == 2 and results["meta"]["temperature"] == 0.7
    strategies = {p["strategy"] for p in results["curve"]}
    # parallel's samples voted with their logprobs too (the scripted backend gives them)
    assert strategies == {"parallel", "parallel-weighted", "sequential", "hybrid", "adaptive", "pass@k", "greedy"}
    seq4 = next(p for p in results["curve"] if p["strategy"] == "sequential" and p["budget"] == 4
                and p["bucket"] == "all")
    assert seq4["accuracy"] == 0.5  # every revision answers 4: right for apples, wrong for pears
    assert (out / "curves.png").stat().st_size > 5000 and "## Budget 4" in (out / "report.md").read_text()
    assert main(argv) == 0  # resumes: nothing left to generate
    # report only: no model is loaded (a missing script would fail to load), a subset of strategies
    only = [a if a != str(script) else str(tmp_path / "missing.yaml") for a in argv]
    only[only.index("parallel,sequential,hybrid,adaptive")] = "parallel,adaptive"
    assert main([*only, "--report-only"]) == 0
    results = json.loads((out / "results.json").read_text())
    assert {p["strategy"] for p in results["curve"]} == {"parallel", "parallel-weighted", "adaptive", "pass@k", "greedy"}
    # --skip: the report of the later questions alone (pears: every strategy right)
    assert main([*only, "--report-only", "--skip", "1"]) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["questions_done"] == 1 and all(
        p["accuracy"] == 1.0 for p in results["curve"] if p["bucket"] == "all")


@pytest.mark.parametrize("extra, message", [
    (["--budgets", "1,x"], "--budgets"),
    (["--budgets", "0,2"], "--budgets"),
    (["--strategies", "parallel,beam"], "unknown strategy beam"),
    (["--skip", "2"], "--skip 2 leaves none of the 2 selected questions"),
    (["--regrade"], "--regrade goes with --report-only"),
])
def test_compare_usage_errors(files, tmp_path, capsys, extra, message):
    data, script = files
    argv = ["compare", "--task", "jsonl", "--data", str(data), "--backend", "scripted", "--model", str(script),
            "--out", str(tmp_path / "o"), *extra]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize("extra", [["--adaptive-threshold", "0.3"], ["--chunk-size", "0"], ["--method", "tot"],
                                   ["--budgets", "1,65"], ["--limit", "0"], ["--skip", "-1"]])
def test_compare_option_values_are_checked_when_parsed(files, tmp_path, capsys, extra):
    data, script = files
    argv = ["compare", "--task", "jsonl", "--data", str(data), "--backend", "scripted", "--model", str(script),
            "--out", str(tmp_path / "o"), *extra]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("playground: error:") and err.count("\n") == 1 and extra[0] in err
