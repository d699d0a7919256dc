"""The page of an agent run (`playground run`'s transcript): the task, each step's reply, code,
output, error hint and figures inline (as data: addresses, so the page opens from disk too),
the best-of-k candidates of a step side by side with the kept one marked, tokens and seconds
per step."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from agent.types import evaluated_share
from playground.view.layout import facts, page, table
from playground.view.markup import code_html, esc, plain, render_markdown

MAX_FIGURE_BYTES = 4 * 1024 * 1024


def figure_html(workdir: str | None, name: str) -> str:
    """A figure the code saved, inline; its name alone when the file is gone or too big."""
    path = Path(workdir or ".") / name
    try:
        if path.suffix.lower() == ".png" and path.stat().st_size <= MAX_FIGURE_BYTES:
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            return f'<figure><img src="data:image/png;base64,{data}" alt="{esc(name)}"><figcaption>{esc(name)}</figcaption></figure>'
    except OSError:
        pass
    return f'<p class="missing">figure {esc(name)} (not found in {esc(workdir)})</p>'


def _candidates(step: dict[str, Any]) -> str:
    cands = step.get("candidates") or []
    if not cands:
        return ""
    chosen = step.get("chosen_candidate")
    cols = []
    for c in cands:
        kept = c.get("index") == chosen
        what = c.get("error") or c.get("problem") or ("final answer: " + str(c["final_answer"])
                                                        if c.get("final_answer") is not None else "ran")
        cols.append(f'<div class="candidate{" kept" if kept else ""}"><h4>candidate {esc(c.get("index"))} '
                    f'({esc(c.get("kind"))}) score {esc(c.get("score"))}{" · kept" if kept else ""}</h4>'
                    f'<p>{esc(what)}</p>' + (code_html(c["code"]) if c.get("code") else render_markdown(c.get("reply")))
                    + "</div>")
    return f'<h3>best-of-{len(cands)} candidates</h3><div class="candidates">{"".join(cols)}</div>'


def _figure(workdir: str | None, name: str, step: Any, last: dict[str, Any]) -> str:
    """The figure as this step left it: the file on disk, unless a later step wrote it again."""
    if last.get(name, step) != step:
        return (f'<p class="missing">figure {esc(name)}: written again at step {esc(last[name])}, so the picture '
                f'of this step is not kept (the file on disk is the later one)</p>')
    return figure_html(workdir, name)


def _last_writers(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """Each figure's name and the last step whose code saved it (the candidates' scratch copies aside)."""
    last: dict[str, Any] = {}
    for s in steps:
        for f in (s.get("exec_result") or {}).get("figures") or []:
            last[f] = s.get("index")
    return last


def _step(step: dict[str, Any], workdir: str | None, last: dict[str, Any]) -> str:
    ex = step.get("exec_result") or {}
    tokens = step.get("tokens") or {}
    out = [f'<section class="step" id="step-{esc(step.get("index"))}"><h2>step {esc(step.get("index"))}</h2>',
           facts([("tokens", f'prompt {tokens.get("prompt", 0)}, completion {tokens.get("completion", 0)}'),
                  ("seconds", f'{step.get("total_s", 0):.2f} (model {step.get("model_s", 0):.2f}, '
                              f'run {step.get("exec_s", 0):.2f}, candidates {step.get("check_s", 0):.2f})'),
                  ("format problem", step.get("format_problem")), ("final answer", step.get("final_answer"))]),
           "<h3>reply</h3>", render_markdown(step.get("reply"))]
    if step.get("code"):
        out += ["<h3>code</h3>", code_html(step["code"])]
    if ex:
        status = "ok" if ex.get("ok") else ("timed out" if ex.get("timed_out") else
                                            "out of memory" if ex.get("memory_exceeded") else
                                            f"exit {ex.get('returncode')}")
        out.append(f'<h3>output <span class="badge {"correct" if ex.get("ok") else "error"}">{esc(status)}</span></h3>')
        if ex.get("stdout"):
            out.append(plain(ex["stdout"]))
        if ex.get("stderr"):
            out.append(f'<div class="stderr">{plain(ex["stderr"])}</div>')
        out += [f'<p class="warning">{esc(w)}</p>' for w in ex.get("plot_warnings") or []]
        out += [_figure(ex.get("workdir") or workdir, f, step.get("index"), last) for f in ex.get("figures") or []]
    hints = step.get("pitfalls") or []
    if hints:
        out.append("<h3>error hints</h3>" + "".join(f'<p class="hint">{esc(h)}</p>' for h in hints))
    if step.get("observation"):
        out.append(f"<details><summary>observation sent back</summary>{plain(step['observation'])}</details>")
    out.append(_candidates(step))
    out.append("</section>")
    return "".join(out)


def agent_state(run: dict[str, Any]) -> str:
    """The agent's own verdict: its checks passed and it called final_answer (a judge may still differ)."""
    if run.get("finished_at") is None:
        return "running"
    return "done (by its own checks)" if run.get("success") else "failed"


def agent_page(label: str, run: dict[str, Any]) -> str:
    steps = run.get("steps") or []
    usage = run.get("usage") or {}
    model = run.get("model") or {}
    summary = table(["step", "code", "ok", "prompt tokens", "completion tokens", "seconds"],
                    [[f'<a href="#step-{esc(s.get("index"))}">{esc(s.get("index"))}</a>', "yes" if s.get("code") else "no",
                      esc((s.get("exec_result") or {}).get("ok")), esc((s.get("tokens") or {}).get("prompt", 0)),
                      esc((s.get("tokens") or {}).get("completion", 0)), f'{s.get("total_s", 0):.2f}'] for s in steps],
                    sortable=True, attrs=' id="steps"')
    state, last = agent_state(run), _last_writers(steps)
    body = (facts([("status", state), ("model", model.get("name") or model.get("id")), ("backend", model.get("backend")),
                   ("stop reason", run.get("stop_reason")), ("final answer", run.get("final_answer")),
                   ("error", run.get("error")), ("tokens", f'completion {usage.get("completion_tokens", 0)}; prompt '
                    + evaluated_share(usage.get("prompt_tokens", 0), usage.get("prompt_tokens_evaluated"))),
                   ("wall time", f'{run["wall_s"]:.1f} s' if run.get("wall_s") is not None else None),
                   ("workdir", run.get("workdir")), ("started", run.get("started_at"))])
            + "<h2>Task</h2>" + plain(run.get("task")) + "<h2>Steps</h2>" + summary
            + "".join(_step(s, run.get("workdir"), last) for s in steps))
    return page(f"agent run {label}", body, root="../../", crumbs=[(label, "")])
