"""The project's own modules import one another in one direction only (docs/architecture.md).

Read with `ast`, not by importing: a cycle that Python happens to survive today (because one side
imports lazily, inside a function) is still two modules that cannot be understood, tested or
moved apart, so imports inside functions count as much as those at the top of a module. Only
`if TYPE_CHECKING:` blocks are left out: they never run, and with `from __future__ import
annotations` they name a type for the checker, the way Django models already name one another
across modules by "app.Model" strings that no import graph sees.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("coalitions", "pitstops", "expeditie")

# Cycles that exist and cannot go yet, each with the reason. A new cycle fails the test, and so
# does an entry here that is no longer a cycle (the list stays true).
KNOWN_CYCLES: dict[frozenset[str], str] = {}

# The coalitions app reads and writes the pitstops app's models, because what a coalition does
# between pitstops (its reflections and agreements in its own space) is stored in the same
# tables as what it does at a pitstop (see docs/architecture.md, "Two apps, two directions").
# Pinned module by module, so the dependency cannot spread unnoticed: a change here is a choice.
COALITIONS_USING_PITSTOPS = {
    "coalitions.demo": {"pitstops.models"},
    "coalitions.forms": {"pitstops.models"},
    "coalitions.privacy": {"pitstops.models"},
    "coalitions.reminders": {"pitstops.models"},
    "coalitions.services": {"pitstops.authorship", "pitstops.models"},
    "coalitions.views": {"pitstops.models"},
    "coalitions.views.agreements": {"pitstops.models"},
    "coalitions.views.reflections": {"pitstops.authorship", "pitstops.models"},
    "coalitions.views.space": {"pitstops.models"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth, except those under `if TYPE_CHECKING:`."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node):
            yield from _imports(ast.Module(body=node.orelse, type_ignores=[]))
        else:
            yield from _imports(node)


def _owning_module(name: str, modules: dict[str, Path]) -> str | None:
    """The project module a dotted name lives in (`pitstops.models.Pitstop` → pitstops.models)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    """Module → the project modules it imports (a submodule when it names one, else the package)."""
    modules = project_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str | None] = set()
        for node in _imports(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets.update(_owning_module(alias.name, modules) for alias in node.names)
                continue
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            for alias in node.names:
                targets.add(_owning_module(f"{source}.{alias.name}", modules))
        graph[name] = {target for target in targets if target and target != name}
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Groups of modules that reach one another (Tarjan); a group of two or more holds a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def a_cycle(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """One path around the group, to print: a -> b -> ... -> a."""
    start = min(group)
    parents: dict[str, str] = {}
    frontier = [start]
    while frontier:
        node = frontier.pop(0)
        for target in sorted(graph[node] & group):
            if target == start:
                path = [node]
                while path[-1] != start:
                    path.append(parents[path[-1]])
                return [*reversed(path), start]
            if target not in parents:
                parents[target] = node
                frontier.append(target)
    return sorted(group)


def test_the_walk_sees_imports_at_every_depth():
    """A guard against a walk that finds nothing: known edges, lazy and re-exported, are seen."""
    graph = import_graph()
    assert "pitstops.suggesting" in graph["pitstops.tasks"]
    assert "pitstops.overview.figures" in graph["pitstops.overview"]  # from .figures import ...
    assert "pitstops.signals" in graph["pitstops.apps"]  # inside AppConfig.ready()
    assert "coalitions.models" in graph["pitstops.overview.figures"]  # an absolute import
    assert "coalitions.models" not in graph["coalitions.models.space"]  # TYPE_CHECKING only


def test_no_import_cycles_between_the_projects_modules():
    graph = import_graph()
    cycles = {frozenset(group): group for group in strongly_connected(graph)}
    new = [
        " -> ".join(a_cycle(graph, group))
        for key, group in cycles.items()
        if key not in KNOWN_CYCLES
    ]
    gone = [sorted(key) for key in KNOWN_CYCLES if key not in cycles]
    assert not new, "Import cycles (imports inside functions count too):\n" + "\n".join(new)
    assert not gone, f"No longer a cycle, take it off KNOWN_CYCLES: {gone}"


def test_the_coalitions_modules_that_use_the_pitstops_app_are_the_pinned_ones():
    graph = import_graph()
    using = {
        name: {target for target in targets if target.split(".")[0] == "pitstops"}
        for name, targets in graph.items()
        if name.split(".")[0] == "coalitions"
    }
    using = {name: targets for name, targets in using.items() if targets}
    assert using == COALITIONS_USING_PITSTOPS, (
        "The coalitions app's use of pitstops changed; if that is meant, update "
        "COALITIONS_USING_PITSTOPS and docs/architecture.md"
    )
