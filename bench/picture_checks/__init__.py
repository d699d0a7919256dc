"""Content checks for the pictures the agent leaves: is the PNG what the task asked for?

A task of bench/agent_tasks.yaml names a check (`check: mandelbrot`) and its options
(`check_args: {...}`); `check_pictures` runs it on the task's image files in the work
dir and returns a Verdict (ok, reason), the reason saying what is wrong with each picture.
Every check takes the picture's pixels and, where the PNG carries it, the record of the
figure that drew it (`facts`: axes, limits, tick labels; tools/sandbox_runtime/
playground_figure_facts.py), so that axes which say something the picture does not show
can be caught.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from tools.sandbox_runtime.playground_figure_facts import read_png_facts

from ._image import load_rgb, plot_area
from ._types import Verdict
from .curve import check_curve, check_histogram
from .mandelbrot import check_mandelbrot
from .shapes import check_circle, check_sierpinski

__all__ = ["CHECKS", "IMAGE_SUFFIXES", "Verdict", "check_circle", "check_curve", "check_file", "check_histogram",
           "check_mandelbrot", "check_pictures", "check_sierpinski", "check_size", "load_rgb", "plot_area"]

CHECKS: dict[str, Callable[..., Verdict]] = {
    "mandelbrot": check_mandelbrot,
    "curve": check_curve,
    "histogram": check_histogram,
    "circle": check_circle,
    "sierpinski": check_sierpinski,
}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp")
SIZE_TOLERANCE = 0.02  # of the plot area, when the file itself is not the asked-for size


def check_size(img: np.ndarray, size: tuple[int, int]) -> Verdict:
    """Is the picture (or its plot area, for a figure with axes) `size` = (width, height) pixels?"""
    h, w = img.shape[:2]
    if (w, h) == tuple(size):
        return Verdict(True, f"{w}x{h} px")
    (r0, r1, c0, c1), framed = plot_area(img)
    pw, ph = c1 - c0, r1 - r0
    if framed and abs(pw - size[0]) <= SIZE_TOLERANCE * size[0] and abs(ph - size[1]) <= SIZE_TOLERANCE * size[1]:
        return Verdict(True, f"plot area {pw}x{ph} px")
    return Verdict(False, f"picture is {w}x{h} px, not {size[0]}x{size[1]}")


def check_file(path: Path, check: str, size: tuple[int, int] | None = None, **args) -> Verdict:
    """Run the named check on one picture file; an unreadable file is a failed check."""
    try:
        img = load_rgb(path)
    except Exception as e:  # whatever the model wrote, it is not a picture it can show
        return Verdict(False, f"cannot read the picture: {type(e).__name__}: {e}")
    if size is not None and not (fits := check_size(img, size)).ok:
        return fits
    return CHECKS[check](img, facts=read_png_facts(path), **args)


def check_pictures(task: dict, workdir: Path, named: list[str] | None = None) -> Verdict:
    """The task's check on its image files (its `files` patterns, default *.png): ok when one
    passes; else the reasons, picture by picture (newest first, at most three). `named`: the files the
    final answer names; when it names pictures that are there, those are what a person opens, so each
    of them must pass (a right figure_1.png does not excuse the sideways mandelbrot.png it names)."""
    patterns = task.get("files") or ["*.png"]
    paths = {p for pattern in patterns for p in workdir.glob(pattern)
             if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES}
    args = dict(task.get("check_args") or {})
    claimed = [workdir / f for f in named or [] if (workdir / f).is_file() and (workdir / f).suffix.lower() in IMAGE_SUFFIXES]
    if claimed:
        verdicts = [(p.name, check_file(p, task["check"], **args)) for p in claimed]
        bad = [f"{name}: {v.reason}" for name, v in verdicts if not v.ok]
        return Verdict(not bad, "; ".join(bad) if bad else "; ".join(f"{name}: {v.reason}" for name, v in verdicts))
    if not paths:
        return Verdict(False, f"no picture matching {', '.join(patterns)}")
    reasons = []
    for path in sorted(paths, key=lambda p: p.stat().st_mtime, reverse=True):
        verdict = check_file(path, task["check"], **args)
        if verdict.ok:
            return Verdict(True, f"{path.name}: {verdict.reason}")
        reasons.append(f"{path.name}: {verdict.reason}")
    return Verdict(False, "; ".join(reasons[:3]) + (f"; and {len(reasons) - 3} more" if len(reasons) > 3 else ""))
