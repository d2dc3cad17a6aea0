"""The import order ARCHITECTURE.md draws, checked on every module: arrows point down, and nothing imports in a
circle (deferred imports inside functions count too)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Each package may import only packages of a strictly lower layer (higher number) and itself.
LAYERS = {
    "bot": 0,
    "evals": 0,
    "scheduler": 1,
    "handlers": 2,
    "miniapp": 2,
    "pipeline": 3,
    "playground": 3,
    "booths": 4,
    "vision": 4,
    "storage": 4,
    "ranking": 5,
    "runtime": 6,
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in LAYERS:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Our modules that `name` imports: `from a.b import c` counts as a.b (its __init__ runs) and as a.b.c when that
    is a module; `import a.b.c as x` as a.b.c."""
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            # `from package import submodule` runs the package's __init__ too: both count.
            targets.add(module)
            targets.update(f"{module}.{alias.name}" for alias in node.names)
    return {target for target in targets if target in known and target != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in graph[node]:
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_every_import_points_down_the_layers() -> None:
    upward = [
        f"{module} → {target}"
        for module, targets in _graph().items()
        for target in sorted(targets)
        if (a := module.split(".")[0]) != (b := target.split(".")[0]) and LAYERS[b] <= LAYERS[a]
    ]
    assert not upward, "imports that do not point down ARCHITECTURE.md's order:\n" + "\n".join(upward)


def test_no_module_imports_in_a_circle() -> None:
    cycles = _cycles(_graph())
    assert not cycles, "import cycles: " + "; ".join(" ↔ ".join(cycle) for cycle in cycles)


def test_the_checks_see_an_upward_import_and_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]
    graph = _graph()
    assert "handlers.context" in graph["handlers.uploads"], "the graph resolves `from x import y`"
    assert "pipeline.intake" in graph["pipeline.services"]


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_every_package_is_in_a_layer(package: str) -> None:
    assert (ROOT / package / "__init__.py").is_file()
