"""Pictures of the complex plane drawn with unequal units (agent/codeact/plane_spacing.py), told as a
pitfall with the numbers that make it square; square grids, and imshow given an extent, are left alone."""

from __future__ import annotations

import ast

import pytest

from agent.codeact.pitfalls import find_pitfalls
from agent.codeact.plane_spacing import find_stretches

SEED0_800X600 = """
import numpy as np
import matplotlib.pyplot as plt

def plot(width=800, height=600, x_min=-2, x_max=2, y_min=-2, y_max=2):
    x = np.linspace(x_min, x_max, width)
    y = np.linspace(y_min, y_max, height)
    c = x[np.newaxis, :] + 1j * y[:, np.newaxis]
    plt.imshow(np.abs(c) < 2, cmap='hot')
    plt.savefig('plane.png')

plot()
"""


def test_a_grid_whose_spacings_differ_is_stretched_and_told_how_to_square_it():
    (s,) = find_stretches(ast.parse(SEED0_800X600))
    assert s.name == "c" and s.x == (-2.0, 2.0, 800) and s.y == (-2.0, 2.0, 600)
    assert s.ratio == pytest.approx(799 / 599)
    axis, lo, hi = s.widened()
    assert axis == "real" and (hi - lo) / 799 == pytest.approx(4 / 599)  # the imaginary axis's spacing
    assert (lo + hi) / 2 == pytest.approx(0) and lo < -2 and hi > 2  # all of the window stays in
    (p,) = [p for p in find_pitfalls(SEED0_800X600) if p.key == "stretched_plane"]
    text = p.render()
    assert "one unit of the real axis is drawn 1.33 times" in text
    assert "the real axis from -2.668 to 2.668" in text  # the real span that makes the units square
    line = next(i for i, t in enumerate(SEED0_800X600.splitlines(), 1) if "x = np.linspace" in t)
    assert f"change line {line}, `x = np.linspace(x_min, x_max, width)`, to `x = np.linspace(-2.6678, 2.6678, width)`" in text


def test_the_bounds_of_a_grid_may_be_items_of_a_pair():
    """`c_range=(-2.1, 1.1)` as a parameter's default, its items as both grids' bounds (tracked
    mandelbrot_numpy seed 0, the last step): 800 and 600 points over the same span."""
    code = ("import numpy as np\nimport matplotlib.pyplot as plt\n"
            "def image(width=800, height=600, c_range=(-2.1, 1.1)):\n"
            "    re = np.linspace(c_range[0], c_range[1], width)\n    im = np.linspace(c_range[0], c_range[1], height)\n"
            "    x, y = np.meshgrid(re, im)\n    c = x + 1j * y\n    return abs(c)\n"
            "plt.imshow(image())\nplt.savefig('a.png')\n")
    (s,) = find_stretches(ast.parse(code))
    assert s.x == (-2.1, 1.1, 800) and s.y == (-2.1, 1.1, 600)
    top = code.replace("def image(width=800, height=600, c_range=(-2.1, 1.1)):", "c_range = [-2.1, 1.1]\n"
                       "def image(width=800, height=600):")
    assert find_stretches(ast.parse(top))[0].y == (-2.1, 1.1, 600)  # a list the top level assigns
    rebound = top.replace("c_range = [-2.1, 1.1]\n", "c_range = [-2.1, 1.1]\nc_range = read_range()\n")
    assert find_stretches(ast.parse(rebound)) == []  # bound again to what cannot be read: not judged


@pytest.mark.parametrize(("xs", "ys", "stretched"), [("-2.5, 1.5, 800", "-1.5, 1.5, 600", "-2.5, 1.5, 600"),
                                                     ("-2, 1, 300", "-1, 1, 200", "-1.5, 1.5, 200")])
def test_spans_in_proportion_to_the_pixel_counts_are_square(xs, ys, stretched):
    code = (f"import numpy as np\nxs = np.linspace({xs})\nys = np.linspace({ys})\nX, Y = np.meshgrid(xs, ys)\n"
            "c = X + 1j * Y\nplt.imshow(abs(c))\n")
    assert find_stretches(ast.parse(code)) == []
    assert find_stretches(ast.parse(code.replace(ys, stretched))) != []  # the same pixel counts, unequal spacings


def test_meshgrid_and_complex_are_read_like_a_broadcast_sum():
    code = ("import numpy as np\nxs = np.linspace(-2, 2, 400)\nys = np.linspace(-1, 1, 400)\n"
            "X, Y = np.meshgrid(xs, ys)\nZ = X + 1j * Y\nplt.imsave('p.png', abs(Z))\n")
    (s,) = find_stretches(ast.parse(code))
    assert s.name == "Z" and s.ratio == pytest.approx(0.5)  # one unit of y drawn twice as long as one of x
    assert "of the imaginary axis is drawn 2.00 times" in find_pitfalls(code)[0].render()
    code_c = code.replace("Z = X + 1j * Y", "Z = complex(X, Y)")
    assert [s.name for s in find_stretches(ast.parse(code_c))] == ["Z"]


def test_an_imshow_given_an_extent_or_an_aspect_sets_its_own_units():
    for kw in ("extent=(-2, 2, -2, 2)", "aspect='auto'"):
        code = SEED0_800X600.replace("cmap='hot'", f"cmap='hot', {kw}")
        assert find_stretches(ast.parse(code)) == []
