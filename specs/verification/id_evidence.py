"""Each catalogue ID's evidence: what the code and the tests say of it (``trace``), joined with
what the latest verification run recorded (``evidence``).

An ID's evidence is missing, and ``IdEvidence.problems`` says why, when: no test function and
no decision-table row covers it; a covering property or self-test function failed in the latest
run; the enumeration recorded violations of it; CrossHair found a counterexample in a function
that checks one of its contract asserts; for an invariant, no known-bad kernel that breaks it
was caught (none recorded, one escaped, or the clean kernel was flagged too, which makes every
catch worthless).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from specs.verification.crosshair_gate import discover
from specs.verification.evidence import Facts
from specs.verification.trace import ROOT, ContractAssert, RowSite, TestSite, Trace, relative

KERNEL: Final = "kernel"
CONTRACTS: Final = "kernel/contracts"
_PARAMETERS: Final = re.compile(r"\[.*\]$")
_MUTANT: Final = re.compile(
    r"^(?P<module>[\w.]+)\.x(?:_|ǁ(?P<cls>\w+)ǁ)(?P<function>\w+?)__mutmut_\d+$"
)


@dataclass(frozen=True)
class KnownBad:
    """A known-bad kernel recorded for an invariant."""

    name: str
    caught: bool
    layer: str


@dataclass(frozen=True)
class IdEvidence:
    """One ID's evidence (see the module docstring for when it is missing)."""

    rule_id: str
    tests: tuple[TestSite, ...]
    rows: tuple[RowSite, ...]
    properties_passed: tuple[str, ...]
    properties_failed: tuple[str, ...]
    enumeration_violations: int | None
    known_bad: tuple[KnownBad, ...]
    asserts: tuple[ContractAssert, ...]
    crosshair: Mapping[Location, tuple[str, ...]]
    mutation_survivors: tuple[str, ...]
    problems: tuple[str, ...]

    @property
    def is_invariant(self) -> bool:
        """Whether the ID is an invariant (INV-)."""
        return self.rule_id.startswith("INV-")


# --- What CrossHair checks ----------------------------------------------------------------------


Location = tuple[str, int]


def _asserts_in(node: ast.AST, path: str) -> set[Location]:
    return {(path, n.lineno) for n in ast.walk(node) if isinstance(n, ast.Assert)}


def _called_names(node: ast.AST) -> set[str]:
    return {
        n.func.id
        for n in ast.walk(node)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }


def _target_reach(
    tree: ast.Module, function: ast.FunctionDef, root: Path, path: Path
) -> set[Location]:
    """Return the asserts one CrossHair target checks (see ``crosshair_reach``)."""
    where = relative(path, root)
    called = _called_names(function)
    checked = _asserts_in(function, where)
    for other in tree.body:
        if (
            isinstance(other, ast.FunctionDef)
            and other.name.startswith("_ensure_")
            and other.name in called
        ):
            checked |= _asserts_in(other, where)
    contracts = root / CONTRACTS
    for name in called:
        module = contracts / f"{name.removeprefix('ensure_')}.py"
        if name.startswith("ensure_") and module.is_file():
            for extra in (module, contracts / "common.py"):
                extra_tree = ast.parse(extra.read_text(encoding="utf-8"))
                checked |= _asserts_in(extra_tree, relative(extra, root))
    return checked


def crosshair_reach(root: Path = ROOT) -> dict[str, set[Location]]:
    """Return, per CrossHair target (``kernel.<module>.<function>``, as
    ``crosshair_gate.discover`` finds them), the asserts it checks, as the gate counts them
    (``crosshair_gate._contract_asserts``): the target's own, the ``_ensure_*`` functions of its
    module that it calls, and for an operation calling ``ensure_<operation>`` every assert of
    ``kernel/contracts/<operation>.py`` and of ``kernel/contracts/common.py``."""
    reach: dict[str, set[Location]] = {}
    for target in discover(root / KERNEL):
        tree = ast.parse(target.path.read_text(encoding="utf-8"))
        function = next(
            node
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and node.lineno == target.line
        )
        reach[target.name] = _target_reach(tree, function, root, target.path)
    return reach


# --- Joining the trace and the record -----------------------------------------------------------


def covers_node(site: TestSite, node: str) -> bool:
    """Whether a pytest node ID (parameters included) is a test that ``site`` marks."""
    bare = _PARAMETERS.sub("", node)
    if site.kind == "function":
        return bare == site.node_id
    return bare.startswith(f"{site.node_id}::")


def mutant_function(name: str) -> tuple[str, str] | None:
    """Return (file, function) of a mutmut mutant name (``kernel.check.x__check_dose__mutmut_3``
    is ``kernel/check.py``, ``_check_dose``; a method is ``Class.method``)."""
    match = _MUTANT.match(name)
    if not match:
        return None
    module = match["module"]
    path = "kernel/__init__.py" if module == "kernel" else module.replace(".", "/") + ".py"
    function = match["function"]
    return path, f"{match['cls']}.{function}" if match["cls"] else function


def _strings(facts: Facts | None, key: str) -> list[str]:
    value = facts.get(key) if facts else None
    return [str(item) for item in value] if isinstance(value, list) else []


def _known_bad(facts: Facts | None, rule_id: str) -> tuple[KnownBad, ...]:
    variants = facts.get("variants") if facts else None
    if not isinstance(variants, list):
        return ()
    return tuple(
        KnownBad(str(v.get("name")), bool(v.get("caught")), str(v.get("layer")))
        for v in variants
        if isinstance(v, dict) and v.get("invariant") == rule_id
    )


def _survivors(facts: Facts | None) -> list[str]:
    survivors = facts.get("survivors") if facts else None
    if not isinstance(survivors, dict):
        return []
    return sorted(
        str(name) for names in survivors.values() if isinstance(names, list) for name in names
    )


def assess(
    rule_id: str,
    trace: Trace,
    parts: Mapping[str, Facts],
    reach: Mapping[str, set[Location]],
) -> IdEvidence:
    """Return ``rule_id``'s evidence from the trace and the recorded parts."""
    tests = trace.tests.get(rule_id, ())
    rows = trace.rows.get(rule_id, ())
    properties = parts.get("properties")
    passed = tuple(
        n for n in _strings(properties, "passed") if any(covers_node(t, n) for t in tests)
    )
    failed = tuple(
        n for n in _strings(properties, "failed") if any(covers_node(t, n) for t in tests)
    )
    enumeration = parts.get("enumeration")
    violations_by_id = enumeration.get("violations") if enumeration else None
    violations = (
        int(str(violations_by_id.get(rule_id, 0))) if isinstance(violations_by_id, dict) else None
    )
    asserts = trace.contracts.get(rule_id, ())
    crosshair = parts.get("crosshair")
    statuses = crosshair.get("functions") if crosshair else None
    recorded = statuses if isinstance(statuses, dict) else {}
    checked: dict[Location, tuple[str, ...]] = {}
    for found in asserts:
        location = (found.path, found.line)
        checked[location] = tuple(sorted(t for t in recorded if location in reach.get(t, set())))
    known_bad = _known_bad(parts.get("known-bad"), rule_id) if rule_id.startswith("INV-") else ()
    implementing = {
        (site.path, site.name) for site in trace.code.get(rule_id, ()) if site.kind == "function"
    }
    survivors = tuple(
        n for n in _survivors(parts.get("mutation")) if mutant_function(n) in implementing
    )
    problems: list[str] = []
    if not tests and not rows:
        problems.append("no test function or decision-table row covers it")
    if failed:
        problems.append(f"covering tests failed in the latest run: {', '.join(failed)}")
    if violations:
        problems.append(f"the enumeration found {violations} violations of it")
    countered = sorted(
        {t for targets in checked.values() for t in targets if recorded.get(t) == "counterexample"}
    )
    if countered:
        problems.append(f"CrossHair found a counterexample in {', '.join(countered)}")
    if rule_id.startswith("INV-"):
        problems.extend(_known_bad_problems(parts.get("known-bad"), known_bad))
    return IdEvidence(
        rule_id,
        tests,
        rows,
        passed,
        failed,
        violations,
        known_bad,
        asserts,
        checked,
        survivors,
        tuple(problems),
    )


def _known_bad_problems(facts: Facts | None, known_bad: tuple[KnownBad, ...]) -> list[str]:
    if not facts:
        return ["no known-bad run is recorded"]
    if facts.get("control_flagged") is not False:
        return ["the clean kernel was flagged by the known-bad probe, so no catch counts"]
    if not known_bad:
        return ["no known-bad kernel breaks it"]
    escaped = [variant.name for variant in known_bad if not variant.caught]
    if escaped:
        return [f"known-bad kernels escaped: {', '.join(escaped)}"]
    return []


def assess_all(
    rule_ids: list[str], trace: Trace, parts: Mapping[str, Facts], root: Path = ROOT
) -> dict[str, IdEvidence]:
    """Return the evidence of every ID in ``rule_ids``."""
    reach = crosshair_reach(root)
    return {rule_id: assess(rule_id, trace, parts, reach) for rule_id in rule_ids}
