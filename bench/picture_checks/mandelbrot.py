"""Is a picture the Mandelbrot set? The check computes the true set itself and compares.

1. Where: the plot area of a saved figure (`_image.plot_area`); when no axes lines frame
   it, the whole picture is tried as well (margins around an image without axes).
2. Which pixels are the set: the set is drawn in one colour (every point that never
   escapes gets the same value), so each of the few most common colours of the area is
   tried as "the set's colour"; its pixels, shrunk to a coarse grid, are the candidate mask.
3. Where in the plane: the real axis along the columns or the rows, either way round
   (`imshow` of a grid indexed [x, y] shows it sideways); a window from the usual views
   (x in [-2, 1], [-2.5, 1], [-2, 0.5], ..., y in [-1, 1], [-1.25, 1.25], [-1.5, 1.5]) or
   the one that puts the mask's centre and spread on the true set's; and the number of
   iterations the picture used (20 .. 100: few iterations draw a fatter set).
4. Score: IoU of the mask with the true set on the same grid. The best candidate is then
   refined (window edges moved a little) on a finer grid. Accepted when IoU >= MIN_IOU, the
   window shows the main body of the set (all but the ends of the antenna and filaments) and spans
   at most MAX_SPAN (a wrong region, or a set lost in a corner, is no Mandelbrot picture).
5. As a person sees it: the set the right way up, i.e. the real axis along the rows of the
   picture growing to the right (upside down is the same picture: the set is symmetric about
   the real axis); a match sideways or mirrored is named and rejected. Square units: one unit
   of x as long on screen as one unit of y, within ASPECT_TOLERANCE.
6. Axes that tell the truth: where the PNG carries the record of its figure (the sandbox's
   savefig embeds it: tools/sandbox_runtime/playground_figure_facts.py), each tick label of
   the axes with the image must name the plane coordinate the matched window puts at that
   tick's position, within LABEL_TOLERANCE of the window's span. The labels are read from
   that record, not from the pixels (there is no OCR here): a picture saved without it (PIL,
   another program) is judged on 1-5 alone. Axes that show array indices (imshow with no
   extent) claim no plane coordinates and are not held to them.
"""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np

from . import _image
from ._mandelbrot_view import (
    ASPECT_TOLERANCE,
    UPRIGHT,
    WRONG_WAY,
    Window,
    labels_checked,
    labels_lie,
    unit_ratio,
)
from ._types import Verdict

MIN_IOU = 0.85
ITERATIONS = (20, 30, 50, 100)
X_RANGES = ((-2.0, 1.0), (-2.5, 1.0), (-2.0, 0.5), (-2.5, 1.5))
Y_RANGES = ((-1.0, 1.0), (-1.25, 1.25), (-1.5, 1.5))
MAIN_BODY = (-1.8, 0.25, -0.85, 0.85)  # must lie inside the picture's window
MAX_SPAN = 8.0  # and the window no wider or taller than this (the set is ~2.5 x 2.3; a [-3, 3] view is common)
REGISTER_AT = (20, 100)  # iterations assumed when registering a mask on the set
COARSE, FINE = 56, 100  # long side of the grids compared
REFINE_WITHIN = 0.2  # refine a coarse match this close to MIN_IOU or better
# the real axis: along columns (x grows right, left) or along rows (x grows down, up)
ORIENTATIONS = ("x right", "x left", "x down", "x up")



def escape_counts(c: np.ndarray, n_max: int = max(ITERATIONS)) -> np.ndarray:
    """Iterations until |z| > 2 for z -> z^2 + c (n_max + 1: never, within n_max);
    points of the main cardioid and the period-2 bulb are known never to escape."""
    c = np.asarray(c, dtype=np.complex128)
    counts = np.full(c.shape, n_max + 1, dtype=np.int32).ravel()
    flat = c.ravel()
    x, y = flat.real, flat.imag
    q = (x - 0.25) ** 2 + y**2
    inside = (q * (q + x - 0.25) <= 0.25 * y**2) | ((x + 1) ** 2 + y**2 <= 0.0625)
    idx = np.nonzero(~inside)[0]
    cc, z = flat[idx], np.zeros(idx.size, dtype=np.complex128)
    for n in range(1, n_max + 1):
        z = z * z + cc
        out = z.real**2 + z.imag**2 > 4.0
        if out.any():
            counts[idx[out]] = n
            keep = ~out
            idx, cc, z = idx[keep], cc[keep], z[keep]
        if idx.size == 0:
            break
    return counts.reshape(c.shape)


def plane(shape: tuple[int, int], window: Window, orientation: str) -> np.ndarray:
    """Complex coordinate of every pixel centre of a `shape` grid showing `window`."""
    h, w = shape
    x0, x1, y0, y1 = window
    along_cols = orientation in ("x right", "x left")
    nx, ny = (w, h) if along_cols else (h, w)
    xs = x0 + (x1 - x0) * (np.arange(nx) + 0.5) / nx
    ys = y0 + (y1 - y0) * (np.arange(ny) + 0.5) / ny
    if orientation in ("x left", "x up"):
        xs = xs[::-1]
    if along_cols:
        return xs[None, :] + 1j * ys[:, None]
    return xs[:, None] + 1j * ys[None, :]


@cache
def _true_moments(n: int) -> tuple[float, float, float]:
    """Mean real part, and spread of real and imaginary parts, of the set drawn with n iterations."""
    xs, ys = np.linspace(-2.2, 0.7, 290), np.linspace(-1.3, 1.3, 260)
    inside = escape_counts(xs[None, :] + 1j * ys[:, None]) > n
    yy, xx = np.nonzero(inside)
    return float(xs[xx].mean()), float(xs[xx].std()), float(ys[yy].std())


def _registered(mask: np.ndarray, orientation: str, n: int) -> Window | None:
    """The window under which the mask's centre and spread are the true set's (n iterations)."""
    rows, cols = np.nonzero(mask)
    if rows.size < 10:
        return None
    h, w = mask.shape
    along_cols = orientation in ("x right", "x left")
    px, py, nx, ny = (cols, rows, w, h) if along_cols else (rows, cols, h, w)
    if orientation in ("x left", "x up"):
        px = nx - 1 - px
    sx, sy = px.std(), py.std()
    if sx < 1 or sy < 1:
        return None
    mx, tsx, tsy = _true_moments(n)
    ux, uy = tsx / sx, tsy / sy  # plane units per pixel
    x0 = mx - (px.mean() + 0.5) * ux
    y0 = -(py.mean() + 0.5) * uy
    return x0, x0 + nx * ux, y0, y0 + ny * uy


def _iou(mask: np.ndarray, truth: np.ndarray) -> float:
    union = np.count_nonzero(mask | truth)
    return np.count_nonzero(mask & truth) / union if union else 0.0


def _best_iterations(mask: np.ndarray, counts: np.ndarray) -> tuple[float, int]:
    return max((_iou(mask, counts > n), n) for n in ITERATIONS)


def _shows_main_body(window: Window) -> bool:
    """The window shows the set but for the ends of its antenna and filaments, and is not much larger."""
    x0, x1, y0, y1 = window
    bx0, bx1, by0, by1 = MAIN_BODY
    if abs(x1 - x0) > MAX_SPAN or abs(y1 - y0) > MAX_SPAN:
        return False
    return min(x0, x1) <= bx0 and max(x0, x1) >= bx1 and min(y0, y1) <= by0 and max(y0, y1) >= by1


def _candidates(area: np.ndarray, coarse: tuple[int, int]) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(description, full-size mask, coarse mask) for each common colour that may be the set's.
    A colour that also fills much of the outside (a cyclic colormap, or the set and the
    far outside both drawn with the colormap's first colour) is tried a second time
    without the regions touching the edge of the picture."""
    out = []
    for colour, share in _image.common_colours(area, 5, min_share=0.01):
        mask = _image.distance(area, colour) < 0.12
        what = f"set drawn {'bright' if colour.mean() > 0.5 else 'dark'} rgb({', '.join(f'{v:.2f}' for v in colour)})"
        variants = [(what, mask)]
        if share > 0.3:
            variants.append((f"{what} without the regions touching the edge", mask & ~_image.touching_edges(mask)))
        for what, m in variants:
            small = _image.pool(m, coarse)
            if 0.01 < small.mean() < 0.9:
                out.append((what, m, small))
    return out


def _standard_counts(shape: tuple[int, int]) -> tuple[list[tuple[str, Window]], np.ndarray]:
    """Escape counts of every usual window in every orientation on a grid of `shape`."""
    views = [(o, xr + yr) for o in ORIENTATIONS for xr, yr in itertools.product(X_RANGES, Y_RANGES)]
    return views, escape_counts(np.stack([plane(shape, w, o) for o, w in views]))


def _coarse_search(mask: np.ndarray, standard) -> tuple[float, str, Window, int]:
    """Best (IoU, orientation, window, iterations) on the coarse grid of `mask`: the usual
    windows (`standard`, from _standard_counts) and the windows registered on the mask."""
    views, counts = standard
    fitted = [(o, w) for o in ORIENTATIONS for n in REGISTER_AT if (w := _registered(mask, o, n))]
    fitted = [(o, w) for o, w in fitted if _shows_main_body(w)]
    if fitted:
        views = views + fitted
        counts = np.concatenate([counts, escape_counts(np.stack([plane(mask.shape, w, o) for o, w in fitted]))])
    best = (-1.0, *views[0], ITERATIONS[0])
    for (orientation, window), cnt in zip(views, counts, strict=True):
        iou, n = _best_iterations(mask, cnt)
        if iou > best[0]:
            best = (iou, orientation, window, n)
    return best


def _refine(mask: np.ndarray, orientation: str, window: Window) -> tuple[float, Window, int]:
    """(IoU, window, iterations): move the window's edges by a few percent, all eight moves
    scored at once, while the best one raises the IoU on the (finer) grid of `mask`."""

    def scores(windows: list[Window]) -> list[tuple[float, int]]:
        counts = escape_counts(np.stack([plane(mask.shape, w, orientation) for w in windows]))
        return [_best_iterations(mask, c) for c in counts]

    (best, best_n), = scores([window])
    for step in (0.04, 0.02, 0.01):
        while True:
            trials = []
            for edge, sign in itertools.product(range(4), (-1, 1)):
                span = window[1] - window[0] if edge < 2 else window[3] - window[2]
                trial = list(window)
                trial[edge] += sign * step * span
                if _shows_main_body(trial):
                    trials.append(tuple(trial))
            if not trials:
                break
            (score, n), trial = max(zip(scores(trials), trials, strict=True))
            if score <= best + 1e-4:
                break
            best, best_n, window = score, n, trial
    return best, window, best_n


def check_mandelbrot(img: np.ndarray, facts: dict | None = None) -> Verdict:
    """Accept a picture whose set-coloured pixels match the true Mandelbrot set, upright, with square
    units and, where `facts` (the figure's record) has them, true tick labels (see module doc)."""
    h, w = img.shape[:2]
    if min(h, w) < 16:
        return Verdict(False, f"picture is too small ({w}x{h})")
    if float(img.std(axis=(0, 1)).max()) < 0.01:
        return Verdict(False, "picture is one colour")
    plot_box, framed = _image.plot_area(img)
    boxes = [plot_box] if framed else list(dict.fromkeys([(0, h, 0, w), plot_box]))
    found = []  # the best coarse candidate of each box, refined
    for box in boxes:
        area = img[box[0]:box[1], box[2]:box[3]]
        if min(area.shape[:2]) < 16:
            continue
        coarse = _image.shrink_shape(*area.shape[:2], COARSE)
        standard = _standard_counts(coarse)
        best = max(((*_coarse_search(small, standard), what, mask) for what, mask, small in _candidates(area, coarse)),
                   key=lambda t: t[0], default=None)
        if best is None:
            continue
        iou, orientation, window, n, what, mask = best
        if iou >= MIN_IOU - REFINE_WITHIN:
            fine = _image.pool(mask, _image.shrink_shape(*mask.shape, FINE))
            iou, window, n = _refine(fine, orientation, window)
        found.append((iou, window, n, orientation, what, box, box == plot_box))
    striped = next((f"{kind} (imshow of a list of points?); " for b in boxes if (kind := _image.stripes(img, b))), "")
    if not found:
        return Verdict(False, f"{striped}no colour covers 1-90% of the plot area as the set would")
    iou, window, n, orientation, what, box, in_plot_area = max(found, key=lambda t: t[0])
    where = (f"x [{window[0]:.2f}, {window[1]:.2f}] y [{window[2]:.2f}, {window[3]:.2f}], {orientation}, "
             f"{n} iterations, {what}, area {box[3] - box[2]}x{box[1] - box[0]} px")
    if iou < MIN_IOU:
        return Verdict(False, f"{striped}not the Mandelbrot set: best match IoU {iou:.2f} < {MIN_IOU} ({where})")
    if orientation != UPRIGHT:
        return Verdict(False, f"the Mandelbrot set, but {WRONG_WAY[orientation]}: IoU {iou:.2f} ({where})")
    ratio = unit_ratio(window, box)
    if not 1 / (1 + ASPECT_TOLERANCE) <= ratio <= 1 + ASPECT_TOLERANCE:
        return Verdict(False, f"the Mandelbrot set, but squashed: one unit of x is drawn {ratio:.2f} times as "
                              f"long as one unit of y (IoU {iou:.2f}; {where})")
    lie = labels_lie(facts, window, in_plot_area)
    if lie:
        return Verdict(False, f"the Mandelbrot set, but the axes lie: {lie} (IoU {iou:.2f}; {where})")
    axes = "; " + labels_checked(facts, in_plot_area) if in_plot_area and (framed or (facts or {}).get("kind") == "figure") else ""
    return Verdict(True, f"Mandelbrot set, IoU {iou:.2f}, units square within {abs(ratio - 1):.0%} ({where}){axes}")
