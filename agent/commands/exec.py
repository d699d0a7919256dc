"""`playground exec` (being built)."""

HELP = "exec (being built)"


def add_arguments(parser) -> None:
    pass


def main(args) -> int:
    from agent.errors import UsageError

    raise UsageError("'playground exec' is not available yet")
