"""Ordinary programs in the sandbox at the strongest level, plus the weaker levels
(unshare, subprocess) on the ordinary programs and the most important hostile
ones. Real subprocesses; table-driven where the shape allows."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.requirements import unavailable
from tests.tools.conftest import processes_matching, require_level
from tools.isolation import SandboxUnavailableError, isolation_level
from tools.sandbox import run
from tools.types import Limits

LEVELS = ["bwrap", "unshare", "subprocess"]

# (name, code, expected stdout, expected returncode, text expected in stderr)
ORDINARY = [
    ("hello", "print('hello')", "hello\n", 0, ""),
    ("unicode", "print('héllo wörld ✓ 日本 🐍')", "héllo wörld ✓ 日本 🐍\n", 0, ""),
    ("stdin_absent", "import sys\nprint(repr(sys.stdin.read()))", "''\n", 0, ""),
    ("exit_code", "import sys\nprint('x')\nsys.exit(3)", "x\n", 3, ""),
    ("exit_message", "import sys\nsys.exit('bad input')", "", 1, "bad input"),
    ("exit_zero", "raise SystemExit(0)", "", 0, ""),
    ("exception", "def f():\n    raise ValueError('boom')\nf()", "", 1, "ValueError: boom"),
    ("syntax_error", "def f(:\n    pass", "", 1, "SyntaxError"),
    ("main_guard", "if __name__ == '__main__':\n    print('main')", "main\n", 0, ""),
    ("stderr", "import sys\nsys.stderr.write('warn\\n')", "", 0, "warn"),
    ("numpy", "import numpy as np\nprint(int(np.arange(10).sum()))", "45\n", 0, ""),
]


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("name,code,stdout,rc,err", ORDINARY, ids=[c[0] for c in ORDINARY])
def test_ordinary_programs(level, name, code, stdout, rc, err):
    require_level(level)
    r = run(code, Limits(timeout_s=20), isolation=level)
    assert r.isolation == level
    assert r.stdout == stdout, r.stderr
    assert r.returncode == rc
    assert err in r.stderr
    assert "boot.py" not in r.stderr  # tracebacks show the user's code only
    assert r.ok == (rc == 0)
    assert r.workdir is None and not r.timed_out and not r.memory_exceeded


def test_traceback_shows_user_source_lines():
    r = run("x = 1\ny = x / 0\n")
    assert 'File "main.py", line 2' in r.stderr and "y = x / 0" in r.stderr
    assert r.stderr.strip().endswith("ZeroDivisionError: division by zero")


def test_best_level_is_bwrap_when_installed():
    import shutil

    if shutil.which("bwrap") is None:
        unavailable("bubblewrap not installed", "CI needs it: setup.sh installs bubblewrap")
    assert isolation_level() == "bwrap"
    assert run("print(1)").isolation == "bwrap"


def test_unknown_level_raises():
    with pytest.raises(SandboxUnavailableError):
        run("print(1)", isolation="docker")  # type: ignore[arg-type]


@pytest.mark.slow
@pytest.mark.parametrize("level", LEVELS)
def test_matplotlib_figures_captured_and_kept(level, tmp_path):
    require_level(level)
    code = ("import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()\n"
            "fig = plt.figure()\nplt.plot([3, 1])\nopen('data.csv', 'w').write('a,b\\n')\n")
    r = run(code, Limits(timeout_s=60), workdir=tmp_path / "wd", isolation=level)
    assert r.ok, r.stderr
    assert r.figures == ["figure_1.png", "figure_2.png"]  # shown, then left open at exit
    assert r.files == ["data.csv", "figure_1.png", "figure_2.png"]
    assert r.workdir == str((tmp_path / "wd").resolve())
    for name in r.figures:
        assert (tmp_path / "wd" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "non-interactive" not in r.stderr


def test_temporary_workdir_is_removed_and_files_listed():
    r = run("import os\nopen('out.txt', 'w').write('x')\nprint(os.getcwd())")
    assert r.files == ["out.txt"] and r.workdir is None
    import os

    assert not os.path.exists(r.stdout.strip())


def test_input_files_are_written_and_importable(tmp_path):
    files = {"solution.py": "def add(a, b):\n    return a + b\n", "data/in.bin": b"\x00\x01"}
    r = run("from solution import add\nprint(add(2, 3), open('data/in.bin', 'rb').read())", files=files)
    assert r.stdout == "5 b'\\x00\\x01'\n", r.stderr
    assert r.files == []  # unchanged inputs are not "written"


def test_persistent_workdir_reruns_can_overwrite(tmp_path):
    for i in range(2):
        r = run(f"open('out.txt', 'w').write('{i}')", workdir=tmp_path)
        assert r.ok, r.stderr
    assert (tmp_path / "out.txt").read_text() == "1"
    assert (tmp_path / "out.txt").stat().st_uid == __import__("os").getuid()


def test_output_cap_has_marker():
    r = run("print('y' * 10000)", Limits(output_bytes=100))
    assert r.output_truncated and r.stdout.startswith("y" * 100)
    assert "output truncated" in r.stdout and len(r.stdout) < 200


def test_output_before_timeout_is_kept():
    r = run("print('started')\nwhile True:\n    pass", Limits(timeout_s=1))
    assert r.timed_out and r.stdout == "started\n"


def test_environment_is_scrubbed(monkeypatch):
    monkeypatch.setenv("MY_SECRET_TOKEN", "abc123")
    r = run("import os\nprint(sorted(os.environ))\nprint(os.environ['MPLBACKEND'], os.environ['OMP_NUM_THREADS'])\n"
            "print(os.environ['HOME'] == os.getcwd())")
    assert "MY_SECRET_TOKEN" not in r.stdout and "abc123" not in r.stdout
    assert "module://playground_mpl_backend 1" in r.stdout and r.stdout.endswith("True\n")


# ---------------------------------------------------------------- the weaker levels, hostile
@pytest.mark.parametrize("level", LEVELS)
def test_timeout_kills_at_every_level(level):
    require_level(level)
    r = run("while True:\n    pass", Limits(timeout_s=1), isolation=level)
    assert r.timed_out and not r.ok and r.duration_s < 4


@pytest.mark.parametrize("level", LEVELS)
def test_memory_limit_at_every_level(level):
    require_level(level)
    r = run("x = bytearray(8 * 2**30)", Limits(memory_mb=512), isolation=level)
    assert r.memory_exceeded and not r.ok


@pytest.mark.parametrize("level", LEVELS)
def test_orphans_are_killed_at_every_level(level):
    require_level(level)
    tag = f"{uuid.uuid4().int % 10**6}.25"
    r = run(f"import subprocess\nsubprocess.Popen(['setsid', 'sleep', '9{tag}'], start_new_session=True)",
            isolation=level)
    assert r.ok, r.stderr
    time.sleep(0.2)
    assert processes_matching(f"sleep 9{tag}") == []


@pytest.mark.parametrize("level", ["bwrap", "unshare", "subprocess"])
def test_network_blocked(level, loopback_server):
    require_level(level)
    code = (f"import socket\ns = socket.socket()\ns.settimeout(2)\ntry:\n"
            f"    s.connect(('127.0.0.1', {loopback_server.port}))\n    print('connected')\n"
            f"except OSError as e:\n    print('blocked')\n")
    r = run(code, isolation=level)
    assert r.stdout == "blocked\n", r.stderr
    assert loopback_server.connections() == 0


def test_network_allowed_when_asked(loopback_server):
    require_level("bwrap")
    code = f"import socket\nsocket.create_connection(('127.0.0.1', {loopback_server.port}), 2)\nprint('connected')"
    r = run(code, Limits(network=True), isolation="bwrap")
    assert r.stdout == "connected\n", r.stderr
    assert loopback_server.connections() == 1


@pytest.mark.slow
def test_bwrap_works_from_a_checkout_under_tmp(tmp_path):
    """bwrap mounts a fresh /tmp: a checkout (or venv) under /tmp must still be visible inside, so
    its binds come after that tmpfs. Real copy of tools/ under pytest's /tmp folder, real bwrap."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    require_level("bwrap")
    assert str(tmp_path).startswith("/tmp/")
    shutil.copytree(Path(__file__).resolve().parents[2] / "tools", tmp_path / "tools")
    probe = ("from tools.sandbox import run\nr = run('print(6 * 7)', isolation='bwrap')\n"
             "print(r.isolation, r.returncode, r.stdout.strip(), r.stderr.strip()[-200:])")
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "bwrap 0 42", out.stdout + out.stderr


def test_an_input_file_name_outside_the_work_dir_is_refused(tmp_path):
    with pytest.raises(ValueError, match="escapes the work dir"):
        run("print(1)", workdir=tmp_path / "w", files={"../outside.txt": "x"})
    assert not (tmp_path / "outside.txt").exists()
