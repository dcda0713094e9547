"""The CrossHair gate: symbolic checking of the kernel's assert contracts.

Targets are discovered, not listed: every kernel function whose body opens with an ``assert``
(its precondition; CrossHair's ``asserts`` analysis checks exactly those functions, and every
later assert in them is a postcondition or invariant). They are split over two processes, each
``crosshair check --analysis_kind=asserts --per_condition_timeout=20 --per_path_timeout=5
--report_all`` under a timeout. The gate fails on any counterexample, on "Unable to meet
precondition", on a timeout, and on a target that reports nothing.

``--self-test`` proves the gate can fail: it plants the leap-year clamp bug of the known-bad
kernel ``month-clamp-ignores-leap-years`` in a copy of the kernel with its contracts kept, and
requires CrossHair to report the counterexample.

Run ``python -m specs.verification.crosshair_gate [--self-test]``.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KERNEL = ROOT / "kernel"
CROSSHAIR = Path(sys.executable).parent / "crosshair"
OPTIONS = (
    "--analysis_kind=asserts",
    "--per_condition_timeout=20",
    "--per_path_timeout=5",
    "--report_all",
)
PROCESSES = 2
TIMEOUT_SECONDS = 600
LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): (?P<kind>info|error): (?P<message>.*)$")


@dataclass(frozen=True)
class Target:
    """A contract-led kernel function: its qualified name, file, line and assert count."""

    name: str
    path: Path
    line: int
    contracts: int


def _leads_with_assert(function: ast.FunctionDef) -> bool:
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    return bool(body) and isinstance(body[0], ast.Assert)


def _asserts(node: ast.AST) -> int:
    return sum(isinstance(n, ast.Assert) for n in ast.walk(node))


def _called_names(node: ast.AST) -> set[str]:
    return {
        n.func.id
        for n in ast.walk(node)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }


def _contract_asserts(kernel: Path, tree: ast.Module, function: ast.FunctionDef) -> int:
    """Count the asserts a target checks: its own preconditions, the ``_ensure_*``
    postconditions beside it in its module, and, for an operation that calls
    ``ensure_<operation>``, every assert of ``kernel/contracts/<operation>.py`` and of the shared
    ``kernel/contracts/common.py``."""
    called = _called_names(function)
    count = _asserts(function)
    for node in tree.body:
        if (
            isinstance(node, ast.FunctionDef)
            and node.name.startswith("_ensure_")
            and node.name in called
        ):
            count += _asserts(node)
    contracts = kernel / "contracts"
    for name in called:
        module = contracts / f"{name.removeprefix('ensure_')}.py"
        if name.startswith("ensure_") and module.is_file():
            count += _asserts(ast.parse(module.read_text(encoding="utf-8")))
            count += _asserts(ast.parse((contracts / "common.py").read_text(encoding="utf-8")))
    return count


def discover(kernel: Path = KERNEL) -> list[Target]:
    """Return every module-level kernel function that leads with an assert (the postcondition
    functions ``_ensure_*`` beside them are checked through them, not on their own)."""
    found: list[Target] = []
    for path in sorted(kernel.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if (
                isinstance(node, ast.FunctionDef)
                and _leads_with_assert(node)
                and not node.name.startswith("_ensure_")
            ):
                contracts = _contract_asserts(kernel, tree, node)
                found.append(
                    Target(f"kernel.{path.stem}.{node.name}", path, node.lineno, contracts)
                )
    return found


@dataclass
class Run:
    """The result of one CrossHair process."""

    targets: list[Target]
    returncode: int | None
    lines: list[tuple[str, int, str, str]]
    output: str
    seconds: float


def run_crosshair(targets: list[Target], *, cwd: Path = ROOT) -> Run:
    """Run one ``crosshair check`` over ``targets`` (module-qualified names) under a timeout."""
    began = time.perf_counter()
    environment = {**os.environ, "PYTHONPATH": str(cwd)}
    command = [str(CROSSHAIR), "check", *OPTIONS, *(target.name for target in targets)]
    try:
        completed = subprocess.run(  # noqa: S603 - the venv's crosshair, fixed arguments
            command,
            capture_output=True,
            text=True,
            cwd=cwd,
            env=environment,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        output = str(expired.stdout or "")
        return Run(targets, None, [], output, time.perf_counter() - began)
    lines = []
    for raw in completed.stdout.splitlines():
        match = LINE.match(raw.strip())
        if match:
            lines.append(
                (match["path"], int(match["line"]), match["kind"], match["message"].strip())
            )
    output = completed.stdout + completed.stderr
    return Run(targets, completed.returncode, lines, output, time.perf_counter() - began)


def split(targets: list[Target], parts: int) -> list[list[Target]]:
    """Deal the targets round-robin over ``parts`` processes, most asserts first (each function
    costs up to the per-condition timeout, so the count of functions is the load)."""
    groups: list[list[Target]] = [[] for _ in range(parts)]
    for index, target in enumerate(sorted(targets, key=lambda t: -t.contracts)):
        groups[index % parts].append(target)
    return [group for group in groups if group]


def gate() -> int:
    """Check every contract-led kernel function; print the summary; 0 when all is well."""
    targets = discover()
    groups = split(targets, PROCESSES)
    with concurrent.futures.ThreadPoolExecutor(max_workers=PROCESSES) as pool:
        runs = list(pool.map(run_crosshair, groups))
    problems: list[str] = []
    by_location = {(t.path.resolve(), t.line): t for t in targets}
    reported: set[str] = set()
    counterexamples = 0
    unmet = 0
    for run in runs:
        if run.returncode is None:
            problems.append(f"timed out after {run.seconds:.0f} s: {[t.name for t in run.targets]}")
            continue
        for path, line, kind, message in run.lines:
            target = by_location.get((Path(path).resolve(), line))
            where = target.name if target else f"{path}:{line}"
            if target:
                reported.add(target.name)
            if kind == "error":
                counterexamples += 1
                problems.append(f"counterexample in {where}: {message}")
            elif "Unable to meet precondition" in message:
                unmet += 1
                problems.append(f"unable to meet the precondition of {where}")
            print(f"  {where:40s} {message}")  # noqa: T201 - the gate's report
        if run.returncode not in {0, 1}:
            problems.append(f"crosshair exited {run.returncode}: {run.output[-1500:]}")
    silent = [t.name for t in targets if t.name not in reported]
    if silent:
        problems.append(f"no result for {silent}")
    contracts = sum(target.contracts for target in targets)
    seconds = max((run.seconds for run in runs), default=0.0)
    print(  # noqa: T201 - the gate's report
        f"crosshair: {len(targets)} functions, {contracts} contract asserts checked in"
        f" {len(groups)} processes ({seconds:.0f} s); {counterexamples} counterexamples,"
        f" {unmet} unmet preconditions"
    )
    for problem in problems:
        print(f"  FAIL {problem}")  # noqa: T201 - the gate's report
    return 1 if problems else 0


def self_test() -> int:
    """Plant the leap-year clamp bug (contracts kept); CrossHair must report a counterexample."""
    from specs.verification.known_bad.build import build  # noqa: PLC0415 - only the self-test needs it
    from specs.verification.known_bad.variants import VARIANTS  # noqa: PLC0415

    variant = next(v for v in VARIANTS if v.name == "month-clamp-ignores-leap-years")
    with tempfile.TemporaryDirectory(prefix="crosshair-planted-") as temporary:
        directory = build(Path(temporary), variant, contracts=True)
        targets = [t for t in discover(directory / "kernel") if t.name.endswith(".add_months")]
        run = run_crosshair(targets, cwd=directory)
    errors = [message for _, _, kind, message in run.lines if kind == "error"]
    caught = run.returncode == 1 and any("INV-MONTH-CLAMP" in message for message in errors)
    verdict = "caught" if caught else "MISSED"
    detail = errors[0] if errors else run.output[-500:]
    summary = f"planted leap-year clamp bug {verdict} in {run.seconds:.1f} s"
    print(f"crosshair self-test: {summary}: {detail}")  # noqa: T201 - the gate's report
    return 0 if caught else 1


def main(argv: list[str] | None = None) -> int:
    """Run the gate (and, with ``--self-test``, the planted-bug check first)."""
    parser = argparse.ArgumentParser(description="CrossHair gate over the kernel's contracts.")
    parser.add_argument("--self-test", action="store_true", help="also prove the gate can fail")
    arguments = parser.parse_args(argv)
    status = self_test() if arguments.self_test else 0
    return gate() or status


if __name__ == "__main__":
    sys.exit(main())
