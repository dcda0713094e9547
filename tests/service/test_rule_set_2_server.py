"""Rule set 2.0.0 through the real server: the clinical review's cases, as a caller sees them.

Each case is one the review found wrong or too quiet in rule set 1.0.0, called over gRPC on
127.0.0.1 with the Python client; the expected values are written by hand from
specs/clinical-decisions.md ("Revision 2").
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator

import pytest
from b12.dosing.client import DosingClient
from b12.dosing.v1 import dosing_pb2 as pb
from google.type import date_pb2

from server.grpc.app import create_server
from server.grpc.config import ServerConfig

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def client() -> Iterator[DosingClient]:
    server, port = create_server("127.0.0.1:0", ServerConfig(access_log=False))
    server.start()
    with DosingClient(f"127.0.0.1:{port}") as dosing:
        yield dosing
    server.stop(None).wait()


def _date(day: datetime.date) -> date_pb2.Date:
    return date_pb2.Date(year=day.year, month=day.month, day=day.day)


def _profile(**changes: object) -> pb.PatientProfile:
    profile = pb.PatientProfile(
        formulation=pb.FORMULATION_CYANOCOBALAMIN_1000_MCG_PER_ML,
        age_years=58,
        deficiency_status=pb.DEFICIENCY_STATUS_CONFIRMED,
        neurological_involvement=pb.NEUROLOGICAL_INVOLVEMENT_ABSENT,
        platelets_10e9_per_l=210,
    )
    for name, value in changes.items():
        setattr(profile, name, value)
    return profile


def _codes(findings: Iterable[pb.Finding]) -> dict[str, str]:
    return {
        pb.Code.Name(f.code).removeprefix("CODE_"): pb.Severity.Name(f.severity) for f in findings
    }


@pytest.mark.covers("D-PLT-SEVERE-REFER", "INV-REFER-PLATELETS")
def test_platelets_8_without_neurology_is_an_urgent_referral_with_same_day_advice(
    client: DosingClient,
) -> None:
    response = client.plan_regimen(
        pb.PlanRegimenRequest(
            profile=_profile(platelets_10e9_per_l=8), start_date=_date(datetime.date(2026, 3, 2))
        )
    )
    assert response.WhichOneof("outcome") == "referral"
    referral = response.referral
    assert list(referral.reasons) == [pb.REFER_REASON_PLATELETS_BELOW_25_NO_NEURO]
    assert referral.urgent
    codes = _codes(referral.warnings)
    assert codes["PLATELETS_SEVERE_SAME_DAY_ADVICE"] == "SEVERITY_CRITICAL"
    assert codes["PLATELET_TRANSFUSION_CONSIDER"] == "SEVERITY_CRITICAL"
    assert "same-day" in referral.text
    assert "without delaying treatment" in referral.text
    assert referral.reason_details[0].text
    assert "PLATELETS_BELOW_25_NO_NEURO" not in referral.text + referral.reason_details[0].text
    assert referral.rule_set_version == "2.0.0"


@pytest.mark.covers("D-MAINT-GAP", "D-COURSE-OUTCOME", "INV-COURSE-OUTCOME")
def test_a_monthly_course_295_days_overdue_is_reviewed_for_a_long_gap(
    client: DosingClient,
) -> None:
    # Six loading doses, then the last maintenance dose on 2025-02-03: due 2025-03-03, overdue
    # after 2025-03-03; the reference date 295 days later is 2025-12-23.
    loading = [datetime.date(2025, 1, day) for day in (6, 8, 10, 13, 15, 17)]
    injections = [*loading, datetime.date(2025, 2, 3)]
    reference = datetime.date(2025, 3, 3) + datetime.timedelta(days=295)
    response = client.assess_course(
        pb.AssessCourseRequest(
            profile=_profile(),
            start_date=_date(loading[0]),
            reference_date=_date(reference),
            injection_dates=[_date(day) for day in injections],
        )
    )
    assert response.phase == pb.COURSE_PHASE_MAINTENANCE
    assert response.days_overdue == 295
    assert response.outcome == pb.COURSE_OUTCOME_REVIEW
    assert response.clinician_review_required
    assert _codes(response.findings)["MAINTENANCE_LONG_GAP"] == "SEVERITY_WARNING"
    # The forward schedule gives the overdue dose as soon as possible: on the reference date.
    first = response.schedule.maintenance_dates[0]
    assert datetime.date(first.year, first.month, first.day) == reference


@pytest.mark.covers("D-CHECK-FORMULATION", "INV-CHECK-FORMULATION")
def test_the_switch_the_plan_recommends_is_judged_as_hydroxocobalamin(
    client: DosingClient,
) -> None:
    response = client.check_regimen(
        pb.CheckRegimenRequest(
            profile=_profile(egfr_ml_min_1_73m2=40),
            regimen=pb.ProposedRegimen(
                formulation=pb.FORMULATION_HYDROXOCOBALAMIN_1000_MCG_PER_ML,
                maintenance_interval_months=2,
                dose_per_injection_mcg=1000,
            ),
        )
    )
    codes = _codes(response.findings)
    assert "NOT_COVERED" not in codes
    assert "RENAL_PREFER_HYDROXOCOBALAMIN" not in codes
    assert not {code for code in codes if code.startswith("INTERVAL_")}
    assert codes["FORMULATION_DIFFERS_FROM_PROFILE"] == "SEVERITY_INFO"
    (differs,) = [
        f for f in response.findings if f.code == pb.CODE_FORMULATION_DIFFERS_FROM_PROFILE
    ]
    assert "hydroxocobalamin" in differs.text
    assert "cyanocobalamin" in differs.text
    assert response.rule_set_version == "2.0.0"


@pytest.mark.covers("D-COURSE-SCHEDULE")
def test_a_plateaued_neurological_course_gets_a_dated_monthly_calendar(
    client: DosingClient,
) -> None:
    start = datetime.date(2026, 1, 5)
    injections = [start + datetime.timedelta(days=2 * k) for k in range(21)]  # to 2026-02-14
    reference = datetime.date(2026, 2, 20)
    response = client.assess_course(
        pb.AssessCourseRequest(
            profile=_profile(neurological_involvement=pb.NEUROLOGICAL_INVOLVEMENT_PRESENT),
            start_date=_date(start),
            reference_date=_date(reference),
            injection_dates=[_date(day) for day in injections],
            neurological_status=pb.COURSE_NEUROLOGICAL_STATUS_PLATEAUED,
            horizon_date=_date(datetime.date(2027, 2, 20)),
        )
    )
    assert response.phase == pb.COURSE_PHASE_MAINTENANCE
    dates = [datetime.date(d.year, d.month, d.day) for d in response.schedule.maintenance_dates]
    # Written by hand: last dose 2026-02-14, then the 14th of every month to the horizon.
    assert dates == [
        datetime.date(2026 + (m - 1) // 12, (m - 1) % 12 + 1, 14) for m in range(3, 15)
    ]
    assert not response.schedule.loading_dates
    assert response.schedule.lab_check_dates
