"""Hypothesis strategies for every kernel input, and the Hypothesis settings profiles.

Strategies are explicit ``st.builds`` over bounded value strategies (never filters), in three
strengths:

- ``"valid"``: only values validation accepts, biased to the thresholds of the decisions;
- ``"any"``: valid values plus invalid ones (out of range, ``UNSPECIFIED``, missing fields,
  contradictory flags), so validation and totality are exercised;
- ``"wild"``: ``"any"`` plus NaN, infinities, huge and negative floats and far dates
  (``date.min``, ``date.max``), to show the kernel never raises.

Boundary values are drawn on purpose (platelets 9/10/24/24.9/25/50/50.1/51, eGFR 59/60,
resection 19/20 cm, Crohn's 29/30 cm, age 15/16), and dates cluster around month ends and
29 February.

Profiles (``HYPOTHESIS_PROFILE`` selects one; default "dev", or "ci" when ``CI=true``):
"ci" derandomised, 300 examples; "dev" 100 random examples; "mutation" 25 derandomised examples
without shrinking (fast, for mutmut and the known-bad kernels); "long" 5000 random examples.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime
import enum
import os
import types
import typing
from collections.abc import Sequence
from typing import Final, Literal

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from kernel.model import (
    CheckRequest,
    CourseNeurologicalStatus,
    CourseRequest,
    DeficiencyStatus,
    Formulation,
    LabResult,
    NeurologicalInvolvement,
    PatientProfile,
    PlanRequest,
    ProposedRegimen,
    Route,
    SiteRequest,
)

Strength = Literal["valid", "any", "wild"]

YES: Final = st.just(True)  # noqa: FBT003 - the strategy of the value True
NO: Final = st.just(False)  # noqa: FBT003 - the strategy of the value False

# ---------------------------------------------------------------------------------------------
# Settings profiles.
# ---------------------------------------------------------------------------------------------

_SLOW_DATA: Final = [HealthCheck.too_slow, HealthCheck.data_too_large]

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=300,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=_SLOW_DATA,
)
settings.register_profile("dev", max_examples=100, deadline=None, suppress_health_check=_SLOW_DATA)
settings.register_profile(
    "mutation",
    derandomize=True,
    max_examples=25,
    deadline=None,
    database=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=_SLOW_DATA,
)
settings.register_profile(
    "long", max_examples=5000, deadline=None, suppress_health_check=_SLOW_DATA
)


def profile_name() -> str:
    """Return the profile selected by ``HYPOTHESIS_PROFILE`` (default "dev"; "ci" under CI)."""
    chosen = os.environ.get("HYPOTHESIS_PROFILE")
    if chosen:
        return chosen
    return "ci" if os.environ.get("CI", "").lower() == "true" else "dev"


settings.load_profile(profile_name())

# ---------------------------------------------------------------------------------------------
# Boundary values of the decisions.
# ---------------------------------------------------------------------------------------------

PLATELET_BOUNDARIES: Final = (0.0, 9.0, 9.99, 10.0, 24.0, 24.9, 25.0, 50.0, 50.1, 51.0, 2000.0)
EGFR_BOUNDARIES: Final = (0.0, 59.0, 59.999, 60.0, 60.001, 200.0)
RESECTION_BOUNDARIES: Final = (0.5, 19.0, 19.99, 20.0, 20.01, 600.0)
CROHN_BOUNDARIES: Final = (0.5, 29.0, 29.99, 30.0, 30.01, 60.0, 600.0)
AGE_BOUNDARIES: Final = (0, 15, 16, 17, 120)
DOSE_BOUNDARIES: Final = (0.001, 1.0, 99.0, 99.9, 100.0, 999.0, 999.9, 1000.0, 1000.1, 5000.0)
INTERVAL_BOUNDARIES: Final = (0.25, 0.5, 1.0, 1.01, 1.5, 2.0, 2.01, 2.5, 3.0, 3.01, 4.0, 12.0)
HOMOCYSTEINE_BOUNDARIES: Final = (0.0, 5.0, 9.9, 10.0, 10.1, 30.0, 500.0)
B12_VALUES: Final = (0.0, 150.0, 300.0, 20000.0)

WILD_FLOATS: Final = (
    float("nan"),
    float("inf"),
    float("-inf"),
    1e308,
    -1e308,
    5e-324,
    -5e-324,
    -0.0,
    -1.0,
    1e18,
)
FAR_DATES: Final = (
    datetime.date.min,
    datetime.date(1, 12, 31),
    datetime.date(9899, 12, 31),
    datetime.date(9900, 1, 1),
    datetime.date(9999, 12, 1),
    datetime.date.max,
)

STANDARD_OFFSETS: Final = (0, 2, 4, 7, 9, 11)
#: Loading patterns worth proposing in a regimen check (days from the first dose).
LOADING_PATTERNS: Final[tuple[tuple[int, ...], ...]] = (
    (),
    (0,),
    STANDARD_OFFSETS,
    (0, 2, 4, 7, 9),
    (0, 3, 6, 9, 12),
    (0, 2, 4, 6, 8, 10),
    (0, 2, 4, 6, 8, 10, 12),
    (0, 2, 4, 7, 9, 11, 13),
    (0, 2, 4, 7, 9, 11, 14, 21),
    (0, 1, 2, 3),
    (0, 2, 2, 4),
    (0, 2, 4, 6, 8, 10, 12, 14, 16),
    (0, 2, 5, 7),
    (0, 7),
)

# ---------------------------------------------------------------------------------------------
# Dates.
# ---------------------------------------------------------------------------------------------


def _near_month_end(year: int, month: int, back: int) -> datetime.date:
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, last - back)


#: Dates on or just before a month's end, in leap, common and century years.
month_end_dates: Final = st.builds(
    _near_month_end,
    year=st.sampled_from((1900, 2000, 2023, 2024, 2025, 2100)) | st.integers(1990, 2099),
    month=st.integers(1, 12),
    back=st.integers(0, 3),
)

#: Ordinary dates, with month ends and 29 February in leap years over-represented.
ordinary_dates: Final = st.one_of(
    month_end_dates,
    st.sampled_from(
        (
            datetime.date(2024, 2, 29),
            datetime.date(2024, 1, 31),
            datetime.date(2023, 1, 31),
            datetime.date(2024, 12, 31),
            datetime.date(2000, 2, 29),
        )
    ),
    st.dates(datetime.date(1990, 1, 1), datetime.date(2099, 12, 31)),
)


#: The edge of the supported calendar (D-WINDOWS): the last valid date and the first invalid one.
WINDOW_EDGE: Final = (datetime.date(9899, 12, 31), datetime.date(9900, 1, 1))


def start_dates(strength: Strength = "valid") -> st.SearchStrategy[datetime.date]:
    """Start dates: ordinary ones; the window's edge for "any"; far ones for "wild" inputs."""
    if strength == "wild":
        return ordinary_dates | st.sampled_from(FAR_DATES) | st.dates()
    if strength == "any":
        return ordinary_dates | st.sampled_from(WINDOW_EDGE)
    return ordinary_dates


# ---------------------------------------------------------------------------------------------
# Numbers.
# ---------------------------------------------------------------------------------------------


def _measure(
    boundaries: Sequence[float],
    high: float,
    strength: Strength,
    *,
    optional: bool = True,
) -> st.SearchStrategy[float | None]:
    """Return a value in [0, high], its boundaries, and (unless "valid") values out of range."""
    values: st.SearchStrategy[float | None] = st.sampled_from(tuple(boundaries)) | st.floats(
        0.0, high, allow_nan=False, allow_infinity=False
    )
    if optional:
        values = st.none() | values
    if strength != "valid":
        values = values | st.sampled_from((-0.1, -1.0, high + 0.1, high * 2))
    if strength == "wild":
        values = values | st.sampled_from(WILD_FLOATS) | st.floats()
    return values


def _enum(
    valid: Sequence[object], everything: Sequence[object], strength: Strength, *, optional: bool
) -> st.SearchStrategy[object]:
    choices: list[object] = list(valid if strength == "valid" else everything)
    if optional or strength != "valid":
        choices.append(None)
    return st.sampled_from(choices)


# ---------------------------------------------------------------------------------------------
# Profiles.
# ---------------------------------------------------------------------------------------------

_VALID_FORMULATIONS: Final = (
    Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML,
    Formulation.HYDROXOCOBALAMIN_1000_MCG_PER_ML,
)
_VALID_DEFICIENCY: Final = (
    DeficiencyStatus.CONFIRMED,
    DeficiencyStatus.NOT_PRESENT,
    DeficiencyStatus.UNKNOWN,
)
_VALID_NEURO: Final = (
    NeurologicalInvolvement.ABSENT,
    NeurologicalInvolvement.PRESENT,
    NeurologicalInvolvement.UNKNOWN,
)


def _without_unspecified(enum_type: type) -> tuple[object, ...]:
    return tuple(member for member in enum_type if member.name != "UNSPECIFIED")  # type: ignore[attr-defined]


def _length_pair(
    boundaries: Sequence[float], strength: Strength
) -> st.SearchStrategy[tuple[bool, float | None]]:
    """(flag, length): no flag; the flag with an unknown length; the flag with a length."""
    lengths = st.sampled_from(tuple(boundaries)) | st.floats(
        0.001, 600.0, allow_nan=False, allow_infinity=False
    )
    pairs: st.SearchStrategy[tuple[bool, float | None]] = st.one_of(
        st.just((False, None)),
        st.just((True, None)),
        st.tuples(YES, lengths),
    )
    if strength != "valid":
        invalid_length = st.sampled_from((0.0, -1.0, 600.1, 10_000.0))
        pairs = pairs | st.tuples(YES, invalid_length) | st.tuples(NO, lengths)
    if strength == "wild":
        pairs = pairs | st.tuples(st.booleans(), st.sampled_from(WILD_FLOATS))
    return pairs


def _ages(strength: Strength) -> st.SearchStrategy[int | None]:
    ages: st.SearchStrategy[int | None] = st.sampled_from(AGE_BOUNDARIES) | st.integers(0, 120)
    if strength != "valid":
        ages = ages | st.sampled_from((None, -1, 121, 200))
    if strength == "wild":
        ages = ages | st.integers()
    return ages


def _rare_flag() -> st.SearchStrategy[bool]:
    """Return a yes/no fact that is usually no (a contraindication hides most of a plan)."""
    return st.sampled_from((False, False, False, True))


#: Profile fields drawn together, because validity depends on the pair (D-INVALID).
PAIRED_PROFILE_FIELDS: Final = (
    ("ileal_resection", "ileal_resection_length_cm"),
    ("crohn_ileal_involvement", "crohn_ileal_involvement_length_cm"),
)


def _special_profile_fields(strength: Strength) -> dict[str, st.SearchStrategy[object]]:
    """Return the profile fields whose values need thresholds or a weighting."""
    return {
        "formulation": _enum(_VALID_FORMULATIONS, [*Formulation], strength, optional=False),
        "age_years": _ages(strength),
        "deficiency_status": _enum(
            _VALID_DEFICIENCY, [*DeficiencyStatus], strength, optional=False
        ),
        "neurological_involvement": _enum(
            _VALID_NEURO, [*NeurologicalInvolvement], strength, optional=False
        ),
        "platelets_10e9_per_l": _measure(PLATELET_BOUNDARIES, 2000.0, strength),
        "egfr_ml_min_1_73m2": _measure(EGFR_BOUNDARIES, 200.0, strength),
        "hypersensitivity_cobalt_or_b12": _rare_flag(),
        "leber_disease_or_tobacco_amblyopia": _rare_flag(),
    }


def _by_type(hint: object, strength: Strength) -> st.SearchStrategy[object] | None:
    """Return a strategy for a yes/no fact or an enum field from its type alone (``None`` if
    the type says too little: numbers need the thresholds of the decisions)."""
    optional = typing.get_origin(hint) in {typing.Union, types.UnionType}
    options = (
        [arg for arg in typing.get_args(hint) if arg is not type(None)] if optional else [hint]
    )
    if len(options) != 1:
        return None
    base = options[0]
    if base is bool:
        values: st.SearchStrategy[object] = st.booleans()
        return st.none() | values if optional else values
    if isinstance(base, type) and issubclass(base, enum.Enum):
        members = list(base)
        valid = [m for m in members if m.name != "UNSPECIFIED"]
        return _enum(valid, members, strength, optional=optional)
    return None


def profile_field_strategies(strength: Strength = "valid") -> dict[str, st.SearchStrategy[object]]:
    """One strategy per single field of ``PatientProfile`` (the paired length fields apart),
    derived from the dataclass fields: a field the decisions add is drawn from its type, and a
    field no rule can draw stops the import (so no field is ever left out)."""
    hints = typing.get_type_hints(PatientProfile)
    special = _special_profile_fields(strength)
    paired = {name for pair in PAIRED_PROFILE_FIELDS for name in pair}
    found: dict[str, st.SearchStrategy[object]] = {}
    for field in dataclasses.fields(PatientProfile):
        if field.name in paired:
            continue
        strategy = special.get(field.name)
        if strategy is None:
            strategy = _by_type(hints[field.name], strength)
        if strategy is None:
            message = f"no strategy draws PatientProfile.{field.name}"
            raise TypeError(message)
        found[field.name] = strategy
    return found


def drawn_profile_fields() -> frozenset[str]:
    """Every profile field the strategies draw (the single fields and the pairs)."""
    singles = profile_field_strategies("valid")
    return frozenset({*singles, *(name for pair in PAIRED_PROFILE_FIELDS for name in pair)})


def _make_profile(
    *,
    singles: dict[str, object],
    ileal: tuple[bool, float | None],
    crohn: tuple[bool, float | None],
) -> PatientProfile:
    (ileal_flag, ileal_length), (crohn_flag, crohn_length) = PAIRED_PROFILE_FIELDS
    values = {
        **singles,
        ileal_flag: ileal[0],
        ileal_length: ileal[1],
        crohn_flag: crohn[0],
        crohn_length: crohn[1],
    }
    return PatientProfile(**values)  # type: ignore[arg-type]


def profiles(strength: Strength = "valid") -> st.SearchStrategy[PatientProfile]:
    """Patient profiles of the given strength: every field of ``PatientProfile`` is drawn."""
    return st.builds(
        _make_profile,
        singles=st.fixed_dictionaries(profile_field_strategies(strength)),
        ileal=_length_pair(RESECTION_BOUNDARIES, strength),
        crohn=_length_pair(CROHN_BOUNDARIES, strength),
    )


# ---------------------------------------------------------------------------------------------
# Plan requests.
# ---------------------------------------------------------------------------------------------


def _make_plan(
    *,
    profile: PatientProfile,
    start: datetime.date | None,
    horizon_days: int | None,
    route: Route | None,
) -> PlanRequest:
    horizon: datetime.date | None = None
    if start is not None and horizon_days is not None:
        try:
            horizon = start + datetime.timedelta(days=horizon_days)
        except OverflowError:
            horizon = datetime.date.max if horizon_days > 0 else datetime.date.min
    return PlanRequest(profile=profile, start_date=start, horizon_date=horizon, route=route)


def _horizon_days(strength: Strength) -> st.SearchStrategy[int | None]:
    days: st.SearchStrategy[int | None] = (
        st.none()
        | st.sampled_from(
            (0, 1, 11, 13, 14, 15, 16, 30, 31, 45, 59, 60, 91, 92, 365, 366, 731, 1096)
        )
        | st.integers(0, 3000)
    )
    if strength != "valid":
        days = days | st.sampled_from((-1, -30))
    if strength == "wild":
        days = days | st.sampled_from((36_500, 36_525, 36_600, 3_000_000, -3_000_000))
    return days


def plan_requests(strength: Strength = "valid") -> st.SearchStrategy[PlanRequest]:
    """Plan requests of the given strength."""
    starts: st.SearchStrategy[datetime.date | None] = start_dates(strength)
    routes: st.SearchStrategy[Route | None] = st.sampled_from((None, Route.INTRAMUSCULAR))
    if strength != "valid":
        starts = starts | st.none()
        routes = st.sampled_from((None, *Route))
    return st.builds(
        _make_plan,
        profile=profiles(strength),
        start=starts,
        horizon_days=_horizon_days(strength),
        route=routes,
    )


# ---------------------------------------------------------------------------------------------
# Regimen checks.
# ---------------------------------------------------------------------------------------------


def _make_regimen(  # noqa: PLR0913 - one argument per proposed element
    *,
    numbers: tuple[float | None, float | None],
    first_dose: datetime.date,
    offsets: Sequence[int],
    open_ended: bool | None,
    stop_date: datetime.date | None,
    enums: tuple[SiteRequest | None, Route | None, Formulation | None],
) -> ProposedRegimen:
    dates = tuple(first_dose + datetime.timedelta(days=offset) for offset in offsets)
    return ProposedRegimen(
        dose_per_injection_mcg=numbers[0],
        loading_dates=dates,
        loading_open_ended=open_ended,
        maintenance_interval_months=numbers[1],
        stop_date=stop_date,
        site=enums[0],
        route=enums[1],
        formulation=enums[2],
    )


def _loading_offsets() -> st.SearchStrategy[list[int]]:
    """Return loading patterns in any order (lists are read in date order, D-FIELDS)."""
    patterns = st.sampled_from(LOADING_PATTERNS) | st.lists(st.integers(0, 30), max_size=12)
    return patterns.flatmap(st.permutations)


def _proposed_number(
    boundaries: Sequence[float], high: float, strength: Strength
) -> st.SearchStrategy[float | None]:
    numbers: st.SearchStrategy[float | None] = (
        st.none()
        | st.sampled_from(tuple(boundaries))
        | st.floats(0.001, high, allow_nan=False, allow_infinity=False)
    )
    if strength != "valid":
        numbers = numbers | st.sampled_from((0.0, -1.0))
    if strength == "wild":
        numbers = numbers | st.sampled_from(WILD_FLOATS) | st.floats()
    return numbers


def _make_check(
    *, profile: PatientProfile, regimen: ProposedRegimen, same_formulation: bool
) -> CheckRequest:
    if same_formulation and regimen.formulation is not None:
        regimen = ProposedRegimen(
            dose_per_injection_mcg=regimen.dose_per_injection_mcg,
            loading_dates=regimen.loading_dates,
            loading_open_ended=regimen.loading_open_ended,
            maintenance_interval_months=regimen.maintenance_interval_months,
            stop_date=regimen.stop_date,
            site=regimen.site,
            route=regimen.route,
            formulation=profile.formulation,
        )
    return CheckRequest(profile=profile, regimen=regimen)


def check_requests(strength: Strength = "valid") -> st.SearchStrategy[CheckRequest]:
    """Regimen check requests of the given strength."""
    sites: list[SiteRequest | None] = [None, *_without_unspecified(SiteRequest)]  # type: ignore[list-item]
    routes: list[Route | None] = [None, *_without_unspecified(Route)]  # type: ignore[list-item]
    formulations: list[Formulation | None] = [None, *_VALID_FORMULATIONS]
    if strength != "valid":
        sites, routes, formulations = [None, *SiteRequest], [None, *Route], [None, *Formulation]
    regimen = st.builds(
        _make_regimen,
        numbers=st.tuples(
            _proposed_number(DOSE_BOUNDARIES, 10_000.0, strength),
            _proposed_number(INTERVAL_BOUNDARIES, 24.0, strength),
        ),
        first_dose=start_dates(strength if strength != "wild" else "valid"),
        offsets=_loading_offsets(),
        open_ended=st.sampled_from((None, True, False)),
        stop_date=st.none() | ordinary_dates,
        enums=st.tuples(
            st.sampled_from(sites), st.sampled_from(routes), st.sampled_from(formulations)
        ),
    )
    return st.builds(
        _make_check,
        profile=profiles(strength),
        regimen=regimen,
        # D-CHECK-FORMULATION: a proposed formulation unlike the profile's is valid input.
        same_formulation=st.booleans(),
    )


# ---------------------------------------------------------------------------------------------
# Course assessments.
# ---------------------------------------------------------------------------------------------

#: Injection patterns of a course (days from the start).
COURSE_PATTERNS: Final[tuple[tuple[int, ...], ...]] = (
    (),
    (0,),
    (0, 2),
    (0, 2, 4),
    (0, 2, 4, 7, 9),
    STANDARD_OFFSETS,
    (*STANDARD_OFFSETS, 42),
    (*STANDARD_OFFSETS, 42, 73, 103),
    (0, 2, 4, 6, 8, 10, 12, 14),
    (0, 2, 4, 6),
    (0, 3, 9),
    (0, 0, 2),
    (0, 2, 4, 7, 9, 9),
    (0, 31, 59, 90),
    (0, 92, 184),
)


def _make_course(  # noqa: PLR0913 - one argument per course element
    *,
    profile: PatientProfile,
    start: datetime.date | None,
    reference_days: int,
    injections: Sequence[int],
    labs: Sequence[tuple[int, float | None, float | None]],
    state: tuple[CourseNeurologicalStatus | None, int | None, bool],
    clamp: bool,
    horizon_days: int | None = None,
) -> CourseRequest:
    status, stabilised_days, stop = state
    if start is None:
        return CourseRequest(
            profile=profile,
            start_date=None,
            reference_date=None,
            neurological_status=status,
            stop_requested=stop,
        )
    try:
        reference = start + datetime.timedelta(days=reference_days)
    except OverflowError:
        reference = datetime.date.max if reference_days > 0 else datetime.date.min

    def day(offset: int, *, before_start: bool = False) -> datetime.date:
        if clamp:
            offset = min(offset, (reference - start).days)
            offset = offset if before_start else max(0, offset)
        try:
            return start + datetime.timedelta(days=offset)
        except OverflowError:
            return datetime.date.max if offset > 0 else datetime.date.min

    injection_dates = tuple(day(offset) for offset in injections)
    if clamp and reference < start:
        injection_dates = ()
    lab_results = tuple(
        LabResult(
            date=day(offset, before_start=True), b12_ng_per_l=b12, homocysteine_umol_per_l=hcy
        )
        for offset, b12, hcy in labs
    )
    stabilisation = None if stabilised_days is None else day(stabilised_days)
    if clamp and stabilisation is not None and reference < start:
        stabilisation = None
    horizon = None
    if horizon_days is not None:
        try:
            horizon = reference + datetime.timedelta(days=horizon_days)
        except OverflowError:
            horizon = datetime.date.max if horizon_days > 0 else datetime.date.min
    return CourseRequest(
        profile=profile,
        start_date=start,
        reference_date=reference,
        injection_dates=injection_dates,
        lab_results=lab_results,
        neurological_status=status,
        stabilisation_date=stabilisation,
        stop_requested=stop,
        horizon_date=horizon,
    )


def _course_horizon_days(strength: Strength) -> st.SearchStrategy[int | None]:
    """Course horizons, in days after the reference date (D-COURSE-SCHEDULE)."""
    days: st.SearchStrategy[int | None] = (
        st.none()
        | st.sampled_from((0, 1, 2, 13, 14, 15, 30, 31, 60, 92, 365, 366))
        | st.integers(0, 800)
    )
    if strength != "valid":
        days = days | st.sampled_from((-1, -30))
    if strength == "wild":
        days = days | st.sampled_from((36_525, 36_600, 3_000_000))
    return days


def _with_a_value(
    lab: tuple[int, float | None, float | None],
) -> tuple[int, float | None, float | None]:
    """Give a lab result at least one value (D-FIELDS)."""
    offset, b12, hcy = lab
    return (offset, 300.0, hcy) if b12 is None and hcy is None else lab


def _lab(strength: Strength) -> st.SearchStrategy[tuple[int, float | None, float | None]]:
    labs = st.tuples(
        st.integers(-30, 1500),
        _measure(B12_VALUES, 20000.0, strength),
        _measure(HOMOCYSTEINE_BOUNDARIES, 500.0, strength),
    )
    return labs.map(_with_a_value) if strength == "valid" else labs


def course_requests(strength: Strength = "valid") -> st.SearchStrategy[CourseRequest]:
    """Course requests of the given strength."""
    statuses: list[CourseNeurologicalStatus | None] = [
        None,
        *_without_unspecified(CourseNeurologicalStatus),  # type: ignore[list-item]
    ]
    starts: st.SearchStrategy[datetime.date | None] = start_dates(strength)
    if strength != "valid":
        statuses = [None, *CourseNeurologicalStatus]
        starts = starts | st.none()
    reference_days = st.sampled_from(
        (
            *(0, 1, 2, 7, 8, 11, 12, 13, 14, 15, 16, 18, 19, 30, 31, 44, 45, 46, 69, 70, 71, 72),
            *(91, 92, 183, 365, 366, 400, 800),
        )
    ) | st.integers(-10, 2000)
    if strength == "wild":
        reference_days = reference_days | st.sampled_from((3_000_000, -3_000_000, 2_900_000))
    injections = st.sampled_from(COURSE_PATTERNS) | st.lists(st.integers(0, 800), max_size=14)
    return st.builds(
        _make_course,
        profile=profiles(strength),
        start=starts,
        reference_days=reference_days,
        injections=injections.flatmap(st.permutations),
        labs=st.lists(_lab(strength), max_size=5),
        state=st.tuples(
            st.sampled_from(statuses),
            st.none() | st.integers(0, 1500),
            st.booleans(),
        ),
        clamp=YES if strength == "valid" else st.booleans(),
        horizon_days=_course_horizon_days(strength),
    )


# Every kernel input type resolves to its "any" strategy in ``st.from_type``.
st.register_type_strategy(PatientProfile, profiles("any"))
st.register_type_strategy(PlanRequest, plan_requests("any"))
st.register_type_strategy(CheckRequest, check_requests("any"))
st.register_type_strategy(CourseRequest, course_requests("any"))
