"""Reasoning methods for a question: direct, cot, cot2 (two stages), fewshot.

    from agent import reasoning
    [solution] = reasoning.solve(model, "What is 7*8?", "cot2", "number")

The registry is `METHODS` (agent/reasoning/methods.py); each method is a `Method`
(its prompt and its finish) in its own module: one_stage.py (direct, cot, fewshot),
cot2.py. Answers are read by agent/answers.
"""

from agent.answers import KINDS
from agent.reasoning.cot2 import answer_trigger, stage2_answer, stage2_line, stage2_prefill
from agent.reasoning.methods import METHODS, build_messages, check_method, finish_batch, solve, solve_batch
from agent.reasoning.one_stage import answer_format
from agent.reasoning.solution import answer_solution, code_solution
from agent.reasoning.types import Method, Solution, Started

__all__ = ["KINDS", "METHODS", "Method", "Solution", "Started", "answer_format", "answer_solution",
           "answer_trigger", "build_messages", "check_method", "code_solution", "finish_batch", "solve",
           "solve_batch", "stage2_answer", "stage2_line", "stage2_prefill"]
