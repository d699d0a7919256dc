"""Reading answers out of model text, pure functions: extraction pipelines per answer kind
(extract), numbers (numbers), LaTeX (latex), voting and comparison keys (keys), and code:
the one parser of fenced blocks and the program a completion stands for (code)."""

from agent.answers.code import extract_code, fenced_blocks
from agent.answers.extract import KINDS, extract_all, extract_answer, run_pipeline
from agent.answers.keys import answer_key, canonical_answer, gold_text

__all__ = ["KINDS", "answer_key", "canonical_answer", "extract_all", "extract_answer", "extract_code",
           "fenced_blocks", "gold_text", "run_pipeline"]
