"""Fixtures for the sandbox tests: levels this machine provides, leftover-process checks."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from tests.requirements import unavailable
from tools.isolation import check_level


def require_level(level: str) -> None:
    """Skip a test of a sandbox level this machine lacks; under PLAYGROUND_TEST_REQUIRE_ALL=1 fail it
    (a CI machine without bubblewrap must not pass without running the hostile-program tests)."""
    check = check_level(level)  # type: ignore[arg-type]
    if not check.ok:
        unavailable(f"isolation level {level!r} is not available on this machine ({check.reason})",
                    "CI needs it: setup.sh installs bubblewrap; user namespaces must be allowed")


def processes_matching(text: str) -> list[int]:
    """PIDs whose command line contains `text`."""
    found = []
    needle = text.encode()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            with open(os.path.join(entry.path, "cmdline"), "rb") as f:
                if needle in f.read().replace(b"\0", b" "):
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


class LoopbackServer:
    """A TCP server on the host's 127.0.0.1 that counts who connected."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]

    def connections(self) -> int:
        n = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return n
            conn.close()
            n += 1


@pytest.fixture
def loopback_server():
    server = LoopbackServer()
    yield server
    server.sock.close()


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parents[2]
