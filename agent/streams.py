"""Reading a `Model.stream` to its end: every text piece to a callback, then the Completion the
backend returns (its token counts, cached prompt tokens included), or None where it gives none."""

from __future__ import annotations

from collections.abc import Callable, Generator

from agent.types import Completion


def relay(stream: Generator[str, None, Completion | None], on_piece: Callable[[str], None]) -> Completion | None:
    """Pass each piece of `stream` to `on_piece`; return the stream's Completion. The stream is closed
    however this ends (an interrupt stops the backend's generation)."""
    try:
        while True:
            try:
                piece = next(stream)
            except StopIteration as end:
                return end.value
            on_piece(piece)
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
