"""Reading a valid patient profile: the clinical facts every operation shares.

``read_profile`` turns a validated profile into ``ProfileReading``: how deficiency is treated
(D-DEFICIENCY, D-PROPHYLAXIS), the REFER reasons (D-OUTCOME), the platelet band (D-PLT), renal
impairment (D-RENAL), the interval rules that hold (D-INTERVAL, D-EXTENDED), and the warnings
that follow from them. Plans, regimen checks and course assessments all start from it, so no
rule is written twice.
"""

from __future__ import annotations

import enum
import functools
from typing import Final, NamedTuple

from kernel.findings import make_finding, merge_findings
from kernel.model import (
    BariatricProcedure,
    Code,
    DeficiencyStatus,
    Finding,
    Formulation,
    InjectionSite,
    IntervalRule,
    MaintenancePreference,
    NeurologicalInvolvement,
    PatientProfile,
    ReferReason,
    SiteRequest,
)

MIN_AGE_YEARS = 16
ILEAL_THRESHOLD_CM = 20
CROHN_THRESHOLD_CM = 30
RENAL_EGFR_BELOW_ML_MIN_1_73M2 = 60
PLATELETS_STANDARD_ABOVE_10E9_PER_L = 50
PLATELETS_SEVERE_BELOW_10E9_PER_L = 25
PLATELETS_TRANSFUSION_BELOW_10E9_PER_L = 10


REFER_RULES: dict[ReferReason, tuple[str, ...]] = {
    ReferReason.OUT_OF_SCOPE_AGE: ("D-SCOPE-AGE",),
    ReferReason.CONTRAINDICATED: ("D-CONTRA",),
    ReferReason.PLATELETS_BELOW_25_NO_NEURO: ("R-PLT-SEVERE", "D-PLT"),
    ReferReason.NO_INDICATION: ("D-PROPHYLAXIS",),
    ReferReason.DEFICIENCY_NOT_ESTABLISHED: ("D-DEFICIENCY",),
    ReferReason.NOT_COVERED: ("D-OUTCOME",),
}


class Treatment(enum.Enum):
    """How the profile's deficiency is treated after D-DEFICIENCY and D-PROPHYLAXIS."""

    DEFICIENCY = 1  # loading, then maintenance
    PROPHYLAXIS = 2  # maintenance from the start, no loading
    NO_INDICATION = 3  # REFER
    NOT_ESTABLISHED = 4  # REFER


class PlateletBand(enum.Enum):
    """The D-PLT band of the platelet count."""

    STANDARD = 1  # > 50
    PRECAUTION = 2  # 25-50
    SEVERE = 3  # < 25
    NOT_GIVEN = 4


class Extended(enum.Enum):
    """The answer to the maintenance preference (D-EXTENDED)."""

    NOT_REQUESTED = 1
    GRANTED = 2
    REFUSED = 3
    NOT_APPLICABLE = 4


class ProfileReading(NamedTuple):
    """The facts of a valid profile that the rules read."""

    cyanocobalamin: bool
    neuro: bool
    treatment: Treatment
    refer_reasons: tuple[ReferReason, ...]
    supervised: bool
    platelet_band: PlateletBand
    renal: bool
    ileal_rule: bool
    crohn_rule: bool
    interval_rules: tuple[IntervalRule, ...]
    due_interval_months: int
    overdue_after_months: int
    safety_warnings: tuple[Finding, ...]
    interval_warnings: tuple[Finding, ...]
    plan_warnings: tuple[Finding, ...]
    refer_warnings: tuple[Finding, ...]


def has_prophylactic_indication(profile: PatientProfile) -> bool:
    """D-PROPHYLAXIS: any bariatric procedure, ileal resection of 20 cm or more or of unknown
    length, or Crohn's ileal involvement of 30 cm or more (unknown length is not on its own an
    indication). Safe on unvalidated profiles."""
    procedure = profile.bariatric_procedure
    bariatric = not (
        procedure is None
        or procedure is BariatricProcedure.NONE
        or procedure is BariatricProcedure.UNSPECIFIED
    )
    resection = profile.ileal_resection and (
        profile.ileal_resection_length_cm is None
        or profile.ileal_resection_length_cm >= ILEAL_THRESHOLD_CM
    )
    crohn = (
        profile.crohn_ileal_involvement
        and profile.crohn_ileal_involvement_length_cm is not None
        and profile.crohn_ileal_involvement_length_cm >= CROHN_THRESHOLD_CM
    )
    return bool(bariatric or resection or crohn)


def is_prophylaxis_profile(profile: PatientProfile) -> bool:
    """D-PROPHYLAXIS: no deficiency (after D-DEFICIENCY) with a prophylactic indication. Safe on
    unvalidated profiles."""
    return (
        profile.neurological_involvement is NeurologicalInvolvement.ABSENT
        and profile.deficiency_status is DeficiencyStatus.NOT_PRESENT
        and has_prophylactic_indication(profile)
    )


def _read_treatment(profile: PatientProfile, *, profile_neuro: bool) -> Treatment:
    """D-DEFICIENCY (1)-(3), then D-PROPHYLAXIS."""
    status = profile.deficiency_status
    if status is DeficiencyStatus.CONFIRMED or profile_neuro:
        return Treatment.DEFICIENCY
    indication = has_prophylactic_indication(profile)
    if status is DeficiencyStatus.UNKNOWN:
        return Treatment.DEFICIENCY if indication else Treatment.NOT_ESTABLISHED
    return Treatment.PROPHYLAXIS if indication else Treatment.NO_INDICATION


def _read_platelet_band(platelets: float | None) -> PlateletBand:
    if platelets is None:
        return PlateletBand.NOT_GIVEN
    if platelets > PLATELETS_STANDARD_ABOVE_10E9_PER_L:
        return PlateletBand.STANDARD
    if platelets >= PLATELETS_SEVERE_BELOW_10E9_PER_L:
        return PlateletBand.PRECAUTION
    return PlateletBand.SEVERE


def _representative(value: float | None, thresholds: tuple[float, ...]) -> float | None:
    """Return the least threshold at or below ``value`` (or -1 below them all): a number that
    compares with every threshold exactly as ``value`` does, for ``>=``, ``<`` and ``>``
    comparisons where the thresholds include every boundary the rules read."""
    if value is None:
        return None
    chosen = -1.0
    for threshold in thresholds:
        if value >= threshold:
            chosen = threshold
    if chosen != value and chosen in _STRICT_ABOVE:
        return chosen + 0.5  # strictly above a "> threshold" boundary, still in its class
    return chosen


# Platelets are read with "> 50", ">= 25" and "< 10"; eGFR with "< 60"; lengths with ">= 20" and
# ">= 30"; age with "< 16". Every reading of a profile depends on its numbers only through these
# comparisons, so profiles in the same class share one reading, computed once.
_PLATELET_THRESHOLDS = (0.0, 10.0, 25.0, 50.0)
_EGFR_THRESHOLDS = (0.0, float(RENAL_EGFR_BELOW_ML_MIN_1_73M2))
_ILEAL_THRESHOLDS = (0.0, float(ILEAL_THRESHOLD_CM))
_CROHN_THRESHOLDS = (0.0, float(CROHN_THRESHOLD_CM))
_STRICT_ABOVE = frozenset({50.0})


def read_profile(profile: PatientProfile, *, recurred: bool = False) -> ProfileReading:
    """Read a valid ``profile``. ``recurred`` is a course's RECURRED status, which counts as
    neurological involvement for D-PLT, D-NEURO-URGENT, D-INTERVAL and D-EXTENDED (D-COURSE).

    The reading depends on the profile's numbers only through the rules' thresholds, so it is
    computed once per equivalence class of profiles (the same classes the exhaustive check
    enumerates) and shared.
    """
    age = profile.age_years
    key = (
        profile.formulation,
        None if age is None else (0 if age < MIN_AGE_YEARS else MIN_AGE_YEARS),
        profile.deficiency_status,
        profile.neurological_involvement,
        _representative(profile.platelets_10e9_per_l, _PLATELET_THRESHOLDS),
        _representative(profile.egfr_ml_min_1_73m2, _EGFR_THRESHOLDS),
        profile.renal_impairment_reported,
        profile.diabetic_nephropathy,
        profile.folic_acid_started_before_b12,
        profile.hypersensitivity_cobalt_or_b12,
        profile.leber_disease_or_tobacco_amblyopia,
        profile.ileal_resection,
        _representative(profile.ileal_resection_length_cm, _ILEAL_THRESHOLDS),
        profile.crohn_ileal_involvement,
        _representative(profile.crohn_ileal_involvement_length_cm, _CROHN_THRESHOLDS),
        profile.bariatric_procedure,
        profile.maintenance_preference,
        profile.site_request,
    )
    return _read_profile_class(key, recurred=recurred)


_PROFILE_CLASS_FIELDS: Final = (
    "formulation",
    "age_years",
    "deficiency_status",
    "neurological_involvement",
    "platelets_10e9_per_l",
    "egfr_ml_min_1_73m2",
    "renal_impairment_reported",
    "diabetic_nephropathy",
    "folic_acid_started_before_b12",
    "hypersensitivity_cobalt_or_b12",
    "leber_disease_or_tobacco_amblyopia",
    "ileal_resection",
    "ileal_resection_length_cm",
    "crohn_ileal_involvement",
    "crohn_ileal_involvement_length_cm",
    "bariatric_procedure",
    "maintenance_preference",
    "site_request",
)


@functools.cache
def _read_profile_class(key: tuple[object, ...], *, recurred: bool) -> ProfileReading:
    """Read the representative profile of a class (see ``read_profile``)."""
    representative = PatientProfile(**dict(zip(_PROFILE_CLASS_FIELDS, key, strict=True)))  # type: ignore[arg-type]
    return _read_profile_representative(representative, recurred=recurred)


def _read_profile_representative(profile: PatientProfile, *, recurred: bool) -> ProfileReading:
    """Read one profile, uncached."""
    involvement = profile.neurological_involvement
    profile_neuro = (
        involvement is NeurologicalInvolvement.PRESENT
        or involvement is NeurologicalInvolvement.UNKNOWN
    )
    neuro = profile_neuro or recurred
    cyanocobalamin = profile.formulation is Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML
    treatment = _read_treatment(profile, profile_neuro=profile_neuro)
    band = _read_platelet_band(profile.platelets_10e9_per_l)
    renal = (
        profile.renal_impairment_reported
        or profile.diabetic_nephropathy
        or (
            profile.egfr_ml_min_1_73m2 is not None
            and profile.egfr_ml_min_1_73m2 < RENAL_EGFR_BELOW_ML_MIN_1_73M2
        )
    )

    refer: list[ReferReason] = []
    if profile.age_years is not None and profile.age_years < MIN_AGE_YEARS:
        refer.append(ReferReason.OUT_OF_SCOPE_AGE)
    if profile.hypersensitivity_cobalt_or_b12 or profile.leber_disease_or_tobacco_amblyopia:
        refer.append(ReferReason.CONTRAINDICATED)
    if band is PlateletBand.SEVERE and not neuro:
        refer.append(ReferReason.PLATELETS_BELOW_25_NO_NEURO)
    if treatment is Treatment.NO_INDICATION:
        refer.append(ReferReason.NO_INDICATION)
    if treatment is Treatment.NOT_ESTABLISHED:
        refer.append(ReferReason.DEFICIENCY_NOT_ESTABLISHED)

    intervals = _read_intervals(profile, treatment=treatment, neuro=neuro)
    safety = _safety_warnings(
        profile,
        profile_neuro=profile_neuro,
        neuro=neuro,
        treatment=treatment,
        band=band,
        renal=renal and cyanocobalamin,
    )
    site_warnings = read_site_request(profile.site_request).warnings
    return ProfileReading(
        cyanocobalamin=cyanocobalamin,
        neuro=neuro,
        treatment=treatment,
        refer_reasons=tuple(refer),
        supervised=band is PlateletBand.SEVERE and neuro,
        platelet_band=band,
        renal=renal,
        ileal_rule=intervals.ileal_rule,
        crohn_rule=intervals.crohn_rule,
        interval_rules=intervals.rules,
        due_interval_months=min(rule.due_interval_months for rule in intervals.rules),
        overdue_after_months=min(rule.overdue_after_months for rule in intervals.rules),
        safety_warnings=safety,
        interval_warnings=intervals.warnings,
        plan_warnings=merge_findings([*safety, *intervals.warnings, *site_warnings]),
        refer_warnings=merge_findings(list(safety)),
    )


def _safety_warnings(  # noqa: C901, PLR0913 - one branch per D-OUTCOME warning, in order
    profile: PatientProfile,
    *,
    profile_neuro: bool,
    neuro: bool,
    treatment: Treatment,
    band: PlateletBand,
    renal: bool,
) -> tuple[Finding, ...]:
    """Return the D-OUTCOME warnings (D-DEFICIENCY, D-NEURO-UNKNOWN, D-NEURO-URGENT, D-RENAL,
    D-FOLATE,
    D-PLT) whose condition holds. Every output built from valid input carries them."""
    found: list[Finding] = []
    status = profile.deficiency_status
    if profile_neuro and status is not DeficiencyStatus.CONFIRMED:
        found.append(
            make_finding(Code.NEURO_WITHOUT_CONFIRMED_DEFICIENCY, ("D-DEFICIENCY", "R-LOAD-NEURO"))
        )
    elif status is DeficiencyStatus.UNKNOWN and treatment is Treatment.DEFICIENCY:
        found.append(make_finding(Code.DEFICIENCY_UNCONFIRMED, ("D-DEFICIENCY", "D-PROPHYLAXIS")))
    if profile.neurological_involvement is NeurologicalInvolvement.UNKNOWN:
        found.append(make_finding(Code.NEURO_STATUS_UNCERTAIN, ("D-NEURO-UNKNOWN",)))
    if neuro:
        found.append(
            make_finding(
                Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE, ("D-NEURO-URGENT", "R-LOAD-NEURO")
            )
        )
    if renal:
        found.append(make_finding(Code.RENAL_PREFER_HYDROXOCOBALAMIN, ("R-RENAL", "D-RENAL")))
        if profile.diabetic_nephropathy:
            found.append(make_finding(Code.RENAL_CARDIOVASCULAR_SIGNAL, ("R-RENAL", "D-RENAL")))
    if profile.folic_acid_started_before_b12:
        found.append(make_finding(Code.FOLATE_BEFORE_B12, ("R-FOLATE", "D-FOLATE")))
    if band is PlateletBand.NOT_GIVEN:
        found.append(make_finding(Code.PLATELETS_NOT_ASSESSED, ("R-PLT-PRECAUTION", "D-PLT")))
    elif band is PlateletBand.PRECAUTION:
        found.append(make_finding(Code.THROMBOCYTOPENIA_PRECAUTIONS, ("R-PLT-PRECAUTION", "D-PLT")))
    elif band is PlateletBand.SEVERE and neuro:
        found.append(
            make_finding(
                Code.THROMBOCYTOPENIA_PRECAUTIONS, ("R-PLT-PRECAUTION", "R-PLT-SEVERE", "D-PLT")
            )
        )
        found.append(make_finding(Code.TREAT_WITHOUT_DELAY, ("R-PLT-SEVERE", "D-PLT")))
        platelets = profile.platelets_10e9_per_l
        if platelets is not None and platelets < PLATELETS_TRANSFUSION_BELOW_10E9_PER_L:
            found.append(
                make_finding(Code.PLATELET_TRANSFUSION_CONSIDER, ("R-PLT-SEVERE", "D-PLT"))
            )
    return tuple(found)


class _Intervals(NamedTuple):
    ileal_rule: bool
    crohn_rule: bool
    extended: Extended
    rules: tuple[IntervalRule, ...]
    warnings: tuple[Finding, ...]


def _read_intervals(profile: PatientProfile, *, treatment: Treatment, neuro: bool) -> _Intervals:
    """D-INTERVAL and D-EXTENDED: the interval rules whose condition holds, with winners."""
    warnings: list[Finding] = []
    # (rule ID, due months, overdue-after months, extra citations), in D-INTERVAL order.
    holding: list[tuple[str, int, int, tuple[str, ...]]] = []

    resection = profile.ileal_resection_length_cm
    ileal_rule = profile.ileal_resection and (resection is None or resection >= ILEAL_THRESHOLD_CM)
    if ileal_rule:
        holding.append(("R-POP-ILEAL", 1, 1, ("D-INTERVAL",)))
        if resection is None:
            warnings.append(
                make_finding(Code.RESECTION_LENGTH_UNKNOWN, ("R-POP-ILEAL", "D-INTERVAL"))
            )

    crohn_length = profile.crohn_ileal_involvement_length_cm
    crohn_unknown_counts = (
        profile.crohn_ileal_involvement
        and crohn_length is None
        and treatment is Treatment.DEFICIENCY
    )
    crohn_rule = crohn_unknown_counts or (
        profile.crohn_ileal_involvement
        and crohn_length is not None
        and crohn_length >= CROHN_THRESHOLD_CM
    )
    if crohn_rule:
        holding.append(("R-POP-CROHN", 1, 1, ("D-INTERVAL",)))
        warnings.append(
            make_finding(Code.CROHN_PROPHYLAXIS_EVIDENCE_WEAK, ("R-POP-CROHN", "D-INTERVAL"))
        )
        if crohn_unknown_counts:
            warnings.append(make_finding(Code.CROHN_LENGTH_UNKNOWN, ("R-POP-CROHN", "D-INTERVAL")))

    extended = _read_extended(profile, ileal_rule=ileal_rule, crohn_rule=crohn_rule, neuro=neuro)
    if profile.formulation is Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML:
        if extended.answer is Extended.GRANTED:
            holding.append(("R-MAINT-EXTENDED", 2, 3, ("D-INTERVAL", "D-EXTENDED")))
        else:
            holding.append(("R-MAINT-CYANO", 1, 1, ("D-INTERVAL",)))
    else:
        overdue = 2 if neuro else 3
        holding.append(("R-MAINT-HYDROXO", 2, overdue, ("D-INTERVAL",)))
    warnings.extend(extended.warnings)

    procedure = profile.bariatric_procedure
    if not (procedure is None or procedure is BariatricProcedure.NONE):
        holding.append(("R-POP-BARIATRIC", 3, 3, ("D-INTERVAL",)))

    due = min(rule[1] for rule in holding)
    rules = tuple(
        IntervalRule(
            rule_id=rule_id,
            due_interval_months=rule_due,
            overdue_after_months=overdue_after,
            winner=rule_due == due,
            rule_ids=(rule_id, *extra),
        )
        for rule_id, rule_due, overdue_after, extra in holding
    )
    return _Intervals(
        ileal_rule=bool(ileal_rule),
        crohn_rule=bool(crohn_rule),
        extended=extended.answer,
        rules=rules,
        warnings=tuple(warnings),
    )


class _ExtendedAnswer(NamedTuple):
    answer: Extended
    warnings: tuple[Finding, ...]


def _read_extended(
    profile: PatientProfile, *, ileal_rule: bool, crohn_rule: bool, neuro: bool
) -> _ExtendedAnswer:
    """D-EXTENDED: grant, refuse (naming the reason) or note as not applicable."""
    if profile.maintenance_preference is not MaintenancePreference.EXTENDED:
        return _ExtendedAnswer(Extended.NOT_REQUESTED, ())
    if profile.formulation is not Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML:
        return _ExtendedAnswer(
            Extended.NOT_APPLICABLE,
            (make_finding(Code.EXTENDED_NOT_APPLICABLE, ("R-MAINT-HYDROXO", "D-EXTENDED")),),
        )
    reasons: list[str] = []
    rule_ids = ["R-MAINT-CYANO", "D-EXTENDED"]
    if ileal_rule:
        reasons.append("ileal resection requires monthly injections")
        rule_ids.append("R-POP-ILEAL")
    if crohn_rule:
        reasons.append("Crohn's ileal involvement requires monthly injections")
        rule_ids.append("R-POP-CROHN")
    if neuro:
        reasons.append("neurological involvement")
        rule_ids.append("R-LOAD-NEURO")
    if reasons:
        return _ExtendedAnswer(
            Extended.REFUSED,
            (
                make_finding(
                    Code.EXTENDED_NOT_AVAILABLE, tuple(rule_ids), reason="; ".join(reasons)
                ),
            ),
        )
    return _ExtendedAnswer(
        Extended.GRANTED,
        (
            make_finding(
                Code.MONTHLY_MORE_EFFECTIVE,
                ("R-MAINT-EXTENDED", "R-MONTHLY-BETTER", "D-EXTENDED"),
            ),
        ),
    )


class SiteReading(NamedTuple):
    """The sites, warnings and citations for a site request (D-SITE)."""

    sites: tuple[InjectionSite, ...]
    warnings: tuple[Finding, ...]
    rule_ids: tuple[str, ...]


_DEFAULT_SITES = (InjectionSite.DELTOID, InjectionSite.VASTUS_LATERALIS)


@functools.cache
def read_site_request(request: SiteRequest | None) -> SiteReading:
    """D-SITE: the defaults, the one preferred site requested, the upper outer gluteal with the
    defaults, or the defaults in place of another buttock request."""
    base = ("R-SITE-PREFERRED", "D-SITE")
    if request is SiteRequest.DELTOID:
        return SiteReading((InjectionSite.DELTOID,), (), base)
    if request is SiteRequest.VASTUS_LATERALIS:
        return SiteReading((InjectionSite.VASTUS_LATERALIS,), (), base)
    buttock = (*base, "R-SITE-BUTTOCK")
    if request is SiteRequest.GLUTEAL_UPPER_OUTER or request is SiteRequest.VENTROGLUTEAL:
        return SiteReading(
            (InjectionSite.GLUTEAL_UPPER_OUTER_QUADRANT, *_DEFAULT_SITES),
            (make_finding(Code.SITE_BUTTOCK_UPPER_OUTER_NEEDLE_ANTERIOR, buttock),),
            buttock,
        )
    if request is SiteRequest.GLUTEAL:
        return SiteReading(
            _DEFAULT_SITES,
            (make_finding(Code.SITE_BUTTOCK_REPLACED, buttock),),
            buttock,
        )
    return SiteReading(_DEFAULT_SITES, (), base)
