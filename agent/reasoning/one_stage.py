"""The one-stage methods: their prompts (prompts/reasoning.yaml), one completion each.

- direct: the question and an instruction to give only the answer;
- cot: "Let's think step by step." and where to put the final answer;
- fewshot: k worked examples as user/assistant turns, then the question in the cot format.
"""

from __future__ import annotations

import prompts
from agent.errors import UsageError
from agent.reasoning.solution import finish_one_stage
from agent.reasoning.types import Method
from agent.types import Message


def answer_format(kind: str) -> str:
    """How a prompt asks for the final answer of `kind` (one home: prompts/reasoning.yaml)."""
    return prompts.render("reasoning", f"answer_format.{kind}")


def direct_prompt(question: str, kind: str, shots: int | None = None) -> list[Message]:
    instruction = prompts.render("reasoning", f"direct.instruction.{kind}")
    return [Message("user", prompts.render("reasoning", "direct.user", question=question, instruction=instruction))]


def cot_prompt(question: str, kind: str, shots: int | None = None) -> list[Message]:
    return [Message("user", prompts.render("reasoning", "cot.user", question=question,
                                           trigger=prompts.get("reasoning", "cot.trigger"),
                                           answer_format=answer_format(kind)))]


def fewshot_prompt(question: str, kind: str, shots: int | None = None) -> list[Message]:
    """`shots` worked examples (default fewshot.k of prompts/reasoning.yaml), then the question."""
    k = prompts.get("reasoning", "fewshot.k") if shots is None else shots
    examples = prompts.get("reasoning", f"fewshot.examples.{kind}")
    if not 0 <= k <= len(examples):
        raise UsageError(f"fewshot: shots must be between 0 and {len(examples)}, got {k}")
    trigger = prompts.get("reasoning", "fewshot.trigger")

    def ask(q: str) -> Message:
        return Message("user", prompts.render("reasoning", "fewshot.user", question=q, trigger=trigger,
                                              answer_format=answer_format(kind)))

    messages: list[Message] = []
    for ex in examples[:k]:
        messages += [ask(ex["question"].strip()), Message("assistant", ex["answer"].strip())]
    return messages + [ask(question)]


DIRECT = Method("direct", direct_prompt, finish_one_stage)
COT = Method("cot", cot_prompt, finish_one_stage)
FEWSHOT = Method("fewshot", fewshot_prompt, finish_one_stage)
