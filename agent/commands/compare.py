"""`playground compare` (being built)."""

HELP = "compare (being built)"


def add_arguments(parser) -> None:
    pass


def main(args) -> int:
    from agent.errors import UsageError

    raise UsageError("'playground compare' is not available yet")
