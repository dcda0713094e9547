"""Kernel values: the enums and frozen dataclasses the kernel reads and returns.

Input values are *raw*: they can hold anything a caller can send (an ``UNSPECIFIED`` enum, a
missing required field, a negative count), because validation is the kernel's own job
(D-INVALID, D-FIELDS). ``None`` always means "not given". Output values are built only by the
kernel from validated input.

Field names match the protobuf field names one for one, so a validation violation's field path
is the same string in the kernel and on the wire.

Lists in outputs come in a fixed, documented order (P5): dates ascending; findings by severity
(critical, warning, info) then by code declaration order; rule IDs in catalogue order.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass, field

# ---------------------------------------------------------------------------------------------
# Input enums. Every enum has UNSPECIFIED = 0, which validation always rejects (D-INVALID).
# ---------------------------------------------------------------------------------------------


class Formulation(enum.Enum):
    """The product injected. Only the two 1000 mcg/mL products are supported (D-FORMULATIONS)."""

    UNSPECIFIED = 0
    CYANOCOBALAMIN_1000_MCG_PER_ML = 1
    HYDROXOCOBALAMIN_1000_MCG_PER_ML = 2
    METHYLCOBALAMIN = 3
    OTHER = 4


class DeficiencyStatus(enum.Enum):
    """Whether B12 deficiency is established (D-DEFICIENCY)."""

    UNSPECIFIED = 0
    CONFIRMED = 1
    NOT_PRESENT = 2
    UNKNOWN = 3


class NeurologicalInvolvement(enum.Enum):
    """Neurological involvement in the profile (D-NEURO-UNKNOWN)."""

    UNSPECIFIED = 0
    ABSENT = 1
    PRESENT = 2
    UNKNOWN = 3


class BariatricProcedure(enum.Enum):
    """Bariatric surgery history (D-PROPHYLAXIS); every value but NONE counts."""

    UNSPECIFIED = 0
    NONE = 1
    ROUX_EN_Y = 2
    BILIOPANCREATIC_DIVERSION = 3
    SLEEVE = 4
    GASTRIC_BAND = 5
    OTHER = 6


class SiteRequest(enum.Enum):
    """A requested injection site (D-SITE)."""

    UNSPECIFIED = 0
    NONE = 1
    DELTOID = 2
    VASTUS_LATERALIS = 3
    GLUTEAL_UPPER_OUTER = 4
    VENTROGLUTEAL = 5
    GLUTEAL = 6


class MaintenancePreference(enum.Enum):
    """The caller's maintenance preference (D-EXTENDED)."""

    UNSPECIFIED = 0
    STANDARD = 1
    EXTENDED = 2


class Route(enum.Enum):
    """Route of administration. Only INTRAMUSCULAR is supported (D-FORMULATIONS)."""

    UNSPECIFIED = 0
    INTRAMUSCULAR = 1
    SUBCUTANEOUS = 2
    INTRAVENOUS = 3
    ORAL = 4
    OTHER = 5


class CourseNeurologicalStatus(enum.Enum):
    """Current neurological status in a course (D-COURSE)."""

    UNSPECIFIED = 0
    NONE = 1
    IMPROVING = 2
    PLATEAUED = 3
    RECURRED = 4


# ---------------------------------------------------------------------------------------------
# Output enums.
# ---------------------------------------------------------------------------------------------


class Severity(enum.Enum):
    """Severity of a warning or finding. Declaration order is the output order."""

    CRITICAL = 1
    WARNING = 2
    INFO = 3


class PlanSetting(enum.Enum):
    """Where a plan is to be given (D-OUTCOME)."""

    HOME = 1
    SUPERVISED = 2


class ReferReason(enum.Enum):
    """Why no plan is given. Declaration order is the order D-OUTCOME fixes (D-CONTRA puts
    SPECIALIST_REGIMEN after CONTRAINDICATED); the numbers are the wire's, where rule set 2.0.0
    added SPECIALIST_REGIMEN as 7."""

    OUT_OF_SCOPE_AGE = 1
    CONTRAINDICATED = 2
    SPECIALIST_REGIMEN = 7
    PLATELETS_BELOW_25_NO_NEURO = 3
    NO_INDICATION = 4
    DEFICIENCY_NOT_ESTABLISHED = 5
    NOT_COVERED = 6


class LoadingPattern(enum.Enum):
    """The loading phase of a plan (D-LOAD-DAYS, D-NEURO-OPEN, D-PROPHYLAXIS)."""

    STANDARD_THREE_TIMES_WEEKLY_TWO_WEEKS = 1
    NEUROLOGICAL_ALTERNATE_DAYS_OPEN_ENDED = 2
    NONE_PROPHYLAXIS = 3


class MaintenanceStart(enum.Enum):
    """When maintenance starts (D-MONTH, D-NEURO-OPEN)."""

    ONE_INTERVAL_AFTER_LAST_LOADING_DOSE = 1
    AT_START_DATE = 2
    ONE_INTERVAL_AFTER_LAST_LOADING_DOSE_ONCE_PLATEAU_REPORTED = 3


class InjectionSite(enum.Enum):
    """A site in the administration guidance, in the order listed (D-SITE)."""

    DELTOID = 1
    VASTUS_LATERALIS = 2
    GLUTEAL_UPPER_OUTER_QUADRANT = 3
    VENTROGLUTEAL = 4


class CoursePhase(enum.Enum):
    """The derived phase of a course (D-COURSE)."""

    STANDARD_LOADING = 1
    NEUROLOGICAL_LOADING = 2
    MAINTENANCE = 3


class CourseOutcome(enum.Enum):
    """CONTINUE, or REVIEW exactly when a clinician is to review the course (D-COURSE-OUTCOME)."""

    CONTINUE = 1
    REVIEW = 2


class Code(enum.Enum):
    """Every warning, finding, guidance and monitoring code. Declaration order is output order
    within a severity: the codes of rule set 2.0.0 follow those of 1.0.0, in the order its
    "Severities (revision 2)" lists them."""

    # D-OUTCOME warnings (carried by every output built from valid input whose condition holds).
    NEURO_SEEK_URGENT_SPECIALIST_ADVICE = enum.auto()
    NEURO_STATUS_UNCERTAIN = enum.auto()
    NEURO_WITHOUT_CONFIRMED_DEFICIENCY = enum.auto()
    DEFICIENCY_UNCONFIRMED = enum.auto()
    TREAT_WITHOUT_DELAY = enum.auto()
    PLATELET_TRANSFUSION_CONSIDER = enum.auto()
    THROMBOCYTOPENIA_PRECAUTIONS = enum.auto()
    PLATELETS_NOT_ASSESSED = enum.auto()
    FOLATE_BEFORE_B12 = enum.auto()
    RENAL_PREFER_HYDROXOCOBALAMIN = enum.auto()
    RENAL_CARDIOVASCULAR_SIGNAL = enum.auto()
    # Plan, check and course only (never a REFER).
    SITE_BUTTOCK_UPPER_OUTER_NEEDLE_ANTERIOR = enum.auto()
    SITE_BUTTOCK_REPLACED = enum.auto()
    MONTHLY_MORE_EFFECTIVE = enum.auto()
    EXTENDED_NOT_AVAILABLE = enum.auto()
    EXTENDED_NOT_APPLICABLE = enum.auto()
    RESECTION_LENGTH_UNKNOWN = enum.auto()
    CROHN_LENGTH_UNKNOWN = enum.auto()
    CROHN_PROPHYLAXIS_EVIDENCE_WEAK = enum.auto()
    NOT_COVERED = enum.auto()
    # Regimen check (D-CHECK).
    REFER_CONDITION_PRESENT = enum.auto()
    SUPERVISION_REQUIRED = enum.auto()
    DOSE_BELOW_RECOMMENDED = enum.auto()
    DOSE_TOO_LOW = enum.auto()
    DOSE_ABOVE_MAXIMUM = enum.auto()
    ROUTE_NOT_IM = enum.auto()
    LIFELONG = enum.auto()
    INTERVAL_ABOVE_MAXIMUM = enum.auto()
    INTERVAL_MONTHLY_RULE = enum.auto()
    INTERVAL_LONGER_THAN_RECOMMENDED = enum.auto()
    LOADING_ALTERNATIVE = enum.auto()
    LOADING_TOO_FEW = enum.auto()
    LOADING_MORE_FREQUENT = enum.auto()
    LOADING_NEURO_MUST_BE_OPEN_ENDED = enum.auto()
    TWO_INJECTIONS_ONE_DAY = enum.auto()
    # Course assessment (D-COURSE, D-MISSED, D-LABS, D-RECURRENCE, D-LIFELONG).
    HOME_ADMINISTRATION_SUSPENDED_REVIEW = enum.auto()
    NEURO_RECURRENCE_REVIEW = enum.auto()
    NEURO_LOADING_DOSES_MISSED = enum.auto()
    NEURO_REVIEW_OVERDUE = enum.auto()
    LIFELONG_CLINICIAN_DECISION = enum.auto()
    HOMOCYSTEINE_OFF_TARGET = enum.auto()
    LABS_MAY_BE_STABLE = enum.auto()
    # Guidance and monitoring items (D-EARLY, R-MON-*); never warnings.
    FIRST_DOSE_PROFESSIONAL = enum.auto()
    EARLY_BASELINE_BLOODS = enum.auto()
    EARLY_POTASSIUM_48H = enum.auto()
    EARLY_RETICULOCYTES_DAY_5_7 = enum.auto()
    LABS_B12_HOMOCYSTEINE = enum.auto()
    WATCH_NEURO_RECURRENCE = enum.auto()
    # Rule set 2.0.0 (revision 2), in the order of its "Severities (revision 2)".
    PLATELETS_SEVERE_SAME_DAY_ADVICE = enum.auto()
    ROUTE_ORAL_NOT_COVERED = enum.auto()
    MAINTENANCE_LONG_GAP_NEURO = enum.auto()
    LEBER_HYDROXOCOBALAMIN_ALTERNATIVE = enum.auto()
    PREGNANCY_REVIEW = enum.auto()
    ANTICOAGULANT_PRECAUTIONS = enum.auto()
    MAINTENANCE_LONG_GAP = enum.auto()
    LOADING_INTERRUPTED = enum.auto()
    ROUTE_DEEP_SC_LABELLED = enum.auto()
    FORMULATION_DIFFERS_FROM_PROFILE = enum.auto()
    NOTHING_PROPOSED = enum.auto()
    SITE_VENTROGLUTEAL_TRAINED = enum.auto()
    CROHN_LENGTH_UNKNOWN_NOT_COUNTED = enum.auto()
    # Monitoring item of D-PREGNANCY.
    PREGNANCY_REVIEW_DATE = enum.auto()


# ---------------------------------------------------------------------------------------------
# Inputs.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PatientProfile:
    """The clinical facts of one patient. ``None`` means not given (D-FIELDS)."""

    formulation: Formulation | None = None
    age_years: int | None = None
    deficiency_status: DeficiencyStatus | None = None
    neurological_involvement: NeurologicalInvolvement | None = None
    platelets_10e9_per_l: float | None = None
    egfr_ml_min_1_73m2: float | None = None
    renal_impairment_reported: bool = False
    diabetic_nephropathy: bool = False
    folic_acid_started_before_b12: bool = False
    hypersensitivity_cobalt_or_b12: bool = False
    leber_disease_or_tobacco_amblyopia: bool = False
    ileal_resection: bool = False
    ileal_resection_length_cm: float | None = None
    crohn_ileal_involvement: bool = False
    crohn_ileal_involvement_length_cm: float | None = None
    bariatric_procedure: BariatricProcedure | None = None
    site_request: SiteRequest | None = None
    maintenance_preference: MaintenancePreference | None = None
    pregnant: bool | None = None
    anticoagulant_therapy: bool | None = None


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """Plan a regimen from ``start_date`` through the inclusive ``horizon_date`` (D-HORIZON)."""

    profile: PatientProfile = field(default_factory=PatientProfile)
    start_date: datetime.date | None = None
    horizon_date: datetime.date | None = None
    route: Route | None = None


@dataclass(frozen=True, slots=True)
class ProposedRegimen:
    """A regimen to check (D-CHECK). Every element is optional; an absent one is not checked."""

    dose_per_injection_mcg: float | None = None
    loading_dates: tuple[datetime.date, ...] = ()
    loading_open_ended: bool | None = None
    maintenance_interval_months: float | None = None
    stop_date: datetime.date | None = None
    site: SiteRequest | None = None
    route: Route | None = None
    formulation: Formulation | None = None


@dataclass(frozen=True, slots=True)
class CheckRequest:
    """Check ``regimen`` against the rules for ``profile``."""

    profile: PatientProfile = field(default_factory=PatientProfile)
    regimen: ProposedRegimen = field(default_factory=ProposedRegimen)


@dataclass(frozen=True, slots=True)
class LabResult:
    """One lab result. At least one value is required; an absent value was not measured."""

    date: datetime.date | None = None
    b12_ng_per_l: float | None = None
    homocysteine_umol_per_l: float | None = None


@dataclass(frozen=True, slots=True)
class CourseRequest:
    """A course in progress, assessed as of ``reference_date`` (D-COURSE)."""

    profile: PatientProfile = field(default_factory=PatientProfile)
    start_date: datetime.date | None = None
    reference_date: datetime.date | None = None
    injection_dates: tuple[datetime.date, ...] = ()
    lab_results: tuple[LabResult, ...] = ()
    neurological_status: CourseNeurologicalStatus | None = None
    stabilisation_date: datetime.date | None = None
    stop_requested: bool = False
    horizon_date: datetime.date | None = None


# ---------------------------------------------------------------------------------------------
# Outputs.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldViolation:
    """One offending field: its path (proto field names, ``[i]`` for list items) and why."""

    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class InvalidInput:
    """A validation error (D-INVALID): every offending field, and no clinical content."""

    violations: tuple[FieldViolation, ...]


@dataclass(frozen=True, slots=True)
class Finding:
    """A warning or finding: stable code, severity, text, the rule IDs that produced it and the
    source reference numbers of those rules (P4)."""

    code: Code
    severity: Severity
    text: str
    rule_ids: tuple[str, ...]
    source_references: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Item:
    """A guidance or monitoring item: stable code, text and citations."""

    code: Code
    text: str
    rule_ids: tuple[str, ...]
    source_references: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IntervalRule:
    """One maintenance interval rule whose condition holds (D-INTERVAL)."""

    rule_id: str
    due_interval_months: int
    overdue_after_months: int
    winner: bool
    rule_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LoadingPhase:
    """The loading phase, or why there is none (``pattern`` NONE_PROPHYLAXIS, no dates)."""

    pattern: LoadingPattern
    dose_mcg: int
    volume_ml: float
    route: Route
    injection_dates: tuple[datetime.date, ...]
    open_ended: bool
    review_date: datetime.date | None
    rule_ids: tuple[str, ...]
    source_references: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MaintenancePhase:
    """The lifelong maintenance phase. It has no end date, by construction (P3)."""

    dose_mcg: int
    volume_ml: float
    route: Route
    due_interval_months: int
    overdue_after_months: int
    start: MaintenanceStart
    first_due_date: datetime.date | None
    injection_dates: tuple[datetime.date, ...]
    lifelong: bool
    rule_ids: tuple[str, ...]
    source_references: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AdministrationGuidance:
    """How each injection is given (R-DOSE-1000, R-FORM-1, D-SITE, D-PLT, D-EARLY)."""

    dose_mcg: int
    volume_ml: float
    concentration_mcg_per_ml: int
    formulation: Formulation
    route: Route
    sites: tuple[InjectionSite, ...]
    needle_gauge_min: int | None
    needle_gauge_max: int | None
    pressure_minutes_min: int | None
    pressure_minutes_max: int | None
    items: tuple[Item, ...]
    rule_ids: tuple[str, ...]
    source_references: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MonitoringSchedule:
    """Lab checks (B12 and homocysteine) by date, the homocysteine target, early checks and, in
    pregnancy, the review one month after the start (D-PREGNANCY)."""

    lab_check_dates: tuple[datetime.date, ...]
    homocysteine_target_below_umol_per_l: int
    items: tuple[Item, ...]
    rule_ids: tuple[str, ...]
    source_references: tuple[str, ...]
    pregnancy_review_date: datetime.date | None


@dataclass(frozen=True, slots=True)
class RegimenPlan:
    """A plan for home administration or for administration under clinical supervision."""

    setting: PlanSetting
    loading: LoadingPhase
    maintenance: MaintenancePhase
    guidance: AdministrationGuidance
    monitoring: MonitoringSchedule
    warnings: tuple[Finding, ...]
    interval_rules: tuple[IntervalRule, ...]
    rule_set_version: str


@dataclass(frozen=True, slots=True)
class ReferralReason:
    """One reason for a referral, with its own sentence (D-WORDING) and citations."""

    reason: ReferReason
    text: str
    rule_ids: tuple[str, ...]
    source_references: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Referral:
    """REFER: no plan, the reasons in D-OUTCOME order, the D-OUTCOME warnings only (in their
    referral wording), and what to do (``text``: same-day specialist care when urgent)."""

    reasons: tuple[ReferReason, ...]
    urgent: bool
    warnings: tuple[Finding, ...]
    rule_ids: tuple[str, ...]
    rule_set_version: str
    reason_details: tuple[ReferralReason, ...]
    text: str


@dataclass(frozen=True, slots=True)
class RegimenCheck:
    """The findings of a regimen check (D-CHECK); never a REFER."""

    findings: tuple[Finding, ...]
    refer_reasons: tuple[ReferReason, ...]
    rule_set_version: str


@dataclass(frozen=True, slots=True)
class CourseSchedule:
    """The forward schedule of a course, from its next dose through the horizon
    (D-COURSE-SCHEDULE): remaining loading doses or alternate-day neurological loading, the
    maintenance dates chained by the interval in force, a review not yet passed, and lab checks."""

    loading_dates: tuple[datetime.date, ...]
    loading_open_ended: bool
    review_date: datetime.date | None
    maintenance_dates: tuple[datetime.date, ...]
    lab_check_dates: tuple[datetime.date, ...]
    horizon_date: datetime.date
    rule_ids: tuple[str, ...]
    source_references: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CourseAssessment:
    """The state of a course in progress (D-COURSE); never a REFER, never an end to therapy.

    ``outcome`` is REVIEW exactly when ``clinician_review_required`` (D-COURSE-OUTCOME).
    ``suggested_next_due_date`` is given exactly with ``suggested_interval_months``
    (D-RECURRENCE).
    """

    outcome: CourseOutcome
    phase: CoursePhase
    due_interval_months: int
    overdue_after_months: int
    interval_rules: tuple[IntervalRule, ...]
    next_due_date: datetime.date
    days_overdue: int
    labs_due_date: datetime.date
    stabilised: bool
    clinician_review_required: bool
    suggested_interval_months: int | None
    findings: tuple[Finding, ...]
    rule_set_version: str
    schedule: CourseSchedule
    suggested_next_due_date: datetime.date | None


@dataclass(frozen=True, slots=True)
class RuleDescription:
    """One R-, D- or INV- ID with its text and source reference numbers."""

    rule_id: str
    text: str
    source_references: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The rule set: its version and every ID, in catalogue order."""

    version: str
    rules: tuple[RuleDescription, ...]


PlanOutcome = InvalidInput | Referral | RegimenPlan
CheckOutcome = InvalidInput | RegimenCheck
CourseOutcomeResult = InvalidInput | CourseAssessment
