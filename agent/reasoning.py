"""Chain-of-thought methods for a question: direct, cot, cot2, fewshot.

- direct: the question and an instruction to give only the answer.
- cot: one stage, "Let's think step by step." and where to put the final answer.
- cot2: zero-shot-CoT in two stages (Kojima et al. 2022). Stage 1 writes the
  rationale after "Let's think step by step."; stage 2 continues the assistant
  reply (Request.prefill = rationale + "\\n" + answer trigger of the kind) and
  generates a short greedy answer. The answer is the first answer after the
  trigger, else the rationale's.
- fewshot: k worked examples as user/assistant turns, then the question.

All prompt text is in prompts/reasoning.yaml, per answer kind: "number"
(arabic numerals), "math" (LaTeX expression), "choice" (letter A-E).
Generation is batched across questions: one generate call for stage 1 and,
for cot2, one for every stage 2. Answers are read by agent/answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import prompts
from agent.answers import extract_all, extract_answer
from agent.errors import UsageError
from agent.types import Completion, Message, Model, Request, SamplingParams

METHODS = ("direct", "cot", "cot2", "fewshot")
KINDS = ("number", "math", "choice")


@dataclass
class Solution:
    question: str
    method: str
    kind: str
    text: str
    """The full response; for cot2 the rationale, the answer trigger and the stage-2 answer."""
    answer: str | None
    """The extracted answer (None when nothing could be extracted)."""
    pipelines: dict[str, str | None] = field(default_factory=dict)
    """Extraction pipeline name -> value, on `text` (agent.answers.extract_all)."""
    stages: list[dict] = field(default_factory=list)
    """One per stage: {"messages": [role/content dicts], "prefill": str, "completion": Completion dict}."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    mean_logprob: float | None = None

    @property
    def rationale(self) -> str:
        """The stage-1 completion (the whole response for one-stage methods)."""
        return self.stages[0]["completion"]["text"] if self.stages else self.text

    def to_dict(self) -> dict:
        return {"question": self.question, "method": self.method, "kind": self.kind, "text": self.text,
                "answer": self.answer, "pipelines": dict(self.pipelines), "stages": list(self.stages),
                "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
                "mean_logprob": self.mean_logprob}


# ---------------------------------------------------------------------- prompts
def check_method(method: str, kind: str) -> None:
    if method not in METHODS:
        raise UsageError(f"unknown method '{method}' (choose from {', '.join(METHODS)})")
    if kind not in KINDS:
        raise UsageError(f"unknown answer kind '{kind}' (choose from {', '.join(KINDS)})")


def build_messages(question: str, method: str = "cot", kind: str = "number", system: str | None = None,
                   *, shots: int | None = None) -> list[Message]:
    """The stage-1 (or only) prompt of `method` for `question`. `shots`: fewshot
    examples (default fewshot.k of prompts/reasoning.yaml)."""
    check_method(method, kind)
    messages = [Message("system", system)] if system else []
    if method == "direct":
        instruction = prompts.render("reasoning", f"direct.instruction.{kind}")
        return messages + [Message("user", prompts.render("reasoning", "direct.user", question=question,
                                                          instruction=instruction))]
    if method == "cot2":
        return messages + [Message("user", prompts.render("reasoning", "cot2.user", question=question,
                                                          trigger=prompts.get("reasoning", "cot2.trigger")))]
    answer_format = prompts.render("reasoning", f"answer_format.{kind}")
    if method == "cot":
        return messages + [Message("user", prompts.render("reasoning", "cot.user", question=question,
                                                          trigger=prompts.get("reasoning", "cot.trigger"),
                                                          answer_format=answer_format))]
    k = prompts.get("reasoning", "fewshot.k") if shots is None else shots
    examples = prompts.get("reasoning", f"fewshot.examples.{kind}")
    if not 0 <= k <= len(examples):
        raise UsageError(f"fewshot: shots must be between 0 and {len(examples)}, got {k}")
    trigger = prompts.get("reasoning", "fewshot.trigger")

    def ask(q: str) -> Message:
        return Message("user", prompts.render("reasoning", "fewshot.user", question=q, trigger=trigger,
                                              answer_format=answer_format))

    for ex in examples[:k]:
        messages += [ask(ex["question"].strip()), Message("assistant", ex["answer"].strip())]
    return messages + [ask(question)]


def answer_trigger(kind: str) -> str:
    """The cot2 stage-2 answer trigger of `kind`, e.g. "Therefore, the answer (arabic numerals) is"."""
    check_method("cot2", kind)
    return prompts.get("reasoning", f"cot2.answer_trigger.{kind}").strip()


def stage2_prefill(rationale: str, kind: str) -> str:
    """The start of the stage-2 assistant reply: the rationale, a newline, the answer trigger."""
    return f"{rationale.rstrip()}\n{answer_trigger(kind)}"


# ---------------------------------------------------------------------- answers
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")
_LETTER = re.compile(r"\(?\b([A-E])\b\)?")
_BOXED = re.compile(r"\\boxed\s*\{")


def continue_trigger(trigger: str, text: str) -> str:
    """The stage-2 continuation, with the trigger's open \\boxed{ (or $\\boxed{) if it ends in one."""
    opened = re.search(r"\$?\\boxed\s*\{$", trigger.rstrip())
    return (opened.group(0) if opened else "") + (text.lstrip() if opened else text)


def stage2_line(text: str) -> str:
    """The first line of a stage-2 continuation, keeping one leading space if it had one."""
    line = first_line(text)
    return (" " if line and text[:1].isspace() else "") + line


def first_line(text: str) -> str:
    """The first non-empty line of `text`, stripped."""
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "")


def _boxed_content(text: str) -> str | None:
    m = _BOXED.search(text)
    if not m:
        return None
    depth, start = 1, m.end()
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[start:i].strip()
    return None


def stage2_answer(text: str, kind: str, trigger: str = "") -> str | None:
    """The answer in the stage-2 continuation `text` of the answer `trigger`: the
    first number (number), the first letter A-E (choice), the boxed or first-line
    expression (math). A trigger ending in an open \\boxed{ is closed by `text`."""
    line = first_line(continue_trigger(trigger, text))
    if kind == "number":
        boxed = _boxed_content(line)
        m = _NUMBER.search(boxed if boxed is not None else line)
        if not m:
            return None
        value = m.group(0).replace(",", "")
        return extract_answer(value, "number") or value
    if kind == "choice":
        m = _LETTER.search(line)
        return m.group(1) if m else None
    boxed = _boxed_content(line)
    if boxed is not None:
        return boxed or None
    expr = line.strip().rstrip(".").strip()
    expr = expr[1:-1].strip() if len(expr) > 1 and expr[0] == expr[-1] == "$" else expr.strip("$ ")
    return expr or None


def _mean_logprob(completions: list[Completion]) -> float | None:
    if not completions or any(not c.logprobs for c in completions):
        return None
    lps = [lp for c in completions for lp in c.logprobs or []]
    return sum(lps) / len(lps)


def _stage(messages: list[Message], prefill: str, completion: Completion) -> dict:
    return {"messages": [m.to_dict() for m in messages], "prefill": prefill, "completion": completion.to_dict()}


def one_stage_solution(question: str, method: str, kind: str, messages: list[Message],
                       completion: Completion) -> Solution:
    """A direct / cot / fewshot solution from its completion."""
    text = completion.text.strip()
    return Solution(question, method, kind, text, extract_answer(text, kind), extract_all(text, kind),
                    [_stage(messages, "", completion)], completion.prompt_tokens, completion.completion_tokens,
                    _mean_logprob([completion]))


def two_stage_solution(question: str, kind: str, messages: list[Message], rationale: Completion,
                       prefill: str, answer: Completion) -> Solution:
    """A cot2 solution: the answer after the trigger first, else the rationale's."""
    text = prefill + stage2_line(answer.text)
    extracted = stage2_answer(answer.text, kind, answer_trigger(kind)) or extract_answer(rationale.text, kind)
    stages = [_stage(messages, "", rationale), _stage(messages, prefill, answer)]
    return Solution(question, "cot2", kind, text, extracted, extract_all(text, kind), stages,
                    rationale.prompt_tokens + answer.prompt_tokens,
                    rationale.completion_tokens + answer.completion_tokens,
                    _mean_logprob([rationale, answer]))


# ---------------------------------------------------------------------- solving
def stage2_request(messages: list[Message], rationale: str, kind: str, params: SamplingParams) -> Request:
    """The cot2 stage-2 request for one rationale: greedy, short, one sample."""
    max_tokens = int(prompts.get("reasoning", "cot2.stage2_max_tokens"))
    p = SamplingParams(n=1, temperature=0.0, max_tokens=max_tokens, seed=params.seed, logprobs=params.logprobs)
    return Request(messages, p, prefill=stage2_prefill(rationale, kind))


def finish_batch(model: Model, questions: list[str], method: str, kinds: list[str],
                 prompts_: list[list[Message]], first: list[list[Completion]],
                 params: SamplingParams) -> list[list[Solution]]:
    """Solutions from the stage-1 completions (for cot2: one batched stage-2 call)."""
    if method != "cot2":
        return [[one_stage_solution(q, method, k, msgs, c) for c in comps]
                for q, k, msgs, comps in zip(questions, kinds, prompts_, first, strict=True)]
    requests = [stage2_request(msgs, c.text, k, params)
                for msgs, k, comps in zip(prompts_, kinds, first, strict=True) for c in comps]
    answers = iter(model.generate(requests) if requests else [])
    reqs = iter(requests)
    out = []
    for q, k, msgs, comps in zip(questions, kinds, prompts_, first, strict=True):
        sols = []
        for c in comps:
            req, ans = next(reqs), next(answers)
            sols.append(two_stage_solution(q, k, msgs, c, req.prefill, ans[0]))
        out.append(sols)
    return out


def solve_batch(model: Model, questions: list[str], method: str = "cot", kind: str | list[str] = "number",
                params: SamplingParams | None = None, *, system: str | None = None,
                shots: int | None = None) -> list[list[Solution]]:
    """params.n solutions per question, batched: one generate call with every
    question for stage 1, then (cot2) one call with every stage-2 prompt."""
    params = params or SamplingParams()
    kinds = [kind] * len(questions) if isinstance(kind, str) else list(kind)
    if len(kinds) != len(questions):
        raise UsageError(f"solve_batch: {len(questions)} questions but {len(kinds)} kinds")
    for k in kinds:
        check_method(method, k)
    if not questions:
        return []
    prompts_ = [build_messages(q, method, k, system, shots=shots) for q, k in zip(questions, kinds, strict=True)]
    first = model.generate([Request(msgs, params) for msgs in prompts_])
    return finish_batch(model, questions, method, kinds, prompts_, first, params)


def solve(model: Model, question: str, method: str = "cot", kind: str = "number",
          params: SamplingParams | None = None, *, system: str | None = None,
          shots: int | None = None) -> list[Solution]:
    """params.n solutions of one question."""
    return solve_batch(model, [question], method, kind, params, system=system, shots=shots)[0]
