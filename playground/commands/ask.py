"""`playground ask "QUESTION"`: one question to the model.

Without --method the model's answer is streamed as in a chat. With --method
(direct, cot, cot2, fewshot) the reasoning is streamed, then "Answer: X" (the
extracted answer); cot2 streams stage 1 (the rationale), then prints the
stage-2 answer trigger and answer. --json prints one JSON object instead (both
stages, the answer, every extraction pipeline, token counts). --n N and
--strategy S run a test-time scaling strategy (agent/scaling/).
"""

from __future__ import annotations

import argparse
import json
import sys

from agent import reasoning
from agent.answers import KINDS
from agent.errors import UsageError
from agent.reasoning import METHODS
from agent.scaling import STRATEGIES, solve_with_strategy
from agent.scaling.strategies import PARALLEL
from agent.types import Completion, Message, known_sum
from playground.options import config_from_args, open_model, positive_int, strategy_sampling

HELP = "ask one question: stream the answer, or reason step by step (--method) and extract it"
DESCRIPTION = __doc__


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("question", help="the question (quote it)")
    parser.add_argument("--method", choices=list(METHODS),
                        help="reasoning method; without it the answer is streamed as in a chat "
                             "(default cot with --json or --strategy)")
    parser.add_argument("--kind", choices=KINDS, default="number",
                        help="answer kind: number (arabic numerals), math (LaTeX), choice (letter A-E)")
    parser.add_argument("--json", action="store_true", help="print one JSON object: stages, answer, tokens")
    parser.add_argument("--n", type=positive_int, default=1,
                        help="attempts for a test-time scaling strategy (n > 1 implies --strategy parallel)")
    parser.add_argument("--strategy", choices=list(STRATEGIES), help="test-time scaling strategy")
    parser.add_argument("--system", help="system prompt (default: the model's own)")


def check(args: argparse.Namespace) -> None:
    if not args.question.strip():
        raise UsageError("the question is empty")


def main(args: argparse.Namespace) -> int:
    cfg = config_from_args(args)
    strategy = args.strategy or (PARALLEL if args.n > 1 else None)
    method = args.method or ("cot" if args.json or strategy else None)
    if strategy:
        cfg = strategy_sampling(cfg, "ask")
    params = cfg.sampling.params()
    model = open_model(cfg.model)
    try:
        if strategy:
            return _ask_with_strategy(model, args, strategy, method, params)
        if method is None:
            return _chat(model, args.question, args.system, params)
        if args.json:
            [sol] = reasoning.solve(model, args.question, method, args.kind, params, system=args.system)
            _print_json({**sol.to_dict(), "model": model.name, "backend": model.backend})
            return 0
        return _ask_streaming(model, args.question, method, args.kind, args.system, params)
    finally:
        model.close()


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _print_json(data: dict) -> None:
    _write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _chat(model, question: str, system: str | None, params) -> int:
    messages = ([Message("system", system)] if system else []) + [Message("user", question)]
    for piece in model.stream(messages, params):
        _write(piece)
    _write("\n")
    return 0


def _ask_streaming(model, question: str, method: str, kind: str, system: str | None, params) -> int:
    """Stream stage 1, then finish the solution (its method's further stages) and print the answer."""
    messages = reasoning.build_messages(question, method, kind, system)
    pieces = []
    for piece in model.stream(messages, params):
        pieces.append(piece)
        _write(piece)
    _write("\n")
    # stream() gives no token counts; they are not shown here (--json has them)
    first = Completion("".join(pieces), "stop", model.count_tokens(messages), 0)
    [[sol]] = reasoning.finish_batch(model, [question], method, [kind], [messages], [[first]], params)
    rest = _added(sol)
    if rest:
        _write(rest + "\n")
    _write(f"Answer: {sol.answer if sol.answer is not None else '(none extracted)'}\n")
    return 0


def _added(sol) -> str:
    """What the method added to the streamed first stage (cot2: the trigger and answer; pal: the program's run)."""
    for head in (sol.rationale.rstrip(), sol.rationale.strip()):
        if head and sol.text.startswith(head):
            return sol.text[len(head):].strip("\n")
    return ""


def _ask_with_strategy(model, args: argparse.Namespace, strategy: str, method: str, params) -> int:
    res = solve_with_strategy(model, args.question, strategy, args.n, method, args.kind, params)
    if args.json:
        _print_json({"question": args.question, "method": method, "kind": args.kind,
                     "model": model.name, "backend": model.backend, **res.to_dict(),
                     "prompt_tokens": res.prompt_tokens, "completion_tokens": res.completion_tokens,
                     "prompt_tokens_evaluated": known_sum(*(a.prompt_tokens_evaluated for a in res.attempts))})
        return 0
    chosen = res.choice.chosen_attempt if res.choice else None
    shown = next((a for a in res.attempts if a.index == chosen), res.attempts[-1] if res.attempts else None)
    if shown is not None:
        _write(shown.text.rstrip() + "\n")
    _write(f"Answers of {len(res.attempts)} attempts ({strategy}): {[a.answer for a in res.attempts]}\n")
    _write(f"Answer: {res.answer if res.answer is not None else '(none extracted)'}\n")
    return 0
