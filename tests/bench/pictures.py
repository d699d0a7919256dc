"""Real pictures for the picture-check tests, drawn with matplotlib (Agg) and Pillow the way
the agent's code draws them: each function writes one small PNG to `path`. The fractals
are computed here with plain numpy loops, independently of the checks' own code. A figure
is saved as the sandbox saves it, with the record of what it shows (tick labels, limits)
in the PNG (`save`); `record=False` saves it as plain matplotlib does."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, Polygon, Rectangle
from PIL import Image, ImageDraw

from tools.sandbox_runtime.playground_figure_facts import KEY, figure_facts

plt.switch_backend("Agg")


def save(fig, path, record=True, **kw):
    """fig.savefig(path), with the figure's record in the PNG as the sandbox's savefig adds it."""
    if record:
        kw["metadata"] = {KEY: json.dumps(figure_facts(fig))}
    fig.savefig(path, **kw)
    plt.close(fig)


def escape_time(w: int, h: int, xr=(-2.0, 1.0), yr=(-1.0, 1.0), n=100, c=None) -> np.ndarray:
    """Iterations before |z| > 2 on a h x w grid (n: never). Mandelbrot: z0 = 0, c = the pixel;
    with `c` given, the Julia set of c: z0 = the pixel."""
    grid = np.linspace(*xr, w)[None, :] + 1j * np.linspace(*yr, h)[:, None]
    z, k = (np.zeros_like(grid), grid) if c is None else (grid.copy(), np.full_like(grid, c))
    count = np.zeros(grid.shape, dtype=int)
    for _ in range(n):
        alive = np.abs(z) <= 2
        z[alive] = z[alive] ** 2 + k[alive]
        count += alive
    return count


def show(path, data, cmap="viridis", extent=None, colorbar=False, title="", axis=True, aspect=None,
         size=(3.2, 2.4), dpi=60, origin=None, record=True, **kw):
    """`imshow` in a small figure, as the agent's code does it, saved to `path`."""
    fig, ax = plt.subplots(figsize=size, dpi=dpi)
    im = ax.imshow(data, cmap=cmap, extent=extent, aspect=aspect, origin=origin)
    if colorbar:
        fig.colorbar(im)
    if title:
        ax.set_title(title)
    if not axis:
        ax.axis("off")
    save(fig, path, record, **kw)


def plot(path, x, y, style="-", grid=False, legend=False, record=True, **kw):
    fig, ax = plt.subplots(figsize=(4, 3), dpi=80)
    ax.plot(x, y, style, label="y", **kw)
    if grid:
        ax.grid(True)
    if legend:
        ax.legend()
    ax.set_xlabel("x")
    ax.set_title("plot")
    save(fig, path, record)


def histogram(path, values, **kw):
    fig, ax = plt.subplots(figsize=(4, 3), dpi=80)
    ax.hist(values, **kw)
    ax.set_title("Histogram")
    fig.savefig(path)
    plt.close(fig)


def patch(path, shape, equal=True):
    fig, ax = plt.subplots(figsize=(3.2, 2.4), dpi=60)
    ax.add_patch(shape)
    ax.set_xlim(-1.5, 1.5)
    ax.set_ylim(-1.5, 1.5)
    if equal:
        ax.set_aspect("equal")
    fig.savefig(path)
    plt.close(fig)


def pil_circle(path, fill="red", outline=None, bg="white"):
    im = Image.new("RGB", (120, 120), bg)
    ImageDraw.Draw(im).ellipse((25, 25, 95, 95), fill=fill, outline=outline, width=3)
    im.save(path)


def sierpinski(path, depth, fill=True, axis=True):
    """The recursive drawing: 3^depth small triangles (filled, or outlined only)."""
    fig, ax = plt.subplots(figsize=(3, 3), dpi=70)

    def draw(a, b, c, d):
        if d == 0:
            ax.add_patch(Polygon([a, b, c], facecolor="k" if fill else "none", edgecolor="k", lw=0.5))
            return
        ab, bc, ca = (a + b) / 2, (b + c) / 2, (c + a) / 2
        draw(a, ab, ca, d - 1)
        draw(ab, b, bc, d - 1)
        draw(ca, bc, c, d - 1)

    draw(np.array([0.0, 0.0]), np.array([1.0, 0.0]), np.array([0.5, np.sqrt(3) / 2]), depth)
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-0.05, 0.95)
    if not axis:
        ax.axis("off")
    fig.savefig(path)
    plt.close(fig)


def chaos_game(path, n=8000):
    vertices = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2]])
    rng = np.random.default_rng(0)
    points, p = np.empty((n, 2)), np.array([0.3, 0.3])
    for i, v in enumerate(rng.integers(3, size=n)):
        p = (p + vertices[v]) / 2
        points[i] = p
    fig, ax = plt.subplots(figsize=(3.2, 2.4), dpi=70)
    ax.scatter(points[:, 0], points[:, 1], s=0.5, c="b")
    fig.savefig(path)
    plt.close(fig)


def pascal_mod_2(path, n=64):
    i, j = np.mgrid[0:n, 0:n]
    plt.imsave(path, ((i & j) == 0) & (i + j < n), cmap="gray_r")


def filled_triangle(path):
    patch(path, Polygon([[-1, -1], [1, -1], [0, 0.7]], color="k"), equal=False)


def square(path):
    patch(path, Rectangle((-1, -1), 2, 2, color="red"))


def disc(path, colour="red", equal=True):
    patch(path, Circle((0, 0), 1, color=colour), equal=equal)
