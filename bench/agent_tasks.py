"""Success rate of the code-acting agent (the loop behind `playground run`) on the
small code tasks of bench/agent_tasks.yaml: mean steps and wall time.
The model is loaded once; each task gets a fresh session and work dir.

    python bench/agent_tasks.py --out bench-out/agent-tasks [--max-steps 10] [--max-tokens 1024]
        [--candidates 4 | 1,4] [--backend transformers|vllm --model ID|PATH]
        [--suite tracked|ten|mandelbrot|pictures|all] [--only mandelbrot,primes]

`--suite` picks the tasks (the yaml's `suites`); the default, `tracked`, is the count the
project follows: the ten tasks plus five other phrasings of the Mandelbrot task. `--only`
picks tasks by id from all of them. A picture task is done when its picture shows what
was asked (bench/picture_checks/: the Mandelbrot set itself, the asked-for curve, ...),
not when some PNG exists; the reason is reported either way.

The defaults are `playground run`'s (10 steps, 1024 tokens per reply, best-of-4 after a
failure, 60 s per code block), so the count is the main job's. `--candidates 1,4` runs every task once per setting (1 = one reply per step; k > 1 =
best-of-k after a failure, agent/codeact/candidates.py) with the same model, so the two
are compared in one run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import yaml
from picture_checks import check_pictures  # bench/ is this script's folder, on sys.path

from agent.codeact.loop import CodeAgent
from agent.codeact.transcript import write_json_atomic
from agent.codeact.types import AgentConfig
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
        return check_pictures(task, workdir)
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
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="bench-out/agent-tasks")
    defaults = AgentConfig()
    ap.add_argument("--max-steps", type=int, default=defaults.max_steps)
    ap.add_argument("--max-tokens", type=int, default=defaults.max_tokens_per_step, help="per reply")
    ap.add_argument("--candidates", default="4",
                    help="comma-separated best-of-k settings to compare (default 4, as playground run)")
    ap.add_argument("--backend", default="auto")
    ap.add_argument("--max-model-len", type=int, default=None, help="vllm: context length (memory)")
    ap.add_argument("--model", default=None)
    ap.add_argument("--suite", default="tracked",
                    help="tasks to run: a suite of agent_tasks.yaml (tracked = the ten tasks plus five "
                         "Mandelbrot phrasings; ten; mandelbrot; pictures) or all")
    ap.add_argument("--only", default="", help="comma-separated task ids (of all tasks; overrides --suite)")
    args = ap.parse_args()
    tasks = load_tasks(args.suite, args.only)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    extra = {"model": args.model} if args.model else {}
    if args.max_model_len:
        extra["max_model_len"] = args.max_model_len
    mcfg = ModelConfig(backend=args.backend, **extra)
    t_load = time.perf_counter()
    model = load_model(mcfg)
    print(f"model {model.name} ({model.backend}) loaded in {time.perf_counter() - t_load:.1f}s", flush=True)
    settings = [int(k) for k in args.candidates.split(",")]
    rows = []
    for k in settings:
        cfg = AgentConfig(max_steps=args.max_steps, max_tokens_per_step=args.max_tokens, cell_timeout_s=60,
                          candidates=k)
        for task in tasks:
            rows.append(run_task(model, cfg, task, out / f"k{k}" / task["id"]))
            write_json_atomic(out / "results.json", {"model": model.name, "backend": model.backend,
                                                     "max_steps": args.max_steps, "suite": args.only or args.suite,
                                                     "tasks": rows})
    model.close()
    for k in settings:
        mine = [r for r in rows if r["candidates"] == k]
        n = len(mine)
        print(f"candidates={k}: success {sum(r['success'] for r in mine)}/{n}, "
              f"mean steps {statistics.mean(r['steps'] for r in mine):.2f}, "
              f"mean wall {statistics.mean(r['wall_s'] for r in mine):.1f}s, "
              f"mean completion tokens {statistics.mean(r['completion_tokens'] for r in mine):.0f}, "
              f"total {sum(r['wall_s'] for r in mine):.0f}s")
    print(json.dumps(rows, indent=1))


def run_task(model, cfg: AgentConfig, task: dict, out: Path) -> dict:
    workdir = out / "work"
    with PythonSession(workdir=workdir) as session:
        agent = CodeAgent(model, session, cfg, transcript_path=out / "transcript.json")
        result = agent.run(task["task"])
    ok, why = check(task, result, workdir)
    row = {"id": task["id"], "candidates": cfg.candidates, "success": ok, "why": why,
           "stop_reason": result.stop_reason, "steps": len(result.steps), "wall_s": round(result.wall_s, 2),
           "model_s": round(sum(s.model_s for s in result.steps), 2),
           "exec_s": round(sum(s.exec_s + s.check_s for s in result.steps), 2),
           "completion_tokens": result.completion_tokens, "prompt_tokens": result.prompt_tokens,
           "files": result.files}
    print(f"k={cfg.candidates} {task['id']:<22} {'OK ' if ok else 'FAIL'} steps={row['steps']} "
          f"wall={row['wall_s']:.1f}s ({why})", flush=True)
    return row


if __name__ == "__main__":
    main()
