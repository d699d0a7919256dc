"""matplotlib backend used inside the sandbox (MPLBACKEND=module://playground_mpl_backend).

Agg rendering; plt.show() saves every open figure as figure_N.png in the work
dir and closes it; so does the end of a cell, for figures the code left open
without saving them. The bootstrap reads SAVED and WARNINGS after each program
or cell.

It also looks at what the code draws and notes the mistakes that leave a
picture showing nothing (WARNINGS): an image of a list of points (imshow on an
N x 2 array), an image of one constant value, a saved figure with nothing drawn.
"""

import os

import matplotlib.axes
import matplotlib.figure
from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg

SAVED: list = []
"""File names (relative to the work dir) of figures saved since the bootstrap last looked."""
WARNINGS: list = []
"""Problems with what was drawn since the bootstrap last looked, one sentence each."""

_counter = [0]
_original_savefig = matplotlib.figure.Figure.savefig
_original_imshow = matplotlib.axes.Axes.imshow


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


def _record_save(fig, fname, kwargs) -> None:
    fig._playground_saved = True
    if not isinstance(fname, (str, os.PathLike)):
        return  # a file object: nothing to name
    path = os.fspath(fname)
    if not os.path.splitext(path)[1]:
        path += "." + str(kwargs.get("format") or matplotlib.rcParams["savefig.format"])
    name = os.path.relpath(os.path.abspath(path))
    if name not in SAVED:
        SAVED.append(name)
    if _draws_nothing(fig):
        _note(f"{name} is empty: nothing was drawn on the figure before it was saved.")


def savefig(self, fname, *args, **kwargs):
    result = _original_savefig(self, fname, *args, **kwargs)
    _record_save(self, fname, kwargs)
    return result


def image_data_problem(data, aspect=None) -> str | None:
    """Why an array passed to imshow cannot show a picture, or None. A strip with aspect="auto" (a
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
        return (f"imshow was given an array of shape ({rows}, {cols}), a list of points rather than a "
                f"grid of pixel values, so the picture shows stripes, not the shape. Pass imshow a 2-D "
                f"array with one value per pixel, e.g. counts = np.zeros((height, width)) filled in "
                f"a loop over rows and columns.")
    if array.ndim == 2 and array.size > 1 and np.issubdtype(array.dtype, np.number):
        finite = array[np.isfinite(array)] if np.issubdtype(array.dtype, np.floating) else array.ravel()
        if finite.size == 0:
            return "imshow was given an array with no finite values (all NaN or inf), so the picture is blank."
        if finite.min() == finite.max():
            return (f"imshow was given an array whose values are all {finite.flat[0].item()!r}, so the picture is "
                    f"one flat colour; the computation did not produce varying values.")
    return None


def imshow(self, X, *args, **kwargs):
    problem = image_data_problem(X, kwargs.get("aspect"))
    if problem:
        _note(problem)
    return _original_imshow(self, X, *args, **kwargs)


matplotlib.figure.Figure.savefig = savefig
matplotlib.axes.Axes.imshow = imshow


def save_all_figures() -> None:
    """Save each open figure that the code did not save itself, then close them all."""
    import matplotlib.pyplot as plt

    for num in plt.get_fignums():
        fig = plt.figure(num)
        if not getattr(fig, "_playground_saved", False):
            name = _next_name()
            _original_savefig(fig, name, format="png")
            SAVED.append(name)
            if _draws_nothing(fig):
                _note(f"{name} is empty: nothing was drawn on the figure.")
        plt.close(fig)


class FigureManager(FigureManagerBase):
    pass


class FigureCanvas(FigureCanvasAgg):
    manager_class = FigureManager


def show(*args, **kwargs) -> None:
    save_all_figures()
