"""Is a picture the plot of y = f(x) over [x0, x1]? Finds the drawn curve in the plot area
and fits the asked-for function to it. (And is it a histogram of normal data: `check_histogram`.)

The curve is the largest connected region of one line colour inside the axes (tried for
each common colour but the background: the curve may be blue, red or black; the legend's
sample line and text are separate regions). Its height in every pixel column, with the
columns mapped linearly onto [x0, x1] (the curve's own ends are x0 and x1: matplotlib
adds margins around the data), must be a * f(x) + b for some a > 0 (up is up) with
R^2 >= MIN_R2; so a cosine, a parabola or two periods of a sine do not pass for one period
of sin(x). x grows to the right and y up: a curve drawn mirrored, upside down or with its axes
swapped is another curve. Where the PNG carries its figure's record (tick labels and where
they sit), the axes must tell the truth too: read through the tick labels, the curve runs
from x0 to x1 and its heights are f(x) itself, within LABEL_TOLERANCE of the curve's range
(a curve of f / 10, or over x in degrees, is not the plot asked for).
"""

from __future__ import annotations

import math

import numpy as np

from . import _image
from ._axes import linear_axes, tick_map
from ._types import Verdict

MIN_R2 = 0.97
MIN_WIDTH = 0.3  # the curve spans at least this share of the plot area's width
MIN_COLUMNS = 0.8  # and has pixels in at least this share of the columns it spans
MIN_BELL_R2 = 0.8  # a histogram of normal data: its bars against a bell curve
LABEL_TOLERANCE = 0.05  # of the span of x (the curve's ends) and of the range of f (its heights)


def function_of(expr: str):
    """`expr` in x as a numpy function, e.g. "np.sin(x)", "x**2 - 3*x" (benchmark config, trusted)."""
    code = compile(expr, "<curve>", "eval")
    return lambda x: np.broadcast_to(eval(code, {"np": np, "pi": math.pi, "__builtins__": {}}, {"x": x}), x.shape)


def _fit(columns: np.ndarray, heights: np.ndarray, f, x_range: tuple[float, float]) -> tuple[float, float]:
    """(R^2, a) of heights ~ a * f(x) + b, the columns spread over x_range."""
    x0, x1 = x_range
    span = max(columns[-1] - columns[0], 1)
    fx = f(x0 + (x1 - x0) * (columns - columns[0]) / span)
    design = np.stack([fx, np.ones_like(fx)], axis=1)
    coef, *_ = np.linalg.lstsq(design, heights, rcond=None)
    total = float(((heights - heights.mean()) ** 2).sum())
    residual = float(((heights - design @ coef) ** 2).sum())
    return (1.0 - residual / total if total > 0 else 0.0), float(coef[0])


def _curve_candidates(area: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """(colour name, largest region of that colour) for the common non-background colours."""
    colours = _image.common_colours(area, 6, min_share=0.0005)
    if not colours:
        return []
    bg = colours[0][0]
    out = []
    for colour, _ in colours[1:]:
        if np.linalg.norm(colour - bg) < 0.3:
            continue
        region = _image.largest_region(_image.distance(area, colour) < 0.25)
        out.append((f"rgb({', '.join(f'{v:.2f}' for v in colour)})", region))
    return out


def _axes_lie(facts: dict | None, f, x_range, columns, heights, box, inset: int) -> str:
    """What the tick labels of the figure's one axes say against the asked-for curve, or ""."""
    ax = linear_axes(facts)
    if ax is None:
        return ""
    xmap, ymap = tick_map(ax.get("xticks", [])), tick_map(ax.get("yticks", []))
    r0, r1, c0, c1 = box
    problems = []
    x0, x1 = x_range
    if xmap:
        ends = [xmap[0] + xmap[1] * (c + inset + 0.5) / (c1 - c0) for c in (columns[0], columns[-1])]
        if max(abs(ends[0] - x0), abs(ends[1] - x1)) > LABEL_TOLERANCE * abs(x1 - x0):
            problems.append(f"the x axis says the curve runs from {ends[0]:.3g} to {ends[1]:.3g}, not {x0:g} to {x1:g}")
    xs = x0 + (x1 - x0) * (columns - columns[0]) / max(columns[-1] - columns[0], 1)  # the columns as drawn
    if ymap:
        rows = -heights  # heights are minus the mean row
        values = ymap[0] + ymap[1] * (1 - (rows + inset + 0.5) / (r1 - r0))
        want = f(xs)
        spread = float(want.max() - want.min()) or 1.0
        off = float(np.sqrt(np.mean((values - want) ** 2)))
        if off > LABEL_TOLERANCE * spread:
            problems.append(f"read through the y axis, the curve is off by {off:.3g} on average "
                            f"(the asked-for values span {spread:.3g})")
    return "; ".join(problems)


def check_curve(img: np.ndarray, y: str, x: tuple[float, float], name: str | None = None,
                facts: dict | None = None) -> Verdict:
    """Accept a plot whose curve has the shape of y(x) over x = [x0, x1], with axes that say so
    where `facts` (the figure's record) has them (see module doc)."""
    name = name or f"y = {y}"
    f = function_of(y)
    r0, r1, c0, c1 = _image.axes_interior(img)
    area = img[r0:r1, c0:c1]
    if min(area.shape[:2]) < 16:
        return Verdict(False, "no plot area")
    best: tuple[float, str] | None = None
    for colour, region in _curve_candidates(area):
        cols = np.nonzero(region.any(axis=0))[0]
        if cols.size < 8 or cols[-1] - cols[0] < MIN_WIDTH * area.shape[1]:
            continue
        if cols.size < MIN_COLUMNS * (cols[-1] - cols[0] + 1):
            why = f"the {colour} line has gaps"
            best = best or (0.0, why)
            continue
        rows = np.arange(region.shape[0])[:, None]
        heights = -(rows * region)[:, cols].sum(axis=0) / region[:, cols].sum(axis=0)  # up is positive
        r2, a = _fit(cols.astype(float), heights, f, tuple(x))
        lie = _axes_lie(facts, f, tuple(x), cols.astype(float), heights, _image.plot_area(img)[0], 2) \
            if a > 0 and r2 >= MIN_R2 else ""
        if lie:
            found = (0.0, f"the {colour} curve has the shape of {name}, but {lie}")
        elif a > 0:
            found = (r2, f"the {colour} curve fits {name} with R^2 {r2:.3f}")
        elif r2 >= MIN_R2:  # the shape of -f: upside down, mirrored, or another stretch of x
            found = (0.0, f"the {colour} curve is {name} upside down or mirrored")
        else:  # the best fit that keeps up up is flat
            found = (0.0, f"the {colour} curve fits {name} with R^2 0.000")
        if best is None or found[0] > best[0]:
            best = found
    if best is None:
        return Verdict(False, f"no curve as wide as {MIN_WIDTH:.0%} of the plot")
    r2, why = best
    if r2 < MIN_R2:
        return Verdict(False, f"not {name}: {why}" + (f" < {MIN_R2}" if "R^2" in why and "but" not in why else ""))
    return Verdict(True, why)


def check_histogram(img: np.ndarray, shape: str = "normal", facts: dict | None = None) -> Verdict:
    """Accept a histogram whose bars follow a bell curve: the heights of the bar-coloured
    pixels, column by column (small gaps between bars bridged), fit a Gaussian with the
    same mean and spread as the bars with R^2 >= MIN_BELL_R2. Only `shape` "normal" is known."""
    if shape != "normal":
        raise ValueError(f"unknown histogram shape {shape!r}")
    r0, r1, c0, c1 = _image.axes_interior(img)
    area = img[r0:r1, c0:c1]
    if min(area.shape[:2]) < 16:
        return Verdict(False, "no plot area")
    bg = _image.common_colours(area[:3], 1)[0][0]  # matplotlib keeps a margin above the tallest bar
    colours = [c for c, _ in _image.common_colours(area, 4, min_share=0.05) if np.linalg.norm(c - bg) >= 0.2]
    if not colours:
        return Verdict(False, "no bars: nothing covers 5% of the plot area")
    colour = colours[0]
    bars = _image.distance(area, colour) < 0.2
    heights = bars.sum(axis=0).astype(float)
    heights = np.maximum.reduce([heights, np.roll(heights, 1), np.roll(heights, -1), np.roll(heights, 2),
                                 np.roll(heights, -2)])  # bridge bar edges and gaps of a few pixels
    cols = np.arange(heights.size, dtype=float)
    if heights.sum() == 0:
        return Verdict(False, "no bars")
    mu = (cols * heights).sum() / heights.sum()
    sigma = np.sqrt(((cols - mu) ** 2 * heights).sum() / heights.sum())
    bell = np.exp(-0.5 * ((cols - mu) / max(sigma, 1.0)) ** 2)
    scale = (heights * bell).sum() / (bell**2).sum()
    r2 = 1 - ((heights - scale * bell) ** 2).sum() / max(((heights - heights.mean()) ** 2).sum(), 1e-9)
    what = f"bars of rgb({', '.join(f'{v:.2f}' for v in colour)}) fit a bell curve with R^2 {r2:.2f}"
    if r2 < MIN_BELL_R2:
        return Verdict(False, f"not a histogram of normal data: {what} < {MIN_BELL_R2}")
    return Verdict(True, what)
