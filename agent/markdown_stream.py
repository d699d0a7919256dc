"""Showing a reply while it streams: rich Markdown (code blocks syntax-highlighted)
redrawn in a Live region on a terminal; on a pipe, the text as it arrives."""

from __future__ import annotations

from rich.console import Console
from rich.live import Live
from rich.markdown import Markdown


class MarkdownStream:
    """with MarkdownStream(console) as out: out.add(piece) ... -> out.text"""

    def __init__(self, console: Console, refresh_per_second: float = 8.0) -> None:
        self.console = console
        self.text = ""
        self._live: Live | None = None
        self._refresh = refresh_per_second

    def __enter__(self) -> MarkdownStream:
        if self.console.is_terminal:
            self._live = Live(Markdown(""), console=self.console, refresh_per_second=self._refresh,
                              vertical_overflow="visible")
            self._live.__enter__()
        return self

    def add(self, piece: str) -> None:
        self.text += piece
        if self._live is not None:
            self._live.update(Markdown(self.text))
        else:
            self.console.file.write(piece)
            self.console.file.flush()

    def __exit__(self, *exc) -> None:
        if self._live is not None:
            self._live.update(Markdown(self.text))
            self._live.__exit__(*exc)
        elif self.text and not self.text.endswith("\n"):
            self.console.file.write("\n")
            self.console.file.flush()
