"""`playground` command line: parse (every option value is checked here), check the options
against each other (a command's `check`), then call the subcommand. Thin."""

from __future__ import annotations

import argparse
import sqlite3
import sys

from agent import __version__
from agent.errors import PlaygroundError
from evals.store import disk_full
from playground.commands import COMMANDS
from playground.options import Parser, common_options


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="playground",
        description="Chat with open models, let them write and run code in a sandbox, "
                    "reason step by step, and compare test-time compute strategies.",
    )
    parser.add_argument("--version", action="version", version=f"playground {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    common = common_options()
    for name, mod in COMMANDS.items():
        sp = sub.add_parser(name, help=mod.HELP, description=getattr(mod, "DESCRIPTION", mod.HELP),
                            parents=[common], formatter_class=argparse.RawDescriptionHelpFormatter)
        mod.add_arguments(sp)
        sp.set_defaults(_command=mod)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; the exit code (bad usage is found while parsing, before anything is
    loaded: one line on stderr and 2)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # usage errors, --help, --version
        return e.code if isinstance(e.code, int) else 2
    if not getattr(args, "_command", None):
        parser.print_help()
        return 2
    try:
        check = getattr(args._command, "check", None)
        if check is not None:
            check(args)
        return int(args._command.main(args) or 0)
    except PlaygroundError as e:
        sys.stderr.write(f"playground: error: {e}\n")
        return e.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("playground: interrupted\n")
        return 130
    except (OSError, sqlite3.Error) as e:  # a full disk outside a run's loop (which stops on its own)
        if not disk_full(e):
            raise
        sys.stderr.write(f"playground: error: no space left on the disk: {e}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
