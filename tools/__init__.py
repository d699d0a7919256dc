"""What the agent can call: the sandbox and a persistent Python session."""
