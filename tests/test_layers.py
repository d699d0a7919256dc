"""The shape of the house, enforced: layers that only point down, no import cycle, no
function-level import dodging one, small modules, no project import skipped in tests.

Every project module is parsed with `ast` (nothing is imported), and its imports, at the
top or inside functions, become the edges of one graph. docs/ARCHITECTURE.md draws it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("prompts", "tools", "agent", "evals", "playground", "bench")
MAX_LINES = 300

# Groups of modules, by dotted prefix (the longest one decides), with their rank: a module may
# import its own group and groups of a lower rank, nothing else. Equal ranks are siblings that
# know nothing of each other.
GROUPS: dict[str, tuple[int, str]] = {
    "prompts": (0, "prompts"),
    "tools": (0, "tools"),
    "agent": (1, "agent vocabulary"),  # agent/__init__, types, errors, config
    "agent.models": (2, "models"),
    "agent.answers": (2, "answers"),
    "agent.context": (2, "context"),
    "agent.reasoning": (3, "reasoning"),
    "agent.scaling": (4, "scaling"),
    "agent.codeact": (4, "codeact"),
    "evals": (5, "evals"),
    "playground": (6, "playground"),
    "bench": (7, "bench"),
}

# Function-level imports of project modules, each with its reason. Lazy imports are for heavy
# optional libraries only, never to dodge a cycle (the graph below includes these edges).
LAZY_ALLOWED: dict[tuple[str, str], str] = {
    **{("agent.models", f"agent.models.{b}"): "a backend is imported when it is chosen: it wraps its engine"
       for b in ("llamacpp", "transformers", "vllm", "openai")},
    ("agent.models.transformers", "agent.models.transformers_decode"): "imports torch",
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _project_files() -> dict[str, Path]:
    files = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            files[_module_name(path)] = path
    return files


MODULES = _project_files()


def _imports(name: str, path: Path) -> list[tuple[str, bool, int]]:
    """(imported project module, inside a function?, line) for every import of the module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[str, bool, int]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            targets: list[str] = []
            if isinstance(child, ast.Import):
                targets = [a.name for a in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in child.names]
            for target in targets:
                while target and target not in MODULES:
                    target = target.rpartition(".")[0]
                if target and target.split(".")[0] in PACKAGES:
                    found.append((target, in_function, child.lineno))
            visit(child, inner)

    visit(tree, False)
    return found


IMPORTS = {name: _imports(name, path) for name, path in MODULES.items()}


def _where(name: str, line: int) -> str:
    path = MODULES[name]
    return f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{line}"


def _group(name: str) -> tuple[int, str]:
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        if ".".join(parts[:i]) in GROUPS:
            return GROUPS[".".join(parts[:i])]
    raise AssertionError(f"{name} is in no layer of GROUPS")


def _edges() -> dict[str, set[str]]:
    """module -> the modules importing it runs: its targets and their packages (an import of
    a.b.c runs a/__init__ and a/b/__init__, except the packages the importer sits in)."""
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, imports in IMPORTS.items():
        own = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 2)}
        for target, _, _ in imports:
            parts = target.split(".")
            for i in range(1, len(parts) + 1):
                ancestor = ".".join(parts[:i])
                if ancestor in MODULES and ancestor not in own and ancestor != name:
                    graph[name].add(ancestor)
    return graph


def test_every_package_is_parsed():
    assert {name.split(".")[0] for name in MODULES} == set(PACKAGES)
    assert {"agent.scaling.budgets", "evals.stats", "playground.cli", "agent.codeact.loop"} <= set(MODULES)


def test_imports_only_point_down():
    upward = []
    for name, imports in IMPORTS.items():
        rank, group = _group(name)
        for target, _, line in imports:
            t_rank, t_group = _group(target)
            if t_group != group and t_rank >= rank:
                upward.append(f"{_where(name, line)}: {name} ({group}) imports {target} ({t_group})")
    assert upward == []


def test_no_import_cycle():
    graph = _edges()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def walk(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt):], nxt])
            elif nxt not in state:
                walk(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            walk(node, [node])
    assert cycles == []


def test_no_function_level_project_import_but_for_heavy_optional_libraries():
    lazy = [f"{_where(name, line)}: {target}"
            for name, imports in IMPORTS.items() if not name.startswith("bench")
            for target, in_function, line in imports
            if in_function and (name, target) not in LAZY_ALLOWED]
    assert lazy == []
    used = {(name, target) for name, imports in IMPORTS.items() for target, f, _ in imports if f}
    assert set(LAZY_ALLOWED) <= used, "an allowed lazy import is gone: drop it from LAZY_ALLOWED"


def test_no_module_over_300_lines():
    long = {str(p.relative_to(ROOT)): n for p in MODULES.values()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_tests_never_skip_a_project_import():
    """A broken project import must fail its tests, not skip them (third-party modules go
    through tests/requirements.py require_module)."""
    skipped = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("importorskip", "require_module") and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and str(node.args[0].value).split(".")[0] in PACKAGES):
                skipped.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.args[0].value}")
    assert skipped == []


@pytest.mark.parametrize("bad", [
    "import evals\n", "from evals.stats import pass_at_k\n", "from playground.cli import main\n",
])
def test_the_layer_check_sees_an_upward_import(bad, tmp_path, monkeypatch):
    """The checker itself: an agent module importing evals or playground is reported."""
    path = ROOT / "agent" / "scaling" / "budgets.py"
    fake = tmp_path / "budgets.py"
    fake.write_text(path.read_text(encoding="utf-8") + bad)
    monkeypatch.setitem(MODULES, "agent.scaling.budgets", fake)
    monkeypatch.setitem(IMPORTS, "agent.scaling.budgets", _imports("agent.scaling.budgets", fake))
    with pytest.raises(AssertionError):
        test_imports_only_point_down()
