"""Hostile programs at the strongest level (bubblewrap): each asserts that the
host is untouched and that the result says what happened. Real subprocesses."""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.tools.conftest import processes_matching, require_level
from tools.sandbox import run
from tools.types import ExecResult, Limits


@dataclass
class Ctx:
    token: str
    outside: Path
    """A host folder outside the sandbox's work dir (under the test's tmp dir)."""
    project: Path
    port: int
    secret: str
    cleanup: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Case:
    name: str
    code: str
    """Formatted with the Ctx fields."""
    check: object
    """check(result, ctx) -> None, asserts."""
    limits: Limits = Limits(timeout_s=10)
    slow: bool = False


def _host_files_absent(ctx: Ctx, *paths: str) -> None:
    for raw in paths:
        path = Path(raw.format(**vars(ctx)))
        ctx.cleanup.append(path)
        # os.path: a place the tests' own user cannot even look into (/root for a normal user) counts
        # as absent; the sandbox runs as that user, with less, and cannot have written there
        assert not os.path.lexists(path), f"the sandbox wrote {path}"


def check_timeout(r: ExecResult, ctx: Ctx) -> None:
    assert r.timed_out and not r.ok
    assert r.duration_s < 5
    assert "timed out" in r.stderr or "CPU time" in r.stderr


def check_memory(r: ExecResult, ctx: Ctx) -> None:
    assert r.memory_exceeded and not r.ok
    assert "MemoryError" in r.stderr


def check_huge_power(r: ExecResult, ctx: Ctx) -> None:
    assert (r.timed_out or r.memory_exceeded) and not r.ok
    assert r.duration_s < 6


def check_fork_bomb(r: ExecResult, ctx: Ctx) -> None:
    assert not r.ok and r.duration_s < 8
    time.sleep(0.2)
    assert processes_matching(ctx.token) == []
    assert run("print('alive')", Limits(timeout_s=10)).stdout == "alive\n"


def check_no_orphan(r: ExecResult, ctx: Ctx) -> None:
    assert r.ok, r.stderr
    time.sleep(0.2)
    assert processes_matching(f"sleep 7{ctx.port}.5") == []


def check_writes_outside(r: ExecResult, ctx: Ctx) -> None:
    _host_files_absent(ctx, "{outside}/hostile-{token}", "/root/hostile-{token}", "{project}/hostile-{token}",
                       "/tmp/hostile-{token}")
    # the host's folders are unreachable; /tmp is the sandbox's own tmpfs (absent on the host, checked above).
    # A checkout under /tmp lies on that tmpfs too, and a normal user's bwrap leaves the folders it made
    # there to the sandbox's user: writing into it is allowed, it never reaches the host.
    own_tmpfs = str(ctx.project).startswith("/tmp/") and f"wrote {ctx.project}/" in r.stdout
    assert r.stdout.count("blocked") == (2 if own_tmpfs else 3), r.stdout + r.stderr
    assert r.files == []


def check_secrets(r: ExecResult, ctx: Ctx) -> None:
    everything = r.stdout + r.stderr
    assert ctx.secret not in everything
    assert "OPENAI_API_KEY" not in everything and "HF_TOKEN" not in everything
    assert "ssh: blocked" in r.stdout, everything


def check_network(r: ExecResult, ctx: Ctx) -> None:
    assert "connect: blocked" in r.stdout, r.stdout + r.stderr
    time.sleep(0.1)


def check_flood(r: ExecResult, ctx: Ctx) -> None:
    assert r.output_truncated and not r.ok
    assert len(r.stdout) < 64_000 + 200
    assert "output truncated" in r.stdout
    assert r.duration_s < 10


def check_kill_parent(r: ExecResult, ctx: Ctx) -> None:
    assert "survived" in r.stdout or r.returncode is not None  # the caller (this test) is alive


def check_deletes(r: ExecResult, ctx: Ctx) -> None:
    assert (ctx.outside / "precious.txt").read_text() == "keep me"
    assert "delete: blocked" in r.stdout, r.stdout + r.stderr


def check_signal_games(r: ExecResult, ctx: Ctx) -> None:
    assert r.timed_out
    assert r.duration_s < 5


def check_recursion(r: ExecResult, ctx: Ctx) -> None:
    assert r.returncode == 1 and "RecursionError" in r.stderr


def check_crash(r: ExecResult, ctx: Ctx) -> None:
    assert r.returncode == -11, (r.returncode, r.stderr)
    assert "Segmentation fault" in r.stderr
    assert not r.ok


def check_huge_file(r: ExecResult, ctx: Ctx) -> None:
    assert not r.ok
    assert "File too large" in r.stderr or "file size limit" in r.stderr


CASES = [
    Case("infinite_loop", "while True:\n    pass\n", check_timeout, Limits(timeout_s=1.5)),
    Case("huge_power", "x = 10**10**8\nprint(len(str(x)))\n", check_huge_power, Limits(timeout_s=2)),
    Case("memory_bomb_list", "blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 2**20))\n",
         check_memory, Limits(timeout_s=10, memory_mb=512)),
    Case("memory_bomb_one", "x = bytearray(64 * 2**30)\n", check_memory, Limits(timeout_s=10, memory_mb=512)),
    Case("fork_bomb",
         "import os\n# {token}\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
         check_fork_bomb, Limits(timeout_s=2, processes=32), slow=True),
    Case("setsid_orphan",
         "import subprocess\nsubprocess.Popen(['setsid', 'sleep', '7{port}.5'], start_new_session=True)\n"
         "print('spawned')\n", check_no_orphan),
    Case("write_outside",
         "for p in ['{outside}/hostile-{token}', '/root/hostile-{token}', '{project}/hostile-{token}',\n"
         "          '/tmp/../tmp/hostile-{token}']:\n"
         "    try:\n        open(p, 'w').write('pwned')\n        print('wrote', p)\n"
         "    except OSError as e:\n        print('blocked', type(e).__name__)\n", check_writes_outside),
    Case("read_secrets",
         "import os\nprint(dict(os.environ))\n"
         "for p in ['/proc/1/environ', '/proc/self/environ', '/proc/2/environ']:\n"
         "    try:\n        print(open(p, 'rb').read())\n    except OSError as e:\n        print(p, e)\n"
         "try:\n    print(open('{outside}/.ssh/id_rsa').read())\nexcept OSError:\n    print('ssh: blocked')\n"
         "try:\n    print(os.listdir('/root/.ssh'))\nexcept OSError as e:\n    print('/root/.ssh', e)\n",
         check_secrets),
    Case("network",
         "import socket\ns = socket.socket()\ns.settimeout(2)\ntry:\n    s.connect(('127.0.0.1', {port}))\n"
         "    print('connect: succeeded')\nexcept OSError as e:\n    print('connect: blocked', e)\n",
         check_network),
    Case("output_flood_1gb", "import sys\nchunk = 'x' * 2**20\nfor _ in range(1024):\n    sys.stdout.write(chunk)\n",
         check_flood, Limits(timeout_s=20), slow=True),
    Case("kill_parent", "import os\ntry:\n    os.kill(os.getppid(), 9)\nexcept OSError as e:\n    print(e)\n"
         "print('survived')\n", check_kill_parent),
    Case("kill_everything", "import os\ntry:\n    os.kill(-1, 9)\nexcept OSError as e:\n    print(e)\n"
         "print('survived')\n", check_kill_parent),
    Case("delete_files",
         "import os, shutil\ntry:\n    os.remove('{outside}/precious.txt')\n    print('deleted')\n"
         "except OSError:\n    print('delete: blocked')\nshutil.rmtree('/usr/share/doc', ignore_errors=True)\n",
         check_deletes),
    Case("signal_games",
         "import signal, os\nfor s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGXCPU):\n"
         "    signal.signal(s, signal.SIG_IGN)\nos.setsid() if os.getpid() != os.getsid(0) else None\n"
         "while True:\n    pass\n", check_signal_games, Limits(timeout_s=1.5)),
    Case("deep_recursion", "def f(n):\n    return f(n + 1)\nf(0)\n", check_recursion),
    Case("stack_overflow", "import sys\nsys.setrecursionlimit(10**8)\nx = []\nfor _ in range(10**6):\n"
         "    x = [x]\nprint(len(repr(x)))\n", check_crash, slow=True),
    Case("segfault_ctypes", "import ctypes\nctypes.string_at(0)\n", check_crash),
    Case("huge_file", "with open('big.bin', 'wb') as f:\n    for _ in range(64):\n        f.write(b'0' * 2**20)\n",
         check_huge_file, Limits(timeout_s=10, file_size_mb=8)),
]


@pytest.fixture
def ctx(tmp_path, loopback_server, project_root, monkeypatch):
    secret = f"sk-secret-{uuid.uuid4().hex}"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    monkeypatch.setenv("HF_TOKEN", secret)
    outside = tmp_path / "host"
    (outside / ".ssh").mkdir(parents=True)
    (outside / ".ssh" / "id_rsa").write_text(secret)
    (outside / "precious.txt").write_text("keep me")
    c = Ctx(uuid.uuid4().hex, outside, project_root, loopback_server.port, secret)
    yield c
    for path in c.cleanup:
        if os.path.isfile(path):
            path.unlink()
    assert loopback_server.connections() == 0, "the sandbox reached a server on the host's loopback"


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name, marks=[pytest.mark.slow] if c.slow else [])
                                  for c in CASES])
def test_hostile_program_bwrap(case: Case, ctx: Ctx, tmp_path):
    require_level("bwrap")
    workdir = tmp_path / f"work-{ctx.token}"
    result = run(case.code.format(**vars(ctx)), case.limits, workdir=workdir, isolation="bwrap")
    assert result.isolation == "bwrap"
    case.check(result, ctx)
    assert ctx.project.joinpath("tools", "sandbox.py").is_file()
