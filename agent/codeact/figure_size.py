"""A picture task that names a size, and the PNGs that do not have it: what to change in the code.

A small model told "the picture is 640x480, the task asks for 800x600; use figsize" renames the
file and keeps the size (tracked suite, mandelbrot_800x600: seven steps of a right picture at
matplotlib's default size). So the hint names the line to change and what to write there, read
from the code's syntax tree: the call that makes the figure, given figsize and dpi; or, when the
code never makes one (pyplot's default figure), a line that makes it, before the first drawing
call; and the savefig call without what would change the size again (another dpi,
bbox_inches="tight"). Pure functions.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import prompts
from tools.sandbox_runtime.playground_figure_facts import png_size

DPI = 100
_MAKES_FIGURE = frozenset({"figure", "subplots"})
_DRAWS = frozenset({"imshow", "matshow", "plot", "scatter", "contour", "contourf", "pcolormesh", "pcolor", "bar",
                    "barh", "hist", "fill", "fill_between", "pie", "step", "stem", "hexbin", "axes", "subplot"})
_RESIZES = frozenset({"bbox_inches", "pad_inches"})


@dataclass(frozen=True)
class _Call:
    node: ast.Call
    line: int
    text: str
    """The whole source line the call starts on, stripped."""


def _calls(tree: ast.AST, lines: list[str], names: frozenset[str]) -> list[_Call]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in names:
                found.append(_Call(node, node.lineno, lines[node.lineno - 1].strip()))
    return sorted(found, key=lambda c: (c.line, c.node.col_offset))


def _with(line: str, call: ast.Call, source: str, keywords: dict[str, ast.expr], drop: frozenset[str]) -> str:
    """The line with `call` given `keywords` (replacing those it has) and without `drop`."""
    new = ast.Call(func=call.func, args=call.args,
                   keywords=[k for k in call.keywords if k.arg not in keywords and k.arg not in drop]
                   + [ast.keyword(arg=k, value=v) for k, v in keywords.items()])
    old = ast.get_source_segment(source, call) or ""
    text = ast.unparse(new)
    return line.replace(old, text, 1) if old and old in line else text


def _resizes(save: ast.Call) -> bool:
    """Does this savefig call give what changes the saved size: bbox_inches, pad_inches or another dpi?"""
    for k in save.keywords:
        if k.arg in ("bbox_inches", "pad_inches"):
            return True
        if k.arg == "dpi" and not (isinstance(k.value, ast.Constant) and k.value.value == DPI):
            return True
    return False


def _size_keywords(size: tuple[int, int]) -> dict[str, ast.expr]:
    w, h = size
    return {"figsize": ast.Tuple(elts=[ast.Constant(w / DPI), ast.Constant(h / DPI)], ctx=ast.Load()),
            "dpi": ast.Constant(DPI)}


def resize_edit(code: str, size: tuple[int, int]) -> str | None:
    """What to change in `code` so that the matplotlib figure it saves is `size` = (width, height)
    pixels: one sentence (prompts/agent.yaml picture_size_edits), or None for code that saves no
    figure (imsave, PIL) or does not parse."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    lines = code.splitlines()
    saves = _calls(tree, lines, frozenset({"savefig", "show"}))
    if not saves:
        return None
    save = next((c for c in saves if _resizes(c.node)), None)
    fixed_save = _with(save.text, save.node, code, {"dpi": ast.Constant(DPI)}, _RESIZES) if save else ""
    makes = _calls(tree, lines, _MAKES_FIGURE)
    if makes:  # the figure saved: the last one made before the first save
        make = ([c for c in makes if c.line <= saves[0].line] or makes)[-1]
        return prompts.render("agent", "picture_size_edits.figure_call", line=make.line, old=make.text,
                              new=_with(make.text, make.node, code, _size_keywords(size), frozenset()),
                              save=fixed_save)
    draws = _calls(tree, lines, _DRAWS)
    first = draws[0] if draws else saves[0]
    module = first.node.func.value.id if (isinstance(first.node.func, ast.Attribute)
                                          and isinstance(first.node.func.value, ast.Name)) else "plt"
    new = ast.unparse(ast.Call(func=ast.Attribute(value=ast.Name(module), attr="figure"), args=[],
                               keywords=[ast.keyword(arg=k, value=v) for k, v in _size_keywords(size).items()]))
    return prompts.render("agent", "picture_size_edits.insert_figure", line=first.line, old=first.text, new=new,
                          save=fixed_save)


def size_problems(workdir: str | Path, size: tuple[int, int], code: str = "", written: list[str] | tuple = ()) -> list[str]:
    """When the task names a picture size and no PNG in the work dir has it (whichever cell wrote
    them: a claim that the task "is already done" is checked too): one sentence per PNG, at most
    three, the ones this cell `written` only when it wrote any (prompts/agent.yaml picture_size),
    each with what to change in `code`; else none."""
    root = Path(workdir)
    pngs = sorted(p for p in root.rglob("*") if p.suffix.lower() == ".png" and p.is_file()) if root.is_dir() else []
    sizes = {str(p.relative_to(root)): png_size(p) for p in pngs}
    sizes = {f: tuple(s) for f, s in sizes.items() if s is not None}
    if not sizes or size in sizes.values():
        return []
    mine = {f: s for f, s in sizes.items() if f in written}
    edit = resize_edit(code, size) if mine and code else None
    return [prompts.render("agent", "picture_size", file=f, width=w, height=h, want_width=size[0],
                           want_height=size[1], edit=edit) for f, (w, h) in list((mine or sizes).items())[:3]]
