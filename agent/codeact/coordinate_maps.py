"""A silent mistake of pictures with axes: the values were computed over one window and the
axes say another. Read from the code (its syntax tree), no task knowledge. Pure functions.

`imshow(..., extent=(x0, x1, y0, y1))` labels the picture's axes. When a loop `for j in
range(N)` maps its index to a coordinate with the extent's own bounds (`x = x_min + j * (x_max -
x_min) / N`), the coordinate must run over that bound's interval: from the one end at j = 0 to
the other at j = N (or N - 1). A map that runs elsewhere (`x_min + (j - N / 2) * span / N`
starts half a window too far left) draws the right values under axes that lie. Only what can be
evaluated is judged: numbers assigned at the top of the code, names looked up by name (a
function's parameter takes the top-level number of the same name), + - * / // ** and unary
minus. Anything else is left alone.

A point made by `complex(re, im)` in such a loop is read the same way, its real part against the
extent's x axis and its imaginary part against its y axis (the complex plane's own axes), even when
the bounds are written as numbers.

Without an extent (imsave, or imshow with pixel axes) the window is the one the code names: a
map computed from both numbers of a pair of bounds (`x_min`/`x_max`, `xlo`/`xhi`,
`start_re`/`end_re`: names alike but for min/max, lo/hi, low/high, start/end, begin/end,
left/right) must run over that pair's interval, or the picture shows another window than the
code means.
"""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass

_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.FloorDiv: operator.floordiv, ast.Pow: operator.pow}
TOLERANCE = 0.05
"""A map's end may miss the extent's bound by this share of the extent's span (half a pixel and more)."""


@dataclass(frozen=True)
class Mismatch:
    name: str
    """The coordinate the loop computes, as the code names it."""
    index: str
    size: int
    start: float
    """Its value at index 0."""
    end: float
    """Its value at index `size`."""
    lo: float
    hi: float
    """The extent's bounds for that axis, in the order the extent gives them (or the named pair's)."""
    bounds: str = ""
    """"": the bounds are an imshow extent's; else the pair of names they are ("x_min and x_max")."""


def value_of(node: ast.AST, env: dict[str, float]) -> float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.Name):
        return env.get(node.id)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and isinstance(node.slice, ast.Constant) \
            and isinstance(node.slice.value, int) and not isinstance(node.slice.value, bool):
        return env.get(item_key(node.value.id, node.slice.value))  # an item of a known pair: x_range[0]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        v = value_of(node.operand, env)
        return None if v is None else (-v if isinstance(node.op, ast.USub) else v)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        a, b = value_of(node.left, env), value_of(node.right, env)
        if a is None or b is None or (isinstance(node.op, ast.Pow) and abs(b) > 64):
            return None
        try:
            out = _OPS[type(node.op)](a, b)
        except (ArithmeticError, ValueError, OverflowError):
            return None
        return float(out) if isinstance(out, int | float) else None
    return None


def item_key(name: str, index: int) -> str:
    """How an environment of numbers holds the items of a tuple of numbers (`x_range = (-2, 1)`)."""
    return f"{name}[{index}]"


def bound_keys(env: dict[str, float], name: str) -> list[str]:
    """The keys of `env` that `name` is bound to: itself, or its items."""
    return [k for k in env if k == name or k.startswith(name + "[")]


def bind(env: dict[str, float], name: str, node: ast.AST) -> None:
    """Bind `name` to the number `node` evaluates to, or to its items when it is a tuple or list of
    numbers (x_range[0], x_range[1]); forget what it was bound to before."""
    for key in bound_keys(env, name):
        del env[key]
    value = value_of(node, env)
    if value is not None:
        env[name] = value
    elif isinstance(node, ast.Tuple | ast.List):
        for i, item in enumerate(node.elts):
            v = value_of(item, env)
            if v is not None:
                env[item_key(name, i)] = v


def constants(tree: ast.Module) -> dict[str, float]:
    """The numbers the code's top level assigns (`width = 800`, `x_min, x_max = -2.5, 1.5`, the items of
    `x_range = (-2.5, 1.5)` as x_range[0] and x_range[1]), in order."""
    env: dict[str, float] = {}
    for stmt in tree.body:
        if not isinstance(stmt, ast.Assign):
            continue
        for target in stmt.targets:
            pairs = [(target, stmt.value)]
            if isinstance(target, ast.Tuple) and isinstance(stmt.value, ast.Tuple | ast.List) \
                    and len(target.elts) == len(stmt.value.elts):
                pairs = list(zip(target.elts, stmt.value.elts, strict=True))
            for t, v in pairs:
                if isinstance(t, ast.Name):
                    bind(env, t.id, v)
    for node in ast.walk(tree):  # then numbers computed inside functions (dx = (x_max - x_min) / width)
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and node.targets[0].id not in env:
            value = value_of(node.value, env)
            if value is not None:
                env[node.targets[0].id] = value
    return env


def _extents(tree: ast.AST, env: dict[str, float]) -> list[list[tuple[float, float, set[str]]]]:
    """Each imshow extent as its two axes: (first bound, second bound, the names in those bounds)."""
    named = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and isinstance(node.value, ast.Tuple | ast.List):
            named[node.targets[0].id] = node.value
    out = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name)
                and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id) == "imshow"):
            continue
        extent = next((k.value for k in node.keywords if k.arg == "extent"), None)
        if isinstance(extent, ast.Name):
            extent = named.get(extent.id)
        if not isinstance(extent, ast.Tuple | ast.List) or len(extent.elts) != 4:
            continue
        values = [value_of(e, env) for e in extent.elts]
        if None in values:
            continue
        names = [{n.id for n in ast.walk(e) if isinstance(n, ast.Name)} for e in extent.elts]
        out.append([(values[0], values[1], names[0] | names[1]), (values[2], values[3], names[2] | names[3])])
    return out


_PAIRS = (("min", "max"), ("lo", "hi"), ("low", "high"), ("start", "end"), ("begin", "end"), ("left", "right"))


def _partner(name: str, a: str, b: str) -> str | None:
    """`name` with its bound word a made b (x_min -> x_max, xmin -> xmax, min_x -> max_x), or None."""
    parts = name.split("_")
    for k, p in enumerate(parts):
        if p == a or (p.endswith(a) and 0 < len(p) - len(a) <= 4 and p[:-len(a)].isalpha()):
            return "_".join([*parts[:k], p[:len(p) - len(a)] + b, *parts[k + 1:]])
    return None


def _named_windows(env: dict[str, float]) -> list[tuple[float, float, tuple[str, str]]]:
    """The pairs of bounds the code names, as (one end, the other, (its name, the other's))."""
    out = []
    for name in env:
        for a, b in _PAIRS:
            other = _partner(name, a, b)
            if other in env and env[other] != env[name]:
                out.append((env[name], env[other], (name, other)))
    return out


def _loops(tree: ast.AST, env: dict[str, float]) -> list[tuple[ast.For, str, int]]:
    """Loops `for V in range(N)`, and each index of `for V, W in np.ndindex(N, M)`, with N (and M)
    numbers the code gives: (loop, index, size)."""
    out = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.For) and isinstance(node.iter, ast.Call)):
            continue
        func = node.iter.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name == "range" and isinstance(node.target, ast.Name) and len(node.iter.args) == 1:
            pairs = [(node.target, node.iter.args[0])]
        elif name == "ndindex" and isinstance(node.target, ast.Tuple) and len(node.target.elts) == len(node.iter.args):
            pairs = list(zip(node.target.elts, node.iter.args, strict=True))
        else:
            continue
        for target, bound in pairs:
            n = value_of(bound, env)
            if isinstance(target, ast.Name) and n is not None and n >= 2 and float(n).is_integer():
                out.append((node, target.id, int(n)))
    return out


def _close(a: float, b: float, span: float) -> bool:
    return abs(a - b) <= TOLERANCE * span


def _runs_over(start: float, end: float, last: float, windows: list[tuple[float, float]]) -> bool:
    """Does a map from `start` (index 0) to `end` (index N; `last` at N - 1) run over one of the
    windows, either way round?"""
    return any(_close(start, a, abs(hi - lo)) and (_close(end, b, abs(hi - lo)) or _close(last, b, abs(hi - lo)))
               for lo, hi in windows for a, b in ((lo, hi), (hi, lo)))


_PARTS = ("the real part passed to complex()", "the imaginary part passed to complex()")


def _complex_parts(loop: ast.For, index: str, size: int, env: dict[str, float],
                   extents: list[list[tuple[float, float, set[str]]]]) -> list[tuple[int, Mismatch]]:
    """`complex(re, im)` computed in the loop from its index: the real part is the picture's x, the
    imaginary part its y (the complex plane's own axes), so each must run over the extent's axis,
    whether the bounds are named or written as numbers."""
    out = []
    for call in ast.walk(loop):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "complex"
                and len(call.args) == 2):
            continue
        for axis, part in enumerate(call.args):
            if index not in {n.id for n in ast.walk(part) if isinstance(n, ast.Name)}:
                continue
            ends = [value_of(part, {**env, index: float(i)}) for i in (0, size, size - 1)]
            if None in ends or ends[0] == ends[1]:
                continue
            start, end, last = ends
            windows = [ax[axis][:2] for ax in extents if ax[axis][0] != ax[axis][1]]
            if windows and not _runs_over(start, end, last, windows):
                out.append((call.lineno, Mismatch(_PARTS[axis], index, size, start, end, *windows[0])))
    return out


def find_mismatches(tree: ast.Module) -> list[Mismatch]:
    """The loop coordinates of `tree` that run over another interval than the extent axis whose
    bounds they are computed from (see the module doc), once each, in the order of the code."""
    env = constants(tree)
    extents, windows = _extents(tree, env), _named_windows(env)
    if not extents and not windows:
        return []
    loops = _loops(tree, env)
    sizes = {n.id for loop, _, _ in loops for n in ast.walk(loop.iter) if isinstance(n, ast.Name)}
    found = []
    for loop, index, size in loops:
        if extents:
            found += _complex_parts(loop, index, size, env, extents)
        for stmt in ast.walk(loop):
            if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
                continue
            used = {n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name)}
            if index not in used:
                continue
            start, end = value_of(stmt.value, {**env, index: 0.0}), value_of(stmt.value, {**env, index: float(size)})
            last = value_of(stmt.value, {**env, index: float(size - 1)})
            if start is None or end is None or last is None or start == end:
                continue
            bounds = used - sizes  # a loop's size in a pixel extent (0, width) makes no coordinate of i * width
            axes = [(lo, hi, len(names & bounds)) for ax in extents for lo, hi, names in ax if names & bounds and lo != hi]
            said_by = ""
            if not axes:  # not computed from an extent's bounds: from both of a pair the code names?
                pairs = [(lo, hi, names) for lo, hi, names in windows if set(names) <= bounds]
                axes = [(lo, hi, 2) for lo, hi, _ in pairs]
                said_by = " and ".join(pairs[0][2]) if pairs else ""
            if not axes:
                continue
            if _runs_over(start, end, last, [(lo, hi) for lo, hi, _ in axes]):
                continue
            lo, hi, _ = max(axes, key=lambda a: a[2])
            found.append((stmt.lineno, Mismatch(stmt.targets[0].id, index, size, start, end, lo, hi, said_by)))
    first = {}
    for _, m in sorted(found, key=lambda f: f[0]):
        first.setdefault(m.name, m)
    return list(first.values())
