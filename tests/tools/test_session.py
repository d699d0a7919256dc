"""The persistent session: state between cells, clean tracebacks, restarts on
timeout or death, figures and files per cell. Real subprocesses."""

from __future__ import annotations

import pytest

from tests.tools.conftest import processes_matching, require_level
from tools.session import PythonSession
from tools.types import Limits

LEVELS = ["bwrap", "unshare", "subprocess"]


@pytest.mark.parametrize("level", LEVELS)
def test_state_persists_and_errors_do_not_kill(level):
    require_level(level)
    with PythonSession(isolation=level) as s:
        assert s.isolation == level
        r = s.run("import math\nx = 41")
        assert r.ok and r.stdout == "" and not r.restarted
        assert s.run("x + 1").stdout == "42\n"  # the last expression is echoed
        r = s.run("def f():\n    raise KeyError('k')\nf()")
        assert r.returncode == 1 and "KeyError: 'k'" in r.stderr and 'File "<cell 3>", line 3' in r.stderr
        assert "boot.py" not in r.stderr and not r.restarted
        assert s.run("print(math.pi > 3, x)").stdout == "True 41\n"
        r = s.run("print('before')\ndef g(:\n")
        assert r.returncode == 1 and "SyntaxError" in r.stderr and r.stdout == ""


@pytest.mark.parametrize("level", LEVELS)
def test_timeout_restarts_session(level):
    require_level(level)
    with PythonSession(isolation=level) as s:
        s.run("x = 1")
        r = s.run("print('partial')\nwhile True:\n    pass", timeout_s=1)
        assert r.timed_out and r.restarted and not r.ok
        assert r.stdout == "partial\n" and "restarted" in r.stderr
        r = s.run("x")
        assert r.returncode == 1 and "NameError" in r.stderr  # state was lost
        assert s.run("print('alive')").stdout == "alive\n"


def test_process_death_restarts_session():
    with PythonSession() as s:
        r = s.run("import os\nos._exit(7)")
        assert r.restarted and r.returncode == 7 and not r.ok
        r = s.run("import ctypes\nctypes.string_at(0)")
        assert r.restarted and r.returncode == -11
        assert s.run("print(2)").stdout == "2\n"


def test_memory_error_keeps_session():
    with PythonSession(limits=Limits(memory_mb=512)) as s:
        s.run("y = 5")
        r = s.run("x = bytearray(8 * 2**30)")
        assert r.memory_exceeded and not r.restarted and "MemoryError" in r.stderr
        assert s.run("y").stdout == "5\n"


def test_output_cap_and_subprocess_output():
    with PythonSession(limits=Limits(output_bytes=50)) as s:
        r = s.run("print('z' * 1000)")
        assert r.output_truncated and r.stdout.startswith("z" * 50) and "truncated" in r.stdout
        r = s.run("import subprocess\nsubprocess.run(['echo', 'from a child'])\nprint('after')")
        assert r.stdout.startswith("from a child\n") and "after" in r.stdout and not r.output_truncated


@pytest.mark.slow
def test_figures_and_files_per_cell(tmp_path):
    with PythonSession(workdir=tmp_path) as s:
        assert s.workdir == tmp_path.resolve()
        r = s.run("import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()", timeout_s=60)
        assert r.ok and r.figures == ["figure_1.png"] and r.files == ["figure_1.png"]
        r = s.run("plt.figure()\nplt.plot([2, 1])\nopen('a.txt', 'w').write('x')")
        assert r.figures == ["figure_2.png"] and r.files == ["a.txt", "figure_2.png"]
        r = s.run("print(1)")
        assert r.files == [] and r.figures == []
        assert r.workdir == str(tmp_path.resolve())
    assert (tmp_path / "figure_2.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "a.txt").stat().st_uid == __import__("os").getuid()


@pytest.mark.slow
def test_saved_figures_are_not_saved_twice_and_bad_pictures_are_noted(tmp_path):
    """A figure the code saved itself is reported under its own name (not again as figure_N.png);
    what cannot show a picture is noted: imshow of a list of points, of one value, an empty figure.
    The notes come whatever backend the code picks (matplotlib.use('Agg') included)."""
    with PythonSession(workdir=tmp_path) as s:
        r = s.run("import matplotlib\nmatplotlib.use('Agg')\nimport numpy as np\nimport matplotlib.pyplot as plt\n"
                  "points = [(x, y) for x in range(40) for y in range(40) if x * y % 7 == 0]\n"
                  "plt.imshow(points)\nplt.savefig('m.png')", timeout_s=60)
        assert r.ok and r.figures == ["m.png"] and r.files == ["m.png"], r.stderr
        assert len(r.plot_warnings) == 1 and "a list of points" in r.plot_warnings[0]
        r = s.run("plt.figure()\nplt.imshow(np.zeros((20, 30)))\nplt.figure()\nplt.savefig('blank')")
        assert r.figures == ["blank.png", "figure_1.png"] and r.files == ["blank.png", "figure_1.png"]
        assert ["all 0.0" in w for w in r.plot_warnings] == [True, False]
        assert "blank.png is empty" in r.plot_warnings[1]
        r = s.run("plt.figure()\nplt.imshow(np.ones((30, 40)) <= 2)\nplt.savefig('flat.png')")
        assert len(r.plot_warnings) == 1 and "all True" in r.plot_warnings[0]  # a mask of one value too
        r = s.run("x, y = np.meshgrid(np.linspace(-2, 1, 60), np.linspace(-1.5, 1.5, 60))\n"
                  "c = x + 1j * y\nz = np.zeros_like(c)\nn = np.zeros(c.shape)\n"
                  "for _ in range(20):\n    z = np.where(abs(z) <= 2, z * z + c, z)\n    n += abs(z) <= 2\n"
                  "plt.imshow(n)\nplt.savefig('fractal.png')\n"
                  "plt.figure()\nplt.imshow(np.vstack([np.linspace(0, 1, 256)] * 2), aspect='auto')\nplt.show()")
        assert r.ok and r.figures == ["fractal.png", "figure_2.png"] and r.plot_warnings == []
        # nearly one value: 7 cells of 480,000 differ (a formula that escapes at once almost everywhere)
        r = s.run("a = np.zeros((600, 800))\na[0, :7] = 1\nplt.figure()\nplt.imshow(a)\nplt.savefig('specks.png')\n"
                  "ring = np.zeros((600, 800))\nt = np.linspace(0, 2 * np.pi, 2000)\n"
                  "ring[(300 + 100 * np.sin(t)).astype(int), (400 + 100 * np.cos(t)).astype(int)] = 1\n"
                  "plt.figure()\nplt.imshow(ring)\nplt.savefig('ring.png')")
        assert r.ok and len(r.plot_warnings) == 1, r.plot_warnings
        assert "0.0 in 99.999% of its cells (the rest: 1.0)" in r.plot_warnings[0]
        # values that ignore one coordinate: every row the same (y never used), every column the same
        # (x never used); an even ramp (a gradient), a thin strip and aspect='auto' are meant that way
        r = s.run("xs, ys = np.linspace(-2, 2, 80), np.linspace(-2, 2, 60)\n"
                  "rows = np.array([[min(int(abs(x) * 9), 20) for x in xs] for y in ys])\n"
                  "plt.figure()\nplt.imshow(rows, extent=(-2, 2, -2, 2), origin='lower')\nplt.savefig('rows.png')\n"
                  "plt.imsave('cols.png', rows.T.copy())\n"
                  "plt.figure()\nplt.imshow(np.tile(np.linspace(0, 1, 80), (60, 1)))\nplt.savefig('ramp.png')\n"
                  "plt.figure()\nplt.imshow(rows[:8])\nplt.savefig('strip.png')\n"
                  "plt.figure()\nplt.imshow(rows, aspect='auto')\nplt.savefig('auto.png')\n"
                  "plt.figure()\nplt.imshow(np.sin(xs)[None, :] * np.cos(ys)[:, None])\nplt.savefig('both.png')")
        assert r.ok and len(r.plot_warnings) == 2, r.plot_warnings
        assert r.plot_warnings[0].startswith("imshow was given an array of shape (60, 80) whose rows are all the same")
        assert "vertical stripes and y (the row) never reached" in r.plot_warnings[0]
        assert r.plot_warnings[1].startswith("imsave was given an array of shape (80, 60) whose columns are all the same")
        assert "horizontal stripes and x (the column) never reached" in r.plot_warnings[1]
        # values that overflowed (z = z**2 + c iterated without a bound): those cells are drawn blank
        r = s.run("x, y = np.meshgrid(np.linspace(-2, 1, 80), np.linspace(-1.5, 1.5, 60))\n"
                  "c = x + 1j * y\nz = np.zeros_like(c)\n"
                  "with np.errstate(all='ignore'):\n    for _ in range(60):\n        z = z * z + c\n"
                  "plt.figure()\nplt.imshow(np.abs(z))\nplt.savefig('overflow.png')\n"
                  "plt.figure()\nplt.contourf(x, y, np.abs(z))\nplt.savefig('contour.png')\n"
                  "plt.figure()\nplt.pcolormesh(x, y, np.where(np.abs(z) < 2, 1.0, np.nan))\nplt.savefig('mask.png')\n"
                  "plt.figure()\nplt.contour(x, y, np.sin(x) * y)\nplt.savefig('fine.png')")
        assert r.ok, r.stderr
        assert [w.split(" was given")[0] for w in r.plot_warnings] == ["imshow", "contourf", "pcolormesh"], r.plot_warnings
        assert all("NaN or inf" in w and "drawn blank" in w for w in r.plot_warnings)


def test_close_kills_everything_and_removes_temp_workdir():
    s = PythonSession()
    workdir = s.workdir
    tag = "8765.4321"
    s.run(f"import subprocess\nsubprocess.Popen(['sleep', '{tag}'])")
    s.close()
    assert processes_matching(f"sleep {tag}") == []
    assert not workdir.exists()


def test_restart_clears_state():
    with PythonSession() as s:
        s.run("a = 1")
        s.restart()
        assert "NameError" in s.run("a").stderr


@pytest.mark.slow
def test_each_saved_picture_comes_with_what_it_shows(tmp_path):
    """The record of a saved figure (tools/sandbox_runtime/playground_figure_facts.py): pixel size, axes
    limits, tick labels, unit ratio and each image's shape, extent and origin; the PNG carries it;
    imsave and a figure left open are recorded too; the user's own PNG metadata is kept."""
    from tools.sandbox_runtime.playground_figure_facts import read_png_facts

    with PythonSession(workdir=tmp_path) as s:
        r = s.run("import numpy as np\nimport matplotlib.pyplot as plt\n"
                  "fig = plt.figure(figsize=(4, 3), dpi=50)\n"
                  "plt.imshow(np.random.rand(30, 40), extent=[-2, 1, -1, 1], origin='lower')\n"
                  "plt.xlabel('Re')\nplt.title('t')\nplt.colorbar()\n"
                  "plt.savefig('a.png', metadata={'Author': 'me'})\n"
                  "plt.imsave('b.png', np.random.rand(10, 20))\n"
                  "plt.figure()\nplt.plot([0, 1], [0, 2])", timeout_s=60)
        assert r.ok, r.stderr
        by_file = {f["file"]: f for f in r.figure_facts}
        assert set(by_file) == {"a.png", "b.png", "figure_1.png"}
        a = by_file["a.png"]
        assert a["size_px"] == [200, 150] and len(a["axes"]) == 1  # the colorbar is left out
        ax = a["axes"][0]
        assert ax["xlim"] == [-2, 1] and ax["ylim"] == [-1, 1] and ax["xlabel"] == "Re" and ax["title"] == "t"
        assert ax["images"] == [{"shape": [30, 40], "extent": [-2, 1, -1, 1], "origin": "lower", "extent_given": True}]
        assert abs(ax["unit_ratio"] - 1) < 0.01  # imshow's equal aspect
        assert ax["xticks"][0] == [0, "-2"], ax["xticks"]
        assert by_file["b.png"] == {"kind": "imsave", "shape": [10, 20], "origin": "upper", "file": "b.png",
                                    "size_px": [20, 10]}
        assert by_file["figure_1.png"]["axes"][0]["lines"] == 1
        assert read_png_facts(tmp_path / "a.png")["axes"][0]["images"][0]["shape"] == [30, 40]
        from PIL import Image

        with Image.open(tmp_path / "a.png") as im:
            assert im.info.get("Author") == "me"
