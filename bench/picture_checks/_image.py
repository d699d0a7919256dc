"""Reading a picture the agent saved: RGB pixels, colours, connected regions, and the
plot area of a matplotlib figure (the image or axes box without ticks, labels,
title, colorbar and margins). numpy and Pillow (a matplotlib dependency) only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

Box = tuple[int, int, int, int]  # rows r0:r1, columns c0:c1 (ends exclusive)


def load_rgb(path: str | Path) -> np.ndarray:
    """H x W x 3 floats in [0, 1]; a transparent picture is laid over white, as a viewer shows it."""
    with Image.open(path) as im:
        rgba = np.asarray(im.convert("RGBA"), dtype=np.float32) / 255.0
    alpha = rgba[..., 3:]
    return rgba[..., :3] * alpha + (1.0 - alpha)


def distance(img: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """Euclidean RGB distance of every pixel to `colour` (0 .. sqrt(3))."""
    return np.sqrt(((img - np.asarray(colour, dtype=np.float32)) ** 2).sum(axis=-1))


def common_colours(img: np.ndarray, k: int, min_share: float = 0.0) -> list[tuple[np.ndarray, float]]:
    """The k most common colours (5 bits a channel; each the mean of its pixels) with their
    share of the pixels, most common first; colours closer than 0.1 to a commoner one merge into it."""
    q = (img * 31 + 0.5).astype(np.int32)
    keys = (q[..., 0] << 10 | q[..., 1] << 5 | q[..., 2]).ravel()
    counts = np.bincount(keys, minlength=1 << 15)
    flat = img.reshape(-1, 3)
    out: list[tuple[np.ndarray, float]] = []
    for key in np.argsort(counts)[::-1][: 4 * k]:
        share = counts[key] / keys.size
        if share <= min_share or len(out) == k:
            break
        colour = flat[keys == key].mean(axis=0)
        near = [i for i, (c, _) in enumerate(out) if np.linalg.norm(c - colour) < 0.1]
        if near:
            out[near[0]] = (out[near[0]][0], out[near[0]][1] + share)
        else:
            out.append((colour, share))
    return out


def label(mask: np.ndarray, diagonal: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """8-connected (4-connected: `diagonal` False) regions of a boolean mask: (labels, sizes);
    label 0 is the background, sizes[i] the pixel count of region i. Runs of each row are
    joined with a union-find."""
    h, w = mask.shape
    edges = np.diff(np.pad(mask, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    rows, starts = np.nonzero(edges == 1)
    ends = np.nonzero(edges == -1)[1]
    parent = list(range(len(rows)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    row_first = np.searchsorted(rows, np.arange(h + 1))
    for r in range(1, h):
        i, i_end = row_first[r], row_first[r + 1]
        j, j_end = row_first[r - 1], row_first[r]
        while i < i_end and j < j_end:
            if starts[i] < ends[j] + diagonal and starts[j] < ends[i] + diagonal:  # overlap
                a, b = root(i), root(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            if ends[i] < ends[j]:
                i += 1
            else:
                j += 1
    roots = np.array([root(i) for i in range(len(rows))], dtype=np.int64)
    ids = np.unique(roots, return_inverse=True)[1] + 1 if len(rows) else roots
    labels = np.zeros((h, w), dtype=np.int32)
    for run in range(len(rows)):
        labels[rows[run], starts[run]:ends[run]] = ids[run]
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    return labels, sizes


def largest_region(mask: np.ndarray) -> np.ndarray:
    """The largest 8-connected region of `mask` (all False when the mask is empty)."""
    labels, sizes = label(mask)
    if sizes.size < 2:
        return np.zeros_like(mask)
    return labels == int(np.argmax(sizes))


def widest_region(mask: np.ndarray, min_share: float = 0.002) -> Box | None:
    """The box of the 8-connected region with the largest box (of the ten largest regions):
    axes lines with their ticks, rather than a bigger blob drawn inside them."""
    labels, sizes = label(mask)
    boxes = [bbox(labels == i) for i in np.argsort(sizes)[::-1][:10] if sizes[i] >= min_share * mask.size]
    boxes = [b for b in boxes if b is not None]
    return max(boxes, key=lambda b: (b[1] - b[0]) * (b[3] - b[2]), default=None)


def touching_edges(mask: np.ndarray) -> np.ndarray:
    """The 4-connected regions of `mask` that touch the picture's edge."""
    labels, _ = label(mask, diagonal=False)
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    return np.isin(labels, edge[edge > 0])


def bbox(mask: np.ndarray) -> Box | None:
    rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    if rows.size == 0:
        return None
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def pool(mask: np.ndarray, shape: tuple[int, int], share: float = 0.5) -> np.ndarray:
    """Shrink a boolean mask to `shape` by blocks: a block is set when at least `share` of
    its pixels are (0: when any is). Blocks split the image as evenly as they can."""
    h, w = mask.shape
    ri = np.linspace(0, h, shape[0] + 1).astype(int)
    ci = np.linspace(0, w, shape[1] + 1).astype(int)
    sums = np.add.reduceat(np.add.reduceat(mask.astype(np.float32), ri[:-1], axis=0), ci[:-1], axis=1)
    if share <= 0:
        return sums > 0
    return sums >= share * np.maximum(np.outer(np.diff(ri), np.diff(ci)), 1)


def unpool(small: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A pooled mask blown back up to `shape`: each pixel takes the value of its block."""
    ri = np.linspace(0, shape[0], small.shape[0] + 1).astype(int)
    ci = np.linspace(0, shape[1], small.shape[1] + 1).astype(int)
    rows = np.searchsorted(ri, np.arange(shape[0]), side="right") - 1
    cols = np.searchsorted(ci, np.arange(shape[1]), side="right") - 1
    return small[np.ix_(rows, cols)]


def shrink_shape(h: int, w: int, long_side: int) -> tuple[int, int]:
    """(h, w) scaled so the longer side is at most `long_side`, aspect kept."""
    f = min(1.0, long_side / max(h, w))
    return max(1, round(h * f)), max(1, round(w * f))


def background(img: np.ndarray) -> np.ndarray | None:
    """The colour of at least half of the outer one-pixel frame (a figure's face colour), else None."""
    frame = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
    colour, share = common_colours(frame[None], 1)[0]
    return colour if share >= 0.5 else None


def plot_area(img: np.ndarray) -> tuple[Box, bool]:
    """(box, framed): the box of the picture proper and whether axes lines frame it. In a
    saved figure that is the widest region differing from the figure's background (the image
    or axes box, joined to its ticks), cut back to its first filled lines near its edges (ticks
    and tick labels off), then without the axes lines. The whole picture when its frame is
    not one colour or nothing else is there."""
    h, w = img.shape[:2]
    bg = background(img)
    box = None
    if bg is not None:
        fg = distance(img, bg) > 0.1
        small = shrink_shape(h, w, 300)
        box = widest_region(pool(fg, small, 0))
    if box is None:
        return (0, h, 0, w), False
    fy, fx = h / small[0], w / small[1]
    r0, r1 = max(0, int((box[0] - 1) * fy)), min(h, int((box[1] + 1) * fy) + 1)
    c0, c1 = max(0, int((box[2] - 1) * fx)), min(w, int((box[3] + 1) * fx) + 1)
    rows, cols = fg[r0:r1, c0:c1].mean(axis=1), fg[r0:r1, c0:c1].mean(axis=0)
    r0, r1 = r0 + _filled_edge(rows), r1 - _filled_edge(rows[::-1])
    c0, c1 = c0 + _filled_edge(cols), c1 - _filled_edge(cols[::-1])
    return _strip_axes_lines(img, (r0, r1, c0, c1), bg)


def _filled_edge(fill: np.ndarray) -> int:
    """How many leading lines to drop: up to the first line at least 90% filled, if that
    is within the first 10% (beyond, the sparse lines are the picture's own, e.g. a triangle's apex)."""
    full = np.nonzero(fill >= 0.9)[0]
    if full.size and full[0] <= max(3, 0.1 * len(fill)):
        return int(full[0])
    return 0


def _strip_axes_lines(img: np.ndarray, box: Box, bg: np.ndarray) -> tuple[Box, bool]:
    """Drop up to 3 edge lines on each side that are uniform, dark and not the background
    (matplotlib's spines); framed when there were such lines on at least three sides."""
    r0, r1, c0, c1 = box
    stripped = [0, 0, 0, 0]

    def axis_line(line: np.ndarray, further_in: np.ndarray) -> bool:
        """Dark, one colour, unlike the background and the picture a few pixels further in."""
        if line.size == 0 or float(line.mean()) >= 0.55 or float(line.std(axis=0).max()) >= 0.08:
            return False
        colour = line.mean(axis=0)
        return float(np.linalg.norm(colour - bg)) > 0.3 and float(np.linalg.norm(colour - further_in.mean(axis=0))) > 0.15

    for _ in range(3):
        if r1 - r0 > 12 and axis_line(img[r0, c0:c1], img[r0 + 4, c0:c1]):
            r0, stripped[0] = r0 + 1, 1
        if r1 - r0 > 12 and axis_line(img[r1 - 1, c0:c1], img[r1 - 5, c0:c1]):
            r1, stripped[1] = r1 - 1, 1
        if c1 - c0 > 12 and axis_line(img[r0:r1, c0], img[r0:r1, c0 + 4]):
            c0, stripped[2] = c0 + 1, 1
        if c1 - c0 > 12 and axis_line(img[r0:r1, c1 - 1], img[r0:r1, c1 - 5]):
            c1, stripped[3] = c1 - 1, 1
    return (r0, r1, c0, c1), sum(stripped) >= 3


def stripes(img: np.ndarray, box: Box) -> str | None:
    """What `imshow` of a list of points (an N x 2 array) draws: a thin strip, or stripes (the
    pixels change nearly only from row to row, or from column to column); else None."""
    area = img[box[0]:box[1], box[2]:box[3]]
    h, w = area.shape[:2]
    if max(h, w) >= 8 * min(h, w):
        return f"a thin strip of {w}x{h} px"
    if min(h, w) < 2:
        return None
    # mean total change down a column (row to row) and along a row (column to column)
    down = float(np.abs(np.diff(area, axis=0)).max(axis=2).sum(axis=0).mean())
    across = float(np.abs(np.diff(area, axis=1)).max(axis=2).sum(axis=1).mean())
    if max(down, across) >= 2 and max(down, across) >= 4 * min(down, across):
        return "horizontal stripes" if down > across else "vertical stripes"
    return None


def axes_interior(img: np.ndarray) -> Box:
    """Inside the axes lines, 2 pixels clear of them, when a plot area is framed by them;
    else the whole picture (an image with no axes is its own plot area)."""
    (r0, r1, c0, c1), framed = plot_area(img)
    if not framed:
        return 0, img.shape[0], 0, img.shape[1]
    return r0 + 2, r1 - 2, c0 + 2, c1 - 2
