"""Test harness (not a test): `playground eval` with a slow scripted model.

A ScriptedModel script cannot sleep, so this runs the real CLI with the model loader
returning a ScriptedModel whose rule sleeps per request (so a test can kill the
process mid-run) and answers "a + b" questions: right, except when a is a
multiple of 3 (wrong) or of 7 (no answer); a question with "boom" raises.

    python tests/evals/slow_eval_cli.py DELAY_S eval --task jsonl --data F --backend scripted ... --out DIR
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import playground.options  # noqa: E402
from agent.models.scripted import ScriptedModel  # noqa: E402
from playground.cli import main  # noqa: E402


def answer(question: str) -> str:
    if "boom" in question:
        raise RuntimeError("the model broke on this question")
    m = re.search(r"(\d+) \+ (\d+)", question)
    if not m:
        return "I cannot tell."
    a, b = int(m.group(1)), int(m.group(2))
    if a % 7 == 0:
        return "Hmm, hard to say."
    return f"{a} + {b} = {a + b + (a % 3 == 0)}. The answer is {a + b + (a % 3 == 0)}."


def slow_model(delay_s: float) -> ScriptedModel:
    def rule(request, index):
        time.sleep(delay_s)
        last = next(m.content for m in reversed(request.messages) if m.role == "user")
        return answer(last)

    return ScriptedModel(rule=rule, name="slow-scripted")


if __name__ == "__main__":
    delay = float(sys.argv[1])
    playground.options.load_model = lambda config: slow_model(delay)
    sys.argv = [sys.argv[0], *sys.argv[2:]]  # as `playground eval ...` sees it
    sys.exit(main(sys.argv[1:]))
