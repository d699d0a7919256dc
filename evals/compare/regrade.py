"""Re-reading the stored programs' answers with today's extraction, and grading them again
(`playground compare --report-only --regrade`): an extraction fix (a printed `3*sqrt(13)` read
as LaTeX) reaches finished results without generating anything again.

Only attempts whose program ran and printed (status "ok") are re-read, from their stored
output; a revision that kept its chain's answer (extra["kept_previous"]) keeps it. The curve
reads the attempts, so the report rebuilt after a regrade uses the new scores."""

from __future__ import annotations

from agent.reasoning.pal import output_answer
from agent.types import Sample
from evals.grading import grade
from evals.store import ResultStore


def regrade_programs(store: ResultStore, samples: list[Sample], run_ids: list[str]) -> int:
    """Re-extract and regrade every program attempt of `run_ids` for `samples` whose answer
    reads differently today; the number of attempts changed."""
    changed = 0
    for run_id in run_ids:
        for s in samples:
            for a in store.load_attempts(run_id, s.id):
                record = a.extra.get("program") or {}
                if record.get("status") != "ok" or a.extra.get("kept_previous"):
                    continue
                answer = output_answer(record.get("stdout", ""), s.kind)
                if answer == a.answer:
                    continue
                a.answer = answer
                store.rescore_attempt(run_id, s.id, a.index, answer, grade(a.graded_text, s))
                changed += 1
    return changed
