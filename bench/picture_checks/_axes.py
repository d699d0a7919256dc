"""Reading the axes of a figure from its record (tools/sandbox_runtime/playground_figure_facts.py):
the tick labels as numbers at their places along the axes box."""

from __future__ import annotations

import numpy as np


def numeric_ticks(ticks: list) -> list[tuple[float, float]]:
    """[(fraction along the axes box, value), ...] of the tick labels; [] when one of them is not a
    number (a word, a formula): such labels make no coordinate claim to check."""
    out = []
    for frac, text in ticks:
        try:
            out.append((float(frac), float(text)))  # the record writes minus signs as "-"
        except ValueError:
            return []
    return out


def tick_map(ticks: list) -> tuple[float, float] | None:
    """(a, b) of value = a + b * fraction fitted to the numeric tick labels; None with fewer than two."""
    pairs = numeric_ticks(ticks)
    if len({p[0] for p in pairs}) < 2:
        return None
    fr, val = np.array(pairs).T
    b, a = np.polyfit(fr, val, 1)
    return float(a), float(b)


def linear_axes(facts: dict | None, want_image: bool = False) -> dict | None:
    """The one drawn axes of a figure's record (with linear scales and absolute tick labels) that holds
    the picture: with `want_image`, the axes with an image when one has; else the only axes."""
    if not facts or facts.get("kind") != "figure":
        return None
    axes = [a for a in facts.get("axes", []) if a.get("axis_on")]
    if want_image and any(a.get("images") for a in axes):
        axes = [a for a in axes if a.get("images")]
    if len(axes) != 1:
        return None
    ax = axes[0]
    if ax.get("xscale") != "linear" or ax.get("yscale") != "linear" or ax.get("tick_offset"):
        return None
    return ax
