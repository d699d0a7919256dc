"""Which names a code cell takes from the session and which it binds, read from its text, so a
best-of-k candidate (agent/codeact/candidates.py) is run after the earlier cells it uses, and only
then: replaying a slow earlier cell (a pure-Python loop over 480,000 pixels) for each of four
candidates that never read its variables cost a minute a step.

    needs_history("print(total)", ["total = 3"])   -> True
    needs_history("import numpy as np\\nprint(np.pi)", ["import numpy as np"])   -> False
"""

from __future__ import annotations

import ast
import builtins

_BUILTINS = frozenset(dir(builtins)) | {"final_answer", "__file__", "__name__"}
_DYNAMIC = frozenset({"globals", "locals", "vars", "eval", "exec", "__import__"})
"""Calls that read the session's names in ways the text does not show: such a cell gets the history."""


def bound_names(tree: ast.AST) -> set[str]:
    """Every name the code binds anywhere: assignments, imports, definitions, loop and with targets."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            out.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.arg):
            out.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            out.add(node.name)
    return out


def free_names(tree: ast.AST) -> set[str] | None:
    """The names the code reads and never binds itself (nor are builtins): what it takes from the
    session. None when the text cannot say (a star import, globals(), eval, exec)."""
    loaded = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            return None
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if node.id in _DYNAMIC:
                return None
            loaded.add(node.id)
    return loaded - bound_names(tree) - _BUILTINS


def needs_history(code: str, history: list[str]) -> bool:
    """Does `code` read a name that one of the earlier cells `history` binds? (False when `code`
    cannot be parsed: it fails the same either way; True when a cell of `history` cannot be, or the
    code reads names in ways its text does not show.)"""
    if not history:
        return False
    try:
        free = free_names(ast.parse(code))
    except SyntaxError:
        return False
    try:
        bound = set().union(*(bound_names(ast.parse(cell)) for cell in history))
    except SyntaxError:
        return True
    return free is None or bool(free & bound)
