"""What the decisions derive from a valid profile: the clinical facts every operation reads.

D-DEFICIENCY, D-PROPHYLAXIS, D-OUTCOME (reasons and urgency, with D-CONTRA replaced and
D-PLT-SEVERE-REFER), D-NEURO-UNKNOWN, D-NEURO-URGENT, D-PLT, D-ANTICOAGULANT, D-PREGNANCY,
D-FOLATE, D-RENAL, D-EXTENDED, D-INTERVAL, D-CROHN-UNKNOWN and D-SITE.
"""

from __future__ import annotations

from dataclasses import dataclass

from kernel.model import (
    BariatricProcedure,
    Code,
    CourseNeurologicalStatus,
    DeficiencyStatus,
    Formulation,
    InjectionSite,
    MaintenancePreference,
    NeurologicalInvolvement,
    PatientProfile,
    ReferReason,
    SiteRequest,
)
from specs.verification.oracle.catalogue import (
    ADULT_AGE,
    CROHN_MONTHLY_FROM_CM,
    CYANO,
    DEFAULT_SITES,
    EGFR_RENAL_BELOW,
    PLT_SEVERE,
    PLT_STANDARD_ABOVE,
    PLT_TRANSFUSION,
    RESECTION_MONTHLY_FROM_CM,
)

#: One interval rule whose condition holds: (rule ID, due, overdue-after, winner).
IntervalRuleFact = tuple[str, int, int, bool]


@dataclass(frozen=True)
class Facts:
    """What the decisions derive from a valid profile (and a course's neurological status, and
    a check's judged formulation)."""

    formulation: Formulation | None  # the judged formulation (a check's proposed one if given)
    cyano: bool
    profile_neuro: bool  # PRESENT or UNKNOWN in the profile
    neuro: bool  # profile_neuro, or RECURRED in a course
    recurred: bool
    neuro_unknown: bool
    deficiency_given: DeficiencyStatus | None
    effective_confirmed: bool  # deficiency CONFIRMED after D-DEFICIENCY
    indication: bool  # a prophylactic indication (D-PROPHYLAXIS)
    prophylaxis: bool  # no deficiency, with an indication, no neurological involvement
    ileal: bool  # R-POP-ILEAL holds
    crohn: bool  # R-POP-CROHN holds
    crohn_unknown_counts: bool  # Crohn's of unknown length counted as 30 cm or more
    crohn_unknown_not_counted: bool  # D-CROHN-UNKNOWN
    bariatric: bool
    resection_cm: float | None
    crohn_cm: float | None
    extended_requested: bool
    extended_replaces: bool
    platelets: float | None
    renal: bool
    nephropathy: bool
    leber_clause: bool  # Leber's disease or tobacco amblyopia without hypersensitivity
    leber: bool  # Leber's disease or tobacco amblyopia reported
    pregnant: bool
    anticoagulant: bool
    refer_reasons: tuple[ReferReason, ...]
    urgent_refer: bool
    supervised: bool
    safety: frozenset[Code]
    population: frozenset[Code]  # plan/check/course-only codes: D-SITE excluded
    interval_rules: tuple[IntervalRuleFact, ...]
    due: int
    overdue: int

    @property
    def hydroxo_overdue(self) -> int:
        """R-MAINT-HYDROXO's overdue-after interval (D-INTERVAL)."""
        return 2 if self.neuro else 3

    @property
    def precautions(self) -> bool:
        """D-PLT and D-ANTICOAGULANT: a 25-27G needle and 5-10 minutes of pressure."""
        return self.platelets is None or self.platelets <= PLT_STANDARD_ABOVE or self.anticoagulant

    @property
    def winners(self) -> frozenset[str]:
        """The interval rules with the minimum due interval."""
        return frozenset(rule for rule, _, _, winner in self.interval_rules if winner)


def derive_facts(  # noqa: C901, PLR0912, PLR0915 - one step per decision, in the decisions' order
    profile: PatientProfile,
    course_status: CourseNeurologicalStatus | None = None,
    formulation: Formulation | None = None,
) -> Facts:
    """Derive the facts of a valid profile; ``formulation`` overrides the profile's (the
    proposed formulation of a regimen check, D-CHECK-FORMULATION)."""
    judged = formulation if formulation is not None else profile.formulation
    cyano = judged is CYANO
    neuro_status = profile.neurological_involvement
    profile_neuro = neuro_status in {
        NeurologicalInvolvement.PRESENT,
        NeurologicalInvolvement.UNKNOWN,
    }
    recurred = course_status is CourseNeurologicalStatus.RECURRED
    neuro = profile_neuro or recurred
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

    crohn_unknown = profile.crohn_ileal_involvement and crohn_length is None
    crohn_unknown_counts = crohn_unknown and effective_confirmed
    crohn = crohn_known or crohn_unknown_counts

    # D-OUTCOME reasons, in order (D-CONTRA replaced; D-PLT-SEVERE-REFER).
    platelets = profile.platelets_10e9_per_l
    hypersensitivity = profile.hypersensitivity_cobalt_or_b12
    leber = profile.leber_disease_or_tobacco_amblyopia
    leber_clause = leber and not hypersensitivity
    platelets_refer = platelets is not None and platelets < PLT_SEVERE and not neuro
    if profile.age_years is not None and profile.age_years < ADULT_AGE:
        refer.append(ReferReason.OUT_OF_SCOPE_AGE)
    if hypersensitivity or (leber and cyano):
        refer.append(ReferReason.CONTRAINDICATED)
    if leber_clause and not cyano:
        refer.append(ReferReason.SPECIALIST_REGIMEN)
    if platelets_refer:
        refer.append(ReferReason.PLATELETS_BELOW_25_NO_NEURO)
    if not effective_confirmed and not prophylaxis:
        if deficiency is DeficiencyStatus.NOT_PRESENT:
            refer.append(ReferReason.NO_INDICATION)
        else:
            refer.append(ReferReason.DEFICIENCY_NOT_ESTABLISHED)
    # Urgent: neurological involvement in the profile (D-OUTCOME), platelets < 25 without it
    # (D-PLT-SEVERE-REFER), and either Leber clause (D-CONTRA).
    # open: with hypersensitivity the Leber clause "adds neither SPECIALIST_REGIMEN nor
    # LEBER_HYDROXOCOBALAMIN_ALTERNATIVE"; urgency is not named among what it does not add, so
    # the literal reading keeps the Leber clause's "urgent".
    urgent_refer = profile_neuro or platelets_refer or leber

    # D-NEURO-UNKNOWN, D-NEURO-URGENT.
    neuro_unknown = neuro_status is NeurologicalInvolvement.UNKNOWN
    if neuro_unknown:
        safety.add(Code.NEURO_STATUS_UNCERTAIN)
    if neuro:
        safety.add(Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE)

    # D-PLT (reads the course's neurological involvement), D-PLT-SEVERE-REFER.
    supervised = platelets is not None and platelets < PLT_SEVERE and neuro
    if platelets is None:
        safety.add(Code.PLATELETS_NOT_ASSESSED)
    elif PLT_SEVERE <= platelets <= PLT_STANDARD_ABOVE or supervised:
        safety.add(Code.THROMBOCYTOPENIA_PRECAUTIONS)
    if supervised:
        safety.add(Code.TREAT_WITHOUT_DELAY)
    if platelets_refer:
        safety.add(Code.PLATELETS_SEVERE_SAME_DAY_ADVICE)
    if platelets is not None and platelets < PLT_TRANSFUSION:
        safety.add(Code.PLATELET_TRANSFUSION_CONSIDER)

    # D-CONTRA, D-PREGNANCY, D-ANTICOAGULANT, D-FOLATE, D-RENAL.
    if leber_clause and cyano:
        safety.add(Code.LEBER_HYDROXOCOBALAMIN_ALTERNATIVE)
    pregnant = profile.pregnant is True
    if pregnant:
        safety.add(Code.PREGNANCY_REVIEW)
    anticoagulant = profile.anticoagulant_therapy is True
    if anticoagulant:
        safety.add(Code.ANTICOAGULANT_PRECAUTIONS)
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

    # D-EXTENDED, D-INTERVAL, D-CROHN-UNKNOWN.
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
    crohn_unknown_not_counted = crohn_unknown and not crohn_unknown_counts
    if crohn_unknown_not_counted:
        population.add(Code.CROHN_LENGTH_UNKNOWN_NOT_COUNTED)

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

    return Facts(
        formulation=judged,
        cyano=cyano,
        profile_neuro=profile_neuro,
        neuro=neuro,
        recurred=recurred,
        neuro_unknown=neuro_unknown,
        deficiency_given=deficiency,
        effective_confirmed=effective_confirmed,
        indication=indication,
        prophylaxis=prophylaxis,
        ileal=ileal,
        crohn=crohn,
        crohn_unknown_counts=crohn_unknown_counts,
        crohn_unknown_not_counted=crohn_unknown_not_counted,
        bariatric=bariatric,
        resection_cm=resection if profile.ileal_resection else None,
        crohn_cm=crohn_length if profile.crohn_ileal_involvement else None,
        extended_requested=extended_requested,
        extended_replaces=extended_replaces,
        platelets=platelets,
        renal=renal,
        nephropathy=profile.diabetic_nephropathy,
        leber_clause=leber_clause,
        leber=leber,
        pregnant=pregnant,
        anticoagulant=anticoagulant,
        refer_reasons=tuple(refer),
        urgent_refer=urgent_refer,
        supervised=supervised,
        safety=frozenset(safety),
        population=frozenset(population),
        interval_rules=tuple((rule, d, o, d == due) for rule, d, o in holding),
        due=due,
        overdue=overdue,
    )


def site_codes(site: SiteRequest | None) -> tuple[tuple[InjectionSite, ...], frozenset[Code]]:
    """Return the sites and the site finding for a request (D-SITE, revision 2: VENTROGLUTEAL
    is its own site, with the info finding SITE_VENTROGLUTEAL_TRAINED)."""
    if site is SiteRequest.DELTOID:
        return (InjectionSite.DELTOID,), frozenset()
    if site is SiteRequest.VASTUS_LATERALIS:
        return (InjectionSite.VASTUS_LATERALIS,), frozenset()
    if site is SiteRequest.GLUTEAL_UPPER_OUTER:
        return (
            (InjectionSite.GLUTEAL_UPPER_OUTER_QUADRANT, *DEFAULT_SITES),
            frozenset({Code.SITE_BUTTOCK_UPPER_OUTER_NEEDLE_ANTERIOR}),
        )
    if site is SiteRequest.VENTROGLUTEAL:
        return (
            (InjectionSite.VENTROGLUTEAL, *DEFAULT_SITES),
            frozenset({Code.SITE_VENTROGLUTEAL_TRAINED}),
        )
    if site is SiteRequest.GLUTEAL:
        return DEFAULT_SITES, frozenset({Code.SITE_BUTTOCK_REPLACED})
    return DEFAULT_SITES, frozenset()


SITE_CODES = frozenset(
    {
        Code.SITE_BUTTOCK_UPPER_OUTER_NEEDLE_ANTERIOR,
        Code.SITE_BUTTOCK_REPLACED,
        Code.SITE_VENTROGLUTEAL_TRAINED,
    }
)
