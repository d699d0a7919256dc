"""Reports of an evaluation run, computed from the store (so a resumed run reports every sample).

Writes into the run's folder:
- report.md: accuracy with a 95% Wilson score interval, per-pipeline extraction
  results, no-answer rate, tokens, time, errors, the manifest; pass@k for code;
- results.json: the same numbers, machine-readable;
- samples.jsonl: one line per sample (attempts with prompt, completion, score), for inspection.

`summarize(...)` is pure (stored rows in, numbers out); `write_reports` does the I/O.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent.scaling import Attempt
from agent.scaling.strategies import SINGLE
from agent.types import Sample, evaluated_share, known_sum
from evals.stats import pass_at_k, wilson_interval
from evals.store import ResultStore, StoredResult

PASS_AT_K = (1, 5, 10)


def summarize(results: list[StoredResult], attempts: list[dict[str, Any]], errors: list[dict[str, Any]],
              *, total: int, wall_s: float) -> dict[str, Any]:
    """The run's numbers. Accuracy is over graded samples (errors are counted apart)."""
    graded = len(results)
    correct = sum(1 for r in results if r.score == "correct")
    no_answer = sum(1 for r in results if r.score == "no_answer")
    by_sample: dict[str, list[dict[str, Any]]] = {}
    for a in attempts:
        by_sample.setdefault(a["sample_id"], []).append(a)
    done_ids = {r.sample_id for r in results}
    prompt_tokens = sum(a["prompt_tokens"] for a in attempts if a["sample_id"] in done_ids)
    completion_tokens = sum(a["completion_tokens"] for a in attempts if a["sample_id"] in done_ids)
    evaluated = known_sum(*(a.get("prompt_tokens_evaluated") for a in attempts if a["sample_id"] in done_ids))
    lo, hi = wilson_interval(correct, graded)
    out: dict[str, Any] = {
        "total": total, "graded": graded, "errors": len(errors), "pending": total - graded - len(errors),
        "correct": correct, "accuracy": correct / graded if graded else None,
        "ci95": [lo, hi], "ci_method": "wilson",
        "no_answer": no_answer, "no_answer_rate": no_answer / graded if graded else None,
        "tokens": {
            "prompt_total": prompt_tokens, "completion_total": completion_tokens,
            "prompt_evaluated_total": evaluated,
            "prompt_mean": prompt_tokens / graded if graded else None,
            "completion_mean": completion_tokens / graded if graded else None,
        },
        "wall_s": wall_s,
        "completion_tokens_per_s": completion_tokens / wall_s if wall_s > 0 else None,
        "pipelines": _pipelines(results, by_sample),
    }
    ns = [len(by_sample.get(r.sample_id, [])) for r in results]
    if results and all(r.strategy == SINGLE for r in results) and ns and min(ns) >= 1 and _is_code(attempts):
        n_min = min(ns)
        pk = {}
        for k in PASS_AT_K:
            if k <= n_min:
                pk[f"pass@{k}"] = sum(
                    pass_at_k(len(by_sample[r.sample_id]),
                              sum(1 for a in by_sample[r.sample_id] if a["score"] == "correct"), k)
                    for r in results) / graded
        out["pass_at_k"] = pk
        out["n_per_sample"] = n_min
    return out


def _is_code(attempts: list[dict[str, Any]]) -> bool:
    return any(Attempt.from_record(a["extra"]).kind == "code" for a in attempts)


def _pipelines(results: list[StoredResult], by_sample: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Accuracy and no-answer rate of each extraction pipeline, on each sample's first attempt."""
    counts: dict[str, dict[str, int]] = {}
    for r in results:
        first = (by_sample.get(r.sample_id) or [{}])[0]
        for name, value in (Attempt.from_record(first.get("extra", {})).pipeline_scores or {}).items():
            c = counts.setdefault(name, {"n": 0, "correct": 0, "no_answer": 0})
            c["n"] += 1
            c["correct"] += value == "correct"
            c["no_answer"] += value == "no_answer"
    return {name: {"n": c["n"], "accuracy": c["correct"] / c["n"], "no_answer_rate": c["no_answer"] / c["n"]}
            for name, c in sorted(counts.items())}


def sample_records(samples: list[Sample], results: list[StoredResult], attempts: list[dict[str, Any]],
                   errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per sample in dataset order (done, errored, or pending)."""
    res = {r.sample_id: r for r in results}
    errs = {e["sample_id"]: e["reason"] for e in errors}
    by_sample: dict[str, list[dict[str, Any]]] = {}
    for a in attempts:
        by_sample.setdefault(a["sample_id"], []).append(a)
    out = []
    for s in samples:
        rec: dict[str, Any] = {"id": s.id, "target": s.target}
        if s.id in res:
            r = res[s.id]
            rec.update(status="done", answer=r.answer, score=r.score, explanation=r.explanation,
                       strategy=r.strategy, budget=r.budget, extra=r.extra,
                       attempts=[{k: a[k] for k in ("idx", "chain", "step", "prompt", "completion", "answer",
                                                     "score", "explanation", "prompt_tokens", "completion_tokens",
                                                     "finish_reason", "duration", "extra")}
                                 | {"prompt_tokens_evaluated": a.get("prompt_tokens_evaluated")}
                                 for a in by_sample.get(s.id, [])])
        elif s.id in errs:
            rec.update(status="error", reason=errs[s.id])
        else:
            rec.update(status="pending")
        out.append(rec)
    return out


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def render_markdown(summary: dict[str, Any], manifest: dict[str, Any], status: str,
                    errors: list[dict[str, Any]]) -> str:
    ev = manifest.get("eval", {})
    lo, hi = summary["ci95"]
    lines = [
        f"# Evaluation: {ev.get('task')} / {ev.get('method')} / {ev.get('strategy')}"
        + (f" (budget {ev.get('budget')})" if ev.get("strategy") != SINGLE else ""),
        "",
        f"Status: **{status}**. Model: `{manifest.get('model', {}).get('id')}` "
        f"({manifest.get('model', {}).get('backend')}).",
        "",
        "| | |", "|---|---|",
        f"| samples | {summary['total']} ({summary['graded']} graded, {summary['errors']} errors, "
        f"{summary['pending']} pending) |",
        f"| accuracy | {_pct(summary['accuracy'])} ({summary['correct']}/{summary['graded']}), "
        f"95% CI {_pct(lo)} - {_pct(hi)} (Wilson) |",
        f"| no answer | {_pct(summary['no_answer_rate'])} ({summary['no_answer']}) |",
    ]
    for k, v in (summary.get("pass_at_k") or {}).items():
        lines.append(f"| {k} | {_pct(v)} (n = {summary['n_per_sample']} per problem, unbiased estimator) |")
    t = summary["tokens"]

    def mean(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.1f}"

    lines += [
        f"| tokens per sample | prompt {mean(t['prompt_mean'])}, completion {mean(t['completion_mean'])} |",
        f"| tokens total | prompt {t['prompt_total']}, completion {t['completion_total']} |",
        f"| prompt tokens | {evaluated_share(t['prompt_total'], t.get('prompt_evaluated_total'))} "
        "(the rest read from the backend's KV cache) |",
        f"| wall time | {summary['wall_s']:.1f} s |",
        f"| completion tokens/s | {mean(summary['completion_tokens_per_s'])} |",
        "",
    ]
    if summary["pipelines"]:
        lines += ["## Answer extraction pipelines (first attempt of each sample)", "",
                  "| pipeline | accuracy | no answer | n |", "|---|---|---|---|"]
        for name, p in summary["pipelines"].items():
            lines.append(f"| {name} | {_pct(p['accuracy'])} | {_pct(p['no_answer_rate'])} | {p['n']} |")
        lines.append("")
    if errors:
        lines += [f"## Errors ({len(errors)})", ""]
        lines += [f"- `{e['sample_id']}`: {e['reason']}" for e in errors[:50]]
        if len(errors) > 50:
            lines.append(f"- ... and {len(errors) - 50} more (results.json)")
        lines.append("")
    lines += ["## Manifest", "", "```json", json.dumps(manifest, indent=2, default=str), "```", ""]
    return "\n".join(lines)


def write_reports(store: ResultStore, run_id: str, out_dir: str | Path, samples: list[Sample]) -> dict[str, Any]:
    """Write report.md, results.json and samples.jsonl into `out_dir`; return the summary."""
    out = Path(out_dir)
    results, attempts, errors = store.results(run_id), store.attempts(run_id), store.errors(run_id)
    manifest, status = store.manifest(run_id), store.status(run_id)
    summary = summarize(results, attempts, errors, total=len(samples), wall_s=store.wall_time(run_id))
    (out / "results.json").write_text(json.dumps(
        {"run_id": run_id, "status": status, "summary": summary, "errors": errors, "manifest": manifest},
        indent=2, default=str) + "\n", encoding="utf-8")
    with open(out / "samples.jsonl", "w", encoding="utf-8") as f:
        for rec in sample_records(samples, results, attempts, errors):
            f.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")
    (out / "report.md").write_text(render_markdown(summary, manifest, status, errors), encoding="utf-8")
    return summary
