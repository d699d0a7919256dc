"""`playground view` as a user runs it: bad input is one line and exit 2; the command in its own
process binds 127.0.0.1, prints its URL, answers, and stops on Ctrl-C (SIGINT) with exit 0."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import pytest

from playground.cli import main
from tests.playground.view.conftest import fetch


@pytest.mark.parametrize("args, words", [
    (["/no/such/folder"], "does not exist"),
    (["--port", "http"], "--port"),
    (["--port", "70000"], "--port"),
    (["--export", "/proc/no-such/site"], "cannot write"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, args, words):
    assert main(["view", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("playground: error:") and err.count("\n") == 1 and words in err


def test_a_file_as_folder_is_refused(tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    assert main(["view", str(tmp_path / "f")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_the_command_serves_on_loopback_and_stops_on_ctrl_c(runs):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "playground", "view", str(runs), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert url and "4 runs" in line, line + proc.stderr.read() if proc.poll() is not None else line
        status, html = fetch(url.group(0))
        assert status == 200 and "ev-direct" in html and "agent.transcript.json" in html
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "stopped" in err
