"""The pages of a compare study: the curves (inline SVG drawn here, readable with JavaScript
off), a point's questions, two strategies' disagreements at a budget with the paired
difference and its CI, the revision transition table, and one question across every run."""

from __future__ import annotations

import math

from playground.view.layout import facts, link, page, pct, safe_name, signed, table
from playground.view.markup import esc, plain
from playground.view.pages_eval import attempts_html
from playground.view.study import Study, disagreements

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f",
          "#bcbd22")
W, H, PAD = 720, 380, 48
LEGEND, TICK_GAP = 170, 40
"""The legend sits right of the plot (never over a curve); x labels at least TICK_GAP px apart."""


def point_path(strategy: str, budget: int) -> str:
    return f"point/{safe_name(strategy)}-{budget}.html"


def pair_path(a: str, b: str, budget: int) -> str:
    return f"vs/{safe_name(a)}--{safe_name(b)}-{budget}.html"


def question_path(qid: str) -> str:
    return f"q/{safe_name(qid)}.html"


def pairs(study: Study) -> list[tuple[str, str, int]]:
    """Every pair of strategies at every budget both have, each also against greedy (pass@k, an oracle
    bound, aside)."""
    names = [s for s in study.strategies() if s not in ("greedy", "pass@k")]
    out = []
    for i, a in enumerate(names):
        for b in [*names[i + 1:], "greedy"]:
            for budget in sorted(study.points[a]):
                if b == "greedy" or budget in study.points.get(b, {}):
                    out.append((a, b, budget))
    return out


def curves_svg(study: Study) -> str:
    """Accuracy against mean total tokens per question, one line and CI band per strategy; each
    point links to its questions."""
    curve = [p for p in study.curve if p.bucket == "all" and p.total_tokens > 0]
    if not curve:
        return "<p>No complete question yet: the curves appear when every run has one.</p>"
    xs = [p.total_tokens for p in curve]
    lo_x, hi_x = min(xs), max(xs)
    use_log = hi_x / lo_x > 4
    fx = (lambda v: math.log(v)) if use_log else (lambda v: v)
    span = (fx(hi_x) - fx(lo_x)) or 1.0

    def x(v: float) -> float:
        return PAD + (fx(v) - fx(lo_x)) / span * (W - 2 * PAD)

    def y(v: float) -> float:
        return H - PAD - v * (H - 2 * PAD)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="curves" viewBox="0 0 {W + LEGEND} {H}" '
             f'width="{W + LEGEND}" height="{H}" '
             f'role="img" aria-label="accuracy against tokens">',
             f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" stroke="#444"/>',
             f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{H - PAD}" stroke="#444"/>']
    for t in range(0, 11, 2):
        parts.append(f'<text x="{PAD - 6}" y="{y(t / 10) + 4:.1f}" text-anchor="end" font-size="11">{10 * t}%</text>'
                     f'<line x1="{PAD}" x2="{W - PAD}" y1="{y(t / 10):.1f}" y2="{y(t / 10):.1f}" stroke="#eee"/>')
    ticks: list[float] = []
    for v in sorted({lo_x, hi_x, *(xs[i] for i in range(0, len(xs), max(1, len(xs) // 4)))}, reverse=True):
        if not ticks or x(ticks[-1]) - x(v) >= TICK_GAP:  # labels never overlap (the largest is always shown)
            ticks.append(v)
    for v in ticks:
        parts.append(f'<text x="{x(v):.1f}" y="{H - PAD + 16}" text-anchor="middle" font-size="11">{round(v)}</text>')
    parts.append(f'<text x="{W / 2}" y="{H - 8}" text-anchor="middle" font-size="12">mean tokens per question '
                 f'(prompt + completion{", log scale" if use_log else ""})</text>')
    names = sorted({p.strategy for p in curve})
    for i, name in enumerate(names):
        color = COLORS[i % len(COLORS)]
        pts = sorted((p for p in curve if p.strategy == name), key=lambda p: p.total_tokens)
        band = [f"{x(p.total_tokens):.1f},{y(p.ci_high):.1f}" for p in pts] + \
               [f"{x(p.total_tokens):.1f},{y(p.ci_low):.1f}" for p in reversed(pts)]
        parts.append(f'<polygon class="band" points="{" ".join(band)}" fill="{color}" fill-opacity="0.12"/>')
        line = " ".join(f"{x(p.total_tokens):.1f},{y(p.accuracy):.1f}" for p in pts)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{color}" stroke-width="2"/>')
        for p in pts:
            href = point_path(p.strategy, p.budget) if p.strategy in study.points else ""
            dot = (f'<circle class="point" cx="{x(p.total_tokens):.1f}" cy="{y(p.accuracy):.1f}" r="5" fill="{color}">'
                   f"<title>{esc(name)} @ {p.budget}: {pct(p.accuracy)} (CI {pct(p.ci_low)} - {pct(p.ci_high)}), "
                   f"{p.total_tokens:.0f} tokens</title></circle>")
            parts.append(f'<a href="{esc(href)}">{dot}</a>' if href else dot)
        parts.append(f'<rect x="{W}" y="{PAD + 16 * i - 9}" width="10" height="10" fill="{color}"/>'
                     f'<text x="{W + 15}" y="{PAD + 16 * i}" font-size="12">{esc(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def study_page(study: Study) -> str:
    root = "../../"
    curve = sorted((p for p in study.curve if p.bucket == "all"), key=lambda p: (p.strategy, p.budget))
    rows = [[link(point_path(p.strategy, p.budget), p.strategy) if p.strategy in study.points else esc(p.strategy),
             str(p.budget), str(p.questions), pct(p.accuracy), f"{pct(p.ci_low)} - {pct(p.ci_high)}",
             f"{p.generated_tokens:.0f}", f"{p.total_tokens:.0f}"] for p in curve]
    pair_links = "".join(f"<li>{link(pair_path(a, b, n), f'{a} vs {b} at budget {n}')}</li>" for a, b, n in pairs(study))
    transitions = study.extra.get("revision_transitions") or []
    trans = table(["strategy", "step", "chains", "right kept", "right to wrong", "wrong to right", "wrong kept",
                   "changed"],
                  [[esc(t["strategy"]), str(t["step"]), str(t["chains"]), str(t["kept_right"]),
                    str(t["right_to_wrong"]), str(t["wrong_to_right"]), str(t["kept_wrong"]), str(t["changed"])]
                   for t in transitions]) if transitions else "<p>No revision chains in this study.</p>"
    questions = table(["question", "gold", "text"], [[link(question_path(s.id), s.id), esc(s.target),
                                                     esc(" ".join(s.input.split())[:100])] for s in study.samples],
                      cls="questions", sortable=True, attrs=' id="questions"')
    body = (facts([("task", study.spec.task), ("method", study.spec.method),
                   ("budgets", ", ".join(map(str, study.spec.budgets))),
                   ("strategies", ", ".join(study.spec.strategies)), ("seed", study.spec.seed),
                   ("questions", f"{study.extra.get('questions_done', 0)} done of {len(study.samples)} stored"),
                   ("model", study.meta.get("model")), ("backend", study.meta.get("backend")),
                   ("temperature", study.meta.get("temperature")), ("store", str(study.ref.path))])
            + "<h2>Accuracy against tokens</h2>" + curves_svg(study)
            + '<p class="note">Each point opens the questions behind it; bands are 95% CIs.</p>'
            + table(["strategy", "budget", "questions", "accuracy", "95% CI", "generated tokens", "total tokens"],
                    rows, sortable=True)
            + f"<h2>Where two strategies disagree</h2><ul class=\"pairs\">{pair_links}</ul>"
            + "<h2>Revision transitions</h2>" + trans
            + '<h2>Questions</h2><input type="search" placeholder="filter" data-filter-table="questions">' + questions)
    return page(f"compare {study.ref.label}", body, root=root, crumbs=[(study.ref.label, "")])


def point_page(study: Study, strategy: str, budget: int) -> str:
    per_q = study.points.get(strategy, {}).get(budget, {})
    rows = sorted(((s, per_q[s.id]) for s in study.samples if s.id in per_q), key=lambda sp: (sp[1].accuracy, sp[0].id))
    body = (f"<p>{len(rows)} questions; accuracy {pct(sum(p.accuracy for _, p in rows) / len(rows) if rows else None)}. "
            "Expected correctness is the chance this strategy at this budget answers right (over the subsets or "
            "chain prefixes that make the budget).</p>"
            + table(["question", "gold", "expected correctness", "generated tokens", "total tokens"],
                    [[link(f"../{question_path(s.id)}", s.id), esc(s.target), pct(p.accuracy),
                      f"{p.generated_tokens:.0f}", f"{p.total_tokens:.0f}"] for s, p in rows],
                    sortable=True, attrs=' id="point"'))
    return page(f"{strategy} at budget {budget}", body, root="../../../",
                crumbs=[(study.ref.label, "../index.html"), (f"{strategy} @ {budget}", "")])


def pair_page(study: Study, a: str, b: str, budget: int) -> str:
    d = disagreements(study, a, b, budget)
    if d is None:
        body = "<p>The two strategies share no finished question.</p>"
    else:
        body = (f"<p>Over the {d.questions} questions both have: {esc(a)} − {esc(b)} = <b>{signed(d.difference)}</b>, "
                f"95% paired bootstrap CI {signed(d.ci_low)} to {signed(d.ci_high)}. "
                f"They differ on {len(d.rows)} questions.</p>"
                + table(["question", "gold", esc(a), esc(b)],
                        [[link(f"../{question_path(q)}", q), esc((study.question(q) or _NO).target), pct(x), pct(y)]
                         for q, x, y in d.rows], sortable=True, attrs=' id="disagree"'))
    return page(f"{a} vs {b} at budget {budget}", body, root="../../../",
                crumbs=[(study.ref.label, "../index.html"), (f"{a} vs {b} @ {budget}", "")])


class _NoSample:
    target = ""


_NO = _NoSample()


def question_page(study: Study, qid: str, runs: dict) -> str:
    s = study.question(qid)
    body = (facts([("id", qid), ("gold", s.target if s else None)]) + "<h2>Question</h2>"
            + plain(s.input if s else "")
            + "".join(f"<h2>run {esc(name)}</h2>" + attempts_html(attempts, s.kind if s else "number")
                      for name, attempts in sorted(runs.items())))
    return page(f"question {qid}", body, root="../../../", crumbs=[(study.ref.label, "../index.html"), (qid, "")])
