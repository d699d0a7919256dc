"""The sandbox runs the interpreter of the environment the playground runs in, with
that environment's packages (a venv's bin/python resolved to the base interpreter
lost them: `No module named 'matplotlib'`).

Real venvs made here with `python -m venv --system-site-packages` from the base
interpreter, a module written only into the venv's site-packages (no downloads),
then the sandbox started FROM that venv (tools/ needs only the standard library,
so PYTHONPATH is the checkout) at every level this machine has."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.tools.conftest import require_level
from tools.interpreter import python_executable, symlinks_on
from tools.sandbox import run
from tools.types import Limits

LEVELS = ["bwrap", "unshare", "subprocess"]
CHECKOUT = Path(__file__).resolve().parents[2]
MODULE = f"pg_only_in_test_venv_{uuid.uuid4().hex[:8]}"
CHILD = """
import json, sys
from tools.interpreter import python_executable
from tools.sandbox import run
code = ("import json, sys\\nimport {mod}\\n"
        "print(json.dumps({{'prefix': sys.prefix, 'base': sys.base_prefix, 'exe': sys.executable, "
        "'where': {mod}.WHERE}}))")
r = run(code.format(mod=sys.argv[2]), isolation=sys.argv[1])
print(json.dumps({'isolation': r.isolation, 'stdout': r.stdout, 'stderr': r.stderr, 'exe': python_executable()}))
"""


def base_python() -> str:
    """The base interpreter of the one running the tests (itself when it is no venv)."""
    base = getattr(sys, "_base_executable", "") or ""
    if os.path.isfile(base):
        return base
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for name in (version, "python3"):
        path = os.path.join(sys.base_prefix, "bin", name)
        if os.path.isfile(path):
            return path
    raise AssertionError(f"no base interpreter under {sys.base_prefix}")


@dataclass(frozen=True)
class Venv:
    folder: Path
    """The venv as made (real folder)."""
    python: Path
    """The interpreter to start it by (maybe through a symlinked folder)."""
    base_prefix: str
    """realpath of the base installation it was made from."""


def make_venv(folder: Path, base: str) -> Venv:
    subprocess.run([base, "-m", "venv", "--system-site-packages", "--without-pip", str(folder)], check=True,
                   capture_output=True, timeout=120)
    python = folder / "bin" / "python"
    purelib = subprocess.run([str(python), "-I", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             check=True, capture_output=True, text=True, timeout=60).stdout.strip()
    (Path(purelib) / f"{MODULE}.py").write_text("WHERE = 'venv'\n")
    base_prefix = subprocess.run([base, "-I", "-c", "import sys; print(sys.prefix)"], check=True,
                                 capture_output=True, text=True, timeout=60).stdout.strip()
    return Venv(folder, python, os.path.realpath(base_prefix))


@pytest.fixture(scope="module")
def venvs(tmp_path_factory) -> dict[str, Venv]:
    """plain; the same reached through a symlinked folder; one made from a base interpreter
    reached through a symlinked folder (as uv's python-X.Y folders are)."""
    root = tmp_path_factory.mktemp("venvs")
    base = base_python()
    plain = make_venv(root / "venv", base)
    (root / "link-to-venv").symlink_to(root / "venv", target_is_directory=True)
    linked = Venv(plain.folder, root / "link-to-venv" / "bin" / "python", plain.base_prefix)
    base_real = os.path.realpath(base)
    (root / "python-link").symlink_to(os.path.dirname(os.path.dirname(base_real)), target_is_directory=True)
    via_link = make_venv(root / "venv-of-linked-base", str(root / "python-link" / "bin" / os.path.basename(base_real)))
    return {"plain": plain, "through_symlinked_folder": linked, "base_through_symlinked_folder": via_link}


def run_from(venv: Venv, level: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "VIRTUAL_ENV", "PLAYGROUND_SANDBOX")}
    env["PYTHONPATH"] = str(CHECKOUT)
    done = subprocess.run([str(venv.python), "-c", CHILD, level, MODULE], cwd=venv.folder.parent, env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_module_is_only_in_the_test_venv(venvs):
    assert importlib.util.find_spec(MODULE) is None
    base = subprocess.run([base_python(), "-I", "-c", f"import {MODULE}"], capture_output=True, timeout=60)
    assert base.returncode != 0 and b"ModuleNotFoundError" in base.stderr


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["plain", "through_symlinked_folder", "base_through_symlinked_folder"])
@pytest.mark.parametrize("level", LEVELS)
def test_sandbox_started_from_a_venv_sees_its_packages(venvs, kind, level):
    require_level(level)
    venv = venvs[kind]
    out = run_from(venv, level)
    assert out["isolation"] == level
    assert out["stdout"], out["stderr"]
    inside = json.loads(out["stdout"])
    assert inside["where"] == "venv"
    assert os.path.realpath(inside["prefix"]) == os.path.realpath(venv.folder)
    assert os.path.realpath(inside["base"]) == venv.base_prefix
    # the venv's own bin/python (its folder resolved), never the base interpreter it links to
    assert out["exe"] == str(venv.folder.resolve() / "bin" / "python") == inside["exe"]


@pytest.mark.parametrize("level", LEVELS)
def test_sandbox_sees_the_host_environment(level):
    require_level(level)
    r = run("import sys\nprint(sys.prefix)\nprint(sys.base_prefix)\nprint(sys.executable)", Limits(timeout_s=20),
            isolation=level)
    assert r.ok, r.stderr
    prefix, base, exe = r.stdout.split("\n")[:3]
    assert os.path.realpath(prefix) == os.path.realpath(sys.prefix)
    assert os.path.realpath(base) == os.path.realpath(sys.base_prefix)
    assert exe == python_executable()
    assert os.path.basename(exe) == os.path.basename(sys.executable)


def test_symlinks_on_a_path_are_listed_where_they_really_lie(tmp_path):
    (tmp_path / "real" / "bin").mkdir(parents=True)
    (tmp_path / "real" / "bin" / "python3.11").write_text("")
    (tmp_path / "real" / "bin" / "python").symlink_to("python3.11")
    (tmp_path / "minor").symlink_to(tmp_path / "real")
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    (tmp_path / "venv" / "bin" / "python").symlink_to(tmp_path / "minor" / "bin" / "python")
    (tmp_path / "alias").symlink_to("venv")
    root = os.path.realpath(tmp_path)
    assert symlinks_on(str(tmp_path / "alias" / "bin" / "python")) == symlinks_on(str(tmp_path)) + [
        (f"{root}/alias", "venv"),
        (f"{root}/venv/bin/python", str(tmp_path / "minor" / "bin" / "python")),
        (f"{root}/minor", str(tmp_path / "real")),
        (f"{root}/real/bin/python", "python3.11"),
    ]
    assert symlinks_on(str(tmp_path / "real" / "bin" / "python3.11")) == symlinks_on(str(tmp_path))


@pytest.mark.slow
def test_font_list_is_built_by_the_environments_interpreter(tmp_path):
    """matplotlib's font list comes from the sandbox's interpreter (the base one of a venv has no
    matplotlib, and built nothing), one folder per interpreter."""
    pytest.importorskip("matplotlib")
    code = "from tools.sandbox_process import matplotlib_font_cache\nprint(matplotlib_font_cache())"
    done = subprocess.run([sys.executable, "-c", code], cwd=CHECKOUT, env=dict(os.environ, XDG_CACHE_HOME=str(tmp_path)),
                          capture_output=True, text=True, timeout=180)
    path = Path(done.stdout.strip())
    assert path.name.startswith("fontlist-") and path.is_file(), done.stdout + done.stderr
    assert path.parent.parent == tmp_path / "llm-playground" / "mpl"
    assert json.loads(path.read_text())["ttflist"]
