"""`playground chat` (being built)."""

HELP = "chat (being built)"


def add_arguments(parser) -> None:
    pass


def main(args) -> int:
    from agent.errors import UsageError

    raise UsageError("'playground chat' is not available yet")
