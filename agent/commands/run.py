"""`playground run` (being built)."""

HELP = "run (being built)"


def add_arguments(parser) -> None:
    pass


def main(args) -> int:
    from agent.errors import UsageError

    raise UsageError("'playground run' is not available yet")
