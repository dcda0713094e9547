"""The boundary corpus through the kernel and the oracle: fast, deterministic, exhaustive over the
thresholds of the decisions. The first layer of the known-bad probe and the core of the mutation
test subset (it stops at the first disagreement).
"""

from __future__ import annotations

import pytest

from kernel import (
    assess_course,
    check_regimen,
    describe_rules,
    plan_regimen,
    validate_check_request,
    validate_course_request,
    validate_plan_request,
)
from kernel.model import InvalidInput
from kernel.rules import RULE_SET_VERSION
from specs.verification.oracle import (
    DECISIONS,
    INVARIANTS,
    SOURCE_RULES,
    check_check,
    check_course,
    check_plan,
    expected_references,
)
from specs.verification.properties.examples import (
    check_examples,
    course_examples,
    invalid_check_examples,
    invalid_course_examples,
    invalid_plan_examples,
    labs_examples,
    plan_examples,
)
from specs.verification.properties.laws import clear_kernel_caches


@pytest.fixture(autouse=True)
def _cold_caches() -> None:
    """Every test starts with the kernel's memo caches empty (see ``clear_kernel_caches``)."""
    clear_kernel_caches()


@pytest.mark.covers("INV-TOTAL-PLAN", "D-OUTCOME", "D-PLT", "D-INTERVAL", "D-HORIZON")
def test_plan_corpus_agrees_with_the_oracle() -> None:
    for request in plan_examples():
        assert check_plan(request, plan_regimen(request)) == [], request


@pytest.mark.covers("INV-VALIDATION", "D-INVALID")
def test_invalid_plan_corpus_agrees_with_the_oracle() -> None:
    for request in invalid_plan_examples():
        assert check_plan(request, plan_regimen(request)) == [], request


@pytest.mark.covers("INV-TOTAL-CHECK", "D-CHECK")
def test_check_corpus_agrees_with_the_oracle() -> None:
    for request in check_examples():
        assert check_check(request, check_regimen(request)) == [], request


@pytest.mark.covers("INV-VALIDATION", "D-INVALID", "D-FORMULATIONS")
def test_invalid_check_corpus_agrees_with_the_oracle() -> None:
    for request in invalid_check_examples():
        assert check_check(request, check_regimen(request)) == [], request


@pytest.mark.covers("INV-TOTAL-COURSE", "D-COURSE", "D-MISSED", "D-LABS")
def test_course_corpus_agrees_with_the_oracle() -> None:
    for request in course_examples():
        assert check_course(request, assess_course(request)) == [], request


@pytest.mark.covers("D-LABS", "D-MISSED", "R-MON-LABS", "R-MON-HCY")
def test_labs_and_missed_dose_boundaries_agree_with_the_oracle() -> None:
    for request in labs_examples():
        assert check_course(request, assess_course(request)) == [], request


@pytest.mark.covers("INV-VALIDATION", "D-INVALID", "D-COURSE")
def test_invalid_course_corpus_agrees_with_the_oracle() -> None:
    for request in invalid_course_examples():
        assert check_course(request, assess_course(request)) == [], request


@pytest.mark.covers("INV-CITATIONS")
def test_the_rule_set_lists_the_catalogue_with_its_references() -> None:
    """``describe_rules`` names the version and lists every R-, D- and INV- ID once, in catalogue
    order, with the source's reference numbers (clinical-decisions.md), "none" where there is
    none, and a text."""
    rule_set = describe_rules()
    assert rule_set.version == RULE_SET_VERSION
    assert rule_set.version
    ids = [rule.rule_id for rule in rule_set.rules]
    assert ids == [*SOURCE_RULES, *DECISIONS, *INVARIANTS]
    for rule in rule_set.rules:
        assert rule.text.strip()
        assert rule.source_references == expected_references((rule.rule_id,)), rule.rule_id


@pytest.mark.covers("INV-VALIDATION", "D-INVALID")
def test_the_public_validators_agree_with_the_operations() -> None:
    """``validate_*_request`` name exactly the violations the operations return (none when the
    operation gives a result)."""
    pairs = (
        *((validate_plan_request, plan_regimen, r) for r in invalid_plan_examples()),
        *((validate_plan_request, plan_regimen, r) for r in plan_examples()[:40]),
        *((validate_check_request, check_regimen, r) for r in invalid_check_examples()),
        *((validate_check_request, check_regimen, r) for r in check_examples()[:40]),
        *((validate_course_request, assess_course, r) for r in invalid_course_examples()),
        *((validate_course_request, assess_course, r) for r in course_examples()[:40]),
    )
    for validate, operate, request in pairs:
        outcome = operate(request)  # type: ignore[operator]
        expected = outcome.violations if isinstance(outcome, InvalidInput) else ()
        assert validate(request) == expected, request  # type: ignore[operator]
