"""A full disk (issue 29): an eval whose store fills its filesystem stops with one clear line;
the store still opens with every committed answer intact; once space is freed, `--resume`
finishes the run, every answer once.

The filesystem is a real 6 MB tmpfs, mounted in a user and mount namespace of the test's
own (`unshare --user --map-root-user --mount`: no root needed), with a filler file taking
most of it; the run is the real CLI with a scripted model (tests/evals/slow_eval_cli.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from tests.evals.test_runner import HARNESS, ROOT
from tests.requirements import unavailable

N = 200

DRIVER = r"""
set -u
mount -t tmpfs -o size=6m tmpfs "$MNT" || exit 99
head -c 5000000 /dev/zero > "$MNT/filler"
run() { "$PY" "$HARNESS" 0 eval --task jsonl --data "$DATA" --question-field question --answer-field answer \
        --id-field id --backend scripted --model slow-scripted --method direct --chunk-size 4 \
        --out "$MNT/out" --no-progress "$@"; }
run > "$LOGS/first.out" 2> "$LOGS/first.err"; echo $? > "$LOGS/first.rc"
"$PY" "$CHECK" "$MNT/out" > "$LOGS/kept.json" 2> "$LOGS/kept.err"
rm "$MNT/filler"
run --resume > "$LOGS/second.out" 2> "$LOGS/second.err"; echo $? > "$LOGS/second.rc"
"$PY" "$CHECK" "$MNT/out" > "$LOGS/final.json" 2> "$LOGS/final.err"
cp "$MNT/out/results.json" "$LOGS/results.json" 2>/dev/null
exit 0
"""

CHECK = r"""
import json, sys
sys.path.insert(0, sys.argv[2] if len(sys.argv) > 2 else ".")
from evals.store import ResultStore
with ResultStore.read_only(sys.argv[1] + "/results.sqlite") as store:
    (run,) = store.runs()
    rows = store.results(run["run_id"])
    print(json.dumps({"status": run["status"], "answers": [[r.sample_id, r.answer, r.score] for r in rows],
                      "attempts": len(store.attempts(run["run_id"]))}))
"""


def namespaces_work() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                            "mount -t tmpfs tmpfs /mnt"], capture_output=True)
    return probe.returncode == 0


def test_a_full_disk_stops_with_one_line_keeps_every_answer_and_resume_finishes(tmp_path):
    if not namespaces_work():
        unavailable("unshare cannot mount a tmpfs in a user namespace here",
                    "CI needs util-linux's unshare and unprivileged user namespaces")
    data = tmp_path / "q.jsonl"
    filler = "Think about it carefully. " * 30  # each stored sample takes a few kB
    data.write_text("".join(json.dumps({"id": f"q{i}", "question": f"What is {i} + {2 * i}? {filler}",
                                        "answer": str(3 * i)}) + "\n" for i in range(1, N + 1)))
    (tmp_path / "mnt").mkdir()
    (tmp_path / "logs").mkdir()
    (tmp_path / "check.py").write_text(CHECK)
    env = {"PATH": "/usr/bin:/bin", "MNT": str(tmp_path / "mnt"), "LOGS": str(tmp_path / "logs"),
           "PY": sys.executable, "HARNESS": str(HARNESS), "DATA": str(data), "CHECK": str(tmp_path / "check.py"),
           "PYTHONPATH": str(ROOT)}
    r = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "bash", "-c", DRIVER],
                       env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    logs = tmp_path / "logs"
    err = (logs / "first.err").read_text()
    assert (logs / "first.rc").read_text().strip() == "1", err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("playground: error: no space left on the disk holding ") and "--resume" in err, err
    kept = json.loads((logs / "kept.json").read_text() or "null")
    assert kept is not None, (logs / "kept.err").read_text()
    assert 0 < len(kept["answers"]) < N  # the store opens and holds what was committed before the disk filled
    assert (logs / "second.rc").read_text().strip() == "0", (logs / "second.err").read_text()
    final = json.loads((logs / "final.json").read_text())
    assert final["status"] == "finished" and final["attempts"] == N
    assert sorted(a[0] for a in final["answers"]) == sorted(f"q{i}" for i in range(1, N + 1))
    assert all(a in final["answers"] for a in kept["answers"])  # every committed answer unchanged
    correct = sum(1 for i in range(1, N + 1) if i % 7 and i % 3)
    assert json.loads((logs / "results.json").read_text())["summary"]["correct"] == correct
