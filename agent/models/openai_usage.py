"""What an OpenAI-compatible server says about its prompt cache, read one way for every server.

- The cached prompt tokens of a chat completion: `usage.prompt_tokens_details.cached_tokens`
  (OpenAI's field; vLLM's server sends it when started with --enable-prompt-tokens-details),
  else llama.cpp's llama-server `timings` (`cache_n`, or `prompt_tokens - prompt_n` where only
  the tokens it evaluated are given), else None: the server does not say, and no report guesses.
- `cache_prompt`: llama-server's request field that keeps a slot's KV for the next prompt (on by
  default in newer servers). It is sent only to servers whose /models cards say llama.cpp
  (`owned_by: llamacpp`), since OpenAI's own API refuses fields it does not know.
"""

from __future__ import annotations

from typing import Any


def cached_prompt_tokens(data: dict[str, Any], prompt_tokens: int) -> int | None:
    """Prompt tokens the server read from its cache for this response, or None when it does not say."""
    details = (data.get("usage") or {}).get("prompt_tokens_details") or {}
    if isinstance(details, dict) and details.get("cached_tokens") is not None:
        return _within(details["cached_tokens"], prompt_tokens)
    timings = data.get("timings") or {}
    if not isinstance(timings, dict):
        return None
    if timings.get("cache_n") is not None:
        return _within(timings["cache_n"], prompt_tokens)
    if timings.get("prompt_n") is not None and prompt_tokens:
        return _within(prompt_tokens - int(timings["prompt_n"]), prompt_tokens)
    return None


def speaks_cache_prompt(served: list[dict[str, Any]]) -> bool:
    """Whether the server is llama.cpp's (its model cards are owned by "llamacpp")."""
    return any(str(card.get("owned_by", "")).lower() == "llamacpp" for card in served)


def _within(value: Any, prompt_tokens: int) -> int | None:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return None
    return max(0, min(n, prompt_tokens)) if prompt_tokens else max(0, n)
