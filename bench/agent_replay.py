"""What the silent-mistake check did in a bench/agent_tasks.py run, replayed exactly from its
transcripts: where would each run have ended without it?

    python bench/agent_replay.py OUT [OUT ...]     # folders bench/agent_tasks.py wrote

Without the check (AgentConfig.pitfall_checks off, `--no-pitfalls`) everything up to the first
step where it fired is the same (same seeds, same observations), so the run's fate there can be
read off the transcript: a greedy cell whose only problem was the silent mistake would have ended
the run; in a best-of-k step, the first candidate (in the order they were tried) that scored the
top but for its silent mistake would have been adopted and ended the run with its picture. When
that is the candidate that ran in the real session, the benchmark judged its picture after that
step (`step_verdicts`); otherwise the picture is gone and the replay says so. This replays the
selection, not the model: it needs no model and costs nothing.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

TOP_SCORE = 4  # agent/codeact/candidates.py


def replay(row: dict, transcript: dict) -> str:
    """Where the run of `row` would have ended without the silent-mistake check, in a few words."""
    for step in transcript.get("steps", []):
        cands = step.get("candidates") or []
        if not cands:
            if step.get("pitfalls") and "final_answer(" in (step.get("code") or "") \
                    and (step.get("exec_result") or {}).get("ok"):
                return _verdict(row, step["index"], "its greedy reply")
            continue
        flagged = [c for c in cands if c.get("score") == TOP_SCORE - 1 and _only_pitfalls(c)]
        if not flagged:
            if any(c.get("score", -1) >= TOP_SCORE for c in cands):
                return "the same as with the check (it did not fire before the run ended)"
            continue
        for c in cands:  # tried in order; the first top score would have been adopted
            if c.get("score", -1) >= TOP_SCORE:
                return "the same as with the check (a clean candidate came first)"
            if c in flagged and c.get("final_answer") is not None:
                chosen = c["index"] == step.get("chosen_candidate")
                return _verdict(row, step["index"], f"{c['kind']} candidate #{c['index'] + 1}") if chosen else (
                    f"ended at step {step['index']} with {c['kind']} candidate #{c['index'] + 1}, whose array was filled "
                    f"[x, y] (its picture was not kept)")
    return "the same as with the check (it never fired)"


def _only_pitfalls(c: dict) -> bool:
    """The candidate's only problems were silent mistakes (its bad_image lines are pitfall hints)."""
    return bool(c.get("bad_image")) and all("is filled as" in b for b in c["bad_image"]) and c.get("ok")


def _verdict(row: dict, index: int, what: str) -> str:
    seen = (row.get("step_verdicts") or {}).get(str(index), "not judged")
    ok = " Mandelbrot set, IoU" in f" {seen}" and "but" not in seen.split(";")[0]
    return f"ended at step {index} with {what}: {'right' if ok else 'WRONG'} ({seen.split(';')[0][:110]})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", nargs="+", type=Path, help="folders of bench/agent_tasks.py runs")
    args = ap.parse_args()
    fates = Counter()
    for out in args.out:
        path = out / "results.json"
        if not path.is_file():
            ap.error(f"no results.json in {out}")
        for row in json.loads(path.read_text())["tasks"]:
            t = out / f"k{row['candidates']}" / f"seed{row.get('seed', 0)}" / row["id"] / "transcript.json"
            if not t.is_file():
                continue
            fate = replay(row, json.loads(t.read_text()))
            fates["wrong" if "WRONG" in fate or "[x, y]" in fate else "same" if "same" in fate else "right"] += 1
            print(f"{row['id']} seed {row.get('seed', 0)}: with the check {'done' if row['success'] else 'not done'} "
                  f"in {row['steps']} steps; without it: {fate}")
    print("without the check: " + ", ".join(f"{n} {k}" for k, n in fates.most_common()))


if __name__ == "__main__":
    main()
