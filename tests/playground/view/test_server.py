"""The viewer's pages over HTTP (the real server on 127.0.0.1, urllib), on real runs: every kind
of run is listed and opens, the sample table filters, searches and sorts, the study's curves
link to their questions, two runs pair by sample id, nothing is written into the runs, and a
run still being written shows what it has on reload."""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path

from agent.scaling.types import StrategyResult
from agent.types import Score
from evals.store import ResultStore
from evals.store_lock import LOCK_NAME, store_lock
from playground.view.server import make_server, url_of
from playground.view.site import Site
from tests.playground.view.conftest import fetch


def keys(runs: Path) -> dict[str, str]:
    return {r.label: r.key for r in Site([runs]).refs()}


def test_runs_page_lists_every_kind(server, runs):
    status, html = fetch(server)
    assert status == 200
    k = keys(runs)
    assert set(k) == {"ev-direct", "ev-cot", "cmp", "agent.transcript.json"}
    for prefix, label in (("e", "ev-direct"), ("e", "ev-cot"), ("c", "cmp"), ("a", "agent.transcript.json")):
        assert f'href="{prefix}/{k[label]}/index.html"' in html
    assert "50.0% (15.0% - 85.0%)" in html and "scripted" in html  # direct: 2 of 4 right (1 + 1 has no answer), its Wilson CI
    assert f"p/{k['ev-cot']}--{k['ev-direct']}/index.html" in html or f"p/{k['ev-direct']}--{k['ev-cot']}" in html


def test_eval_run_table_filters_search_sort_and_sample_page(server, runs):
    key = keys(runs)["ev-direct"]
    status, html = fetch(f"{server}e/{key}/index.html")
    assert status == 200 and "Manifest" in html and "playground eval" in html and "Wilson" in html
    assert html.count('href="s/') == 4
    _, wrong = fetch(f"{server}e/{key}/incorrect-1.html")
    assert 'href="s/plums.html"' in wrong and 'href="s/pears.html"' not in wrong
    _, found = fetch(f"{server}e/{key}/index.html?q=pears")
    assert 'href="s/pears.html"' in found and 'href="s/plums.html"' not in found
    _, by_id = fetch(f"{server}e/{key}/index.html?sort=id&desc=1")
    order = re.findall(r'href="s/([^"]+)\.html"', by_id)
    assert order == sorted(order, reverse=True)
    status, sample = fetch(f"{server}e/{key}/s/one~20plus~2Fone.html")  # an id with a space and a slash
    assert status == 200 and "What is 1 + 1?" in sample and "Prompt as the model saw it" in sample
    _, apples = fetch(f"{server}e/{key}/s/apples.html")
    assert "numeric: 4 == 4" in apples and "strict" in apples  # the grader's explanation, the pipelines
    assert fetch(f"{server}e/{key}/s/nothing.html")[0] == 404
    assert fetch(f"{server}e/{key}/bogus-1.html")[0] == 404
    assert fetch(f"{server}../../etc/passwd")[0] == 404


def test_study_page_curves_points_pairs_transitions(server, runs):
    key = keys(runs)["cmp"]
    status, html = fetch(f"{server}c/{key}/index.html")
    assert status == 200 and "<svg" in html and 'class="band"' in html
    assert 'href="point/sequential-4.html"' in html and "Revision transitions" in html and "right to wrong" in html
    status, point = fetch(f"{server}c/{key}/point/sequential-4.html")
    assert status == 200 and 'href="../q/apples.html"' in point
    status, vs = fetch(f"{server}c/{key}/vs/parallel--sequential-4.html")
    assert status == 200 and "paired bootstrap CI" in vs
    status, q = fetch(f"{server}c/{key}/q/apples.html")
    assert status == 200 and "run parallel" in q and "run sequential" in q and "Vote tally" in q
    assert fetch(f"{server}c/{key}/point/beam-4.html")[0] == 404


def test_two_runs_side_by_side_paired_by_sample(server, runs):
    k = keys(runs)
    status, index = fetch(server)
    pair = re.search(r'href="(p/[^"]+)/index.html"', index).group(1)
    status, html = fetch(f"{server}{pair}/index.html")
    assert status == 200 and "4 samples graded in both" in html and "paired bootstrap CI" in html
    for cell in ("both", "only-a", "only-b", "neither"):
        assert f'href="{cell}.html"' in html
    _, both = fetch(f"{server}{pair}/both.html")
    assert f"../../e/{k['ev-direct']}/s/pears.html" in both and f"../../e/{k['ev-cot']}/s/pears.html" in both


def test_agent_run_page_has_steps_code_output_figure(server, runs):
    key = keys(runs)["agent.transcript.json"]
    status, html = fetch(f"{server}a/{key}/index.html")
    assert status == 200 and "step 1" in html and '<span class="n">savefig</span>' in html and "done (by its own checks)" in html
    assert '<img src="data:image/png;base64,' in html and "prompt tokens" in html
    assert "saved &lt;img src=x onerror=alert(1)&gt;" in html


def test_static_files_and_security_headers(server):
    from urllib.request import urlopen
    with urlopen(f"{server}static/view.js") as r:
        assert r.headers["Content-Type"].startswith("text/javascript")
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert ".hl" in fetch(f"{server}static/view.css")[1]  # the code highlighting rules


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_nothing_is_written_into_the_runs(server, runs):
    before = digest(runs)
    for label, key in keys(runs).items():
        prefix = {"cmp": "c", "agent.transcript.json": "a"}.get(label, "e")
        assert fetch(f"{server}{prefix}/{key}/index.html")[0] == 200
    assert digest(runs) == before
    assert not list(runs.rglob("*-wal")) and not list(runs.rglob("*-shm"))


def test_a_run_in_progress_shows_what_it_has_on_reload(tmp_path):
    srv = make_server(Site([tmp_path]), "127.0.0.1", 0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = url_of(srv)
    try:
        assert "No runs under" in fetch(url)[1]
        with store_lock(tmp_path / "live"), ResultStore.in_dir(tmp_path / "live") as store:
            rid = store.create_run({"eval": {"task": "jsonl", "method": "direct", "strategy": "single"},
                                    "dataset": {"samples": 3}})
            store.write_result(rid, StrategyResult("s1", "single", 1, answer="4", score=Score("correct", "ok")),
                               target="4")
            index = fetch(url)[1]
            assert "live" in index and "1/3" in index and "running" in index
            key = keys(tmp_path)["live"]
            store.write_result(rid, StrategyResult("s2", "single", 1, answer="5", score=Score("incorrect", "no")),
                               position=1, target="4")
            html = fetch(f"{url}e/{key}/index.html")[1]
            assert 'href="s/s1.html"' in html and 'href="s/s2.html"' in html
    finally:
        srv.shutdown()
        srv.server_close()


def test_a_run_whose_writer_is_gone_is_stopped_not_running(tmp_path):
    """A killed eval leaves its status "running" in the store; the viewer says "stopped" when no
    process holds the folder (the pid in the lock file is gone, or there is no lock file)."""
    with ResultStore.in_dir(tmp_path / "killed") as store:
        rid = store.create_run({"eval": {"task": "jsonl", "method": "direct", "strategy": "single"},
                                "dataset": {"samples": 3}})
        store.write_result(rid, StrategyResult("s1", "single", 1, answer="4", score=Score("correct", "ok")),
                           target="4")
    srv = make_server(Site([tmp_path]), "127.0.0.1", 0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        key = keys(tmp_path)["killed"]
        for lock in (None, "999999999\n2026-12-06 00:00:00\nplayground eval\n"):
            if lock:
                (tmp_path / "killed" / LOCK_NAME).write_text(lock)
            html = fetch(f"{url_of(srv)}e/{key}/index.html")[1]
            assert "<td>stopped</td>" in html and "running" not in html
    finally:
        srv.shutdown()
        srv.server_close()


def test_a_code_task_shows_no_reasoning_method(tmp_path):
    """A HumanEval manifest carries the default method (cot), which code tasks do not use: the
    runs page and the run's title name the task and strategy only."""
    with ResultStore.in_dir(tmp_path / "he") as store:
        rid = store.create_run({"eval": {"task": "humaneval", "method": "cot", "strategy": "single"},
                                "dataset": {"samples": 1}})
        store.write_result(rid, StrategyResult("h1", "single", 1, answer="", score=Score("correct", "ok")))
    srv = make_server(Site([tmp_path]), "127.0.0.1", 0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        index = fetch(url_of(srv))[1]
        page = fetch(f"{url_of(srv)}e/{keys(tmp_path)['he']}/index.html")[1]
        assert "cot" not in index and "<td>single</td>" in index
        assert "humaneval / single" in page and "cot" not in page
    finally:
        srv.shutdown()
        srv.server_close()


def test_a_figure_a_later_step_wrote_again_is_not_shown_as_the_earlier_steps(tmp_path):
    """Step 2 of a real run drew the picture on its side and step 3 saved the right one under the same
    name: the file on disk is step 3's, so step 2 must not show it as its own."""
    from playground.view.pages_agent import agent_page

    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
    (tmp_path / "plot.png").write_bytes(png)
    steps = [{"index": i, "code": "plt.savefig('plot.png')", "reply": "",
              "exec_result": {"ok": True, "figures": ["plot.png"], "workdir": str(tmp_path)}} for i in (1, 2)]
    html = agent_page("run", {"task": "t", "steps": steps, "finished_at": "x", "success": True})
    first, second = html.split('id="step-2"')
    assert "plot.png: written again at step 2" in first and "data:image/png" not in first
    assert "data:image/png" in second and "written again" not in second
