"""The viewer's pages by address, for the server and the export alike: the runs found under the
folders (found again on every visit of the runs page, so new runs appear on reload), each run
read from its files when they changed since it was last read (a run in progress shows what it
has), the page an address names, and every address of the site (the export writes them all)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from playground.view.discover import RunRef, discover, read_transcript
from playground.view.evalrun import FILTERS, EvalRun, fill_questions, load_eval, load_sample
from playground.view.layout import joined, link, page, pct, safe_name, table, unsafe_name
from playground.view.markup import esc, pygments_css
from playground.view.pages_agent import agent_page, agent_state
from playground.view.pages_eval import PAGE_SIZE, run_page, sample_page, table_path
from playground.view.pages_pair import CELLS, cell_page, comparable, pair_key
from playground.view.pages_pair import pair_page as runs_pair_page
from playground.view.pages_study import pair_page, pairs, point_page, question_page, study_page
from playground.view.study import Study, load_study, question_attempts

STATIC = ("view.css", "view.js")
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".js": "text/javascript; charset=utf-8"}


def static_file(name: str) -> bytes:
    data = resources.files("playground.view").joinpath("static", name).read_bytes()
    return data + pygments_css().encode() if name == "view.css" else data


def _stamp(ref: RunRef) -> tuple[float, ...]:
    """When the run's files last changed (the store and its WAL, or the transcript)."""
    out = []
    for p in (ref.path, Path(f"{ref.path}-wal")):
        try:
            out.append(p.stat().st_mtime_ns)
        except OSError:
            out.append(0)
    return tuple(out)


class Site:
    def __init__(self, roots: list[Path]) -> None:
        self.roots = roots
        self._refs: dict[str, RunRef] = {}
        self._cache: dict[str, tuple[tuple[float, ...], Any]] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ runs
    def refs(self, refresh: bool = True) -> list[RunRef]:
        if refresh or not self._refs:
            self._refs = {r.key: r for r in discover(self.roots)}
        return list(self._refs.values())

    def ref(self, key: str) -> RunRef | None:
        return self._refs.get(key) or {r.key: r for r in self.refs()}.get(key)

    def _load(self, ref: RunRef, loader) -> Any:
        stamp = _stamp(ref)
        with self._lock:
            hit = self._cache.get(ref.key)
        if hit and hit[0] == stamp:
            return hit[1]
        value = loader(ref)
        with self._lock:
            self._cache[ref.key] = (stamp, value)
        return value

    def eval_run(self, ref: RunRef) -> EvalRun:
        return self._load(ref, load_eval)

    def study(self, ref: RunRef) -> Study:
        return self._load(ref, load_study)

    def agent(self, ref: RunRef) -> dict:
        return self._load(ref, lambda r: read_transcript(r.path))

    def eval_pairs(self) -> list[tuple[EvalRun, EvalRun]]:
        runs = [self.eval_run(r) for r in self.refs(refresh=False) if r.kind == "eval"]
        return [(a, b) for i, a in enumerate(runs) for b in runs[i + 1:] if comparable(a, b)]

    # ------------------------------------------------------------------ pages
    def index(self) -> str:
        rows = []
        for ref in self.refs():
            try:
                rows.append(self._index_row(ref))
            except Exception as e:  # noqa: BLE001 - a store being created or a broken file: listed, not fatal
                rows.append([esc(ref.kind), esc(ref.label), f'<span class="error">cannot read: {esc(e)}</span>',
                             "", "", "", "", "", "", _date(ref.created)])
        body = table(["kind", "run", "task", "model", "backend", "method / strategy", "size", "accuracy (95% CI)",
                      "status", "date"], rows, sortable=True, attrs=' id="runs"') if rows else \
            f"<p>No runs under {esc(', '.join(map(str, self.roots)))} yet: run <code>playground eval</code>.</p>"
        side = [f"<li>{link(f'p/{pair_key(a.ref.key, b.ref.key)}/index.html', f'{a.ref.label} vs {b.ref.label}')}</li>"
                for a, b in self.eval_pairs()]
        if side:
            body += "<h2>Two eval runs side by side (same data)</h2><ul>" + "".join(side) + "</ul>"
        return page("runs", body, root="")

    def _index_row(self, ref: RunRef) -> list[str]:
        if ref.kind == "eval":
            run = self.eval_run(ref)
            d = run.describe()
            acc, lo, hi, correct, graded = run.accuracy()
            return ["eval", link(f"e/{ref.key}/index.html", ref.label), esc(d["task"]), esc(d["model"]),
                    esc(d["backend"]), esc(joined(" / ", d["method"], d["strategy"])), f"{len(run.rows)}/{run.total}",
                    f"{pct(acc)} ({pct(lo)} - {pct(hi)})", esc(run.current_status()), _date(ref.created)]
        if ref.kind == "compare":
            s = self.study(ref)
            best = max((p for p in s.curve if p.bucket == "all"), key=lambda p: p.accuracy, default=None)
            return ["compare", link(f"c/{ref.key}/index.html", ref.label), esc(s.spec.task), esc(s.meta.get("model")),
                    esc(s.meta.get("backend")),
                    esc(f"{s.spec.method} / {', '.join(s.spec.strategies)}"),
                    f"{s.extra.get('questions_done', 0)} questions",
                    f"best {esc(best.strategy)} @ {best.budget}: {pct(best.accuracy)} ({pct(best.ci_low)} - "
                    f"{pct(best.ci_high)})" if best else "", "", _date(ref.created)]
        run = self.agent(ref)
        model = run.get("model") or {}
        state = agent_state(run)
        return ["agent", link(f"a/{ref.key}/index.html", ref.label), esc(" ".join(str(run.get("task")).split())[:80]),
                esc(model.get("name") or model.get("id")), esc(model.get("backend")), "code agent", f"{len(run.get('steps') or [])} steps",
                "", state, _date(ref.created)]

    def render(self, path: str, query: dict[str, str] | None = None) -> tuple[str, bytes] | None:
        """(content type, body) of the page at `path` (relative, no leading '/'), or None."""
        q = query or {}
        parts = [p for p in path.split("/") if p]
        if not parts or parts == ["index.html"]:
            return TYPES[".html"], self.index().encode()
        if parts[0] == "static" and len(parts) == 2 and parts[1] in STATIC:
            return TYPES[Path(parts[1]).suffix], static_file(parts[1])
        html = self._page(parts, q)
        return (TYPES[".html"], html.encode()) if html is not None else None

    def _page(self, parts: list[str], q: dict[str, str]) -> str | None:
        if len(parts) < 3 or not parts[-1].endswith(".html"):
            return None
        kind, key, rest, name = parts[0], parts[1], parts[2:], parts[-1][:-5]
        if kind == "p":
            return self._pair(key, rest)
        ref = self.ref(key)
        if ref is None or ref.kind != {"e": "eval", "c": "compare", "a": "agent"}.get(kind):
            return None
        if kind == "a":
            return agent_page(ref.label, self.agent(ref)) if rest == ["index.html"] else None
        if kind == "e":
            run = self.eval_run(ref)
            if len(rest) == 2 and rest[0] == "s":
                detail = load_sample(ref, unsafe_name(name))
                return sample_page(run, detail) if detail else None
            status, number = ("all", "1") if name == "index" else (name.rsplit("-", 1) + [""])[:2]
            if len(rest) != 1 or status not in FILTERS or not number.isdigit():
                return None
            return run_page(run, status, int(number), query=q.get("q", ""), sort=q.get("sort", "position"),
                            descending=q.get("desc") == "1", fill=lambda rows: fill_questions(ref, rows))
        study = self.study(ref)
        if rest == ["index.html"]:
            return study_page(study)
        if len(rest) != 2:
            return None
        if rest[0] == "q":
            qid = unsafe_name(name)
            return question_page(study, qid, question_attempts(ref, qid)) if study.question(qid) else None
        head, _, budget = name.rpartition("-")
        if not budget.isdigit():
            return None
        if rest[0] == "point":
            strategy = unsafe_name(head)
            return point_page(study, strategy, int(budget)) if int(budget) in study.points.get(strategy, {}) else None
        if rest[0] == "vs" and "--" in head:
            a, b = (unsafe_name(x) for x in head.split("--", 1))
            return pair_page(study, a, b, int(budget)) if (a, b, int(budget)) in pairs(study) else None
        return None

    def _pair(self, key: str, rest: list[str]) -> str | None:
        self.refs(refresh=not self._refs)
        for a, b in self.eval_pairs():
            if pair_key(a.ref.key, b.ref.key) == key:
                name = rest[0][:-5] if len(rest) == 1 else ""
                if name == "index":
                    return runs_pair_page(a, b)
                return cell_page(a, b, name) if name in dict(CELLS) else None
        return None

    # ------------------------------------------------------------------ every address (the export)
    def addresses(self) -> Iterator[str]:
        yield "index.html"
        yield from (f"static/{n}" for n in STATIC)
        for ref in self.refs(refresh=False):
            if ref.kind == "eval":
                run = self.eval_run(ref)
                counts = run.counts()
                for status in FILTERS:
                    for n in range(1, max(1, -(-counts.get(status, 0) // PAGE_SIZE)) + 1):
                        if counts.get(status) or (status, n) == ("all", 1):
                            yield f"e/{ref.key}/{table_path(status, n)}"
                yield from (f"e/{ref.key}/s/{safe_name(r.id)}.html" for r in run.rows)
            elif ref.kind == "compare":
                study = self.study(ref)
                yield f"c/{ref.key}/index.html"
                yield from (f"c/{ref.key}/point/{safe_name(s)}-{b}.html" for s in study.points for b in study.points[s])
                yield from (f"c/{ref.key}/vs/{safe_name(a)}--{safe_name(b)}-{n}.html" for a, b, n in pairs(study))
                yield from (f"c/{ref.key}/q/{safe_name(s.id)}.html" for s in study.samples)
            else:
                yield f"a/{ref.key}/index.html"
        for a, b in self.eval_pairs():
            k = pair_key(a.ref.key, b.ref.key)
            yield f"p/{k}/index.html"
            yield from (f"p/{k}/{c}.html" for c, _ in CELLS)


def _date(created: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(created)) if created else ""
