"""An independent oracle for the kernel's invariants.

Written from ``clinical-decisions.md`` (the R- rules and D- decisions) and the value types of
``kernel/model.py`` only: it imports no kernel logic, so it still catches a broken kernel when the
kernel's own contract asserts are removed (the known-bad kernels in ``specs/known_bad`` rely on
that).

``check_plan``, ``check_check`` and ``check_course`` take a request and the kernel's outcome and
return the violated IDs, one string per violation, each starting with the ID it breaks
(``"INV-RENAL: ..."``). Most violations name an INV- ID; a check that goes beyond the invariant
catalogue (the full decision tables) names the D- decision it checks. An empty list means the
outcome agrees with the decisions.

Where the decisions leave a detail open, the oracle does not check it ("don't care"); every such
place is marked ``# open:`` with the reason, so the oracle never invents a rule.
"""

from __future__ import annotations

import calendar
import datetime
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from kernel.model import (
    AdministrationGuidance,
    BariatricProcedure,
    CheckRequest,
    Code,
    CourseAssessment,
    CourseNeurologicalStatus,
    CourseOutcome,
    CoursePhase,
    CourseRequest,
    DeficiencyStatus,
    Finding,
    Formulation,
    InjectionSite,
    IntervalRule,
    InvalidInput,
    Item,
    LoadingPattern,
    LoadingPhase,
    MaintenancePhase,
    MaintenancePreference,
    MaintenanceStart,
    NeurologicalInvolvement,
    PatientProfile,
    PlanRequest,
    PlanSetting,
    Referral,
    ReferReason,
    RegimenCheck,
    RegimenPlan,
    Route,
    Severity,
    SiteRequest,
)

# ---------------------------------------------------------------------------------------------
# The catalogue, copied from clinical-decisions.md (not from kernel/rules.py).
# ---------------------------------------------------------------------------------------------

REF_4: Final = "4 (not listed in the source)"
NO_REFERENCE: Final = "none"

#: Every R- rule with its source reference numbers, in the table order of clinical-decisions.md.
SOURCE_RULES: Final[dict[str, tuple[str, ...]]] = {
    "R-DOSE-1000": ("1", "2", "3"),
    "R-FORM-1": (REF_4,),
    "R-LOAD-STD": ("1", "2"),
    "R-LOAD-NEURO": ("1", "2"),
    "R-LOAD-ALT": ("3",),
    "R-MAINT-CYANO": ("1", "2", "3"),
    "R-MAINT-EXTENDED": ("1", "2"),
    "R-MAINT-HYDROXO": ("1", "2"),
    "R-MONTHLY-BETTER": ("2",),
    "R-POP-BARIATRIC": ("1", "2"),
    "R-POP-ILEAL": ("1", "2"),
    "R-POP-CROHN": ("1",),
    "R-RENAL": ("1",),
    "R-SITE-PREFERRED": (),
    "R-SITE-BUTTOCK": ("1",),
    "R-PLT-STANDARD": ("1",),
    "R-PLT-PRECAUTION": ("1",),
    "R-PLT-SEVERE": ("1",),
    "R-FOLATE": ("1", "2"),
    "R-LIFELONG": ("1",),
    "R-MON-LABS": ("1", "2"),
    "R-MON-HCY": ("1",),
    "R-MON-SYMPTOMS": ("1",),
}

#: Every D- decision, in the order of clinical-decisions.md.
DECISIONS: Final[tuple[str, ...]] = (
    "D-INVALID",
    "D-FIELDS",
    "D-OUTCOME",
    "D-SCOPE-AGE",
    "D-FORMULATIONS",
    "D-CONTRA",
    "D-DEFICIENCY",
    "D-PROPHYLAXIS",
    "D-NEURO-UNKNOWN",
    "D-NEURO-URGENT",
    "D-LOAD-DAYS",
    "D-NEURO-OPEN",
    "D-LOAD-ALT",
    "D-INTERVAL",
    "D-EXTENDED",
    "D-MONTH",
    "D-LIFELONG",
    "D-HORIZON",
    "D-RENAL",
    "D-PLT",
    "D-FOLATE",
    "D-SITE",
    "D-EARLY",
    "D-CHECK",
    "D-COURSE",
    "D-MISSED",
    "D-LABS",
    "D-RECURRENCE",
)

#: Every INV- ID of the invariant catalogue (kernel/rules.py states them; issue 2 lists them).
INVARIANTS: Final[tuple[str, ...]] = (
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
)

CATALOGUE_ORDER: Final[dict[str, int]] = {
    rule_id: index for index, rule_id in enumerate((*SOURCE_RULES, *DECISIONS, *INVARIANTS))
}

C, W, INFO = Severity.CRITICAL, Severity.WARNING, Severity.INFO

#: The fixed severity of every finding code (clinical-decisions.md, "Severities" and D-CHECK).
SEVERITY: Final[dict[Code, Severity]] = {
    Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE: C,
    Code.TREAT_WITHOUT_DELAY: C,
    Code.PLATELET_TRANSFUSION_CONSIDER: C,
    Code.FOLATE_BEFORE_B12: C,
    Code.NEURO_RECURRENCE_REVIEW: C,
    Code.HOME_ADMINISTRATION_SUSPENDED_REVIEW: C,
    Code.NOT_COVERED: C,
    Code.REFER_CONDITION_PRESENT: C,
    Code.SUPERVISION_REQUIRED: C,
    Code.DOSE_TOO_LOW: C,
    Code.DOSE_ABOVE_MAXIMUM: C,
    Code.ROUTE_NOT_IM: C,
    Code.LIFELONG: C,
    Code.INTERVAL_ABOVE_MAXIMUM: C,
    Code.INTERVAL_MONTHLY_RULE: C,
    Code.LOADING_NEURO_MUST_BE_OPEN_ENDED: C,
    Code.NEURO_STATUS_UNCERTAIN: W,
    Code.NEURO_WITHOUT_CONFIRMED_DEFICIENCY: W,
    Code.DEFICIENCY_UNCONFIRMED: W,
    Code.THROMBOCYTOPENIA_PRECAUTIONS: W,
    Code.PLATELETS_NOT_ASSESSED: W,
    Code.RENAL_PREFER_HYDROXOCOBALAMIN: W,
    Code.RENAL_CARDIOVASCULAR_SIGNAL: W,
    Code.SITE_BUTTOCK_UPPER_OUTER_NEEDLE_ANTERIOR: W,
    Code.SITE_BUTTOCK_REPLACED: W,
    Code.MONTHLY_MORE_EFFECTIVE: W,
    Code.EXTENDED_NOT_AVAILABLE: W,
    Code.RESECTION_LENGTH_UNKNOWN: W,
    Code.CROHN_LENGTH_UNKNOWN: W,
    Code.NEURO_LOADING_DOSES_MISSED: W,
    Code.NEURO_REVIEW_OVERDUE: W,
    Code.LIFELONG_CLINICIAN_DECISION: W,
    Code.TWO_INJECTIONS_ONE_DAY: W,
    Code.DOSE_BELOW_RECOMMENDED: W,
    Code.INTERVAL_LONGER_THAN_RECOMMENDED: W,
    Code.LOADING_TOO_FEW: W,
    Code.HOMOCYSTEINE_OFF_TARGET: INFO,
    Code.LABS_MAY_BE_STABLE: INFO,
    Code.CROHN_PROPHYLAXIS_EVIDENCE_WEAK: INFO,
    Code.EXTENDED_NOT_APPLICABLE: INFO,
    Code.LOADING_ALTERNATIVE: INFO,
    Code.LOADING_MORE_FREQUENT: INFO,
}

#: Codes that are guidance or monitoring items, never warnings or findings.
ITEM_CODES: Final = frozenset(
    {
        Code.FIRST_DOSE_PROFESSIONAL,
        Code.EARLY_BASELINE_BLOODS,
        Code.EARLY_POTASSIUM_48H,
        Code.EARLY_RETICULOCYTES_DAY_5_7,
        Code.LABS_B12_HOMOCYSTEINE,
        Code.WATCH_NEURO_RECURRENCE,
    }
)
EARLY_CODES: Final = frozenset(
    {Code.EARLY_BASELINE_BLOODS, Code.EARLY_POTASSIUM_48H, Code.EARLY_RETICULOCYTES_DAY_5_7}
)

#: The D-OUTCOME safety warnings: carried by every output from valid input whose condition holds,
#: and the only warnings a REFER may carry.
SAFETY_CODES: Final = frozenset(
    {
        Code.NEURO_WITHOUT_CONFIRMED_DEFICIENCY,
        Code.DEFICIENCY_UNCONFIRMED,
        Code.NEURO_STATUS_UNCERTAIN,
        Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE,
        Code.RENAL_PREFER_HYDROXOCOBALAMIN,
        Code.RENAL_CARDIOVASCULAR_SIGNAL,
        Code.FOLATE_BEFORE_B12,
        Code.TREAT_WITHOUT_DELAY,
        Code.PLATELET_TRANSFUSION_CONSIDER,
        Code.THROMBOCYTOPENIA_PRECAUTIONS,
        Code.PLATELETS_NOT_ASSESSED,
    }
)

#: The ID a wrong presence or absence of each code is reported under.
CODE_OWNER: Final[dict[Code, str]] = {
    Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE: "INV-NEURO-WARNING",
    Code.FOLATE_BEFORE_B12: "INV-FOLATE",
    Code.RENAL_PREFER_HYDROXOCOBALAMIN: "INV-RENAL",
    Code.RENAL_CARDIOVASCULAR_SIGNAL: "D-RENAL",
    Code.THROMBOCYTOPENIA_PRECAUTIONS: "INV-PLATELET-GUIDANCE",
    Code.PLATELETS_NOT_ASSESSED: "INV-PLATELET-GUIDANCE",
    Code.TREAT_WITHOUT_DELAY: "D-PLT",
    Code.PLATELET_TRANSFUSION_CONSIDER: "D-PLT",
    Code.NEURO_STATUS_UNCERTAIN: "D-NEURO-UNKNOWN",
    Code.NEURO_WITHOUT_CONFIRMED_DEFICIENCY: "D-DEFICIENCY",
    Code.DEFICIENCY_UNCONFIRMED: "D-DEFICIENCY",
    Code.SITE_BUTTOCK_UPPER_OUTER_NEEDLE_ANTERIOR: "D-SITE",
    Code.SITE_BUTTOCK_REPLACED: "D-SITE",
    Code.MONTHLY_MORE_EFFECTIVE: "D-EXTENDED",
    Code.EXTENDED_NOT_AVAILABLE: "D-EXTENDED",
    Code.EXTENDED_NOT_APPLICABLE: "D-EXTENDED",
    Code.RESECTION_LENGTH_UNKNOWN: "D-INTERVAL",
    Code.CROHN_LENGTH_UNKNOWN: "D-INTERVAL",
    Code.CROHN_PROPHYLAXIS_EVIDENCE_WEAK: "D-INTERVAL",
    Code.NOT_COVERED: "D-OUTCOME",
    Code.REFER_CONDITION_PRESENT: "INV-TOTAL-CHECK",
    Code.SUPERVISION_REQUIRED: "INV-TOTAL-CHECK",
    Code.LIFELONG: "INV-LIFELONG",
    Code.HOME_ADMINISTRATION_SUSPENDED_REVIEW: "INV-TOTAL-COURSE",
    Code.NEURO_RECURRENCE_REVIEW: "D-RECURRENCE",
    Code.NEURO_LOADING_DOSES_MISSED: "D-MISSED",
    Code.NEURO_REVIEW_OVERDUE: "D-MISSED",
    Code.LIFELONG_CLINICIAN_DECISION: "INV-LIFELONG",
    Code.HOMOCYSTEINE_OFF_TARGET: "D-LABS",
    Code.LABS_MAY_BE_STABLE: "D-LABS",
}

CHECK_CODES: Final = frozenset(
    {
        Code.DOSE_BELOW_RECOMMENDED,
        Code.DOSE_TOO_LOW,
        Code.DOSE_ABOVE_MAXIMUM,
        Code.ROUTE_NOT_IM,
        Code.LIFELONG,
        Code.INTERVAL_ABOVE_MAXIMUM,
        Code.INTERVAL_MONTHLY_RULE,
        Code.INTERVAL_LONGER_THAN_RECOMMENDED,
        Code.LOADING_ALTERNATIVE,
        Code.LOADING_TOO_FEW,
        Code.LOADING_MORE_FREQUENT,
        Code.LOADING_NEURO_MUST_BE_OPEN_ENDED,
    }
)

SUPPORTED_FORMULATIONS: Final = frozenset(
    {Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML, Formulation.HYDROXOCOBALAMIN_1000_MCG_PER_ML}
)
STANDARD_LOADING_DAYS: Final = (0, 2, 4, 7, 9, 11)
NEURO_REVIEW_DAYS: Final = 14
DOSE_MCG: Final = 1000
VOLUME_ML: Final = 1.0
CONCENTRATION_MCG_PER_ML: Final = 1000
DEFAULT_SITES: Final = (InjectionSite.DELTOID, InjectionSite.VASTUS_LATERALIS)

# Validation ranges (D-INVALID), inclusive.
PLATELETS_RANGE: Final = (0.0, 2000.0)
EGFR_RANGE: Final = (0.0, 200.0)
LENGTH_RANGE: Final = (0.0, 600.0)
AGE_RANGE: Final = (0, 120)
B12_RANGE: Final = (0.0, 20000.0)
HCY_RANGE: Final = (0.0, 500.0)

# The supported calendar (specs/proposed-decisions.md): later dates are not covered.
LATEST_COVERED_DATE: Final = datetime.date(9899, 12, 31)
LONGEST_HORIZON_YEARS: Final = 100

# Clinical thresholds.
ADULT_AGE: Final = 16
PLT_SEVERE: Final = 25.0
PLT_TRANSFUSION: Final = 10.0
PLT_STANDARD_ABOVE: Final = 50.0
EGFR_RENAL_BELOW: Final = 60.0
RESECTION_MONTHLY_FROM_CM: Final = 20.0
CROHN_MONTHLY_FROM_CM: Final = 30.0
HCY_TARGET_BELOW: Final = 10.0
DOSE_LOW_FROM: Final = 100.0
INTERVAL_MAX_MONTHS: Final = 3.0
STANDARD_LOADING_WINDOW_DAYS: Final = 13
MONTHS_BETWEEN_LABS: Final = 3
MONTHS_BETWEEN_LABS_STABLE: Final = 12
MONTHS_BETWEEN_STABLE_HCY: Final = 2


# ---------------------------------------------------------------------------------------------
# Calendar arithmetic (D-MONTH), written independently of kernel.add_months.
# ---------------------------------------------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Return ``day`` plus ``months`` calendar months, clamped to the target month's end.

    Raises ``ValueError`` when the result is outside ``datetime.date``'s range.
    """
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    if not datetime.MINYEAR <= year <= datetime.MAXYEAR:
        message = "year out of range"
        raise ValueError(message)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return datetime.date(year, month0 + 1, min(day.day, last_day))


def add_days(day: datetime.date, days: int) -> datetime.date:
    """Return ``day`` plus ``days`` days; raises ``OverflowError`` outside the date range."""
    return day + datetime.timedelta(days=days)


# ---------------------------------------------------------------------------------------------
# Validation (D-INVALID, D-FIELDS).
# ---------------------------------------------------------------------------------------------


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


def profile_expectation(profile: PatientProfile, expect: FieldExpectation) -> None:
    """Add the profile's validation verdict to ``expect`` (paths prefixed ``profile.``)."""
    p = "profile."
    if profile.formulation not in SUPPORTED_FORMULATIONS:
        expect.need(p + "formulation")
    if profile.age_years is None or not AGE_RANGE[0] <= profile.age_years <= AGE_RANGE[1]:
        expect.need(p + "age_years")
    if _enum_missing(profile.deficiency_status):
        expect.need(p + "deficiency_status")
    if _enum_missing(profile.neurological_involvement):
        expect.need(p + "neurological_involvement")
    if profile.platelets_10e9_per_l is not None and _bad_number(
        profile.platelets_10e9_per_l, PLATELETS_RANGE
    ):
        expect.need(p + "platelets_10e9_per_l")
    if profile.egfr_ml_min_1_73m2 is not None and _bad_number(
        profile.egfr_ml_min_1_73m2, EGFR_RANGE
    ):
        expect.need(p + "egfr_ml_min_1_73m2")
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
    for name, value in (
        ("bariatric_procedure", profile.bariatric_procedure),
        ("site_request", profile.site_request),
        ("maintenance_preference", profile.maintenance_preference),
    ):
        if _optional_enum_unspecified(value):
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
    if request.start_date is None:
        expect.need("start_date")
    elif request.horizon_date is not None and request.horizon_date < request.start_date:
        expect.need("horizon_date", "start_date")
    if request.route is not None and request.route is not Route.INTRAMUSCULAR:
        expect.need("route")
    return expect


def check_expectation(request: CheckRequest) -> FieldExpectation:
    """Return the validation verdict of a regimen check."""
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
    start, reference = request.start_date, request.reference_date
    if start is None:
        expect.need("start_date")
    if reference is None:
        expect.need("reference_date")
    if _optional_enum_unspecified(request.neurological_status):
        expect.need("neurological_status")
    for index, day in enumerate(request.injection_dates):
        if (reference is not None and day > reference) or (start is not None and day < start):
            expect.need(f"injection_dates[{index}]")
    for index, lab in enumerate(request.lab_results):
        path = f"lab_results[{index}]"
        if lab.date is None or (reference is not None and lab.date > reference):
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
        (start is not None and stab < start) or (reference is not None and stab > reference)
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


# ---------------------------------------------------------------------------------------------
# Clinical facts of a valid profile (D-DEFICIENCY, D-PROPHYLAXIS, D-INTERVAL, D-RENAL, D-PLT ...).
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the decisions derive from a valid profile (and a course's neurological status)."""

    cyano: bool
    profile_neuro: bool  # PRESENT or UNKNOWN in the profile
    neuro: bool  # profile_neuro, or RECURRED in a course
    neuro_unknown: bool
    effective_confirmed: bool  # deficiency CONFIRMED after D-DEFICIENCY
    indication: bool  # a prophylactic indication (D-PROPHYLAXIS)
    prophylaxis: bool  # no deficiency, with an indication, no neurological involvement
    ileal: bool  # R-POP-ILEAL holds
    crohn: bool  # R-POP-CROHN holds
    bariatric: bool
    extended_requested: bool
    extended_replaces: bool
    platelets: float | None
    renal: bool
    nephropathy: bool
    refer_reasons: tuple[ReferReason, ...]
    supervised: bool
    safety: frozenset[Code]
    population: frozenset[Code]  # plan/check/course-only codes: D-SITE excluded
    interval_rules: tuple[tuple[str, int, int, bool], ...]
    due: int
    overdue: int


def derive_facts(  # noqa: C901, PLR0912, PLR0915 - one step per decision, in the decisions' order
    profile: PatientProfile, course_status: CourseNeurologicalStatus | None = None
) -> Facts:
    """Derive the facts of a valid profile."""
    cyano = profile.formulation is Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML
    neuro_status = profile.neurological_involvement
    profile_neuro = neuro_status in {
        NeurologicalInvolvement.PRESENT,
        NeurologicalInvolvement.UNKNOWN,
    }
    neuro = profile_neuro or course_status is CourseNeurologicalStatus.RECURRED
    deficiency = profile.deficiency_status
    bariatric = profile.bariatric_procedure not in {None, BariatricProcedure.NONE}
    resection = profile.ileal_resection_length_cm
    ileal = profile.ileal_resection and (
        resection is None or resection >= RESECTION_MONTHLY_FROM_CM
    )
    crohn_length = profile.crohn_ileal_involvement_length_cm
    crohn_known = (
        profile.crohn_ileal_involvement
        and crohn_length is not None
        and crohn_length >= CROHN_MONTHLY_FROM_CM
    )
    indication = bariatric or ileal or crohn_known
    safety: set[Code] = set()
    refer: list[ReferReason] = []

    # D-DEFICIENCY, applied in order; D-PROPHYLAXIS.
    effective_confirmed = False
    prophylaxis = False
    if profile_neuro and deficiency is not DeficiencyStatus.CONFIRMED:
        effective_confirmed = True
        safety.add(Code.NEURO_WITHOUT_CONFIRMED_DEFICIENCY)
    elif deficiency is DeficiencyStatus.UNKNOWN:
        if indication:
            effective_confirmed = True
            safety.add(Code.DEFICIENCY_UNCONFIRMED)
    elif deficiency is DeficiencyStatus.CONFIRMED:
        effective_confirmed = True
    else:
        prophylaxis = indication

    crohn_unknown_counts = (
        profile.crohn_ileal_involvement and crohn_length is None and effective_confirmed
    )
    crohn = crohn_known or crohn_unknown_counts

    # D-OUTCOME reasons, in order.
    platelets = profile.platelets_10e9_per_l
    if profile.age_years is not None and profile.age_years < ADULT_AGE:
        refer.append(ReferReason.OUT_OF_SCOPE_AGE)
    if profile.hypersensitivity_cobalt_or_b12 or profile.leber_disease_or_tobacco_amblyopia:
        refer.append(ReferReason.CONTRAINDICATED)
    if platelets is not None and platelets < PLT_SEVERE and not neuro:
        refer.append(ReferReason.PLATELETS_BELOW_25_NO_NEURO)
    if not effective_confirmed and not prophylaxis:
        if deficiency is DeficiencyStatus.NOT_PRESENT:
            refer.append(ReferReason.NO_INDICATION)
        else:
            refer.append(ReferReason.DEFICIENCY_NOT_ESTABLISHED)

    # D-NEURO-UNKNOWN, D-NEURO-URGENT.
    neuro_unknown = neuro_status is NeurologicalInvolvement.UNKNOWN
    if neuro_unknown:
        safety.add(Code.NEURO_STATUS_UNCERTAIN)
    if neuro:
        safety.add(Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE)

    # D-PLT (reads the course's neurological involvement).
    supervised = platelets is not None and platelets < PLT_SEVERE and neuro
    if platelets is None:
        safety.add(Code.PLATELETS_NOT_ASSESSED)
    elif PLT_SEVERE <= platelets <= PLT_STANDARD_ABOVE or supervised:
        safety.add(Code.THROMBOCYTOPENIA_PRECAUTIONS)
    if supervised:
        safety.add(Code.TREAT_WITHOUT_DELAY)
        if platelets is not None and platelets < PLT_TRANSFUSION:
            safety.add(Code.PLATELET_TRANSFUSION_CONSIDER)

    # D-FOLATE, D-RENAL.
    if profile.folic_acid_started_before_b12:
        safety.add(Code.FOLATE_BEFORE_B12)
    egfr = profile.egfr_ml_min_1_73m2
    renal = (
        profile.renal_impairment_reported
        or profile.diabetic_nephropathy
        or (egfr is not None and egfr < EGFR_RENAL_BELOW)
    )
    if renal and cyano:
        safety.add(Code.RENAL_PREFER_HYDROXOCOBALAMIN)
        if profile.diabetic_nephropathy:
            safety.add(Code.RENAL_CARDIOVASCULAR_SIGNAL)

    # D-EXTENDED, D-INTERVAL.
    population: set[Code] = set()
    extended_requested = profile.maintenance_preference is MaintenancePreference.EXTENDED
    extended_replaces = False
    if extended_requested and cyano:
        if ileal or crohn or neuro:
            population.add(Code.EXTENDED_NOT_AVAILABLE)
        else:
            extended_replaces = True
            population.add(Code.MONTHLY_MORE_EFFECTIVE)
    elif extended_requested:
        population.add(Code.EXTENDED_NOT_APPLICABLE)
    if profile.ileal_resection and resection is None:
        population.add(Code.RESECTION_LENGTH_UNKNOWN)
    if crohn_unknown_counts:
        population.add(Code.CROHN_LENGTH_UNKNOWN)
    if crohn:
        population.add(Code.CROHN_PROPHYLAXIS_EVIDENCE_WEAK)

    holding: list[tuple[str, int, int]] = []
    if ileal:
        holding.append(("R-POP-ILEAL", 1, 1))
    if crohn:
        holding.append(("R-POP-CROHN", 1, 1))
    if cyano and not extended_replaces:
        holding.append(("R-MAINT-CYANO", 1, 1))
    if extended_replaces:
        holding.append(("R-MAINT-EXTENDED", 2, 3))
    if not cyano:
        holding.append(("R-MAINT-HYDROXO", 2, 2 if neuro else 3))
    if bariatric:
        holding.append(("R-POP-BARIATRIC", 3, 3))
    due = min(rule[1] for rule in holding)
    overdue = min(rule[2] for rule in holding)
    interval_rules = tuple((rule, d, o, d == due) for rule, d, o in holding)

    return Facts(
        cyano=cyano,
        profile_neuro=profile_neuro,
        neuro=neuro,
        neuro_unknown=neuro_unknown,
        effective_confirmed=effective_confirmed,
        indication=indication,
        prophylaxis=prophylaxis,
        ileal=ileal,
        crohn=crohn,
        bariatric=bariatric,
        extended_requested=extended_requested,
        extended_replaces=extended_replaces,
        platelets=platelets,
        renal=renal,
        nephropathy=profile.diabetic_nephropathy,
        refer_reasons=tuple(refer),
        supervised=supervised,
        safety=frozenset(safety),
        population=frozenset(population),
        interval_rules=interval_rules,
        due=due,
        overdue=overdue,
    )


def site_codes(site: SiteRequest | None) -> tuple[tuple[InjectionSite, ...], frozenset[Code]]:
    """Return the sites and the site warning for a request (D-SITE)."""
    if site is SiteRequest.DELTOID:
        return (InjectionSite.DELTOID,), frozenset()
    if site is SiteRequest.VASTUS_LATERALIS:
        return (InjectionSite.VASTUS_LATERALIS,), frozenset()
    if site in {SiteRequest.GLUTEAL_UPPER_OUTER, SiteRequest.VENTROGLUTEAL}:
        return (
            (InjectionSite.GLUTEAL_UPPER_OUTER_QUADRANT, *DEFAULT_SITES),
            frozenset({Code.SITE_BUTTOCK_UPPER_OUTER_NEEDLE_ANTERIOR}),
        )
    if site is SiteRequest.GLUTEAL:
        return DEFAULT_SITES, frozenset({Code.SITE_BUTTOCK_REPLACED})
    return DEFAULT_SITES, frozenset()


# ---------------------------------------------------------------------------------------------
# Generic output checks (INV-FINDINGS, INV-CITATIONS, INV-VALIDATION).
# ---------------------------------------------------------------------------------------------


def _check_findings(findings: Sequence[Finding], where: str, out: list[str]) -> None:
    """INV-FINDINGS: each code once, fixed severity, ordered by severity then declaration."""
    codes = [f.code for f in findings]
    if len(set(codes)) != len(codes):
        out.append(f"INV-FINDINGS: {where} repeats a code: {[c.name for c in codes]}")
    for finding in findings:
        expected = SEVERITY.get(finding.code)
        if expected is None:
            out.append(f"INV-FINDINGS: {where} carries the item code {finding.code.name}")
        elif finding.severity is not expected:
            out.append(
                f"INV-FINDINGS: {where} {finding.code.name} has severity"
                f" {finding.severity.name}, expected {expected.name}"
            )
        if not finding.text:
            out.append(f"INV-FINDINGS: {where} {finding.code.name} has no text")
    keys = [(f.severity.value, f.code.value) for f in findings]
    if keys != sorted(keys):
        out.append(f"INV-FINDINGS: {where} out of order: {[c.name for c in codes]}")


def expected_references(rule_ids: Iterable[str]) -> tuple[str, ...]:
    """Return the cited R- rules' source references, ascending, or ("none",) (P4)."""
    references = {ref for rule_id in rule_ids for ref in SOURCE_RULES.get(rule_id, ())}
    return tuple(sorted(references)) if references else (NO_REFERENCE,)


def _check_citation(
    where: str, rule_ids: tuple[str, ...], references: tuple[str, ...] | None, out: list[str]
) -> None:
    """INV-CITATIONS for one element: at least one ID, only catalogue IDs, in catalogue order,
    each once, and the source references of the R- rules it cites."""
    if not rule_ids:
        out.append(f"INV-CITATIONS: {where} cites no ID")
        return
    unknown = [rule_id for rule_id in rule_ids if rule_id not in CATALOGUE_ORDER]
    if unknown:
        out.append(f"INV-CITATIONS: {where} cites unknown IDs {unknown}")
        return
    ordered = tuple(sorted(set(rule_ids), key=CATALOGUE_ORDER.__getitem__))
    if ordered != rule_ids:
        out.append(f"INV-CITATIONS: {where} cites {rule_ids}, not distinct in catalogue order")
    if references is not None and references != expected_references(rule_ids):
        out.append(
            f"INV-CITATIONS: {where} cites {rule_ids} with references {references},"
            f" expected {expected_references(rule_ids)}"
        )


def _check_finding_citations(findings: Sequence[Finding], where: str, out: list[str]) -> None:
    for finding in findings:
        _check_citation(
            f"{where} {finding.code.name}", finding.rule_ids, finding.source_references, out
        )


def _check_items(items: Sequence[Item], where: str, out: list[str]) -> None:
    codes = [item.code for item in items]
    if len(set(codes)) != len(codes):
        out.append(f"INV-FINDINGS: {where} repeats an item code: {[c.name for c in codes]}")
    for item in items:
        if item.code not in ITEM_CODES:
            out.append(f"INV-FINDINGS: {where} lists the finding code {item.code.name} as an item")
        _check_citation(f"{where} {item.code.name}", item.rule_ids, item.source_references, out)


def _check_invalid(outcome: InvalidInput, expect: FieldExpectation, out: list[str]) -> None:
    """INV-VALIDATION: every offending field named, each once, with a reason, nothing else."""
    names = [violation.field for violation in outcome.violations]
    if not names:
        out.append("INV-VALIDATION: a validation error names no field")
    if len(set(names)) != len(names):
        out.append(f"INV-VALIDATION: a field is named twice: {names}")
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


def _check_codes(
    present: Iterable[Code],
    expected: set[Code] | frozenset[Code],
    dont_care: set[Code] | frozenset[Code],
    where: str,
    out: list[str],
) -> None:
    """Every finding code is present exactly when the decisions say so (or is "don't care")."""
    present_set = set(present)
    for code in SEVERITY:
        if code in dont_care:
            continue
        if (code in present_set) != (code in expected):
            owner = CODE_OWNER.get(code, "D-CHECK")
            state = "missing" if code in expected else "unexpected"
            out.append(f"{owner}: {where}: {code.name} {state}")


# ---------------------------------------------------------------------------------------------
# Plans (INV-TOTAL-PLAN and every plan invariant).
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectedPlan:
    """The plan the decisions give for a valid request with no REFER reason."""

    setting: PlanSetting
    pattern: LoadingPattern
    loading_dates: tuple[datetime.date, ...]
    review_date: datetime.date | None
    maintenance_start: MaintenanceStart
    maintenance_dates: tuple[datetime.date, ...]
    lab_dates: tuple[datetime.date, ...]
    always_listed: frozenset[datetime.date]


def expected_plan_kind(request: PlanRequest) -> str:
    """Return "invalid", "refer", "supervised" or "home" (D-OUTCOME precedence)."""
    if plan_expectation(request).invalid:
        return "invalid"
    facts = derive_facts(request.profile)
    if expected_refer_reasons(request, facts):
        return "refer"
    return "supervised" if facts.supervised else "home"


def _repeat_months(
    first: datetime.date, months: int, horizon: datetime.date
) -> tuple[datetime.date, ...]:
    """``first`` (always listed) and each chained date ``months`` later up to ``horizon``."""
    dates = [first]
    while True:
        following = add_months(dates[-1], months)
        if following > horizon:
            return tuple(dates)
        dates.append(following)


def expected_plan(request: PlanRequest, facts: Facts) -> ExpectedPlan:
    """Return the plan's dates and shape (D-LOAD-DAYS, D-NEURO-OPEN, D-MONTH, D-HORIZON, D-LABS).

    Raises ``ValueError`` or ``OverflowError`` where a date leaves the calendar's range.
    """
    start = request.start_date
    assert start is not None
    horizon = request.horizon_date or start
    always: set[datetime.date] = set()
    review: datetime.date | None = None
    maintenance: tuple[datetime.date, ...] = ()
    if facts.neuro:
        pattern = LoadingPattern.NEUROLOGICAL_ALTERNATE_DAYS_OPEN_ENDED
        review = add_days(start, NEURO_REVIEW_DAYS)
        loading = [add_days(start, d) for d in range(0, NEURO_REVIEW_DAYS + 1, 2)]
        always.update(loading)
        always.add(review)
        while add_days(loading[-1], 2) <= horizon:
            loading.append(add_days(loading[-1], 2))
        start_rule = MaintenanceStart.ONE_INTERVAL_AFTER_LAST_LOADING_DOSE_ONCE_PLATEAU_REPORTED
    elif facts.prophylaxis:
        pattern = LoadingPattern.NONE_PROPHYLAXIS
        loading = []
        start_rule = MaintenanceStart.AT_START_DATE
        maintenance = _repeat_months(start, facts.due, horizon)
        always.add(start)
    else:
        pattern = LoadingPattern.STANDARD_THREE_TIMES_WEEKLY_TWO_WEEKS
        loading = [add_days(start, d) for d in STANDARD_LOADING_DAYS]
        always.update(loading)
        start_rule = MaintenanceStart.ONE_INTERVAL_AFTER_LAST_LOADING_DOSE
        first = add_months(loading[-1], facts.due)
        maintenance = _repeat_months(first, facts.due, horizon)
        always.add(first)
    labs = [add_months(start, MONTHS_BETWEEN_LABS)]
    always.add(labs[0])
    while True:
        following = add_months(start, MONTHS_BETWEEN_LABS * (len(labs) + 1))
        if following > horizon:
            break
        labs.append(following)
    return ExpectedPlan(
        setting=PlanSetting.SUPERVISED if facts.supervised else PlanSetting.HOME,
        pattern=pattern,
        loading_dates=tuple(loading),
        review_date=review,
        maintenance_start=start_rule,
        maintenance_dates=maintenance,
        lab_dates=tuple(labs),
        always_listed=frozenset(always),
    )


def plan_not_covered(request: PlanRequest) -> bool:
    """D-PROPOSED-CALENDAR-WINDOW and D-PROPOSED-HORIZON-WINDOW (specs/proposed-decisions.md):
    a valid plan request whose horizon lies after 9899-12-31, or more than 100 years after the
    start, is not covered (REFER NOT_COVERED)."""
    start = request.start_date
    assert start is not None
    horizon = request.horizon_date or start
    return horizon > LATEST_COVERED_DATE or horizon > add_months(start, 12 * LONGEST_HORIZON_YEARS)


def course_not_covered(request: CourseRequest) -> bool:
    """D-PROPOSED-CALENDAR-WINDOW: a valid course whose start or reference date lies after
    9899-12-31 is not covered (the finding NOT_COVERED, no next due or labs due date)."""
    start, reference = request.start_date, request.reference_date
    assert start is not None
    assert reference is not None
    return start > LATEST_COVERED_DATE or reference > LATEST_COVERED_DATE


def check_plan(request: PlanRequest, outcome: object) -> list[str]:
    """Every violation of the invariants (and the plan decisions) by ``outcome``."""
    out: list[str] = []
    if not isinstance(outcome, InvalidInput | Referral | RegimenPlan):
        out.append(f"INV-VALIDATION: the outcome is {type(outcome).__name__}, not a plan outcome")
        return out
    expect = plan_expectation(request)
    if isinstance(outcome, InvalidInput):
        if not expect.invalid and not expect.ambiguous:
            out.append(
                "INV-VALIDATION: valid plan request rejected: "
                f"{[v.field for v in outcome.violations]}"
            )
            out.append("INV-TOTAL-PLAN: valid plan request gave a validation error")
        else:
            _check_invalid(outcome, expect, out)
        return out
    if expect.invalid:
        out.append(f"INV-TOTAL-PLAN: invalid request (needs {expect.required}) was not rejected")
        out.append("INV-VALIDATION: invalid plan request accepted")
        return out
    facts = derive_facts(request.profile)
    if isinstance(outcome, Referral):
        _check_referral(outcome, facts, request, out)
        return out
    _check_regimen_plan(request, outcome, facts, out)
    return out


def expected_refer_reasons(request: PlanRequest, facts: Facts) -> tuple[ReferReason, ...]:
    """Return the REFER reasons of a valid plan request, in D-OUTCOME order (NOT_COVERED last)."""
    if plan_not_covered(request):
        return (*facts.refer_reasons, ReferReason.NOT_COVERED)
    return facts.refer_reasons


def _check_referral(outcome: Referral, facts: Facts, request: PlanRequest, out: list[str]) -> None:
    reasons = expected_refer_reasons(request, facts)
    if not reasons:
        out.append(f"INV-TOTAL-PLAN: REFER {outcome.reasons} where the decisions give a plan")
        return
    if outcome.reasons != reasons:
        owner = "INV-REFER" if set(outcome.reasons) == set(reasons) else "INV-TOTAL-PLAN"
        out.append(f"{owner}: REFER reasons {outcome.reasons}, expected {reasons}")
    if outcome.urgent != facts.profile_neuro:
        out.append(f"INV-REFER: urgent is {outcome.urgent}, expected {facts.profile_neuro}")
    codes = [w.code for w in outcome.warnings]
    extra = [c.name for c in codes if c not in SAFETY_CODES]
    if extra:
        out.append(f"INV-REFER: a REFER carries non-safety warnings {extra}")
    _check_codes(codes, facts.safety, frozenset(), "REFER", out)
    _check_findings(outcome.warnings, "REFER warnings", out)
    _check_finding_citations(outcome.warnings, "REFER warning", out)
    _check_citation("REFER", outcome.rule_ids, None, out)
    producers = {
        ReferReason.OUT_OF_SCOPE_AGE: "D-SCOPE-AGE",
        ReferReason.CONTRAINDICATED: "D-CONTRA",
        ReferReason.PLATELETS_BELOW_25_NO_NEURO: "D-PLT",
        ReferReason.NO_INDICATION: "D-PROPHYLAXIS",
        ReferReason.DEFICIENCY_NOT_ESTABLISHED: "D-DEFICIENCY",
        ReferReason.NOT_COVERED: "D-OUTCOME",
    }
    needed = {"D-OUTCOME", *(producers[reason] for reason in reasons)}
    if not needed <= set(outcome.rule_ids):
        out.append(f"INV-CITATIONS: REFER cites {outcome.rule_ids}, not {sorted(needed)}")
    _check_required_citations(outcome.warnings, facts, "REFER", out)
    _check_version(outcome.rule_set_version, out)


def _check_version(version: str, out: list[str]) -> None:
    if not version:
        out.append("INV-CITATIONS: the output names no rule-set version")


def _check_required_citations(
    findings: Sequence[Finding],
    facts: Facts,
    where: str,
    out: list[str],
    *,
    recurred: bool = False,
) -> None:
    """Check the citations the decisions name for particular codes (D-CHECK, D-RENAL, ...)."""
    required: dict[Code, tuple[str, ...]] = {
        Code.RENAL_PREFER_HYDROXOCOBALAMIN: ("R-RENAL", "D-RENAL"),
        Code.RENAL_CARDIOVASCULAR_SIGNAL: ("R-RENAL", "D-RENAL"),
        Code.FOLATE_BEFORE_B12: ("R-FOLATE", "D-FOLATE"),
        Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE: (
            ("D-NEURO-URGENT", "D-RECURRENCE") if recurred else ("D-NEURO-URGENT",)
        ),
        Code.NEURO_STATUS_UNCERTAIN: ("D-NEURO-UNKNOWN",),
        Code.THROMBOCYTOPENIA_PRECAUTIONS: ("D-PLT",),
        Code.PLATELETS_NOT_ASSESSED: ("D-PLT",),
        Code.TREAT_WITHOUT_DELAY: ("D-PLT",),
        Code.PLATELET_TRANSFUSION_CONSIDER: ("D-PLT",),
    }
    producers: dict[Code, str] = {
        Code.NEURO_WITHOUT_CONFIRMED_DEFICIENCY: "D-DEFICIENCY",
        Code.DEFICIENCY_UNCONFIRMED: "D-DEFICIENCY",
        Code.SITE_BUTTOCK_UPPER_OUTER_NEEDLE_ANTERIOR: "D-SITE",
        Code.SITE_BUTTOCK_REPLACED: "D-SITE",
        Code.MONTHLY_MORE_EFFECTIVE: "D-EXTENDED",
        Code.EXTENDED_NOT_AVAILABLE: "D-EXTENDED",
        Code.EXTENDED_NOT_APPLICABLE: "D-EXTENDED",
        Code.RESECTION_LENGTH_UNKNOWN: "D-INTERVAL",
        Code.CROHN_LENGTH_UNKNOWN: "D-INTERVAL",
        Code.CROHN_PROPHYLAXIS_EVIDENCE_WEAK: "D-INTERVAL",
        Code.NOT_COVERED: "D-OUTCOME",
        Code.HOME_ADMINISTRATION_SUSPENDED_REVIEW: "D-COURSE",
        Code.NEURO_RECURRENCE_REVIEW: "D-RECURRENCE",
        Code.NEURO_LOADING_DOSES_MISSED: "D-MISSED",
        Code.NEURO_REVIEW_OVERDUE: "D-MISSED",
        Code.LIFELONG_CLINICIAN_DECISION: "D-LIFELONG",
        Code.HOMOCYSTEINE_OFF_TARGET: "D-LABS",
        Code.LABS_MAY_BE_STABLE: "D-LABS",
    }
    for finding in findings:
        needed = required.get(finding.code, ())
        if finding.code in producers:
            needed = (*needed, producers[finding.code])
        if finding.code in CHECK_CODES | {Code.REFER_CONDITION_PRESENT, Code.SUPERVISION_REQUIRED}:
            needed = ("D-CHECK",)
        if finding.code is Code.TWO_INJECTIONS_ONE_DAY:
            needed = ("D-CHECK",) if where == "check" else ("D-COURSE",)
        missing = [rule_id for rule_id in needed if rule_id not in finding.rule_ids]
        if missing:
            out.append(f"INV-CITATIONS: {where} {finding.code.name} does not cite {missing}")
        if not facts.cyano and {"R-RENAL", "D-RENAL"} & set(finding.rule_ids):
            out.append(f"D-RENAL: {where} {finding.code.name} cites the renal rule with hydroxo")


def _check_regimen_plan(
    request: PlanRequest, plan: RegimenPlan, facts: Facts, out: list[str]
) -> None:
    reasons = expected_refer_reasons(request, facts)
    if reasons:
        out.append(f"INV-TOTAL-PLAN: a plan where the decisions give REFER {reasons}")
    below_25 = facts.platelets is not None and facts.platelets < PLT_SEVERE
    if below_25 and plan.setting is PlanSetting.HOME:
        out.append(f"INV-NO-HOME-BELOW-25: home plan with platelets {facts.platelets}")
    expected_setting = PlanSetting.SUPERVISED if facts.supervised else PlanSetting.HOME
    if plan.setting is not expected_setting:
        out.append(f"INV-TOTAL-PLAN: setting {plan.setting.name}, expected {expected_setting.name}")
    _check_version(plan.rule_set_version, out)
    _check_dose(plan, out)
    _check_guidance(plan.guidance, request.profile, facts, out)
    _check_plan_warnings(plan, request.profile, facts, out)
    intervals = (
        plan.maintenance.due_interval_months,
        plan.maintenance.overdue_after_months,
        plan.interval_rules,
    )
    _check_intervals(intervals, facts, "plan", out)
    if not plan.maintenance.lifelong:
        out.append("INV-LIFELONG: the maintenance phase is not lifelong")
    _check_plan_citations(plan, out)
    _check_dates_ordered(plan, request, out)
    try:
        expected = expected_plan(request, facts)
    except (ValueError, OverflowError):
        # open: a date beyond 9999-12-31 is not covered by the decisions; accept the outcome.
        return
    _check_loading(plan.loading, plan.maintenance, expected, facts, out)
    _check_plan_dates(plan, expected, request, out)
    early = {item.code for item in plan.monitoring.items} & EARLY_CODES
    has_loading = expected.pattern is not LoadingPattern.NONE_PROPHYLAXIS
    if has_loading and early != EARLY_CODES:
        out.append(
            f"D-EARLY: a plan with loading lists early checks {sorted(c.name for c in early)}"
        )
    if not has_loading and early:
        out.append("D-EARLY: a plan without loading lists early checks")


def _check_dose(plan: RegimenPlan, out: list[str]) -> None:
    parts: list[tuple[str, int, float, Route]] = [
        ("loading", plan.loading.dose_mcg, plan.loading.volume_ml, plan.loading.route),
        (
            "maintenance",
            plan.maintenance.dose_mcg,
            plan.maintenance.volume_ml,
            plan.maintenance.route,
        ),
        ("guidance", plan.guidance.dose_mcg, plan.guidance.volume_ml, plan.guidance.route),
    ]
    for name, dose, volume, route in parts:
        if dose != DOSE_MCG or volume != VOLUME_ML or route is not Route.INTRAMUSCULAR:
            out.append(f"INV-DOSE: {name} is {dose} mcg, {volume} mL, {route.name}")
    if plan.guidance.concentration_mcg_per_ml != CONCENTRATION_MCG_PER_ML:
        out.append(f"INV-DOSE: concentration {plan.guidance.concentration_mcg_per_ml} mcg/mL")


def _check_guidance(
    guidance: AdministrationGuidance, profile: PatientProfile, facts: Facts, out: list[str]
) -> None:
    if guidance.formulation is not profile.formulation:
        out.append(f"D-FORMULATIONS: guidance formulation {guidance.formulation.name}")
    precautions = facts.platelets is None or facts.platelets <= PLT_STANDARD_ABOVE
    needle = (
        guidance.needle_gauge_min,
        guidance.needle_gauge_max,
        guidance.pressure_minutes_min,
        guidance.pressure_minutes_max,
    )
    if precautions and needle != (25, 27, 5, 10):
        out.append(
            f"INV-PLATELET-GUIDANCE: platelets {facts.platelets} give needle and pressure {needle}"
        )
    if not precautions and needle != (None, None, None, None):
        out.append(f"D-PLT: platelets {facts.platelets} > 50 give needle and pressure {needle}")
    sites, _ = site_codes(profile.site_request)
    if guidance.sites != sites:
        out.append(f"D-SITE: request {profile.site_request} gives sites {guidance.sites}")
    codes = {item.code for item in guidance.items}
    if Code.FIRST_DOSE_PROFESSIONAL not in codes:
        out.append("D-EARLY: the guidance lacks FIRST_DOSE_PROFESSIONAL")
    _check_items(guidance.items, "guidance", out)
    cites_renal = bool({"R-RENAL", "D-RENAL"} & set(guidance.rule_ids))
    if not facts.cyano and facts.renal and not {"R-RENAL", "D-RENAL"} <= set(guidance.rule_ids):
        out.append("D-RENAL: renal with hydroxocobalamin: the guidance does not cite the rule")
    if cites_renal and not facts.renal:
        out.append("D-RENAL: the guidance cites the renal rule without renal impairment")
    band = "R-PLT-PRECAUTION" if precautions else "R-PLT-STANDARD"
    needed = {"R-DOSE-1000", "R-FORM-1", "D-SITE", "D-PLT", band}
    if facts.supervised:
        needed.add("R-PLT-SEVERE")
    if not needed <= set(guidance.rule_ids):
        out.append(f"INV-CITATIONS: guidance cites {guidance.rule_ids}, not {sorted(needed)}")


def _check_named_reasons(findings: Sequence[Finding], facts: Facts, out: list[str]) -> None:
    """D-CHECK: REFER_CONDITION_PRESENT lists the D-OUTCOME reasons; D-EXTENDED: a refused
    extended interval names the reason (ileal, Crohn's, neurological involvement)."""
    for finding in findings:
        text = finding.text.lower()
        if finding.code is Code.REFER_CONDITION_PRESENT:
            missing = [r.name for r in facts.refer_reasons if r.name.lower() not in text]
            if missing:
                out.append(f"D-CHECK: REFER_CONDITION_PRESENT does not list {missing}")
        if finding.code is Code.EXTENDED_NOT_AVAILABLE:
            named = {
                "ileal": facts.ileal,
                "crohn": facts.crohn,
                "neurolog": facts.neuro,
            }
            missing = [word for word, holds in named.items() if holds and word not in text]
            if missing:
                out.append(f"D-EXTENDED: EXTENDED_NOT_AVAILABLE does not name {missing}")


def _check_plan_warnings(
    plan: RegimenPlan, profile: PatientProfile, facts: Facts, out: list[str]
) -> None:
    _, site = site_codes(profile.site_request)
    expected = set(facts.safety) | set(facts.population) | set(site)
    _check_codes((w.code for w in plan.warnings), expected, frozenset(), "plan", out)
    _check_findings(plan.warnings, "plan warnings", out)
    _check_named_reasons(plan.warnings, facts, out)
    _check_finding_citations(plan.warnings, "plan warning", out)
    _check_required_citations(plan.warnings, facts, "plan", out)


def _check_intervals(
    intervals: tuple[int, int, Sequence[IntervalRule]], facts: Facts, where: str, out: list[str]
) -> None:
    due, overdue, rules = intervals
    for name, value in (("due", due), ("overdue-after", overdue)):
        if not 1 <= value <= INTERVAL_MAX_MONTHS:
            out.append(f"INV-INTERVAL-MAX: {where} {name} interval {value} months")
    if due > overdue:
        out.append(f"INV-INTERVAL-MAX: {where} due {due} after overdue-after {overdue}")
    for rule in rules:
        if not 1 <= rule.due_interval_months <= rule.overdue_after_months <= INTERVAL_MAX_MONTHS:
            out.append(
                f"INV-INTERVAL-MAX: {where} rule {rule.rule_id} has"
                f" {rule.due_interval_months}/{rule.overdue_after_months} months"
            )
        if rule.rule_id not in rule.rule_ids:
            out.append(f"INV-CITATIONS: {where} interval rule {rule.rule_id} does not cite itself")
        _check_citation(f"{where} interval rule {rule.rule_id}", rule.rule_ids, None, out)
    if (facts.ileal or facts.crohn) and (due, overdue) != (1, 1):
        out.append(f"INV-INTERVAL-MONTHLY: {where} ileal/Crohn's rule applies: {due}/{overdue}")
    if (due, overdue) != (facts.due, facts.overdue):
        out.append(
            f"D-INTERVAL: {where} {due}/{overdue} months, expected {facts.due}/{facts.overdue}"
        )
    got = tuple((r.rule_id, r.due_interval_months, r.overdue_after_months, r.winner) for r in rules)
    if got != facts.interval_rules:
        out.append(f"D-INTERVAL: {where} interval rules {got}, expected {facts.interval_rules}")


def _check_plan_citations(plan: RegimenPlan, out: list[str]) -> None:
    elements: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
        ("loading", plan.loading.rule_ids, plan.loading.source_references),
        ("maintenance", plan.maintenance.rule_ids, plan.maintenance.source_references),
        ("guidance", plan.guidance.rule_ids, plan.guidance.source_references),
        ("monitoring", plan.monitoring.rule_ids, plan.monitoring.source_references),
    ]
    for name, rule_ids, references in elements:
        _check_citation(name, rule_ids, references, out)
    _check_items(plan.monitoring.items, "monitoring", out)
    if not {"R-MON-LABS", "D-LABS"} <= set(plan.monitoring.rule_ids):
        out.append(f"INV-CITATIONS: monitoring cites {plan.monitoring.rule_ids}")
    early_items = bool({item.code for item in plan.monitoring.items} & EARLY_CODES)
    if early_items != ("D-EARLY" in plan.monitoring.rule_ids):
        out.append("INV-CITATIONS: monitoring cites D-EARLY exactly when it lists early checks")
    if plan.monitoring.homocysteine_target_below_umol_per_l != HCY_TARGET_BELOW:
        out.append("D-LABS: the homocysteine target is not below 10 umol/L")


def _check_dates_ordered(plan: RegimenPlan, request: PlanRequest, out: list[str]) -> None:
    start = request.start_date
    assert start is not None
    injections = [*plan.loading.injection_dates, *plan.maintenance.injection_dates]
    for name, dates in (
        ("injection", injections),
        ("lab check", list(plan.monitoring.lab_check_dates)),
    ):
        if any(later <= earlier for earlier, later in itertools.pairwise(dates)):
            out.append(f"INV-DATES-ORDERED: {name} dates do not strictly increase")
        if dates and min(dates) < start:
            out.append(f"INV-DATES-ORDERED: a {name} date before the start {start}")
    if plan.maintenance.first_due_date is not None and plan.maintenance.injection_dates[:1] != (
        plan.maintenance.first_due_date,
    ):
        out.append("INV-DATES-ORDERED: the first maintenance date is not the first due date")


def _check_loading(  # noqa: C901, PLR0912 - one branch per loading pattern and field
    loading: LoadingPhase,
    maintenance: MaintenancePhase,
    expected: ExpectedPlan,
    facts: Facts,
    out: list[str],
) -> None:
    if expected.pattern is LoadingPattern.STANDARD_THREE_TIMES_WEEKLY_TWO_WEEKS:
        if (
            loading.pattern is not expected.pattern
            or loading.injection_dates != expected.loading_dates
            or loading.open_ended
            or loading.review_date is not None
        ):
            out.append(
                "INV-LOAD-STANDARD: standard loading is"
                f" {loading.pattern.name} {loading.injection_dates} open={loading.open_ended}"
            )
    elif expected.pattern is LoadingPattern.NEUROLOGICAL_ALTERNATE_DAYS_OPEN_ENDED:
        problems = []
        if loading.pattern is not expected.pattern:
            problems.append(f"pattern {loading.pattern.name}")
        if not loading.open_ended:
            problems.append("not open-ended")
        if loading.review_date != expected.review_date:
            problems.append(f"review {loading.review_date}")
        if loading.injection_dates != expected.loading_dates:
            problems.append(f"{len(loading.injection_dates)} dates")
        if maintenance.first_due_date is not None or maintenance.injection_dates:
            problems.append("dated maintenance")
        if maintenance.start is not expected.maintenance_start:
            problems.append(f"start {maintenance.start.name}")
        if problems:
            out.append(f"INV-LOAD-NEURO: neurological loading: {', '.join(problems)}")
    elif (
        loading.pattern is not LoadingPattern.NONE_PROPHYLAXIS
        or loading.injection_dates
        or loading.open_ended
        or loading.review_date is not None
    ):
        out.append(f"D-PROPHYLAXIS: prophylaxis plan has loading {loading.pattern.name}")
    if facts.neuro and loading.pattern is LoadingPattern.STANDARD_THREE_TIMES_WEEKLY_TWO_WEEKS:
        out.append("INV-LOAD-NEURO: neurological involvement with standard loading")
    if maintenance.start is not expected.maintenance_start:
        out.append(
            f"D-MONTH: maintenance start {maintenance.start.name},"
            f" expected {expected.maintenance_start.name}"
        )
    if loading.open_ended is not (
        expected.pattern is LoadingPattern.NEUROLOGICAL_ALTERNATE_DAYS_OPEN_ENDED
    ):
        out.append(f"D-NEURO-OPEN: open_ended is {loading.open_ended!r}")
    loading_producers = {
        LoadingPattern.STANDARD_THREE_TIMES_WEEKLY_TWO_WEEKS: {"R-LOAD-STD", "D-LOAD-DAYS"},
        LoadingPattern.NEUROLOGICAL_ALTERNATE_DAYS_OPEN_ENDED: {"R-LOAD-NEURO", "D-NEURO-OPEN"},
        LoadingPattern.NONE_PROPHYLAXIS: {"D-PROPHYLAXIS"},
    }[expected.pattern]
    if not loading_producers <= set(loading.rule_ids):
        out.append(f"INV-CITATIONS: loading cites {loading.rule_ids}, not {loading_producers}")
    winners = {rule_id for rule_id, _, _, winner in facts.interval_rules if winner}
    maintenance_producers = {"D-INTERVAL", "D-LIFELONG", *winners}
    if expected.pattern is LoadingPattern.NEUROLOGICAL_ALTERNATE_DAYS_OPEN_ENDED:
        maintenance_producers.add("D-NEURO-OPEN")
    if expected.pattern is LoadingPattern.NONE_PROPHYLAXIS:
        maintenance_producers.add("D-PROPHYLAXIS")
    if not maintenance_producers <= set(maintenance.rule_ids):
        out.append(
            f"INV-CITATIONS: maintenance cites {maintenance.rule_ids},"
            f" not {sorted(maintenance_producers)}"
        )


def _check_plan_dates(
    plan: RegimenPlan, expected: ExpectedPlan, request: PlanRequest, out: list[str]
) -> None:
    start = request.start_date
    assert start is not None
    horizon = request.horizon_date or start
    got_maintenance = plan.maintenance.injection_dates
    if got_maintenance != expected.maintenance_dates:
        owner = (
            "INV-HORIZON"
            if set(got_maintenance) <= set(expected.maintenance_dates)
            or set(expected.maintenance_dates) <= set(got_maintenance)
            else "INV-MONTH-CLAMP"
        )
        out.append(
            f"{owner}: maintenance dates {_summary(got_maintenance)},"
            f" expected {_summary(expected.maintenance_dates)}"
        )
    expected_first = expected.maintenance_dates[0] if expected.maintenance_dates else None
    if plan.maintenance.first_due_date != expected_first:
        out.append(
            f"INV-MONTH-CLAMP: first maintenance date {plan.maintenance.first_due_date},"
            f" expected {expected_first}"
        )
    got_labs = plan.monitoring.lab_check_dates
    if got_labs != expected.lab_dates:
        owner = (
            "INV-HORIZON"
            if set(got_labs) <= set(expected.lab_dates) or set(expected.lab_dates) <= set(got_labs)
            else "INV-MONTH-CLAMP"
        )
        out.append(
            f"{owner}: lab dates {_summary(got_labs)}, expected {_summary(expected.lab_dates)}"
        )
    listed = {
        *plan.loading.injection_dates,
        *plan.maintenance.injection_dates,
        *plan.monitoring.lab_check_dates,
    }
    if plan.loading.review_date is not None:
        listed.add(plan.loading.review_date)
    missing = expected.always_listed - listed
    if missing:
        out.append(f"INV-HORIZON: always-listed dates missing: {sorted(missing)[:3]}")
    repeated = [
        *plan.maintenance.injection_dates[1:],
        *plan.monitoring.lab_check_dates[1:],
        *(
            d
            for d in plan.loading.injection_dates
            if plan.loading.review_date is not None and d > plan.loading.review_date
        ),
    ]
    late = [d for d in repeated if d > horizon]
    if late:
        out.append(f"INV-HORIZON: repeated dates after the horizon {horizon}: {late[:3]}")


def _summary(dates: Sequence[datetime.date]) -> str:
    if len(dates) <= 4:  # noqa: PLR2004 - readable message length
        return str([d.isoformat() for d in dates])
    return f"{len(dates)} dates {dates[0]}..{dates[-1]}"


# ---------------------------------------------------------------------------------------------
# Regimen checks (INV-TOTAL-CHECK, D-CHECK).
# ---------------------------------------------------------------------------------------------


def expected_check_codes(  # noqa: C901, PLR0912 - one branch per row of the D-CHECK table
    request: CheckRequest, facts: Facts
) -> tuple[set[Code], set[Code]]:
    """Return the codes a regimen check of a valid request carries, and the codes left open."""
    regimen = request.regimen
    profile = request.profile
    expected: set[Code] = set(facts.safety) | set(facts.population)
    dont_care: set[Code] = set()
    if facts.refer_reasons:
        expected.add(Code.REFER_CONDITION_PRESENT)
    if facts.supervised:
        expected.add(Code.SUPERVISION_REQUIRED)
    if regimen.formulation not in {None, profile.formulation}:
        # D-PROPOSED-FORMULATION-MISMATCH (specs/proposed-decisions.md): every rule reads the
        # profile's formulation, and the check adds the critical NOT_COVERED.
        expected.add(Code.NOT_COVERED)
    dose = regimen.dose_per_injection_mcg
    if dose is not None:
        if dose > DOSE_MCG:
            expected.add(Code.DOSE_ABOVE_MAXIMUM)
        elif dose < DOSE_LOW_FROM:
            expected.add(Code.DOSE_TOO_LOW)
        elif dose < DOSE_MCG:
            expected.add(Code.DOSE_BELOW_RECOMMENDED)
    if regimen.route is not None and regimen.route is not Route.INTRAMUSCULAR:
        expected.add(Code.ROUTE_NOT_IM)
    if regimen.stop_date is not None:
        expected.add(Code.LIFELONG)
    interval = regimen.maintenance_interval_months
    if interval is not None:
        hydroxo_overdue = 2 if facts.neuro else 3
        if interval > INTERVAL_MAX_MONTHS:
            expected.add(Code.INTERVAL_ABOVE_MAXIMUM)
        elif interval > 1 and (facts.ileal or facts.crohn):
            expected.add(Code.INTERVAL_MONTHLY_RULE)
        elif (facts.cyano and interval > 1) or (not facts.cyano and interval > hydroxo_overdue):
            expected.add(Code.INTERVAL_LONGER_THAN_RECOMMENDED)
    _expected_loading_codes(request, facts, expected, dont_care)
    profile_site = profile.site_request or SiteRequest.NONE
    if regimen.site is None or regimen.site is profile_site:
        expected.update(site_codes(profile_site)[1])
    elif profile_site is SiteRequest.NONE:
        expected.update(site_codes(regimen.site)[1])
    else:
        # open: which site a check reads when the profile and the regimen request different ones.
        dont_care.update(
            {Code.SITE_BUTTOCK_REPLACED, Code.SITE_BUTTOCK_UPPER_OUTER_NEEDLE_ANTERIOR}
        )
    return expected, dont_care


def _expected_loading_codes(  # noqa: C901, PLR0912 - one branch per D-CHECK loading row
    request: CheckRequest, facts: Facts, expected: set[Code], dont_care: set[Code]
) -> None:
    regimen = request.regimen
    dates = sorted(regimen.loading_dates)
    if not dates:
        return
    duplicates = len(set(dates)) != len(dates)
    if duplicates:
        expected.add(Code.TWO_INJECTIONS_ONE_DAY)
    no_loading_finding = facts.prophylaxis or not facts.effective_confirmed
    if no_loading_finding:
        return
    if facts.profile_neuro:
        if regimen.loading_open_ended is False:
            expected.add(Code.LOADING_NEURO_MUST_BE_OPEN_ENDED)
        elif regimen.loading_open_ended is None:
            # open: an absent open-ended flag with neurological loading dates.
            dont_care.add(Code.LOADING_NEURO_MUST_BE_OPEN_ENDED)
        if duplicates or len(dates) == 1:
            # open: gaps with two doses on one day, or a single date (no gap at all).
            dont_care.update({Code.LOADING_MORE_FREQUENT, Code.LOADING_TOO_FEW})
            return
        gaps = {(later - earlier).days for earlier, later in itertools.pairwise(dates)}
        if 1 in gaps:
            expected.add(Code.LOADING_MORE_FREQUENT)
        if any(gap > 2 for gap in gaps):  # noqa: PLR2004 - alternate days
            expected.add(Code.LOADING_TOO_FEW)
        return
    if duplicates:
        # open: whether two doses on one day count twice over days 0-13.
        dont_care.update(
            {Code.LOADING_ALTERNATIVE, Code.LOADING_TOO_FEW, Code.LOADING_MORE_FREQUENT}
        )
        return
    offsets = tuple(
        (day - dates[0]).days
        for day in dates
        if (day - dates[0]).days <= STANDARD_LOADING_WINDOW_DAYS
    )
    if offsets == STANDARD_LOADING_DAYS:
        return
    if len(offsets) in {5, 6}:
        expected.add(Code.LOADING_ALTERNATIVE)
    elif len(offsets) < 5:  # noqa: PLR2004 - R-LOAD-ALT's 5-6 doses
        expected.add(Code.LOADING_TOO_FEW)
    else:
        expected.add(Code.LOADING_MORE_FREQUENT)


def check_check(request: CheckRequest, outcome: object) -> list[str]:
    """Every violation of the invariants (and D-CHECK) by a regimen check's ``outcome``."""
    out: list[str] = []
    if not isinstance(outcome, InvalidInput | RegimenCheck):
        out.append(f"INV-TOTAL-CHECK: a regimen check returned {type(outcome).__name__}")
        return out
    expect = check_expectation(request)
    if isinstance(outcome, InvalidInput):
        if not expect.invalid and not expect.ambiguous:
            out.append(
                f"INV-VALIDATION: valid check rejected: {[v.field for v in outcome.violations]}"
            )
        else:
            _check_invalid(outcome, expect, out)
        return out
    if expect.invalid:
        out.append(f"INV-VALIDATION: invalid check (needs {expect.required}) accepted")
        return out
    facts = derive_facts(request.profile)
    _check_version(outcome.rule_set_version, out)
    if outcome.refer_reasons != facts.refer_reasons:
        out.append(
            f"INV-TOTAL-CHECK: refer reasons {outcome.refer_reasons},"
            f" expected {facts.refer_reasons}"
        )
    expected, dont_care = expected_check_codes(request, facts)
    codes = [f.code for f in outcome.findings]
    _check_named_reasons(outcome.findings, facts, out)
    _check_codes(codes, expected, dont_care, "check", out)
    _check_findings(outcome.findings, "check findings", out)
    _check_finding_citations(outcome.findings, "check finding", out)
    _check_required_citations(outcome.findings, facts, "check", out)
    return out


# ---------------------------------------------------------------------------------------------
# Course assessments (INV-TOTAL-COURSE, D-COURSE, D-MISSED, D-LABS, D-RECURRENCE).
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectedCourse:
    """What the decisions give for a valid course; ``None`` values are left open."""

    phase: CoursePhase | None
    covered: bool
    next_due: datetime.date | None
    days_overdue: int | None
    labs_due: datetime.date | None
    codes: frozenset[Code]
    dont_care: frozenset[Code]
    suspended: bool
    recurred: bool


def _labs_due(request: CourseRequest) -> datetime.date:
    """D-LABS by plain enumeration of the schedule up to the first date after the reference."""
    start, reference = request.start_date, request.reference_date
    assert start is not None
    assert reference is not None
    stab = request.stabilisation_date
    scheduled: list[datetime.date] = []
    k = 1
    while True:
        day = add_months(start, MONTHS_BETWEEN_LABS * k)
        if stab is not None and day >= stab:
            break
        scheduled.append(day)
        if day > reference:
            break
        k += 1
    if stab is not None:
        k = 1
        while True:
            day = add_months(stab, MONTHS_BETWEEN_LABS_STABLE * k)
            scheduled.append(day)
            if day > reference:
                break
            k += 1
    on_or_before = [day for day in scheduled if day <= reference]
    after = [day for day in scheduled if day > reference]
    if on_or_before:
        latest = on_or_before[-1]
        if not any(lab.date is not None and lab.date >= latest for lab in request.lab_results):
            return latest
    return after[0]


def _homocysteine_codes(request: CourseRequest) -> set[Code]:
    """D-LABS: the most recent homocysteine result and the pair before it (highest per date)."""
    by_date: dict[datetime.date, float] = {}
    for lab in request.lab_results:
        if lab.date is None or lab.homocysteine_umol_per_l is None:
            continue
        previous = by_date.get(lab.date)
        if previous is None or lab.homocysteine_umol_per_l > previous:
            by_date[lab.date] = lab.homocysteine_umol_per_l
    series = sorted(by_date.items())
    codes: set[Code] = set()
    if series and series[-1][1] >= HCY_TARGET_BELOW:
        codes.add(Code.HOMOCYSTEINE_OFF_TARGET)
    if (
        len(series) >= 2  # noqa: PLR2004 - a pair
        and series[-1][1] < HCY_TARGET_BELOW
        and series[-2][1] < HCY_TARGET_BELOW
        and series[-1][0] >= add_months(series[-2][0], MONTHS_BETWEEN_STABLE_HCY)
        and request.neurological_status
        in {None, CourseNeurologicalStatus.NONE, CourseNeurologicalStatus.PLATEAUED}
    ):
        codes.add(Code.LABS_MAY_BE_STABLE)
    return codes


def course_phase(request: CourseRequest, facts: Facts) -> CoursePhase | None:
    """D-COURSE: the derived phase (``None`` where the decisions leave it open)."""
    status = request.neurological_status or CourseNeurologicalStatus.NONE
    if facts.profile_neuro:
        if status in {CourseNeurologicalStatus.PLATEAUED, CourseNeurologicalStatus.RECURRED}:
            return CoursePhase.MAINTENANCE
        return CoursePhase.NEUROLOGICAL_LOADING
    if facts.prophylaxis:
        return CoursePhase.MAINTENANCE
    count, distinct = len(request.injection_dates), len(set(request.injection_dates))
    six = len(STANDARD_LOADING_DAYS)
    if distinct < six <= count:
        # open: whether two injections on one day count twice towards the six.
        return None
    return CoursePhase.MAINTENANCE if count >= six else CoursePhase.STANDARD_LOADING


def _course_codes(request: CourseRequest, facts: Facts) -> set[Code]:
    codes: set[Code] = set(facts.safety) | set(facts.population)
    if request.neurological_status is CourseNeurologicalStatus.RECURRED:
        codes.add(Code.NEURO_RECURRENCE_REVIEW)
    if len(set(request.injection_dates)) != len(request.injection_dates):
        codes.add(Code.TWO_INJECTIONS_ONE_DAY)
    if request.stop_requested:
        codes.add(Code.LIFELONG_CLINICIAN_DECISION)
    if facts.refer_reasons or facts.supervised:
        codes.add(Code.HOME_ADMINISTRATION_SUSPENDED_REVIEW)
    codes.update(_homocysteine_codes(request))
    return codes


def expected_course(request: CourseRequest, facts: Facts) -> ExpectedCourse:
    """Return the assessment of a valid course (D-COURSE, D-MISSED, D-LABS, D-RECURRENCE)."""
    start, reference = request.start_date, request.reference_date
    assert start is not None
    assert reference is not None
    status = request.neurological_status or CourseNeurologicalStatus.NONE
    recurred = status is CourseNeurologicalStatus.RECURRED
    codes = _course_codes(request, facts)
    # open: D-COURSE does not say whether a course repeats the D-SITE warnings of its profile.
    dont_care: set[Code] = {
        Code.SITE_BUTTOCK_REPLACED,
        Code.SITE_BUTTOCK_UPPER_OUTER_NEEDLE_ANTERIOR,
    }
    if recurred:
        # open: whether NEURO_REVIEW_OVERDUE applies to RECURRED (the rule is stated for loading).
        dont_care.add(Code.NEURO_REVIEW_OVERDUE)
    phase = course_phase(request, facts)
    suspended = bool(facts.refer_reasons) or facts.supervised
    if course_not_covered(request):
        codes.add(Code.NOT_COVERED)
        # open: the dated findings of D-MISSED cannot be computed beyond the calendar.
        dont_care.update({Code.NEURO_LOADING_DOSES_MISSED, Code.NEURO_REVIEW_OVERDUE})
        return ExpectedCourse(
            phase=phase,
            covered=False,
            next_due=None,
            days_overdue=0,
            labs_due=None,
            codes=frozenset(codes),
            dont_care=frozenset(dont_care),
            suspended=suspended,
            recurred=recurred,
        )
    next_due, days_overdue = _expected_due(request, facts, phase, codes)
    return ExpectedCourse(
        phase=phase,
        covered=True,
        next_due=next_due,
        days_overdue=days_overdue,
        labs_due=_labs_due(request),
        codes=frozenset(codes),
        dont_care=frozenset(dont_care),
        suspended=suspended,
        recurred=recurred,
    )


def _expected_due(
    request: CourseRequest, facts: Facts, phase: CoursePhase | None, codes: set[Code]
) -> tuple[datetime.date | None, int | None]:
    """D-MISSED: the next due date and days overdue; adds the neurological loading findings."""
    start, reference = request.start_date, request.reference_date
    assert start is not None
    assert reference is not None
    injections = sorted(request.injection_dates)
    last = injections[-1] if injections else None
    if phase is None:
        return None, None
    if phase is CoursePhase.MAINTENANCE:
        if last is None:
            return start, max(0, (reference - start).days)
        overdue_date = add_months(last, facts.overdue)
        return add_months(last, facts.due), max(0, (reference - overdue_date).days)
    if phase is CoursePhase.STANDARD_LOADING:
        if len(set(injections)) != len(injections):
            # open: which dose is "n+1" when two injections share a day.
            return None, 0
        candidates = [add_days(start, STANDARD_LOADING_DAYS[len(injections)]), reference]
        if last is not None:
            candidates.append(add_days(last, 2))
        return max(candidates), 0
    if last is None:
        next_due = max(start, reference)
        span = (reference - start).days
        missed = (span + 1) // 2 if span > 0 else 0
    else:
        next_due = max(add_days(last, 2), reference)
        span = (reference - last).days
        missed = (span - 1) // 2 if span > 0 else 0
    if missed >= 2:  # noqa: PLR2004 - "two or more missed"
        codes.add(Code.NEURO_LOADING_DOSES_MISSED)
    status = request.neurological_status
    if reference > add_days(start, NEURO_REVIEW_DAYS) and status is not (
        CourseNeurologicalStatus.PLATEAUED
    ):
        codes.add(Code.NEURO_REVIEW_OVERDUE)
    return next_due, 0


def check_course(request: CourseRequest, outcome: object) -> list[str]:
    """Every violation of the invariants (and the course decisions) by ``outcome``."""
    out: list[str] = []
    if not isinstance(outcome, InvalidInput | CourseAssessment):
        out.append(f"INV-TOTAL-COURSE: a course assessment returned {type(outcome).__name__}")
        return out
    expect = course_expectation(request)
    if isinstance(outcome, InvalidInput):
        if not expect.invalid and not expect.ambiguous:
            out.append(
                f"INV-VALIDATION: valid course rejected: {[v.field for v in outcome.violations]}"
            )
        else:
            _check_invalid(outcome, expect, out)
        return out
    if expect.invalid:
        out.append(f"INV-VALIDATION: invalid course (needs {expect.required}) accepted")
        return out
    facts = derive_facts(request.profile, request.neurological_status)
    _check_version(outcome.rule_set_version, out)
    intervals = (outcome.due_interval_months, outcome.overdue_after_months, outcome.interval_rules)
    _check_intervals(intervals, facts, "course", out)
    codes = [f.code for f in outcome.findings]
    _check_findings(outcome.findings, "course findings", out)
    _check_named_reasons(outcome.findings, facts, out)
    _check_finding_citations(outcome.findings, "course finding", out)
    recurred = request.neurological_status is CourseNeurologicalStatus.RECURRED
    _check_required_citations(outcome.findings, facts, "course", out, recurred=recurred)
    if request.stop_requested and Code.LIFELONG_CLINICIAN_DECISION not in codes:
        out.append("INV-LIFELONG: a stop request without LIFELONG_CLINICIAN_DECISION")
    last_injection = max(request.injection_dates, default=None)
    next_due = outcome.next_due_date
    if last_injection is not None and next_due is not None and not next_due > last_injection:
        out.append(
            f"INV-DATES-ORDERED: next due {next_due} not after the last injection {last_injection}"
        )
    try:
        expected = expected_course(request, facts)
    except (ValueError, OverflowError):
        # open: a date beyond 9999-12-31 is not covered by the decisions; accept the outcome.
        _check_codes(codes, facts.safety, set(SEVERITY) - SAFETY_CODES, "course", out)
        return out
    _check_codes(codes, expected.codes, expected.dont_care, "course", out)
    _check_course_state(outcome, expected, request, out)
    return out


def _check_course_state(  # noqa: C901 - one check per field of the assessment
    outcome: CourseAssessment, expected: ExpectedCourse, request: CourseRequest, out: list[str]
) -> None:
    if expected.phase is not None and outcome.phase is not expected.phase:
        out.append(f"D-COURSE: phase {outcome.phase.name}, expected {expected.phase.name}")
    if expected.covered and outcome.next_due_date is None:
        out.append("INV-LIFELONG: a covered course has no next due date")
    if expected.next_due is not None and outcome.next_due_date != expected.next_due:
        owner = "INV-MONTH-CLAMP" if expected.phase is CoursePhase.MAINTENANCE else "D-MISSED"
        out.append(f"{owner}: next due {outcome.next_due_date}, expected {expected.next_due}")
    if not expected.covered and outcome.next_due_date is not None:
        out.append(f"D-OUTCOME: next due {outcome.next_due_date} beyond the covered calendar")
    if expected.days_overdue is not None and outcome.days_overdue != expected.days_overdue:
        out.append(
            f"D-MISSED: days overdue {outcome.days_overdue}, expected {expected.days_overdue}"
        )
    if outcome.labs_due_date != expected.labs_due:
        out.append(f"D-LABS: labs due {outcome.labs_due_date}, expected {expected.labs_due}")
    if outcome.stabilised != (request.stabilisation_date is not None):
        out.append(f"D-LABS: stabilised is {outcome.stabilised}")
    hydroxo = request.profile.formulation is Formulation.HYDROXOCOBALAMIN_1000_MCG_PER_ML
    suggested = 1 if expected.recurred and hydroxo else None
    if outcome.suggested_interval_months != suggested:
        out.append(
            f"D-RECURRENCE: suggested interval {outcome.suggested_interval_months},"
            f" expected {suggested}"
        )
    if expected.recurred and (
        outcome.outcome is not CourseOutcome.REVIEW or not outcome.clinician_review_required
    ):
        out.append("D-RECURRENCE: recurrence without a REVIEW outcome")
    review = (
        expected.recurred
        or expected.suspended
        or Code.NEURO_REVIEW_OVERDUE in {f.code for f in outcome.findings}
    )
    if outcome.clinician_review_required != review:
        out.append(
            f"D-COURSE: clinician_review_required is {outcome.clinician_review_required}; a"
            " review is required exactly on recurrence, suspension or an overdue review"
        )
    quiet = (
        not expected.recurred
        and not expected.suspended
        and expected.covered
        and Code.NEURO_REVIEW_OVERDUE not in expected.codes
    )
    if quiet and (
        outcome.outcome is not CourseOutcome.CONTINUE or outcome.clinician_review_required
    ):
        out.append(f"D-COURSE: outcome {outcome.outcome.name} with no reason for review")
    if expected.suspended and Code.HOME_ADMINISTRATION_SUSPENDED_REVIEW not in {
        f.code for f in outcome.findings
    }:
        out.append("INV-TOTAL-COURSE: a REFER or supervision condition without suspension")
