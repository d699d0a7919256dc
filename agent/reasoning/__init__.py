"""Reasoning methods for a question: direct, cot, cot2 (two stages), fewshot, pal (a program run
in the sandbox).

    from agent import reasoning
    [solution] = reasoning.solve(model, "What is 7*8?", "cot2", "number")

The registry is `METHODS` (agent/reasoning/methods.py); each method is a `Method`
(its prompt and its finish) in its own module: one_stage.py (direct, cot, fewshot),
cot2.py, pal.py. Answers are read by agent/answers.
"""

from agent.answers import KINDS
from agent.reasoning.cot2 import answer_trigger, stage2_answer, stage2_line, stage2_prefill
from agent.reasoning.methods import METHODS, build_messages, check_method, finish_batch, solve, solve_batch
from agent.reasoning.one_stage import answer_format
from agent.reasoning.pal import PROGRAM_LIMITS, output_answer, pal_format, program_of, run_program, run_report
from agent.reasoning.solution import answer_solution, code_solution
from agent.reasoning.types import Method, Solution, Started

__all__ = ["KINDS", "METHODS", "PROGRAM_LIMITS", "Method", "Solution", "Started", "answer_format",
           "answer_solution", "output_answer", "pal_format", "program_of", "run_program", "run_report",
           "answer_trigger", "build_messages", "check_method", "code_solution", "finish_batch", "solve",
           "solve_batch", "stage2_answer", "stage2_line", "stage2_prefill"]
