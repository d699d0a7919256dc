"""What a cell takes from the session (agent/codeact/cell_names.py): a best-of-k candidate is run
after the earlier cells only when it reads a name they bind."""

from __future__ import annotations

import ast

import pytest

from agent.codeact.cell_names import bound_names, free_names, needs_history

HISTORY = ["import numpy as np\nwidth, height = 80, 60\ndef escape(c):\n    return 1",
           "for row in range(3):\n    pass\nwith open('a.txt', 'w') as fh:\n    fh.write('a')"]


@pytest.mark.parametrize(("code", "needs"), [
    ("import numpy as np\nx = np.linspace(0, 1, 5)\nprint(x)", False),   # binds np itself
    ("print(np.pi)", True),                                             # np from the session
    ("grid = np.zeros((height, width))", True),
    ("def f(width):\n    return width * 2\nprint(f(3))", False),         # a parameter, not the session's
    ("print(escape(0))", True),
    ("print(row)", True),                                               # a loop target of an earlier cell
    ("print(len('abc'), final_answer)", False),                         # builtins and the session's tool
    ("print(globals()['width'])", True),                                # the text cannot say
    ("from math import *\nprint(pi)", True),
    ("print(", False),                                                  # cannot be parsed: fails either way
])
def test_needs_history(code, needs):
    assert needs_history(code, HISTORY) is needs


def test_nothing_to_replay_and_the_names_read():
    assert not needs_history("print(width)", [])
    assert needs_history("print(width)", ["width = (", *HISTORY])  # an earlier cell the text cannot say of
    tree = ast.parse("import os.path\ntry:\n    pass\nexcept OSError as err:\n    print(err, total)\nclass K: pass")
    assert {"os", "err", "K"} <= bound_names(tree) and free_names(tree) == {"total"}
