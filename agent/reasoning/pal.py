"""pal: program-aided reasoning (Gao et al. 2022, PAL; Chen et al. 2022, program of thoughts).

The model writes a short Python program that prints the answer; the sandbox runs it
(tools.sandbox.run with PROGRAM_LIMITS: a few seconds, modest memory, no network) and the
answer is the last non-empty line it printed, normalised for the kind. A reply without a
program, a program that fails, times out or prints nothing gives no answer (None), never a
guess. The program, its output and how it ended are kept in Solution.program;
Solution.text is the reply followed by what the program printed (prompts/reasoning.yaml
pal.result). The program is the last python (or unlabelled) block of the one code-fence
parser (agent.answers.fenced_blocks).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import prompts
from agent.answers import fenced_blocks, run_pipeline
from agent.answers.code import PYTHON_LANGS
from agent.answers.numbers import normalize_number, number_tokens
from agent.answers.pyexpr import python_to_latex
from agent.reasoning.solution import mean_logprob, stage_record
from agent.reasoning.types import Method, Solution, Started
from agent.types import Completion, Message, Model, SamplingParams
from tools.sandbox import run
from tools.types import Limits

PROGRAM_LIMITS = Limits(timeout_s=5.0, memory_mb=512, processes=16, output_bytes=16_000, network=False)
"""How a PAL program runs: 5 s wall clock, 512 MiB, no network."""
RUN_WORKERS = 2
"""Programs run at once (each in its own sandbox)."""
OUTPUT_SHOWN = 2000
"""Characters of stdout/stderr kept in the text and the revision feedback (the record keeps them all)."""


def pal_format(kind: str) -> str:
    """How a PAL prompt asks for the answer of `kind` (prompts/reasoning.yaml pal.answer_format)."""
    return prompts.render("reasoning", f"pal.answer_format.{kind}")


def pal_prompt(question: str, kind: str, shots: int | None = None) -> list[Message]:
    """One worked example (a user/assistant turn) unless shots == 0, then the question."""
    def ask(q: str) -> Message:
        return Message("user", prompts.render("reasoning", "pal.user", question=q, answer_format=pal_format(kind)))

    example = prompts.get("reasoning", f"pal.example.{kind}")
    shown = [] if shots == 0 else [ask(example["question"].strip()), Message("assistant", example["answer"].strip())]
    return shown + [ask(question)]


def program_of(reply: str) -> str | None:
    """The program of a reply: its last python (or unlabelled) fenced block; None when it has none."""
    blocks = [f.body for f in fenced_blocks(reply) if f.lang in PYTHON_LANGS or f.lang == ""]
    return blocks[-1] if blocks and blocks[-1].strip() else None


def output_answer(stdout: str, kind: str) -> str | None:
    """The answer in a program's output: its last non-empty line, normalised for `kind`
    (number: one number; math: a LaTeX expression, a printed Python/sympy one rewritten as
    LaTeX (agent/answers/pyexpr.py); choice: a letter A-E); None when unreadable."""
    line = next((ln.strip() for ln in reversed(stdout.splitlines()) if ln.strip()), "")
    if not line:
        return None
    if kind == "number":
        numbers = number_tokens(line)
        return normalize_number(line) or (normalize_number(numbers[0]) if len(numbers) == 1 else None)
    if kind == "choice":
        return run_pipeline("choice", line, kind)
    line = line.strip("$ ")
    return run_pipeline("boxed", f"\\boxed{{{python_to_latex(line) or line}}}", kind)


def run_program(program: str | None, kind: str, limits: Limits = PROGRAM_LIMITS) -> tuple[str | None, dict]:
    """(answer, record) of one program. record["status"]: ok, no_program, timeout, memory,
    error (a non-zero exit), no_output (printed nothing), unreadable (the last line is no answer)."""
    if program is None:
        return None, {"program": None, "status": "no_program", "stdout": "", "stderr": "", "returncode": None}
    r = run(program, limits)
    record = {"program": program, "stdout": r.stdout, "stderr": r.stderr, "returncode": r.returncode,
              "timed_out": r.timed_out, "memory_exceeded": r.memory_exceeded, "duration_s": round(r.duration_s, 3)}
    answer = output_answer(r.stdout, kind) if r.ok else None
    if r.timed_out:
        status = "timeout"
    elif r.memory_exceeded:
        status = "memory"
    elif r.returncode != 0:
        status = "error"
    elif not r.stdout.strip():
        status = "no_output"
    else:
        status = "ok" if answer is not None else "unreadable"
    return answer, {**record, "status": status}


def tail(text: str, limit: int = OUTPUT_SHOWN) -> str:
    text = text.strip()
    return text if len(text) <= limit else "..." + text[-limit:]


def run_report(record: dict, limits: Limits = PROGRAM_LIMITS) -> str:
    """What the program did, in words (prompts/reasoning.yaml pal.result): shown after the reply
    and to a revision with execution feedback."""
    return prompts.render("reasoning", "pal.result", status=record["status"], stdout=tail(record["stdout"]),
                          stderr=tail(record["stderr"]), timeout_s=f"{limits.timeout_s:g}")


def pal_solution(started: Started, completion: Completion, answer: str | None, record: dict) -> Solution:
    reply = completion.text.strip()
    text = f"{reply}\n\n{run_report(record)}"
    return Solution(started.question, started.method, started.kind, text, answer, {},
                    [stage_record(started.messages, "", completion)], completion.prompt_tokens,
                    completion.completion_tokens, mean_logprob([completion]),
                    program={**record, "reply": reply})


def finish_pal(model: Model, started: list[Started], params: SamplingParams) -> list[list[Solution]]:
    """Run every completion's program in the sandbox (RUN_WORKERS at once); no further model call."""
    items = [(s, c) for s in started for c in s.completions]
    with ThreadPoolExecutor(max_workers=RUN_WORKERS) as pool:
        runs = list(pool.map(lambda sc: run_program(program_of(sc[1].text), sc[0].kind), items))
    done = iter(pal_solution(s, c, answer, record) for (s, c), (answer, record) in zip(items, runs, strict=True))
    return [[next(done) for _ in s.completions] for s in started]


PAL = Method("pal", pal_prompt, finish_pal)
