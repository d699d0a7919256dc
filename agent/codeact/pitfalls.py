"""Silent mistakes: code that runs without an error and still makes the wrong thing.

The sandbox only reports errors; these are read from the code itself (its syntax tree),
for mistakes that leave no trace in stderr. Each found pitfall names a hint in
prompts/agent.yaml (`pitfall_hints`) and the names it found, so the observation can say
what in this code is wrong. Pure functions.

- `image_xy`: an array filled as a[x, y] (first index over the width or the x values),
  then drawn by imshow / imsave / matshow / Image.fromarray, which draw the first index
  down the picture: the picture comes out transposed, on its side. Found from the array's
  shape, (width, height); from its stores, a[i, j] with i over range(width) or over the x
  values, or i picking x values (x[i]) or computing one (x_val = x0 + dx * i) in any loop (np.ndindex,
  zip); or from a grid built x-first (meshgrid(..., indexing="ij"), x[:, None] + y[None, :]).
  A store that copies another array at the same indices (a[i, j] = f(c[i, j])) takes c's
  orientation instead. Code that transposes anything (`.T`, transpose, swapaxes, rot90) is left alone, and so is
  PIL's pixel access (`img.load()[x, y]`, which is x-first by design).
- `image_yx_transposed`: the other way round: an array made or filled y-first (shape (height,
  width), a[y, x] in loops over the height and the width), which is how imshow draws it, then
  shown transposed (`imshow(a.T)`, np.transpose(a), or of what is computed from it): on its side.
- `coords_extent`: a loop maps its index to a coordinate over another window than the imshow
  extent it is drawn with says, so the axes lie (agent/codeact/coordinate_maps.py);
  `coords_window`: with no extent to say it, over another window than the pair of bounds it is
  computed from names (x_min and x_max), so the picture shows another part of the plane.
- `stretched_plane`: points of the complex plane made from two linspace grids whose spacings differ,
  drawn with pixel axes: one unit of one axis is drawn longer than one of the other
  (agent/codeact/plane_spacing.py).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

import prompts
from agent.codeact.coordinate_maps import find_mismatches
from agent.codeact.plane_spacing import Stretch, find_stretches

_X_SIZE = re.compile(r"^(w|width|\w*_width|width_\w*|nx|n_x|num_x|x_?(res|resolution|size|pixels|points|steps|len|n|num)"
                     r"|(res|size|num|n|len)_?x|cols|ncols|n_cols|num_cols|columns|xdim|dim_?x)$", re.I)
_Y_SIZE = re.compile(r"^(h|height|\w*_height|height_\w*|ny|n_y|num_y|y_?(res|resolution|size|pixels|points|steps|len|n|num)"
                     r"|(res|size|num|n|len)_?y|rows|nrows|n_rows|num_rows|ydim|dim_?y)$", re.I)
_X_COORD = re.compile(r"^(x|xs|cx|re|real|reals|x_?(vals?|values|coords?|range|axis|points|grid|array|arr|list|lin|space)"
                      r"|real_?(vals?|values|axis|part|range|grid)|re_?(vals?|values|axis|range)|[a-z]\w*_(real|re))$", re.I)
_SHOW = frozenset({"imshow", "imsave", "matshow", "fromarray"})
_TRANSPOSE = frozenset({"T", "transpose", "swapaxes", "rot90", "moveaxis"})


@dataclass(frozen=True)
class Pitfall:
    key: str
    """The hint's key under prompts/agent.yaml pitfall_hints."""
    array: str
    """The array (or the value) the mistake is in, as the code names it."""
    facts: tuple[tuple[str, object], ...] = ()
    """More of what the hint says (the numbers of a coordinate map), as (name, value) pairs."""

    def render(self) -> str:
        return prompts.render("agent", f"pitfall_hints.{self.key}", array=self.array, **dict(self.facts))

    def lesson(self) -> str:
        """The mistake in general words, for an attempt that has not seen this code (prompts/agent.yaml
        pitfall_lessons): no names of this code, no remedy that only fits it (".T" mends only its array)."""
        return prompts.render("agent", f"pitfall_lessons.{self.key}")


def _name(node: ast.AST | None) -> str:
    """The last name of an expression: width, self.width, int(width) -> "width"; "" for others."""
    while isinstance(node, ast.Call) and node.args and isinstance(node.func, ast.Name) and node.func.id in ("int", "len"):
        node = node.args[0]
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _range_bound(node: ast.AST) -> ast.AST | None:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range" and node.args:
        return node.args[0] if len(node.args) == 1 else node.args[1]
    return None


def _loop_axes(tree: ast.AST) -> dict[str, str]:
    """Loop variables that index the x or the y direction: {"i": "x", "j": "y"}."""
    axes: dict[str, str] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.For):
            continue
        bound = _range_bound(node.iter)
        if isinstance(node.target, ast.Name) and bound is not None:
            bound_name = _name(bound)
            if isinstance(bound, ast.Call) and isinstance(bound.func, ast.Name) and bound.func.id == "len":
                axes.update({node.target.id: "x"} if _X_COORD.match(bound_name) else {})
            elif _X_SIZE.match(bound_name):
                axes[node.target.id] = "x"
            elif _Y_SIZE.match(bound_name):
                axes[node.target.id] = "y"
        elif (isinstance(node.target, ast.Tuple) and node.target.elts and isinstance(node.target.elts[0], ast.Name)
              and isinstance(node.iter, ast.Call) and isinstance(node.iter.func, ast.Name)
              and node.iter.func.id == "enumerate" and node.iter.args and _X_COORD.match(_name(node.iter.args[0]))):
            axes[node.target.elts[0].id] = "x"
    loop_names = {t.id for node in ast.walk(tree) if isinstance(node, ast.For)
                  for t in ast.walk(node.target) if isinstance(t, ast.Name)}
    for node in ast.walk(tree):  # an index that picks x values (x[i]) runs over x, however it is looped
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Name) and node.slice.id in loop_names \
                and _X_COORD.match(_name(node.value)):
            axes.setdefault(node.slice.id, "x")
    for node in ast.walk(tree):  # or computes an x value (x_val = x0 + dx * i): what it means on the picture
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and _X_COORD.match(_name(node.targets[0])):
            used = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name) and n.id in loop_names}
            if len(used) == 1:
                axes[used.pop()] = "x"
    return axes


def _x_first_arrays(tree: ast.AST) -> list[str]:
    """Names of arrays made or filled x-first (an array filled by copying another at the same
    indices is left to that array: its orientation, not the names of its shape, is the picture's)."""
    found: list[str] = []
    copies: set[str] = set()
    axes = _loop_axes(tree)
    pixel_access = {t.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
                    and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Attribute)
                    and node.value.func.attr == "load" for t in node.targets if isinstance(t, ast.Name)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            call, func = node.value, _name(node.value.func)
            target = _name(node.targets[0]) if len(node.targets) == 1 else ""
            if target and _made_as(call, _X_SIZE, _Y_SIZE):
                found.append(target)
            if func == "meshgrid" and call.args and _X_COORD.match(_name(call.args[0])) and any(
                    k.arg == "indexing" and isinstance(k.value, ast.Constant) and k.value.value == "ij"
                    for k in call.keywords) and isinstance(node.targets[0], ast.Tuple):
                found.extend(_name(e) for e in node.targets[0].elts if _name(e))
        if isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Tuple) and len(t.slice.elts) >= 2:
                    first, second = (_name(e) for e in t.slice.elts[:2])
                    name = _name(t.value)
                    if _copies_at(node.value, first, second):
                        copies.add(name)
                    elif name and name not in pixel_access and axes.get(first) == "x" and axes.get(second) != "x":
                        found.append(name)
        if isinstance(node, ast.Assign) and _x_column_grid(node.value):
            found.extend(_name(t) for t in node.targets if _name(t))
    return [name for name in dict.fromkeys(found) if name not in copies]


def _made_as(call: ast.Call, first: re.Pattern, second: re.Pattern, exact: bool = False) -> bool:
    """Is `call` np.zeros/ones/empty/full of a shape whose first two sizes are named as `first` and
    `second` say (exactly two with `exact`)?"""
    shape = call.args[0] if call.args else None
    return (_name(call.func) in ("zeros", "ones", "empty", "full") and isinstance(shape, ast.Tuple)
            and (len(shape.elts) == 2 if exact else len(shape.elts) >= 2)
            and bool(first.match(_name(shape.elts[0]))) and bool(second.match(_name(shape.elts[1]))))


def _y_first_arrays(tree: ast.AST) -> list[str]:
    """Names of arrays made (shape (height, width)) or filled (a[y, x] in loops over the height, then
    the width) y-first: the way imshow draws them."""
    axes, found = _loop_axes(tree), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and len(node.targets) == 1 \
                and _name(node.targets[0]) and _made_as(node.value, _Y_SIZE, _X_SIZE, exact=True):
            found.append(_name(node.targets[0]))
        if isinstance(node, ast.Assign | ast.AugAssign):
            for t in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Tuple) and len(t.slice.elts) == 2 \
                        and [axes.get(_name(e)) for e in t.slice.elts] == ["y", "x"] and _name(t.value):
                    found.append(_name(t.value))
    return list(dict.fromkeys(found))


def _shown_transposed(tree: ast.AST) -> list[str]:
    """Names drawn transposed: the first argument of imshow/imsave/... is `a.T`, `a.transpose()` or
    `np.transpose(a)`."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) in _SHOW and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Call) and _name(arg.func) == "transpose":
                arg = arg.func.value if isinstance(arg.func, ast.Attribute) and not arg.args else (
                    arg.args[0] if arg.args else arg)
            elif isinstance(arg, ast.Attribute) and arg.attr == "T":
                arg = arg.value
            else:
                continue
            if isinstance(arg, ast.Name):
                out.append(arg.id)
    return out


def _copies_at(value: ast.AST, first: str, second: str) -> bool:
    """Does the value read another array at the same indices (a[i, j] = f(c[i, j]))? Then the
    stored array has that array's orientation, whatever the loop bounds are named."""
    return any(isinstance(n, ast.Subscript) and isinstance(n.slice, ast.Tuple) and len(n.slice.elts) >= 2
               and [_name(e) for e in n.slice.elts[:2]] == [first, second] for n in ast.walk(value))


def _x_column_grid(value: ast.AST) -> bool:
    """x[:, None] (or x[:, np.newaxis]) of the x values inside an expression: a grid with x down the rows."""
    for node in ast.walk(value):
        if isinstance(node, ast.Subscript) and _X_COORD.match(_name(node.value)) and isinstance(node.slice, ast.Tuple) \
                and len(node.slice.elts) == 2 and isinstance(node.slice.elts[0], ast.Slice):
            second = node.slice.elts[1]
            if (isinstance(second, ast.Constant) and second.value is None) or _name(second) == "newaxis":
                return True
    return False


def _shown_names(tree: ast.AST) -> tuple[bool, set[str]]:
    """(does the code draw an array as a picture, the names in those calls and in return statements)."""
    shows, names = False, set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) in _SHOW:
            shows = True
            names |= {n.id for a in node.args for n in ast.walk(a) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.Return) and node.value is not None:
            names |= {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
    return shows, names


def _transposes(tree: ast.AST) -> bool:
    return any((isinstance(n, ast.Attribute) and n.attr in _TRANSPOSE) or
               (isinstance(n, ast.Name) and n.id in _TRANSPOSE - {"T"}) for n in ast.walk(tree))


def _derived(tree: ast.AST, roots: list[str]) -> dict[str, str]:
    """Every name computed from one of `roots` (z = np.zeros_like(c); n = z * 2 ...), mapped to its root."""
    origin = {name: name for name in roots}
    assigns = [n for n in ast.walk(tree) if isinstance(n, ast.Assign | ast.AugAssign)]
    changed = True
    while changed:
        changed = False
        for node in assigns:
            used = [n.id for n in ast.walk(node.value) if isinstance(n, ast.Name) and n.id in origin]
            if not used:
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for name in (e.id for e in ast.walk(t) if isinstance(e, ast.Name)):
                    if name not in origin:
                        origin[name] = origin[used[0]]
                        changed = True
    return origin


def find_pitfalls(code: str) -> list[Pitfall]:
    """The silent mistakes of `code` (see the module doc); [] when it does not parse."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    shows, shown = _shown_names(tree)
    if not shows:
        return []
    found = [Pitfall("coords_window" if m.bounds else "coords_extent", m.name,
                     (("index", m.index), ("size", m.size), ("start", _fmt(m.start)), ("end", _fmt(m.end)),
                      ("lo", _fmt(m.lo)), ("hi", _fmt(m.hi)), ("bounds", m.bounds)))
             for m in find_mismatches(tree)]
    found += [_stretched(s) for s in find_stretches(tree)]
    x_first = set(_x_first_arrays(tree))  # its stores say x-first, whatever its shape's names say: .T mends it
    yx = _derived(tree, [name for name in _y_first_arrays(tree) if name not in x_first])
    flipped = next((name for name in _shown_transposed(tree) if name in yx), None)
    if flipped:
        return [Pitfall("image_yx_transposed", yx[flipped]), *found]
    if _transposes(tree):
        return found
    origin = _derived(tree, _x_first_arrays(tree))
    hit = next((name for name in origin if name in shown), None)
    return ([Pitfall("image_xy", origin[hit])] if hit else []) + found


def _stretched(s: Stretch) -> Pitfall:
    (x_lo, x_hi, nx), (y_lo, y_hi, ny), (axis, square_lo, square_hi) = s.x, s.y, s.widened()
    return Pitfall("stretched_plane", s.name, (
        ("x_lo", _fmt(x_lo)), ("x_hi", _fmt(x_hi)), ("nx", nx), ("y_lo", _fmt(y_lo)), ("y_hi", _fmt(y_hi)),
        ("ny", ny), ("ratio", f"{max(s.ratio, 1 / s.ratio):.2f}"), ("longer", "real" if s.ratio > 1 else "imaginary"),
        ("widened", axis), ("square_lo", _fmt(square_lo)), ("square_hi", _fmt(square_hi)),
        ("edit", s.edit())))


def _fmt(v: float) -> str:
    return f"{v:.4g}"
