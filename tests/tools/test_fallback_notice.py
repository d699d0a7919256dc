"""When a stronger isolation level does not work here, the sandbox uses the strongest
that does and says so on one stderr line, once per process; the result (and
`playground exec --json`) names the level used. Each case runs a fresh Python
process whose PATH lacks bwrap, or has a bwrap that fails the way it does where
user namespaces are forbidden (Ubuntu 24.04's AppArmor restriction)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tools.conftest import require_level

CHECKOUT = Path(__file__).resolve().parents[2]
CHILD = """
import sys
from playground.cli import main
from tools.sandbox import run
first, second = run("print(1)"), run("print(2)")
print("LEVELS", first.isolation, second.isolation, first.stdout.strip(), second.stdout.strip())
main(["exec", sys.argv[1], "--json"])
"""
FAILING_BWRAP = "#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n"
SUBPROCESS_WARNING = "[sandbox] *** WARNING: model-written code runs WITHOUT isolation"


def fake_path(tmp_path: Path, *, unshare: bool, bwrap: str | None) -> str:
    """A PATH folder holding only what the case allows: the real unshare, a bwrap script."""
    folder = tmp_path / "bin"
    folder.mkdir()
    if unshare:
        require_level("unshare")
        (folder / "unshare").symlink_to(shutil.which("unshare") or "/usr/bin/unshare")
    if bwrap is not None:
        (folder / "bwrap").write_text(bwrap)
        (folder / "bwrap").chmod(0o755)
    return str(folder)


def run_child(tmp_path: Path, path: str, forced: str | None = None) -> tuple[list[str], dict, str]:
    """-> (LEVELS line fields, exec --json result, stderr)."""
    script = tmp_path / "p.py"
    script.write_text("print('from exec')\n")
    env = {k: v for k, v in os.environ.items() if k != "PLAYGROUND_SANDBOX"}
    env.update(PATH=path, PYTHONPATH=str(CHECKOUT))
    if forced:
        env["PLAYGROUND_SANDBOX"] = forced
    done = subprocess.run([sys.executable, "-c", CHILD, str(script)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    head, _, rest = done.stdout.partition("\n")
    assert head.startswith("LEVELS "), done.stdout
    return head.split()[1:], json.loads(rest), done.stderr


def notice_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("[sandbox]") and "unavailable here" in line]


@pytest.mark.parametrize("bwrap,reason", [(None, "not installed"),
                                          (FAILING_BWRAP, "setting up uid map: Permission denied")],
                         ids=["bwrap_missing", "bwrap_no_user_namespaces"])
def test_falls_back_to_unshare_with_one_line(tmp_path, bwrap, reason):
    path = fake_path(tmp_path, unshare=True, bwrap=bwrap)
    levels, result, stderr = run_child(tmp_path, path)
    assert levels == ["unshare", "unshare", "1", "2"]
    assert result["isolation"] == "unshare" and result["stdout"] == "from exec\n"
    assert notice_lines(stderr) == [f"[sandbox] bwrap unavailable here ({reason}); using unshare"]
    assert SUBPROCESS_WARNING not in stderr


def test_falls_back_to_subprocess_with_one_line_and_the_warning(tmp_path):
    path = fake_path(tmp_path, unshare=False, bwrap=FAILING_BWRAP)
    levels, result, stderr = run_child(tmp_path, path)
    assert levels == ["subprocess", "subprocess", "1", "2"]
    assert result["isolation"] == "subprocess"
    assert notice_lines(stderr) == ["[sandbox] bwrap unavailable here (setting up uid map: Permission denied); "
                                    "unshare unavailable here (not installed); using subprocess"]
    assert stderr.count(SUBPROCESS_WARNING) == 1


def test_no_notice_when_the_strongest_level_works_or_one_is_forced(tmp_path):
    require_level("bwrap")
    real = os.environ.get("PATH", "/usr/bin:/bin")
    levels, result, stderr = run_child(tmp_path, real)
    assert levels[:2] == ["bwrap", "bwrap"] and result["isolation"] == "bwrap"
    assert "[sandbox]" not in stderr
    levels, result, stderr = run_child(tmp_path, real, forced="subprocess")
    assert levels[:2] == ["subprocess", "subprocess"] and result["isolation"] == "subprocess"
    assert notice_lines(stderr) == [] and stderr.count(SUBPROCESS_WARNING) == 1
