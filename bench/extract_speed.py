"""Extraction + grading speed on numeric (GSM8K-style) responses.

    python bench/extract_speed.py [--n 20000] [--data gsm8k/test.jsonl]

Without --data the responses are synthetic chain-of-thought texts (seeded): a third
end in \\boxed{}, a third in "The answer is N.", a third with only a last number,
with thousands separators, currency, decimals and distractor numbers. With --data,
the GSM8K gold rationales are used with '####' rewritten as "The answer is".
Prints responses per second for grade_math (extract_answer + numeric compare).
"""

from __future__ import annotations

import argparse
import json
import random
import time


def synthetic(n: int, seed: int = 0) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        a, b, c = rng.randint(2, 900), rng.randint(2, 900), rng.randint(2, 30)
        total = (a + b) * c
        shown = f"${total:,}.00" if i % 4 == 0 else str(total)
        steps = (f"First, she has {a} apples and buys {b} more, so {a} + {b} = {a + b}. "
                 f"Each apple sells for ${c}, which is {c} dollars per apple. "
                 f"So the revenue is {a + b} * {c} = {total}. Checking: {total} / {c} = {a + b}. ")
        ending = (f"Therefore the total is \\boxed{{{shown}}}.", f"The answer is {shown}.",
                  f"She makes {shown} dollars in total")[i % 3]
        out.append((steps + ending, str(total if i % 7 else total + 1)))
    return out


def from_gsm8k(path: str) -> list[tuple[str, str]]:
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            solution = row["answer"]
            out.append((solution.replace("####", "The answer is"), solution.rsplit("####", 1)[1].strip()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="synthetic responses (ignored with --data)")
    parser.add_argument("--data", help="a GSM8K jsonl file: grade its gold rationales")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes; the best is reported")
    args = parser.parse_args()

    from evals.grading import grade_math

    pairs = from_gsm8k(args.data) if args.data else synthetic(args.n)
    grade_math(*pairs[0])  # warm-up (imports, regex compilation)
    best, correct = float("inf"), 0
    for _ in range(args.repeat):
        start = time.perf_counter()
        correct = sum(grade_math(text, target).correct for text, target in pairs)
        best = min(best, time.perf_counter() - start)
    chars = sum(len(t) for t, _ in pairs) / len(pairs)
    print(f"responses: {len(pairs)} (mean {chars:.0f} chars), correct: {correct}")
    print(f"extract+grade: {len(pairs) / best:,.0f} responses/s (best of {args.repeat}, {best * 1e3:.0f} ms per pass)")


if __name__ == "__main__":
    main()
