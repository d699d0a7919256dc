"""From the stored attempts of a comparison to its curve: every strategy at every budget per
question (derived, never regenerated: estimators.py), the difficulty buckets, and each
strategy's paired difference against the greedy reference and against parallel voting at the
same budget."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from agent.answers import answer_key
from agent.scaling.strategies import PARALLEL, SEQUENTIAL, method_split
from agent.scaling.types import Attempt
from agent.scaling.voting import logprob_weight, verified
from agent.types import Sample
from evals.compare.estimators import Vote, vote_value, weighted_at_k
from evals.compare.points import (
    Point,
    Step,
    budget_point,
    chains_of,
    difficulty_bucket,
    pass_rate,
    split_point,
    stopping_point,
)
from evals.compare.report import ORACLE, CurvePoint, aggregate
from evals.compare.spec import GREEDY, PAL_SAMPLES, CompareSpec, chained
from evals.compare.transitions import count_transitions
from evals.stats import paired_difference_ci, pass_at_k
from evals.store import ResultStore

ADAPTIVE_SWEEP = (0.8, 0.9, 0.95)
WEIGHTED = "parallel-weighted"
"""The parallel samples voted with weights exp(mean token logprob), reported beside parallel's majority."""


def on_pal(strategy: str) -> str:
    """A stopping rule of one method replayed on the stored pal samples (beside parallel-pal), when
    it is compared and pal samples are generated: adaptive-pal."""
    return f"{strategy}-pal"


def stored_runs() -> tuple[str, ...]:
    """Every run a comparison can store."""
    return (PARALLEL, GREEDY, PAL_SAMPLES, *chained())


def run_id(name: str) -> str:
    return f"compare-{name}"


def load_steps(store: ResultStore, samples: list[Sample]) -> dict[str, dict[str, list[Step]]]:
    """run name -> question id -> stored attempts reduced to Steps."""
    kinds = {s.id: s.kind for s in samples}
    known = {r["run_id"] for r in store.runs()}
    out: dict[str, dict[str, list[Step]]] = {}
    for name in stored_runs():
        by_q: dict[str, list[Step]] = {}
        for r in store.attempts(run_id(name)) if run_id(name) in known else []:
            if r["sample_id"] not in kinds:
                continue
            a = Attempt.from_record(r["extra"])
            passed = verified(a) is True
            lp = a.mean_logprob
            vote = Vote(answer_key(r["answer"], kinds[r["sample_id"]]), r["score"] == "correct", passed,
                        None if lp is None else logprob_weight(lp))
            by_q.setdefault(r["sample_id"], []).append(
                Step(r["chain"], r["step"], vote, r["completion_tokens"], r["prompt_tokens"]))
        out[name] = by_q
    return out


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else 0.0


def weighted_point(par: list[Step], budget: int, majority: Point) -> Point | None:
    """The parallel samples' weighted vote at `budget` (same samples and cost as the majority vote
    `majority`); None when the samples carry no logprobs."""
    acc = weighted_at_k([s.vote for s in par], budget)
    return None if acc is None else Point(acc, majority.generated_tokens, majority.total_tokens)


def derive_points(samples: list[Sample], steps: dict[str, dict[str, list[Step]]], spec: CompareSpec,
                  threshold: float | None = None) -> dict[str, dict[int, dict[str, Point]]]:
    """points[strategy][budget][question id], every budget derived from the stored runs, each
    strategy as it says (agent/scaling/strategies.py: Strategy): a vote over its chains (parallel's
    stored samples, or its own revised chains), a vote over its split of the methods' samples,
    or its stopping rule replayed. Also the greedy reference at budget 1, the oracle and WEIGHTED
    (parallel's samples, weighted vote, where they carry logprobs) beside parallel, and each
    one-method stopping rule on the pal samples where they are stored."""
    threshold = spec.adaptive_threshold if threshold is None else threshold
    par, pal = steps[PARALLEL], steps[PAL_SAMPLES]
    chosen = spec.chosen()
    pal_stored = PAL_SAMPLES in spec.runs()
    votes = [s for s in chosen if not s.stops and s.split is None]
    split_votes = [s for s in chosen if not s.stops and s.split is not None]
    stopping = [s for s in chosen if s.stops]
    points: dict[str, dict[int, dict[str, Point]]] = {}

    def put(strategy: str, budget: int, qid: str, p: Point | None) -> None:
        if p is not None:
            points.setdefault(strategy, {}).setdefault(budget, {})[qid] = p

    for s in samples:
        q = s.id
        pools = {spec.method: par.get(q, []), "pal": pal.get(q, [])}
        if q in steps[GREEDY]:
            [g] = steps[GREEDY][q]
            put(GREEDY, 1, q, Point(float(g.vote.correct), g.completion_tokens, g.total_tokens))
        for b in spec.budgets:
            for st in votes:  # parallel from its samples, a revised strategy from its own chains
                own = steps[st.name if st.revises else PARALLEL]
                if q in own:
                    put(st.name, b, q, budget_point(st.name, own[q], b, kind=s.kind, hybrid_k=spec.hybrid_k))
            if PAL_SAMPLES in spec.strategies and q in pal:
                put(PAL_SAMPLES, b, q, budget_point(PARALLEL, pal[q], b, kind=s.kind))
            for st in split_votes:
                if q in par and q in pal:
                    put(st.name, b, q, split_point(pools, method_split(st.name, b), stops=False,
                                                   batch=spec.adaptive_batch, threshold=threshold))
            if PARALLEL in spec.strategies and len(par.get(q, [])) >= b:
                pp = points[PARALLEL][b][q]
                correct = sum(st.vote.correct for st in par[q])
                put(ORACLE, b, q, Point(pass_at_k(len(par[q]), correct, b), pp.generated_tokens, pp.total_tokens))
                put(WEIGHTED, b, q, weighted_point(par[q], b, pp))
            for st in stopping:
                if st.split is not None:
                    if q in par and q in pal:
                        put(st.name, b, q, split_point(pools, method_split(st.name, b), stops=True,
                                                       batch=spec.adaptive_batch, threshold=threshold))
                    continue
                if len(par.get(q, [])) >= b:
                    put(st.name, b, q, stopping_point(par[q], b, batch=spec.adaptive_batch, threshold=threshold))
                if pal_stored and len(pal.get(q, [])) >= b:
                    put(on_pal(st.name), b, q, stopping_point(pal[q], b, batch=spec.adaptive_batch,
                                                              threshold=threshold))
    return points


@dataclass
class Difference:
    """A strategy at a budget minus the greedy reference, on the same questions."""

    strategy: str
    budget: int
    questions: int
    difference: float
    ci_low: float
    ci_high: float

    def to_dict(self) -> dict:
        return asdict(self)


def _versus(points: dict[str, dict[int, dict[str, Point]]], reference: Callable[[int], dict[str, Point]],
            skip: tuple[str, ...], seed: int) -> list[Difference]:
    out = []
    for strategy, by_budget in points.items():
        if strategy in skip:
            continue
        for budget, by_q in sorted(by_budget.items()):
            ref = reference(budget)
            qs = [q for q in by_q if q in ref]
            if qs:
                d, lo, hi = paired_difference_ci([by_q[q].accuracy for q in qs], [ref[q].accuracy for q in qs],
                                                 seed=seed)
                out.append(Difference(strategy, budget, len(qs), d, lo, hi))
    return out


def versus_greedy(points: dict[str, dict[int, dict[str, Point]]], seed: int = 0) -> list[Difference]:
    """Each strategy's accuracy minus greedy's, with the paired bootstrap 95% CI over questions."""
    ref = points.get(GREEDY, {}).get(1, {})
    return _versus(points, lambda budget: ref, (GREEDY, ORACLE), seed)


def versus_parallel(points: dict[str, dict[int, dict[str, Point]]], seed: int = 0) -> list[Difference]:
    """Each strategy's accuracy minus parallel's majority vote at the same budget (the study's own
    question: sequential against parallel at equal budgets), paired bootstrap 95% CI over questions."""
    par = points.get(PARALLEL, {})
    return _versus(points, lambda budget: par.get(budget, {}), (GREEDY, ORACLE, PARALLEL), seed)


def difficulty(samples: list[Sample], steps: dict[str, dict[str, list[Step]]]) -> dict[str, str]:
    out = {}
    for s in samples:
        ref = steps[PARALLEL].get(s.id) or steps[SEQUENTIAL].get(s.id) or []
        if ref or s.metadata.get("level") is not None:
            out[s.id] = difficulty_bucket(pass_rate(ref), s.metadata.get("level"))
    return out


def adaptive_sweep(done: list[Sample], steps: dict[str, dict[str, list[Step]]], spec: CompareSpec) -> list[dict]:
    """The stopping rules at the largest budget for each threshold of ADAPTIVE_SWEEP, against the
    vote over all of the same samples (the gap with its paired bootstrap CI over questions):
    adaptive on the cot samples (against parallel's vote), on the pal samples where stored
    (against parallel-pal's), cascade (pal, then cot: against parallel's)."""
    pal = PAL_SAMPLES in spec.runs()
    stopping = [st for st in spec.chosen() if st.stops]
    sub = CompareSpec(**{**asdict(spec), "budgets": (spec.largest,), "strategies": (
        PARALLEL, *(st.name for st in stopping), *((PAL_SAMPLES,) if pal else ()))})
    rules = []  # (the samples it draws, the rule's points, the vote over all of them)
    for st in stopping:
        if st.split is None:
            rules += [(spec.method, st.name, PARALLEL), ("pal", on_pal(st.name), PAL_SAMPLES)]
        else:
            rules.append((", then ".join(method_split(st.name, spec.largest)), st.name, PARALLEL))
    sweep = []
    for th in ADAPTIVE_SWEEP:
        pts = derive_points(done, steps, sub, threshold=th)
        for samples, name, ref in rules:
            by_q, vote = pts.get(name, {}).get(spec.largest, {}), pts.get(ref, {}).get(spec.largest, {})
            if not by_q or not vote:
                continue
            n = len(by_q)
            acc, gen = sum(p.accuracy for p in by_q.values()) / n, sum(p.generated_tokens for p in by_q.values()) / n
            ref_acc = sum(vote[q].accuracy for q in by_q) / n
            ref_gen = sum(vote[q].generated_tokens for q in by_q) / n
            _, lo, hi = paired_difference_ci([by_q[q].accuracy for q in by_q], [vote[q].accuracy for q in by_q],
                                             seed=spec.seed)
            sweep.append({"samples": samples, "rule": name, "threshold": th, "accuracy": acc, "generated_tokens": gen,
                          "vote_accuracy": ref_acc, "gap_ci": [lo, hi],
                          "token_share": gen / ref_gen if ref_gen else None})
    return sweep


def analyse(samples: list[Sample], store: ResultStore, spec: CompareSpec) -> tuple[list[CurvePoint], dict]:
    """The curve (all questions and per difficulty bucket) and the extra analyses of results.json:
    questions done (every run of the spec stored), the paired differences against greedy and
    against parallel at the same budget, the sequential chain's own majority, what each revision
    step did to the answers, the adaptive threshold sweep."""
    steps = load_steps(store, samples)
    done = [s for s in samples if all(s.id in steps[n] for n in spec.runs())]
    buckets = difficulty(done, steps)
    points = derive_points(done, steps, spec)
    curve = aggregate(points, buckets, seed=spec.seed)
    extra: dict = {"questions_done": len(done), "difficulty": buckets,
                   "versus_greedy": [d.to_dict() for d in versus_greedy(points, spec.seed)],
                   "versus_parallel": [d.to_dict() for d in versus_parallel(points, spec.seed)]}
    if SEQUENTIAL in spec.strategies and done:
        # the optional answer of a chain: majority over its first k steps instead of the last step
        extra["sequential_chain_majority"] = {
            b: sum(vote_value([st.vote for st in chains_of(steps[SEQUENTIAL][s.id])[0][:b]]) for s in done) / len(done)
            for b in spec.budgets}
    extra["revision_transitions"] = [t.to_dict() for name in chained(spec.strategies)
                                     for t in count_transitions(name, [steps[name][s.id] for s in done])]
    if any(st.stops for st in spec.chosen()) and done:
        extra["adaptive_sweep_at_largest_budget"] = adaptive_sweep(done, steps, spec)
    return curve, extra
