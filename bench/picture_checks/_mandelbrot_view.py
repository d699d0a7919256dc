"""How a matched Mandelbrot set is shown, as a person looks at it (bench/picture_checks/mandelbrot.py,
steps 5 and 6 of its doc): which way up, with what units, and whether the figure's tick labels
mark where the set is."""

from __future__ import annotations

from ._axes import linear_axes, numeric_ticks

Window = tuple[float, float, float, float]  # x0, x1, y0, y1: x0 at the first column/row

UPRIGHT = "x right"
WRONG_WAY = {
    "x left": "mirrored: the real axis grows to the left",
    "x down": "on its side: the real axis runs down the picture (an array filled as [x, y] shown by imshow?)",
    "x up": "on its side: the real axis runs up the picture (an array filled as [x, y] shown by imshow?)",
}
ASPECT_TOLERANCE = 0.15  # one unit of x against one unit of y on screen
LABEL_TOLERANCE = 0.1  # of the window's span: a tick label this far from the coordinate it marks lies


def unit_ratio(window: Window, box: tuple[int, int, int, int]) -> float:
    """How many times longer one unit of x is drawn than one unit of y, for `window` shown upright
    over the plot area `box` (rows r0:r1, columns c0:c1)."""
    x0, x1, y0, y1 = window
    px_per_x = (box[3] - box[2]) / abs(x1 - x0)
    px_per_y = (box[1] - box[0]) / abs(y1 - y0)
    return px_per_x / px_per_y


def _shows_indices(ax: dict) -> bool:
    return bool(ax.get("images")) and not any(im.get("extent_given") for im in ax["images"])


def labels_lie(facts: dict | None, window: Window, in_plot_area: bool) -> str:
    """What the tick labels claim that the matched window contradicts, or "" (`in_plot_area`: the set
    was matched in the plot area of the figure, the box its axes frame)."""
    ax = linear_axes(facts, want_image=True) if in_plot_area else None
    if ax is None or _shows_indices(ax):
        return ""
    x0, x1, y0, y1 = window
    problems = []
    xs = numeric_ticks(ax.get("xticks", []))
    if xs:
        span = abs(x1 - x0)
        worst = max(xs, key=lambda t: abs(t[1] - (x0 + (x1 - x0) * t[0])))
        at = x0 + (x1 - x0) * worst[0]
        if abs(worst[1] - at) > LABEL_TOLERANCE * span:
            problems.append(f"the x tick labelled {worst[1]:g} marks x = {at:.2f}")
    ys = numeric_ticks(ax.get("yticks", []))
    if ys:
        span = abs(y1 - y0)
        marked = [(v, y0 + (y1 - y0) * (1 - f)) for f, v in ys]  # the record's fractions run bottom to top
        # the set is symmetric about the real axis: the labels may run either way
        off = min(max(abs(v - sign * at) for v, at in marked) for sign in (1, -1))
        if off > LABEL_TOLERANCE * span:
            v, at = max(marked, key=lambda t: min(abs(t[0] - t[1]), abs(t[0] + t[1])))
            problems.append(f"the y tick labelled {v:g} marks y = {abs(at):.2f} or {-abs(at):.2f}")
    return "; ".join(problems)


def labels_checked(facts: dict | None, in_plot_area: bool) -> str:
    """What was checked of the axes, in a few words."""
    ax = linear_axes(facts, want_image=True) if in_plot_area else None
    if ax is None:
        return "axes not checked (the picture carries no record of its tick labels)"
    if _shows_indices(ax):
        return "axes show array indices"
    return "tick labels agree with the set's position"
