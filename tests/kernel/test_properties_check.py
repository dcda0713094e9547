"""Properties of ``check_regimen`` (D-CHECK): the invariants every regimen check keeps.

Each property states its law on the kernel's output and asks the independent oracle
(``specs/verification/oracle.py``) for violations of the same ID; every property also runs the
D-CHECK threshold requests of ``specs/verification/properties/examples.py``.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given

from kernel import check_regimen
from kernel.model import (
    CheckRequest,
    Code,
    Formulation,
    InvalidInput,
    NeurologicalInvolvement,
    RegimenCheck,
    Route,
)
from specs.verification import strategies as gen
from specs.verification.oracle import (
    check_check,
    check_expectation,
    judged_facts,
    nothing_proposed,
    wording_problems,
)
from specs.verification.properties.examples import (
    check_examples,
    invalid_check_examples,
    with_examples,
)
from specs.verification.properties.laws import codes, has_critical, violations_of

CYANO = Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML

examples = with_examples("check_request", check_examples())
valid_checks = gen.check_requests("valid")
any_checks = gen.check_requests("any")


def _neuro(request: CheckRequest) -> bool:
    return request.profile.neurological_involvement in {
        NeurologicalInvolvement.PRESENT,
        NeurologicalInvolvement.UNKNOWN,
    }


@pytest.mark.covers("INV-TOTAL-CHECK", "D-CHECK", "D-OUTCOME")
@examples
@given(check_request=any_checks)
def test_every_regimen_check_gives_findings_or_a_validation_error(
    check_request: CheckRequest,
) -> None:
    """Law: every regimen check gives a validation error or findings, never REFER; a profile
    meeting a REFER condition gives the critical REFER_CONDITION_PRESENT with its reasons, and
    platelets < 25 with neurological involvement the critical SUPERVISION_REQUIRED. Cheats ruled
    out: a REFER returned from a check, the reasons silently dropped."""
    outcome = check_regimen(check_request)
    assert isinstance(outcome, InvalidInput | RegimenCheck)
    if isinstance(outcome, RegimenCheck):
        facts = judged_facts(check_request)
        assert outcome.refer_reasons == facts.refer_reasons
        assert has_critical(outcome.findings, Code.REFER_CONDITION_PRESENT) == bool(
            facts.refer_reasons
        )
        assert has_critical(outcome.findings, Code.SUPERVISION_REQUIRED) == facts.supervised
    assert not violations_of(check_check(check_request, outcome), "INV-TOTAL-CHECK")


@pytest.mark.covers("INV-RENAL", "INV-FOLATE", "INV-NEURO-WARNING")
@examples
@given(check_request=valid_checks)
def test_regimen_checks_carry_the_safety_warnings(check_request: CheckRequest) -> None:
    """Law: a regimen check from valid input carries RENAL_PREFER_HYDROXOCOBALAMIN for renal
    impairment with cyanocobalamin, the critical FOLATE_BEFORE_B12 for folic acid first and the
    critical NEURO_SEEK_URGENT_SPECIALIST_ADVICE for neurological involvement. Cheat ruled out:
    safety warnings emitted by plans only, not by the check a clinician runs on a regimen."""
    outcome = check_regimen(check_request)
    profile = check_request.profile
    if isinstance(outcome, RegimenCheck):
        facts = judged_facts(check_request)
        renal = Code.RENAL_PREFER_HYDROXOCOBALAMIN in codes(outcome.findings)
        assert renal == (facts.renal and facts.formulation is CYANO)
        folate = has_critical(outcome.findings, Code.FOLATE_BEFORE_B12)
        assert folate == profile.folic_acid_started_before_b12
        urgent = has_critical(outcome.findings, Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE)
        assert urgent == _neuro(check_request)
    found = check_check(check_request, outcome)
    assert not violations_of(found, "INV-RENAL", "INV-FOLATE", "INV-NEURO-WARNING")


@pytest.mark.covers("INV-LIFELONG", "R-LIFELONG")
@examples
@given(check_request=valid_checks)
def test_a_proposed_stop_date_is_critical(check_request: CheckRequest) -> None:
    """Law: a proposed stop or end date is always the critical finding LIFELONG, and no regimen
    without one gets it. Cheat ruled out: a stop date accepted when levels look normal."""
    outcome = check_regimen(check_request)
    if isinstance(outcome, RegimenCheck):
        stop = check_request.regimen.stop_date is not None
        assert has_critical(outcome.findings, Code.LIFELONG) == stop
    assert not violations_of(check_check(check_request, outcome), "INV-LIFELONG")


@pytest.mark.covers("INV-DOSE", "R-DOSE-1000", "R-FORM-1", "D-CHECK")
@examples
@given(check_request=valid_checks)
def test_any_dose_but_1000_mcg_is_a_finding(check_request: CheckRequest) -> None:
    """Law: a proposed dose of exactly 1000 mcg gives no dose finding; 100 to under 1000 the
    warning DOSE_BELOW_RECOMMENDED; under 100 the critical DOSE_TOO_LOW; over 1000 the critical
    DOSE_ABOVE_MAXIMUM; an oral proposal no dose finding at all (D-CHECK-ROUTE). Cheats ruled
    out: ">= 1000" accepting 1000.1, "100" as too low, an oral dose judged as an injection."""
    outcome = check_regimen(check_request)
    dose = check_request.regimen.dose_per_injection_mcg
    if isinstance(outcome, RegimenCheck) and dose is not None:
        found = codes(outcome.findings)
        dose_codes = found & {
            Code.DOSE_BELOW_RECOMMENDED,
            Code.DOSE_TOO_LOW,
            Code.DOSE_ABOVE_MAXIMUM,
        }
        if check_request.regimen.route is Route.ORAL or dose == 1000:
            assert not dose_codes
        elif dose > 1000:
            assert dose_codes == {Code.DOSE_ABOVE_MAXIMUM}
        elif dose >= 100:
            assert dose_codes == {Code.DOSE_BELOW_RECOMMENDED}
        else:
            assert dose_codes == {Code.DOSE_TOO_LOW}
    assert not violations_of(check_check(check_request, outcome), "INV-DOSE", "D-CHECK")


@pytest.mark.covers("INV-INTERVAL-MAX", "INV-INTERVAL-MONTHLY", "R-MONTHLY-BETTER")
@examples
@given(check_request=valid_checks)
def test_proposed_intervals_are_judged_by_the_first_matching_row(
    check_request: CheckRequest,
) -> None:
    """Law: a proposed interval over 3 months is the critical INTERVAL_ABOVE_MAXIMUM; else over 1
    month where the ileal or Crohn's rule applies the critical INTERVAL_MONTHLY_RULE; at most one
    interval finding is given, and none with an oral proposal (D-CHECK-ROUTE). Cheats ruled out:
    two interval findings at once, 3 months flagged as over the maximum, a 2-monthly interval
    passing after ileal resection."""
    outcome = check_regimen(check_request)
    interval = check_request.regimen.maintenance_interval_months
    if isinstance(outcome, RegimenCheck) and interval is not None:
        found = codes(outcome.findings) & {
            Code.INTERVAL_ABOVE_MAXIMUM,
            Code.INTERVAL_MONTHLY_RULE,
            Code.INTERVAL_LONGER_THAN_RECOMMENDED,
        }
        assert len(found) <= 1
        oral = check_request.regimen.route is Route.ORAL
        assert (Code.INTERVAL_ABOVE_MAXIMUM in found) == (interval > 3 and not oral)
        facts = judged_facts(check_request)
        if 1 < interval <= 3 and (facts.ileal or facts.crohn) and not oral:
            assert found == {Code.INTERVAL_MONTHLY_RULE}
    assert not violations_of(check_check(check_request, outcome), "D-CHECK")


@pytest.mark.covers("INV-FINDINGS", "INV-CITATIONS")
@examples
@given(check_request=any_checks)
def test_check_findings_are_well_formed_and_cited(check_request: CheckRequest) -> None:
    """Law: each code once, with its fixed severity, in order; every finding cites catalogue IDs
    with the references of its R- rules, and every D-CHECK finding cites D-CHECK. Cheats ruled
    out: a finding repeated per loading date, an uncited finding."""
    outcome = check_regimen(check_request)
    if isinstance(outcome, RegimenCheck):
        found = [f.code for f in outcome.findings]
        assert len(found) == len(set(found))
    assert not violations_of(check_check(check_request, outcome), "INV-FINDINGS", "INV-CITATIONS")


@pytest.mark.covers("INV-VALIDATION", "D-INVALID")
@examples
@with_examples("check_request", invalid_check_examples())
@given(check_request=any_checks)
def test_invalid_checks_name_every_offending_field(check_request: CheckRequest) -> None:
    """Law: a check is rejected when D-INVALID says so (a dose <= 0, an interval <= 0, an
    UNSPECIFIED enum, an invalid profile), naming every offending field once. Cheat ruled out: a
    zero dose judged as "too low" instead of rejected."""
    outcome = check_regimen(check_request)
    if check_expectation(check_request).invalid:
        assert isinstance(outcome, InvalidInput)
    assert not violations_of(check_check(check_request, outcome), "INV-VALIDATION")


@pytest.mark.covers("INV-DETERMINISTIC", "D-FIELDS")
@examples
@given(check_request=any_checks)
def test_checking_is_deterministic_and_reads_loading_in_date_order(
    check_request: CheckRequest,
) -> None:
    """Law: the same check gives an equal output, and so does the same check with its loading
    dates in another order (lists are read in date order, D-FIELDS). Cheats ruled out: hidden
    state, "consecutive" taken in the caller's order."""
    first, second = check_regimen(check_request), check_regimen(check_request)
    assert first == second
    assert repr(first) == repr(second)
    dates = sorted(check_request.regimen.loading_dates, reverse=True)
    shuffled = dataclasses.replace(
        check_request,
        regimen=dataclasses.replace(check_request.regimen, loading_dates=tuple(dates)),
    )
    third = check_regimen(shuffled)
    if not isinstance(first, InvalidInput):
        assert third == first


@pytest.mark.covers("INV-CHECK-FORMULATION", "D-CHECK-FORMULATION", "D-RENAL")
@examples
@given(check_request=valid_checks)
def test_a_check_judges_the_proposed_formulation(check_request: CheckRequest) -> None:
    """Law: the renal warning of a check holds exactly when the judged formulation (the
    proposed one if given, else the profile's) is cyanocobalamin and renal impairment holds; a
    proposal unlike the profile adds FORMULATION_DIFFERS_FROM_PROFILE; a check is never
    NOT_COVERED. Cheats ruled out: the renal warning read from the profile while the proposal
    switches to hydroxocobalamin (the switch the plan itself recommends), NOT_COVERED for it."""
    outcome = check_regimen(check_request)
    if isinstance(outcome, RegimenCheck):
        facts = judged_facts(check_request)
        found = codes(outcome.findings)
        assert (Code.RENAL_PREFER_HYDROXOCOBALAMIN in found) == (
            facts.renal and facts.formulation is CYANO
        )
        proposed = check_request.regimen.formulation
        differs = proposed is not None and proposed is not check_request.profile.formulation
        assert (Code.FORMULATION_DIFFERS_FROM_PROFILE in found) == differs
        assert Code.NOT_COVERED not in found
    found_violations = check_check(check_request, outcome)
    assert not violations_of(found_violations, "INV-CHECK-FORMULATION", "D-CHECK-FORMULATION")


@pytest.mark.covers("D-CHECK-EMPTY", "D-CHECK-ROUTE", "D-CHECK-EXTENDED")
@examples
@given(check_request=valid_checks)
def test_an_empty_or_oral_check_never_says_the_regimen_meets_the_rules(
    check_request: CheckRequest,
) -> None:
    """Law: a check with nothing proposed gives NOTHING_PROPOSED; an oral route gives the
    critical ROUTE_ORAL_NOT_COVERED and no dose, interval, loading or site finding. Cheats ruled
    out: an empty check read as "meets the rules", an oral 50 mcg dose judged as an injection."""
    outcome = check_regimen(check_request)
    if isinstance(outcome, RegimenCheck):
        found = codes(outcome.findings)
        assert (Code.NOTHING_PROPOSED in found) == nothing_proposed(check_request)
        if check_request.regimen.route is Route.ORAL:
            assert has_critical(outcome.findings, Code.ROUTE_ORAL_NOT_COVERED)
            assert not found & {
                Code.DOSE_TOO_LOW,
                Code.DOSE_BELOW_RECOMMENDED,
                Code.DOSE_ABOVE_MAXIMUM,
                Code.INTERVAL_ABOVE_MAXIMUM,
                Code.INTERVAL_MONTHLY_RULE,
                Code.INTERVAL_LONGER_THAN_RECOMMENDED,
                Code.LOADING_TOO_FEW,
                Code.LOADING_ALTERNATIVE,
            }
    found_violations = check_check(check_request, outcome)
    assert not violations_of(found_violations, "D-CHECK-EMPTY", "D-CHECK-ROUTE", "D-CHECK")


@pytest.mark.covers("INV-WORDING", "D-WORDING")
@examples
@with_examples("check_request", invalid_check_examples())
@given(check_request=any_checks)
def test_check_texts_name_no_machine_code_and_no_file_path(check_request: CheckRequest) -> None:
    """Law: no finding or violation text of a check contains a machine code or a file path, a
    rule ID it names is whole, and a text citing a product label cites the judged product's.
    Cheat ruled out: REFER_CONDITION_PRESENT listing the reasons by their enum names."""
    outcome = check_regimen(check_request)
    texts = (
        [f.text for f in outcome.findings]
        if isinstance(outcome, RegimenCheck)
        else [v.reason for v in outcome.violations]
    )
    assert all(not wording_problems(text) for text in texts)
    assert not violations_of(check_check(check_request, outcome), "INV-WORDING", "D-WORDING")


@pytest.mark.covers(
    "D-CHECK",
    "D-LOAD-ALT",
    "R-LOAD-ALT",
    "R-LOAD-STD",
    "R-LOAD-NEURO",
    "D-SITE",
    "D-EXTENDED",
)
@examples
@given(check_request=any_checks)
def test_check_agrees_with_the_oracle_on_every_row(check_request: CheckRequest) -> None:
    """Law: the findings are exactly those of the D-CHECK table (dose, route, stop date, interval,
    loading, sites) plus the profile's safety, interval and extended warnings. Cheat ruled out:
    any departure from a D-CHECK row that no single invariant names."""
    outcome = check_regimen(check_request)
    assert check_check(check_request, outcome) == []
