"""The chat REPL (`playground chat`): the loop and the conversation (chat.py), the slash
commands and the settings they change (commands.py)."""

from playground.repl.chat import ChatRepl, default_history_path
from playground.repl.commands import ChatSettings

__all__ = ["ChatRepl", "ChatSettings", "default_history_path"]
