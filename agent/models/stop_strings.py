"""Stop strings for the backends that decode locally (transformers, llamacpp): where a
completion is cut, and how much of a growing text a stream may show without ever
showing a stop string it will cut later."""

from __future__ import annotations


def find_stop(text: str, stops: tuple[str, ...]) -> int:
    """Index of the earliest stop string in `text`, or -1."""
    found = [i for i in (text.find(s) for s in stops if s) if i >= 0]
    return min(found) if found else -1


def safe_stream_end(text: str, stops: tuple[str, ...]) -> int:
    """How much of `text` a stream may show now: hold back an incomplete UTF-8 character
    and any tail that could still grow into a stop string."""
    end = len(text)
    while end > 0 and text[end - 1] == "\ufffd":
        end -= 1
    hold = 0
    for s in stops:
        for k in range(min(len(s) - 1, end), hold, -1):
            if text.endswith(s[:k], 0, end):
                hold = k
                break
    return end - hold
