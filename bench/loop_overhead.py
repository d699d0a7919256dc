"""The agent loop's own overhead per step: everything but the model call and the
session call (parsing, prompts, context fitting, token counting, transcript
writing). Scripted model + real sandbox session. Goal: <= 50 ms per step.

    python bench/loop_overhead.py [--steps 20] [--tokenizer]   # --tokenizer: count tokens with the
                                                               # default model's real tokenizer
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from agent.codeact.loop import CodeAgent
from agent.codeact.types import AgentConfig
from agent.models.scripted import ScriptedModel
from tools.session import PythonSession

REPLY = ("I will compute a few values and print them.\n```python\n"
         "vals = [i * i for i in range(50)]\nprint(sum(vals))\nprint(vals[:10])\n```\n")


class TokenizerCounted(ScriptedModel):
    """Scripted replies, tokens counted by the real Qwen tokenizer and chat template (as the
    transformers backend does), so the overhead includes realistic token counting."""

    def __init__(self, script, tokenizer) -> None:
        super().__init__(script)
        self.tokenizer = tokenizer
        self.context_length = 32768

    def count_tokens(self, messages) -> int:
        ids = self.tokenizer.apply_chat_template([m.to_dict() for m in messages], add_generation_prompt=True,
                                                 tokenize=True)
        return len(ids["input_ids"] if isinstance(ids, dict) or hasattr(ids, "keys") else ids)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--tokenizer", action="store_true", help="count tokens with the default model's tokenizer")
    args = ap.parse_args()
    script = {"replies": [REPLY]}
    if args.tokenizer:
        from transformers import AutoTokenizer

        from agent.models.resolve import resolve_model

        model = TokenizerCounted(script, AutoTokenizer.from_pretrained(resolve_model(allow_hub=False).path))
    else:
        model = ScriptedModel(script)
    with tempfile.TemporaryDirectory() as tmp, PythonSession(workdir=Path(tmp) / "work") as session:
        agent = CodeAgent(model, session, AgentConfig(max_steps=args.steps), transcript_path=Path(tmp) / "t.json")
        t0 = time.perf_counter()
        result = agent.run("Compute squares")
        wall = time.perf_counter() - t0
    steps = result.steps
    overhead = [s.overhead_s * 1000 for s in steps]
    model_ms = [s.model_s * 1000 for s in steps]
    exec_ms = [s.exec_s * 1000 for s in steps]
    code_ms = [s.exec_result.duration_s * 1000 for s in steps if s.exec_result]
    print(f"steps: {len(steps)} (stop: {result.stop_reason}), wall {wall:.2f}s, "
          f"token counting: {'Qwen tokenizer' if args.tokenizer else 'scripted'}")
    print(f"loop overhead per step: mean {statistics.mean(overhead):.2f} ms, median {statistics.median(overhead):.2f} ms, "
          f"max {max(overhead):.2f} ms (goal <= 50 ms)")
    print(f"model call (scripted) per step: mean {statistics.mean(model_ms):.2f} ms")
    print(f"session.run per step: mean {statistics.mean(exec_ms):.2f} ms "
          f"(code itself {statistics.mean(code_ms):.2f} ms; the rest is the sandbox's IPC)")


if __name__ == "__main__":
    main()
