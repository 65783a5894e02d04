"""No import circles inside acct_tui: every module's imports point one way.

The graph is read from the source with `ast`, so the test needs no imports of its
own. Two graphs are checked:

- module level: what runs when a module is imported (imports under
  `if TYPE_CHECKING:` and inside functions left out). A circle here is an
  import-order accident waiting to happen.
- any depth: the same plus the imports inside functions. A function-level import
  that closes a circle only hides it; the modules still need each other.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "acct_tui"

# Circles known and being removed elsewhere (the UI layer). The lead empties this after
# merging that work; a circle outside the UI layer never belongs here.
ALLOWED: set[frozenset[str]] = set()
"""Circles waiting to be removed: none are left."""
UI_PREFIXES = ("acct_tui.app", "acct_tui.keymap", "acct_tui.screens", "acct_tui.widgets")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str | None:
    """The acct_tui module a dotted name lives in (a name imported from a module resolves to the module)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(body: Iterable[ast.stmt], *, in_functions: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _import_nodes(node.orelse, in_functions=in_functions)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if in_functions:
                yield from _import_nodes(node.body, in_functions=in_functions)
        else:
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                children = getattr(node, field, None)
                if isinstance(children, list):
                    stmts = [c for c in children if isinstance(c, ast.stmt)]
                    # except handlers and match cases hold their statements one level down
                    stmts += [s for c in children if isinstance(c, ast.ExceptHandler | ast.match_case) for s in c.body]
                    yield from _import_nodes(stmts, in_functions=in_functions)


def imports_of(module: str, *, in_functions: bool) -> set[str]:
    """The acct_tui modules `module` imports (its own parent packages left out: importing a
    submodule always runs its package first, which is no circle of the module's making)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    targets: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in _import_nodes(tree.body, in_functions=in_functions):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            names = [f"{base}.{alias.name}" for alias in node.names]
        for name in names:
            target = _resolve(name)
            if target is not None and target != module and not module.startswith(target + "."):
                targets.add(target)
    return targets


def circles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected groups of two or more modules (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group: set[str] = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(frozenset(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _graph(*, in_functions: bool) -> dict[str, set[str]]:
    return {module: imports_of(module, in_functions=in_functions) for module in MODULES}


def _describe(group: frozenset[str], graph: dict[str, set[str]]) -> str:
    edges = [f"{a} -> {b}" for a in sorted(group) for b in sorted(graph[a] & group)]
    return "circle: " + ", ".join(edges)


def test_no_module_level_import_circle() -> None:
    """Importing any acct_tui module runs no module that imports it back."""
    graph = _graph(in_functions=False)
    found = [g for g in circles(graph) if g not in ALLOWED]
    assert not found, "\n".join(_describe(g, graph) for g in found)


def test_no_import_circle_hidden_in_a_function() -> None:
    """No circle is closed by an import inside a function either (that only hides it)."""
    graph = _graph(in_functions=True)
    found = [g for g in circles(graph) if g not in ALLOWED]
    assert not found, "\n".join(_describe(g, graph) for g in found)


def test_the_allow_list_holds_only_ui_circles() -> None:
    """Only the UI layer may have a circle waiting to be removed; the rest of the package has none."""
    for group in ALLOWED:
        assert all(m.startswith(UI_PREFIXES) for m in group), sorted(group)


def test_the_walk_sees_a_circle() -> None:
    """The circle finder reports a circle and keeps a one-way chain out of it."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [frozenset({"a", "b", "c"})]


def test_the_walk_reads_function_and_type_checking_imports() -> None:
    """A function-level import counts only at any depth; a TYPE_CHECKING import never does."""
    assert "acct_tui.services.store.unit" in imports_of("acct_tui.services.reads.history", in_functions=False)
    assert "acct_tui.services.store.derived" in imports_of("acct_tui.services.store.unit", in_functions=False)
    reports = "acct_tui.services.grammar.reports"
    assert "acct_tui.services.reads.history" not in imports_of(reports, in_functions=False)
    assert "acct_tui.services.reads.history" in imports_of(reports, in_functions=True)
    # derived names the audit record only for the type checker
    assert "acct_tui.services.store.audit" not in imports_of("acct_tui.services.store.derived", in_functions=True)
