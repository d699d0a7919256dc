"""Axes that lie (agent/codeact/coordinate_maps.py, pitfall `coords_extent`): a loop computes its
coordinates over another window than the imshow extent the picture is labelled with. The wrong
map is the one seeds 8 and 9 of the ten-seed run at 83b20aa ended on; the right maps, written the
ways a small model writes them, pass unflagged."""

from __future__ import annotations

import ast

import pytest

from agent.codeact.pitfalls import find_pitfalls

CENTRED_FROM_MIN = """
import numpy as np
import matplotlib.pyplot as plt

def escape(c, max_iter):
    z = c
    for i in range(max_iter):
        if abs(z) > 2:
            return i
        z = z * z + c
    return max_iter

def grid(width, height, x_min, x_max, y_min, y_max, max_iter):
    image = np.zeros((height, width))
    for i in range(height):
        for j in range(width):
            real = x_min + (j - width / 2) * (x_max - x_min) / width
            imag = y_min + (i - height / 2) * (y_max - y_min) / height
            image[i, j] = escape(complex(real, imag), max_iter)
    return image

width = 800
height = 600
x_min = -2.5
x_max = 1.5
y_min = -1.5
y_max = 1.5
max_iter = 256
image = grid(width, height, x_min, x_max, y_min, y_max, max_iter)
plt.imshow(image, cmap='hot', extent=(x_min, x_max, y_min, y_max), origin='lower')
plt.savefig('out.png')
"""

RIGHT = {
    "from the low bound": CENTRED_FROM_MIN.replace("(j - width / 2)", "j").replace("(i - height / 2)", "i"),
    "to the last pixel (N - 1)": CENTRED_FROM_MIN.replace("(j - width / 2) * (x_max - x_min) / width",
                                                          "j * (x_max - x_min) / (width - 1)")
                                                 .replace("(i - height / 2)", "i"),
    "y from the top (origin upper)": CENTRED_FROM_MIN.replace("y_min + (i - height / 2) * (y_max - y_min) / height",
                                                              "y_max - i * (y_max - y_min) / height")
                                                     .replace("(j - width / 2)", "j")
                                                     .replace(", origin='lower'", ""),
    "a step computed first": CENTRED_FROM_MIN.replace(
        "            real = x_min + (j - width / 2) * (x_max - x_min) / width",
        "            dx = (x_max - x_min) / width\n            real = x_min + j * dx").replace("(i - height / 2)", "i"),
    "centred on its middle": """
import numpy as np, matplotlib.pyplot as plt
cx, cy, scale = -0.5, 0.0, 0.005
width, height = 800, 600
image = np.zeros((height, width))
for i in range(height):
    for j in range(width):
        x = cx + (j - width / 2) * scale
        y = cy + (i - height / 2) * scale
        image[i, j] = x * y
plt.imshow(image, extent=(cx - width / 2 * scale, cx + width / 2 * scale,
                          cy - height / 2 * scale, cy + height / 2 * scale), origin='lower')
plt.savefig('out.png')
""",
    "a pixel extent and a flat index": """
import numpy as np, matplotlib.pyplot as plt
width, height = 80, 60
image = np.zeros(width * height)
for i in range(height):
    offset = i * width
    for j in range(width):
        image[offset + j] = j
plt.imshow(image.reshape(height, width), extent=(0, width, 0, height))
plt.savefig('out.png')
""",
    "bounds the code does not give as numbers": CENTRED_FROM_MIN.replace("x_min = -2.5", "x_min = float(input_x)")
                                                                .replace("y_min = -1.5", "y_min = float(input_y)"),
    "no extent, the named window": CENTRED_FROM_MIN.replace(", extent=(x_min, x_max, y_min, y_max)", "")
                                                   .replace("(j - width / 2)", "j").replace("(i - height / 2)", "i"),
    "imsave, the named window to the last pixel": CENTRED_FROM_MIN.replace(
        "plt.imshow(image, cmap='hot', extent=(x_min, x_max, y_min, y_max), origin='lower')\nplt.savefig('out.png')",
        "plt.imsave('out.png', image, origin='lower')").replace("(j - width / 2) * (x_max - x_min) / width",
                                                                "j * (x_max - x_min) / (width - 1)")
                                                       .replace("(i - height / 2)", "i"),
    "centred on names that are no pair of bounds": """
import numpy as np, matplotlib.pyplot as plt
x_center, x_scale = -0.5, 0.005
width, height = 800, 600
image = np.zeros((height, width))
for i in range(height):
    for j in range(width):
        image[i, j] = x_center + (j - width / 2) * x_scale
plt.imsave('out.png', image)
""",
}
SEED_9 = CENTRED_FROM_MIN.replace(
    "plt.imshow(image, cmap='hot', extent=(x_min, x_max, y_min, y_max), origin='lower')\nplt.savefig('out.png')",
    "plt.imsave('mandelbrot.png', image, cmap='hot', origin='lower')")
"""Seed 9 of the ten-seed run at 3a8f0c4 ended on this: the centred map of seeds 8 and 9 at 83b20aa,
saved by imsave, so no extent says what the axes are; x_min and x_max say what the window is."""


def test_a_loop_over_another_window_than_the_extent_is_found():
    found = find_pitfalls(CENTRED_FROM_MIN)
    assert [(p.key, p.array) for p in found] == [("coords_extent", "real"), ("coords_extent", "imag")]
    hint = found[0].render()
    assert "real runs from -4.5 (at j = 0) to -0.5 (at j = 800)" in hint
    assert "extent says that axis runs from -2.5 to 1.5" in hint and "the axes lie" in hint


@pytest.mark.parametrize("name", RIGHT)
def test_maps_over_the_extent_are_not_flagged(name):
    assert find_pitfalls(RIGHT[name]) == []


def test_the_extent_given_by_name_is_read():
    code = CENTRED_FROM_MIN.replace("plt.imshow(image, cmap='hot', extent=(x_min, x_max, y_min, y_max)",
                                    "ext = [x_min, x_max, y_min, y_max]\nplt.imshow(image, cmap='hot', extent=ext")
    assert [(p.key, p.array) for p in find_pitfalls(code)] == [("coords_extent", "real"), ("coords_extent", "imag")]


@pytest.mark.parametrize("code", [SEED_9, CENTRED_FROM_MIN.replace(", extent=(x_min, x_max, y_min, y_max)", ""),
                                  SEED_9.replace("x_min", "xmin").replace("x_max", "xmax")],
                         ids=["imsave (seed 9 at 3a8f0c4)", "imshow without extent", "names xmin, xmax"])
def test_without_an_extent_a_map_over_another_window_than_its_named_bounds_is_found(code):
    found = find_pitfalls(code)
    assert [p.key for p in found] == ["coords_window", "coords_window"]
    hint = found[0].render()
    assert "runs from -4.5 (at j = 0) to -0.5 (at j = 800)" in hint
    assert "which say that axis runs from -2.5 to 1.5" in hint and "another window than the code names" in hint
    assert ("x_min and x_max" if "x_min" in code else "xmin and xmax") in hint


def test_the_indices_of_an_ndindex_loop_are_loop_indices():
    """`for i, j in np.ndindex(height, width)` with x computed from i (which runs over the height):
    x covers another window than the extent says (tracked mandelbrot_numpy seed 1, the last step)."""
    code = ("import numpy as np\nimport matplotlib.pyplot as plt\nx_min, x_max, y_min, y_max = -2.5, 1.5, -2.0, 2.0\n"
            "width, height = 800, 600\nc = np.zeros((height, width))\n"
            "for i, j in np.ndindex(height, width):\n    x = x_min + (x_max - x_min) * i / (width - 1)\n"
            "    y = y_min + (y_max - y_min) * j / (height - 1)\n    c[i, j] = abs(complex(x, y))\n"
            "plt.imshow(c.T, extent=(x_min, x_max, y_min, y_max))\n")
    from agent.codeact.coordinate_maps import find_mismatches

    found = find_mismatches(ast.parse(code))
    assert [(m.index, m.size) for m in found] == [("i", 600), ("j", 800)], found
    fixed = code.replace("* i / (width - 1)", "* j / (width - 1)").replace("* j / (height - 1)", "* i / (height - 1)")
    assert find_mismatches(ast.parse(fixed)) == []
