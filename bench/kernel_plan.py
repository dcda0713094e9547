"""In-process benchmark of the kernel: planning one regimen, with contracts off.

Run with ``python -O`` (``make bench-kernel``): ``-O`` strips the ``assert`` contracts, exactly as
in production. Each round times a calibration loop and then each workload, alternately, so a
change in the machine's speed shows in both; the report gives per-call medians and ranges over
the rounds, and each workload's ratio to the calibration measured in the same round.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable

from kernel import assess_course, check_regimen, plan_regimen
from kernel.model import (
    BariatricProcedure,
    CheckRequest,
    CourseRequest,
    DeficiencyStatus,
    Formulation,
    NeurologicalInvolvement,
    PatientProfile,
    PlanRequest,
    ProposedRegimen,
)

START = datetime.date(2026, 1, 31)
ONE_YEAR = datetime.date(2027, 1, 31)

TYPICAL = PatientProfile(
    formulation=Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML,
    age_years=54,
    deficiency_status=DeficiencyStatus.CONFIRMED,
    neurological_involvement=NeurologicalInvolvement.ABSENT,
    platelets_10e9_per_l=210.0,
    egfr_ml_min_1_73m2=48.0,
)
NEUROLOGICAL = PatientProfile(
    formulation=Formulation.HYDROXOCOBALAMIN_1000_MCG_PER_ML,
    age_years=67,
    deficiency_status=DeficiencyStatus.CONFIRMED,
    neurological_involvement=NeurologicalInvolvement.PRESENT,
    platelets_10e9_per_l=40.0,
)
PROPHYLAXIS = PatientProfile(
    formulation=Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML,
    age_years=38,
    deficiency_status=DeficiencyStatus.NOT_PRESENT,
    neurological_involvement=NeurologicalInvolvement.ABSENT,
    bariatric_procedure=BariatricProcedure.ROUX_EN_Y,
    platelets_10e9_per_l=250.0,
)

WORKLOADS: dict[str, Callable[[], object]] = {
    "plan: standard loading, renal, 1-year horizon": lambda: plan_regimen(
        PlanRequest(profile=TYPICAL, start_date=START, horizon_date=ONE_YEAR)
    ),
    "plan: neurological loading, 1-year horizon": lambda: plan_regimen(
        PlanRequest(profile=NEUROLOGICAL, start_date=START, horizon_date=ONE_YEAR)
    ),
    "plan: bariatric prophylaxis, 1-year horizon": lambda: plan_regimen(
        PlanRequest(profile=PROPHYLAXIS, start_date=START, horizon_date=ONE_YEAR)
    ),
    "check: 100 mcg every 2 months": lambda: check_regimen(
        CheckRequest(
            profile=TYPICAL,
            regimen=ProposedRegimen(dose_per_injection_mcg=100.0, maintenance_interval_months=2.0),
        )
    ),
    "assess: maintenance, 8 injections": lambda: assess_course(
        CourseRequest(
            profile=TYPICAL,
            start_date=START,
            reference_date=datetime.date(2026, 6, 1),
            injection_dates=tuple(
                START + datetime.timedelta(days=d) for d in (0, 2, 4, 7, 9, 11, 39, 70)
            ),
        )
    ),
}


def calibrate() -> int:
    """Run a fixed pure-Python workload that tracks the machine's current speed."""
    total = 0
    for number in range(200):
        total += number * number
    return total


def time_per_call_us(function: Callable[[], object], calls: int) -> float:
    """Return the mean wall time per call, in microseconds, over ``calls`` calls."""
    started = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - started) / calls * 1e6


def main() -> int:
    """Run the benchmark and print a Markdown report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--calls", type=int, default=2000)
    arguments = parser.parse_args()
    contracts_on = __debug__
    for function in WORKLOADS.values():  # warm the per-class caches once, as a server would be
        function()
    samples: dict[str, list[float]] = {name: [] for name in ["calibration", *WORKLOADS]}
    ratios: dict[str, list[float]] = {name: [] for name in WORKLOADS}
    for _ in range(arguments.rounds):
        calibration = time_per_call_us(calibrate, arguments.calls)
        samples["calibration"].append(calibration)
        for name, function in WORKLOADS.items():
            per_call = time_per_call_us(function, arguments.calls)
            samples[name].append(per_call)
            ratios[name].append(per_call / calibration)
    mode = "contracts ON" if contracts_on else "contracts OFF (-O)"
    python = f"{platform.python_implementation()} {platform.python_version()}"
    print(f"# Kernel in-process benchmark ({mode})")
    print()
    print(f"- date: {datetime.datetime.now(tz=datetime.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"- machine: {platform.machine()}, {os.cpu_count()} cores, {python}")
    print(f"- rounds x calls: {arguments.rounds} x {arguments.calls}")
    print(f"- command: {' '.join(sys.orig_argv)}")
    print()
    print("| workload | median µs/call | range µs | median ratio to calibration |")
    print("|---|---|---|---|")
    for name, values in samples.items():
        ratio = "1" if name == "calibration" else f"{statistics.median(ratios[name]):.2f}"
        spread = f"{min(values):.2f}-{max(values):.2f}"
        print(f"| {name} | {statistics.median(values):.2f} | {spread} | {ratio} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
