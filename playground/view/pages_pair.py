"""Two eval runs side by side, paired by sample id: both right, only A, only B, both wrong, the
paired bootstrap CI of the difference in accuracy (evals/stats.py), each cell opening its
samples (which link to each run's sample page)."""

from __future__ import annotations

from evals.stats import paired_difference_ci
from playground.view.evalrun import EvalRun, SampleRow
from playground.view.layout import joined, link, page, pct, safe_name, signed, table
from playground.view.markup import esc

CELLS = (("both", "both right"), ("only-a", "only A right"), ("only-b", "only B right"), ("neither", "both wrong"))
GRADED = ("correct", "incorrect", "no_answer")


def pair_key(a: str, b: str) -> str:
    return f"{a}--{b}"


def comparable(a: EvalRun, b: EvalRun) -> bool:
    """Runs on the same data: the same dataset file (sha256) or, lacking it, shared sample ids."""
    da, db = a.describe()["dataset"], b.describe()["dataset"]
    if da and db:
        return da == db
    return bool({r.id for r in a.rows} & {r.id for r in b.rows})


def paired(a: EvalRun, b: EvalRun) -> dict[str, list[tuple[SampleRow, SampleRow]]]:
    rb = {r.id: r for r in b.rows if r.status in GRADED}
    out: dict[str, list[tuple[SampleRow, SampleRow]]] = {k: [] for k, _ in CELLS}
    for r in a.rows:
        if r.status in GRADED and r.id in rb:
            x, y = r.status == "correct", rb[r.id].status == "correct"
            out["both" if x and y else "only-a" if x else "only-b" if y else "neither"].append((r, rb[r.id]))
    return out


def _name(run: EvalRun) -> str:
    d = run.describe()
    return f"{run.ref.label} ({joined(', ', d['method'], d['strategy'])})"


def pair_page(a: EvalRun, b: EvalRun) -> str:
    cells = paired(a, b)
    pairs_ = [p for k, _ in CELLS for p in cells[k]]
    xs = [1.0 if ra.status == "correct" else 0.0 for ra, _ in pairs_]
    ys = [1.0 if rb.status == "correct" else 0.0 for _, rb in pairs_]
    d, lo, hi = paired_difference_ci(xs, ys)
    grid = table(["", "B right", "B wrong"],
                 [["A right", link("both.html", len(cells["both"])), link("only-a.html", len(cells["only-a"]))],
                  ["A wrong", link("only-b.html", len(cells["only-b"])), link("neither.html", len(cells["neither"]))]],
                 cls="grid")
    body = (f"<p>A: {esc(_name(a))}<br>B: {esc(_name(b))}</p>"
            f"<p>{len(pairs_)} samples graded in both. Accuracy A {pct(sum(xs) / len(xs) if xs else None)}, "
            f"B {pct(sum(ys) / len(ys) if ys else None)}; A − B = <b>{signed(d)}</b>, "
            f"95% paired bootstrap CI {signed(lo)} to {signed(hi)}.</p>" + grid)
    return page("side by side", body, root="../../", crumbs=[(a.ref.label, f"../../e/{a.ref.key}/index.html"),
                                                            (f"vs {b.ref.label}", "")])


def cell_page(a: EvalRun, b: EvalRun, cell: str) -> str:
    rows = paired(a, b)[cell]
    body = table(["sample", "gold", "A answer", "B answer", "A", "B"],
                 [[esc(ra.id), esc(ra.target), esc(ra.answer), esc(rb.answer),
                   link(f"../../e/{a.ref.key}/s/{safe_name(ra.id)}.html", "open A"),
                   link(f"../../e/{b.ref.key}/s/{safe_name(rb.id)}.html", "open B")] for ra, rb in rows],
                 sortable=True, attrs=' id="cell"')
    title = dict(CELLS)[cell]
    return page(f"{title}: {len(rows)} samples", body, root="../../",
                crumbs=[("side by side", "index.html"), (title, "")])
