"""Silent mistakes read from what a saved figure shows (its facts, recorded in the sandbox by
tools/sandbox_runtime/playground_figure_facts.py), beside those read from the code
(agent/codeact/pitfalls.py).

An image drawn with cells far from square (one cell 1.78 times as wide as tall) whose cells
would be square with its rows and columns swapped: an array of shape (800, 600) drawn over a
4 x 3 window has cells 4/600 wide and 3/800 tall, while an 800-column, 600-row grid of the same
window has square cells. Its first index runs over x, so the picture is transposed, however the
code got there (filled [x, y]; filled [y, x] and then transposed). A square array, or one
whose cells are not square either way, is not judged: nothing says which way was meant.
"""

from __future__ import annotations

import prompts

CELL_RATIO_NOTED = 1.15
"""An image whose cells are drawn this much wider than tall (or taller than wide) is pointed out."""


def cell_ratio(extent: list, rows: int, cols: int, unit_ratio: float | None) -> float | None:
    """How many times wider than tall one array cell is drawn on screen (None where the facts do not say)."""
    if not rows or not cols or len(extent or []) != 4 or None in extent or unit_ratio is None:
        return None
    width, height = abs(extent[1] - extent[0]) / cols, abs(extent[3] - extent[2]) / rows
    return width / height * unit_ratio if height else None


def square(ratio: float | None) -> bool:
    return ratio is not None and 1 / CELL_RATIO_NOTED <= ratio <= CELL_RATIO_NOTED


def swapped_images(facts: list[dict]) -> list[str]:
    """One hint (prompts/agent.yaml pitfall_hints.swapped_cells) per image drawn transposed, as above."""
    hints = []
    for fact in facts:
        for ax in fact.get("axes", []) if fact.get("kind") != "imsave" else []:
            for im in ax.get("images", []):
                shape = im.get("shape") or []
                if len(shape) < 2 or shape[0] == shape[1]:
                    continue
                rows, cols = shape[0], shape[1]
                drawn = cell_ratio(im.get("extent"), rows, cols, ax.get("unit_ratio"))
                if drawn is None or square(drawn) or not square(cell_ratio(im.get("extent"), cols, rows,
                                                                          ax.get("unit_ratio"))):
                    continue
                hints.append(prompts.render("agent", "pitfall_hints.swapped_cells", file=fact.get("file", "?"),
                                            rows=rows, cols=cols, ratio=f"{drawn:.2f}"))
    return hints
