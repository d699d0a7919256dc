"""Reading one eval run from its store (evals/store.py), as it is now: a run still going shows
the samples it has. The sample table costs one query for the results and one for the
per-sample totals; the question text is read only for the samples on the page shown (or
all of them for a text search)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from agent.scaling.strategies import SINGLE
from evals.stats import wilson_interval
from evals.store import ResultStore
from evals.store_lock import writer_alive
from playground.view.discover import RunRef

FILTERS = ("all", "correct", "incorrect", "no_answer", "error", "pending")
SORTS = ("position", "id", "score", "tokens", "seconds", "attempts")


CODE_TASKS = frozenset({"humaneval", "mbpp"})
"""Tasks graded by running code: their manifests carry the default reasoning method, which they do not use."""


@dataclass
class SampleRow:
    id: str
    position: int
    status: str
    """correct | incorrect | no_answer | error (grading or generation failed) | pending"""
    target: str | None = None
    answer: str | None = None
    attempts: int = 0
    tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    question: str = ""
    reason: str = ""


@dataclass
class EvalRun:
    ref: RunRef
    manifest: dict[str, Any]
    status: str
    rows: list[SampleRow]
    total: int
    wall_s: float
    pipelines: dict[str, Any] = field(default_factory=dict)

    def current_status(self) -> str:
        """The stored status, but "stopped" for a run left "running" that no process writes any more
        (killed or interrupted; --resume finishes it). Asked at each page, not cached with the run:
        a writer's death changes no file the cache watches."""
        if self.status == "running" and writer_alive(self.ref.path.parent) is not True:
            return "stopped"
        return self.status

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(FILTERS, 0)
        out["all"] = len(self.rows)
        for r in self.rows:
            out[r.status] = out.get(r.status, 0) + 1
        return out

    def accuracy(self) -> tuple[float | None, float, float, int, int]:
        graded = [r for r in self.rows if r.status in ("correct", "incorrect", "no_answer")]
        correct = sum(r.status == "correct" for r in graded)
        lo, hi = wilson_interval(correct, len(graded))
        return (correct / len(graded) if graded else None), lo, hi, correct, len(graded)

    def describe(self) -> dict[str, Any]:
        ev, model = self.manifest.get("eval", {}), self.manifest.get("model", {})
        strategy = ev.get("strategy")
        return {"task": ev.get("task"), "model": model.get("id"), "backend": model.get("backend"),
                "method": None if ev.get("task") in CODE_TASKS else ev.get("method"),  # code tasks have no method
                "strategy": strategy if strategy in (None, SINGLE) else f"{strategy} @ {ev.get('budget')}",
                "dataset": (self.manifest.get("dataset") or {}).get("sha256")}


def load_eval(ref: RunRef) -> EvalRun:
    with ResultStore.read_only(ref.path) as store:
        manifest, status = store.manifest(ref.run_id), store.status(ref.run_id)
        results, errors = store.results(ref.run_id), store.errors(ref.run_id)
        totals, wall = store.attempt_totals(ref.run_id), store.wall_time(ref.run_id)
    rows = []
    for r in results:
        t = totals.get(r.sample_id, {})
        rows.append(SampleRow(r.sample_id, r.position, r.score or "no_answer", r.target, r.answer,
                              int(t.get("attempts", 0)), int(t.get("prompt_tokens", 0) + t.get("completion_tokens", 0)),
                              int(t.get("completion_tokens", 0)), float(t.get("seconds", 0.0))))
    rows += [SampleRow(e["sample_id"], e["position"], "error", reason=e["reason"]) for e in errors]
    rows.sort(key=lambda r: (r.position, r.id))
    total = int((manifest.get("dataset") or {}).get("samples") or len(rows))
    run = EvalRun(ref, manifest, status, rows, max(total, len(rows)), wall)
    run.pipelines = _finished_pipelines(ref)
    return run


def _finished_pipelines(ref: RunRef) -> dict[str, Any]:
    """The extraction pipelines' accuracy from results.json (evals/report.py writes it when a run ends)."""
    path = ref.path.parent / "results.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return (data.get("summary") or {}).get("pipelines") or {} if data.get("run_id") == ref.run_id else {}


def question_of(attempt: dict[str, Any]) -> str:
    """The last user message of an attempt's prompt: the question as the model saw it."""
    messages = (attempt.get("prompt") or {}).get("messages") or []
    users = [m.get("content", "") for m in messages if m.get("role") == "user"]
    return users[-1] if users else ""


def fill_questions(ref: RunRef, rows: list[SampleRow]) -> None:
    """Read the question of each of `rows` (one indexed query per sample)."""
    with ResultStore.read_only(ref.path) as store:
        for r in rows:
            if not r.question and r.status != "error":
                first = store.attempts(ref.run_id, r.id)[:1]
                r.question = question_of(first[0]) if first else ""


def select(run: EvalRun, status: str = "all", query: str = "", sort: str = "position",
           descending: bool = False) -> list[SampleRow]:
    """The rows of a filter, matching `query` (id, gold, answer, question; case-folded), sorted."""
    rows = [r for r in run.rows if status == "all" or r.status == status]
    if query:
        fill_questions(run.ref, rows)
        q = query.casefold()
        rows = [r for r in rows if any(q in (x or "").casefold() for x in (r.id, r.target, r.answer, r.question))]
    if sort != "position" and sort in SORTS:
        key = {"id": lambda r: r.id, "score": lambda r: r.status, "tokens": lambda r: r.tokens,
               "seconds": lambda r: r.seconds, "attempts": lambda r: r.attempts}[sort]
        rows = sorted(rows, key=key, reverse=descending)
    elif descending:
        rows = rows[::-1]
    return rows


@dataclass
class SampleDetail:
    row: SampleRow
    result: Any
    attempts: list[dict[str, Any]]


def load_sample(ref: RunRef, sample_id: str) -> SampleDetail | None:
    with ResultStore.read_only(ref.path) as store:
        result = next((r for r in store.results(ref.run_id) if r.sample_id == sample_id), None)
        attempts = store.attempts(ref.run_id, sample_id)
        error = next((e for e in store.errors(ref.run_id) if e["sample_id"] == sample_id), None)
    if result is None and error is None:
        return None
    if result is None:
        row = SampleRow(sample_id, error["position"], "error", reason=error["reason"])
    else:
        row = SampleRow(sample_id, result.position, result.score or "no_answer", result.target, result.answer,
                        len(attempts), sum(a["prompt_tokens"] + a["completion_tokens"] for a in attempts),
                        sum(a["completion_tokens"] for a in attempts), sum(a["duration"] or 0 for a in attempts))
    row.question = question_of(attempts[0]) if attempts else ""
    return SampleDetail(row, result, attempts)
