"""Real runs made once for the viewer's tests, through the real commands on the scripted
backend: two eval runs on the same data (one with a question and a reply holding script and
markup), a compare study, and an agent run that draws a figure. Then the real server on
127.0.0.1 (port 0) in a thread, and the system's chromium in headless mode."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest
import yaml

from playground.cli import main
from playground.view.server import make_server, url_of
from playground.view.site import Site
from tests.requirements import unavailable

XSS_QUESTION = 'Tom has 2 apples and gets 2 more apples. How many apples? <script>alert(1)</script>'
XSS_REPLY = '2 + 2 = 4. <script>alert(1)</script> "><img src=x onerror=alert(1)> [x](javascript:alert(1)) The answer is 4.'
QUESTIONS = [("apples", XSS_QUESTION, "4"), ("pears", "How many pears are there if there are 7 pears?", "7"),
             ("one plus/one", "What is 1 + 1?", "2"), ("plums", "How many plums are in 3 plums?", "3")]
SCRIPT = {"rules": [
    {"match": "Review your solution", "replies": ["I checked it. The answer is 4."]},
    {"match": "apples", "replies": [XSS_REPLY, "The answer is 5.", "The answer is 4."]},
    {"match": "pears", "replies": ["So $\\frac{14}{2} = 7$ pears. The answer is 7."]},
    {"match": "plums", "replies": ["The answer is 2."]},
], "default": "I am not sure."}
AGENT_SCRIPT = """replies:
  - |
    I will draw it. <script>alert(1)</script>
    ```python
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.plot([1, 2, 3], [1, 4, 9])
    plt.savefig("plot.png")
    print("saved <img src=x onerror=alert(1)>")
    final_answer("drew plot.png")
    ```
"""


@pytest.fixture(scope="session")
def runs(tmp_path_factory) -> Path:
    """A folder holding runs/ev-direct, runs/ev-cot (eval), runs/cmp (compare), runs/agent (agent)."""
    base = tmp_path_factory.mktemp("view-runs")
    data, script, agent = base / "q.jsonl", base / "script.yaml", base / "agent.yaml"
    data.write_text("".join(json.dumps({"id": i, "question": q, "answer": a}) + "\n" for i, q, a in QUESTIONS))
    script.write_text(yaml.safe_dump(SCRIPT))
    agent.write_text(AGENT_SCRIPT)
    root = base / "runs"
    model = ["--backend", "scripted", "--model", str(script)]
    common = ["--task", "jsonl", "--data", str(data), "--id-field", "id", *model]
    for method in ("direct", "cot"):
        assert main(["eval", *common, "--method", method, "--out", str(root / f"ev-{method}"), "--no-progress"]) == 0
    assert main(["compare", *common, "--budgets", "1,2,4", "--strategies", "parallel,sequential",
                 "--out", str(root / "cmp"), "--max-tokens", "40"]) == 0
    assert main(["run", "draw a plot", "--backend", "scripted", "--model", str(agent),
                 "--workdir", str(root / "agent")]) == 0
    return root


@pytest.fixture(scope="session")
def server(runs):
    """The viewer over `runs`, on 127.0.0.1 at a free port; its base URL."""
    srv = make_server(Site([runs]), "127.0.0.1", 0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield url_of(srv)
    srv.shutdown()
    srv.server_close()


def fetch(url: str) -> tuple[int, str]:
    try:
        with urlopen(url, timeout=60) as r:
            return r.status, r.read().decode()
    except HTTPError as e:
        return e.code, e.read().decode()


@pytest.fixture(scope="session")
def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    unavailable("chromium is not installed", "setup.sh dev installs it with apt")


def dump_dom(browser: str, url: str) -> str:
    """The DOM after the page's script ran (chromium's headless --dump-dom)."""
    out = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                          "--disable-extensions", "--virtual-time-budget=3000", "--dump-dom", url],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout
