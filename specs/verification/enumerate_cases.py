"""Exhaustive check: every combination of the equivalence classes that interact, and separate
sweeps of the factors that provably do not (``specs/verification/README.md`` gives the arguments).

Each input space is partitioned into classes and boundary values taken from the decisions. The
main product crosses every factor that feeds the outcome, the loading, the interval or the
safety warnings:

    formulation (2) x neurological status (3) x deficiency status (3) x platelet band (7)
    x ileal resection (4) x Crohn's involvement (4) x bariatric (2) x maintenance preference (2)
    x age/contraindication (3) x renal (2)

For every combination it runs ``plan_regimen``, ``check_regimen`` (one proposed regimen, in
rotation over a list that covers every D-CHECK row) and ``assess_course`` (one course, in
rotation over every phase and D-MISSED case), and checks every invariant with the independent
oracle; every 16th combination is also run twice (INV-DETERMINISTIC). Then separate sweeps
cover the factors that only add their own output (renal details, folate, sites, fine
boundaries, dates, D-CHECK rows, course scenarios, single and paired validation faults).

Run ``python -m specs.verification.enumerate_cases`` (``--first`` stops at the first violation); it
prints how many combinations were checked and exits non-zero on any violation.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import enum
import itertools
import sys
import time
import typing
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Final

from kernel import assess_course, check_regimen, plan_regimen
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
from specs.verification.oracle import (
    add_months,
    check_check,
    check_course,
    check_plan,
    derive_facts,
)

Changes = dict[str, object]
Factor = tuple[tuple[str, Changes], ...]

CYANO: Final = Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML
HYDROXO: Final = Formulation.HYDROXOCOBALAMIN_1000_MCG_PER_ML
NEURO = NeurologicalInvolvement
DEFICIENCY = DeficiencyStatus
STATUS = CourseNeurologicalStatus

START: Final = datetime.date(2024, 1, 31)
HORIZON_DAYS: Final = 150
DETERMINISM_EVERY: Final = 16

BASE: Final = PatientProfile(
    formulation=CYANO,
    age_years=40,
    deficiency_status=DEFICIENCY.CONFIRMED,
    neurological_involvement=NEURO.ABSENT,
    platelets_10e9_per_l=200.0,
)

# ---------------------------------------------------------------------------------------------
# The factors of the main product: every class of every factor that interacts.
# ---------------------------------------------------------------------------------------------

MAIN_FACTORS: Final[dict[str, Factor]] = {
    "formulation": (("cyano", {"formulation": CYANO}), ("hydroxo", {"formulation": HYDROXO})),
    "neuro": tuple(
        (n.name, {"neurological_involvement": n})
        for n in (NEURO.ABSENT, NEURO.PRESENT, NEURO.UNKNOWN)
    ),
    "deficiency": tuple(
        (d.name, {"deficiency_status": d})
        for d in (DEFICIENCY.CONFIRMED, DEFICIENCY.NOT_PRESENT, DEFICIENCY.UNKNOWN)
    ),
    # D-PLT bands and both sides of each threshold: not given, < 10, 10, < 25, 25, 50, > 50.
    "platelets": tuple(
        (str(p), {"platelets_10e9_per_l": p}) for p in (None, 9.0, 10.0, 24.9, 25.0, 50.0, 50.1)
    ),
    "ileal": (
        ("none", {}),
        ("unknown", {"ileal_resection": True}),
        ("19", {"ileal_resection": True, "ileal_resection_length_cm": 19.0}),
        ("20", {"ileal_resection": True, "ileal_resection_length_cm": 20.0}),
    ),
    "crohn": (
        ("none", {}),
        ("unknown", {"crohn_ileal_involvement": True}),
        ("29", {"crohn_ileal_involvement": True, "crohn_ileal_involvement_length_cm": 29.0}),
        ("30", {"crohn_ileal_involvement": True, "crohn_ileal_involvement_length_cm": 30.0}),
    ),
    "bariatric": (("none", {}), ("roux", {"bariatric_procedure": BariatricProcedure.ROUX_EN_Y})),
    "preference": (
        ("standard", {}),
        ("extended", {"maintenance_preference": MaintenancePreference.EXTENDED}),
    ),
    "refer": (
        ("adult", {}),
        ("age15", {"age_years": 15}),
        ("contra", {"hypersensitivity_cobalt_or_b12": True}),
    ),
    "renal": (
        ("none", {}),
        ("egfr59+nephropathy", {"egfr_ml_min_1_73m2": 59.0, "diabetic_nephropathy": True}),
    ),
}


def _profile(changes: Changes) -> PatientProfile:
    return dataclasses.replace(BASE, **changes)  # type: ignore[arg-type]


def _merge(parts: Sequence[Changes]) -> Changes:
    merged: Changes = {}
    for part in parts:
        merged.update(part)
    return merged


def product(factors: dict[str, Factor]) -> Iterator[tuple[str, Changes]]:
    """Yield (label, profile changes) for every combination of ``factors``."""
    for combination in itertools.product(*factors.values()):
        label = ",".join(
            f"{name}={value}" for name, (value, _) in zip(factors, combination, strict=True)
        )
        yield label, _merge([changes for _, changes in combination])


def days(offsets: Sequence[int], start: datetime.date = START) -> tuple[datetime.date, ...]:
    """Return ``start`` plus each offset in days."""
    return tuple(start + datetime.timedelta(days=offset) for offset in offsets)


# ---------------------------------------------------------------------------------------------
# Regimen and course scenarios, used in rotation in the main product and swept in full.
# ---------------------------------------------------------------------------------------------

LOADING_PATTERNS: Final[tuple[tuple[int, ...], ...]] = (
    (),
    (0, 2, 4, 7, 9, 11),
    (11, 9, 7, 4, 2, 0),
    (0, 2, 4, 7, 9),
    (0, 3, 6, 9, 12),
    (0, 2, 4, 6),
    (0, 2, 4, 6, 8, 10, 12),
    (0, 2, 4, 7, 9, 11, 14, 16),
    (0, 1, 3, 5),
    (0, 2, 5, 7),
    (0, 2, 2, 4),
    (0,),
)
CHECK_SCENARIOS: Final[tuple[ProposedRegimen, ...]] = (
    ProposedRegimen(),
    ProposedRegimen(dose_per_injection_mcg=1000.0, maintenance_interval_months=1.0),
    ProposedRegimen(dose_per_injection_mcg=100.0, maintenance_interval_months=2.0),
    ProposedRegimen(dose_per_injection_mcg=99.9, maintenance_interval_months=3.0),
    ProposedRegimen(dose_per_injection_mcg=1000.1, maintenance_interval_months=3.01),
    ProposedRegimen(maintenance_interval_months=2.01, route=Route.SUBCUTANEOUS),
    ProposedRegimen(maintenance_interval_months=1.01, stop_date=START),
    *(
        ProposedRegimen(loading_dates=days(pattern), loading_open_ended=open_ended)
        for pattern, open_ended in itertools.product(LOADING_PATTERNS[1:], (True, False, None))
    ),
    ProposedRegimen(site=SiteRequest.GLUTEAL, formulation=CYANO),
    ProposedRegimen(site=SiteRequest.VENTROGLUTEAL, formulation=HYDROXO),
)

STANDARD: Final = (0, 2, 4, 7, 9, 11)
COURSE_INJECTIONS: Final[tuple[tuple[int, ...], ...]] = (
    (),
    (0,),
    (0, 2, 4),
    (0, 2, 4, 7, 9),
    STANDARD,
    (*STANDARD, 42),
    (0, 2, 4, 6, 8, 10, 12, 14),
    (0, 2, 4, 6),
    (0, 0, 2),
    (0, 31, 60),
)
COURSE_REFERENCES: Final = (0, 3, 5, 12, 14, 15, 45, 100, 400)
COURSE_STATUSES: Final = (None, STATUS.NONE, STATUS.IMPROVING, STATUS.PLATEAUED, STATUS.RECURRED)
LAB_PATTERNS: Final[tuple[tuple[tuple[int, float | None, float | None], ...], ...]] = (
    (),
    ((80, 300.0, None),),
    ((30, None, 12.0),),
    ((30, None, 9.9), (91, None, 9.0)),
    ((30, None, 9.9), (60, None, 9.0), (60, 250.0, 10.0)),
    ((-10, None, 8.0), (95, 300.0, 9.99)),
)


def _course(  # noqa: PLR0913 - one argument per course element
    profile: PatientProfile,
    injections: Sequence[int],
    reference_days: int,
    status: CourseNeurologicalStatus | None,
    *,
    labs: Sequence[tuple[int, float | None, float | None]] = (),
    stabilised_days: int | None = None,
    stop: bool = False,
    start: datetime.date = START,
) -> CourseRequest:
    reference = start + datetime.timedelta(days=reference_days)
    return CourseRequest(
        profile=profile,
        start_date=start,
        reference_date=reference,
        injection_dates=tuple(d for d in days(injections, start) if d <= reference),
        lab_results=tuple(
            LabResult(
                date=start + datetime.timedelta(days=offset),
                b12_ng_per_l=b12,
                homocysteine_umol_per_l=hcy,
            )
            for offset, b12, hcy in labs
            if offset <= reference_days
        ),
        neurological_status=status,
        stabilisation_date=(
            None
            if stabilised_days is None or stabilised_days > reference_days
            else start + datetime.timedelta(days=stabilised_days)
        ),
        stop_requested=stop,
    )


COURSE_SCENARIOS: Final = tuple(
    (injections, reference, status)
    for injections, reference, status in itertools.product(
        COURSE_INJECTIONS, COURSE_REFERENCES, COURSE_STATUSES
    )
)

# ---------------------------------------------------------------------------------------------
# Running and counting.
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Report:
    """Counts of combinations and calls, and the violations found (first few of each ID)."""

    combinations: Counter[str] = dataclasses.field(default_factory=Counter)
    calls: int = 0
    violations: Counter[str] = dataclasses.field(default_factory=Counter)
    examples: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def total(self) -> int:
        """Every combination checked."""
        return sum(self.combinations.values())


class FirstViolationError(Exception):
    """Raised by ``--first`` runs at the first violation."""


class Runner:
    """Runs requests through the kernel and the oracle, counting and recording violations."""

    def __init__(self, *, stop_at_first: bool = False) -> None:
        """Start an empty report."""
        self.report = Report()
        self.stop_at_first = stop_at_first

    def _record(self, found: list[str], label: str, request: object) -> None:
        for violation in found:
            rule_id = violation.split(":", 1)[0]
            self.report.violations[rule_id] += 1
            self.report.examples.setdefault(rule_id, f"{violation}\n    case {label}: {request!r}")
        if found and self.stop_at_first:
            raise FirstViolationError(self.report.examples[found[0].split(":", 1)[0]])

    def run(
        self,
        label: str,
        request: object,
        operation: Callable[[object], object],
        oracle: Callable[[object, object], list[str]],
        *,
        twice: bool = False,
    ) -> None:
        """Run one request and check its outcome (and, with ``twice``, determinism)."""
        try:
            outcome = operation(request)
        except Exception as error:  # noqa: BLE001 - any escape is an INV-VALIDATION violation
            outcome = error
        self.report.calls += 1
        found = oracle(request, outcome)
        if twice:
            again = operation(request)
            self.report.calls += 1
            if again != outcome or repr(again) != repr(outcome):
                found = [*found, "INV-DETERMINISTIC: a second call gave a different output"]
        self._record(found, label, request)

    def plan(self, label: str, request: PlanRequest, *, twice: bool = False) -> None:
        """Run and check one plan request."""
        self.run(label, request, plan_regimen, check_plan, twice=twice)  # type: ignore[arg-type]

    def check(self, label: str, request: CheckRequest, *, twice: bool = False) -> None:
        """Run and check one regimen check."""
        self.run(label, request, check_regimen, check_check, twice=twice)  # type: ignore[arg-type]

    def course(self, label: str, request: CourseRequest, *, twice: bool = False) -> None:
        """Run and check one course assessment."""
        self.run(label, request, assess_course, check_course, twice=twice)  # type: ignore[arg-type]


def main_product(runner: Runner) -> None:
    """Every combination of the interacting factors: a plan, a check and a course each."""
    horizon = START + datetime.timedelta(days=HORIZON_DAYS)
    for index, (label, changes) in enumerate(product(MAIN_FACTORS)):
        profile = _profile(changes)
        twice = index % DETERMINISM_EVERY == 0
        runner.plan(
            label, PlanRequest(profile=profile, start_date=START, horizon_date=horizon), twice=twice
        )
        regimen = CHECK_SCENARIOS[index % len(CHECK_SCENARIOS)]
        runner.check(label, CheckRequest(profile=profile, regimen=regimen), twice=twice)
        injections, reference, status = COURSE_SCENARIOS[(index * 7) % len(COURSE_SCENARIOS)]
        runner.course(label, _course(profile, injections, reference, status), twice=twice)
        runner.report.combinations["main product (plan + check + course)"] += 1


# ---------------------------------------------------------------------------------------------
# Separate sweeps of the factors that do not interact (see specs/verification/README.md).
# ---------------------------------------------------------------------------------------------

#: One profile per outcome kind: the outputs a non-interacting factor is added to.
OUTCOME_KINDS: Final[dict[str, Changes]] = {
    "home": {},
    "supervised": {"platelets_10e9_per_l": 9.0, "neurological_involvement": NEURO.PRESENT},
    "refer-age": {"age_years": 15},
    "refer-platelets": {"platelets_10e9_per_l": 24.9},
    "prophylaxis": {"deficiency_status": DEFICIENCY.NOT_PRESENT, "ileal_resection": True},
    "neuro-unknown": {
        "neurological_involvement": NEURO.UNKNOWN,
        "deficiency_status": DEFICIENCY.UNKNOWN,
    },
    "bariatric-unconfirmed": {
        "deficiency_status": DEFICIENCY.UNKNOWN,
        "bariatric_procedure": BariatricProcedure.SLEEVE,
    },
}


def _all_three(runner: Runner, sweep: str, label: str, profile: PatientProfile) -> None:
    runner.plan(
        label,
        PlanRequest(
            profile=profile,
            start_date=START,
            horizon_date=START + datetime.timedelta(days=HORIZON_DAYS),
        ),
    )
    runner.check(label, CheckRequest(profile=profile, regimen=CHECK_SCENARIOS[2]))
    runner.course(label, _course(profile, STANDARD, 60, None, stop=True))
    runner.report.combinations[sweep] += 1


def sweep_profiles(runner: Runner) -> None:
    """Renal details, folate, sites, fine thresholds, bariatric values, age, contraindications."""
    kinds = OUTCOME_KINDS.items()
    for (kind, base), formulation, reported, egfr, nephropathy in itertools.product(
        kinds,
        (CYANO, HYDROXO),
        (False, True),
        (None, 0.0, 59.0, 59.999, 60.0, 200.0),
        (False, True),
    ):
        changes = {**base, "formulation": formulation, "renal_impairment_reported": reported}
        changes |= {"egfr_ml_min_1_73m2": egfr, "diabetic_nephropathy": nephropathy}
        _all_three(
            runner,
            "renal: reported x eGFR x nephropathy x formulation x outcome",
            kind,
            _profile(changes),
        )
    for (kind, base), formulation, folate in itertools.product(
        kinds, (CYANO, HYDROXO), (False, True)
    ):
        profile = _profile(
            {**base, "formulation": formulation, "folic_acid_started_before_b12": folate}
        )
        _all_three(runner, "folate x formulation x outcome", kind, profile)
    sites = (None, *(s for s in SiteRequest if s is not SiteRequest.UNSPECIFIED))
    for (kind, base), site, proposed in itertools.product(kinds, sites, sites):
        profile = _profile({**base, "site_request": site})
        label = f"{kind},site={site},proposed={proposed}"
        if proposed is None:
            runner.plan(label, PlanRequest(profile=profile, start_date=START))
            runner.course(label, _course(profile, STANDARD, 30, None))
        runner.check(label, CheckRequest(profile=profile, regimen=ProposedRegimen(site=proposed)))
        runner.report.combinations["site request x proposed site x outcome"] += 1
    platelets = (None, 0.0, 9.0, 9.99, 10.0, 24.0, 24.9, 24.99, 25.0, 50.0, 50.1, 51.0, 2000.0)
    for value, neuro, deficiency, formulation in itertools.product(
        platelets, tuple(NEURO)[1:], tuple(DEFICIENCY)[1:], (CYANO, HYDROXO)
    ):
        changes = {"platelets_10e9_per_l": value, "neurological_involvement": neuro}
        changes |= {
            "deficiency_status": deficiency,
            "formulation": formulation,
            "ileal_resection": True,
        }
        _all_three(
            runner,
            "platelet boundaries x neuro x deficiency x formulation",
            str(value),
            _profile(changes),
        )
    for age, contra, neuro, deficiency, formulation in itertools.product(
        (0, 15, 16, 17, 120),
        ("none", "hypersensitivity", "leber", "both"),
        tuple(NEURO)[1:],
        tuple(DEFICIENCY)[1:],
        (CYANO, HYDROXO),
    ):
        changes = {
            "age_years": age,
            "neurological_involvement": neuro,
            "deficiency_status": deficiency,
            "formulation": formulation,
        }
        changes["hypersensitivity_cobalt_or_b12"] = contra in {"hypersensitivity", "both"}
        changes["leber_disease_or_tobacco_amblyopia"] = contra in {"leber", "both"}
        _all_three(
            runner,
            "age x contraindication x neuro x deficiency x formulation",
            f"{age},{contra}",
            _profile(changes),
        )
    bariatric = (None, *(b for b in BariatricProcedure if b is not BariatricProcedure.UNSPECIFIED))
    for procedure, deficiency, neuro, formulation, preference in itertools.product(
        bariatric,
        tuple(DEFICIENCY)[1:],
        (NEURO.ABSENT, NEURO.PRESENT),
        (CYANO, HYDROXO),
        (None, MaintenancePreference.STANDARD, MaintenancePreference.EXTENDED),
    ):
        changes = {"bariatric_procedure": procedure, "deficiency_status": deficiency}
        changes |= {"neurological_involvement": neuro, "formulation": formulation}
        changes["maintenance_preference"] = preference
        _all_three(
            runner,
            "bariatric value x deficiency x neuro x formulation x preference",
            str(procedure),
            _profile(changes),
        )
    for resection, crohn, deficiency, neuro, formulation in itertools.product(
        (None, 0.5, 19.0, 19.99, 20.0, 20.01, 600.0),
        (None, 0.5, 29.0, 29.99, 30.0, 30.01, 60.0, 600.0),
        tuple(DEFICIENCY)[1:],
        (NEURO.ABSENT, NEURO.PRESENT),
        (CYANO, HYDROXO),
    ):
        changes = {"ileal_resection": True, "ileal_resection_length_cm": resection}
        changes |= {"crohn_ileal_involvement": True, "crohn_ileal_involvement_length_cm": crohn}
        changes |= {"deficiency_status": deficiency, "neurological_involvement": neuro}
        changes |= {
            "formulation": formulation,
            "maintenance_preference": MaintenancePreference.EXTENDED,
        }
        _all_three(
            runner,
            "resection x Crohn's length boundaries x deficiency x neuro",
            f"{resection},{crohn}",
            _profile(changes),
        )


def _month_ends() -> list[datetime.date]:
    found: list[datetime.date] = []
    for year in (2023, 2024, 2100):
        for month in range(1, 13):
            following = datetime.date(year + month // 12, month % 12 + 1, 1)
            found.append(following - datetime.timedelta(days=1))
    found.extend(
        (datetime.date(2024, 2, 28), datetime.date(2024, 3, 1), datetime.date(2000, 1, 31))
    )
    return found


PATHWAYS: Final[dict[str, Changes]] = {
    "standard-cyano": {},
    "standard-hydroxo": {"formulation": HYDROXO},
    "extended": {"maintenance_preference": MaintenancePreference.EXTENDED},
    "prophylaxis-monthly": {"deficiency_status": DEFICIENCY.NOT_PRESENT, "ileal_resection": True},
    "prophylaxis-3-monthly": {
        "deficiency_status": DEFICIENCY.NOT_PRESENT,
        "bariatric_procedure": BariatricProcedure.ROUX_EN_Y,
    },
    "neuro": {"neurological_involvement": NEURO.PRESENT},
}


def sweep_dates(runner: Runner) -> None:
    """Month ends and 29 February x pathway x horizon; courses due from month-end doses."""
    horizons = (None, 0, 1, 11, 13, 14, 15, 16, 31, 365, 800)
    for start, (pathway, changes), horizon in itertools.product(
        _month_ends(), PATHWAYS.items(), horizons
    ):
        end = None if horizon is None else start + datetime.timedelta(days=horizon)
        label = f"{pathway},start={start},horizon={horizon}"
        runner.plan(
            label, PlanRequest(profile=_profile(changes), start_date=start, horizon_date=end)
        )
        runner.report.combinations["start date (month ends) x pathway x horizon"] += 1
    for start, (pathway, changes), reference in itertools.product(
        _month_ends(), PATHWAYS.items(), (0, 29, 30, 31, 59, 61, 92, 400)
    ):
        profile = _profile(changes)
        label = f"{pathway},start={start},reference={reference}"
        status = STATUS.PLATEAUED if pathway == "neuro" else None
        runner.course(label, _course(profile, (0,), reference, status, start=start))
        runner.course(label, _course(profile, STANDARD, reference + 11, status, start=start))
        runner.report.combinations["course dates: month-end doses x pathway x reference"] += 2


CHECK_PROFILES: Final[dict[str, Changes]] = {
    "cyano": {},
    "hydroxo": {"formulation": HYDROXO},
    "hydroxo-neuro": {"formulation": HYDROXO, "neurological_involvement": NEURO.UNKNOWN},
    "neuro": {"neurological_involvement": NEURO.PRESENT},
    "ileal": {"ileal_resection": True, "ileal_resection_length_cm": 20.0},
    "crohn-unknown": {"crohn_ileal_involvement": True},
    "prophylaxis": {
        "deficiency_status": DEFICIENCY.NOT_PRESENT,
        "bariatric_procedure": BariatricProcedure.OTHER,
    },
    "no-indication": {"deficiency_status": DEFICIENCY.NOT_PRESENT},
    "not-established": {"deficiency_status": DEFICIENCY.UNKNOWN},
    "supervised": {"platelets_10e9_per_l": 24.9, "neurological_involvement": NEURO.PRESENT},
}


def sweep_checks(runner: Runner) -> None:
    """Every D-CHECK row: dose x interval, loading x open-ended, route x stop, per profile kind."""
    doses = (None, 0.001, 99.9, 100.0, 999.9, 1000.0, 1000.1)
    intervals = (None, 0.5, 1.0, 1.01, 2.0, 2.01, 3.0, 3.01)
    for (kind, changes), dose, interval in itertools.product(
        CHECK_PROFILES.items(), doses, intervals
    ):
        regimen = ProposedRegimen(dose_per_injection_mcg=dose, maintenance_interval_months=interval)
        runner.check(
            f"{kind},dose={dose},interval={interval}",
            CheckRequest(profile=_profile(changes), regimen=regimen),
        )
        runner.report.combinations["check: dose x interval x profile"] += 1
    for (kind, changes), pattern, open_ended in itertools.product(
        CHECK_PROFILES.items(), LOADING_PATTERNS, (None, True, False)
    ):
        regimen = ProposedRegimen(loading_dates=days(pattern), loading_open_ended=open_ended)
        runner.check(
            f"{kind},loading={pattern},open={open_ended}",
            CheckRequest(profile=_profile(changes), regimen=regimen),
        )
        runner.report.combinations["check: loading pattern x open-ended x profile"] += 1
    for (kind, changes), route, stop, formulation in itertools.product(
        CHECK_PROFILES.items(), (None, *tuple(Route)[1:]), (None, START), (None, CYANO, HYDROXO)
    ):
        regimen = ProposedRegimen(route=route, stop_date=stop, formulation=formulation)
        runner.check(
            f"{kind},route={route},stop={stop}",
            CheckRequest(profile=_profile(changes), regimen=regimen),
        )
        runner.report.combinations["check: route x stop x formulation x profile"] += 1


COURSE_PROFILES: Final[dict[str, Changes]] = {
    "standard": {},
    "hydroxo": {"formulation": HYDROXO},
    "neuro": {"neurological_involvement": NEURO.PRESENT},
    "neuro-unknown-hydroxo": {"neurological_involvement": NEURO.UNKNOWN, "formulation": HYDROXO},
    "prophylaxis": {
        "deficiency_status": DEFICIENCY.NOT_PRESENT,
        "bariatric_procedure": BariatricProcedure.SLEEVE,
    },
    "ileal-extended": {
        "ileal_resection": True,
        "maintenance_preference": MaintenancePreference.EXTENDED,
    },
    "contraindicated": {"leber_disease_or_tobacco_amblyopia": True},
    "platelets-24.9": {"platelets_10e9_per_l": 24.9},
}


def sweep_courses(runner: Runner) -> None:
    """Every course scenario per profile kind; labs x stabilisation x reference date."""
    for (kind, changes), (injections, reference, status) in itertools.product(
        COURSE_PROFILES.items(), COURSE_SCENARIOS
    ):
        label = f"{kind},injections={injections},reference={reference},status={status}"
        runner.course(label, _course(_profile(changes), injections, reference, status))
        runner.report.combinations["course: profile x injections x reference x status"] += 1
    for kind, labs, stabilised, reference, status in itertools.product(
        ("standard", "prophylaxis", "neuro"),
        LAB_PATTERNS,
        (None, 0, 45, 90, 100),
        (89, 90, 91, 92, 120, 200, 460, 800),
        (None, STATUS.PLATEAUED),
    ):
        changes = COURSE_PROFILES[kind]
        label = f"{kind},labs={labs},stabilised={stabilised},reference={reference}"
        request = _course(
            _profile(changes), STANDARD, reference, status, labs=labs, stabilised_days=stabilised
        )
        runner.course(label, request)
        runner.report.combinations["course: labs x stabilisation x reference x status"] += 1


INVALID_PROFILE_FIELDS: Final[tuple[Changes, ...]] = (
    {"formulation": None},
    {"formulation": Formulation.UNSPECIFIED},
    {"formulation": Formulation.METHYLCOBALAMIN},
    {"age_years": None},
    {"age_years": -1},
    {"age_years": 121},
    {"deficiency_status": DEFICIENCY.UNSPECIFIED},
    {"neurological_involvement": None},
    {"platelets_10e9_per_l": -0.1},
    {"platelets_10e9_per_l": float("nan")},
    {"egfr_ml_min_1_73m2": 200.1},
    {"egfr_ml_min_1_73m2": float("-inf")},
    {"ileal_resection_length_cm": 25.0},
    {"ileal_resection": True, "ileal_resection_length_cm": 0.0},
    {"crohn_ileal_involvement_length_cm": 40.0},
    {"crohn_ileal_involvement": True, "crohn_ileal_involvement_length_cm": 600.1},
    {"bariatric_procedure": BariatricProcedure.UNSPECIFIED},
    {"site_request": SiteRequest.UNSPECIFIED},
    {"maintenance_preference": MaintenancePreference.UNSPECIFIED},
)


def sweep_validation(runner: Runner) -> None:
    """Every invalid field alone and every pair, in plans, checks and courses (INV-VALIDATION)."""
    faults = (({},), *((fault,) for fault in INVALID_PROFILE_FIELDS))
    pairs = itertools.combinations(INVALID_PROFILE_FIELDS, 2)
    for combination in (*faults, *pairs):
        profile = _profile(_merge(combination))
        label = f"invalid={combination}"
        runner.plan(
            label,
            PlanRequest(
                profile=profile,
                start_date=START,
                route=Route.ORAL if len(combination) > 1 else None,
            ),
        )
        runner.check(
            label,
            CheckRequest(profile=profile, regimen=ProposedRegimen(dose_per_injection_mcg=0.0)),
        )
        runner.course(label, _course(profile, (0, 2, 40), 20, STATUS.IMPROVING))
        runner.report.combinations["validation: single and paired faults x operation"] += 1
    broken_plans = (
        PlanRequest(profile=BASE),
        PlanRequest(
            profile=BASE, start_date=START, horizon_date=START - datetime.timedelta(days=1)
        ),
        PlanRequest(profile=BASE, start_date=START, route=Route.UNSPECIFIED),
    )
    for broken in broken_plans:
        runner.plan("broken plan fields", broken)
        runner.report.combinations["validation: single and paired faults x operation"] += 1
    for lab, stabilised in itertools.product(
        (
            LabResult(),
            LabResult(date=START),
            LabResult(date=START, b12_ng_per_l=-1.0),
            LabResult(date=START, homocysteine_umol_per_l=500.1),
            LabResult(date=START + datetime.timedelta(days=99), b12_ng_per_l=300.0),
        ),
        (None, START - datetime.timedelta(days=1), START + datetime.timedelta(days=99)),
    ):
        request = dataclasses.replace(
            _course(BASE, (0, 2, 30), 20, STATUS.UNSPECIFIED),
            lab_results=(lab,),
            stabilisation_date=stabilised,
        )
        runner.course("broken course fields", request)
        runner.report.combinations["validation: single and paired faults x operation"] += 1


# ---------------------------------------------------------------------------------------------
# Rule set 2.0.0: every profile field alone, the new inputs, the new course and check rows.
# ---------------------------------------------------------------------------------------------

#: Values beyond the default for the profile fields the type cannot give values for (numbers).
_NUMBER_FIELD_VALUES: Final[dict[str, tuple[object, ...]]] = {
    "age_years": (15, 16, 120),
    "platelets_10e9_per_l": (None, 9.99, 10.0, 24.99, 25.0, 50.0, 50.1),
    "egfr_ml_min_1_73m2": (0.0, 59.999, 60.0),
    "ileal_resection_length_cm": (19.99, 20.0),
    "crohn_ileal_involvement_length_cm": (29.99, 30.0),
}
#: A length is given with its flag (D-INVALID).
_LENGTH_FLAGS: Final = {
    "ileal_resection_length_cm": "ileal_resection",
    "crohn_ileal_involvement_length_cm": "crohn_ileal_involvement",
}


def field_values() -> dict[str, tuple[object, ...]]:
    """Every profile field with the values the one-field sweep gives it, derived from the
    dataclass fields: yes/no facts and enums from their type, numbers from the thresholds. A
    field that no rule gives values to stops the enumeration (no field is ever left out)."""
    hints = typing.get_type_hints(PatientProfile)
    found: dict[str, tuple[object, ...]] = {}
    for field in dataclasses.fields(PatientProfile):
        hint = hints[field.name]
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)] or [hint]
        base = options[0]
        if field.name in _NUMBER_FIELD_VALUES:
            found[field.name] = _NUMBER_FIELD_VALUES[field.name]
        elif base is bool:
            found[field.name] = (True, False) if len(typing.get_args(hint)) > 1 else (True,)
        elif isinstance(base, type) and issubclass(base, enum.Enum):
            found[field.name] = tuple(m for m in base if m.name != "UNSPECIFIED")
        else:
            message = f"the enumeration gives no values to PatientProfile.{field.name}"
            raise TypeError(message)
    return found


def sweep_every_field(runner: Runner) -> None:
    """Each profile field alone at each of its values, in every outcome kind (plan, check,
    course): a field added to the profile is enumerated without touching this file."""
    for (kind, base), (name, values) in itertools.product(
        OUTCOME_KINDS.items(), field_values().items()
    ):
        for value in values:
            changes: Changes = {**base, name: value}
            if name in _LENGTH_FLAGS:
                changes[_LENGTH_FLAGS[name]] = True
            _all_three(
                runner,
                "each profile field x value x outcome",
                f"{kind},{name}={value}",
                _profile(changes),
            )


def sweep_safety_inputs(runner: Runner) -> None:
    """D-PREGNANCY and D-ANTICOAGULANT x platelets x neurology x formulation x outcome kind:
    they add their warnings, a monitoring date and the needle above 50, read by no other rule."""
    for (kind, base), pregnant, anticoagulant, platelets, neuro, formulation in itertools.product(
        OUTCOME_KINDS.items(),
        (None, True),
        (None, False, True),
        (None, 9.99, 24.99, 25.0, 50.0, 50.1, 200.0),
        (NEURO.ABSENT, NEURO.PRESENT),
        (CYANO, HYDROXO),
    ):
        changes: Changes = {**base, "pregnant": pregnant, "anticoagulant_therapy": anticoagulant}
        changes |= {"platelets_10e9_per_l": platelets, "formulation": formulation}
        changes["neurological_involvement"] = neuro
        _all_three(
            runner,
            "pregnancy x anticoagulant x platelets x neuro x formulation x outcome",
            f"{kind},{pregnant},{anticoagulant},{platelets}",
            _profile(changes),
        )


def _gap_threshold(
    profile: PatientProfile,
    injections: Sequence[datetime.date],
    status: CourseNeurologicalStatus | None,
    start: datetime.date,
) -> datetime.date:
    facts = derive_facts(profile, status)
    overdue = add_months(max(injections), facts.overdue) if injections else start
    return add_months(overdue, facts.due)


def sweep_course_review(runner: Runner) -> None:
    """D-MAINT-GAP and D-LOAD-INTERRUPTED at both sides of their thresholds, for every course
    profile kind, month-end starts and each status; D-COURSE-SCHEDULE with horizons."""
    starts = (
        START,
        datetime.date(2024, 1, 20),
        datetime.date(2000, 1, 20),
        datetime.date(2100, 1, 20),
    )
    for (kind, changes), start, (offsets, status) in itertools.product(
        COURSE_PROFILES.items(),
        starts,
        (
            ((), None),
            ((0,), None),
            (STANDARD, None),
            ((*STANDARD, 42), STATUS.RECURRED),
            ((0, 2, 4, 6), STATUS.PLATEAUED),
        ),
    ):
        profile = _profile(changes)
        injections = days(offsets, start)
        request = CourseRequest(
            profile=profile,
            start_date=start,
            reference_date=start,
            injection_dates=injections,
            neurological_status=status,
        )
        threshold = _gap_threshold(profile, injections, status, start)
        last = max(injections, default=start)
        references = {
            threshold,
            threshold + datetime.timedelta(days=1),
            last + datetime.timedelta(days=7),
            last + datetime.timedelta(days=8),
        }
        for reference, horizon in itertools.product(sorted(references), (None, 0, 30, 400)):
            end = None if horizon is None else reference + datetime.timedelta(days=horizon)
            runner.course(
                f"{kind},start={start},offsets={offsets},reference={reference},horizon={horizon}",
                dataclasses.replace(request, reference_date=reference, horizon_date=end),
            )
            runner.report.combinations["course: gap and interruption thresholds x horizon"] += 1
    for (kind, changes), (pattern, ref_days, state), horizon in itertools.product(
        COURSE_PROFILES.items(), COURSE_SCENARIOS[::3], (0, 14, 60, 400)
    ):
        request = _course(_profile(changes), pattern, ref_days, state)
        assert request.reference_date is not None
        end = request.reference_date + datetime.timedelta(days=horizon)
        runner.course(
            f"{kind},{pattern},{ref_days},{state},horizon={horizon}",
            dataclasses.replace(request, horizon_date=end),
        )
        runner.report.combinations["course: scenarios x horizon (schedule)"] += 1


def sweep_check_revision_2(runner: Runner) -> None:
    """D-CHECK-ROUTE, D-CHECK-FORMULATION, D-CHECK-EXTENDED and D-CHECK-EMPTY: each route and
    each proposed formulation against each profile kind, and a granted extended interval."""
    profiles: dict[str, Changes] = {
        **CHECK_PROFILES,
        "renal": {"egfr_ml_min_1_73m2": 40.0},
        "hydroxo-renal": {"formulation": HYDROXO, "diabetic_nephropathy": True},
        "leber": {"leber_disease_or_tobacco_amblyopia": True},
        "leber-hydroxo": {"leber_disease_or_tobacco_amblyopia": True, "formulation": HYDROXO},
        "extended": {"maintenance_preference": MaintenancePreference.EXTENDED},
        "extended-hydroxo": {
            "maintenance_preference": MaintenancePreference.EXTENDED,
            "formulation": HYDROXO,
        },
    }
    elements: tuple[Changes, ...] = (
        {},
        {"maintenance_interval_months": 1.01},
        {"maintenance_interval_months": 2.5},
        {"maintenance_interval_months": 3.0},
        {"maintenance_interval_months": 3.01},
        {"dose_per_injection_mcg": 99.9, "site": SiteRequest.GLUTEAL},
        {"loading_dates": days((0, 2, 2, 4)), "stop_date": START},
        {"loading_open_ended": True},
    )
    for (kind, changes), route, formulation, element in itertools.product(
        profiles.items(), (None, *tuple(Route)[1:]), (None, CYANO, HYDROXO), elements
    ):
        regimen = ProposedRegimen(route=route, formulation=formulation, **element)  # type: ignore[arg-type]
        runner.check(
            f"{kind},route={route},formulation={formulation},{element}",
            CheckRequest(profile=_profile(changes), regimen=regimen),
        )
        runner.report.combinations["check: route x proposed formulation x element x profile"] += 1


WINDOW_DATES: Final = (datetime.date(9899, 12, 31), datetime.date(9900, 1, 1), datetime.date.max)


def sweep_windows(runner: Runner) -> None:
    """D-WINDOWS: every date field of a plan and a course at the window's edge, horizons at 100
    years and a day more, a course horizon on and before the reference date."""
    for start, horizon in itertools.product(WINDOW_DATES, (None, *WINDOW_DATES)):
        runner.plan(
            f"window start={start},horizon={horizon}",
            PlanRequest(profile=BASE, start_date=start, horizon_date=horizon),
        )
        runner.report.combinations["windows: plans and courses at the calendar's edge"] += 1
    for start in (START, datetime.date(2024, 2, 29), datetime.date(1, 1, 1)):
        limit = add_months(start, 1200)
        for horizon in (limit, limit + datetime.timedelta(days=1)):
            runner.plan(
                f"window 100y {start},{horizon}",
                PlanRequest(profile=BASE, start_date=start, horizon_date=horizon),
            )
            runner.course(
                f"window 100y {start},{horizon}",
                CourseRequest(
                    profile=BASE, start_date=start, reference_date=start, horizon_date=horizon
                ),
            )
            runner.report.combinations["windows: plans and courses at the calendar's edge"] += 2
    edge = datetime.date(9899, 12, 1)
    for reference, field in itertools.product(
        WINDOW_DATES[:2], ("injection", "lab", "stabilisation", "horizon", "none")
    ):
        day = WINDOW_DATES[1]
        request = CourseRequest(profile=BASE, start_date=edge, reference_date=reference)
        if field == "injection":
            request = dataclasses.replace(request, injection_dates=(edge, day))
        elif field == "lab":
            request = dataclasses.replace(
                request, lab_results=(LabResult(date=day, b12_ng_per_l=300.0),)
            )
        elif field == "stabilisation":
            request = dataclasses.replace(request, stabilisation_date=day)
        elif field == "horizon":
            request = dataclasses.replace(request, horizon_date=day)
        runner.course(f"window course {reference},{field}", request)
        runner.report.combinations["windows: plans and courses at the calendar's edge"] += 1
    for offset in (-1, 0, 1):
        request = _course(BASE, STANDARD, 20, None)
        assert request.reference_date is not None
        horizon = request.reference_date + datetime.timedelta(days=offset)
        runner.course(
            f"window course horizon {offset}", dataclasses.replace(request, horizon_date=horizon)
        )
        runner.report.combinations["windows: plans and courses at the calendar's edge"] += 1


PARTS: Final[tuple[Callable[[Runner], None], ...]] = (
    main_product,
    sweep_profiles,
    sweep_dates,
    sweep_checks,
    sweep_courses,
    sweep_validation,
    sweep_every_field,
    sweep_safety_inputs,
    sweep_course_review,
    sweep_check_revision_2,
    sweep_windows,
)


def enumerate_all(*, stop_at_first: bool = False) -> Report:
    """Run every part; return the report (raises ``FirstViolationError`` with ``stop_at_first``)."""
    runner = Runner(stop_at_first=stop_at_first)
    for part in PARTS:
        part(runner)
    return runner.report


class _RecordingRunner(Runner):
    """Records the profiles the parts would send, without calling the kernel."""

    def __init__(self) -> None:
        super().__init__()
        self.profiles: set[PatientProfile] = set()

    def run(
        self,
        label: str,
        request: object,
        operation: Callable[[object], object],
        oracle: Callable[[object, object], list[str]],
        *,
        twice: bool = False,
    ) -> None:
        """Record the request's profile."""
        del label, operation, oracle, twice
        profile = getattr(request, "profile", None)
        if isinstance(profile, PatientProfile):
            self.profiles.add(profile)


def varied_profile_fields() -> frozenset[str]:
    """Every profile field some enumerated request sets to a value besides its default."""
    runner = _RecordingRunner()
    for part in PARTS:
        part(runner)
    default = PatientProfile()
    return frozenset(
        field.name
        for field in dataclasses.fields(PatientProfile)
        if any(getattr(p, field.name) != getattr(default, field.name) for p in runner.profiles)
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Enumerate, print the counts, and return 1 on any violation."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--first", action="store_true", help="stop at the first violation")
    arguments = parser.parse_args(argv)
    began = time.perf_counter()
    try:
        report = enumerate_all(stop_at_first=arguments.first)
    except FirstViolationError as error:
        print(f"VIOLATION {error}")  # noqa: T201 - the command's output
        return 1
    elapsed = time.perf_counter() - began
    for name, count in report.combinations.items():
        print(f"  {count:7d}  {name}")  # noqa: T201 - the command's output
    print(  # noqa: T201 - the command's output
        f"enumeration: {report.total} combinations checked ({report.calls} kernel calls) in"
        f" {elapsed:.1f} s; {sum(report.violations.values())} violations"
    )
    for rule_id, count in report.violations.most_common():
        print(f"  {count:6d} x {rule_id}\n    {report.examples[rule_id][:1500]}")  # noqa: T201
    return 1 if report.violations else 0


if __name__ == "__main__":
    sys.exit(main())
