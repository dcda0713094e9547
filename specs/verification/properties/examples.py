"""Requests at every threshold of the decisions: the ``@example`` cases of the properties.

Random generation finds a bug hidden behind one exact value only by luck, so every property also
runs these requests, built by hand from the thresholds of ``clinical-decisions.md``: platelets
9/9.99/10, 24/24.9/24.99/25, 50/50.1/51 (D-PLT, D-PLT-SEVERE-REFER); eGFR 59/60 (D-RENAL);
resection 19/20 cm and Crohn's 29/30 cm, known and unknown (D-INTERVAL, D-PROPHYLAXIS,
D-CROHN-UNKNOWN); age 15/16 (D-SCOPE-AGE); every deficiency and neurological status
(D-DEFICIENCY, D-NEURO-UNKNOWN); hypersensitivity and Leber's disease with each formulation
(D-CONTRA); pregnancy and anticoagulant therapy at each platelet band (D-PREGNANCY,
D-ANTICOAGULANT); 31 January, 29 February in leap, common and century years (2000, 2100), and
horizons around the review date (D-MONTH, D-HORIZON, D-NEURO-OPEN); the calendar's edge and the
100-year horizon (D-WINDOWS); every route with each formulation, a proposal unlike the profile's
formulation, an empty proposal and a granted extended interval (D-CHECK-ROUTE,
D-CHECK-FORMULATION, D-CHECK-EMPTY, D-CHECK-EXTENDED); the day before and the first day of a long
maintenance gap and of an interrupted loading, recurrence with 1- and 2-monthly hydroxocobalamin,
labs the day before the start and on it, and course horizons (D-MAINT-GAP, D-LOAD-INTERRUPTED,
D-RECURRENCE, D-LABS, D-COURSE-SCHEDULE). The same corpus is the first probe run against each
known-bad kernel.
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools
from collections.abc import Callable, Iterable, Mapping
from typing import Final, TypeVar

from hypothesis import example

from kernel.model import (
    BariatricProcedure,
    CheckRequest,
    CourseNeurologicalStatus,
    CourseRequest,
    DeficiencyStatus,
    Formulation,
    LabResult,
    MaintenancePreference,
    NeurologicalInvolvement,
    PatientProfile,
    PlanRequest,
    ProposedRegimen,
    Route,
    SiteRequest,
)
from specs.verification.oracle import add_months, derive_facts

CYANO: Final = Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML
HYDROXO: Final = Formulation.HYDROXOCOBALAMIN_1000_MCG_PER_ML
ABSENT: Final = NeurologicalInvolvement.ABSENT
PRESENT: Final = NeurologicalInvolvement.PRESENT
UNKNOWN_NEURO: Final = NeurologicalInvolvement.UNKNOWN
CONFIRMED: Final = DeficiencyStatus.CONFIRMED
NOT_PRESENT: Final = DeficiencyStatus.NOT_PRESENT
UNKNOWN_DEFICIENCY: Final = DeficiencyStatus.UNKNOWN

#: A typical valid profile: adult, confirmed deficiency, no neurology, normal platelets.
BASE: Final = PatientProfile(
    formulation=CYANO,
    age_years=40,
    deficiency_status=CONFIRMED,
    neurological_involvement=ABSENT,
    platelets_10e9_per_l=200.0,
)

START: Final = datetime.date(2024, 1, 31)
HORIZON: Final = datetime.date(2025, 3, 1)

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., object])


def profile(**changes: object) -> PatientProfile:
    """Return ``BASE`` with ``changes``."""
    return dataclasses.replace(BASE, **changes)  # type: ignore[arg-type]


def plan(
    changes: Mapping[str, object] | None = None,
    start: datetime.date = START,
    horizon: datetime.date | None = HORIZON,
) -> PlanRequest:
    """Return a plan request for ``BASE`` with profile ``changes``."""
    return PlanRequest(profile=profile(**(changes or {})), start_date=start, horizon_date=horizon)


# ---------------------------------------------------------------------------------------------
# Profiles at the thresholds.
# ---------------------------------------------------------------------------------------------

PLATELET_THRESHOLDS: Final = (None, 9.0, 9.99, 10.0, 24.0, 24.9, 24.99, 25.0, 50.0, 50.1, 51.0)
NEURO_STATUSES: Final = (ABSENT, PRESENT, UNKNOWN_NEURO)
DEFICIENCIES: Final = (CONFIRMED, NOT_PRESENT, UNKNOWN_DEFICIENCY)


def threshold_profiles() -> list[PatientProfile]:
    """Return one profile per threshold of the decisions (and its neighbour)."""
    found: list[PatientProfile] = []
    found.extend(
        profile(platelets_10e9_per_l=platelets, neurological_involvement=neuro)
        for platelets, neuro in itertools.product(PLATELET_THRESHOLDS, NEURO_STATUSES)
    )
    found.extend(
        profile(egfr_ml_min_1_73m2=egfr, formulation=formulation)
        for egfr, formulation in itertools.product((59.0, 59.999, 60.0), (CYANO, HYDROXO))
    )
    found.extend(
        profile(
            formulation=formulation,
            renal_impairment_reported=reported,
            diabetic_nephropathy=nephropathy,
            egfr_ml_min_1_73m2=90.0,
        )
        for formulation, reported, nephropathy in itertools.product(
            (CYANO, HYDROXO), (False, True), (False, True)
        )
    )
    found.extend(
        profile(
            platelets_10e9_per_l=0.5, egfr_ml_min_1_73m2=value, neurological_involvement=PRESENT
        )
        for value in (0.0, 0.5, 200.0)
    )
    for length, deficiency in itertools.product((None, 0.5, 19.0, 19.99, 20.0), DEFICIENCIES):
        found.append(
            profile(
                ileal_resection=True, ileal_resection_length_cm=length, deficiency_status=deficiency
            )
        )
    for length, deficiency, neuro in itertools.product(
        (None, 0.5, 29.0, 29.99, 30.0, 600.0), DEFICIENCIES, (ABSENT, PRESENT)
    ):
        found.append(
            profile(
                crohn_ileal_involvement=True,
                crohn_ileal_involvement_length_cm=length,
                deficiency_status=deficiency,
                neurological_involvement=neuro,
            )
        )
    for bariatric, deficiency in itertools.product(
        (BariatricProcedure.ROUX_EN_Y, BariatricProcedure.GASTRIC_BAND), DEFICIENCIES
    ):
        found.append(profile(bariatric_procedure=bariatric, deficiency_status=deficiency))
    found.extend(profile(age_years=age) for age in (0, 15, 16, 120))
    for deficiency, neuro in itertools.product(DEFICIENCIES, NEURO_STATUSES):
        found.append(profile(deficiency_status=deficiency, neurological_involvement=neuro))
    found.extend(
        (
            profile(folic_acid_started_before_b12=True),
            profile(folic_acid_started_before_b12=True, age_years=15),
        )
    )
    # D-CONTRA (replaced): hypersensitivity alone, Leber's disease with each formulation, both.
    found.extend(
        profile(
            formulation=formulation,
            hypersensitivity_cobalt_or_b12=hypersensitivity,
            leber_disease_or_tobacco_amblyopia=leber,
            neurological_involvement=neuro,
        )
        for formulation, (hypersensitivity, leber), neuro in itertools.product(
            (CYANO, HYDROXO), ((True, False), (False, True), (True, True)), (ABSENT, PRESENT)
        )
    )
    # D-PREGNANCY and D-ANTICOAGULANT at each platelet band, with and without neurology.
    found.extend(
        profile(
            pregnant=pregnant,
            anticoagulant_therapy=anticoagulant,
            platelets_10e9_per_l=platelets,
            neurological_involvement=neuro,
        )
        for (pregnant, anticoagulant), platelets, neuro in itertools.product(
            ((True, None), (None, True), (True, True), (False, False)),
            (None, 9.0, 24.9, 50.0, 50.1, 200.0),
            (ABSENT, PRESENT),
        )
    )
    found.append(profile(pregnant=True, age_years=15))
    found.append(profile(anticoagulant_therapy=True, hypersensitivity_cobalt_or_b12=True))
    found.extend(
        profile(site_request=site) for site in SiteRequest if site is not SiteRequest.UNSPECIFIED
    )
    extras: tuple[dict[str, object], ...] = (
        {},
        {"ileal_resection": True},
        {"crohn_ileal_involvement": True, "crohn_ileal_involvement_length_cm": 45.0},
        {"bariatric_procedure": BariatricProcedure.SLEEVE},
    )
    for formulation, neuro, extra in itertools.product((CYANO, HYDROXO), (ABSENT, PRESENT), extras):
        found.append(
            profile(
                formulation=formulation,
                neurological_involvement=neuro,
                maintenance_preference=MaintenancePreference.EXTENDED,
                **extra,
            )
        )
    return found


# ---------------------------------------------------------------------------------------------
# Plan requests.
# ---------------------------------------------------------------------------------------------

MONTH_END_STARTS: Final = (
    datetime.date(2000, 1, 31),
    datetime.date(2000, 2, 29),
    datetime.date(2024, 1, 31),
    datetime.date(2023, 1, 31),
    datetime.date(2024, 2, 29),
    datetime.date(2023, 2, 28),
    datetime.date(2024, 11, 30),
    datetime.date(2024, 12, 31),
    datetime.date(2100, 1, 31),
)


def plan_examples() -> list[PlanRequest]:
    """Return plan requests at every threshold, date edge and horizon edge."""
    found = [
        PlanRequest(profile=p, start_date=START, horizon_date=HORIZON) for p in threshold_profiles()
    ]
    neuro = profile(neurological_involvement=PRESENT)
    found.extend(
        plan({"neurological_involvement": PRESENT}, horizon=START + datetime.timedelta(days=days))
        for days in (0, 13, 14, 15, 16, 100)
    )
    start_changes: tuple[dict[str, object], ...] = (
        {},
        {"deficiency_status": NOT_PRESENT, "bariatric_procedure": BariatricProcedure.ROUX_EN_Y},
        {"formulation": HYDROXO},
        {"maintenance_preference": MaintenancePreference.EXTENDED},
    )
    start_changes = (*start_changes, {"pregnant": True})
    for start, changes in itertools.product(MONTH_END_STARTS, start_changes):
        found.append(plan(changes, start=start, horizon=start + datetime.timedelta(days=800)))
    found.extend(
        (
            plan(horizon=None),
            plan(horizon=START),
            plan(horizon=START + datetime.timedelta(days=11)),
            PlanRequest(profile=neuro, start_date=START, horizon_date=None),
            PlanRequest(
                profile=BASE, start_date=START, horizon_date=HORIZON, route=Route.INTRAMUSCULAR
            ),
            # D-WINDOWS: the last valid date and a horizon exactly 100 years after the start.
            plan(start=datetime.date(9899, 1, 1), horizon=datetime.date(9899, 12, 31)),
            plan(start=LAST_DATE, horizon=None),
            plan(start=START, horizon=datetime.date(2124, 1, 31)),
            plan({"neurological_involvement": PRESENT}, horizon=datetime.date(2124, 1, 31)),
        )
    )
    return found


#: D-WINDOWS: the last valid date and the first invalid one.
LAST_DATE: Final = datetime.date(9899, 12, 31)
FIRST_INVALID_DATE: Final = datetime.date(9900, 1, 1)


INVALID_PROFILES: Final[tuple[dict[str, object], ...]] = (
    {"formulation": None},
    {"formulation": Formulation.UNSPECIFIED},
    {"formulation": Formulation.METHYLCOBALAMIN},
    {"formulation": Formulation.OTHER},
    {"age_years": None},
    {"age_years": -1},
    {"age_years": 121},
    {"deficiency_status": None},
    {"deficiency_status": DeficiencyStatus.UNSPECIFIED},
    {"neurological_involvement": None},
    {"neurological_involvement": NeurologicalInvolvement.UNSPECIFIED},
    {"platelets_10e9_per_l": -0.1},
    {"platelets_10e9_per_l": 2000.1},
    {"platelets_10e9_per_l": float("nan")},
    {"egfr_ml_min_1_73m2": -1.0},
    {"egfr_ml_min_1_73m2": 200.5},
    {"ileal_resection_length_cm": 30.0},
    {"ileal_resection": True, "ileal_resection_length_cm": 0.0},
    {"ileal_resection": True, "ileal_resection_length_cm": 600.5},
    {"crohn_ileal_involvement_length_cm": 30.0},
    {"crohn_ileal_involvement": True, "crohn_ileal_involvement_length_cm": 0.0},
    {"crohn_ileal_involvement": True, "crohn_ileal_involvement_length_cm": 600.5},
    {"crohn_ileal_involvement": True, "crohn_ileal_involvement_length_cm": -1.0},
    {"ileal_resection": True, "ileal_resection_length_cm": -1.0},
    {"egfr_ml_min_1_73m2": -0.5},
    {"platelets_10e9_per_l": float("inf")},
    {"bariatric_procedure": BariatricProcedure.UNSPECIFIED},
    {"site_request": SiteRequest.UNSPECIFIED},
    {"maintenance_preference": MaintenancePreference.UNSPECIFIED},
)


def invalid_plan_examples() -> list[PlanRequest]:
    """Return plan requests invalid in exactly one way each, and one invalid in every way."""
    found = [plan(changes) for changes in INVALID_PROFILES]
    found.extend(
        (
            PlanRequest(profile=BASE, start_date=None),
            plan(horizon=START - datetime.timedelta(days=1)),
            PlanRequest(profile=BASE, start_date=START, route=Route.SUBCUTANEOUS),
            PlanRequest(profile=BASE, start_date=START, route=Route.UNSPECIFIED),
            PlanRequest(profile=PatientProfile(), start_date=None, route=Route.ORAL),
            # D-WINDOWS: a date after 9899-12-31, a horizon more than 100 years after the start.
            plan(start=FIRST_INVALID_DATE, horizon=None),
            plan(start=datetime.date(9899, 1, 1), horizon=FIRST_INVALID_DATE),
            plan(start=FIRST_INVALID_DATE, horizon=datetime.date(9900, 2, 1)),
            plan(start=START, horizon=datetime.date(2124, 2, 1)),
            plan(start=datetime.date(2024, 2, 29), horizon=datetime.date(2124, 3, 1)),
            plan(start=datetime.date.max, horizon=None),
        )
    )
    return found


# ---------------------------------------------------------------------------------------------
# Regimen checks.
# ---------------------------------------------------------------------------------------------


def _loading(offsets: Iterable[int], first: datetime.date = START) -> tuple[datetime.date, ...]:
    return tuple(first + datetime.timedelta(days=offset) for offset in offsets)


def check_examples() -> list[CheckRequest]:
    """Return regimen checks at every D-CHECK threshold, for the main profile kinds."""
    regimens = [
        ProposedRegimen(),
        *(
            ProposedRegimen(dose_per_injection_mcg=dose)
            for dose in (1.0, 99.9, 100.0, 999.9, 1000.0, 1000.1)
        ),
        *(
            ProposedRegimen(maintenance_interval_months=months)
            for months in (0.5, 1.0, 1.01, 2.0, 2.01, 3.0, 3.01)
        ),
        # D-CHECK-ROUTE: every route with each formulation (the profile's or a proposed one).
        *(
            ProposedRegimen(route=route, formulation=formulation)
            for route, formulation in itertools.product(
                (
                    Route.INTRAMUSCULAR,
                    Route.SUBCUTANEOUS,
                    Route.INTRAVENOUS,
                    Route.ORAL,
                    Route.OTHER,
                ),
                (None, CYANO, HYDROXO),
            )
        ),
        # Oral: then no dose, interval, loading or site finding; LIFELONG still applies.
        ProposedRegimen(
            route=Route.ORAL,
            dose_per_injection_mcg=50.0,
            maintenance_interval_months=4.0,
            loading_dates=_loading((0, 0, 3)),
            site=SiteRequest.GLUTEAL,
            stop_date=HORIZON,
        ),
        # D-CHECK-EMPTY: a formulation alone, or an open-ended flag alone, is not a regimen.
        ProposedRegimen(formulation=HYDROXO),
        ProposedRegimen(loading_open_ended=True),
        ProposedRegimen(stop_date=HORIZON),
        ProposedRegimen(site=SiteRequest.GLUTEAL),
        ProposedRegimen(site=SiteRequest.VENTROGLUTEAL),
        ProposedRegimen(site=SiteRequest.DELTOID),
        ProposedRegimen(formulation=CYANO),
        ProposedRegimen(formulation=HYDROXO, maintenance_interval_months=2.5),
        ProposedRegimen(formulation=CYANO, maintenance_interval_months=2.5),
        ProposedRegimen(formulation=HYDROXO, maintenance_interval_months=3.01),
        *(
            ProposedRegimen(loading_dates=_loading(offsets), loading_open_ended=open_ended)
            for offsets, open_ended in itertools.product(
                (
                    (0, 2, 4, 7, 9, 11),
                    (11, 0, 4, 2, 9, 7),
                    (0, 2, 4, 7, 9),
                    (0, 3, 6, 9, 12),
                    (0, 2, 4, 6),
                    (0, 2, 4, 6, 8, 10),
                    (0, 2, 4, 7, 9, 12),
                    (0, 2, 4, 6, 8, 10, 12),
                    (0, 2, 4, 7, 9, 11, 14, 16),
                    (0, 1, 3),
                    (0, 2, 5),
                    (0, 2, 2, 4),
                ),
                (None, True, False),
            )
        ),
    ]
    profiles = [
        BASE,
        profile(neurological_involvement=PRESENT),
        profile(formulation=HYDROXO),
        profile(formulation=HYDROXO, neurological_involvement=UNKNOWN_NEURO),
        profile(ileal_resection=True, ileal_resection_length_cm=20.0),
        profile(crohn_ileal_involvement=True),
        profile(deficiency_status=NOT_PRESENT, bariatric_procedure=BariatricProcedure.SLEEVE),
        profile(deficiency_status=NOT_PRESENT),
        profile(platelets_10e9_per_l=24.9, neurological_involvement=PRESENT, age_years=15),
        profile(egfr_ml_min_1_73m2=59.0, folic_acid_started_before_b12=True),
        profile(site_request=SiteRequest.GLUTEAL),
        profile(site_request=SiteRequest.VENTROGLUTEAL, formulation=HYDROXO),
        # Revision 2: the judged formulation (D-CHECK-FORMULATION), the granted extended
        # interval (D-CHECK-EXTENDED), the Leber clause, the new inputs.
        profile(egfr_ml_min_1_73m2=40.0),
        profile(formulation=HYDROXO, diabetic_nephropathy=True),
        profile(maintenance_preference=MaintenancePreference.EXTENDED),
        profile(formulation=HYDROXO, maintenance_preference=MaintenancePreference.EXTENDED),
        profile(leber_disease_or_tobacco_amblyopia=True),
        profile(leber_disease_or_tobacco_amblyopia=True, formulation=HYDROXO),
        profile(platelets_10e9_per_l=9.99, pregnant=True, anticoagulant_therapy=True),
        profile(
            deficiency_status=NOT_PRESENT,
            bariatric_procedure=BariatricProcedure.SLEEVE,
            crohn_ileal_involvement=True,
        ),
    ]
    found = [CheckRequest(profile=BASE, regimen=regimen) for regimen in regimens]
    found.extend(
        CheckRequest(profile=p, regimen=regimen)
        for p, regimen in itertools.product(profiles[1:], regimens)
    )
    return found


def invalid_check_examples() -> list[CheckRequest]:
    """Return regimen checks invalid in exactly one way each, and some invalid in many."""
    regimens = (
        ProposedRegimen(dose_per_injection_mcg=0.0),
        ProposedRegimen(dose_per_injection_mcg=-1.0),
        ProposedRegimen(dose_per_injection_mcg=float("nan")),
        ProposedRegimen(dose_per_injection_mcg=float("inf")),
        ProposedRegimen(maintenance_interval_months=0.0),
        ProposedRegimen(maintenance_interval_months=-1.0),
        ProposedRegimen(maintenance_interval_months=float("nan")),
        ProposedRegimen(maintenance_interval_months=float("-inf")),
        ProposedRegimen(site=SiteRequest.UNSPECIFIED),
        ProposedRegimen(route=Route.UNSPECIFIED),
        ProposedRegimen(formulation=Formulation.UNSPECIFIED),
        ProposedRegimen(formulation=Formulation.METHYLCOBALAMIN),
        ProposedRegimen(formulation=Formulation.OTHER),
        ProposedRegimen(
            dose_per_injection_mcg=0.0,
            maintenance_interval_months=0.0,
            site=SiteRequest.UNSPECIFIED,
            route=Route.UNSPECIFIED,
            formulation=Formulation.UNSPECIFIED,
        ),
    )
    found = [CheckRequest(profile=BASE, regimen=regimen) for regimen in regimens]
    found.extend(
        CheckRequest(
            profile=profile(**changes), regimen=ProposedRegimen(dose_per_injection_mcg=100.0)
        )
        for changes in INVALID_PROFILES
    )
    found.append(CheckRequest(profile=PatientProfile(), regimen=regimens[-1]))
    return found


# ---------------------------------------------------------------------------------------------
# Course assessments.
# ---------------------------------------------------------------------------------------------


def course(
    changes: Mapping[str, object] | None = None,
    *,
    offsets: Iterable[int] = (),
    reference_days: int = 20,
    **fields: object,
) -> CourseRequest:
    """Return a course for ``BASE`` with profile ``changes`` and injections on ``offsets``."""
    return CourseRequest(
        profile=profile(**(changes or {})),
        start_date=START,
        reference_date=START + datetime.timedelta(days=reference_days),
        injection_dates=_loading(offsets),
        **fields,  # type: ignore[arg-type]
    )


STANDARD: Final = (0, 2, 4, 7, 9, 11)


def course_examples() -> list[CourseRequest]:
    """Return courses at the D-COURSE, D-MISSED, D-LABS and D-RECURRENCE thresholds."""
    neuro = {"neurological_involvement": PRESENT}
    prophylaxis = {
        "deficiency_status": NOT_PRESENT,
        "bariatric_procedure": BariatricProcedure.ROUX_EN_Y,
    }
    status = CourseNeurologicalStatus
    found = [
        course(offsets=STANDARD[:n], reference_days=days)
        for n, days in itertools.product(range(7), (0, 5, 12, 30))
    ]
    found.extend(
        course(neuro, offsets=offsets, reference_days=days, neurological_status=s)
        for offsets, days, s in itertools.product(
            ((), (0,), (0, 2, 4), (0, 2, 4, 6, 8, 10, 12, 14)),
            (0, 3, 4, 5, 14, 15, 40),
            (status.NONE, status.IMPROVING, status.PLATEAUED, status.RECURRED),
        )
    )
    maintenance_profiles: tuple[dict[str, object], ...] = (
        {},
        {"formulation": HYDROXO},
        dict(prophylaxis),
        {"ileal_resection": True},
    )
    found.extend(
        course(changes, offsets=offsets, reference_days=days, neurological_status=s)
        for changes, offsets, days, s in itertools.product(
            maintenance_profiles,
            ((), (*STANDARD, 42)),
            (60, 100, 400),
            (None, status.RECURRED),
        )
    )
    # Maintenance from 31 January: the clamp at the end of February (D-MONTH).
    found.extend(
        CourseRequest(
            profile=profile(**prophylaxis),
            start_date=datetime.date(2024, 1, 31),
            reference_date=datetime.date(2024, 1, 31) + datetime.timedelta(days=days),
            injection_dates=(datetime.date(2024, 1, 31),),
        )
        for days in (0, 29, 30, 31, 120)
    )
    # Labs: around start + 3 months, with and without results, before and after stabilisation.
    for days, labs, stabilised in itertools.product(
        (90, 91, 92, 200, 800),
        (
            (),
            (LabResult(date=START + datetime.timedelta(days=95), homocysteine_umol_per_l=12.0),),
            (
                LabResult(date=START + datetime.timedelta(days=30), homocysteine_umol_per_l=9.9),
                LabResult(date=START + datetime.timedelta(days=90), homocysteine_umol_per_l=9.0),
            ),
            (
                LabResult(date=START + datetime.timedelta(days=30), homocysteine_umol_per_l=9.9),
                LabResult(date=START + datetime.timedelta(days=60), homocysteine_umol_per_l=9.0),
                LabResult(date=START + datetime.timedelta(days=60), homocysteine_umol_per_l=10.0),
            ),
        ),
        (None, 45, 90),
    ):
        reference = START + datetime.timedelta(days=days)
        labs_due = tuple(lab for lab in labs if lab.date is not None and lab.date <= reference)
        stab = (
            None
            if stabilised is None or stabilised > days
            else START + datetime.timedelta(days=stabilised)
        )
        found.append(
            course(
                prophylaxis,
                offsets=(0,),
                reference_days=days,
                lab_results=labs_due,
                stabilisation_date=stab,
            )
        )
    found.extend(
        (
            course(offsets=(0, 0, 2), reference_days=5),
            course(offsets=STANDARD, reference_days=40, stop_requested=True),
            course({"platelets_10e9_per_l": 24.9}, offsets=STANDARD, reference_days=40),
            course(
                {"platelets_10e9_per_l": 9.0, **prophylaxis},
                offsets=(0,),
                reference_days=40,
                neurological_status=status.RECURRED,
            ),
            course(offsets=(0, 2), reference_days=5, neurological_status=status.RECURRED),
            course(offsets=(0, 2), reference_days=5, neurological_status=status.PLATEAUED),
            course(offsets=(30,), reference_days=20),
            # D-WINDOWS: the last valid date.
            CourseRequest(
                profile=BASE,
                start_date=datetime.date(9899, 12, 1),
                reference_date=LAST_DATE,
                horizon_date=LAST_DATE,
            ),
        )
    )
    found.extend(revision_2_course_examples())
    return found


def _gap_examples() -> list[CourseRequest]:
    """D-MAINT-GAP: the day before the first day of a long gap, and that first day, for each
    interval and for courses with no injection, after a plateau and on recurrence."""
    found: list[CourseRequest] = []
    cases: tuple[
        tuple[dict[str, object], tuple[int, ...], CourseNeurologicalStatus | None], ...
    ] = (
        ({}, STANDARD, None),
        ({"formulation": HYDROXO}, STANDARD, None),
        ({"maintenance_preference": MaintenancePreference.EXTENDED}, STANDARD, None),
        (
            {"deficiency_status": NOT_PRESENT, "bariatric_procedure": BariatricProcedure.SLEEVE},
            (),
            None,
        ),
        (
            {
                "deficiency_status": NOT_PRESENT,
                "bariatric_procedure": BariatricProcedure.SLEEVE,
                "formulation": HYDROXO,
            },
            (0,),
            None,
        ),
        (
            {"neurological_involvement": PRESENT},
            (0, 2, 4, 6, 8, 10),
            CourseNeurologicalStatus.PLATEAUED,
        ),
        ({}, (*STANDARD, 42), CourseNeurologicalStatus.RECURRED),
        ({"formulation": HYDROXO}, STANDARD, CourseNeurologicalStatus.RECURRED),
    )
    for start in (START, datetime.date(2024, 1, 20), datetime.date(2000, 1, 20)):
        for changes, offsets, status in cases:
            facts = derive_facts(profile(**changes), status)
            injections = _loading(offsets, start)
            overdue = add_months(injections[-1], facts.overdue) if injections else start
            threshold = add_months(overdue, facts.due)
            found.extend(
                CourseRequest(
                    profile=profile(**changes),
                    start_date=start,
                    reference_date=reference,
                    injection_dates=injections,
                    neurological_status=status,
                )
                for reference in (threshold, threshold + datetime.timedelta(days=1))
            )
    return found


def revision_2_course_examples() -> list[CourseRequest]:
    """Courses at the thresholds revision 2 adds (see the module docstring)."""
    status = CourseNeurologicalStatus
    neuro: dict[str, object] = {"neurological_involvement": PRESENT}
    found = _gap_examples()
    # D-LOAD-INTERRUPTED: 7 and 8 days after the last injection, or after the start with none.
    for changes, offsets in itertools.product(({}, neuro), ((), (0,), (0, 2, 4))):
        last = max(offsets, default=0)
        found.extend(
            course(changes, offsets=offsets, reference_days=last + days) for days in (7, 8)
        )
    # D-RECURRENCE: hydroxocobalamin in force at 2 months, and at 1 month (ileal resection).
    recurrences: tuple[tuple[dict[str, object], tuple[int, ...]], ...] = (
        ({"formulation": HYDROXO}, STANDARD),
        ({"formulation": HYDROXO}, (*STANDARD, 40)),
        ({"formulation": HYDROXO, "ileal_resection": True}, STANDARD),
        ({"formulation": HYDROXO, "neurological_involvement": PRESENT}, ()),
        ({"formulation": HYDROXO, "neurological_involvement": PRESENT}, (0, 2)),
        (
            {
                "formulation": HYDROXO,
                "deficiency_status": NOT_PRESENT,
                "bariatric_procedure": BariatricProcedure.SLEEVE,
            },
            (),
        ),
        ({}, STANDARD),
    )
    found.extend(
        course(changes, offsets=offsets, reference_days=60, neurological_status=status.RECURRED)
        for changes, offsets in recurrences
    )
    # D-LABS: homocysteine dated the day before the start and on it; a lab on the reference date.
    for day, value in itertools.product((-1, 0), (8.0, 12.0)):
        found.append(
            course(
                offsets=STANDARD,
                reference_days=70,
                lab_results=(
                    LabResult(
                        date=START + datetime.timedelta(days=day), homocysteine_umol_per_l=value
                    ),
                    LabResult(
                        date=START + datetime.timedelta(days=61), homocysteine_umol_per_l=7.0
                    ),
                ),
            )
        )
    labs_day = add_months(START, 3)
    found.append(
        CourseRequest(
            profile=profile(
                deficiency_status=NOT_PRESENT, bariatric_procedure=BariatricProcedure.SLEEVE
            ),
            start_date=START,
            reference_date=labs_day,
            injection_dates=(labs_day,),
            lab_results=(
                LabResult(date=labs_day, b12_ng_per_l=300.0, homocysteine_umol_per_l=11.0),
            ),
        )
    )
    # The review-overdue flag: on the review date and the day after (D-MISSED, D-COURSE-OUTCOME).
    found.extend(
        course(neuro, offsets=tuple(range(0, 15, 2)), reference_days=days) for days in (14, 15)
    )
    # Injections in non-date order: the last dose is the latest date, not the last sent.
    found.append(course(offsets=(42, *STANDARD), reference_days=50))
    found.append(course(neuro, offsets=(4, 0, 2), reference_days=5))
    # D-COURSE-SCHEDULE: horizons before, on and after the review date and the next doses.
    schedule_profiles: tuple[dict[str, object], ...] = (
        {},
        neuro,
        {"formulation": HYDROXO, "deficiency_status": NOT_PRESENT, "ileal_resection": True},
    )
    for changes, offsets, ref, horizon_days in itertools.product(
        schedule_profiles,
        ((), (0, 2), STANDARD),
        (5, 14, 20),
        (None, 0, 9, 30, 400),
    ):
        if max(offsets, default=0) > ref:
            continue
        reference = START + datetime.timedelta(days=ref)
        horizon = (
            None if horizon_days is None else reference + datetime.timedelta(days=horizon_days)
        )
        found.append(course(changes, offsets=offsets, reference_days=ref, horizon_date=horizon))
    found.append(
        course(
            neuro,
            offsets=tuple(range(0, 21, 2)),
            reference_days=21,
            neurological_status=status.PLATEAUED,
            horizon_date=add_months(START, 12),
        )
    )
    found.append(
        course(
            offsets=STANDARD,
            reference_days=100,
            stabilisation_date=START + datetime.timedelta(days=40),
            horizon_date=add_months(START, 30),
        )
    )
    # D-WINDOWS: a horizon on the reference date and exactly 100 years after the start.
    found.append(course(offsets=STANDARD, reference_days=20, horizon_date=add_months(START, 1200)))
    return found


def invalid_course_examples() -> list[CourseRequest]:
    """Return courses invalid in exactly one way each (every D-INVALID clause of a course),
    their valid neighbours, and one invalid in many ways."""
    status = CourseNeurologicalStatus
    prophylaxis = profile(
        deficiency_status=NOT_PRESENT, bariatric_procedure=BariatricProcedure.SLEEVE
    )
    day = START + datetime.timedelta(days=10)
    late = START + datetime.timedelta(days=30)
    early = START - datetime.timedelta(days=1)
    lab = LabResult(date=day, homocysteine_umol_per_l=8.0)
    labs: tuple[LabResult, ...] = (
        LabResult(),
        LabResult(date=day),
        LabResult(b12_ng_per_l=300.0),
        LabResult(date=late, b12_ng_per_l=300.0),
        LabResult(date=day, b12_ng_per_l=-1.0),
        LabResult(date=day, b12_ng_per_l=20000.1),
        LabResult(date=day, b12_ng_per_l=float("nan")),
        LabResult(date=day, homocysteine_umol_per_l=-0.1),
        LabResult(date=day, homocysteine_umol_per_l=500.1),
        LabResult(date=day, homocysteine_umol_per_l=float("inf")),
        LabResult(date=early, homocysteine_umol_per_l=8.0),
        LabResult(date=START, b12_ng_per_l=0.0, homocysteine_umol_per_l=500.0),
    )
    found = [
        CourseRequest(profile=BASE, start_date=None, reference_date=day),
        CourseRequest(profile=BASE, start_date=START, reference_date=None),
        CourseRequest(profile=BASE),
        course(offsets=(0, 25), reference_days=20),
        course(offsets=(-1, 2), reference_days=20),
        course(offsets=(0,), reference_days=20, stabilisation_date=early),
        course(offsets=(0,), reference_days=20, stabilisation_date=late),
        course(offsets=(0,), reference_days=20, stabilisation_date=START),
        course(offsets=(0,), reference_days=20, neurological_status=status.UNSPECIFIED),
        course(offsets=(0, 2), reference_days=20, neurological_status=status.IMPROVING),
        course(offsets=STANDARD, reference_days=40, neurological_status=status.PLATEAUED),
        course(offsets=(0, 2, 4, 7, 9), reference_days=20, neurological_status=status.RECURRED),
        course(offsets=STANDARD, reference_days=40, neurological_status=status.RECURRED),
        CourseRequest(
            profile=prophylaxis,
            start_date=START,
            reference_date=day,
            injection_dates=(START,),
            neurological_status=status.RECURRED,
        ),
        CourseRequest(
            profile=dataclasses.replace(
                prophylaxis, bariatric_procedure=BariatricProcedure.UNSPECIFIED
            ),
            start_date=START,
            reference_date=day,
            injection_dates=(START,),
            neurological_status=status.RECURRED,
        ),
        course(reference_days=-5),
        course(offsets=(0,), reference_days=20, lab_results=(lab,) * 3),
        # D-WINDOWS: a date after 9899-12-31 in each date field, a course horizon before the
        # reference date, and one more than 100 years after the start.
        CourseRequest(
            profile=BASE, start_date=datetime.date(9899, 12, 1), reference_date=FIRST_INVALID_DATE
        ),
        CourseRequest(
            profile=BASE, start_date=FIRST_INVALID_DATE, reference_date=FIRST_INVALID_DATE
        ),
        CourseRequest(
            profile=BASE,
            start_date=datetime.date(9899, 12, 1),
            reference_date=datetime.date(9900, 1, 2),
            injection_dates=(FIRST_INVALID_DATE,),
            lab_results=(LabResult(date=FIRST_INVALID_DATE, b12_ng_per_l=300.0),),
            stabilisation_date=FIRST_INVALID_DATE,
        ),
        CourseRequest(
            profile=BASE,
            start_date=datetime.date(9899, 12, 1),
            reference_date=LAST_DATE,
            horizon_date=FIRST_INVALID_DATE,
        ),
        course(offsets=(0,), reference_days=20, horizon_date=START + datetime.timedelta(days=19)),
        course(offsets=(0,), reference_days=20, horizon_date=datetime.date(2124, 2, 1)),
        course(offsets=(0,), reference_days=20, horizon_date=START - datetime.timedelta(days=1)),
    ]
    found.extend(course(offsets=(0,), reference_days=20, lab_results=(lab, bad)) for bad in labs)
    found.extend(course(changes, offsets=(0,), reference_days=20) for changes in INVALID_PROFILES)
    found.append(
        CourseRequest(
            profile=PatientProfile(),
            start_date=START,
            reference_date=START,
            injection_dates=(late, early),
            lab_results=labs[:3],
            neurological_status=status.UNSPECIFIED,
            stabilisation_date=late,
        )
    )
    return found


def labs_examples() -> list[CourseRequest]:
    """Return courses at the D-LABS boundaries: stable pairs exactly two months apart, the
    stabilisation date on the start and just after a quarterly date, and month-end estimates."""
    d = datetime.date
    prophylaxis = {
        "deficiency_status": NOT_PRESENT,
        "bariatric_procedure": BariatricProcedure.OTHER,
    }
    found: list[CourseRequest] = []
    for second, status in itertools.product(
        (d(2024, 3, 30), d(2024, 3, 31), d(2024, 4, 1)),
        (None, CourseNeurologicalStatus.NONE, CourseNeurologicalStatus.PLATEAUED),
    ):
        changes = (
            dict(prophylaxis)
            if status is not CourseNeurologicalStatus.PLATEAUED
            else {"neurological_involvement": PRESENT}
        )
        found.append(
            CourseRequest(
                profile=profile(**changes),
                start_date=d(2024, 1, 31),
                reference_date=d(2024, 4, 2),
                injection_dates=(d(2024, 1, 31),),
                lab_results=(
                    LabResult(date=d(2024, 1, 31), homocysteine_umol_per_l=9.9),
                    LabResult(date=second, homocysteine_umol_per_l=5.0),
                ),
                neurological_status=status,
            )
        )
    for reference, stabilised in itertools.product(
        (d(2024, 10, 30), d(2024, 10, 31), d(2025, 1, 30), d(2025, 5, 1), d(2025, 6, 1)),
        (None, d(2024, 1, 31), d(2024, 5, 1), d(2024, 4, 30)),
    ):
        if stabilised is not None and stabilised > reference:
            continue
        found.append(
            CourseRequest(
                profile=profile(**prophylaxis),
                start_date=d(2024, 1, 31),
                reference_date=reference,
                injection_dates=(d(2024, 1, 31),),
                stabilisation_date=stabilised,
            )
        )
    hcy = CourseNeurologicalStatus.NONE
    lab_sets: tuple[tuple[LabResult, ...], ...] = (
        # A B12-only result first, then homocysteine (only results with homocysteine count).
        (
            LabResult(date=d(2024, 1, 31), b12_ng_per_l=300.0),
            LabResult(date=d(2024, 2, 1), homocysteine_umol_per_l=12.0),
        ),
        (
            LabResult(date=d(2024, 2, 1), homocysteine_umol_per_l=12.0),
            LabResult(date=d(2024, 3, 1), b12_ng_per_l=300.0),
        ),
        # Several results on one day: the highest counts, whatever the order.
        (
            LabResult(date=d(2024, 3, 1), homocysteine_umol_per_l=10.0),
            LabResult(date=d(2024, 3, 1), homocysteine_umol_per_l=9.0),
        ),
        # Values just above the lower bounds are valid measurements.
        (
            LabResult(date=d(2024, 1, 31), b12_ng_per_l=0.5, homocysteine_umol_per_l=0.5),
            LabResult(date=d(2024, 4, 1), b12_ng_per_l=0.0, homocysteine_umol_per_l=0.0),
        ),
        # The earlier of the pair exactly on the target: not below it.
        (
            LabResult(date=d(2024, 1, 31), homocysteine_umol_per_l=10.0),
            LabResult(date=d(2024, 4, 1), homocysteine_umol_per_l=9.0),
        ),
    )
    found.extend(
        CourseRequest(
            profile=profile(**prophylaxis),
            start_date=d(2024, 1, 31),
            reference_date=d(2024, 4, 2),
            injection_dates=(d(2024, 1, 31),),
            lab_results=labs,
            neurological_status=hcy,
        )
        for labs in lab_sets
    )
    neuro = profile(neurological_involvement=PRESENT)
    for offsets, days in itertools.product(((), (0,), (0, 2)), range(7)):
        found.append(
            CourseRequest(
                profile=neuro,
                start_date=START,
                reference_date=START + datetime.timedelta(days=max(days, max(offsets, default=0))),
                injection_dates=_loading(offsets),
            )
        )
    return found


# ---------------------------------------------------------------------------------------------
# Decorating properties with the examples.
# ---------------------------------------------------------------------------------------------


def with_examples(argument: str, requests: Iterable[object]) -> Callable[[F], F]:
    """Add ``@example(argument=request)`` for every request to a Hypothesis test."""

    def decorate(test: F) -> F:
        for request in requests:
            test = example(**{argument: request})(test)
        return test

    return decorate
