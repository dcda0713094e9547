"""Every known-bad kernel is caught by the independent verification (specs/known_bad).

Each variant is the kernel with one planted bug and every contract assert stripped (as under
``python -O``), probed in a fresh process by the boundary corpus, the properties and the
enumeration. The probes spawn processes, so they are marked slow; ``make verify`` runs them all
through ``python -m specs.verification.known_bad``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from specs.verification.crosshair_gate import discover, self_test
from specs.verification.known_bad.__main__ import probe
from specs.verification.known_bad.build import KERNEL, build, strip_asserts
from specs.verification.known_bad.variants import VARIANTS, Variant
from specs.verification.oracle import INVARIANTS

ALL_INVARIANTS = pytest.mark.covers(
    "INV-DOSE",
    "INV-RENAL",
    "INV-FOLATE",
    "INV-NEURO-WARNING",
    "INV-CITATIONS",
    "INV-DETERMINISTIC",
    "INV-LIFELONG",
    "INV-INTERVAL-MAX",
    "INV-INTERVAL-MONTHLY",
    "INV-LOAD-STANDARD",
    "INV-LOAD-NEURO",
    "INV-PLATELET-GUIDANCE",
    "INV-NO-HOME-BELOW-25",
    "INV-DATES-ORDERED",
    "INV-MONTH-CLAMP",
    "INV-HORIZON",
    "INV-TOTAL-PLAN",
    "INV-TOTAL-CHECK",
    "INV-TOTAL-COURSE",
    "INV-VALIDATION",
    "INV-FINDINGS",
    "INV-REFER",
    "INV-COURSE-OUTCOME",
    "INV-WORDING",
    "INV-CHECK-FORMULATION",
    "INV-SCHEDULE",
    "INV-REFER-PLATELETS",
)


@ALL_INVARIANTS
def test_every_invariant_has_a_known_bad_kernel() -> None:
    assert {variant.invariant for variant in VARIANTS} == set(INVARIANTS)
    assert len({variant.name for variant in VARIANTS}) == len(VARIANTS)
    # The IDs these tests claim to cover are every invariant, so the claim cannot go stale.
    assert ALL_INVARIANTS.args == INVARIANTS


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_every_patch_still_applies_to_the_kernel(variant: Variant, tmp_path: Path) -> None:
    """A patch whose old text no longer occurs exactly once fails here, loudly."""
    kernel = build(tmp_path, variant) / "kernel"
    assert sorted(str(p.relative_to(kernel)) for p in kernel.rglob("*.py")) == sorted(
        str(p.relative_to(KERNEL)) for p in KERNEL.rglob("*.py")
    )


def test_stripping_removes_every_assert_and_nothing_else(tmp_path: Path) -> None:
    source = "def f(x):\n    assert x > 0, 'INV-X: positive'\n    return x + 1\n"
    stripped = strip_asserts(source)
    assert not any(isinstance(node, ast.Assert) for node in ast.walk(ast.parse(stripped)))
    namespace: dict[str, object] = {}
    exec(compile(stripped, "<stripped>", "exec"), namespace)  # noqa: S102 - our own test source
    assert namespace["f"](-5) == -4  # type: ignore[operator]
    kernel = build(tmp_path, None) / "kernel"
    stripped_files = sorted(kernel.rglob("*.py"))
    assert any(path.parent.name == "contracts" for path in stripped_files)
    for path in stripped_files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert not any(isinstance(node, ast.Assert) for node in ast.walk(tree)), path.name


@pytest.mark.slow
@ALL_INVARIANTS
@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_known_bad_kernel_is_caught(variant: Variant) -> None:
    outcome = probe(variant)
    assert not outcome.error, outcome.detail
    assert outcome.caught, f"{variant.name} ({variant.invariant}) escaped: {outcome.detail}"


@pytest.mark.slow
def test_clean_kernel_without_contracts_is_not_flagged() -> None:
    """The probe raises no false alarm: the real kernel, contracts stripped, passes every layer."""
    outcome = probe(None)
    assert not outcome.error, outcome.detail
    assert not outcome.caught, outcome.detail


@pytest.mark.slow
@pytest.mark.covers("INV-MONTH-CLAMP")
def test_crosshair_finds_the_planted_clamp_bug() -> None:
    """The CrossHair gate can fail: with the leap-year clamp bug planted (contracts kept), it
    reports the counterexample."""
    assert self_test() == 0


def test_crosshair_targets_are_the_contract_led_functions() -> None:
    names = {target.name for target in discover()}
    assert {"kernel.plan.plan_regimen", "kernel.check.check_regimen"} <= names
    assert "kernel.course.assess_course" in names
    assert all(target.contracts >= 1 for target in discover())
