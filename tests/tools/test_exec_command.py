"""`playground exec` end to end through the CLI's main()."""

from __future__ import annotations

import io
import json

from playground.cli import main


def test_exec_json_success(tmp_path, capsys):
    script = tmp_path / "p.py"
    script.write_text("print('ünïcode')\nopen('o.txt', 'w').write('1')\n")
    rc = main(["exec", str(script), "--json", "--workdir", str(tmp_path / "wd")])
    data = json.loads(capsys.readouterr().out)
    assert rc == 0 and data["ok"] and data["stdout"] == "ünïcode\n"
    assert data["files"] == ["o.txt"] and data["isolation"] in ("bwrap", "unshare", "subprocess")
    assert (tmp_path / "wd" / "o.txt").read_text() == "1"


def test_exec_failure_and_limits(tmp_path, capsys):
    script = tmp_path / "loop.py"
    script.write_text("while True:\n    pass\n")
    assert main(["exec", str(script), "--timeout", "1"]) == 1
    assert "timed out" in capsys.readouterr().err
    bad = tmp_path / "bad.py"
    bad.write_text("raise RuntimeError('nope')\n")
    assert main(["exec", str(bad)]) == 1
    err = capsys.readouterr().err
    assert 'File "bad.py", line 1' in err and "RuntimeError: nope" in err


def test_exec_stdin(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("print(6 * 7)\n"))
    assert main(["exec", "-"]) == 0
    assert capsys.readouterr().out == "42\n"


def test_exec_usage_errors(capsys):
    assert main(["exec", "/no/such/file.py"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["exec", "-", "--timeout", "0"]) == 2
