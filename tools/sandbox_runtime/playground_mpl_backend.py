"""matplotlib backend used inside the sandbox (MPLBACKEND=module://playground_mpl_backend).

Agg rendering; plt.show() saves every open figure as figure_N.png in the work
dir and closes it; so does the end of a cell, for figures the code left open
without saving them. The bootstrap reads SAVED and WARNINGS after each program
or cell.

It also looks at what the code draws and notes the mistakes that leave a
picture showing nothing (WARNINGS): an image of a list of points (imshow on an
N x 2 array), an image of one constant value, an image whose rows are all the same
(or columns: the values ignore one of the two coordinates), a grid (imshow, contour,
contourf, pcolormesh) of values mostly NaN or inf, a saved figure with nothing drawn.
And it records what each saved picture shows (FACTS, playground_figure_facts): the
axes, their limits and tick labels, the images drawn with their shape, extent and
origin; a PNG carries that record in a text chunk.
"""

import json
import os

import matplotlib.axes
import matplotlib.figure
import matplotlib.image
import playground_figure_facts as figure_facts
from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg

SAVED: list = []
"""File names (relative to the work dir) of figures saved since the bootstrap last looked."""
WARNINGS: list = []
"""Problems with what was drawn since the bootstrap last looked, one sentence each."""
FACTS: list = []
"""What each picture saved since the bootstrap last looked shows (playground_figure_facts), with its
"file" and, for a PNG, its "size_px"."""

_counter = [0]
_original_savefig = matplotlib.figure.Figure.savefig
_original_imshow = matplotlib.axes.Axes.imshow
_original_imsave = matplotlib.image.imsave


def _next_name() -> str:
    while True:
        _counter[0] += 1
        name = f"figure_{_counter[0]}.png"
        if not os.path.exists(name):
            return name


def _note(message: str) -> None:
    if message not in WARNINGS:
        WARNINGS.append(message)


def _draws_nothing(fig) -> bool:
    return not fig.images and not any(ax.has_data() for ax in fig.axes)


def _saved_name(fname, kwargs, default_format) -> str | None:
    if not isinstance(fname, (str, os.PathLike)):
        return None  # a file object: nothing to name
    path = os.fspath(fname)
    if not os.path.splitext(path)[1]:
        path += "." + str(kwargs.get("format") or default_format)
    return os.path.relpath(os.path.abspath(path))


def _record_facts(name: str, facts: dict | None) -> None:
    if facts is None:
        return
    facts = dict(facts, file=name)
    if name.lower().endswith(".png"):
        facts["size_px"] = figure_facts.png_size(name)
    FACTS[:] = [f for f in FACTS if f.get("file") != name] + [facts]


def _record_save(fig, fname, kwargs, facts: dict | None = None) -> None:
    fig._playground_saved = True
    name = _saved_name(fname, kwargs, matplotlib.rcParams["savefig.format"])
    if name is None:
        return
    if name not in SAVED:
        SAVED.append(name)
    _record_facts(name, facts)
    if _draws_nothing(fig):
        _note(f"{name} is empty: nothing was drawn on the figure before it was saved.")


def _facts_of(fig) -> dict | None:
    try:
        return figure_facts.figure_facts(fig)
    except Exception:  # the record is a help: never break the user's savefig
        return None


def _with_metadata(fname, kwargs, facts):
    """savefig's kwargs with the record added to a PNG's metadata (the user's own metadata kept)."""
    name = _saved_name(fname, kwargs, matplotlib.rcParams["savefig.format"]) if facts else None
    fmt = str(kwargs.get("format") or (os.path.splitext(name)[1][1:] if name else "")).lower()
    if fmt != "png":
        return kwargs
    metadata = dict(kwargs.get("metadata") or {})
    metadata.setdefault(figure_facts.KEY, json.dumps(facts))
    return dict(kwargs, metadata=metadata)


_saving = [0]
"""savefig calls in progress: matplotlib writes a figure's PNG through imsave, which is not the user's imsave."""


def _save(fig, fname, *args, **kwargs):
    _saving[0] += 1
    try:
        return _original_savefig(fig, fname, *args, **kwargs)
    finally:
        _saving[0] -= 1


def savefig(self, fname, *args, **kwargs):
    facts = _facts_of(self)
    result = _save(self, fname, *args, **_with_metadata(fname, kwargs, facts))
    _record_save(self, fname, kwargs, facts)
    return result


def imsave(fname, arr, *args, **kwargs):
    result = _original_imsave(fname, arr, *args, **kwargs)
    if _saving[0]:
        return result
    problem = image_data_problem(arr, call="imsave")
    if problem:
        _note(problem)
    name = _saved_name(fname, kwargs, kwargs.get("format") or matplotlib.rcParams["savefig.format"])
    if name is not None:
        if name not in SAVED:
            SAVED.append(name)
        origin = kwargs.get("origin") or matplotlib.rcParams["image.origin"]
        try:
            _record_facts(name, figure_facts.imsave_facts(arr, origin))
        except Exception:
            pass
    return result


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


def imshow(self, X, *args, **kwargs):
    problem = image_data_problem(X, kwargs.get("aspect"))
    if problem:
        _note(problem)
    return _original_imshow(self, X, *args, **kwargs)


def _checked_grid(call: str):
    original = getattr(matplotlib.axes.Axes, call)

    def draw(self, *args, **kwargs):
        problem = grid_data_problem(call, args)
        if problem:
            _note(problem)
        return original(self, *args, **kwargs)

    draw.__name__ = call
    draw.__doc__ = original.__doc__
    return draw


matplotlib.figure.Figure.savefig = savefig
matplotlib.axes.Axes.imshow = imshow
for _call in ("contour", "contourf", "pcolormesh"):
    setattr(matplotlib.axes.Axes, _call, _checked_grid(_call))
matplotlib.image.imsave = imsave


def save_all_figures() -> None:
    """Save each open figure that the code did not save itself, then close them all."""
    import matplotlib.pyplot as plt

    for num in plt.get_fignums():
        fig = plt.figure(num)
        if not getattr(fig, "_playground_saved", False):
            name = _next_name()
            facts = _facts_of(fig)
            _save(fig, name, **_with_metadata(name, {"format": "png"}, facts))
            SAVED.append(name)
            _record_facts(name, facts)
            if _draws_nothing(fig):
                _note(f"{name} is empty: nothing was drawn on the figure.")
        plt.close(fig)


class FigureManager(FigureManagerBase):
    pass


class FigureCanvas(FigureCanvasAgg):
    manager_class = FigureManager


def show(*args, **kwargs) -> None:
    save_all_figures()
