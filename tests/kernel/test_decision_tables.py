"""Golden decision tables (specs/tables/*.yaml) run against the kernel.

``test_row`` checks each row's hand-derived expectations; the IDs a row verifies are its
``covers`` list, which tests/verification/test_traceability.py reads from the tables.
``test_row_invariants`` asks the independent oracle (``specs/verification/oracle``) for every
invariant and decision the output of each row breaks (valid and invalid alike). The last tests
fail when a profile field is missing from the table loader, the strategies or the enumeration.
"""

from __future__ import annotations

import dataclasses
import enum
import typing

import pytest
from hypothesis import Phase, find, settings

from kernel import (
    assess_course,
    check_regimen,
    plan_regimen,
    validate_check_request,
    validate_course_request,
    validate_plan_request,
)
from kernel.model import (
    CheckRequest,
    Code,
    CourseRequest,
    FieldViolation,
    InvalidInput,
    PatientProfile,
    PlanRequest,
    RegimenPlan,
)
from kernel.rules import RULE_SET_VERSION, RULES
from specs.verification import enumerate_cases, oracle
from specs.verification import strategies as gen
from specs.verification.decision_tables import (
    REFER_WARNINGS,
    SEVERITIES,
    Result,
    Row,
    TableError,
    accepted_keys,
    all_rows,
    build,
    compare,
    observe,
)

ROWS = all_rows()
CODE_ORDER = {code: index for index, code in enumerate(Code)}
STANDARD_OFFSETS = (0, 2, 4, 7, 9, 11)


def run(row: Row) -> Result:
    """Send the row's request to the kernel operation of its kind."""
    request = row.request
    if isinstance(request, PlanRequest):
        return plan_regimen(request)
    if isinstance(request, CheckRequest):
        return check_regimen(request)
    return assess_course(request)


def _row_param(row: Row) -> object:
    """A row as a test parameter; a row the kernel is known to disagree with is a strict xfail."""
    marks = (
        [pytest.mark.xfail(reason=f"kernel deviation: {row.kernel_deviation}", strict=True)]
        if row.kernel_deviation
        else []
    )
    return pytest.param(row, id=row.id, marks=marks)


@pytest.mark.parametrize("row", [_row_param(row) for row in ROWS])
def test_row(row: Row) -> None:
    problems = compare(row, run(row))
    note = f" (note: {row.note})" if row.note else ""
    assert not problems, f"{row.table}:{row.id}{note}\n" + "\n".join(problems)


def test_tables_are_not_empty() -> None:
    kinds = {row.kind for row in ROWS}
    assert kinds == {"plan", "check", "course"}
    assert len(ROWS) >= 150


# ---------------------------------------------------------------------------------------------
# Invariants checked on the output of every row: the independent oracle (one checker, not two).
# ---------------------------------------------------------------------------------------------


def oracle_problems(row: Row, result: Result) -> list[str]:
    """Every invariant and decision the output of ``row`` breaks, as the oracle reads them."""
    request = row.request
    if isinstance(request, PlanRequest):
        return oracle.check_plan(request, result)
    if isinstance(request, CheckRequest):
        return oracle.check_check(request, result)
    return oracle.check_course(request, result)


def _validator_violations(row: Row) -> tuple[FieldViolation, ...]:
    request = row.request
    if isinstance(request, PlanRequest):
        return validate_plan_request(request)
    if isinstance(request, CheckRequest):
        return validate_check_request(request)
    return validate_course_request(request)


@pytest.mark.covers(
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
@pytest.mark.parametrize("row", [_row_param(row) for row in ROWS])
def test_row_invariants(row: Row) -> None:
    result = run(row)
    problems = oracle_problems(row, result)
    if run(row) != result:
        problems.append("INV-DETERMINISTIC: the same request gave a different output")
    listed = _validator_violations(row)
    if isinstance(result, InvalidInput) and listed != result.violations:
        problems.append("INV-VALIDATION: the operation and its validator disagree")
    if not isinstance(result, InvalidInput) and listed:
        problems.append("INV-VALIDATION: a valid result for a request with violations")
    assert not problems, f"{row.table}:{row.id}\n" + "\n".join(problems)


def test_the_oracle_catalogue_is_the_kernels() -> None:
    """The oracle's own copy of the catalogue and version names what the kernel's does."""
    assert list(RULES) == list(oracle.CATALOGUE)
    assert RULE_SET_VERSION == oracle.RULE_SET_VERSION


def _enum_names(values: type[enum.Enum]) -> set[str]:
    return set(values.__members__)


def test_severity_table_names_known_codes() -> None:
    assert set(SEVERITIES) <= _enum_names(Code)
    assert set(SEVERITIES) >= REFER_WARNINGS
    items = {code.name for code in oracle.ITEM_CODES}
    assert set(SEVERITIES) | items == _enum_names(Code), "every code has a severity or is an item"


_WRONG = "__not_in_any_output__"


def _perturbed(key: str, value: object, observed: dict[str, object]) -> object | None:  # noqa: C901, PLR0911 - one branch per kind of key
    """Return an expectation for ``key`` that no correct output can meet, or None if none."""
    elements = value if isinstance(value, dict) else {}
    if key == "findings_include":
        return {_WRONG: "critical"}
    if key in {"finding_rule_ids", "interval_rule_ids", "finding_text_includes"}:
        return {name: [_WRONG] for name in elements} or None
    if key == "item_text_includes":
        return {name: [_WRONG] for name in elements} or None
    if key == "finding_rule_ids_exact":
        return {name: [_WRONG] for name in elements} or None
    if key == "finding_rule_ids_exclude":
        cited = observed.get("finding_rule_ids")
        cited = cited if isinstance(cited, dict) else {}
        return {name: list(cited.get(name, []))[:1] for name in elements if cited.get(name)} or None
    if key == "item_text_excludes":
        texts = observed.get("item_texts")
        texts = texts if isinstance(texts, dict) else {}
        return {name: [texts[name]] for name in elements if name in texts} or None
    if key == "referral_text_excludes":
        return [observed.get("referral_text")]
    if key.endswith(("_include", "_includes")):
        return [_WRONG]
    if key in {"invalid_fields", "invalid_field_prefixes"}:
        return [_WRONG]
    if key.endswith("_exclude"):
        source = "findings" if key == "findings_exclude" else key.removesuffix("_exclude")
        present = observed.get(source)
        names = list(present) if isinstance(present, dict | list) else []
        return names[:1] or None
    return _WRONG


def test_every_expectation_can_fail() -> None:
    checked = 0
    for row in ROWS:
        result = run(row)
        observed = observe(row.kind, result)
        for key, value in row.expected.items():
            wrong = _perturbed(key, value, observed)
            if wrong is None:
                continue
            mutated = dataclasses.replace(row, expected={**row.expected, key: wrong})
            assert compare(mutated, result), f"{row.id}: {key} cannot fail"
            checked += 1
    assert checked > len(ROWS)


@pytest.mark.covers("R-MON-HCY", "R-MON-LABS")
def test_every_plan_targets_homocysteine_below_10() -> None:
    plans = [result for row in ROWS if isinstance(result := run(row), RegimenPlan)]
    assert plans
    assert {plan.monitoring.homocysteine_target_below_umol_per_l for plan in plans} == {10}
    assert all(
        "LABS_B12_HOMOCYSTEINE" in {item.code.name for item in plan.monitoring.items}
        for plan in plans
    )


# ---------------------------------------------------------------------------------------------
# No profile field can go missing (issue 8): the loader, the strategies and the enumeration.
# ---------------------------------------------------------------------------------------------


def _sample(hint: object) -> tuple[object, object] | None:
    """A (table value, kernel value) pair unlike the field's default, from the field's type."""
    options = [arg for arg in typing.get_args(hint) if arg is not type(None)] or [hint]
    base = options[0]
    if base is bool:
        return True, True
    if base is int:
        return 33, 33
    if base is float:
        return 42.5, 42.5
    if isinstance(base, type) and issubclass(base, enum.Enum):
        member = [m for m in base if m.name != "UNSPECIFIED"][-1]
        return member.name, member
    return None


PROFILE_FIELDS = [field.name for field in dataclasses.fields(PatientProfile)]


@pytest.mark.covers("D-FIELDS")
@pytest.mark.parametrize("name", PROFILE_FIELDS)
def test_every_profile_field_reaches_the_table_loader(name: str) -> None:
    """The loader accepts every profile field and keeps its value (never drops it)."""
    sample = _sample(typing.get_type_hints(PatientProfile)[name])
    assert sample is not None, f"no sample value for PatientProfile.{name}"
    raw, value = sample
    request = build(PlanRequest, {"profile": {name: raw}}, "test")
    assert getattr(request.profile, name) == value
    assert getattr(request.profile, name) != getattr(PatientProfile(), name)


def test_the_table_loader_rejects_an_unknown_key() -> None:
    with pytest.raises(TableError, match="unknown keys"):
        build(PlanRequest, {"profile": {"pregnancy": True}}, "test")
    with pytest.raises(TableError, match="unknown keys"):
        build(CourseRequest, {"horizon": "2025-01-06"}, "test")
    assert accepted_keys(PatientProfile) == frozenset(PROFILE_FIELDS)


@pytest.mark.covers("D-FIELDS")
@pytest.mark.parametrize("name", PROFILE_FIELDS)
def test_every_profile_field_is_drawn_by_the_strategies(name: str) -> None:
    """The Hypothesis strategies draw every profile field, with values besides its default."""
    assert name in gen.drawn_profile_fields()
    default = getattr(PatientProfile(), name)
    found = find(
        gen.profiles("valid"),
        lambda profile: getattr(profile, name) != default,
        settings=settings(database=None, max_examples=5000, phases=[Phase.generate]),
    )
    assert getattr(found, name) != default


def test_every_profile_field_is_varied_by_the_enumeration() -> None:
    """The enumeration sets every profile field to a value besides its default somewhere."""
    assert enumerate_cases.varied_profile_fields() == frozenset(PROFILE_FIELDS)
