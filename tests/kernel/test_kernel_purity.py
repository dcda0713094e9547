"""The kernel is pure: standard library only, and no clock, randomness, I/O or logging (P5).

Walks the syntax tree of every module in kernel/. Complements import-linter (``make lint``),
whose configuration this test also requires.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KERNEL = ROOT / "kernel"
MODULES = sorted(KERNEL.rglob("*.py"))

#: Standard-library modules the kernel must not import: clocks, randomness, I/O, processes.
FORBIDDEN_MODULES = frozenset(
    {
        "random",
        "secrets",
        "uuid",
        "time",
        "os",
        "io",
        "pathlib",
        "shutil",
        "tempfile",
        "socket",
        "subprocess",
        "threading",
        "multiprocessing",
        "asyncio",
        "logging",
        "sqlite3",
        "urllib",
        "http",
        "pickle",
        "glob",
        "builtins",
    }
)
#: Calls that read the clock or do I/O, by name or attribute.
FORBIDDEN_NAMES = frozenset({"open", "print", "input", "exec", "eval", "breakpoint", "__import__"})
FORBIDDEN_ATTRIBUTES = frozenset({"now", "today", "utcnow", "fromtimestamp", "time", "monotonic"})


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_the_kernel_has_modules() -> None:
    assert len(MODULES) >= 5
    assert (KERNEL / "__init__.py") in MODULES


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_kernel_imports_only_the_standard_library_and_itself(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for line, name in _imports(tree):
        top = name.split(".")[0]
        allowed = top in {"kernel", "__future__"} or top in sys.stdlib_module_names
        assert allowed, f"{path.name}:{line} imports {name}, outside the standard library"
        assert top not in FORBIDDEN_MODULES, f"{path.name}:{line} imports {name} (clock, I/O)"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_kernel_reads_no_clock_and_does_no_io(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            pytest.fail(f"{path.name}:{node.lineno} uses {node.id}")
        if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            pytest.fail(f"{path.name}:{node.lineno} uses .{node.attr} (a clock)")


def test_the_checks_can_fail() -> None:
    """The walkers flag a module that imports a third-party package or reads the clock."""
    bad = ast.parse("import yaml\nimport datetime\nx = datetime.date.today()\nprint(x)\n")
    tops = {name.split(".")[0] for _, name in _imports(bad)}
    assert "yaml" not in sys.stdlib_module_names
    assert "yaml" in tops
    attributes = {n.attr for n in ast.walk(bad) if isinstance(n, ast.Attribute)}
    names = {n.id for n in ast.walk(bad) if isinstance(n, ast.Name)}
    assert attributes & FORBIDDEN_ATTRIBUTES == {"today"}
    assert names & FORBIDDEN_NAMES == {"print"}


def test_import_linter_forbids_third_party_imports_in_the_kernel() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    linter = config["tool"]["importlinter"]
    assert "kernel" in linter["root_packages"]
    contracts = linter["contracts"]
    kernel_contracts = [c for c in contracts if c.get("source_modules") == ["kernel"]]
    assert kernel_contracts, "an import-linter contract on the kernel"
    assert any(c["type"] == "forbidden" and c["forbidden_modules"] for c in kernel_contracts)
