"""Slash commands of the chat REPL and the settings they change. Each command takes
(chat, argument text) and returns False to leave the REPL. Mistakes are reported in
one line, never raised. Commands act on a `Chat` (playground/repl/chat.py's ChatRepl)."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from rich.console import Console
from rich.table import Table
from rich.text import Text

from agent.answers import KINDS
from agent.codeact.transcript import now_iso, write_json_atomic
from agent.config import ModelConfig, PlaygroundConfig
from agent.errors import PlaygroundError
from agent.models import load_model
from agent.reasoning import METHODS as REASONING_METHODS
from agent.scaling import STRATEGIES
from agent.types import Message, Model, Usage, evaluated_share

METHODS = ("chat", *REASONING_METHODS)


@dataclass
class ChatSettings:
    system_prompt: str
    tools: bool = True
    """Run the code the model writes (and show the model its output)."""
    method: str = "chat"
    """'chat' = plain conversation; else a reasoning method of agent.reasoning.METHODS."""
    kind: str = "math"
    """Answer kind for /method questions: number, math, choice."""
    n: int = 1
    strategy: str | None = None
    max_tool_rounds: int = 3
    """Code runs per user message before the model must answer in words."""
    cell_timeout_s: float = 60.0


class Chat(Protocol):
    """What the slash commands act on."""

    console: Console
    model: Model
    config: PlaygroundConfig
    settings: ChatSettings
    messages: list[Message]
    usage: Usage
    model_calls: int
    workdir: Path
    model_loader: Callable[[ModelConfig], Model] | None

    def default_system_prompt(self, tools: bool) -> str: ...

    def restart_session(self) -> None: ...


Command = Callable[[Chat, str], bool]


def _say(repl: Chat, msg: str, style: str = "") -> bool:
    repl.console.print(Text(msg, style=style))
    return True


def cmd_help(repl: Chat, arg: str) -> bool:
    table = Table(show_header=False, box=None, pad_edge=False)
    for name, (_, usage, text) in COMMANDS.items():
        table.add_row(f"/{name} {usage}".rstrip(), text)
    repl.console.print(table)
    repl.console.print(Text("Ctrl-C stops the current reply; Ctrl-D or /exit leaves.", style="dim"))
    return True


def cmd_reset(repl: Chat, arg: str) -> bool:
    repl.messages.clear()
    repl.restart_session()
    return _say(repl, "(conversation cleared; the Python session was restarted)", "dim")


def cmd_model(repl: Chat, arg: str) -> bool:
    if not arg:
        return _say(repl, f"model: {repl.model.name} ({repl.model.backend}, context {repl.model.context_length})")
    loader = repl.model_loader or load_model
    new_cfg = repl.config.model.model_copy(update={"model": arg})
    try:
        with repl.console.status(f"loading {arg}..."):
            model = loader(new_cfg)
    except PlaygroundError as e:
        return _say(repl, f"could not load {arg}: {e}", "red")
    repl.model.close()
    repl.model = model
    repl.config = repl.config.model_copy(update={"model": new_cfg})
    return _say(repl, f"model: {model.name} ({model.backend}); the conversation is kept", "dim")


def cmd_system(repl: Chat, arg: str) -> bool:
    if not arg:
        return _say(repl, f"system prompt:\n{repl.settings.system_prompt}")
    if arg == "default":
        repl.settings.system_prompt = repl.default_system_prompt(repl.settings.tools)
    else:
        repl.settings.system_prompt = arg
    return _say(repl, "(system prompt set)", "dim")


def cmd_tools(repl: Chat, arg: str) -> bool:
    if arg not in ("", "on", "off"):
        return _say(repl, "usage: /tools on|off", "red")
    if arg:
        default_before = repl.settings.system_prompt == repl.default_system_prompt(repl.settings.tools)
        repl.settings.tools = arg == "on"
        if default_before:  # follow the mode unless the user set their own system prompt
            repl.settings.system_prompt = repl.default_system_prompt(repl.settings.tools)
    return _say(repl, f"tool mode: {'on' if repl.settings.tools else 'off'}"
                      f" (code runs in {repl.workdir})" if repl.settings.tools else "tool mode: off")


def cmd_method(repl: Chat, arg: str) -> bool:
    parts = arg.split()
    if not parts:
        return _say(repl, f"method: {repl.settings.method} (answer kind {repl.settings.kind})")
    if parts[0] not in METHODS or len(parts) > 2 or (len(parts) == 2 and parts[1] not in KINDS):
        return _say(repl, f"usage: /method {'|'.join(METHODS)} [{'|'.join(KINDS)}]", "red")
    repl.settings.method = parts[0]
    if len(parts) == 2:
        repl.settings.kind = parts[1]
    return _say(repl, f"method: {repl.settings.method}" + (" (plain conversation)" if parts[0] == "chat" else ""),
                "dim")


def cmd_n(repl: Chat, arg: str) -> bool:
    if not arg:
        return _say(repl, f"n: {repl.settings.n}")
    if not arg.isdigit() or int(arg) < 1:
        return _say(repl, "usage: /n N (N >= 1)", "red")
    repl.settings.n = int(arg)
    return _say(repl, f"n: {repl.settings.n}", "dim")


def cmd_strategy(repl: Chat, arg: str) -> bool:
    if not arg:
        return _say(repl, f"strategy: {repl.settings.strategy or 'none'}")
    if arg == "none":
        repl.settings.strategy = None
        return _say(repl, "strategy: none", "dim")
    if arg not in STRATEGIES:
        return _say(repl, f"usage: /strategy {'|'.join(STRATEGIES)}|none", "red")
    repl.settings.strategy = arg
    return _say(repl, f"strategy: {arg}", "dim")


def cmd_save(repl: Chat, arg: str) -> bool:
    try:
        names = shlex.split(arg)
    except ValueError:
        names = []
    if len(names) != 1:
        return _say(repl, "usage: /save FILE", "red")
    path = Path(names[0]).expanduser()
    data = {
        "version": 1, "kind": "chat", "saved_at": now_iso(),
        "model": {"name": repl.model.name, "backend": repl.model.backend,
                  "context_length": repl.model.context_length},
        "config": repl.config.model_dump(),
        "settings": {k: v for k, v in vars(repl.settings).items()},
        "messages": [{"role": "system", "content": repl.settings.system_prompt}]
        + [m.to_dict() for m in repl.messages],
        "usage": repl.usage.to_dict(), "model_calls": repl.model_calls,
        "workdir": str(repl.workdir),
    }
    try:
        write_json_atomic(path, data)
    except OSError as e:
        return _say(repl, f"could not save to {path}: {e.strerror or e}", "red")
    return _say(repl, f"(transcript saved to {path.resolve()})", "dim")


def cmd_tokens(repl: Chat, arg: str) -> bool:
    now = repl.model.count_tokens([Message("system", repl.settings.system_prompt), *repl.messages])
    u = repl.usage
    return _say(repl, f"tokens so far: {u.prompt_tokens} prompt + {u.completion_tokens} completion "
                      f"= {u.total_tokens} in {repl.model_calls} model call(s); "
                      f"prompt {evaluated_share(u.prompt_tokens, u.prompt_tokens_evaluated)}; "
                      f"conversation now {now} of {repl.model.context_length} context tokens")


def cmd_exit(repl: Chat, arg: str) -> bool:
    return False


COMMANDS: dict[str, tuple[Command, str, str]] = {
    "help": (cmd_help, "", "this list"),
    "reset": (cmd_reset, "", "forget the conversation and restart the Python session"),
    "model": (cmd_model, "[ID|PATH]", "show or switch the model (same backend)"),
    "system": (cmd_system, "[TEXT|default]", "show or set the system prompt"),
    "tools": (cmd_tools, "[on|off]", "run the code the model writes (default on)"),
    "method": (cmd_method, f"[{'|'.join(METHODS)}] [KIND]", "answer questions with a reasoning method"),
    "n": (cmd_n, "[N]", "samples per question (test-time scaling)"),
    "strategy": (cmd_strategy, "[NAME|none]", f"test-time strategy: {', '.join(STRATEGIES)}"),
    "save": (cmd_save, "FILE", "save the conversation as JSON"),
    "tokens": (cmd_tokens, "", "tokens used so far: prompt sent and evaluated (the rest cached), completion"),
    "exit": (cmd_exit, "", "leave (also Ctrl-D)"),
}
ALIASES = {"quit": "exit", "q": "exit", "clear": "reset", "?": "help", "stats": "tokens"}


def run_command(repl: Chat, line: str) -> bool:
    name, _, arg = line[1:].partition(" ")
    name = ALIASES.get(name.lower(), name.lower())
    if name not in COMMANDS:
        return _say(repl, f"unknown command /{name}; /help lists them", "red")
    return COMMANDS[name][0](repl, arg.strip())
