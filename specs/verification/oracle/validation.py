"""The validation verdict the decisions give (D-INVALID, D-FIELDS, D-WINDOWS, D-COURSE)."""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from kernel.model import (
    CheckRequest,
    CourseNeurologicalStatus,
    CourseRequest,
    FieldViolation,
    InvalidInput,
    NeurologicalInvolvement,
    PatientProfile,
    PlanRequest,
    Route,
)
from specs.verification.oracle.catalogue import (
    AGE_RANGE,
    B12_RANGE,
    EGFR_RANGE,
    HCY_RANGE,
    LATEST_DATE,
    LENGTH_RANGE,
    LONGEST_HORIZON_YEARS,
    PLATELETS_RANGE,
    STANDARD_LOADING_DAYS,
    SUPPORTED_FORMULATIONS,
)
from specs.verification.oracle.dates import add_months
from specs.verification.oracle.facts import derive_facts


@dataclass
class FieldExpectation:
    """The validation verdict the decisions give: each requirement is a set of field paths of
    which at least one must be named; ``allowed`` are the only paths that may be named."""

    required: list[frozenset[str]] = field(default_factory=list)
    allowed: set[str] = field(default_factory=set)

    def need(self, *paths: str) -> None:
        """At least one of ``paths`` must be named."""
        self.required.append(frozenset(paths))
        self.allowed.update(paths)

    def may(self, *paths: str) -> None:
        """``paths`` may be named (the decisions leave it open)."""
        self.allowed.update(paths)

    @property
    def invalid(self) -> bool:
        """Whether the input must be rejected."""
        return bool(self.required)

    @property
    def ambiguous(self) -> bool:
        """Whether the input may be rejected or accepted."""
        return not self.required and bool(self.allowed)


def _bad_number(value: float, bounds: tuple[float, float]) -> bool:
    """Outside the inclusive range, or not a number at all (NaN)."""
    return math.isnan(value) or value < bounds[0] or value > bounds[1]


def _enum_missing(value: object) -> bool:
    return value is None or getattr(value, "name", "") == "UNSPECIFIED"


def _optional_enum_unspecified(value: object) -> bool:
    return value is not None and getattr(value, "name", "") == "UNSPECIFIED"


def _beyond_window(day: datetime.date | None) -> bool:
    """D-WINDOWS: a date after 9899-12-31."""
    return day is not None and day > LATEST_DATE


def _horizon_too_far(start: datetime.date | None, horizon: datetime.date | None) -> bool:
    """D-WINDOWS: a horizon more than 100 years (D-MONTH) after a start inside the window."""
    if start is None or horizon is None or _beyond_window(start):
        return False
    return horizon > add_months(start, 12 * LONGEST_HORIZON_YEARS)


def profile_expectation(profile: PatientProfile, expect: FieldExpectation) -> None:
    """Add the profile's validation verdict to ``expect`` (paths prefixed ``profile.``).

    ``pregnant`` and ``anticoagulant_therapy`` are yes/no facts: every value is valid.
    """
    p = "profile."
    if profile.formulation not in SUPPORTED_FORMULATIONS:
        expect.need(p + "formulation")
    if profile.age_years is None or not AGE_RANGE[0] <= profile.age_years <= AGE_RANGE[1]:
        expect.need(p + "age_years")
    if _enum_missing(profile.deficiency_status):
        expect.need(p + "deficiency_status")
    if _enum_missing(profile.neurological_involvement):
        expect.need(p + "neurological_involvement")
    for name, value, bounds in (
        ("platelets_10e9_per_l", profile.platelets_10e9_per_l, PLATELETS_RANGE),
        ("egfr_ml_min_1_73m2", profile.egfr_ml_min_1_73m2, EGFR_RANGE),
    ):
        if value is not None and _bad_number(value, bounds):
            expect.need(p + name)
    _length_expectation(
        expect,
        flag=profile.ileal_resection,
        length=profile.ileal_resection_length_cm,
        flag_path=p + "ileal_resection",
        length_path=p + "ileal_resection_length_cm",
    )
    _length_expectation(
        expect,
        flag=profile.crohn_ileal_involvement,
        length=profile.crohn_ileal_involvement_length_cm,
        flag_path=p + "crohn_ileal_involvement",
        length_path=p + "crohn_ileal_involvement_length_cm",
    )
    for name, enum_value in (
        ("bariatric_procedure", profile.bariatric_procedure),
        ("site_request", profile.site_request),
        ("maintenance_preference", profile.maintenance_preference),
    ):
        if _optional_enum_unspecified(enum_value):
            expect.need(p + name)


def _length_expectation(
    expect: FieldExpectation,
    *,
    flag: bool,
    length: float | None,
    flag_path: str,
    length_path: str,
) -> None:
    if length is None:
        return
    if _bad_number(length, LENGTH_RANGE):
        expect.need(length_path)
    if not flag:
        # open: which of the two fields names "a length given with the flag false".
        expect.need(length_path, flag_path)
    elif length == 0:
        # open: which of the two fields names "the flag true with length 0".
        expect.need(length_path, flag_path)


def plan_expectation(request: PlanRequest) -> FieldExpectation:
    """Return the validation verdict of a plan request."""
    expect = FieldExpectation()
    profile_expectation(request.profile, expect)
    start, horizon = request.start_date, request.horizon_date
    if start is None or _beyond_window(start):
        expect.need("start_date")
    if _beyond_window(horizon) or _horizon_too_far(start, horizon):
        expect.need("horizon_date")
    if start is not None and horizon is not None and horizon < start:
        expect.need("horizon_date", "start_date")
    if request.route is not None and request.route is not Route.INTRAMUSCULAR:
        expect.need("route")
    return expect


def check_expectation(request: CheckRequest) -> FieldExpectation:
    """Return the validation verdict of a regimen check.

    D-WINDOWS names plans and courses; a check computes no date, so its dates are not bounded
    (the most literal reading: "in plans and courses alike").
    """
    expect = FieldExpectation()
    profile_expectation(request.profile, expect)
    regimen = request.regimen
    for name, value in (
        ("dose_per_injection_mcg", regimen.dose_per_injection_mcg),
        ("maintenance_interval_months", regimen.maintenance_interval_months),
    ):
        if value is None:
            continue
        if math.isnan(value) or value <= 0:
            expect.need("regimen." + name)
        elif math.isinf(value):
            # open: whether an infinite dose or interval is a number "as given" or invalid.
            expect.may("regimen." + name)
    for name, enum_value in (
        ("site", regimen.site),
        ("route", regimen.route),
        ("formulation", regimen.formulation),
    ):
        if _optional_enum_unspecified(enum_value):
            expect.need("regimen." + name)
    if regimen.formulation is not None and regimen.formulation not in SUPPORTED_FORMULATIONS:
        expect.need("regimen.formulation")
    return expect


def course_expectation(request: CourseRequest) -> FieldExpectation:  # noqa: C901 - one branch per D-INVALID clause
    """Return the validation verdict of a course assessment."""
    expect = FieldExpectation()
    profile_expectation(request.profile, expect)
    start, reference, horizon = request.start_date, request.reference_date, request.horizon_date
    for name, value in (("start_date", start), ("reference_date", reference)):
        if value is None or _beyond_window(value):
            expect.need(name)
    if (
        _beyond_window(horizon)
        or _horizon_too_far(start, horizon)
        or (horizon is not None and reference is not None and horizon < reference)
    ):
        expect.need("horizon_date")
    if _optional_enum_unspecified(request.neurological_status):
        expect.need("neurological_status")
    for index, day in enumerate(request.injection_dates):
        if (
            (reference is not None and day > reference)
            or (start is not None and day < start)
            or _beyond_window(day)
        ):
            expect.need(f"injection_dates[{index}]")
    for index, lab in enumerate(request.lab_results):
        path = f"lab_results[{index}]"
        if (
            lab.date is None
            or (reference is not None and lab.date > reference)
            or _beyond_window(lab.date)
        ):
            expect.need(path + ".date")
        if lab.b12_ng_per_l is None and lab.homocysteine_umol_per_l is None:
            expect.need(path, path + ".b12_ng_per_l", path + ".homocysteine_umol_per_l")
        if lab.b12_ng_per_l is not None and _bad_number(lab.b12_ng_per_l, B12_RANGE):
            expect.need(path + ".b12_ng_per_l")
        if lab.homocysteine_umol_per_l is not None and _bad_number(
            lab.homocysteine_umol_per_l, HCY_RANGE
        ):
            expect.need(path + ".homocysteine_umol_per_l")
    stab = request.stabilisation_date
    if stab is not None and (
        (start is not None and stab < start)
        or (reference is not None and stab > reference)
        or _beyond_window(stab)
    ):
        expect.need("stabilisation_date")
    _course_status_expectation(request, expect)
    return expect


def _course_status_expectation(request: CourseRequest, expect: FieldExpectation) -> None:
    status = request.neurological_status
    profile = request.profile
    if profile.neurological_involvement is not NeurologicalInvolvement.ABSENT:
        return
    both = ("neurological_status", "profile.neurological_involvement")
    if status in {CourseNeurologicalStatus.IMPROVING, CourseNeurologicalStatus.PLATEAUED}:
        expect.need(both[0])
        expect.need(both[1])
        return
    if status is not CourseNeurologicalStatus.RECURRED:
        return
    profile_only = FieldExpectation()
    profile_expectation(profile, profile_only)
    if profile_only.invalid:
        # open: with an invalid profile, prophylaxis cannot be decided.
        expect.may(*both, "injection_dates")
        return
    facts = derive_facts(profile)
    if not facts.prophylaxis and len(request.injection_dates) < len(STANDARD_LOADING_DAYS):
        # "naming both fields": the status and the field that makes it impossible.
        expect.need(both[0])
        expect.need(both[1], "injection_dates")
        expect.may("injection_dates")


def check_invalid(
    outcome: InvalidInput, expect: FieldExpectation, out: list[str], *, reasons: bool = True
) -> None:
    """INV-VALIDATION: every offending field named, each once, with a reason, nothing else."""
    names = [violation.field for violation in outcome.violations]
    if not names:
        out.append("INV-VALIDATION: a validation error names no field")
    if len(set(names)) != len(names):
        out.append(f"INV-VALIDATION: a field is named twice: {names}")
    if reasons:
        out.extend(
            f"INV-VALIDATION: {violation.field} has no reason"
            for violation in outcome.violations
            if not violation.reason
        )
    named = set(names)
    out.extend(
        f"INV-VALIDATION: none of {sorted(requirement)} is named (named {names})"
        for requirement in expect.required
        if not named & requirement
    )
    extra = named - expect.allowed
    if extra:
        out.append(f"INV-VALIDATION: valid fields named as offending: {sorted(extra)}")


def violation_texts(violations: Sequence[FieldViolation]) -> list[tuple[str, str]]:
    """Return the (where, text) pairs of a validation error, for the wording checks."""
    return [(f"violation {v.field}", v.reason) for v in violations]
