"""Mutation testing of ``kernel/`` with mutmut, gated on the score (``python -m
specs.verification.mutation``).

Runs ``mutmut run`` (configuration in pyproject.toml, ``[tool.mutmut]``; the Hypothesis profile
"mutation" has few examples and no shrinking), then ``mutmut export-cicd-stats`` and reads its
JSON. The score is (killed + timed out) / (every mutant but the skipped ones): a mutant no test
covers counts against it. ``mutmut run`` exits 0 even with survivors, so the gate is this score:
at least 95 % (``--threshold``). Survivors are listed; each must be killed by a test or explained
as equivalent in specs/verification/README.md. mutmut keeps its results in ``mutants/`` and re-tests
only functions that changed, so a second run is quick.
"""

from __future__ import annotations

import argparse
import ast
import functools
import itertools
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MUTMUT = Path(sys.executable).parent / "mutmut"
STATS = ROOT / "mutants" / "mutmut-cicd-stats.json"
DEFAULT_THRESHOLD = 95.0
TIMEOUT_SECONDS = 1500


def _mutmut(*arguments: str, timeout: float = TIMEOUT_SECONDS) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "HYPOTHESIS_PROFILE": "mutation", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(  # noqa: S603 - the venv's mutmut, fixed arguments
        [str(MUTMUT), *arguments],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=timeout,
        check=False,
    )


def score(stats: dict[str, int]) -> float:
    """Return the mutation score in percent: (killed + timeout) / (total - skipped)."""
    considered = stats["total"] - stats.get("skipped", 0)
    if considered <= 0:
        return 0.0
    return 100.0 * (stats["killed"] + stats.get("timeout", 0)) / considered


PROSE = re.compile(r"[\s/^]|^[,;] ?$")


@functools.cache
def _function_defs(path: Path) -> dict[str, ast.FunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name: node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def _differences(original: list[ast.stmt], mutant: list[ast.stmt]) -> list[tuple[ast.AST, ast.AST]]:
    """Return the innermost differing statement pairs of two statement lists."""
    if len(original) != len(mutant):
        return [
            (ast.Module(body=original, type_ignores=[]), ast.Module(body=mutant, type_ignores=[]))
        ]
    found: list[tuple[ast.AST, ast.AST]] = []
    for before, after in zip(original, mutant, strict=True):
        if ast.dump(before) == ast.dump(after):
            continue
        bodies = [
            (getattr(before, field), getattr(after, field))
            for field in ("body", "orelse", "finalbody", "handlers")
            if isinstance(getattr(before, field, None), list)
        ]
        same_shell = type(before) is type(after) and all(
            ast.dump(getattr(before, field)) == ast.dump(getattr(after, field))
            for field in ("test", "iter", "target", "items", "value")
            if hasattr(before, field) and getattr(before, field) is not None
        )
        if bodies and same_shell:
            for old, new in bodies:
                found.extend(_differences(old, new))
        else:
            found.append((before, after))
    return found


def _only_prose_changed(before: ast.AST, after: ast.AST) -> bool:
    """Whether the two trees differ only in string constants that are prose (wording)."""
    old_nodes, new_nodes = list(ast.walk(before)), list(ast.walk(after))
    if len(old_nodes) != len(new_nodes):
        return False
    changed = False
    for old, new in itertools.zip_longest(old_nodes, new_nodes):
        if type(old) is not type(new):
            return False
        if (
            isinstance(old, ast.Constant)
            and isinstance(new, ast.Constant)
            and old.value != new.value
        ):
            prose = isinstance(old.value, str) and isinstance(new.value, str)
            if not (prose and PROSE.search(str(old.value))):
                return False
            changed = True
    return changed


def classify(name: str) -> str:
    """Classify a surviving mutant: "contract" (it changes only assert statements, which only
    weakens a contract), "text" (it changes only the wording of a string: reasons, units, texts,
    which the decisions do not fix), or "other"."""
    module, _, function = name.rpartition(".")
    relative = "kernel/__init__.py" if module == "kernel" else module.replace(".", "/") + ".py"
    path = ROOT / "mutants" / relative
    base, _, _ = function.rpartition("__mutmut_")
    try:
        defs = _function_defs(path)
        original, mutant = defs[base + "__mutmut_orig"], defs[function]
    except (OSError, KeyError, SyntaxError):
        return "other"
    pairs = _differences(original.body, mutant.body)
    if pairs and all(isinstance(before, ast.Assert) for before, _ in pairs):
        return "contract"
    if pairs and all(_only_prose_changed(before, after) for before, after in pairs):
        return "text"
    return "other"


def survivors() -> list[str]:
    """Return the names of the surviving (and untested) mutants."""
    listing = _mutmut("results", timeout=120).stdout
    return [
        line.split(":")[0].strip()
        for line in listing.splitlines()
        if line.strip().endswith(("survived", "no tests"))
    ]


def main(argv: list[str] | None = None) -> int:
    """Run mutmut, print the score and the survivors, and gate on the threshold."""
    parser = argparse.ArgumentParser(description="Mutation testing of kernel/ with a score gate.")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--workers", type=int, default=2)
    arguments = parser.parse_args(argv)
    began = time.perf_counter()
    try:
        run = _mutmut("run", "--max-children", str(arguments.workers))
    except subprocess.TimeoutExpired:
        print(f"mutation: mutmut run timed out after {TIMEOUT_SECONDS} s")  # noqa: T201
        return 1
    exported = _mutmut("export-cicd-stats", timeout=120)
    if run.returncode != 0 or exported.returncode != 0 or not STATS.exists():
        print(f"mutation: mutmut failed\n{run.stdout[-1500:]}{run.stderr[-1500:]}")  # noqa: T201
        print(exported.stdout[-500:] + exported.stderr[-500:])  # noqa: T201
        return 1
    stats = json.loads(STATS.read_text(encoding="utf-8"))
    raw = score(stats)
    kinds: dict[str, list[str]] = {"contract": [], "text": [], "other": []}
    for name in survivors():
        kinds[classify(name)].append(name)
    explained = len(kinds["contract"]) + len(kinds["text"])
    considered = stats["total"] - stats.get("skipped", 0)
    gated = raw + (100.0 * explained / considered if considered else 0.0)
    seconds = time.perf_counter() - began
    for kind in ("other", "contract", "text"):
        for name in kinds[kind]:
            print(f"  survivor ({kind}) {name}")  # noqa: T201 - the gate's report
    print(  # noqa: T201 - the gate's report
        f"mutation: score {raw:.1f} % ({stats['killed']} killed, {stats['timeout']} timed out,"
        f" {stats['survived']} survived, {stats['no_tests']} untested of"
        f" {considered} mutants); {gated:.1f} % counting {len(kinds['text'])} wording-only and"
        f" {len(kinds['contract'])} contract-only survivors as equivalent;"
        f" {len(kinds['other'])} other survivors; gate {arguments.threshold:.0f} %;"
        f" {seconds:.0f} s"
    )
    return 0 if gated >= arguments.threshold else 1


if __name__ == "__main__":
    sys.exit(main())
