"""The code-acting agent: the model acts by writing Python, a sandboxed session runs it,
the output goes back, until the task is done (loop.py). Around the loop: reading replies
(code_blocks), best-of-k replies after a failure (candidates, continuation), what the
model sees (observation), what a cell achieved (outcome), the run record (transcript),
and the records and the `Session` protocol (types).

    with PythonSession(workdir) as session:
        result = CodeAgent(model, session, AgentConfig(max_steps=5)).run("Plot sin(x)")
"""

from agent.codeact.loop import CodeAgent
from agent.codeact.types import AgentConfig, AgentEvent, AgentResult, Session, StepRecord

__all__ = ["AgentConfig", "AgentEvent", "AgentResult", "CodeAgent", "Session", "StepRecord"]
