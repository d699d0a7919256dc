"""Agreement of the project's math grader (evals.grading) with math-verify, the reference.

    python bench/grader_agreement.py [--data ../shared/data/math500/test.jsonl] [--others 20|all]
                                     [--study results/study-math500 --study results/study-gsm8k]
                                     [--text-only] [--show 5]

- MATH-500 reference solutions graded as kind "math" against their own gold (all should be
  correct) and against other problems' golds (solution i against gold i+1 .. i+K, or every
  other gold with --others all): a pair is "shared" when math-verify calls it correct too
  (two problems with the same answer);
- every stored attempt of each study (read only: the SQLite store opened with mode=ro),
  regraded by `evals.grading.grade` on what a grader reads (`Attempt.graded_text`: a pal
  attempt's printed answer) with the attempt's finish reason, against math-verify on the
  same text. MATH-500 attempts are graded twice: as kind "math" (what the eval does) and
  as kind "number", the default of `grade_math(response, target)`.
  --text-only grades without the finish reason (a text with no record of how it ended).

Reference verdict: `verify(parse(f"${gold}$"), parse(response))`. Counted per set: ours
correct, math-verify correct, false positives (ours correct, math-verify not), "within
tolerance" apart from them (two different numbers within the relative 1e-6 the project
accepts on purpose, tests/evals/grading/test_math_verify.py: DELIBERATE), false negatives
(math-verify correct, ours not: incorrect or no_answer).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from math_verify import parse, verify

from agent.scaling import Attempt
from agent.types import Sample, Score
from evals.grading import grade

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "math500" / "test.jsonl"
DEFAULT_STUDIES = [ROOT / "results" / "study-math500", ROOT / "results" / "study-gsm8k"]


@dataclass
class Tally:
    name: str
    counts: Counter = field(default_factory=Counter)
    false_positives: list[str] = field(default_factory=list)
    within_tolerance: list[str] = field(default_factory=list)
    false_negatives: list[str] = field(default_factory=list)

    def add(self, ours: Score, theirs: bool, label: str) -> None:
        self.counts["n"] += 1
        self.counts[f"ours_{ours.value}"] += 1
        self.counts["mv_correct"] += theirs
        if ours.correct and not theirs:
            lenient = _NUMERIC.fullmatch(ours.explanation)
            (self.within_tolerance if lenient and lenient[1] != lenient[2] else self.false_positives).append(
                f"{label} (ours: {ours.explanation})")
        elif theirs and not ours.correct:
            self.false_negatives.append(f"{label} (ours: {ours.value}: {ours.explanation})")

    def row(self) -> str:
        c = self.counts
        agree = c["n"] - len(self.false_positives) - len(self.within_tolerance) - len(self.false_negatives)
        return (f"| {self.name} | {c['n']} | {c['ours_correct']} | {c['ours_incorrect']} | {c['ours_no_answer']} "
                f"| {c['mv_correct']} | {agree} ({agree / max(1, c['n']):.1%}) | {len(self.false_positives)} "
                f"| {len(self.within_tolerance)} | {len(self.false_negatives)} |")


_NUMERIC = re.compile(r"numeric: (\S+) == (\S+)")
"""Our explanation of two numbers equal within the documented tolerance (relative 1e-6) when they differ."""


def mv_gold(gold: str):
    return parse(f"${gold}$")


def mv_correct(gold_parsed, response_parsed) -> bool:
    if not gold_parsed or not response_parsed:
        return False
    return bool(verify(gold_parsed, response_parsed))


def reference_solutions(path: Path, others: int | None) -> list[Tally]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    golds = [mv_gold(r["answer"]) for r in rows]
    responses = [parse(r["solution"]) for r in rows]
    own, cross, shared = Tally("MATH-500 solutions vs own gold"), Tally("MATH-500 solutions vs other golds"), 0
    n = len(rows)
    for i, r in enumerate(rows):
        sample = Sample(r["unique_id"], r["problem"], r["answer"], "math")
        own.add(grade(r["solution"], sample), mv_correct(golds[i], responses[i]), r["unique_id"])
        for j in (range(n) if others is None else ((i + k) % n for k in range(1, others + 1))):
            if j == i:
                continue
            other = Sample(r["unique_id"], r["problem"], rows[j]["answer"], "math")
            ours, theirs = grade(r["solution"], other), mv_correct(golds[j], responses[i])
            shared += ours.correct and theirs
            cross.add(ours, theirs, f"{r['unique_id']} vs gold {rows[j]['answer']!r} of {rows[j]['unique_id']}")
    cross.name += f" ({'all' if others is None else f'{others} each'}; {shared} shared answers)"
    return [own, cross]


def study_attempts(folder: Path, text_only: bool) -> list[Tally]:
    db = sqlite3.connect(f"file:{folder / 'results.sqlite'}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    task = json.loads((folder / "results.json").read_text(encoding="utf-8"))["meta"]["task"]
    kinds = ["math", "number"] if task == "math500" else ["number"]
    targets = dict(db.execute("SELECT sample_id, target FROM results GROUP BY sample_id").fetchall())
    tallies = {k: Tally(f"{folder.name} attempts as kind {k!r}") for k in kinds}
    pal = {k: Tally(f"{folder.name} pal attempts (printed answer) as kind {k!r}") for k in kinds}
    for row in db.execute("SELECT * FROM attempts ORDER BY run_id, sample_id, idx"):
        a = Attempt(index=row["idx"], text=row["completion"], answer=row["answer"],
                    finish_reason=row["finish_reason"] or "stop", extra=json.loads(row["extra"] or "{}"))
        text, gold = a.graded_text, targets[row["sample_id"]]
        theirs = mv_correct(mv_gold(gold), parse(text))
        for kind in kinds:
            sample = Sample(row["sample_id"], "", gold, kind)
            finish = None if text_only else a.finish_reason
            ours = grade(text, sample, finish_reason=finish)
            label = f"{row['run_id']} {row['sample_id']} #{row['idx']} ({a.finish_reason}; gold {gold!r})"
            (pal if "program" in a.extra else tallies)[kind].add(ours, theirs, label)
    db.close()
    return [t for k in kinds for t in (tallies[k], pal[k]) if t.counts["n"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="MATH-500 jsonl (problem, solution, answer)")
    parser.add_argument("--others", default="20", help="other golds per reference solution, or 'all'")
    parser.add_argument("--study", type=Path, action="append", help="a compare output folder (repeatable)")
    parser.add_argument("--text-only", action="store_true", help="grade stored attempts without their finish reason")
    parser.add_argument("--show", type=int, default=5, help="disagreements listed per set")
    args = parser.parse_args()
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    others = None if args.others == "all" else int(args.others)
    t0 = time.perf_counter()
    tallies = reference_solutions(args.data, others) if args.data.exists() else []
    for folder in args.study or DEFAULT_STUDIES:
        tallies += study_attempts(folder, args.text_only)
    print("| set | n | ours correct | ours incorrect | ours no_answer | math-verify correct | agree "
          "| false positives | within tolerance | false negatives |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for t in tallies:
        print(t.row())
    for t in tallies:
        for what, items in (("false positive", t.false_positives), ("within tolerance", t.within_tolerance),
                            ("false negative", t.false_negatives)):
            for item in items[:args.show]:
                print(f"{t.name}: {what}: {item}")
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
