"""matplotlib backend used inside the sandbox (MPLBACKEND=module://playground_mpl_backend).

Agg rendering; plt.show() saves every open figure as figure_N.png in the work
dir and closes it. The bootstrap reads SAVED after each program or cell."""

import os

from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg

SAVED: list = []
"""File names (relative to the work dir) saved since the bootstrap last looked."""

_counter = [0]


def _next_name() -> str:
    while True:
        _counter[0] += 1
        name = f"figure_{_counter[0]}.png"
        if not os.path.exists(name):
            return name


def save_all_figures() -> None:
    import matplotlib.pyplot as plt

    for num in plt.get_fignums():
        fig = plt.figure(num)
        name = _next_name()
        fig.savefig(name, format="png")
        SAVED.append(name)
        plt.close(fig)


class FigureManager(FigureManagerBase):
    pass


class FigureCanvas(FigureCanvasAgg):
    manager_class = FigureManager


def show(*args, **kwargs) -> None:
    save_all_figures()
