"""Success rate of the code-acting agent (the loop behind `playground run`) on the
small code tasks of bench/agent_tasks.yaml, over seeds: per task done/K, median and
worst wall time, and what decided each run. The model is loaded once; each run gets a
fresh session and work dir.

    python bench/agent_tasks.py --out bench-out/agent-tasks [--seeds 3] [--suite tracked|...]
        [--only mandelbrot,primes] [--max-steps 10] [--max-tokens 1024] [--candidates 4 | 1,4]
        [--no-figure-facts] [--no-pitfalls] [--lessons] [--self-check] [--resume] [--backend ... --model ...]

`--suite` picks the tasks (the yaml's `suites`); the default, `tracked`, is the count the
project follows: the ten tasks plus five other phrasings of the Mandelbrot task. `--only`
picks tasks by id from all of them. A picture task is done when its picture shows what
was asked (bench/picture_checks/: the Mandelbrot set upright with square units and true
axes, the asked-for curve, ...), not when some PNG exists; the reason is reported either way.

`--seeds K` runs every task with seeds 0..K-1 (the agent's seed: the first reply is greedy,
the sampled replies after a failure change with it). The picture is judged after every step
too (not only at the end), so the table says how often the first reply was already right and
which mechanism rescued the others: a silent-mistake hint (agent/codeact/pitfalls.py), an
error hint, a repair or a fresh best-of-k candidate. `--no-figure-facts`, `--no-pitfalls`,
`--lessons` and `--self-check` switch the loop's mechanisms for an ablation (AgentConfig). `--resume` keeps the
runs already in OUT/results.json and runs the rest.

The defaults are `playground run`'s (10 steps, 1024 tokens per reply, best-of-4 after a
failure, 60 s per code block), so the count is the main job's.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import Counter
from pathlib import Path

import yaml
from picture_checks import check_pictures  # bench/ is this script's folder, on sys.path

from agent.codeact.code_blocks import mentioned_files
from agent.codeact.loop import CodeAgent
from agent.codeact.transcript import write_json_atomic
from agent.codeact.types import AgentConfig, CodeExecuted
from agent.config import ModelConfig
from agent.models import load_model
from tools.session import PythonSession

TASKS = Path(__file__).with_name("agent_tasks.yaml")


def check(task: dict, result, workdir: Path) -> tuple[bool, str]:
    """Did the agent finish and leave what the task asks for?"""
    if not result.success:
        return False, f"stopped: {result.stop_reason}"
    for pattern in task.get("files", []):
        if not any(p.is_file() for p in workdir.glob(pattern)):
            return False, f"no file matching {pattern}"
    stdout = "".join(s.exec_result.stdout for s in result.steps if s.exec_result)
    stdout += result.final_answer or ""
    for needle in task.get("stdout_contains", []):
        if needle not in stdout:
            return False, f"output lacks {needle!r}"
    if task.get("check"):
        return check_pictures(task, workdir, mentioned_files(result.final_answer or ""))
    return True, "ok"


def load_tasks(suite: str = "tracked", only: str = "", path: Path = TASKS) -> list[dict]:
    """The tasks of `suite` (a name under `suites:` in the yaml, or "all"), in its order;
    with `only` (comma-separated ids), those tasks of the whole file instead."""
    spec = yaml.safe_load(path.read_text())
    tasks = {t["id"]: t for t in spec["tasks"]}
    if only:
        ids = only.split(",")
    elif suite == "all":
        ids = list(tasks)
    elif suite in spec.get("suites", {}):
        ids = spec["suites"][suite]
    else:
        raise SystemExit(f"unknown suite {suite!r}; known: all, {', '.join(spec.get('suites', {}))}")
    unknown = [i for i in ids if i not in tasks]
    if unknown:
        raise SystemExit(f"unknown task ids: {', '.join(unknown)}")
    return [tasks[i] for i in ids]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="bench-out/agent-tasks")
    defaults = AgentConfig()
    ap.add_argument("--max-steps", type=int, default=defaults.max_steps)
    ap.add_argument("--max-tokens", type=int, default=defaults.max_tokens_per_step, help="per reply")
    ap.add_argument("--candidates", default="4",
                    help="comma-separated best-of-k settings to compare (default 4, as playground run)")
    ap.add_argument("--seeds", type=int, default=1, help="run every task with seeds 0..K-1 (default 1)")
    ap.add_argument("--first-seed", type=int, default=0, metavar="S",
                    help="start the seeds at S: seeds S..S+K-1 (to add seeds to a run with --resume)")
    ap.add_argument("--no-figure-facts", action="store_true", help="ablation: no picture facts in the observation")
    ap.add_argument("--no-pitfalls", action="store_true", help="ablation: no silent-mistake checks of the code")
    ap.add_argument("--lessons", action="store_true",
                    help="ablation: fresh best-of-k attempts see the task with the mistakes named so far (off by default)")
    ap.add_argument("--self-check", action="store_true", help="ask the model to test its result before final_answer")
    ap.add_argument("--resume", action="store_true", help="keep the runs in OUT/results.json, run the rest")
    ap.add_argument("--summary-only", action="store_true",
                    help="print the summary of OUT/results.json as a markdown table; load no model, run nothing")
    ap.add_argument("--backend", default="auto")
    ap.add_argument("--max-model-len", type=int, default=None, help="vllm: context length (memory)")
    ap.add_argument("--model", default=None)
    ap.add_argument("--suite", default="tracked",
                    help="tasks to run: a suite of agent_tasks.yaml (tracked = the ten tasks plus five "
                         "Mandelbrot phrasings; ten; mandelbrot; pictures) or all")
    ap.add_argument("--only", default="", help="comma-separated task ids (of all tasks; overrides --suite)")
    args = ap.parse_args()
    if args.seeds < 1 or args.first_seed < 0:
        ap.error("--seeds must be at least 1 and --first-seed at least 0")
    out = Path(args.out).resolve()
    if args.summary_only:
        if not (out / "results.json").is_file():
            ap.error(f"no results in {out}: run the benchmark first")
        print(summary(_resumed(out / "results.json"), markdown=True))
        return
    tasks = load_tasks(args.suite, args.only)
    out.mkdir(parents=True, exist_ok=True)
    settings = [int(k) for k in args.candidates.split(",")]
    rows = _resumed(out / "results.json") if args.resume else []
    done_keys = {(r["candidates"], r["id"], r.get("seed", 0)) for r in rows}
    extra = {"model": args.model} if args.model else {}
    if args.max_model_len:
        extra["max_model_len"] = args.max_model_len
    mcfg = ModelConfig(backend=args.backend, **extra)
    t_load = time.perf_counter()
    model = load_model(mcfg)
    print(f"model {model.name} ({model.backend}) loaded in {time.perf_counter() - t_load:.1f}s", flush=True)
    mechanisms = {"figure_facts": not args.no_figure_facts, "pitfall_checks": not args.no_pitfalls,
                  "lessons": args.lessons, "self_check": args.self_check}
    for k in settings:
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            for task in tasks:
                if (k, task["id"], seed) in done_keys:
                    continue
                cfg = AgentConfig(max_steps=args.max_steps, max_tokens_per_step=args.max_tokens, cell_timeout_s=60,
                                  candidates=k, seed=seed, **mechanisms)
                rows.append(run_task(model, cfg, task, out / f"k{k}" / f"seed{seed}" / task["id"]))
                write_json_atomic(out / "results.json", {
                    "model": model.name, "backend": model.backend, "max_steps": args.max_steps,
                    "suite": args.only or args.suite, "seeds": args.seeds, "mechanisms": mechanisms, "tasks": rows})
    model.close()
    print(summary(rows))
    print(json.dumps(rows, indent=1))


def _resumed(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return list(json.loads(path.read_text()).get("tasks", []))


def summary(rows: list[dict], markdown: bool = False) -> str:
    """Per setting: per task done/K with median and worst wall and what decided its runs, then the
    totals: done, walls, how often the first reply was not right and how often those were rescued."""
    lines = []
    for k in sorted({r["candidates"] for r in rows}):
        mine = [r for r in rows if r["candidates"] == k]
        lines.append(f"candidates={k}:" if not markdown else
                     f"candidates={k}\n\n| task | done | median wall | worst wall | decided by |\n|---|---|---|---|---|")
        for tid in dict.fromkeys(r["id"] for r in mine):
            runs = [r for r in mine if r["id"] == tid]
            walls = [r["wall_s"] for r in runs]
            how = ", ".join(f"{n}x {d}" for d, n in Counter(r.get("decided_by", "?") for r in runs).most_common())
            done = f"{sum(r['success'] for r in runs)}/{len(runs)}"
            lines.append(f"| {tid} | {done} | {statistics.median(walls):.0f} s | {max(walls):.0f} s | {how} |" if markdown
                         else f"  {tid:<22} {done}  median {statistics.median(walls):6.1f}s  worst {max(walls):6.1f}s"
                              f"  decided by: {how}")
        walls = [r["wall_s"] for r in mine]
        first_wrong = [r for r in mine if r.get("first_reply") != "right"]
        total = (f"all: {sum(r['success'] for r in mine)}/{len(mine)} done, mean wall {statistics.mean(walls):.1f}s, "
                 f"median {statistics.median(walls):.1f}s, worst {max(walls):.1f}s; first reply not right in "
                 f"{len(first_wrong)}/{len(mine)}, of those done {sum(r['success'] for r in first_wrong)}")
        lines.append(("\n" if markdown else "  ") + total)
    return "\n".join(lines)


class StepJudge:
    """Judges the task's picture after every executed step (an event handler of the loop), so a
    run tells whether its first reply was already right; its own time is kept apart from the run's."""

    def __init__(self, task: dict, workdir: Path) -> None:
        self.task, self.workdir = task, workdir
        self.verdicts: dict[int, tuple[bool, str]] = {}
        self.seconds = 0.0

    def __call__(self, event) -> None:
        if isinstance(event, CodeExecuted) and self.task.get("check"):
            t0 = time.perf_counter()
            self.verdicts[event.step] = tuple(check_pictures(self.task, self.workdir))
            self.seconds += time.perf_counter() - t0


def decided_by(result, ok: bool) -> str:
    """What ended the run, in a few words: the first reply; or the step that finished it and how its
    reply came (a repair or a fresh best-of-k candidate, a plain retry) and what the loop had told
    the model before it (a silent-mistake hint, an error hint, a picture problem, a self-check)."""
    steps = result.steps
    if not steps:
        return "no step"
    if not result.success:
        return f"not done ({result.stop_reason})"
    last = steps[-1] if steps[-1].code or len(steps) == 1 else steps[-2]
    if last.index == 1 and not any(s.self_check_asked for s in steps):
        return "first reply" if ok else "first reply (judged wrong)"
    before = [s for s in steps if s.index < last.index]
    told = ("silent-mistake hint" if any(s.pitfalls for s in before)
            else "self-check" if any(s.self_check_asked for s in before)
            else "error hint" if any(s.observation and "\nHint: " in s.observation for s in before)
            else "picture problem" if any(s.observation and "Problem with the picture" in s.observation for s in before)
            else "error")
    how = "retry"
    if last.candidates and last.chosen_candidate is not None:
        how = f"{last.candidates[last.chosen_candidate]['kind']} candidate"
    return f"{how} after {told}, step {last.index}" + ("" if ok else " (judged wrong)")


def run_task(model, cfg: AgentConfig, task: dict, out: Path) -> dict:
    workdir = out / "work"
    judge = StepJudge(task, workdir)
    with PythonSession(workdir=workdir) as session:
        agent = CodeAgent(model, session, cfg, transcript_path=out / "transcript.json", on_event=judge)
        result = agent.run(task["task"])
    ok, why = check(task, result, workdir)
    first = judge.verdicts.get(1)
    row = {"id": task["id"], "candidates": cfg.candidates, "seed": cfg.seed, "success": ok, "why": why,
           "stop_reason": result.stop_reason, "steps": len(result.steps),
           "wall_s": round(result.wall_s - judge.seconds, 2),
           "model_s": round(sum(s.model_s for s in result.steps), 2),
           "exec_s": round(sum(s.exec_s + s.check_s for s in result.steps), 2),
           "completion_tokens": result.completion_tokens, "prompt_tokens": result.prompt_tokens,
           "first_reply": ("right" if first[0] else "wrong") if first else (
               "right" if ok and len(result.steps) == 1 else "failed"),
           "step_verdicts": {str(i): v[1] for i, v in judge.verdicts.items()},
           "pitfall_steps": [s.index for s in result.steps if s.pitfalls],
           "decided_by": decided_by(result, ok), "files": result.files}
    print(f"k={cfg.candidates} seed={cfg.seed} {task['id']:<22} {'OK ' if ok else 'FAIL'} steps={row['steps']} "
          f"wall={row['wall_s']:.1f}s [{row['decided_by']}] ({why})", flush=True)
    return row


if __name__ == "__main__":
    main()
