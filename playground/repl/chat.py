"""The chat REPL (`playground chat`): line editing and history across sessions
(prompt_toolkit), replies streamed as markdown (rich), code the model writes run
in a persistent sandboxed session when tool mode is on. Ctrl-C stops the
current generation and stays; Ctrl-D exits. Slash commands: playground/repl/commands.py."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory, InMemoryHistory
from rich.console import Console
from rich.markdown import Markdown
from rich.text import Text

import prompts
from agent import reasoning
from agent.codeact.code_blocks import parse_reply
from agent.codeact.observation import render_observation
from agent.config import PlaygroundConfig
from agent.context import count_completion_tokens, fit_to_context
from agent.scaling import solve_with_strategy
from agent.scaling.strategies import PARALLEL
from agent.streams import relay
from agent.types import Message, Model, Usage, known_sum
from playground.display import MarkdownStream, print_exec_result
from playground.repl.commands import ChatSettings, run_command
from tools.session import PythonSession


def default_history_path() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "llm-playground" / "chat_history"


class ChatRepl:
    def __init__(self, model: Model, config: PlaygroundConfig, *, console: Console | None = None,
                 prompt_session: PromptSession | None = None, history_path: Path | None = None,
                 workdir: Path | None = None, session_factory: Callable[[Path], PythonSession] | None = None,
                 model_loader: Callable[..., Model] | None = None, tools: bool = True) -> None:
        self.model = model
        self.config = config
        self.console = console or Console(highlight=False)
        if prompt_session is None:
            history = InMemoryHistory()
            if history_path is not None:
                history_path.parent.mkdir(parents=True, exist_ok=True)
                history = FileHistory(str(history_path))
            prompt_session = PromptSession(history=history)
        self.prompt_session = prompt_session
        self.workdir = (workdir or Path("playground-chat")).resolve()
        self.session_factory = session_factory
        self.model_loader = model_loader
        self.settings = ChatSettings(system_prompt=self.default_system_prompt(tools), tools=tools)
        self.messages: list[Message] = []
        self.usage = Usage()
        self.model_calls = 0
        self._session: PythonSession | None = None

    # ------------------------------------------------------------------ top level
    def default_system_prompt(self, tools: bool) -> str:
        return prompts.render("chat", "system" if tools else "system_no_tools")

    def run(self) -> int:
        self.console.print(Text(f"playground chat with {self.model.name} ({self.model.backend}). "
                                "/help for commands, Ctrl-C stops a reply, Ctrl-D exits.", style="dim"))
        try:
            while True:
                try:
                    line = self.prompt_session.prompt("you> ")
                except KeyboardInterrupt:
                    continue
                except EOFError:
                    break
                if not self.handle(line):
                    break
        finally:
            self.close()
        return 0

    def handle(self, line: str) -> bool:
        """One line of input; False when the REPL should exit."""
        line = line.strip()
        if not line:
            return True
        if line.startswith("/"):
            return run_command(self, line)
        try:
            if self.settings.method != "chat" or self.settings.n > 1 or self.settings.strategy:
                self.answer_with_reasoning(line)
            else:
                self.converse(line)
        except KeyboardInterrupt:
            self.console.print(Text("[stopped]", style="yellow"))
        except Exception as e:  # one failed turn must not end the session; say what failed, in one line
            self.console.print(Text(f"error: {type(e).__name__}: {e}", style="red"))
        return True

    def restart_session(self) -> None:
        """Start the Python session afresh (all state lost), if it was started."""
        if self._session is not None:
            self._session.restart()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    # ------------------------------------------------------------------ conversation
    def converse(self, text: str) -> None:
        turn_start = len(self.messages)
        self.messages.append(Message("user", text))
        for round_ in range(self.settings.max_tool_rounds + 1):
            reply, interrupted, cut = self._stream_reply()
            if interrupted:
                if reply.strip():
                    self.messages.append(Message("assistant", reply))
                else:  # nothing said: forget the unanswered turn
                    del self.messages[turn_start:]
                self.console.print(Text("[generation stopped]", style="yellow"))
                return
            if reply is None:
                del self.messages[turn_start:]
                return
            self.messages.append(Message("assistant", reply))
            if not self.settings.tools:
                return
            parsed = parse_reply(reply, finished_by_length=cut)
            if parsed.code is None:
                return
            if round_ == self.settings.max_tool_rounds:
                self.console.print(Text("(code not run: tool round limit for this message)", style="yellow"))
                return
            result = self.session.run(parsed.code, timeout_s=self.settings.cell_timeout_s)
            print_exec_result(self.console, result, self.workdir)
            obs, _ = render_observation(result, timeout_s=self.settings.cell_timeout_s, max_chars=4000,
                                        prompt=("chat", "observation"))
            self.messages.append(Message("user", obs))

    def _stream_reply(self) -> tuple[str | None, bool, bool]:
        """(reply text or None if nothing could be asked, interrupted?, cut at max_tokens?)"""
        full = [Message("system", self.settings.system_prompt), *self.messages]
        fitted = fit_to_context(self.model, full, self.config.sampling.max_tokens, keep_head=1)
        if fitted.dropped:
            self.messages = fitted.messages[1:]
            self.console.print(Text(f"(dropped the {fitted.dropped} oldest messages to fit the model's context "
                                    f"of {self.model.context_length} tokens)", style="yellow"))
        if fitted.max_new_tokens < 1:
            self.console.print(Text("(this message is too long for the model's context; not sent)", style="red"))
            return None, False, False
        params = self.config.sampling.params(max_tokens=fitted.max_new_tokens)
        interrupted, done = False, None
        with MarkdownStream(self.console) as out:
            try:
                done = relay(self.model.stream(fitted.messages, params), out.add)
            except KeyboardInterrupt:
                interrupted = True
        self.model_calls += 1
        completion = count_completion_tokens(self.model, out.text)
        # an interrupted reply: its prompt was evaluated, by how much the backend did not get to say
        evaluated = done.prompt_tokens_evaluated if done is not None else None
        self.usage = self.usage + Usage(fitted.prompt_tokens, completion, evaluated)
        return out.text, interrupted, completion >= fitted.max_new_tokens

    @property
    def session(self) -> PythonSession:
        """The Python session, started on first use."""
        if self._session is None:
            self.workdir.mkdir(parents=True, exist_ok=True)
            factory = self.session_factory or (lambda workdir: PythonSession(workdir=workdir))
            self._session = factory(self.workdir)
        return self._session

    # ------------------------------------------------------------------ /method, /n, /strategy
    def answer_with_reasoning(self, question: str) -> None:
        s = self.settings
        params = self.config.sampling.params()
        method = "cot" if s.method == "chat" else s.method
        with self.console.status(f"thinking ({method}{f', {s.strategy} n={s.n}' if s.strategy else ''})..."):
            if s.strategy or s.n > 1:
                res = solve_with_strategy(self.model, question, s.strategy or PARALLEL, s.n, method, s.kind,
                                          params)
                attempts = res.attempts
                text = attempts[-1].text if attempts else ""
                answer = res.answer
                note = f"{len(attempts)} attempt(s), answers: {[a.answer for a in attempts]}"
            else:
                solutions = reasoning.solve(self.model, question, method, s.kind, params)
                attempts = solutions
                text = solutions[0].text if solutions else ""
                answer = solutions[0].answer if solutions else None
                note = ""
        self.model_calls += 1
        self.usage = self.usage + Usage(sum(a.prompt_tokens for a in attempts), sum(a.completion_tokens for a in attempts),
                                        known_sum(*(a.prompt_tokens_evaluated for a in attempts)))
        self.console.print(Markdown(text or "(no text)"))
        if note:
            self.console.print(Text(note, style="dim"))
        self.console.print(Text("answer: ", style="bold") + Text(str(answer) if answer is not None else "(none found)"))
        self.messages += [Message("user", question), Message("assistant", text)]
