"""The application: the `playground` command line (cli.py, options.py, commands/), the chat
REPL (repl/) and the live display of agent runs (display.py). It sits on top of the agent
layer (agent/) and the measuring layer (evals/); nothing imports it."""
