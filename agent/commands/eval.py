"""`playground eval` (being built)."""

HELP = "eval (being built)"


def add_arguments(parser) -> None:
    pass


def main(args) -> int:
    from agent.errors import UsageError

    raise UsageError("'playground eval' is not available yet")
