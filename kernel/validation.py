"""Input validation (D-INVALID, D-FIELDS, D-WINDOWS).

A reason says what the field must be and never repeats the value sent: a validation error
carries no clinical content, and reasons end up in callers' logs.

Every offending field is named once, with every reason that applies to it, in request field
order. Numbers are compared exactly as given: nothing is rounded, clamped or guessed. A
non-finite number (NaN or infinity) is never a valid measurement.
"""

from __future__ import annotations

import datetime
import enum
import math
from dataclasses import dataclass, field

from kernel.calendar import add_months
from kernel.constants import (
    LATEST_DATE,
    LONGEST_HORIZON_YEARS,
    MAX_AGE_YEARS,
    MAX_B12_NG_PER_L,
    MAX_EGFR_ML_MIN_1_73M2,
    MAX_HOMOCYSTEINE_UMOL_PER_L,
    MAX_LENGTH_CM,
    MAX_PLATELETS_10E9_PER_L,
)
from kernel.model import (
    CheckRequest,
    CourseNeurologicalStatus,
    CourseRequest,
    FieldViolation,
    Formulation,
    NeurologicalInvolvement,
    PatientProfile,
    PlanRequest,
    Route,
)

SUPPORTED_FORMULATIONS = frozenset(
    {Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML, Formulation.HYDROXOCOBALAMIN_1000_MCG_PER_ML}
)

LATEST_DATE_REASON = "must be on or before 9899-12-31"
HORIZON_WINDOW_REASON = f"must be at most {LONGEST_HORIZON_YEARS} years after start_date"


@dataclass
class _Violations:
    """Collects reasons per field path, keeping first-seen order."""

    reasons: dict[str, list[str]] = field(default_factory=dict)

    def add(self, path: str, reason: str) -> None:
        self.reasons.setdefault(path, []).append(reason)

    def result(self) -> tuple[FieldViolation, ...]:
        return tuple(
            FieldViolation(field=path, reason="; ".join(reasons))
            for path, reasons in self.reasons.items()
        )


def _check_number(  # noqa: PLR0913, PLR0917 - path, value, bounds and unit of one number
    out: _Violations, path: str, value: float | None, low: float, high: float, unit: str
) -> None:
    if value is None:
        return
    if not math.isfinite(value):
        out.add(path, "must be a finite number")
    elif value < low or value > high:
        out.add(path, f"must be between {low:g} and {high:g} {unit}")


def _check_enum(out: _Violations, path: str, value: enum.Enum | None, *, required: bool) -> None:
    if value is None:
        if required:
            out.add(path, "is required")
    elif value.value == 0:
        out.add(path, "must not be UNSPECIFIED")


def _check_formulation(out: _Violations, path: str, value: Formulation | None) -> None:
    _check_enum(out, path, value, required=True)
    if value is not None and value.value != 0 and value not in SUPPORTED_FORMULATIONS:
        out.add(
            path,
            "unsupported formulation: only cyanocobalamin 1000 mcg/mL and hydroxocobalamin"
            " 1000 mcg/mL are supported",
        )


def _validate_profile(out: _Violations, profile: PatientProfile, prefix: str) -> None:
    p = f"{prefix}."
    _check_formulation(out, p + "formulation", profile.formulation)
    if profile.age_years is None:
        out.add(p + "age_years", "is required")
    elif not 0 <= profile.age_years <= MAX_AGE_YEARS:
        out.add(
            p + "age_years",
            f"must be between 0 and {MAX_AGE_YEARS} years",
        )
    _check_enum(out, p + "deficiency_status", profile.deficiency_status, required=True)
    _check_enum(
        out, p + "neurological_involvement", profile.neurological_involvement, required=True
    )
    _check_number(
        out,
        p + "platelets_10e9_per_l",
        profile.platelets_10e9_per_l,
        0,
        MAX_PLATELETS_10E9_PER_L,
        "x10^9/L",
    )
    _check_number(
        out,
        p + "egfr_ml_min_1_73m2",
        profile.egfr_ml_min_1_73m2,
        0,
        MAX_EGFR_ML_MIN_1_73M2,
        "mL/min/1.73m2",
    )
    resection_path = p + "ileal_resection_length_cm"
    _check_number(out, resection_path, profile.ileal_resection_length_cm, 0, MAX_LENGTH_CM, "cm")
    if profile.ileal_resection_length_cm is not None:
        if not profile.ileal_resection:
            out.add(resection_path, "is given but ileal_resection is false")
        elif profile.ileal_resection_length_cm == 0:
            out.add(resection_path, "is 0 but ileal_resection is true")
    crohn_path = p + "crohn_ileal_involvement_length_cm"
    _check_number(
        out, crohn_path, profile.crohn_ileal_involvement_length_cm, 0, MAX_LENGTH_CM, "cm"
    )
    if profile.crohn_ileal_involvement_length_cm is not None:
        if not profile.crohn_ileal_involvement:
            out.add(crohn_path, "is given but crohn_ileal_involvement is false")
        elif profile.crohn_ileal_involvement_length_cm == 0:
            out.add(crohn_path, "is 0 but crohn_ileal_involvement is true")
    _check_enum(out, p + "bariatric_procedure", profile.bariatric_procedure, required=False)
    _check_enum(out, p + "site_request", profile.site_request, required=False)
    _check_enum(out, p + "maintenance_preference", profile.maintenance_preference, required=False)


def _check_window(out: _Violations, path: str, day: datetime.date | None) -> None:
    """D-WINDOWS: no date after 9899-12-31."""
    if day is not None and day > LATEST_DATE:
        out.add(path, LATEST_DATE_REASON)


def _beyond_horizon_window(start: datetime.date, horizon: datetime.date) -> bool:
    """D-WINDOWS: whether ``horizon`` is more than 100 years (D-MONTH) after ``start``."""
    return start <= LATEST_DATE and horizon > add_months(start, 12 * LONGEST_HORIZON_YEARS)


def validate_plan_request(request: PlanRequest) -> tuple[FieldViolation, ...]:
    """Return every offending field of a plan request (empty when it is valid)."""
    out = _Violations()
    _validate_profile(out, request.profile, "profile")
    start, horizon = request.start_date, request.horizon_date
    if start is None:
        out.add("start_date", "is required")
    _check_window(out, "start_date", start)
    if start is not None and horizon is not None:
        if horizon < start:
            out.add("horizon_date", "must not be before start_date")
        elif _beyond_horizon_window(start, horizon):
            out.add("horizon_date", HORIZON_WINDOW_REASON)
    _check_window(out, "horizon_date", horizon)
    _check_enum(out, "route", request.route, required=False)
    route = request.route
    if not (route is None or route is Route.UNSPECIFIED or route is Route.INTRAMUSCULAR):
        out.add("route", "only INTRAMUSCULAR is supported")
    violations = out.result()
    assert len({v.field for v in violations}) == len(violations), (  # pragma: no mutate
        "INV-VALIDATION: each offending field is named once"
    )
    return violations


def validate_check_request(request: CheckRequest) -> tuple[FieldViolation, ...]:
    """Return every offending field of a regimen check request (empty when it is valid)."""
    out = _Violations()
    _validate_profile(out, request.profile, "profile")
    regimen = request.regimen
    dose = regimen.dose_per_injection_mcg
    if dose is not None:
        if not math.isfinite(dose):
            out.add("regimen.dose_per_injection_mcg", "must be a finite number")
        elif dose <= 0:
            out.add("regimen.dose_per_injection_mcg", "must be above 0 mcg")
    interval = regimen.maintenance_interval_months
    if interval is not None:
        if not math.isfinite(interval):
            out.add("regimen.maintenance_interval_months", "must be a finite number")
        elif interval <= 0:
            out.add(
                "regimen.maintenance_interval_months",
                "must be above 0 months",
            )
    _check_enum(out, "regimen.site", regimen.site, required=False)
    _check_enum(out, "regimen.route", regimen.route, required=False)
    if regimen.formulation is not None:
        _check_formulation(out, "regimen.formulation", regimen.formulation)
    violations = out.result()
    assert len({v.field for v in violations}) == len(violations), (  # pragma: no mutate
        "INV-VALIDATION: each offending field is named once"
    )
    return violations


def _check_course_date(  # noqa: PLR0913 - path, value and both bounds of one date
    out: _Violations,
    path: str,
    day: datetime.date,
    start: datetime.date | None,
    reference: datetime.date | None,
    *,
    not_before_start: bool,
) -> None:
    if reference is not None and day > reference:
        out.add(path, "must not be after reference_date")
    if not_before_start and start is not None and day < start:
        out.add(path, "must not be before start_date")
    _check_window(out, path, day)


def validate_course_request(
    request: CourseRequest, *, prophylaxis: bool
) -> tuple[FieldViolation, ...]:
    """Return every offending field of a course request (empty when it is valid).

    ``prophylaxis`` says whether the profile is a prophylaxis profile (D-PROPHYLAXIS), which
    decides whether RECURRED is allowed before six injections (D-COURSE).
    """
    out = _Violations()
    _validate_profile(out, request.profile, "profile")
    start, reference = request.start_date, request.reference_date
    if start is None:
        out.add("start_date", "is required")
    _check_window(out, "start_date", start)
    if reference is None:
        out.add("reference_date", "is required")
    _check_window(out, "reference_date", reference)
    for index, day in enumerate(request.injection_dates):
        _check_course_date(
            out, f"injection_dates[{index}]", day, start, reference, not_before_start=True
        )
    for index, lab in enumerate(request.lab_results):
        path = f"lab_results[{index}]"
        if lab.date is None:
            out.add(path + ".date", "is required")
        else:
            _check_course_date(
                out, path + ".date", lab.date, start, reference, not_before_start=False
            )
        if lab.b12_ng_per_l is None and lab.homocysteine_umol_per_l is None:
            out.add(path, "needs at least one of b12_ng_per_l and homocysteine_umol_per_l")
        _check_number(out, path + ".b12_ng_per_l", lab.b12_ng_per_l, 0, MAX_B12_NG_PER_L, "ng/L")
        _check_number(
            out,
            path + ".homocysteine_umol_per_l",
            lab.homocysteine_umol_per_l,
            0,
            MAX_HOMOCYSTEINE_UMOL_PER_L,
            "umol/L",
        )
    _check_enum(out, "neurological_status", request.neurological_status, required=False)
    if request.stabilisation_date is not None:
        _check_course_date(
            out,
            "stabilisation_date",
            request.stabilisation_date,
            start,
            reference,
            not_before_start=True,
        )
    _check_status_against_profile(out, request, prophylaxis=prophylaxis)
    _check_course_horizon(out, request)
    violations = out.result()
    assert len({v.field for v in violations}) == len(violations), (  # pragma: no mutate
        "INV-VALIDATION: each offending field is named once"
    )
    return violations


def _check_course_horizon(out: _Violations, request: CourseRequest) -> None:
    """D-WINDOWS: a course horizon not before the reference date, at most 100 years after the
    start, and not after 9899-12-31."""
    horizon, start, reference = request.horizon_date, request.start_date, request.reference_date
    if horizon is None:
        return
    if reference is not None and horizon < reference:
        out.add("horizon_date", "must not be before reference_date")
    if start is not None and _beyond_horizon_window(start, horizon):
        out.add("horizon_date", HORIZON_WINDOW_REASON)
    _check_window(out, "horizon_date", horizon)


def _check_status_against_profile(
    out: _Violations, request: CourseRequest, *, prophylaxis: bool
) -> None:
    """D-INVALID, D-COURSE: with ABSENT in the profile, IMPROVING and PLATEAUED are invalid, and
    RECURRED is invalid before six injections outside prophylaxis; both fields are named."""
    if request.profile.neurological_involvement is not NeurologicalInvolvement.ABSENT:
        return
    status = request.neurological_status
    reason = ""
    if status in {CourseNeurologicalStatus.IMPROVING, CourseNeurologicalStatus.PLATEAUED}:
        reason = f"{status.name} contradicts neurological_involvement ABSENT in the profile"
    elif (
        status is CourseNeurologicalStatus.RECURRED
        and not prophylaxis
        and len(request.injection_dates) < 6  # noqa: PLR2004 - the six standard loading doses
    ):
        reason = (
            "RECURRED with neurological_involvement ABSENT is only valid in prophylaxis or from"
            " six injections on"
        )
    if reason:
        out.add("profile.neurological_involvement", reason)
        out.add("neurological_status", reason)
