"""Re-reading the stored answers with today's extraction, and grading them again
(`playground compare --report-only --regrade`): an extraction fix (a printed `3*sqrt(13)` read
as LaTeX; a response cut off by max_tokens no longer answered by the last number of its
working) reaches finished results without generating anything again.

Programs: only attempts whose program ran and printed (status "ok") are re-read, from their
stored output. Reasoned answers: every one-stage attempt of an answer task, from its text and
finish reason. A revision that kept its chain's answer (Attempt.kept_previous) keeps it. The
curve reads the attempts, so the report rebuilt after a regrade uses the new scores."""

from __future__ import annotations

from agent.answers import extract_answer
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
                record = a.program or {}
                if record.get("status") != "ok" or a.kept_previous:
                    continue
                answer = output_answer(record.get("stdout", ""), s.kind)
                if answer == a.answer:
                    continue
                a.answer = answer
                store.rescore_attempt(run_id, s.id, a.index, answer, grade(a.graded_text, s))
                changed += 1
    return changed


def regrade_answers(store: ResultStore, samples: list[Sample], run_ids: list[str]) -> int:
    """Re-extract every reasoned answer of `run_ids` (one-stage attempts of answer tasks: not code, not
    programs, not cot2's two stages) with its finish reason; grade again those that read differently
    today. The number of attempts changed."""
    changed = 0
    for run_id in run_ids:
        for s in samples:
            if s.kind == "code":
                continue
            for a in store.load_attempts(run_id, s.id):
                if a.program is not None or a.stages is not None or a.kept_previous:
                    continue
                answer = extract_answer(a.text, s.kind, a.finish_reason)
                if answer == a.answer:
                    continue
                store.rescore_attempt(run_id, s.id, a.index, answer, grade(a.text, s, finish_reason=a.finish_reason))
                changed += 1
    return changed
