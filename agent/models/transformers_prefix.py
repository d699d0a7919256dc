"""The transformers backend's KV cache kept between calls: after a call of one prompt and one sample
(a chat turn, a greedy agent step) its cache (the prompt and the reply) stays, and the next call
of one prompt that starts with the same tokens evaluates only what follows (the next turn, the
next step). One kept sequence, as llama.cpp's server keeps one per slot; calls of several prompts
(left-padded together) neither use nor keep it. The last prompt token is always evaluated again,
for its logits."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class KeptPrefix:
    tokens: list[int] = field(default_factory=list)
    """The tokens whose keys and values `cache` holds."""
    cache: object | None = None
    """A transformers DynamicCache of one row."""

    def take(self, ids: list[int]) -> tuple[object | None, int]:
        """(the kept cache cut to the longest common prefix with `ids`, that prefix's length), or
        (None, 0) when nothing is shared. The cache is handed over: nothing stays kept."""
        cache, tokens = self.cache, self.tokens
        self.cache, self.tokens = None, []
        limit = min(len(tokens), len(ids) - 1)
        shared = next((i for i in range(limit) if tokens[i] != ids[i]), limit)
        if cache is None or shared == 0:
            return None, 0
        if len(tokens) > shared:
            cache.crop(shared - len(tokens))  # a negative count: tokens removed from the end
        return cache, shared

    def keep(self, tokens: list[int], cache: object) -> None:
        self.tokens, self.cache = list(tokens), cache

    def clear(self) -> None:
        self.tokens, self.cache = [], None
