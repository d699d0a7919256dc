"""Every place a command writes (--out, --workdir, --transcript) is checked when the options are
parsed: missing parents are made; a path through a file, or a folder that cannot be made or written,
is one line and exit 2 before anything loads; the model cache before the model is joined into it
(and it must have room). Float options must be finite."""

from __future__ import annotations

import pytest
import yaml

import playground.options
from playground.cli import main

UNMAKEABLE = "/proc/playground-no-such-folder/out"
"""A folder no one can make, root included (procfs refuses new entries)."""


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump({"rules": [{"match": ".", "reply": "The answer is 5."}]}))
    return str(path)


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "a", "question": "What is 2 + 3?", "answer": "5"}\n')
    return str(path)


def _commands(script, data, path):
    model = ["--backend", "scripted", "--model", script]
    return {
        "eval --out": ["eval", "--task", "jsonl", "--data", data, *model, "--out", path],
        "compare --out": ["compare", "--task", "jsonl", "--data", data, *model, "--out", path],
        "run --workdir": ["run", "x", *model, "--workdir", path],
        "run --transcript": ["run", "x", *model, "--transcript", path + "/t.json"],
        "exec --workdir": ["exec", "-", "--workdir", path],
        "chat --workdir": ["chat", *model, "--workdir", path],
    }


@pytest.mark.parametrize("command", ["eval --out", "compare --out", "run --workdir", "run --transcript",
                                     "exec --workdir", "chat --workdir"])
@pytest.mark.parametrize("case", ["through a file", "cannot be made"])
def test_a_path_that_cannot_be_written_is_one_line_exit_2_before_anything_loads(
        tmp_path, script, data, capsys, monkeypatch, command, case):
    def never(config):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(playground.options, "load_model", never)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    path = str(blocker / "out") if case == "through a file" else UNMAKEABLE
    assert main(_commands(script, data, path)[command]) == 2
    err = capsys.readouterr().err
    assert err.startswith("playground: error:") and err.count("\n") == 1 and "Traceback" not in err
    assert ("is not a folder" in err) if case == "through a file" else ("cannot write" in err)
    assert blocker.read_text() == "not a folder\n"


def test_missing_parents_of_out_are_made_and_the_run_finishes(tmp_path, script, data):
    out = tmp_path / "a" / "b" / "run"
    assert main(["eval", "--task", "jsonl", "--data", data, "--backend", "scripted", "--model", script,
                 "--out", str(out)]) == 0
    assert (out / "results.json").is_file()


def test_a_file_given_as_workdir_is_refused(tmp_path, script, capsys):
    f = tmp_path / "f.txt"
    f.write_text("x")
    assert main(["run", "x", "--backend", "scripted", "--model", script, "--workdir", str(f)]) == 2
    assert "is not a folder" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--temperature", "inf"], ["--temperature", "nan"], ["--top-p", "nan"],
                                  ["--temperature", "1e999"]])
def test_float_options_must_be_finite(script, capsys, args):
    assert main(["ask", "hi", "--backend", "scripted", "--model", script, *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("playground: error:") and err.count("\n") == 1 and args[0] in err


def test_a_temperature_of_inf_in_the_config_file_is_refused(tmp_path, script, capsys):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("sampling:\n  temperature: .inf\n")
    assert main(["ask", "q", "--config", str(cfg), "--backend", "scripted", "--model", script]) == 2
    assert "sampling.temperature" in capsys.readouterr().err


def _ask_with_cache(cache: str, tmp_path) -> tuple[int, str]:
    """`playground ask` on the default model (its offline bundle installed, not yet joined in `cache`)."""
    import os
    import subprocess
    import sys

    from agent.models.bundles import BUNDLES
    from tests.requirements import unavailable

    if BUNDLES["qwen2.5-coder-1.5b"].chunks() is None:
        unavailable("the default model's offline bundle is not installed")
    env = {**os.environ, "PLAYGROUND_CACHE": cache}
    r = subprocess.run([sys.executable, "-m", "playground", "ask", "hi"], env=env, capture_output=True,
                       text=True, timeout=300, cwd=tmp_path)
    return r.returncode, r.stderr


def test_a_model_cache_that_cannot_be_made_is_one_line_exit_2(tmp_path):
    (tmp_path / "file").write_text("")
    code, err = _ask_with_cache(str(tmp_path / "file" / "cache"), tmp_path)
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith("playground: error: cannot make the model cache ") and "PLAYGROUND_CACHE" in err


def test_a_model_cache_without_room_for_the_model_is_one_line_exit_2_before_joining(tmp_path):
    """A real 1 MB tmpfs (a mount namespace of the test's own) as the cache: the 1.1 GB model
    is not joined into it, the user is told how much room is there and how much is needed."""
    import shutil
    import subprocess
    import sys

    from tests.requirements import unavailable

    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "true"], capture_output=True) \
        if shutil.which("unshare") else None
    if probe is None or probe.returncode:
        unavailable("unshare cannot make a user namespace here", "CI needs util-linux's unshare")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    script = (f'mount -t tmpfs -o size=1m tmpfs {mnt} && PLAYGROUND_CACHE={mnt} '
              f'{sys.executable} -m playground ask hi; echo "rc=$?"')
    r = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
                       capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.stdout.strip().endswith("rc=2"), (r.stdout, r.stderr)
    assert r.stderr.count("\n") == 1 and " MB free, the model needs 1,117 MB" in r.stderr, r.stderr
