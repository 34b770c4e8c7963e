"""The package layout holds: every module imports, no import cycle, imports point one way.

The rules are the ones docs/architecture.md#import-direction states; this test is what keeps
them true as the code grows.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "paytrace_abas"

#: Modules every layer may use: exceptions, money, columns and values, settings, helpers.
FOUNDATION = frozenset(
    {"__init__", "errors", "money", "models", "config", "frames", "memory", "privacy", "logs"}
)
DOMAIN = frozenset({"matching", "plan"})
SYSTEMS = frozenset({"paytrace", "abas", "ledger", "bank"})
#: Top-level name -> the other top-level names it may import (its own always).
MAY_IMPORT: dict[str, frozenset[str]] = {
    **dict.fromkeys(FOUNDATION, FOUNDATION),
    **dict.fromkeys(DOMAIN, FOUNDATION),
    **dict.fromkeys(SYSTEMS, FOUNDATION),
    "alerts": FOUNDATION,
    "delivery": FOUNDATION | {"abas", "ledger"},
    "report": FOUNDATION | DOMAIN,
    "commands": FOUNDATION | DOMAIN | SYSTEMS | {"alerts", "delivery", "report"},
    "cli": FOUNDATION | {"commands", "report"},
    "__main__": frozenset({"cli"}),
}
MAX_LINES = 400
MAX_TOP_LEVEL_MODULES = 12


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def top_level(module: str) -> str:
    """``paytrace_abas.ledger.store`` -> ``ledger``; the package itself -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imported_modules(module: str) -> set[str]:
    """The package's modules ``module`` imports anywhere in its text (also inside functions)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from package import module`` imports that module, not only the package
            found.update(
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            )
    return {name for name in found if name in MODULES and name != module}


GRAPH = {module: imported_modules(module) for module in MODULES}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_imports(module: str) -> None:
    importlib.import_module(module)


def test_no_import_cycle() -> None:
    cycles: list[list[str]] = []
    state: dict[str, str] = {}  # "open" while on the walk's path, then "done"

    def walk(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in sorted(GRAPH[module]):
            if state.get(target) == "open":
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                walk(target, [*path, target])
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            walk(module, [module])
    assert cycles == []


def test_imports_point_one_way() -> None:
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if top_level(target) != top_level(module)
        and top_level(target) not in MAY_IMPORT[top_level(module)]
    )
    assert wrong == []


def test_only_commands_import_a_system_and_report() -> None:
    both = sorted(
        module
        for module, targets in GRAPH.items()
        if {top_level(t) for t in targets} & SYSTEMS
        and ("report" in {top_level(t) for t in targets} or top_level(module) == "report")
    )
    assert [m for m in both if top_level(m) != "commands"] == []


def test_every_top_level_name_has_a_rule() -> None:
    assert {top_level(module) for module in MODULES} <= set(MAY_IMPORT)


def test_modules_stay_small() -> None:
    lines = {
        module: len(path.read_text(encoding="utf-8").splitlines())
        for module, path in MODULES.items()
    }
    assert {module: n for module, n in lines.items() if n > MAX_LINES} == {}


def test_top_level_stays_short() -> None:
    assert len(list(PACKAGE.glob("*.py"))) <= MAX_TOP_LEVEL_MODULES
