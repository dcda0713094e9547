"""Reading a valid patient profile: the clinical facts every operation shares.

``read_profile`` turns a validated profile into ``ProfileReading``: how deficiency is treated
(D-DEFICIENCY, D-PROPHYLAXIS), the REFER reasons, their sentences and urgency (D-OUTCOME,
D-CONTRA, D-PLT-SEVERE-REFER), the platelet band (D-PLT), renal impairment (D-RENAL), the
interval rules that hold (D-INTERVAL, D-EXTENDED), and the warnings that follow from them. Plans,
regimen checks and course assessments all start from it, so no rule is written twice. A regimen
check reads the profile with its judged formulation (D-CHECK-FORMULATION).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import operator
from collections.abc import Callable
from typing import Final, NamedTuple

from kernel.constants import (
    CROHN_INVOLVEMENT_MONTHLY_FROM_CM,
    HYDROXOCOBALAMIN_NEURO_OVERDUE_AFTER_MONTHS,
    ILEAL_RESECTION_MONTHLY_FROM_CM,
    INTERVAL_MONTHS,
    MIN_AGE_YEARS,
    PLATELETS_SEVERE_BELOW_10E9_PER_L,
    PLATELETS_STANDARD_ABOVE_10E9_PER_L,
    PLATELETS_TRANSFUSION_BELOW_10E9_PER_L,
    RENAL_EGFR_BELOW_ML_MIN_1_73M2,
)
from kernel.findings import (
    HYPERSENSITIVITY_CAUSE,
    LEBER_CAUSE,
    REASON_TEXT,
    as_referral,
    make_finding,
    merge_findings,
)
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
    ReferralReason,
    ReferReason,
    SiteRequest,
)
from kernel.rules import collect_source_references, order_rule_ids

REFER_RULES: Final[dict[ReferReason, tuple[str, ...]]] = {
    ReferReason.OUT_OF_SCOPE_AGE: ("D-SCOPE-AGE",),
    ReferReason.CONTRAINDICATED: ("D-CONTRA",),
    ReferReason.SPECIALIST_REGIMEN: ("D-CONTRA",),
    ReferReason.PLATELETS_BELOW_25_NO_NEURO: ("R-PLT-SEVERE", "D-PLT", "D-PLT-SEVERE-REFER"),
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


class ProfileReading(NamedTuple):
    """The facts of a valid profile that the rules read."""

    cyanocobalamin: bool
    neuro: bool
    treatment: Treatment
    refer_reasons: tuple[ReferReason, ...]
    refer_urgent: bool
    reason_details: tuple[ReferralReason, ...]
    supervised: bool
    platelet_band: PlateletBand
    renal: bool
    anticoagulant: bool
    ileal_rule: bool
    crohn_rule: bool
    extended_granted: bool
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
        or profile.ileal_resection_length_cm >= ILEAL_RESECTION_MONTHLY_FROM_CM
    )
    crohn = (
        profile.crohn_ileal_involvement
        and profile.crohn_ileal_involvement_length_cm is not None
        and profile.crohn_ileal_involvement_length_cm >= CROHN_INVOLVEMENT_MONTHLY_FROM_CM
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


# ---------------------------------------------------------------------------------------------
# The profile-class cache. Every reading of a profile depends on its numbers only through the
# rules' comparisons with their thresholds, so profiles that compare alike share one reading,
# computed once. The key is derived from the fields of PatientProfile: every field that is not a
# number is part of the key as it is; every number is replaced by a representative of its class,
# and a number field without thresholds here fails at import, so a new field can never be left
# out of the key (which would make a rule silently never fire).
# ---------------------------------------------------------------------------------------------


def _classes(
    thresholds: tuple[float, ...], strict_above: float | None = None
) -> Callable[[object], object]:
    """Return the representative of a number's class: the least threshold at or below it (-1
    below them all), or a number just above ``strict_above`` for values strictly above it (the
    "> threshold" comparison)."""

    def representative(value: object) -> object:
        if value is None:
            return None
        assert isinstance(value, int | float)  # pragma: no mutate
        chosen = -1.0
        for threshold in thresholds:
            if value >= threshold:
                chosen = threshold
        if strict_above is not None and chosen == strict_above and value != strict_above:
            return chosen + 0.5
        return chosen

    return representative


# Platelets are read with "> 50", ">= 25" and "< 10"; eGFR with "< 60"; lengths with ">= 20" and
# ">= 30"; age with "< 16".
NUMBER_CLASSES: Final[dict[str, Callable[[object], object]]] = {
    "age_years": _classes((0, MIN_AGE_YEARS)),
    "platelets_10e9_per_l": _classes(
        (
            0,
            PLATELETS_TRANSFUSION_BELOW_10E9_PER_L,
            PLATELETS_SEVERE_BELOW_10E9_PER_L,
            PLATELETS_STANDARD_ABOVE_10E9_PER_L,
        ),
        strict_above=PLATELETS_STANDARD_ABOVE_10E9_PER_L,
    ),
    "egfr_ml_min_1_73m2": _classes((0, RENAL_EGFR_BELOW_ML_MIN_1_73M2)),
    "ileal_resection_length_cm": _classes((0, ILEAL_RESECTION_MONTHLY_FROM_CM)),
    "crohn_ileal_involvement_length_cm": _classes((0, CROHN_INVOLVEMENT_MONTHLY_FROM_CM)),
}


def _is_number_field(field: dataclasses.Field[object]) -> bool:
    annotation = str(field.type)
    return "int" in annotation.split(" | ") or "float" in annotation.split(" | ")


def _class_key_readers() -> tuple[tuple[str, Callable[[object], object] | None], ...]:
    readers: list[tuple[str, Callable[[object], object] | None]] = []
    for field in dataclasses.fields(PatientProfile):
        if _is_number_field(field):
            if field.name not in NUMBER_CLASSES:
                message = f"PatientProfile.{field.name} is a number with no classes in profile.py"
                raise TypeError(message)
            readers.append((field.name, NUMBER_CLASSES[field.name]))
        else:
            readers.append((field.name, None))
    unknown = set(NUMBER_CLASSES) - {name for name, _ in readers}
    if unknown:
        message = f"profile.py classes numbers PatientProfile does not have: {sorted(unknown)}"
        raise TypeError(message)
    return tuple(readers)


CLASS_KEY_READERS: Final = _class_key_readers()
# Every field at once (in C), then the few numbers replaced by their representatives.
_ALL_FIELDS: Final = operator.attrgetter(*(name for name, _ in CLASS_KEY_READERS))
_NUMBER_READERS: Final = tuple(
    (index, reader) for index, (_, reader) in enumerate(CLASS_KEY_READERS) if reader is not None
)


def profile_class_key(profile: PatientProfile) -> tuple[object, ...]:
    """Return the class of ``profile``: its fields in order, each number replaced by its class's
    representative."""
    values = list(_ALL_FIELDS(profile))
    for index, reader in _NUMBER_READERS:
        values[index] = reader(values[index])
    return tuple(values)


def read_profile(profile: PatientProfile, *, recurred: bool = False) -> ProfileReading:
    """Read a valid ``profile``. ``recurred`` is a course's RECURRED status, which counts as
    neurological involvement for D-PLT, D-NEURO-URGENT, D-INTERVAL and D-EXTENDED (D-COURSE).

    The reading depends on the profile's numbers only through the rules' thresholds, so it is
    computed once per class of profiles (``profile_class_key``) and shared.
    """
    return _read_profile_class(profile_class_key(profile), recurred=recurred)


@functools.cache
def _read_profile_class(key: tuple[object, ...], *, recurred: bool) -> ProfileReading:
    """Read the representative profile of a class (see ``read_profile``)."""
    values = dict(zip((name for name, _ in CLASS_KEY_READERS), key, strict=True))
    representative = PatientProfile(**values)  # type: ignore[arg-type]
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
    egfr = profile.egfr_ml_min_1_73m2
    renal = (
        profile.renal_impairment_reported
        or profile.diabetic_nephropathy
        or (egfr is not None and egfr < RENAL_EGFR_BELOW_ML_MIN_1_73M2)
    )
    hypersensitive = profile.hypersensitivity_cobalt_or_b12
    leber = profile.leber_disease_or_tobacco_amblyopia

    refer: list[ReferReason] = []
    if profile.age_years is not None and profile.age_years < MIN_AGE_YEARS:
        refer.append(ReferReason.OUT_OF_SCOPE_AGE)
    if hypersensitive or (leber and cyanocobalamin):
        refer.append(ReferReason.CONTRAINDICATED)
    if leber and not cyanocobalamin and not hypersensitive:
        refer.append(ReferReason.SPECIALIST_REGIMEN)
    if band is PlateletBand.SEVERE and not neuro:
        refer.append(ReferReason.PLATELETS_BELOW_25_NO_NEURO)
    if treatment is Treatment.NO_INDICATION:
        refer.append(ReferReason.NO_INDICATION)
    if treatment is Treatment.NOT_ESTABLISHED:
        refer.append(ReferReason.DEFICIENCY_NOT_ESTABLISHED)
    # D-OUTCOME: urgent with neurological involvement; D-PLT-SEVERE-REFER: platelets below 25;
    # D-CONTRA: Leber's disease or tobacco amblyopia (vision is at stake).
    urgent = profile_neuro or band is PlateletBand.SEVERE or leber

    intervals = _read_intervals(profile, treatment=treatment, neuro=neuro)
    safety = _safety_warnings(
        profile,
        profile_neuro=profile_neuro,
        neuro=neuro,
        treatment=treatment,
        band=band,
        renal=renal and cyanocobalamin,
        leber_alternative=leber and cyanocobalamin and not hypersensitive,
    )
    site_warnings = read_site_request(profile.site_request).warnings
    uncounted = tuple(
        w for w in intervals.warnings if w.code is Code.CROHN_LENGTH_UNKNOWN_NOT_COUNTED
    )
    return ProfileReading(
        cyanocobalamin=cyanocobalamin,
        neuro=neuro,
        treatment=treatment,
        refer_reasons=tuple(refer),
        refer_urgent=urgent,
        reason_details=tuple(
            _reason_detail(reason, hypersensitive=hypersensitive) for reason in refer
        ),
        supervised=band is PlateletBand.SEVERE and neuro,
        platelet_band=band,
        renal=renal,
        anticoagulant=bool(profile.anticoagulant_therapy),
        ileal_rule=intervals.ileal_rule,
        crohn_rule=intervals.crohn_rule,
        extended_granted=intervals.extended_granted,
        interval_rules=intervals.rules,
        due_interval_months=min(rule.due_interval_months for rule in intervals.rules),
        overdue_after_months=min(rule.overdue_after_months for rule in intervals.rules),
        safety_warnings=safety,
        interval_warnings=intervals.warnings,
        plan_warnings=merge_findings([*safety, *intervals.warnings, *site_warnings]),
        refer_warnings=merge_findings([as_referral(w) for w in (*safety, *uncounted)]),
    )


def _reason_detail(reason: ReferReason, *, hypersensitive: bool) -> ReferralReason:
    """D-WORDING: the reason's own sentence, with its citations."""
    cause = HYPERSENSITIVITY_CAUSE if hypersensitive else LEBER_CAUSE
    rule_ids = order_rule_ids(("D-OUTCOME", *REFER_RULES[reason]))
    return ReferralReason(
        reason=reason,
        text=REASON_TEXT[reason].format(reason=cause),
        rule_ids=rule_ids,
        source_references=collect_source_references(rule_ids),
    )


def _safety_warnings(  # noqa: C901, PLR0913 - one branch per D-OUTCOME warning, in order
    profile: PatientProfile,
    *,
    profile_neuro: bool,
    neuro: bool,
    treatment: Treatment,
    band: PlateletBand,
    renal: bool,
    leber_alternative: bool,
) -> tuple[Finding, ...]:
    """Return the D-OUTCOME warnings (D-DEFICIENCY, D-NEURO-UNKNOWN, D-NEURO-URGENT, D-RENAL,
    D-FOLATE, D-PLT, D-PLT-SEVERE-REFER, D-CONTRA, D-PREGNANCY, D-ANTICOAGULANT) whose condition
    holds. Every output built from valid input carries them."""
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
    found.extend(_platelet_warnings(profile.platelets_10e9_per_l, band=band, neuro=neuro))
    if leber_alternative:
        found.append(make_finding(Code.LEBER_HYDROXOCOBALAMIN_ALTERNATIVE, ("D-CONTRA",)))
    if profile.pregnant:
        found.append(make_finding(Code.PREGNANCY_REVIEW, ("D-PREGNANCY",)))
    if profile.anticoagulant_therapy:
        found.append(
            make_finding(Code.ANTICOAGULANT_PRECAUTIONS, ("R-PLT-PRECAUTION", "D-ANTICOAGULANT"))
        )
    return tuple(found)


def _platelet_warnings(
    platelets: float | None, *, band: PlateletBand, neuro: bool
) -> list[Finding]:
    """D-PLT and D-PLT-SEVERE-REFER."""
    if band is PlateletBand.NOT_GIVEN:
        return [make_finding(Code.PLATELETS_NOT_ASSESSED, ("R-PLT-PRECAUTION", "D-PLT"))]
    if band is PlateletBand.PRECAUTION:
        return [make_finding(Code.THROMBOCYTOPENIA_PRECAUTIONS, ("R-PLT-PRECAUTION", "D-PLT"))]
    if band is not PlateletBand.SEVERE:
        return []
    transfusion = platelets is not None and platelets < PLATELETS_TRANSFUSION_BELOW_10E9_PER_L
    if neuro:
        found = [
            make_finding(
                Code.THROMBOCYTOPENIA_PRECAUTIONS, ("R-PLT-PRECAUTION", "R-PLT-SEVERE", "D-PLT")
            ),
            make_finding(Code.TREAT_WITHOUT_DELAY, ("R-PLT-SEVERE", "D-PLT")),
        ]
        if transfusion:
            found.append(
                make_finding(Code.PLATELET_TRANSFUSION_CONSIDER, ("R-PLT-SEVERE", "D-PLT"))
            )
        return found
    found = [make_finding(Code.PLATELETS_SEVERE_SAME_DAY_ADVICE, ("D-PLT", "D-PLT-SEVERE-REFER"))]
    if transfusion:
        found.append(
            make_finding(Code.PLATELET_TRANSFUSION_CONSIDER, ("R-PLT-SEVERE", "D-PLT-SEVERE-REFER"))
        )
    return found


class _Intervals(NamedTuple):
    ileal_rule: bool
    crohn_rule: bool
    extended_granted: bool
    rules: tuple[IntervalRule, ...]
    warnings: tuple[Finding, ...]


def _read_intervals(profile: PatientProfile, *, treatment: Treatment, neuro: bool) -> _Intervals:
    """D-INTERVAL, D-EXTENDED and D-CROHN-UNKNOWN: the interval rules whose condition holds, with
    winners, and their warnings."""
    warnings: list[Finding] = []
    # (rule ID, due months, overdue-after months, extra citations), in D-INTERVAL order.
    holding: list[tuple[str, int, int, tuple[str, ...]]] = []

    resection = profile.ileal_resection_length_cm
    ileal_rule = profile.ileal_resection and (
        resection is None or resection >= ILEAL_RESECTION_MONTHLY_FROM_CM
    )
    if ileal_rule:
        holding.append(("R-POP-ILEAL", *INTERVAL_MONTHS["R-POP-ILEAL"], ("D-INTERVAL",)))
        if resection is None:
            warnings.append(
                make_finding(Code.RESECTION_LENGTH_UNKNOWN, ("R-POP-ILEAL", "D-INTERVAL"))
            )

    crohn_length = profile.crohn_ileal_involvement_length_cm
    crohn_unknown = profile.crohn_ileal_involvement and crohn_length is None
    crohn_unknown_counts = crohn_unknown and treatment is Treatment.DEFICIENCY
    crohn_rule = crohn_unknown_counts or (
        profile.crohn_ileal_involvement
        and crohn_length is not None
        and crohn_length >= CROHN_INVOLVEMENT_MONTHLY_FROM_CM
    )
    if crohn_rule:
        holding.append(("R-POP-CROHN", *INTERVAL_MONTHS["R-POP-CROHN"], ("D-INTERVAL",)))
        warnings.append(
            make_finding(Code.CROHN_PROPHYLAXIS_EVIDENCE_WEAK, ("R-POP-CROHN", "D-INTERVAL"))
        )
        if crohn_unknown_counts:
            warnings.append(make_finding(Code.CROHN_LENGTH_UNKNOWN, ("R-POP-CROHN", "D-INTERVAL")))
    elif crohn_unknown:
        warnings.append(
            make_finding(
                Code.CROHN_LENGTH_UNKNOWN_NOT_COUNTED,
                ("R-POP-CROHN", "D-INTERVAL", "D-PROPHYLAXIS", "D-CROHN-UNKNOWN"),
            )
        )

    extended = _read_extended(profile, ileal_rule=ileal_rule, crohn_rule=crohn_rule, neuro=neuro)
    if profile.formulation is Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML:
        if extended.granted:
            holding.append(
                (
                    "R-MAINT-EXTENDED",
                    *INTERVAL_MONTHS["R-MAINT-EXTENDED"],
                    ("D-INTERVAL", "D-EXTENDED"),
                )
            )
        else:
            holding.append(("R-MAINT-CYANO", *INTERVAL_MONTHS["R-MAINT-CYANO"], ("D-INTERVAL",)))
    else:
        due, overdue = INTERVAL_MONTHS["R-MAINT-HYDROXO"]
        if neuro:
            overdue = HYDROXOCOBALAMIN_NEURO_OVERDUE_AFTER_MONTHS
        holding.append(("R-MAINT-HYDROXO", due, overdue, ("D-INTERVAL",)))
    warnings.extend(extended.warnings)

    procedure = profile.bariatric_procedure
    if not (procedure is None or procedure is BariatricProcedure.NONE):
        holding.append(("R-POP-BARIATRIC", *INTERVAL_MONTHS["R-POP-BARIATRIC"], ("D-INTERVAL",)))

    shortest = min(rule[1] for rule in holding)
    rules = tuple(
        IntervalRule(
            rule_id=rule_id,
            due_interval_months=rule_due,
            overdue_after_months=overdue_after,
            winner=rule_due == shortest,
            rule_ids=(rule_id, *extra),
        )
        for rule_id, rule_due, overdue_after, extra in holding
    )
    return _Intervals(
        ileal_rule=bool(ileal_rule),
        crohn_rule=bool(crohn_rule),
        extended_granted=extended.granted,
        rules=rules,
        warnings=tuple(warnings),
    )


class _ExtendedAnswer(NamedTuple):
    """Whether D-EXTENDED grants the request (only a granted request changes the interval), and
    the warning or finding of the answer (granted, refused naming the reason, not applicable)."""

    granted: bool
    warnings: tuple[Finding, ...]


def _read_extended(
    profile: PatientProfile, *, ileal_rule: bool, crohn_rule: bool, neuro: bool
) -> _ExtendedAnswer:
    """D-EXTENDED: grant, refuse (naming the reason) or note as not applicable."""
    if profile.maintenance_preference is not MaintenancePreference.EXTENDED:
        return _ExtendedAnswer(granted=False, warnings=())
    if profile.formulation is not Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML:
        return _ExtendedAnswer(
            granted=False,
            warnings=(
                make_finding(Code.EXTENDED_NOT_APPLICABLE, ("R-MAINT-HYDROXO", "D-EXTENDED")),
            ),
        )
    reasons: list[str] = []
    rule_ids = ["R-MAINT-CYANO", "D-EXTENDED"]
    # The ileal and Crohn's rules hold from their inclusive thresholds (D-INTERVAL), which every
    # element citing them cites beside them.
    if ileal_rule:
        reasons.append("ileal resection requires monthly injections")
        rule_ids.extend(("R-POP-ILEAL", "D-INTERVAL"))
    if crohn_rule:
        reasons.append("Crohn's ileal involvement requires monthly injections")
        rule_ids.extend(("R-POP-CROHN", "D-INTERVAL"))
    if neuro:
        reasons.append("neurological involvement")
        rule_ids.append("R-LOAD-NEURO")
    if reasons:
        return _ExtendedAnswer(
            granted=False,
            warnings=(
                make_finding(
                    Code.EXTENDED_NOT_AVAILABLE, tuple(rule_ids), reason="; ".join(reasons)
                ),
            ),
        )
    return _ExtendedAnswer(
        granted=True,
        warnings=(
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


_DEFAULT_SITES: Final = (InjectionSite.DELTOID, InjectionSite.VASTUS_LATERALIS)


@functools.cache
def read_site_request(request: SiteRequest | None) -> SiteReading:
    """D-SITE: the defaults, the one preferred site requested, the upper outer gluteal or the
    ventrogluteal site before the defaults, or the defaults in place of another buttock
    request."""
    base = ("R-SITE-PREFERRED", "D-SITE")
    if request is SiteRequest.DELTOID:
        return SiteReading((InjectionSite.DELTOID,), (), base)
    if request is SiteRequest.VASTUS_LATERALIS:
        return SiteReading((InjectionSite.VASTUS_LATERALIS,), (), base)
    if request is SiteRequest.VENTROGLUTEAL:
        return SiteReading(
            (InjectionSite.VENTROGLUTEAL, *_DEFAULT_SITES),
            (make_finding(Code.SITE_VENTROGLUTEAL_TRAINED, ("D-SITE",)),),
            base,
        )
    buttock = (*base, "R-SITE-BUTTOCK")
    if request is SiteRequest.GLUTEAL_UPPER_OUTER:
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
