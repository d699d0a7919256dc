"""One writer per results folder: `playground eval` and `playground compare` hold an
exclusive lock on `DIR/results.lock` for as long as they write to DIR.

The lock is `flock(LOCK_EX | LOCK_NB)` on that file, so the kernel releases it when
the holder exits, however it exits (SIGKILL included): a lock file left by a dead
process blocks nothing. The file keeps the holder's pid, start time and command for
the one line a second run refuses with (StoreBusyError, exit 2), before it loads any
model. Readers (`ResultStore`, reports) take no lock: SQLite's WAL lets them read
while the writer commits.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from agent.errors import UsageError

LOCK_NAME = "results.lock"


class StoreBusyError(UsageError):
    """Another process is writing the results folder."""


@contextmanager
def store_lock(out_dir: str | Path, command: str | None = None) -> Iterator[Path]:
    """Hold DIR's writer lock for the block; StoreBusyError at once if another process holds it."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").split("\n")
            pid, since = (holder + ["?", "?"])[:2]
            raise StoreBusyError(f"{out} is being written by another run (pid {pid or '?'}, since {since or '?'}): "
                                 "wait for it to finish or use another --out") from None
        command = command or " ".join(["playground", *sys.argv[1:]])
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n{time.strftime('%Y-%m-%d %H:%M:%S')}\n{command}\n".encode(), 0)
        yield path
    finally:
        os.close(fd)  # releases the lock (if it was taken); the file stays, harmless


def writer_alive(out_dir: str | Path) -> bool | None:
    """Whether a process that took DIR's writer lock still runs: True or False from the pid in
    the lock file, None when there is no lock file (a store written before the lock). Reads
    only: the lock is not tried, so a writer starting at that moment is never refused."""
    try:
        pid = int((Path(out_dir) / LOCK_NAME).read_text(encoding="utf-8").split("\n", 1)[0])
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        pass
    return True
