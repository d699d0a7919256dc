"""`playground ask` (being built)."""

HELP = "ask (being built)"


def add_arguments(parser) -> None:
    pass


def main(args) -> int:
    from agent.errors import UsageError

    raise UsageError("'playground ask' is not available yet")
