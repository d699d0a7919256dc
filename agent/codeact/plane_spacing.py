"""A silent mistake of pictures of the complex plane: pixels that span unequal lengths of its two
axes. Read from the code (its syntax tree), no task knowledge. Pure functions.

Points of the plane made from two grids, `x + 1j * y` or `complex(x, y)` (directly, through
`np.meshgrid` or broadcast as `x[:, None]`), with `x = np.linspace(x0, x1, nx)` and `y =
np.linspace(y0, y1, ny)`, are one pixel each. Drawn with pixel axes (imshow without an extent,
imsave, Image.fromarray), each pixel is square on screen, so one unit of the real axis is drawn
(ny - 1) / (y1 - y0) / ((nx - 1) / (x1 - x0)) times as long as one unit of the imaginary axis: the
picture is stretched unless the two spans are in proportion to the two pixel counts. The plane's
own axes have one unit, so that is wrong whatever is drawn. Only what can be evaluated is judged
(agent/codeact/coordinate_maps.py: numbers the code assigns, and here also the numbers a function's
parameters default to); an imshow given an extent or an aspect decides its units itself and is left alone.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from agent.codeact.coordinate_maps import bind, bound_keys, constants, value_of

STRETCH = 1.15
"""Units are square within this factor (a person sees a stretch beyond it)."""


@dataclass(frozen=True)
class Stretch:
    name: str
    """The array of points, as the code names it (or the expression's first grid)."""
    x: tuple[float, float, int]
    """The real axis: (from, to, points)."""
    y: tuple[float, float, int]
    """The imaginary axis: (from, to, points)."""
    sources: tuple[ast.Assign | None, ast.Assign | None] = (None, None)
    """The linspace assignments of the real and the imaginary grid."""

    @property
    def ratio(self) -> float:
        """How many times as long one unit of x is drawn as one unit of y."""
        return _per_unit(self.x) / _per_unit(self.y)

    def widened(self) -> tuple[str, float, float]:
        """("real" or "imaginary", from, to): the axis whose units are drawn longer, widened about its
        middle until the units are square at these pixel counts. Widening, not narrowing the other,
        keeps all of the window the code chose in the picture."""
        wide, other = (self.x, self.y) if self.ratio > 1 else (self.y, self.x)
        mid, half = (wide[0] + wide[1]) / 2, (wide[2] - 1) / _per_unit(other) / 2
        return ("real" if wide is self.x else "imaginary"), mid - half, mid + half

    def edit(self) -> tuple[int, str, str] | None:
        """(line, the linspace assignment there, the same widened): the change that squares the units."""
        axis, lo, hi = self.widened()
        source = self.sources[0 if axis == "real" else 1]
        if source is None:
            return None
        call = source.value
        new = ast.Assign(targets=source.targets, value=ast.Call(
            func=call.func, args=[ast.Constant(round(lo, 4)), ast.Constant(round(hi, 4)), *call.args[2:]],
            keywords=call.keywords), lineno=source.lineno)
        return source.lineno, ast.unparse(source), ast.unparse(new)


def _per_unit(axis: tuple[float, float, int]) -> float:
    lo, hi, n = axis
    return (n - 1) / abs(hi - lo)


def _defaults(tree: ast.AST) -> dict[str, float]:
    """The numbers functions' parameters default to (`def plot(width=800, x_min=-2.0)`; the items of
    `x_range=(-2.1, 1.1)` as x_range[0] and x_range[1])."""
    env: dict[str, float] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            args = node.args.args[len(node.args.args) - len(node.args.defaults):]
            pairs = [*zip(args, node.args.defaults, strict=True), *zip(node.args.kwonlyargs, node.args.kw_defaults,
                                                                          strict=True)]
            for arg, default in pairs:
                if default is not None and not bound_keys(env, arg.arg):
                    bind(env, arg.arg, default)
    return env


def _call_name(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        f = node.func
        return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
    return ""


def _grids(tree: ast.AST, env: dict[str, float]) -> tuple[dict[str, tuple[float, float, int]], dict[str, ast.Assign]]:
    """Names bound to an evaluable np.linspace(from, to, points), and the meshgrid outputs made of them;
    and the linspace assignment each comes from."""
    grids: dict[str, tuple[float, float, int]] = {}
    sources: dict[str, ast.Assign] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target, value = node.targets[0], node.value
        if isinstance(target, ast.Name) and _call_name(value) == "linspace" and len(value.args) >= 3:
            lo, hi, n = (value_of(a, env) for a in value.args[:3])
            if None not in (lo, hi, n) and lo != hi and n >= 2 and float(n).is_integer():
                grids[target.id], sources[target.id] = (lo, hi, int(n)), node
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Tuple) \
                and _call_name(node.value) == "meshgrid" and len(node.value.args) == 2 \
                and not any(k.arg == "indexing" for k in node.value.keywords):
            for out, source in zip(node.targets[0].elts, node.value.args, strict=False):
                if isinstance(out, ast.Name) and isinstance(source, ast.Name) and source.id in grids:
                    grids[out.id], sources[out.id] = grids[source.id], sources[source.id]
    return grids, sources


def _grid_of(node: ast.AST, grids: dict[str, tuple[float, float, int]]) -> str | None:
    """The grid an operand is: a name (`x`) or one broadcast (`x[:, None]`, `x[np.newaxis, :]`)."""
    if isinstance(node, ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) and node.id in grids else None


def _imaginary(node: ast.AST, grids: dict[str, tuple[float, float, int]]) -> str | None:
    """The grid of `1j * y` or `y * 1j`."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        for unit, other in ((node.left, node.right), (node.right, node.left)):
            if isinstance(unit, ast.Constant) and unit.value == 1j:
                return _grid_of(other, grids)
    return None


def _planes(tree: ast.AST, grids: dict[str, tuple[float, float, int]]) -> list[tuple[int, str, str, str]]:
    """(line, name, real grid, imaginary grid) of each point array the code makes from two grids."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, value = node.targets[0].id, node.value
            pair = None
            if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
                pair = next(((r, i) for r, i in ((_grid_of(value.left, grids), _imaginary(value.right, grids)),
                                                 (_grid_of(value.right, grids), _imaginary(value.left, grids)))
                             if r and i), None)
            elif _call_name(value) == "complex" and len(value.args) == 2:
                pair = (_grid_of(value.args[0], grids), _grid_of(value.args[1], grids))
            if pair and None not in pair:
                out.append((node.lineno, name, *pair))
    return out


def _units_set_by_imshow(tree: ast.AST) -> bool:
    return any(_call_name(n) == "imshow" and any(k.arg in ("extent", "aspect") for k in n.keywords)
               for n in ast.walk(tree))


def find_stretches(tree: ast.Module) -> list[Stretch]:
    """The point arrays of `tree` drawn with unequal units on the plane's two axes (see the module doc)."""
    if _units_set_by_imshow(tree):
        return []
    env = {**_defaults(tree), **constants(tree)}
    grids, sources = _grids(tree, env)
    found = []
    for _, name, re_, im in sorted(_planes(tree, grids)):
        s = Stretch(name, grids[re_], grids[im], (sources.get(re_), sources.get(im)))
        if max(s.ratio, 1 / s.ratio) > STRETCH:
            found.append(s)
    return found[:1]
