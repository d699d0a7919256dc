"""Is a picture a filled circle of a colour on white? Is it a Sierpinski triangle?

Circle: the largest region of the asked-for colour must be round (width/height within
ROUND), fill its bounding ellipse (IoU with that ellipse >= MIN_CIRCLE_IOU: a square, a
ring or a triangle does not) and cover at least MIN_CIRCLE_SHARE of the picture; most of
the rest must be white.

Sierpinski: the drawn pixels (anything but the plot area's background) inside their
bounding box are laid on the construction of the gasket spanned by the box: a triangle with
its base on one side of the box and its apex in the middle of the other, or a right
triangle in any corner (the gasket is the same under any affine map, so one rule in
triangle coordinates serves them all). Down to depth D, the holes cut out (1 + 3 + ... +
3^(D-1)) must be empty and the 3^D triangles left must have ink in them, each judged on
its core (a margin off its edges, so line width and marker size do not matter): a filled,
outlined or chaos-game gasket passes; a filled triangle, a depth-2 drawing, noise or a
circle does not. Accepted when both shares are >= MIN_GASKET_SHARE at a depth >= MIN_DEPTH.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import to_rgb

from . import _image
from ._types import Verdict

ROUND = 1.1
MIN_CIRCLE_IOU = 0.9
MIN_CIRCLE_SHARE = 0.01
MIN_WHITE = 0.8  # share of white among the pixels outside the circle
MIN_DEPTH = 3  # levels of holes a Sierpinski picture must show
MIN_GASKET_SHARE = 0.9  # of the holes empty and of the triangles drawn, down to that level
HOLE_MARGIN, TRIANGLE_MARGIN = 0.25, 0.15  # barycentric: holes and triangles are judged on their cores
MAX_INK_IN_HOLE = 0.05
MIN_INK_IN_TRIANGLE = 0.02
MIN_HOLE_PX = 8  # the deepest level looked at has holes this many pixels across
MAX_SIDE = 320  # drawings are looked at this big at most (any pixel of a block counts)
# vertices (in box units: row, column from the top-left) of the triangles tried: a corner,
# then the ends of its two sides
TRIANGLES = {
    "apex up": ((1, 0), (1, 1), (0, 0.5)),
    "apex down": ((0, 0), (0, 1), (1, 0.5)),
    "apex left": ((0, 1), (1, 1), (0.5, 0)),
    "apex right": ((0, 0), (1, 0), (0.5, 1)),
    "right angle bottom left": ((1, 0), (1, 1), (0, 0)),
    "right angle top left": ((0, 0), (0, 1), (1, 0)),
    "right angle top right": ((0, 1), (0, 0), (1, 1)),
    "right angle bottom right": ((1, 1), (1, 0), (0, 1)),
}


def check_circle(img: np.ndarray, colour: str = "red", facts: dict | None = None) -> Verdict:
    """Accept a filled circle of `colour` (a matplotlib colour name) on white (see module doc)."""
    target = np.array(to_rgb(colour), dtype=np.float32)
    mask = _image.distance(img, target) < 0.35
    if target.max() - target.min() > 0.5:  # a saturated colour: its hue decides, not the shade
        main = int(np.argmax(target))
        others = np.delete(img, main, axis=-1).max(axis=-1)
        mask |= (img[..., main] > 0.45) & (img[..., main] - others > 0.4)
    region = _image.largest_region(mask)
    share = region.mean()
    if share < MIN_CIRCLE_SHARE:
        return Verdict(False, f"no {colour} region (largest {share:.1%} of the picture)")
    r0, r1, c0, c1 = _image.bbox(region)
    h, w = r1 - r0, c1 - c0
    if not 1 / ROUND <= w / h <= ROUND:
        return Verdict(False, f"the {colour} region is not round: {w}x{h} px")
    rows, cols = np.mgrid[r0:r1, c0:c1]
    ellipse = ((rows + 0.5 - (r0 + r1) / 2) / (h / 2)) ** 2 + ((cols + 0.5 - (c0 + c1) / 2) / (w / 2)) ** 2 <= 1
    inside = region[r0:r1, c0:c1]
    iou = np.count_nonzero(inside & ellipse) / np.count_nonzero(inside | ellipse)
    if iou < MIN_CIRCLE_IOU:
        return Verdict(False, f"the {colour} region is not a filled circle: IoU with a disc {iou:.2f} < {MIN_CIRCLE_IOU}")
    rest = ~region & ~mask
    white = np.count_nonzero(rest & (img.min(axis=-1) > 0.9)) / max(np.count_nonzero(rest), 1)
    if white < MIN_WHITE:
        return Verdict(False, f"the background is not white ({white:.0%} white pixels)")
    return Verdict(True, f"a filled {colour} circle, {w}x{h} px, IoU with a disc {iou:.2f}, {white:.0%} white around")


def _triangle_coords(shape: tuple[int, int], triangle: str) -> tuple[np.ndarray, np.ndarray]:
    """(u, v) of every pixel centre of a `shape` grid: p = a + u (b - a) + v (c - a) for the
    vertices a, b, c of TRIANGLES[triangle] spanning the grid (inside: u, v >= 0, u + v <= 1)."""
    (ar, ac), (br, bc), (cr, cc) = (np.array(v, dtype=float) for v in TRIANGLES[triangle])
    rows, cols = np.mgrid[0:shape[0], 0:shape[1]]
    pr, pc = (rows + 0.5) / shape[0] - ar, (cols + 0.5) / shape[1] - ac
    m = np.array([[br - ar, cr - ar], [bc - ac, cc - ac]])
    u, v = np.linalg.solve(m, np.stack([pr.ravel(), pc.ravel()]))
    return u, v


def gasket_levels(drawn: np.ndarray, triangle: str, depth: int) -> list[tuple[float, float]]:
    """For levels 1 .. depth of the construction on `drawn` (a boolean picture spanned by the
    triangle): (share of the holes cut out down to that level that are empty, share of the
    triangles left at that level with something drawn inside). Holes and triangles are
    looked at shrunk towards their centres (HOLE_MARGIN, TRIANGLE_MARGIN), away from their edges."""
    u, v = _triangle_coords(drawn.shape, triangle)
    ink = drawn.ravel()
    alive = (u >= 0) & (v >= 0) & (u + v <= 1)
    u, v, ink = u[alive], v[alive], ink[alive]
    path = np.zeros(u.size, dtype=np.int64)
    holes_empty, holes_seen, out = 0, 0, []
    for level in range(1, depth + 1):
        hole = (u < 0.5) & (v < 0.5) & (u + v > 0.5)
        core = hole & (np.minimum(np.minimum(0.5 - u, 0.5 - v), u + v - 0.5) >= 0.5 * HOLE_MARGIN)
        empty, seen = _share(path[core], ink[core], 3 ** (level - 1), lambda f: f <= MAX_INK_IN_HOLE)
        holes_empty, holes_seen = holes_empty + empty, holes_seen + seen
        keep = ~hole
        corner = np.where(u >= 0.5, 1, np.where(v >= 0.5, 2, 0))
        path, u, v, ink = (path * 3 + corner)[keep], ((2 * u) % 1)[keep], ((2 * v) % 1)[keep], ink[keep]
        core = np.minimum(np.minimum(1 - u - v, u), v) >= TRIANGLE_MARGIN
        drawn_in, seen = _share(path[core], ink[core], 3**level, lambda f: f >= MIN_INK_IN_TRIANGLE)
        out.append((holes_empty / max(holes_seen, 1), drawn_in / max(seen, 1)))
    return out


def _share(ids: np.ndarray, ink: np.ndarray, n: int, test) -> tuple[int, int]:
    """(how many of the n regions with pixels pass `test` on their inked share, how many have pixels)."""
    total = np.bincount(ids, minlength=n)
    inked = np.bincount(ids, weights=ink.astype(float), minlength=n)
    has = total >= 2
    return int(np.count_nonzero(test(inked[has] / total[has]))), int(np.count_nonzero(has))


def check_sierpinski(img: np.ndarray, facts: dict | None = None) -> Verdict:
    """Accept a Sierpinski triangle, filled, outlined or a cloud of points (see module doc)."""
    r0, r1, c0, c1 = _image.axes_interior(img)
    area = img[r0:r1, c0:c1]
    colours = _image.common_colours(area, 1)
    if min(area.shape[:2]) < 16 or not colours:
        return Verdict(False, "no plot area")
    drawn = _image.distance(area, colours[0][0]) > 0.2
    small = _image.shrink_shape(*drawn.shape, 128)
    box = _image.widest_region(_image.pool(drawn, small, 0))
    if box is None:
        return Verdict(False, "nothing drawn")
    fy, fx = drawn.shape[0] / small[0], drawn.shape[1] / small[1]
    drawn = drawn[int(box[0] * fy):int(np.ceil(box[1] * fy)), int(box[2] * fx):int(np.ceil(box[3] * fx))]
    drawn = _image.pool(drawn, _image.shrink_shape(*drawn.shape, MAX_SIDE), 0)
    deepest = int(np.log2(min(drawn.shape) / MIN_HOLE_PX))
    if deepest < MIN_DEPTH:
        return Verdict(False, f"the drawing is too small ({drawn.shape[1]}x{drawn.shape[0]} px)")
    found = [(depth, min(empty, inked), triangle, empty, inked) for triangle in TRIANGLES
             for depth, (empty, inked) in enumerate(gasket_levels(drawn, triangle, deepest), start=1)
             if depth >= MIN_DEPTH]
    passed = [f for f in found if f[1] >= MIN_GASKET_SHARE]
    depth, _, triangle, empty, inked = max(passed) if passed else max(
        (f for f in found if f[0] == MIN_DEPTH), key=lambda f: f[1])
    what = f"{triangle}: {empty:.0%} of the holes empty, {inked:.0%} of the triangles drawn"
    if not passed:
        return Verdict(False, f"not a Sierpinski triangle: at depth {depth}, best {what} "
                              f"(both must be >= {MIN_GASKET_SHARE:.0%})")
    return Verdict(True, f"Sierpinski triangle down to depth {depth}, {what}")
