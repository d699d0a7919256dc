"""A printed Python/sympy expression as LaTeX, so a program's answer reads like a written one.

A PAL program for a MATH problem often prints sympy's str form: `3*sqrt(13)`, `x**2 - 1`,
`(3, pi/2)`, `2*pi/3`. Graded as LaTeX, `sqrt(13)` and `**` mean something else (the letters
s, q, r, t; nothing). `python_to_latex` rewrites such a line by walking its Python syntax tree
(`ast.parse`: nothing is evaluated, the output stays untrusted text) and returns None when the
line is not a Python expression this handles; plain numbers and LaTeX are left to the caller.
"""

from __future__ import annotations

import ast

FUNCTIONS = {"sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "cot": r"\cot", "sec": r"\sec", "csc": r"\csc",
             "asin": r"\arcsin", "acos": r"\arccos", "atan": r"\arctan", "log": r"\log", "ln": r"\ln",
             "sinh": r"\sinh", "cosh": r"\cosh", "tanh": r"\tanh"}
NAMES = {"pi": r"\pi", "E": "e", "oo": r"\infty", "I": "i", "inf": r"\infty"}
_PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.USub: 3, ast.UAdd: 3, ast.Pow: 4}
MAX_LEN = 300


class _Unsupported(Exception):
    pass


def python_to_latex(line: str) -> str | None:
    """The LaTeX of a printed Python expression (`3*sqrt(13)` -> `3 \\cdot \\sqrt{13}`), or None
    when `line` is not one (LaTeX, prose, a bare number, syntax this does not know)."""
    text = line.strip()
    if not text or len(text) > MAX_LEN or "\\" in text:
        return None
    try:
        tree = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError):
        return None
    if isinstance(tree, ast.Constant | ast.Name):
        return None  # a bare number or word reads the same either way
    try:
        return _latex(tree)
    except (_Unsupported, RecursionError):
        return None


def _is_number(node: ast.AST) -> bool:
    """A numeric literal, signed or not."""
    if isinstance(node, ast.UnaryOp) and type(node.op) in (ast.USub, ast.UAdd):
        node = node.operand
    return isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool)


def _latex(node: ast.AST) -> str:
    if _is_number(node) and isinstance(node, ast.Constant):
        return repr(node.value)
    if isinstance(node, ast.Name):
        return NAMES.get(node.id, node.id)
    if isinstance(node, ast.Tuple | ast.List):
        return r"\left(" + ", ".join(_latex(e) for e in node.elts) + r"\right)"
    if isinstance(node, ast.UnaryOp) and type(node.op) in (ast.USub, ast.UAdd):
        sign = "-" if isinstance(node.op, ast.USub) else "+"
        return sign + _wrapped(node.operand, _PRECEDENCE[type(node.op)])
    if isinstance(node, ast.BinOp) and type(node.op) in _PRECEDENCE:
        op, prec = type(node.op), _PRECEDENCE[type(node.op)]
        if op is ast.Div:
            return rf"\frac{{{_latex(node.left)}}}{{{_latex(node.right)}}}"
        if op is ast.Pow:
            return f"{_wrapped(node.left, prec + 1)}^{{{_latex(node.right)}}}"
        if op is ast.Mult and _is_number(node.left) and isinstance(node.right, ast.Name):
            return _latex(node.left) + _latex(node.right)  # 9*I -> 9i, 2*pi -> 2\pi: as answers are written
        symbol = {ast.Add: " + ", ast.Sub: " - ", ast.Mult: r" \cdot "}[op]
        right = _wrapped(node.right, prec + (op is ast.Sub))
        return _wrapped(node.left, prec) + symbol + right
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        name, args = node.func.id, node.args
        if name == "sqrt" and len(args) == 1:
            return rf"\sqrt{{{_latex(args[0])}}}"
        if name == "exp" and len(args) == 1:
            return f"e^{{{_latex(args[0])}}}"
        if name in ("Rational", "Fraction") and len(args) == 2:
            return rf"\frac{{{_latex(args[0])}}}{{{_latex(args[1])}}}"
        if name == "Abs" and len(args) == 1:
            return rf"\left|{_latex(args[0])}\right|"
        if name in FUNCTIONS and len(args) == 1:
            return rf"{FUNCTIONS[name]}\left({_latex(args[0])}\right)"
    raise _Unsupported(type(node).__name__)


def _wrapped(node: ast.AST, prec: int) -> str:
    """The operand's LaTeX, in parentheses when it binds looser than `prec`."""
    inner = _PRECEDENCE.get(type(node.op)) if isinstance(node, ast.BinOp | ast.UnaryOp) else None
    text = _latex(node)
    return rf"\left({text}\right)" if inner is not None and inner < prec else text
