"""One module per `playground` subcommand. Each has HELP, add_arguments(parser)
and main(args) -> exit code. Keep imports at module level light: heavy imports
(torch, vllm) go inside main()."""

COMMANDS = ("ask", "run", "chat", "exec", "eval", "compare")
