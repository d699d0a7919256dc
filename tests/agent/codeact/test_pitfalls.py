"""Silent mistakes read from the code (agent/codeact/pitfalls.py): the code ran, the picture is
wrong. Each case is code a small model writes; the right versions must pass unflagged."""

from __future__ import annotations

import pytest

from agent.codeact.pitfalls import find_pitfalls

LOOPS_XY = """
import numpy as np
import matplotlib.pyplot as plt
width, height = 80, 60
image = np.zeros((width, height))
for x in range(width):
    for y in range(height):
        image[x, y] = x * y
plt.imshow(image, extent=[-2, 1, -1, 1])
plt.savefig('out.png')
"""
SHAPE_ONLY = """
import numpy as np
from PIL import Image
def render(w, h):
    img = np.zeros((w, h))
    for i in range(w):
        for j in range(h):
            img[i][j] = i + j
    return img
Image.fromarray(render(100, 80).astype('uint8')).save('out.png')
"""
ENUMERATE_X = """
import numpy as np, matplotlib.pyplot as plt
xs = np.linspace(-2, 1, 90)
ys = np.linspace(-1, 1, 60)
grid = np.empty((90, 60))
for i, x in enumerate(xs):
    for j, y in enumerate(ys):
        grid[i, j] = x + y
plt.imsave('out.png', grid)
"""
MESHGRID_IJ = """
import numpy as np, matplotlib.pyplot as plt
x = np.linspace(-2, 1, 300)
y = np.linspace(-1, 1, 200)
X, Y = np.meshgrid(x, y, indexing='ij')
plt.imshow(X + Y)
plt.savefig('out.png')
"""
BROADCAST_X_ROWS = """
import numpy as np, matplotlib.pyplot as plt
x = np.linspace(-2, 1, 300)
y = np.linspace(-1, 1, 200)
c = x[:, None] + 1j * y[None, :]
plt.imshow(np.abs(c))
plt.savefig('out.png')
"""
NAMED_PARTS_X_ROWS = """
import numpy as np, matplotlib.pyplot as plt
c_real = np.linspace(-2.5, 1.5, 400)
c_img = np.linspace(-1.5, 1.5, 300)
c = c_real[:, np.newaxis] + c_img[np.newaxis, :]
plt.imshow(np.abs(c), cmap='hot')
plt.savefig('out.png')
"""
NDINDEX_X_ROWS = """
import numpy as np, matplotlib.pyplot as plt
x = np.linspace(-2.5, 1.5, 800)
y = np.linspace(-1.5, 1.5, 800)
Z = np.zeros((800, 800))
for i, j in np.ndindex(Z.shape):
    Z[i, j] = abs(x[i] + 1j * y[j])
plt.imshow(Z, extent=(-2.5, 1.5, -1.5, 1.5))
plt.savefig('out.png')
"""
NDINDEX_X_COMPUTED = """
import numpy as np, matplotlib.pyplot as plt
def mandelbrot_set(x, y, x_start=-2, x_end=2, y_start=-2, y_end=2):
    width, height = len(x), len(y)
    fractal_set = np.zeros((height, width), dtype=int)
    for i, j in np.ndindex((height, width)):
        x_val = x_start + (x_end - x_start) * i / (width - 1)
        y_val = y_start + (y_end - y_start) * j / (height - 1)
        fractal_set[i, j] = abs(complex(x_val, y_val)) < 2
    return fractal_set
plt.imshow(mandelbrot_set(np.linspace(-2, 2, 100), np.linspace(-2, 2, 100)), extent=(-2, 2, -2, 2), origin='lower')
plt.savefig('out.png')
"""
RIGHT = {
    "loops over width, values copied from a grid built y-first (seed 0 at e42ed15, step 7)": """
import numpy as np, matplotlib.pyplot as plt
def mandelbrot_set(width, height):
    x = np.linspace(-2.5, 1.5, width)
    y = np.linspace(-2.5, 1.5, height)
    c = np.array([[x[i] + 1j*y[j] for i in range(width)] for j in range(height)])
    fractal_set = np.zeros((width, height), dtype=int)
    for i in range(width):
        for j in range(height):
            fractal_set[i, j] = abs(c[i, j]) < 2
    return fractal_set
plt.imshow(mandelbrot_set(400, 400), extent=(-2.5, 1.5, -2.5, 1.5), origin='lower')
plt.savefig('out.png')
""",
    "ndindex, rows compute y values": NDINDEX_X_COMPUTED.replace("* i / (width", "* j / (width")
                                                        .replace("* j / (height", "* i / (height"),
    "ndindex, rows pick y values": NDINDEX_X_ROWS.replace("x[i] + 1j * y[j]", "x[j] + 1j * y[i]"),
    "rows first": LOOPS_XY.replace("np.zeros((width, height))", "np.zeros((height, width))")
                          .replace("image[x, y]", "image[y, x]"),
    "shown transposed": LOOPS_XY.replace("plt.imshow(image,", "plt.imshow(image.T,"),
    "meshgrid xy": MESHGRID_IJ.replace(", indexing='ij'", ""),
    "real parts along the columns": NAMED_PARTS_X_ROWS.replace("c_real[:, np.newaxis] + c_img[np.newaxis, :]",
                                                               "c_real[np.newaxis, :] + c_img[:, np.newaxis]"),
    "broadcast y rows": BROADCAST_X_ROWS.replace("x[:, None] + 1j * y[None, :]", "x[None, :] + 1j * y[:, None]"),
    "PIL pixel access is x-first": """
from PIL import Image
width, height = 60, 40
img = Image.new('RGB', (width, height))
pixels = img.load()
for x in range(width):
    for y in range(height):
        pixels[x, y] = (x, y, 0)
img.save('out.png')
""",
    "never drawn as a picture": LOOPS_XY.replace("plt.imshow(image, extent=[-2, 1, -1, 1])", "plt.plot(image[:, 0])"),
    "not python": "this is not code (",
}


@pytest.mark.parametrize(("code", "array"), [
    (LOOPS_XY, "image"), (SHAPE_ONLY, "img"), (ENUMERATE_X, "grid"), (MESHGRID_IJ, "X"), (BROADCAST_X_ROWS, "c"),
    (NDINDEX_X_ROWS, "Z"), (NDINDEX_X_COMPUTED, "fractal_set"), (NAMED_PARTS_X_ROWS, "c"),
], ids=["loops over width then height", "shape (w, h) in a function", "enumerate over the x values",
        "meshgrid indexing ij", "x down the rows by broadcasting", "np.ndindex, the row index picks x values",
        "np.ndindex, the row index computes x values (seed 0 at 4c6eba5)",
        "real parts named c_real down the rows, no 1j (seed 6 at 13537eb)"])
def test_an_array_filled_x_first_and_drawn_as_a_picture_is_found(code, array):
    found = find_pitfalls(code)
    assert [(p.key, p.array) for p in found] == [("image_xy", array)]
    hint = found[0].render()
    assert f"{array} is filled as {array}[x, y]" in hint and "turned on its side" in hint


@pytest.mark.parametrize("name", RIGHT)
def test_right_code_is_not_flagged(name):
    assert find_pitfalls(RIGHT[name]) == []


def test_the_array_drawn_may_be_computed_from_the_x_first_grid():
    """The 1.5B model's repair of the README task: c built x-first, z computed from it, |z| drawn."""
    code = """
import numpy as np
import matplotlib.pyplot as plt
def mandelbrot_set(x_min, x_max, y_min, y_max, width, height, max_iter):
    x = np.linspace(x_min, x_max, width)
    y = np.linspace(y_min, y_max, height)
    c = x[:, np.newaxis] + 1j * y[np.newaxis, :]
    z = np.zeros_like(c)
    for i in range(max_iter):
        z = z**2 + c
    return z
z = mandelbrot_set(-2.5, 1.5, -1.5, 1.5, 800, 600, 256)
plt.imshow(np.abs(z), extent=(-2.5, 1.5, -1.5, 1.5), origin='lower')
plt.savefig('mandelbrot.png')
"""
    assert [(p.key, p.array) for p in find_pitfalls(code)] == [("image_xy", "c")]


def test_an_array_copied_from_an_x_first_grid_is_found_through_it():
    """A store that copies another array at the same indices takes that array's orientation:
    the copy of an x-first grid is drawn on its side, and the hint names the grid."""
    code = """
import numpy as np, matplotlib.pyplot as plt
width, height = 300, 200
x = np.linspace(-2.5, 1.5, width)
y = np.linspace(-1.5, 1.5, height)
X, Y = np.meshgrid(x, y, indexing='ij')
image = np.zeros((width, height))
for i in range(width):
    for j in range(height):
        image[i, j] = abs(X[i, j] + 1j * Y[i, j]) < 2
plt.imshow(image)
plt.savefig('out.png')
"""
    assert [(p.key, p.array) for p in find_pitfalls(code)] == [("image_xy", "X")]


YX_SHOWN_T = """import numpy as np
import matplotlib.pyplot as plt

def escape(z, max_iter):
    return max_iter

width, height = 400, 400
c = np.zeros((height, width))
for y in range(height):
    for x in range(width):
        z = complex(x / width * 4 - 2, y / height * 3 - 1.5)
        c[y, x] = escape(z, 256)

plt.imshow(c.T, cmap='hot', extent=(-2, 2, -1.5, 1.5), origin='lower')
plt.savefig('out.png')
"""


@pytest.mark.parametrize(("code", "array"), [
    (YX_SHOWN_T, "c"),
    (YX_SHOWN_T.replace("plt.imshow(c.T,", "m = c > 3\nplt.imshow(np.transpose(m),"), "c"),
    (YX_SHOWN_T.replace("c = np.zeros((height, width))\n", "c = np.zeros((height, width))\nd = c\n")
               .replace("plt.imshow(c.T,", "plt.imshow(d.transpose(),"), "c"),
], ids=["filled [y, x], shown c.T (seed 3 at ac67326)", "a mask of it, np.transpose", "a copy, .transpose()"])
def test_an_array_filled_y_first_and_shown_transposed_is_found(code, array):
    """Told "or show c.T" for an array filled [x, y], the model transposed arrays it had filled right."""
    found = find_pitfalls(code)
    assert [(p.key, p.array) for p in found] == [("image_yx_transposed", array)]
    assert "without .T" in found[0].render() and "on its side" in found[0].lesson()
    assert array not in found[0].lesson().split()


def test_y_first_shown_as_it_is_or_x_first_shown_transposed_is_right():
    assert find_pitfalls(YX_SHOWN_T.replace("plt.imshow(c.T,", "plt.imshow(c,")) == []
    x_first_t = YX_SHOWN_T.replace("np.zeros((height, width))", "np.zeros((width, height))").replace(
        "for y in range(height):\n    for x in range(width):", "for x in range(width):\n    for y in range(height):"
    ).replace("c[y, x]", "c[x, y]")
    assert find_pitfalls(x_first_t) == []


def test_shape_named_height_width_but_filled_x_first_and_shown_transposed_is_right():
    """Seed 0 at 3a8f0c4, a right picture: np.zeros((height, width)) filled with the row index computing
    the x values, then shown .T. Its stores say x-first, so the .T mends it; the shape's names do not decide."""
    code = """import numpy as np
import matplotlib.pyplot as plt

def escape(c):
    return 1

def make(x, y, x_start=-2, x_end=2, y_start=-2, y_end=2):
    width, height = len(x), len(y)
    fractal_set = np.zeros((height, width), dtype=int)
    for i, j in np.ndindex((height, width)):
        x_val = x_start + (x_end - x_start) * i / (width - 1)
        y_val = y_start + (y_end - y_start) * j / (height - 1)
        fractal_set[i, j] = escape(complex(x_val, y_val))
    return fractal_set

fractal_set = make(np.linspace(-2, 2, 100), np.linspace(-2, 2, 100))
plt.imshow(fractal_set.T, cmap='hot', extent=(-2, 2, -2, 2), origin='lower')
plt.savefig('out.png')
"""
    assert find_pitfalls(code) == []


@pytest.mark.parametrize(("extent", "flagged"), [
    ("(-1, 1, -1, 1)", ["the real part passed to complex()"]),   # seed 5 at ac67326: x runs -2..1
    ("(-2, 1, -1, 1)", []),
    ("(1, -2, 1, -1)", []),                                        # either way round
])
def test_complex_points_in_a_loop_must_run_over_the_extent(extent, flagged):
    code = f"""import numpy as np
import matplotlib.pyplot as plt
height, width = 64, 64
img = np.zeros((height, width))
for y in range(height):
    for x in range(width):
        img[y, x] = abs(complex(x / width * 3 - 2, y / height * 2 - 1))
plt.imshow(img, extent={extent}, origin='lower')
plt.savefig('out.png')
"""
    found = find_pitfalls(code)
    assert [p.array for p in found] == flagged and all(p.key == "coords_extent" for p in found)
    if found:
        assert "runs from -2 (at x = 0) to 1 (at x = 64)" in found[0].render()
