"""Aggregating per-question points into curves with confidence intervals, choosing
the compute-matched winner, and writing report.md. Pure except `write_report`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from types import MappingProxyType

from evals.compare.points import Point
from evals.stats import bootstrap_ci

ROUNDING = 1e-9
"""A difference smaller than this is floating-point noise (the same votes summed in another order), not one the data tell."""
ORACLE = "pass@k"
"""The oracle line (some sample correct): selection's ceiling, never a winner."""


@dataclass
class CurvePoint:
    strategy: str
    budget: int
    bucket: str
    """all | easy | medium | hard (the model's pass rate) | level N (MATH's level)"""
    questions: int
    accuracy: float
    ci_low: float
    ci_high: float
    generated_tokens: float
    """Mean generated (completion) tokens per question."""
    total_tokens: float
    """Mean prompt + completion tokens per question."""

    def to_dict(self) -> dict:
        return asdict(self)


def aggregate(points: dict[str, dict[int, dict[str, Point]]], buckets: dict[str, str], *,
              seed: int = 0) -> list[CurvePoint]:
    """points[strategy][budget][question id] -> curve points for all questions and per bucket."""
    out = []
    order = ["easy", "medium", "hard"]
    names = ["all", *sorted(set(buckets.values()), key=lambda b: (order.index(b) if b in order else 3, b))]
    for strategy, by_budget in points.items():
        for budget, by_q in sorted(by_budget.items()):
            for bucket in names:
                qs = [q for q in by_q if bucket == "all" or buckets.get(q) == bucket]
                if not qs:
                    continue
                accs = [by_q[q].accuracy for q in qs]
                lo, hi = bootstrap_ci(accs, seed=seed)
                out.append(CurvePoint(strategy, budget, bucket, len(qs), sum(accs) / len(qs), lo, hi,
                                      sum(by_q[q].generated_tokens for q in qs) / len(qs),
                                      sum(by_q[q].total_tokens for q in qs) / len(qs)))
    return out


@dataclass
class Verdict:
    budget: int
    bucket: str
    winner: str | None
    """Best strategy ('a = b' when tied on accuracy); None when there is nothing to compare."""
    overlapping: list[str]
    """Strategies whose CI overlaps the winner's: the win is not clear."""
    text: str


def _overlap(a: CurvePoint, b: CurvePoint) -> bool:
    return a.ci_low <= b.ci_high and b.ci_low <= a.ci_high


def pick_winner(candidates: Sequence[CurvePoint]) -> Verdict:
    """The highest accuracy among the strategies at one budget and bucket (oracle excluded),
    with the caveat naming every strategy whose 95% CI overlaps the winner's."""
    pts = sorted((p for p in candidates if p.strategy != ORACLE), key=lambda p: -p.accuracy)
    if not pts:
        return Verdict(0, "", None, [], "no data")
    best = pts[0]
    tied = [p.strategy for p in pts if abs(p.accuracy - best.accuracy) < 1e-12]
    name = " = ".join(tied)
    overlapping = [p.strategy for p in pts[1:] if p.strategy not in tied and _overlap(best, p)]
    acc = f"{best.accuracy:.1%} [{best.ci_low:.1%}, {best.ci_high:.1%}]"
    if len(pts) == 1:
        text = f"{name} {acc} (only strategy)"
    elif overlapping or len(tied) > 1:
        others = ", ".join(overlapping) if overlapping else "each other"
        text = f"{name} {acc}; CI overlaps {others}: not a clear win"
    else:
        text = f"{name} {acc}; CI separated from every other strategy"
    return Verdict(best.budget, best.bucket, name, overlapping, text)


def verdicts(curve: Iterable[CurvePoint]) -> list[Verdict]:
    groups: dict[tuple[int, str], list[CurvePoint]] = {}
    for p in curve:
        groups.setdefault((p.budget, p.bucket), []).append(p)
    return [pick_winner(ps) for _, ps in sorted(groups.items(), key=lambda kv: (kv[0][1] != "all", kv[0]))]


def _difference_rows(differences: Sequence[dict]) -> list[str]:
    rows = ["| strategy | budget | questions | difference | 95% CI | tells? |", "|---|---|---|---|---|---|"]
    for d in sorted(differences, key=lambda d: (d["strategy"], d["budget"])):
        tells = "yes" if d["ci_low"] > ROUNDING or d["ci_high"] < -ROUNDING else "no"
        rows.append(f"| {d['strategy']} | {d['budget']} | {d['questions']} | {d['difference']:+.1%} | "
                    f"[{d['ci_low']:+.1%}, {d['ci_high']:+.1%}] | {tells} |")
    return rows


def render_report(curve: Sequence[CurvePoint], meta: dict, extra: Mapping = MappingProxyType({})) -> str:
    """report.md: a table per budget, the winner per budget and difficulty bucket, then, from the
    analyses in `extra` (evals/compare/analysis.py: analyse), each strategy's paired difference
    against the greedy reference ("versus_greedy") and against parallel voting at the same budget
    ("versus_parallel"), the adaptive threshold sweep ("adaptive_sweep_at_largest_budget") and
    what each revision step did to the answers ("revision_transitions")."""
    lines = [f"# Test-time compute comparison: {meta.get('task', '')}", ""]
    for key in ("model", "questions", "budgets", "strategies", "temperature", "max_tokens", "wall_time_s",
                "prompt_tokens", "notes"):
        if key in meta:
            lines.append(f"- {key}: {meta[key]}")
    lines += ["", "Accuracy is the expected correctness per question (maj@k exact over subsets of the samples "
              "generated at the largest budget; ties count as the fraction of tied answers that are correct), "
              "with a bootstrap 95% CI across questions. Tokens are means per question.", ""]
    budgets = sorted({p.budget for p in curve})
    for b in budgets:
        lines += [f"## Budget {b}", "", "| strategy | accuracy | 95% CI | generated tokens | total tokens |",
                  "|---|---|---|---|---|"]
        for p in sorted((p for p in curve if p.budget == b and p.bucket == "all"), key=lambda p: p.strategy):
            lines.append(f"| {p.strategy} | {p.accuracy:.1%} | [{p.ci_low:.1%}, {p.ci_high:.1%}] | "
                         f"{p.generated_tokens:.0f} | {p.total_tokens:.0f} |")
        lines.append("")
    lines += ["## Winner per budget and difficulty", "",
              "Highest accuracy at the same nominal budget (adaptive and cascade spend less than their cap: see tokens). "
              f"{ORACLE} is the oracle (some sample right), not a strategy.", "",
              "| budget | difficulty | questions | winner |", "|---|---|---|---|"]
    counts = {(p.budget, p.bucket): p.questions for p in curve}
    for v in verdicts(curve):
        lines.append(f"| {v.budget} | {v.bucket} | {counts.get((v.budget, v.bucket), 0)} | {v.text} |")
    if extra.get("versus_greedy"):
        lines += ["", "## Against greedy", "",
                  "Accuracy minus the greedy reference's on the same questions, with the paired bootstrap 95% CI "
                  "(questions resampled with both values). A CI that excludes 0 is a difference the data can tell.",
                  "", *_difference_rows(extra["versus_greedy"])]
    if extra.get("versus_parallel"):
        lines += ["", "## Against parallel voting at the same budget", "",
                  "Accuracy minus parallel's majority vote at the same number of attempts, on the same questions, "
                  "with the paired bootstrap 95% CI: sequential against parallel at equal budgets.",
                  "", *_difference_rows(extra["versus_parallel"])]
    adaptive = extra.get("adaptive_sweep_at_largest_budget")
    if adaptive:
        lines += ["", "## Adaptive against its parallel vote", "",
                  "The adaptive stopping rule replayed on the stored samples at the largest budget, for each "
                  "threshold, beside the parallel vote over all of the same samples: accuracy gap and the share "
                  "of its generated tokens. \"pal, then cot\" is cascade (at most 2 pal programs first, then cot "
                  "samples), against the vote over all the cot samples. The gap's CI is paired (questions resampled).", "",
                  "| samples | threshold | adaptive | parallel vote | gap | gap 95% CI | tokens (share of parallel) |",
                  "|---|---|---|---|---|---|---|"]
        for a in adaptive:
            share = "" if a["token_share"] is None else f" ({a['token_share']:.0%})"
            ci = f"[{a['gap_ci'][0]:+.1%}, {a['gap_ci'][1]:+.1%}]" if "gap_ci" in a else ""
            lines.append(f"| {a['samples']} | {a['threshold']} | {a['accuracy']:.1%} | {a['vote_accuracy']:.1%} | "
                         f"{a['accuracy'] - a['vote_accuracy']:+.1%} | {ci} | {a['generated_tokens']:.0f}{share} |")
    if extra.get("revision_transitions"):
        lines += ["", "## What revision does to the answers", "",
                  "Each revision's answer against the one it revised, over the chains that reach that step "
                  "(step 1 is the first revision; a missing answer counts as wrong). \"changed\": the answer "
                  "differs from the one revised.", "",
                  "| strategy | step | chains | right kept | right -> wrong | wrong -> right | wrong kept | changed |",
                  "|---|---|---|---|---|---|---|---|"]
        for t in extra["revision_transitions"]:
            lines.append(f"| {t['strategy']} | {t['step']} | {t['chains']} | {t['kept_right']} | "
                         f"{t['right_to_wrong']} | {t['wrong_to_right']} | {t['kept_wrong']} | {t['changed']} |")
    return "\n".join(lines) + "\n"


def write_report(path: str | Path, curve: Sequence[CurvePoint], meta: dict,
                 extra: Mapping = MappingProxyType({})) -> Path:
    p = Path(path)
    p.write_text(render_report(curve, meta, extra), encoding="utf-8")
    return p
