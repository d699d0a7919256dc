"""One module per `playground` subcommand. Each has HELP, DESCRIPTION, add_arguments(parser)
and main(args) -> exit code; the CLI lists them in this order."""

from playground.commands import ask, chat, compare, run, view
from playground.commands import eval as evaluate
from playground.commands import exec as execute

COMMANDS = {"ask": ask, "run": run, "chat": chat, "exec": execute, "eval": evaluate, "compare": compare,
            "view": view}
