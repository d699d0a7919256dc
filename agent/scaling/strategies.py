"""Test-time scaling strategies, batched across samples (the registry: STRATEGIES).

- single: no test-time strategy: the method's own N attempts in one request at the temperature
  asked (N > 1: pass@k), the first one the answer; its code is graded, not checked on the examples.
- parallel: N samples in one request (n=N); answer by majority vote, weighted
  vote (mean token logprob) or best-of-N by a verifier (agent/scaling/voting.py).
- sequential: one chain of N attempts; each revision sees the previous attempt
  (and, for code, the execution feedback of its public examples). Answer: the
  last attempt's; the chain's majority is recorded in its Choice (chain_majority).
- hybrid: chains of k steps (agent/scaling/budgets.py: chains_of_k); answer by
  majority over the chains' final answers.
- adaptive: parallel samples drawn in small batches, stopping once the vote is
  settled (agent/scaling/adaptive.py); the budget is the cap.
- mixed: N samples split between cot and pal (agent/scaling/budgets.py: half_and_half),
  drawn in one generate call; answer by a vote over all their answers (each attempt's
  method in Attempt.method). Self-consistency over programs is parallel with method pal.
- cascade: adaptive over two methods, cheap first: up to 2 pal programs (a quarter of a cot
  sample's tokens each), then cot samples up to the budget, stopping once the vote over all
  the answers drawn is settled (agent/scaling/budgets.py: pal_first). Answer: that vote.
- revise-exec: one chain of N attempts: the method's first attempt, then pal programs, each
  revision seeing the previous program and what it printed or how it failed (execution
  feedback); after a reasoned first answer (cot...), the first revision checks it with a
  program and later ones see whether the program agrees with it. Answer: the last attempt's;
  a revision that writes no runnable program (prose, an error, nothing printed) keeps the
  chain's answer (Attempt.kept_previous): it did not revise. The 1.5B model, shown a program
  that ran and agreed, often replies in prose ("the program is correct ... \\boxed{460}").

A new strategy is one `Strategy` (how it grows its chains at a budget, its chain shape and
method split, how it answers, how `playground compare` replays it) and one `register` call;
the CLI choices and compare's lists come from STRATEGIES.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from agent.answers import answer_key
from agent.scaling.adaptive import vote_settled
from agent.scaling.budgets import chains_of_k, half_and_half, independent, one_chain, pal_first
from agent.scaling.chains import grow_chains, new_job, self_check, start_chains
from agent.scaling.sampling import strategy_params
from agent.scaling.types import Attempt, Choice, GradeMany, Grader, Job, ScalingOptions, StrategyResult
from agent.scaling.voting import all_selections, select
from agent.types import Model, Sample, SamplingParams, Score

PARALLEL, SEQUENTIAL, HYBRID, ADAPTIVE = "parallel", "sequential", "hybrid", "adaptive"
MIXED, CASCADE, REVISE_EXEC = "mixed", "cascade", "revise-exec"
"""The names, for the code that singles one out: parallel is every comparison's baseline (its
samples start every chain), sequential the study's contrast."""
SINGLE = "single"
"""No test-time strategy: the method's own attempts at the temperature asked (`playground eval`'s
default; --n of them for pass@k), the first one the answer."""

Shape = Callable[[int, int], list[int]]
"""(budget, hybrid_k) -> chain lengths, longest first (agent/scaling/budgets.py)."""
Split = Callable[[int], dict[str, int]]
"""budget -> samples per reasoning method, in the order they are drawn."""


Grow = Callable[["Strategy", Model, list[Job], int, SamplingParams, ScalingOptions], None]
"""(strategy, model, jobs, budget, params, options): generate every attempt, batched across jobs."""


def grow_shaped(strategy: Strategy, model: Model, jobs: list[Job], budget: int, params: SamplingParams,
                options: ScalingOptions) -> None:
    """Start every chain of the strategy's shape at `budget` in one call, then revise them in rounds."""
    grow_jobs(model, [(strategy, jobs, budget)], params, options)


Plan = tuple["Strategy", list[Job], int]
"""(strategy, jobs, budget): jobs to grow under a strategy at a budget."""


def grow_jobs(model: Model, plans: list[Plan], params: SamplingParams, options: ScalingOptions,
              on_round: Callable[[int, int], None] | None = None) -> None:
    """The one orchestrator (run_strategy; `playground compare`, evals/compare/run.py): grow every plan's
    jobs. The plans of strategies that grow their shape (grow_shaped) are batched together: one generate
    call starts the chains each job still lacks (a job may come with chains started, as compare's start
    from its stored parallel samples), then one call per revision round for every chain of every such plan
    still growing, `on_round(r, rounds)` after each; every other strategy grows its plan its own way."""
    shaped = [(jobs, s.shape(budget, options.hybrid_k)) for s, jobs, budget in plans if s.grow is grow_shaped]
    if shaped:
        start_chains(model, [j for jobs, _ in shaped for j in jobs],
                     [max(0, len(shape) - len(j.chains)) for jobs, shape in shaped for j in jobs], params, options)
        grow_chains(model, shaped, params, options, on_round)
    for s, jobs, budget in plans:
        if s.grow is not grow_shaped:
            s.grow(s, model, jobs, budget, params, options)


def grow_mixed(strategy: Strategy, model: Model, jobs: list[Job], budget: int, params: SamplingParams,
               options: ScalingOptions) -> None:
    """The strategy's split of samples of each method for every job, in one generate call."""
    split = method_split(strategy.name, budget)
    parts = {m: [new_job(j.sample, m) for j in jobs] for m in split}
    start_chains(model, [p for m in split for p in parts[m]], [split[m] for m in split for _ in jobs], params, options)
    for m in split:
        for job, part in zip(jobs, parts[m], strict=True):
            _adopt(job, part.chains, m)


def _adopt(job: Job, chains: list[list[Attempt]], method: str) -> None:
    """Move first attempts generated under another method's prompt into `job` as new chains."""
    for (a,) in chains:
        a.index, a.chain = len(job.attempts), len(job.chains)
        a.method = method
        job.chains.append([a])
        job.attempts.append(a)


def grow_adaptive(strategy: Strategy, model: Model, jobs: list[Job], budget: int, params: SamplingParams,
                  options: ScalingOptions) -> None:
    """Draw samples in rounds for every question whose vote is not settled, up to the budget."""
    while True:
        counts = [0 if _settled(j, options) else min(options.adaptive_batch, budget - len(j.attempts))
                  for j in jobs]
        if not any(counts):
            break
        start_chains(model, jobs, counts, params, options)


def grow_cascade(strategy: Strategy, model: Model, jobs: list[Job], budget: int, params: SamplingParams,
                 options: ScalingOptions) -> None:
    """The strategy's split in order (cheap first: pal programs, then cot samples) as caps, drawn
    in adaptive's batches while the vote over every answer drawn so far is not settled."""
    for method, cap in method_split(strategy.name, budget).items():
        parts = [new_job(j.sample, method) for j in jobs]
        while True:
            counts = [0 if _settled(j, options) else min(options.adaptive_batch, cap - len(p.chains))
                      for j, p in zip(jobs, parts, strict=True)]
            if not any(counts):
                break
            drawn = [len(p.chains) for p in parts]
            start_chains(model, parts, counts, params, options)
            for job, part, n in zip(jobs, parts, drawn, strict=True):
                _adopt(job, part.chains[n:], method)


@dataclass(frozen=True)
class Strategy:
    name: str
    grow: Grow = grow_shaped
    """How it generates every attempt at a budget, batched across jobs."""
    shape: Shape = independent
    """The chains it grows at a budget."""
    split: Split | None = None
    """The samples per reasoning method of a strategy that mixes methods (None: one method)."""
    answer: str = "auto"
    """The selection its answer comes from unless options say otherwise ("last": the last attempt's,
    "first": the first attempt's)."""
    samples: bool = True
    """It draws several answers, so temperature 0 becomes SAMPLING_TEMPERATURE (agent/scaling/sampling.py);
    False: it runs at the temperature asked."""
    checks_code: bool = True
    """Its code attempts are run on the public examples (for the verifier's vote and the revisions)."""
    revises: bool = False
    """Its chains are revised (the chains' own majority and lengths are recorded; compare stores
    its chains as a run of their own, each starting from a stored parallel sample)."""
    revise_as: str | None = None
    """The reasoning method of its revisions (None: the method of the chain's first attempt)."""
    feedback: str | None = None
    """How it asks for a program's revision: "exec" shows the program's run (None: the options')."""
    stops: bool = False
    """It draws until its vote is settled, the budget a cap: compare replays that stopping rule."""
    derivable: bool = True
    """`playground compare` derives its every smaller budget from one generation at the largest
    (from its shape, split and stopping rule; evals/compare/points.py)."""
    compared_by_default: bool = False
    """In `playground compare`'s default --strategies."""

    def job(self, sample: Sample, method: str) -> Job:
        """A sample's job under this strategy: its first prompt (chains.py new_job), its revisions' method
        and feedback, whether its code is checked."""
        return new_job(sample, method, revise_as=self.revise_as, feedback=self.feedback, checks_code=self.checks_code)


STRATEGIES: dict[str, Strategy] = {}
"""Every strategy by name, in the order the CLI and compare list them."""


def register(strategy: Strategy) -> Strategy:
    """Add a strategy to STRATEGIES (ask, eval, the REPL and compare take it from there)."""
    STRATEGIES[strategy.name] = strategy
    return strategy


for _s in (
    Strategy(SINGLE, answer="first", samples=False, checks_code=False, derivable=False),
    Strategy(PARALLEL, compared_by_default=True),
    Strategy(SEQUENTIAL, shape=one_chain, answer="last", revises=True, compared_by_default=True),
    Strategy(HYBRID, shape=chains_of_k, revises=True, compared_by_default=True),
    Strategy(ADAPTIVE, grow_adaptive, stops=True, compared_by_default=True),
    Strategy(MIXED, grow_mixed, split=half_and_half),
    Strategy(CASCADE, grow_cascade, split=pal_first, stops=True),
    Strategy(REVISE_EXEC, shape=one_chain, answer="last", revises=True, revise_as="pal", feedback="exec"),
):
    register(_s)


def strategy_named(name: str) -> Strategy:
    if name not in STRATEGIES:
        raise ValueError(f"unknown strategy '{name}' (choose from {', '.join(STRATEGIES)})")
    return STRATEGIES[name]


def chain_shape(strategy: str, budget: int, hybrid_k: int = 2) -> list[int]:
    """The chain lengths (longest first) of `strategy` spending `budget` attempts."""
    return strategy_named(strategy).shape(budget, hybrid_k)


def method_split(strategy: str, budget: int) -> dict[str, int]:
    """Samples per reasoning method of a strategy that mixes methods, in the order they are drawn."""
    split = strategy_named(strategy).split
    if split is None:
        raise ValueError(f"strategy '{strategy}' does not mix methods")
    return split(budget)


def _settled(job: Job, options: ScalingOptions) -> bool:
    keys = [answer_key(a.answer, job.sample.kind) for a in job.attempts]
    return vote_settled(keys, options.adaptive_threshold)


def finish(job: Job, strategy: str, budget: int, options: ScalingOptions, grader: Grader | None,
           seed: int | str) -> StrategyResult:
    """Choose the answer, grade the attempts (when a grader is given), build the result."""
    kind = job.sample.kind
    finals = [c[-1] for c in job.chains]
    method = options.selection
    if method == "auto":
        method = STRATEGIES[strategy].answer
    if method in ("last", "first"):
        chosen: Attempt | None = (finals[-1] if method == "last" else finals[0]) if finals else None
        answer = chosen.answer if chosen else None
    else:
        sel = select(finals, kind, method, seed=seed)
        chosen = None if sel.chosen is None else finals[sel.chosen]
        answer = sel.answer
    choice = Choice(method, all_selections(finals, kind, seed))
    if STRATEGIES[strategy].revises:
        choice.chain_majority = [select(c, kind, "majority", seed=seed).answer for c in job.chains]
        choice.chain_lengths = [len(c) for c in job.chains]
    if grader is not None:
        for a in job.attempts:
            if a.score is None:  # attempts shared from another run keep their score
                a.score = grader(a.graded_text, job.sample)
    score = None
    if grader is not None:
        score = chosen.score if chosen is not None and answer is not None else Score("no_answer")
    if chosen is not None:
        choice.chosen_attempt = chosen.index
    choice.verifier_tokens = job.verifier_tokens or None
    return StrategyResult(job.sample.id, strategy, budget, job.attempts, answer, score, choice=choice)


def run_strategy(model: Model, samples: list[Sample], strategy: str, budget: int, *, method: str = "cot",
                 params: SamplingParams, grader: Grader | None = None, grade_many: GradeMany | None = None,
                 rng_seed: int = 0, options: ScalingOptions | None = None) -> list[StrategyResult]:
    """Run one strategy at `budget` attempts per sample, batched across samples
    (one generate call per round), sampling as the strategy does (agent/scaling/sampling.py).
    `grade_many`: grades every attempt in one call (e.g. code in parallel sandboxes) before `grader`
    would grade them one by one. `rng_seed` seeds the tie-breaks of the votes."""
    chosen = strategy_named(strategy)
    if budget < 1:
        raise ValueError(f"budget must be >= 1, got {budget}")
    options = options or ScalingOptions()
    if chosen.samples:
        params = strategy_params(params)
    if chosen.answer not in ("last", "first") or options.selection == "weighted":
        params = replace(params, logprobs=True)  # the weighted vote (voting.py: logprob_weights) needs them
    jobs = [chosen.job(s, method) for s in samples]
    grow_jobs(model, [(chosen, jobs, budget)], params, options)
    if options.selection == "verifier" and options.math_verifier == "self_check":
        self_check(model, [j for j in jobs if j.sample.kind != "code"], params)
    if grade_many is not None:
        todo = [(a, j.sample) for j in jobs for a in j.attempts if a.score is None]
        for (a, _), score in zip(todo, grade_many([(a.graded_text, smp) for a, smp in todo]), strict=True):
            a.score = score
    return [finish(j, strategy, budget, options, grader, f"{rng_seed}:{j.sample.id}") for j in jobs]


def solve_with_strategy(model: Model, question: str, strategy: str, n: int, method: str = "cot",
                        kind: str = "number", params: SamplingParams | None = None,
                        options: ScalingOptions | None = None) -> StrategyResult:
    """One question (playground ask --strategy, the REPL's /strategy)."""
    params = params or SamplingParams(max_tokens=1024)
    sample = Sample(id="question", input=question, target="", kind=kind)  # type: ignore[arg-type]
    return run_strategy(model, [sample], strategy, n, method=method, params=params, options=options)[0]
