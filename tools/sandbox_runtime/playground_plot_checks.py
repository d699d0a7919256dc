"""What drawn values cannot show as a picture (imported by playground_mpl_backend inside the
sandbox; numpy only, imported where needed): an image of a list of points, of one value or
nearly one, of values mostly NaN or inf, or whose rows (or columns) are all the same. Each
check returns one sentence for the observation, or None."""


def image_data_problem(data, aspect=None, call="imshow") -> str | None:
    """Why an array passed to imshow (or imsave: `call`) cannot show a picture, or None. A strip with aspect="auto" (a
    colour-map demo) is meant that way."""
    try:
        import numpy as np

        array = np.asarray(data)
    except Exception:
        return None
    if array.dtype == object or array.size == 0:
        return None
    if array.ndim == 2 and array.shape[1] in (2, 3) and array.shape[0] >= 50 and aspect != "auto":
        rows, cols = array.shape
        return (f"{call} was given an array of shape ({rows}, {cols}), a list of points rather than a "
                f"grid of pixel values, so the picture shows stripes, not the shape. Pass imshow a 2-D "
                f"array with one value per pixel, e.g. counts = np.zeros((height, width)) filled in "
                f"a loop over rows and columns.")
    if array.ndim == 2 and array.size > 1 and (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        finite = array[np.isfinite(array)] if np.issubdtype(array.dtype, np.inexact) else array.ravel()
        if finite.size == 0:
            return f"{call} was given an array with no finite values (all NaN or inf), so the picture is blank."
        blank = _mostly_nonfinite(call, array.size, finite.size)
        if blank:
            return blank
        if finite.min() == finite.max():
            return (f"{call} was given an array whose values are all {finite.flat[0].item()!r}, so the picture is "
                    f"one flat colour; the computation did not produce varying values.")
        return _nearly_flat(np, finite, call) or (None if aspect == "auto" else _stripes(np, array, call))
    return None


STRIPE_MIN = 16
"""Rows and columns an image needs before all its rows (or columns) being the same is a mistake: a thinner
array is a strip meant that way."""


def _stripes(np, array, call) -> str | None:
    """An image over two coordinates whose values change along one of them only: all rows the same
    (vertical stripes: the row's coordinate, y, never reached the computation) or all columns the same.
    A linear ramp (a gradient, made that way on purpose) is not flagged."""
    rows, cols = array.shape
    if min(rows, cols) < STRIPE_MIN:
        return None
    try:
        for axis, line, same, missing, varies in ((0, array[0], "rows", "y (the row)", "across it, with x"),
                                                  (1, array[:, 0], "columns", "x (the column)", "up and down it, with y")):
            if not np.array_equal(array, np.broadcast_to(line if axis == 0 else line[:, None], array.shape),
                                  equal_nan=np.issubdtype(array.dtype, np.inexact)):
                continue
            steps = np.diff(np.asarray(line, dtype=float))
            if steps.size and np.all(np.isfinite(steps)) and np.allclose(steps, steps[0]):
                return None  # an even ramp: a gradient
            stripes = "vertical" if axis == 0 else "horizontal"
            return (f"{call} was given an array of shape ({rows}, {cols}) whose {same} are all the same: its values "
                    f"change only {varies}, so the picture is {stripes} stripes and {missing} never reached the "
                    f"computation of a value. Compute each cell from both its row's y and its column's x.")
    except (TypeError, ValueError):
        return None
    return None


NONFINITE_SHARE = 0.5
"""A grid drawn with at least this share of its cells NaN or inf shows mostly nothing: matplotlib leaves
those cells blank (the figure's background), whatever the colour map."""


def _mostly_nonfinite(call: str, size: int, finite: int) -> str | None:
    share = 1 - finite / size
    if share < NONFINITE_SHARE:
        return None
    return (f"{call} was given values of which {share:.0%} are NaN or inf (an overflow: numbers that grew past "
            f"what a float holds), and those cells are drawn blank, so the picture shows only the other "
            f"{1 - share:.0%}. Compute values that stay finite: stop updating a value once it has passed "
            f"the bound that decides it, and draw what you recorded then.")


def grid_data_problem(call: str, args: tuple) -> str | None:
    """Why the values given to contour, contourf or pcolormesh (the last 2-D array of the first three
    arguments: C of (C) or (X, Y, C)) cannot show a picture, or None."""
    try:
        import numpy as np

        grids = [np.asarray(a) for a in args[:3]]
        values = [g for g in grids if g.ndim == 2 and np.issubdtype(g.dtype, np.number)][-1:]
        if not values or values[0].size <= 1:
            return None
        data = values[0]
        if np.iscomplexobj(data):
            return None  # matplotlib refuses complex values itself, with an error
        return _mostly_nonfinite(call, data.size, int(np.isfinite(data).sum()))
    except Exception:
        return None


FLAT_SHARE = 0.999
"""An image with at least this share of its cells at one value (and NEARLY_FLAT_CELLS cells or more)
looks like one flat colour to a person: fewer than 1 in 1,000 cells differ (a one-pixel circle of
radius 100 on 800 x 600 is 0.13% of the cells and is not flagged)."""
NEARLY_FLAT_CELLS = 10_000


def _nearly_flat(np, finite, call="imshow") -> str | None:
    if finite.size < NEARLY_FLAT_CELLS:
        return None
    values = finite.ravel()
    if values.size > 4_000_000:  # a big picture: the share from an even sample of its cells
        values = values[:: values.size // 4_000_000 + 1]
    uniq, counts = np.unique(values, return_counts=True)
    top = int(counts.argmax())
    share = counts[top] / values.size
    if share < FLAT_SHARE:
        return None
    others = ", ".join(repr(v.item()) for v in np.delete(uniq, top)[:3])
    return (f"{call} was given an array whose values are {uniq[top].item()!r} in {share:.3%} of its cells "
            f"(the rest: {others}{', ...' if uniq.size > 4 else ''}), so the picture is one flat colour "
            f"with a few specks; the computation barely varies. Check the values it computes.")
