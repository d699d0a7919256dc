"""matplotlib backend used inside the sandbox (MPLBACKEND=module://playground_mpl_backend).

Agg rendering; plt.show() saves every open figure as figure_N.png in the work
dir and closes it; so does the end of a cell, for figures the code left open
without saving them. The bootstrap reads SAVED and WARNINGS after each program
or cell.

It also looks at what the code draws (playground_plot_checks) and notes the mistakes that leave a
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
import playground_plot_checks as plot_checks
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
    problem = plot_checks.image_data_problem(arr, call="imsave")
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


def imshow(self, X, *args, **kwargs):
    problem = plot_checks.image_data_problem(X, kwargs.get("aspect"))
    if problem:
        _note(problem)
    return _original_imshow(self, X, *args, **kwargs)


def _checked_grid(call: str):
    original = getattr(matplotlib.axes.Axes, call)

    def draw(self, *args, **kwargs):
        problem = plot_checks.grid_data_problem(call, args)
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
