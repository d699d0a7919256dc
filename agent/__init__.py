"""LLM playground: chat models that write and run code, reason step by step,
and compare test-time compute strategies."""

__version__ = "0.1.0"
