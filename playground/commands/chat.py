"""`playground chat`: an interactive chat; code the model writes runs in a sandboxed session."""

from __future__ import annotations

import argparse
from pathlib import Path

from playground.options import config_from_args, open_model, output_folder
from playground.repl import ChatRepl, default_history_path

HELP = "chat with the model; its code runs in a sandboxed Python session (/help inside)"
DESCRIPTION = """\
An interactive chat. Replies stream as markdown; code the model writes runs in a
persistent sandboxed Python session (tool mode, /tools off to stop). Line editing
and history across sessions; Ctrl-C stops a reply, Ctrl-D exits. Type /help for
the slash commands (/reset, /model, /system, /method, /n, /strategy, /save, /tokens)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workdir", default="playground-chat", type=output_folder,
                        help="where the model's code runs and writes files (default ./playground-chat)")
    parser.add_argument("--no-tools", action="store_true", help="start with tool mode off")
    parser.add_argument("--history", help="input history file (default ~/.local/state/llm-playground/chat_history)")


def main(args: argparse.Namespace) -> int:
    cfg = config_from_args(args)
    model = open_model(cfg.model)
    history = Path(args.history).expanduser() if args.history else default_history_path()
    repl = ChatRepl(model, cfg, history_path=history, workdir=Path(args.workdir).expanduser(),
                    tools=not args.no_tools)
    try:
        return repl.run()
    finally:
        repl.model.close()
