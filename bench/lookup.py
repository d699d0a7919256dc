"""Prompt-lookup decoding on the llamacpp backend: faster or not, on this machine? (bench/README.md)

    python bench/lookup.py                                  # 1.5B, drafts of 0 (off), 4, 8 and 16 tokens
    python bench/lookup.py --model qwen2.5-coder-0.5b --drafts 0,8 --tokens 256
    python bench/lookup.py --data ../shared/data/gsm8k/test.jsonl   # adds a greedy GSM8K revision

Greedy replies, one sequence at a time (the only case lookup drafts for): a whole
program repaired, a whole program with names changed (replies that repeat their
context), the README's task as the agent's first reply (one that does not), and,
with --data, the sequential strategy's revision of a chain-of-thought answer. Each
case runs with every draft length from the same cached prompt (evaluated once
before the timing), so the wall is generation alone. Prints a table and JSON:
tokens/s, draft tokens fed and accepted, and whether the text is the same as
without drafts.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import prompts  # noqa: E402
from agent.config import DEFAULT_MODEL  # noqa: E402
from agent.models.bundles import BUNDLES, bundle_gguf  # noqa: E402
from agent.types import Message, Request, SamplingParams, assistant, user  # noqa: E402


def _cases(model, data: str | None, tokens: int) -> dict[str, list[Message]]:
    texts = prompts.get("bench", "lookup")
    cases = {"repair": [user(texts["repair"])], "rename": [user(texts["rename"])],
             "fresh (agent's first reply)": [Message("system", prompts.render("agent", "system")),
                                             user(prompts.render("agent", "task", task=texts["fresh"], lessons=[]))]}
    if data:
        with open(data, encoding="utf-8") as f:
            question = json.loads(f.readline())["question"]
        fmt = prompts.get("reasoning", "answer_format.number")
        first = [user(prompts.render("reasoning", "cot.user", question=question, answer_format=fmt,
                                     trigger=prompts.get("reasoning", "cot.trigger")))]
        reply = model.generate([Request(first, SamplingParams(max_tokens=tokens))])[0][0].text
        cases["revise (sequential, GSM8K)"] = first + [assistant(reply),
                                                       user(prompts.render("scaling", "revise.math", answer_format=fmt))]
    return cases


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=DEFAULT_MODEL, choices=list(BUNDLES))
    ap.add_argument("--drafts", default="0,4,8,16", help="draft lengths to time (0 = off)")
    ap.add_argument("--tokens", type=int, default=512, help="max generated tokens per reply")
    ap.add_argument("--data", help="GSM8K jsonl: add the revision case (its first question)")
    args = ap.parse_args()
    drafts = [int(d) for d in args.drafts.split(",")]
    from agent.models.llamacpp import LlamaCppModel

    model = LlamaCppModel(str(bundle_gguf(BUNDLES[args.model])))
    params = SamplingParams(max_tokens=args.tokens)
    rows = []
    for name, messages in _cases(model, args.data, args.tokens).items():
        base = None
        for draft in drafts:
            model.decoder.clear()
            model.decoder.lookup = 0
            model.generate([Request(messages, SamplingParams(max_tokens=1))])  # the prompt, cached
            model.decoder.lookup = draft
            stats = model.decoder.stats
            before = (stats.drafted, stats.accepted)
            t0 = time.perf_counter()
            done = model.generate([Request(messages, params)])[0][0]
            wall = time.perf_counter() - t0
            base = done.text if base is None else base
            row = {"case": name, "draft": draft, "tokens": done.completion_tokens, "wall_s": round(wall, 2),
                   "tok_s": round(done.completion_tokens / wall, 2), "drafted": stats.drafted - before[0],
                   "accepted": stats.accepted - before[1], "same_text": done.text == base}
            rows.append(row)
            print(f"{name:28s} draft {draft:2d}: {row['tokens']:4d} tokens {wall:6.1f} s {row['tok_s']:6.2f} tok/s "
                  f"drafted {row['drafted']:4d} accepted {row['accepted']:4d} same {row['same_text']}", flush=True)
    model.close()
    print(json.dumps({"model": args.model, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
