"""The pages of an eval run: the run (manifest, counts, the sample table a filter and a page at
a time) and one sample (the prompt as the model saw it, every attempt, what each extraction
pipeline read, the grader's explanation, the vote tally, revision steps)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from typing import Any

from agent.answers import answer_key
from agent.scaling import Attempt
from agent.types import evaluated_share
from playground.view.evalrun import FILTERS, EvalRun, SampleDetail, select
from playground.view.layout import (
    STATUS_LABELS,
    facts,
    joined,
    link,
    page,
    pct,
    safe_name,
    short,
    status_badge,
    table,
)
from playground.view.markup import esc, plain, render_markdown

PAGE_SIZE = 100


def table_path(status: str, number: int) -> str:
    return "index.html" if (status, number) == ("all", 1) else f"{status}-{number}.html"


def manifest_facts(run: EvalRun) -> str:
    m, d = run.manifest, run.describe()
    sampling = (m.get("config") or {}).get("sampling") or {}
    acc, lo, hi, correct, graded = run.accuracy()
    return facts([
        ("status", run.current_status()), ("task", d["task"]), ("model", d["model"]), ("backend", d["backend"]),
        ("method", d["method"]), ("strategy", d["strategy"]),
        ("sampling", ", ".join(f"{k} {v}" for k, v in sampling.items())), ("seed", m.get("seed")),
        ("accuracy", f"{pct(acc)} ({correct}/{graded}), 95% CI {pct(lo)} - {pct(hi)} (Wilson)"),
        ("samples", f"{run.total} in the dataset, {len(run.rows)} stored"),
        ("wall time", f"{run.wall_s:.1f} s"), ("command", m.get("command")),
        ("git revision", m.get("git_commit")), ("dataset", (m.get("dataset") or {}).get("source")),
        ("dataset sha256", d["dataset"]), ("created", m.get("created")), ("store", str(run.ref.path)),
    ])


def run_page(run: EvalRun, status: str = "all", number: int = 1, *, query: str = "", sort: str = "position",
             descending: bool = False, fill=None) -> str:
    """`fill(rows)` reads the questions of the rows shown."""
    root = "../../"
    rows = select(run, status, query, sort, descending)
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    shown = rows[(number - 1) * PAGE_SIZE: number * PAGE_SIZE]
    if fill is not None:
        fill(shown)
    counts = run.counts()
    filters = " ".join(
        (f'<b>{esc(STATUS_LABELS[f])} ({counts.get(f, 0)})</b>' if f == status else
         link(table_path(f, 1), f"{STATUS_LABELS[f]} ({counts.get(f, 0)})")) for f in FILTERS if counts.get(f) or f == "all")
    search = (f'<form class="search" method="get" action="{table_path(status, 1)}">'
              f'<input type="search" name="q" value="{esc(query)}" placeholder="search id, question, gold, answer" '
              f'data-filter-table="samples"><button>search</button></form>')
    body_rows = [[link(f"s/{safe_name(r.id)}.html", r.id), esc(short(r.question, 90)), esc(r.target),
                  esc(r.answer if r.status != "error" else short(r.reason, 60)), status_badge(r.status),
                  str(r.attempts), str(r.tokens), f"{r.seconds:.2f}"] for r in shown]
    heads = [(f'<a href="?sort={k}{"&amp;desc=1" if sort == k and not descending else ""}">{h}</a>' if k else h)
             for k, h in (("id", "sample"), ("", "question"), ("", "gold"), ("", "answer"), ("score", "score"),
                          ("attempts", "attempts"), ("tokens", "tokens"), ("seconds", "seconds"))]
    nav = " ".join(f"<b>{n}</b>" if n == number else link(table_path(status, n), n) for n in range(1, pages + 1)) \
        if pages > 1 else ""
    pipelines = ""
    if run.pipelines:
        pipelines = "<h2>Answer extraction pipelines</h2>" + table(
            ["pipeline", "accuracy", "no answer", "n"],
            [[esc(k), pct(p["accuracy"]), pct(p["no_answer_rate"]), str(p["n"])] for k, p in run.pipelines.items()])
    body = (f"<h2>Manifest</h2>{manifest_facts(run)}{pipelines}<h2>Samples</h2>"
            f'<p class="filters">{filters}</p>{search}'
            f'<p class="count">{len(rows)} samples{f" matching {esc(query)!r}" if query else ""}'
            f"{f', page {number} of {pages}' if pages > 1 else ''}</p>"
            + table(heads, body_rows, cls="samples", sortable=True, attrs=' id="samples"')
            + (f'<p class="pages">pages: {nav}</p>' if nav else ""))
    d = run.describe()
    title = f"eval {run.ref.label}: " + joined(" / ", d["task"], d["method"], d["strategy"])
    return page(title, body, root=root, crumbs=[(run.ref.label, "")])


def _pipelines(at: Attempt) -> str:
    read, scores = at.pipelines or {}, at.pipeline_scores or {}
    if not read:
        return ""
    return table(["pipeline", "read", "score"], [[esc(k), esc(v if v is not None else "(nothing)"),
                                                 status_badge(scores.get(k, ""))] for k, v in read.items()])


def _stage_text(stage: dict[str, Any]) -> str:
    """A stage's reply: its text, or its completion's (stores keep the completion as a record)."""
    completion = stage.get("completion")
    text = stage.get("text") or (completion.get("text") if isinstance(completion, dict) else completion)
    return text if isinstance(text, str) and text else json.dumps(stage, default=str)


def _attempt(a: dict[str, Any]) -> str:
    at = Attempt.from_record(a["extra"])
    extra = replace(at, pipelines=None, pipeline_scores=None, stages=None).extra_record(stored=True)
    stages = "".join(f"<details><summary>stage {i + 1}: {esc(s.get('name', ''))}</summary>"
                     f"{render_markdown(_stage_text(s))}</details>"
                     for i, s in enumerate(at.stages or []))
    return (f'<section class="attempt {esc(a["score"] or "")}" id="attempt-{a["idx"]}">'
            f'<h3>attempt {a["idx"]} · chain {a["chain"]} · step {a["step"]} {status_badge(a["score"] or "none")}</h3>'
            + facts([("extracted answer", a["answer"]), ("grader", a["explanation"]),
                     ("tokens", f'completion {a["completion_tokens"]}; prompt '
                      + evaluated_share(a["prompt_tokens"], a.get("prompt_tokens_evaluated"))),
                     ("seconds", f'{a["duration"] or 0:.3f}'), ("finish", a["finish_reason"])])
            + _pipelines(at) + f'<div class="response">{render_markdown(a["completion"])}</div>' + stages
            + (f"<details><summary>more</summary>{plain(json.dumps(extra, indent=1, default=str))}</details>"
               if extra else "") + "</section>")


def vote_tally(attempts: list[dict[str, Any]], kind: str) -> list[tuple[str, int, bool]]:
    """(answer, votes, right) over the last attempt of each chain, most votes first."""
    finals: dict[int, dict[str, Any]] = {}
    for a in attempts:
        if a["chain"] not in finals or a["step"] >= finals[a["chain"]]["step"]:
            finals[a["chain"]] = a
    votes: Counter[str] = Counter()
    right: dict[str, bool] = {}
    for a in finals.values():
        key = answer_key(a["answer"], kind) or "(no answer)"
        votes[key] += 1
        right[key] = right.get(key, False) or a["score"] == "correct"
    return [(k, n, right[k]) for k, n in votes.most_common()]


def attempts_html(attempts: list[dict[str, Any]], kind: str) -> str:
    """Parallel samples one after another; chains of several steps as their revision steps in order."""
    tally = vote_tally(attempts, kind) if len({a["chain"] for a in attempts}) > 1 else []
    out = ""
    if tally:
        out += "<h2>Vote tally (last answer of each chain)</h2>" + table(
            ["answer", "votes", "right?"], [[esc(k), str(n), "yes" if ok else "no"] for k, n, ok in tally])
    chains: dict[int, list[dict[str, Any]]] = {}
    for a in attempts:
        chains.setdefault(a["chain"], []).append(a)
    for c, steps in sorted(chains.items()):
        steps.sort(key=lambda a: a["step"])
        if len(steps) > 1:
            path = " → ".join(esc(a["answer"] if a["answer"] is not None else "(none)") for a in steps)
            out += f'<h2>Chain {c}: {len(steps)} steps (first attempt, then revisions)</h2><p class="chain">{path}</p>'
        out += "".join(_attempt(a) for a in steps)
    return out or "<p>No attempts stored.</p>"


def sample_page(run: EvalRun, detail: SampleDetail) -> str:
    root = "../../../"
    r = detail.row
    kind = next((k for k in (Attempt.from_record(a["extra"]).kind for a in detail.attempts) if k), "number")
    first = detail.attempts[0] if detail.attempts else None
    prompt = "".join(f'<div class="msg {esc(m.get("role"))}"><b>{esc(m.get("role"))}</b>{plain(m.get("content"))}</div>'
                     for m in ((first or {}).get("prompt") or {}).get("messages") or [])
    prefill = ((first or {}).get("prompt") or {}).get("prefill")
    res = detail.result
    body = (facts([("score", STATUS_LABELS.get(r.status, r.status)), ("gold", r.target), ("answer", r.answer),
                   ("grader", res.explanation if res else r.reason), ("strategy", res.strategy if res else None),
                   ("budget", res.budget if res else None), ("attempts", r.attempts), ("tokens", r.tokens),
                   ("seconds", f"{r.seconds:.3f}")])
            + (f"<details><summary>how the answer was chosen</summary>{plain(json.dumps(res.extra, indent=1))}</details>"
               if res and res.extra else "")
            + f"<h2>Prompt as the model saw it</h2>{prompt or '<p>(none stored)</p>'}"
            + (f"<h3>prefill</h3>{plain(prefill)}" if prefill else "")
            + attempts_html(detail.attempts, kind))
    return page(f"sample {r.id}", body, root=root, crumbs=[(run.ref.label, "../index.html"), (r.id, "")])
