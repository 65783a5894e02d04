"""The UI layer's imports point one way: no module of the app, its screens or widgets imports itself back
through another, not even through an import tucked inside a function (only type-checking imports are free)."""

from __future__ import annotations

import ast
from pathlib import Path

import acct_tui

ROOT = Path(acct_tui.__file__).parent
UI = (
    "acct_tui.app",
    "acct_tui.keymap",
    "acct_tui.readahead",
    "acct_tui.palette",
    "acct_tui.screens",
    "acct_tui.widgets",
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, modules: set[str]) -> set[str]:
    """Every acct_tui module this code imports at run time, at the top or inside a function."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                if candidate in modules:
                    found.add(candidate)
                elif node.module in modules:
                    found.add(node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in ROOT.rglob("*.py")}
    modules = set(paths)
    return {name: _imports(ast.parse(path.read_text()), modules) - {name} for name, path in paths.items()}


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_the_ui_layer_has_no_import_cycle() -> None:
    """No import circle (app <-> keymap, actions <-> modals, base -> actions -> form -> base) in the UI layer."""
    ui_cycles = [sorted(c) for c in _cycles(_graph()) if any(m.startswith(UI) for m in c)]
    assert ui_cycles == []


def test_screens_name_the_app_only_for_the_type_checker() -> None:
    """Screens and widgets never import the app at run time: the app builds them, not the other way round."""
    graph = _graph()
    importers = sorted(m for m, deps in graph.items() if "acct_tui.app" in deps)
    assert [m for m in importers if m.startswith(("acct_tui.screens", "acct_tui.widgets"))] == []
