"""Reading a sandboxed process's output: capped buffers, the reply channel, and
one select loop that stops on completion, deadline, output flood or exit."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import time
from collections.abc import Callable
from typing import Literal

FLOOD_BYTES = 64 * 1024 * 1024
"""A program that prints more than this (per stream) is stopped."""
EXIT_GRACE_S = 0.3
"""After the process exits, how long to wait for pipes still held open by leftovers."""

PumpOutcome = Literal["done", "timeout", "flood", "exited"]


class StreamBuffer:
    """Keeps the first `cap` bytes of a stream and counts the rest. With a nonce
    set, stops at it (the session's end-of-cell mark) and reports it seen."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.reset()

    def reset(self, nonce: bytes | None = None) -> None:
        self.kept = bytearray()
        self.total = 0
        self.held = b""
        self.nonce = nonce
        self.seen_nonce = False

    def _commit(self, data: bytes) -> None:
        self.total += len(data)
        room = self.cap - len(self.kept)
        if room > 0:
            self.kept += data[:room]

    def feed(self, data: bytes) -> None:
        if self.nonce is None or self.seen_nonce:
            self._commit(data)
            return
        buf = self.held + data
        i = buf.find(self.nonce)
        if i >= 0:
            self._commit(buf[:i])
            self.held, self.seen_nonce = b"", True
            return
        keep = len(self.nonce) - 1
        self._commit(buf[:-keep] if len(buf) > keep else b"")
        self.held = buf[-keep:] if len(buf) > keep else buf

    def finish(self) -> None:
        self._commit(self.held)
        self.held = b""

    @property
    def truncated(self) -> bool:
        return self.total > self.cap

    def text(self) -> str:
        text = bytes(self.kept).decode("utf-8", errors="replace")
        if self.truncated:
            text += f"\n[... output truncated: {self.total - len(self.kept)} more bytes not shown ...]\n"
        return text


class ReplyReader:
    """Length-prefixed JSON messages from the bootstrap."""

    def __init__(self) -> None:
        self.data = b""
        self.messages: list[dict] = []

    def feed(self, data: bytes) -> None:
        self.data += data
        while len(self.data) >= 4:
            n = int.from_bytes(self.data[:4], "big")
            if len(self.data) < 4 + n:
                return
            body, self.data = self.data[4:4 + n], self.data[4 + n:]
            try:
                self.messages.append(json.loads(body.decode("utf-8")))
            except ValueError:
                self.messages.append({})


class Pump:
    """Reads stdout, stderr and the reply fd of `proc` without blocking the child."""

    def __init__(self, proc: subprocess.Popen, reply_fd: int, cap: int) -> None:
        self.proc = proc
        self.out = StreamBuffer(cap)
        self.err = StreamBuffer(cap)
        self.replies = ReplyReader()
        self.sel = selectors.DefaultSelector()
        assert proc.stdout is not None and proc.stderr is not None
        self._sinks: dict[int, Callable[[bytes], None]] = {
            proc.stdout.fileno(): self.out.feed, proc.stderr.fileno(): self.err.feed, reply_fd: self.replies.feed}
        for fd in self._sinks:
            os.set_blocking(fd, False)
            self.sel.register(fd, selectors.EVENT_READ)
        self.open_fds = set(self._sinks)

    def all_eof(self) -> bool:
        return not self.open_fds

    def pump(self, deadline: float, done: Callable[[], bool]) -> PumpOutcome:
        exited_at: float | None = None
        while True:
            if done():
                return "done"
            now = time.monotonic()
            if now >= deadline:
                return "timeout"
            if self.out.total > FLOOD_BYTES or self.err.total > FLOOD_BYTES:
                return "flood"
            if exited_at is None and self.proc.poll() is not None:
                exited_at = now
            if exited_at is not None and (self.all_eof() or now - exited_at > EXIT_GRACE_S):
                return "exited"
            wait = min(deadline - now, 0.05 if exited_at is not None else 0.25)
            if not self.open_fds:
                time.sleep(min(wait, 0.01))
                continue
            for key, _ in self.sel.select(max(wait, 0)):
                fd = key.fd
                try:
                    data = os.read(fd, 1 << 16)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if data:
                    self._sinks[fd](data)
                else:
                    self.sel.unregister(fd)
                    self.open_fds.discard(fd)

    def close(self) -> None:
        self.sel.close()
